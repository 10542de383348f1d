package novatrek.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces one novatrek.support.analytics.metric-logged event and consumes it back, with
 * kafka-clients and Apache Avro only.
 *
 * <p>Every value on a NovaTrek topic is in the Confluent wire format: a zero magic byte, the
 * writer schema's registry id (4 bytes, big-endian), then the Avro binary encoding. Producing
 * takes the subject's latest schema and id from the registry; consuming looks the writer
 * schema up by the id in the value (GET /schemas/ids/{id}), which is all the Confluent
 * deserializer does, so teams need no Confluent jar.
 *
 * <p>Settings: KAFKA_BROKERS (127.0.0.1:9092) and SCHEMA_REGISTRY_URL (http://127.0.0.1:8081),
 * the names and defaults of the Go services. Exit status 0 once the event came back intact.
 */
public final class DomainEventRoundTrip {
  static final String TOPIC = "novatrek.support.analytics.metric-logged";
  static final byte MAGIC = 0;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final String registry;
  private final Map<Integer, Schema> byId = new HashMap<>();

  DomainEventRoundTrip(String registry) {
    this.registry = registry.replaceAll("/+$", "");
  }

  public static void main(String[] args) throws Exception {
    String brokers = env("KAFKA_BROKERS", "127.0.0.1:9092");
    var client = new DomainEventRoundTrip(env("SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081"));

    // The subject's latest schema and its id: what a producer writes with.
    JsonNode latest = client.get("/subjects/" + TOPIC + "-value/versions/latest");
    int id = latest.get("id").asInt();
    Schema schema = new Schema.Parser().parse(latest.get("schema").asText());

    String runId = "java-" + UUID.randomUUID();
    GenericRecord event = metricLogged(schema, runId);
    byte[] value = encode(id, schema, event);

    try (var producer = new KafkaProducer<String, byte[]>(producerConfig(brokers))) {
      var meta = producer.send(new ProducerRecord<>(TOPIC, runId, value)).get();
      System.out.printf("produced %s to %s[%d]@%d with schema id %d%n",
          runId, meta.topic(), meta.partition(), meta.offset(), id);
    }

    try (var consumer = new KafkaConsumer<String, byte[]>(consumerConfig(brokers))) {
      consumer.subscribe(List.of(TOPIC));
      Instant deadline = Instant.now().plusSeconds(60);
      while (Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
          if (!runId.equals(rec.key())) {
            continue;
          }
          GenericRecord got = client.decode(rec.value());
          System.out.println("consumed " + got);
          if (!got.equals(event)) {
            System.err.println("the consumed event differs from the produced one");
            System.exit(1);
          }
          System.out.println("round trip OK");
          return;
        }
      }
    }
    System.err.println("the produced event did not come back within 60s");
    System.exit(1);
  }

  /** A metric event with every field set the way a NovaTrek producer sets it. */
  static GenericRecord metricLogged(Schema schema, String runId) {
    Schema metaSchema = schema.getField("metadata").schema();
    GenericRecord metadata = new GenericRecordBuilder(metaSchema)
        .set("event_id", UUID.randomUUID().toString())
        .set("event_type", "analytics.metric.logged")
        .set("occurred_at", Instant.now().toEpochMilli())
        .set("producer", "java-example")
        .set("correlation_id", UUID.randomUUID().toString())
        .build(); // causation_id: its default, null
    return new GenericRecordBuilder(schema)
        .set("metadata", metadata)
        .set("run_id", runId)
        .set("metric_name", "example.java_round_trip")
        .set("value", 1.0)
        .set("unit", "count")
        .set("dimensions", Map.of("client", "java"))
        .set("measured_at", Instant.now().toEpochMilli())
        .build();
  }

  /** The Confluent wire format: magic byte, schema id, Avro binary. */
  static byte[] encode(int id, Schema schema, GenericRecord rec) throws IOException {
    var out = new ByteArrayOutputStream();
    out.write(MAGIC);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(rec, enc);
    enc.flush();
    return out.toByteArray();
  }

  /** Decodes a Confluent-framed value with its writer schema, fetched by id once. */
  GenericRecord decode(byte[] value) throws IOException, InterruptedException {
    if (value == null || value.length < 5 || value[0] != MAGIC) {
      throw new IOException("not in the Confluent wire format (magic byte 0 and a 4-byte schema id)");
    }
    int id = ByteBuffer.wrap(value, 1, 4).getInt();
    Schema writer = byId.get(id);
    if (writer == null) {
      writer = new Schema.Parser().parse(get("/schemas/ids/" + id).get("schema").asText());
      byId.put(id, writer);
    }
    var reader = new GenericDatumReader<GenericRecord>(writer, writer, GenericData.get());
    return reader.read(null, DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    var req = HttpRequest.newBuilder(URI.create(registry + path))
        .header("Accept", "application/vnd.schemaregistry.v1+json").build();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200) {
      throw new IOException("registry GET " + path + ": " + resp.statusCode() + " " + resp.body());
    }
    return json.readTree(resp.body());
  }

  static Properties producerConfig(String brokers) {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }

  static Properties consumerConfig(String brokers) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "java-example-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return p;
  }

  static String env(String name, String def) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? def : v;
  }
}
