// Package devstack runs the whole NovaTrek support platform in one process for a laptop or a
// CI job: `novatrek dev`.
//
// Start brings up, in order, each step logged:
//
//   - /healthz, /readyz and /metrics on HTTPAddr (readyz answers 503 until everything is up);
//   - Kafka: an in-process franz-go kfake broker on KafkaAddr, persisted under
//     <DataDir>/kafka, so a restart keeps topics, records and committed group offsets; or,
//     with ExternalBrokers, a cluster from elsewhere, checked to answer;
//   - the schema registry (internal/platform/registry) on RegistryAddr, persisted under
//     <DataDir>/registry, default compatibility BACKWARD_TRANSITIVE, ids stable across
//     restarts; or, with ExternalRegistryURL, a registry from elsewhere, checked to answer;
//   - every topic of topics.yaml, and every schema version of every topic registered;
//   - PostgreSQL: the data dir's own database (named in <DataDir>/stack.json, see
//     config.DevState) on DatabaseServerURL, or DatabaseURL as is when given; created if
//     missing; when nothing answers on a loopback address and the PostgreSQL binaries are
//     installed, a throwaway cluster in <DataDir>/postgres, stopped on exit;
//   - Valkey/Redis at ValkeyURL, every key the services write under the data dir's prefix;
//     when nothing answers on a loopback address and valkey-server or redis-server is
//     installed, one with its files in <DataDir>/valkey, stopped on exit;
//   - a data dir without stack.json (new, deleted, or removed by Reset) first loses the
//     database and keys of its names, which can only be left from an earlier data dir at
//     the same path; stack.json is then written;
//   - the stores of every listed service migrated; the third-party fakes (Config.Fakes)
//     started with their files, the S3 server's objects among them, under <DataDir>/fakes;
//     and the services started;
//   - the stand-ins of the other domains' services on HTTPAddr, each under /<service>/
//     (internal/dev/standin), simulated traffic at SimulateRate (internal/dev/simulate) and a live
//     status line every StatusInterval (status.go); the last two only when configured. The
//     simulator's API calls go to the running service whose Spec declares each call's route
//     (simulate.go); a route none declares is logged once and its calls are skipped.
//
// Close undoes it in reverse: services stop, then the registry, then Kafka (kfake writes its
// final snapshot on Close), then any server the stack started itself.
package devstack
