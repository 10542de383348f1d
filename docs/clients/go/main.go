// Command go-client publishes one guest.registered event and reads the topic back, with
// franz-go (kgo) and its schema registry package (sr): what another Go team needs, without
// this repository's own publish package.
//
// Against `make run`:  go run ./docs/clients/go
// KAFKA_BROKERS and SCHEMA_REGISTRY_URL override the dev stack's addresses; GUEST_ID picks the key. Every record read
// is printed as one JSON line: partition, offset, key, decoded value.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/schemas"
)

const topic = "novatrek.guest-identity.guest.registered"

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	brokers := strings.Split(env("KAFKA_BROKERS", "127.0.0.1:9092"), ",")
	reg, err := sr.NewClient(sr.URLs(env("SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081")))
	if err != nil {
		return err
	}
	// The topic's schema is registered by the platform: use its latest version.
	latest, err := reg.SchemaByVersion(ctx, topic+"-value", -1)
	if err != nil {
		return err
	}
	schema, err := avro.Parse(latest.Schema.Schema)
	if err != nil {
		return err
	}
	var serde sr.Serde
	serde.Register(latest.ID, &schemas.GuestRegistered{},
		sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(schema, v) }),
		sr.DecodeFn(func(b []byte, v any) error { return avro.Unmarshal(schema, b, v) }))

	// kgo's default partitioner hashes keys with murmur2 like Java; its default codec is
	// snappy, which kafkajs cannot read without a plugin: compress with gzip as we do.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerBatchCompression(kgo.GzipCompression()))
	if err != nil {
		return err
	}
	defer cl.Close()

	id, guestID := uuid.NewString(), env("GUEST_ID", uuid.NewString())
	country := "NO"
	value, err := serde.Encode(&schemas.GuestRegistered{
		Metadata: schemas.EventMetadata{EventID: id, EventType: "guest.registered",
			OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-guest-profiles", CorrelationID: id},
		GuestID: guestID, Email: "roald@example.com", FirstName: "Roald", LastName: "Amundsen",
		CountryCode: &country, PreferredLanguage: "nb",
	})
	if err != nil {
		return err
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(guestID), Value: value}).FirstErr(); err != nil {
		return err
	}

	// Read every partition from its start to the end it has now.
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	from := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			from[o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	cons, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}))
	if err != nil {
		return err
	}
	defer cons.Close()
	for len(from) > 0 {
		fs := cons.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return err
		}
		for _, r := range fs.Records() {
			var ev schemas.GuestRegistered
			if err := serde.Decode(r.Value, &ev); err != nil {
				return fmt.Errorf("partition %d offset %d: %w", r.Partition, r.Offset, err)
			}
			line, _ := json.Marshal(map[string]any{"partition": r.Partition, "offset": r.Offset, "key": string(r.Key), "value": ev})
			fmt.Println(string(line))
			if end, _ := ends.Lookup(topic, r.Partition); r.Offset+1 >= end.Offset {
				delete(from, r.Partition)
			}
		}
	}
	return nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
