"""Publish one guest.registered event and read the topic back, with confluent-kafka.

Against `make run`:  python3 docs/clients/python/produce_consume.py
KAFKA_BROKERS and SCHEMA_REGISTRY_URL override the dev stack's addresses; GUEST_ID picks the
key. Every record read is printed as one JSON line: partition, offset, key, decoded value.
"""
import json
import os
import uuid
from datetime import datetime, timezone

from confluent_kafka import DeserializingConsumer, SerializingProducer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import StringDeserializer, StringSerializer

BROKERS = os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092")
REGISTRY = os.environ.get("SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081")
TOPIC = "novatrek.guest-identity.guest.registered"

registry = SchemaRegistryClient({"url": REGISTRY})
# The topic's schema is registered by the platform: use it, never register your own copy.
schema = registry.get_latest_version(TOPIC + "-value").schema

# SerializingProducer, not AvroProducer: AvroProducer cannot write a plain string key, and
# our keys are the aggregate id as a UTF-8 string. murmur2_random is the partitioner of
# Java and franz-go (librdkafka's default, consistent_random, hashes with CRC32): without it
# a key lands on another partition than the platform's records of that key.
producer = SerializingProducer({
    "bootstrap.servers": BROKERS,
    "partitioner": "murmur2_random",
    "key.serializer": StringSerializer("utf_8"),
    "value.serializer": AvroSerializer(registry, schema.schema_str, conf={"auto.register.schemas": False}),
})

guest_id = os.environ.get("GUEST_ID") or str(uuid.uuid4())
event_id = str(uuid.uuid4())
producer.produce(TOPIC, key=guest_id, value={
    "metadata": {
        "event_id": event_id,
        "event_type": "guest.registered",
        "occurred_at": datetime.now(timezone.utc),
        "producer": "svc-guest-profiles",
        "correlation_id": event_id,
        "causation_id": None,
    },
    "guest_id": guest_id,
    "email": "ada@example.com",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": None,
    "date_of_birth": None,
    "country_code": "GB",
    "preferred_language": "en",
    "marketing_opt_in": False,
    "referral_code": None,
})
if producer.flush(30) > 0:
    raise SystemExit("produce: not acknowledged within 30 s")

# Read every partition from its start to the end it has now.
consumer = DeserializingConsumer({
    "bootstrap.servers": BROKERS,
    "group.id": "python-example-" + str(uuid.uuid4()),
    "enable.auto.commit": False,
    "key.deserializer": StringDeserializer("utf_8"),
    "value.deserializer": AvroDeserializer(registry),
})
partitions = consumer.list_topics(TOPIC, timeout=30).topics[TOPIC].partitions
ends = {p: consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)[1] for p in partitions}
pending = {p for p, end in ends.items() if end > 0}
consumer.assign([TopicPartition(TOPIC, p, 0) for p in pending])
while pending:
    msg = consumer.poll(30)
    if msg is None:
        raise SystemExit("consume: no record within 30 s; still reading partitions %s" % sorted(pending))
    if msg.error():
        raise SystemExit("consume: %s" % msg.error())
    print(json.dumps({"partition": msg.partition(), "offset": msg.offset(), "key": msg.key(), "value": msg.value()}, default=str), flush=True)
    if msg.offset() + 1 >= ends[msg.partition()]:
        pending.discard(msg.partition())
consumer.close()
