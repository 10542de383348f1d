package soak

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/topology"
)

// database is the one database the stack and the services share on the private server.
const database = "soak"

// soak is one run: what it started and what it saw.
type soak struct {
	cfg  Config
	dir  string
	topo *topology.Topology

	pg          *privatePostgres
	vk          *privateValkey
	kafka       string // broker address
	registryURL string // the registry's base URL
	registry    *process
	stack       *process
	env         []string
	fakes       *fakes.Set
	// proxyLn is where the proxy in front of the instances listens.
	proxyLn net.Listener

	mu sync.Mutex
	// instances are the service processes by service name; down marks those a fault
	// stopped on purpose (the supervisor leaves them alone).
	instances map[string][]*process
	down      map[*process]bool
	kills     int // kills so far, to pick the next service (nextVictim)
	report    *Report
	// stopped is when the instances were stopped after the drain: the outbox ages are
	// judged at it.
	stopped time.Time
}

// Run soaks the services (see the package documentation) and returns the report; the
// error is for a soak that could not run, violations are in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	topo, err := topology.Default()
	if err != nil {
		return nil, err
	}
	s := &soak{cfg: cfg, topo: topo, instances: map[string][]*process{}, down: map[*process]bool{},
		report: &Report{Duration: cfg.Duration, Instances: cfg.Instances, Services: len(cfg.Services), Rate: cfg.Rate, Days: cfg.Days,
			Faults: map[string]int{}, Exits: map[string]int{}}}
	if s.dir = cfg.Dir; s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "novatrek-soak-"); err != nil {
			return nil, err
		}
	}
	// The private PostgreSQL runs as user postgres when we are root: it must reach its dir.
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "logs"), 0o755); err != nil {
		return nil, err
	}
	if s.cfg.Logger == nil {
		f, err := os.Create(logPath(s.dir, "soak"))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		s.cfg.Logger = slog.New(slog.NewTextHandler(f, nil))
	}
	s.progress("working in %s", s.dir)
	defer s.stopAll()
	if err := s.start(ctx); err != nil {
		return nil, fmt.Errorf("%w (logs in %s)", err, s.dir)
	}
	if err := s.soak(ctx); err != nil {
		// Not wrapped: an interrupted soak has not passed, even when Ctrl-C asked for it.
		return s.report, fmt.Errorf("soak did not finish: %v (logs in %s)", err, s.dir)
	}
	if err := s.verify(ctx); err != nil {
		return s.report, fmt.Errorf("soak: checking the invariants: %v (logs in %s)", err, s.dir)
	}
	s.report.Checked = true
	if s.report.OK() && cfg.Dir == "" {
		s.stopAll()
		_ = os.RemoveAll(s.dir)
	} else if !s.report.OK() {
		s.progress("invariants violated: the logs stay in %s", s.dir)
	}
	return s.report, nil
}

