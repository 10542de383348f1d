# NovaTrek support domain. `make` alone lists the targets.
#
# The two commands a newcomer needs: `make run` (the embedded dev stack) and `make test`.

GO ?= go

# BENCH_EVENTS is the size of the replay benchmark (issue 2 measures 1,000,000 events);
# `make bench BENCH_EVENTS=100000` gives a quicker, noisier run.
BENCH_EVENTS ?= 1000000
# PIPELINE_RATE is the input rate of the end-to-end latency benchmark (issue 21: 1,000/s).
PIPELINE_RATE ?= 1000
BENCHFLAGS ?= -run '^$$' -benchtime 1x -timeout 30m

# SOAK_MINUTES is how long `make soak` sends traffic and injects faults.
SOAK_MINUTES ?= 3
# SOAK_DAY_MINUTES is the time `make soak-day` spreads its 20x day over (it goes slower when
# the machine cannot keep that pace, and is given up at three times it).
SOAK_DAY_MINUTES ?= 30

.DEFAULT_GOAL := help
.PHONY: help setup run run-kafka test test-real bench bench-peers bench-peers-real bench-scale bench-large bench-real generate lint build kafka-up kafka-down soak soak-day

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## install and start what is missing: PostgreSQL+PostGIS, Redis/Valkey, kcat (Debian/Ubuntu)
	bash scripts/setup

# run builds the binary and execs it rather than `go run`, whose own exit status after Ctrl-C is 1
# even when novatrek stopped cleanly (make would then print "Error 1").
run: setup ## start the embedded dev stack (Kafka, schema registry, every processor) in one process
	$(GO) build -o bin/novatrek ./cmd/novatrek
	exec bin/novatrek dev

test: setup ## run every test against the local PostgreSQL and Redis (the command CI runs)
	go test -count=1 -p 2 -timeout 15m ./...

soak: setup ## every service, two instances each, under traffic and faults on private stores for SOAK_MINUTES (default 3), then the invariants
	$(GO) build -o bin/novatrek ./cmd/novatrek
	bin/novatrek soak --duration $(SOAK_MINUTES)m

soak-day: setup ## as make soak, with exactly one 20x day of traffic (20 times the spec's daily volume per topic) over SOAK_DAY_MINUTES (default 30)
	$(GO) build -o bin/novatrek ./cmd/novatrek
	bin/novatrek soak --day 20 --duration $(SOAK_DAY_MINUTES)m --drain 60m

test-real: setup ## the platform suites and client snippets on a real Apache Kafka broker (started and stopped here; CI runs it)
	bash scripts/test-real

bench: ## run the benchmarks and print their figures (replay, raw insert, outbox relay, pipeline latency, serde)
	@echo "== stream runtime: replay $(BENCH_EVENTS) events (batched, inbox dedupe) vs one transaction per event vs raw PostgreSQL insert"
	STREAM_BENCH_EVENTS=$(BENCH_EVENTS) $(GO) test $(BENCHFLAGS) -bench 'BenchmarkReplay$$|BenchmarkReplayPerEvent|BenchmarkRawInsert' ./internal/platform/stream/
	@echo "== outbox relay: throughput, and its PostgreSQL side alone, beside a raw DELETE … RETURNING drain (CPU per row: process, PostgreSQL); throughput and bytes on the wire per KAFKA_COMPRESSION codec; end-to-end latency at 200 events/s; throughput and latency with fencing beside the plain relay"
	$(GO) test $(BENCHFLAGS) -bench . ./outbox/postgres/
	@echo "== pipeline: produce → runtime → outbox → relay → consumer at $(PIPELINE_RATE) events/s, per stage, beside a bare Kafka round trip and a bare PostgreSQL commit"
	PIPELINE_BENCH_RATE=$(PIPELINE_RATE) $(GO) test $(BENCHFLAGS) -bench PipelineLatency ./internal/testkit/testproc/
	@echo "== the same, the handlers' three writes queued with stream.Deferred (sent with the COMMIT)"
	PIPELINE_BENCH_ROUTES=deferred PIPELINE_BENCH_RATE=$(PIPELINE_RATE) $(GO) test $(BENCHFLAGS) -bench PipelineLatency ./internal/testkit/testproc/
	@echo "== svc-payments: deposit payments through the API (fakes answering at once) beside raw PostgreSQL commits"
	$(GO) test $(BENCHFLAGS) -bench DepositPayments ./processors/payments/
	@echo "== svc-inventory-procurement: stock adjustments with reorder point and alert, 8 clients, beside raw PostgreSQL commits; order transitions p99"
	$(GO) test $(BENCHFLAGS) -bench . ./processors/procurement/
	@echo "== svc-reviews: search and rating reads on BENCH_REVIEWS (default 1,000,000) generated reviews, submissions/s beside raw PostgreSQL commits"
	$(GO) test $(BENCHFLAGS) -bench BenchmarkReviews ./processors/reviews/
	@echo "== svc-notifications: deliveries/s with providers answering in 20 ms; emergency latency behind 10,000 routine messages"
	$(GO) test $(BENCHFLAGS) -bench . ./processors/notifications/delivery/
	@echo "== svc-notifications: the whole delivery path (lane, worker, fakes' callbacks, status events), deliveries/s and CPU µs each beside a hand claim-send-update loop"
	$(GO) test $(BENCHFLAGS) -bench DeliveryPath ./processors/notifications/
	@echo "== svc-weather: cached current conditions through the API beside a raw Valkey GET; 100 concurrent cold misses beside the provider's call chain"
	$(GO) test $(BENCHFLAGS) -bench . ./processors/weather/
	@echo "== svc-location-services: 100,000 locations — nearby k=10, capacity check, z12 tile over HTTP beside brute-force nearest, primary-key read, seq-scan tile"
	$(GO) test $(BENCHFLAGS) -bench LocationQueries ./processors/location/
	@echo "== svc-analytics: rebuild $(BENCH_EVENTS) mixed events into facts and rollups beside COPY of the same rows; endpoints' p50/p99 over the year beside a bare SELECT and /healthz; peak RSS; a forecast's fit beside two cold fits"
	ANALYTICS_BENCH_EVENTS=$(BENCH_EVENTS) $(GO) test $(BENCHFLAGS) -bench BenchmarkRebuild ./processors/analytics/
	$(GO) test $(BENCHFLAGS) -bench FitDaily ./processors/analytics/forecast/
	@echo "== svc-loyalty-rewards: completions replayed into the ledger (booking verified over HTTP) beside raw PostgreSQL commits; GET member latency"
	$(GO) test $(BENCHFLAGS) -bench EarnReplay ./processors/loyalty/
	@echo "== svc-media-gallery: thumbnail + preview of a 12 MP JPEG beside a plain decode; peak RSS of 20 concurrent renders"
	$(GO) test $(BENCHFLAGS) -bench 'Render12MP|TwentyConcurrentRenders' ./processors/media/
	@echo "== novatrek consume: $(BENCH_EVENTS) records decoded to JSON lines into io.Discard, beside franz-go's raw consume"
	CONSUME_BENCH_RECORDS=$(BENCH_EVENTS) $(GO) test $(BENCHFLAGS) -bench BenchmarkConsume ./cmd/novatrek/
	@echo "== web console in headless Chromium: overview and analytics paint beside a bare page; 500 decoded records (one partition, all merged) beside a raw read"
	$(GO) test -run '^$$' -bench . -benchtime 5x ./internal/ops/console/
	@echo "== svc-payments' backups: backup --base (pg_basebackup, then pg_verifybackup) beside a bare pg_basebackup; restore --to-time beside tar -xzf; a throwaway cluster of BENCH_PITR_MB (64) MiB"
	$(GO) test $(BENCHFLAGS) -bench BaseBackupAndRestore ./internal/ops/backup/
	@echo "== Avro serde (Confluent wire format)"
	$(GO) test -run '^$$' -bench . -benchmem ./internal/platform/serde/
	@echo "== the same replay and relay on a real Apache Kafka broker: make bench-real (about 3 minutes with BENCH_EVENTS=100000); the peers table there: make bench-peers-real"
	$(MAKE) bench-peers

