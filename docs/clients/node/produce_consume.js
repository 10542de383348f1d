// Publish one guest.registered event and read the topic back, with kafkajs and
// @kafkajs/confluent-schema-registry (no codec plugins: the platform compresses with gzip).
//
// Against `make run`:  (cd docs/clients/node && npm ci && node produce_consume.js)
// KAFKA_BROKERS and SCHEMA_REGISTRY_URL override the dev stack's addresses; GUEST_ID picks the
// key. Every record read is printed as one JSON line: partition, offset, key, decoded value.
const crypto = require('node:crypto')
const { Kafka, logLevel } = require('kafkajs')
const { SchemaRegistry, SchemaType, COMPATIBILITY } = require('@kafkajs/confluent-schema-registry')

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',')
const registryURL = process.env.SCHEMA_REGISTRY_URL || 'http://127.0.0.1:8081'
const registry = new SchemaRegistry({ host: registryURL })
const topic = 'novatrek.guest-identity.guest.registered'
const subject = `${topic}-value`
// kafkajs logs to stdout; keep stdout for the records.
const kafka = new Kafka({
  clientId: 'novatrek-node-example',
  brokers,
  logLevel: logLevel.ERROR,
  logCreator: () => ({ level, log }) => console.error(level, log.message),
})

async function main() {
  // The platform registers the topic's schema. register() is shown because teams call it: it
  // compares the subject's level with its `compatibility` option (default BACKWARD) before
  // registering, so name the topic's level (topics.yaml; BACKWARD_TRANSITIVE unless set).
  // Register the registry's own text: avsc re-renders a schema without its logical types,
  // which would register a second, different version.
  const latest = await (await fetch(`${registryURL}/subjects/${subject}/versions/latest`)).json()
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: latest.schema },
    { subject, compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE },
  )

  // kafkajs 2's default partitioner is Java's murmur2: same key, same partition as ours.
  const producer = kafka.producer()
  await producer.connect()
  const guestId = process.env.GUEST_ID || crypto.randomUUID()
  const eventId = crypto.randomUUID()
  const value = {
    metadata: {
      event_id: eventId,
      event_type: 'guest.registered',
      occurred_at: Date.now(), // timestamp-millis: a number of milliseconds
      producer: 'svc-guest-profiles',
      correlation_id: eventId,
      causation_id: null,
    },
    guest_id: guestId,
    email: 'grace@example.com',
    first_name: 'Grace',
    last_name: 'Hopper',
    phone: null,
    date_of_birth: null,
    country_code: 'US',
    preferred_language: 'en',
    marketing_opt_in: false,
    referral_code: null,
  }
  await producer.send({ topic, messages: [{ key: guestId, value: await registry.encode(id, value) }] })
  await producer.disconnect()

  // Read every partition from its start to the end it has now.
  const admin = kafka.admin()
  await admin.connect()
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]))
  await admin.disconnect()
  const pending = new Set([...ends].filter(([, end]) => end > 0).map(([p]) => p))
  const consumer = kafka.consumer({ groupId: `node-example-${crypto.randomUUID()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const done = new Promise((resolve, reject) => {
    // A record the consumer cannot read (a codec it lacks) crashes it: fail, not exit quietly.
    consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error))
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset)
        if (!pending.has(partition) || offset >= ends.get(partition)) return
        const decoded = await registry.decode(message.value)
        console.log(JSON.stringify({ partition, offset, key: message.key.toString(), value: decoded }))
        if (offset + 1 >= ends.get(partition)) pending.delete(partition)
        if (pending.size === 0) resolve()
      },
    })
  })
  await done
  await consumer.disconnect()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