// start brings up the private servers, the registry, the stack's broker and every
// instance, and waits until each is ready.
func (s *soak) start(ctx context.Context) (err error) {
	pgPort, vkPort, kafkaPort, regPort, stackPort := freePort(), freePort(), freePort(), freePort(), freePort()
	s.pg = &privatePostgres{root: filepath.Join(s.dir, "postgres"), port: uint16(pgPort), log: s.cfg.Logger}
	if err := s.pg.start(ctx); err != nil {
		return err
	}
	if err := s.pg.prepare(ctx, database); err != nil {
		return err
	}
	s.progress("private PostgreSQL on 127.0.0.1:%d", pgPort)
	s.vk = &privateValkey{dir: filepath.Join(s.dir, "valkey"), port: vkPort}
	if err := s.vk.start(ctx); err != nil {
		return err
	}
	s.progress("private Valkey on 127.0.0.1:%d", vkPort)
	s.kafka = "127.0.0.1:" + strconv.Itoa(kafkaPort)
	s.registryURL = "http://127.0.0.1:" + strconv.Itoa(regPort)
	s.env = append(append(os.Environ(), s.cfg.Env...),
		"KAFKA_BROKERS="+s.kafka,
		"SCHEMA_REGISTRY_URL="+s.registryURL,
		"DATABASE_URL="+s.pg.url(database),
		"VALKEY_URL="+s.vk.url(),
		"NOVATREK_DATA_DIR="+filepath.Join(s.dir, "stack"),
	)
	s.registry = s.process("registry", "", "registry", "serve", "--listen", "127.0.0.1:"+strconv.Itoa(regPort), "--dir", filepath.Join(s.dir, "registry"))
	if err := s.registry.start(); err != nil {
		return err
	}
	if err := waitHTTP(ctx, s.registryURL+"/subjects", s.registry, time.Minute); err != nil {
		return err
	}
	// The stack process is the broker (and registers the schemas, migrates every store):
	// it is never a fault's target, since the broker's loss is not what the soak tests.
	s.stack = s.process("stack", "127.0.0.1:"+strconv.Itoa(stackPort), "dev", "--no-services", "--no-child-servers",
		"--schema-registry", "external", "--simulate-rate", "0", "--status-interval", "0")
	if err := s.stack.start(); err != nil {
		return err
	}
	if err := s.stack.waitReady(ctx, 3*time.Minute); err != nil {
		return err
	}
	s.progress("broker on %s, registry on %s", s.kafka, s.registryURL)
	if s.proxyLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return err
	}
	if err := s.startFakes(ctx, "http://"+s.stack.addr, "http://"+s.proxyLn.Addr().String()); err != nil {
		return err
	}
	for _, def := range s.cfg.Services {
		name := def.Describe().Name
		for range s.cfg.Instances {
			if _, err := s.addInstance(name); err != nil {
				return err
			}
		}
	}
	for _, ins := range s.instances {
		for _, in := range ins {
			if err := in.waitReady(ctx, 3*time.Minute); err != nil {
				return err
			}
		}
	}
	s.progress("%d services x %d instances ready", len(s.cfg.Services), s.cfg.Instances)
	return nil
}

// process describes a child of the novatrek binary named name, serving on addr.
func (s *soak) process(name, addr string, args ...string) *process {
	env := s.env
	if addr != "" {
		env = append(env[:len(env):len(env)], "HTTP_ADDR="+addr)
	}
	return &process{name: name, args: append([]string{s.cfg.Binary}, args...), env: env, log: logPath(s.dir, name), addr: addr}
}

// addInstance starts one more `novatrek run` of the service (the stack migrated its store).
func (s *soak) addInstance(name string) (*process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.instances[name]) + 1
	in := s.process(fmt.Sprintf("%s-%d", name, n), "127.0.0.1:"+strconv.Itoa(freePort()), "run", name, "--no-migrate")
	if err := in.start(); err != nil {
		return nil, err
	}
	s.instances[name] = append(s.instances[name], in)
	return in, nil
}

// instancesOf is the proxy's view of a service's processes.
func (s *soak) instancesOf(name string) []*process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*process(nil), s.instances[name]...)
}

// soak runs the simulator, the fault injector and the supervisor for Duration, then waits
// until the services caught up (or Drain passed) and stops them.
func (s *soak) soak(ctx context.Context) error {
	px := &proxy{instances: s.instancesOf, transport: newProxyTransport()}
	srv := &http.Server{Handler: px, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(s.proxyLn) }()
	defer srv.Close()

	faultCtx, stopFaults := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.supervise(faultCtx) }()
	go func() { defer wg.Done(); s.injectFaults(faultCtx) }()
	if s.cfg.Days > 0 {
		s.progress("traffic: %g spec days paced over %v, a fault every %v", s.cfg.Days, s.cfg.Duration, s.cfg.FaultEvery)
	} else {
		s.progress("traffic at %g events/s for %v, a fault every %v", s.cfg.Rate, s.cfg.Duration, s.cfg.FaultEvery)
	}
	began := time.Now()
	simErr := s.simulate(ctx, "http://"+s.proxyLn.Addr().String())
	s.report.Traffic = time.Since(began)
	stopFaults()
	wg.Wait()
	if simErr != nil {
		return simErr
	}
	s.progress("traffic done: %d events; faults: %v; waiting for the services to catch up", s.report.Events, s.report.Faults)
	if err := s.drain(ctx); err != nil {
		return err
	}
	s.stopped = time.Now()
	s.stopInstances()
	return nil
}

// supervise restarts any process that ended without a fault meaning it to (as a
// deployment's supervisor would) and counts those exits.
func (s *soak) supervise(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.restartEnded(true)
	}
}