# PEERS_EVENTS is the size of the peers' runs. Watermill's SQL forwarder slows as its table
# grows (rows are never deleted; about 120 rows/s into a 100,000-row backlog here), so the
# default keeps the whole comparison to a few minutes.
PEERS_EVENTS ?= 20000

bench-peers: ## replay, outbox relay and lag export beside the peers (hand loop, raw COPY/drain, Watermill router and SQL forwarder, kafka_exporter-style polling), one table on kfake (module bench/)
	cd bench && PEERS_EVENTS=$(PEERS_EVENTS) $(GO) test $(BENCHFLAGS) -bench BenchmarkPeers ./peers/

bench-peers-real: ## the same table with every contender on a real Apache Kafka broker (starts and stops one on port 19292)
	GO=$(GO) PEERS_EVENTS=$(PEERS_EVENTS) bash scripts/bench-peers-real

SCALE_BENCH = 'BenchmarkReplay$$|BenchmarkReplayCopy$$|BenchmarkRawInsert$$'

bench-scale: ## the runtime's replay (HandleBatch, CopyBatch) beside the raw insert at 100,000 and 1,000,000 events: rate, CPU per event, peak RSS
	for n in 100000 1000000; do STREAM_BENCH_EVENTS=$$n $(GO) test $(BENCHFLAGS) -bench $(SCALE_BENCH) ./internal/platform/stream/ || exit 1; done

bench-large: ## the same at 10,000,000 events (the in-process broker's child process holds about 4 GB; about 10 minutes on a quiet machine)
	STREAM_BENCH_EVENTS=10000000 $(GO) test -run '^$$' -benchtime 1x -timeout 2h -bench $(SCALE_BENCH) ./internal/platform/stream/

generate: ## regenerate code (Avro Go types) from the schemas
	$(GO) generate ./...

lint: ## go vet, and fail listing any file gofmt would change
	$(GO) vet ./...
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

build: ## build every package and the novatrek binary into bin/
	$(GO) build ./...
	$(GO) build -o bin/novatrek ./cmd/novatrek

bench-real: ## replay and relay on a real Apache Kafka broker beside kfake, with the JVM's CPU share (starts and stops a broker)
	BENCH_EVENTS=$(BENCH_EVENTS) bash scripts/bench-real

kafka-up: ## start a real Apache Kafka broker on 127.0.0.1:19092 (fetched through Maven once; see docs/real-kafka.md)
	bash scripts/kafka up

run-kafka: setup kafka-up ## the dev stack on the real broker of kafka-up (novatrek dev --kafka external), data in .novatrek-kafka
	$(GO) build -o bin/novatrek ./cmd/novatrek
	NOVATREK_DATA_DIR=$${NOVATREK_DATA_DIR:-.novatrek-kafka} exec bin/novatrek dev --kafka external --brokers 127.0.0.1:$${KAFKA_PORT:-19092}

kafka-down: ## stop the real Apache Kafka broker
	bash scripts/kafka down