// restartEnded starts again every process that ended and is not down on purpose; count
// says to count it as an unexpected exit.
func (s *soak) restartEnded(count bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := []*process{s.registry, s.stack}
	for _, ins := range s.instances {
		all = append(all, ins...)
	}
	for _, p := range all {
		if p.running() || s.down[p] {
			continue
		}
		if count {
			s.report.Exits[p.name]++
			s.progress("%s exited by itself; restarting it", p.name)
		}
		if err := p.start(); err != nil {
			s.progress("restart %s: %v", p.name, err)
		}
	}
}

// stopInstances stops every service instance gracefully, so the checks read a store no
// one writes any more.
func (s *soak) stopInstances() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var wg sync.WaitGroup
	for _, ins := range s.instances {
		for _, in := range ins {
			s.down[in] = true
			wg.Add(1)
			go func() { defer wg.Done(); in.stop(20 * time.Second) }()
		}
	}
	wg.Wait()
}

// stopAll stops everything still running, the stores last.
func (s *soak) stopAll() {
	s.stopInstances()
	for _, p := range []*process{s.stack, s.registry} {
		if p != nil {
			s.mu.Lock()
			s.down[p] = true
			s.mu.Unlock()
			p.stop(20 * time.Second)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.vk != nil && s.vk.srv != nil && !s.vk.srv.Exited() {
		_ = s.vk.stop(ctx)
	}
	if s.pg != nil && s.pg.srv != nil && !s.pg.srv.Exited() {
		_ = s.pg.stop(ctx)
	}
	if s.fakes != nil {
		_ = s.fakes.Stop(ctx)
		s.fakes = nil
	}
	if s.proxyLn != nil {
		_ = s.proxyLn.Close()
	}
}

// verify checks the invariants against the stores and the topics.
func (s *soak) verify(ctx context.Context) error {
	s.progress("checking the invariants")
	db, err := pgxpool.New(ctx, s.pg.url(database))
	if err != nil {
		return err
	}
	defer db.Close()
	reg, err := sr.NewClient(sr.URLs(s.registryURL))
	if err != nil {
		return err
	}
	return verify(ctx, s.report, s.cfg.Services, s.cfg.Checks, s.topo, s.kafkaOpts(), serde.New(reg), db, s.cfg.OutboxMaxAge, s.stopped)
}

func (s *soak) kafkaOpts() []kgo.Opt {
	return config.Config{KafkaBrokers: []string{s.kafka}, KafkaCompression: config.DefaultKafkaCompression}.KafkaOpts()
}

func (s *soak) progress(format string, args ...any) {
	fmt.Fprintf(s.cfg.Progress, time.Now().Format("15:04:05")+" "+format+"\n", args...)
}

// freePort returns a loopback port that is free now, not handed out before by this
// process, and outside the kernel's ephemeral range. Ports taken from :0 and released
// came back: the kernel gave the same one to two picks (two instances told one address,
// the second crash-looping on "address already in use" while the first answered its
// readiness probe), and a released ephemeral port can become the local port of one of the
// many outgoing connections twenty processes open. Below that range only another listener
// can take it.
func freePort() int {
	lo, hi := listenPorts()
	for range 1000 {
		p := lo + rand.IntN(hi-lo)
		if !pickedPorts.claim(p) {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		l.Close()
		return p
	}
	panic("soak: no free port below the ephemeral range")
}

// pickedPorts are the ports freePort has handed out in this process.
var pickedPorts = portSet{m: map[int]bool{}}

type portSet struct {
	mu sync.Mutex
	m  map[int]bool
}

// claim marks p picked and reports whether it was not before.
func (s *portSet) claim(p int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[p] {
		return false
	}
	s.m[p] = true
	return true
}

// listenPorts is the range freePort picks from: from 10000 to the start of the kernel's
// ephemeral range (net.ipv4.ip_local_port_range; 32768 when it cannot be read).
func listenPorts() (lo, hi int) {
	hi = 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				hi = n
			}
		}
	}
	return 10000, hi
}

// waitHTTP polls url until it answers 200, the process p ends or timeout passes.
func waitHTTP(ctx context.Context, url string, p *process, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !p.running() {
			return fmt.Errorf("soak: %s exited before it answered (log %s)", p.name, p.log)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("soak: %s not answering at %s within %v (log %s): %w", p.name, url, timeout, p.log, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
