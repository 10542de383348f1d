package lag

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/topology"
)

// Defaults of [Config].
const (
	// DefaultWindow is how far back observations count for the status: five minutes, long
	// enough that a consumer committing every few seconds is never mistaken for a stalled one.
	DefaultWindow = 5 * time.Minute
	// DefaultMaxSamples bounds the observations kept per partition.
	DefaultMaxSamples = 100
	// DefaultTimestampTimeout bounds the read of record timestamps for lag seconds.
	DefaultTimestampTimeout = 5 * time.Second
)

// Config configures an Observer. Zero values take the documented defaults.
type Config struct {
	// Client is a plain franz-go client of the cluster (no consumer group). Required. Its
	// options also seed the short-lived consumer that reads record timestamps.
	Client *kgo.Client
	// Groups are observed even when the cluster does not know them (never started, or
	// deleted). Every group the cluster lists is observed as well.
	Groups []string
	// Consumes names, per group, the topics the group must consume: our services that this
	// binary runs (see [ServiceGroups]). Such a group is observed even when the cluster does
	// not know it, and every partition of these topics is reported whether or not the group
	// committed on it: a partition without a commit lags from the log start, so a service
	// that never ran, or never committed on one of its topics, is STOP while records wait
	// there instead of OK with lag 0. Other groups (external ones) show the partitions they
	// committed on or are assigned, as Kafka's tools do. Default: none.
	Consumes map[string][]string
	// Window is how long observations count for the status; default DefaultWindow. The two
	// latest observations are always kept, whatever their age.
	Window time.Duration
	// MaxSamples bounds the observations kept per partition; default DefaultMaxSamples.
	MaxSamples int
	// TimestampTimeout bounds the timestamp read of one observation; default
	// DefaultTimestampTimeout. Partitions not read by then have unknown lag seconds (-1).
	TimestampTimeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Observer takes observations of consumer groups and keeps each partition's window. It is
// safe for concurrent use; observations are taken one at a time.
type Observer struct {
	cfg  Config
	adm  *kadm.Client
	ts   *timestamps
	ours map[string]bool
	mu   sync.Mutex
	win  map[partKey][]Observation
}

type partKey struct {
	group, topic string
	partition    int32
}

// New checks cfg and returns an Observer.
func New(cfg Config) (*Observer, error) {
	if cfg.Client == nil {
		return nil, errors.New("lag: Config.Client is required")
	}
	if cfg.Window < 0 || cfg.MaxSamples < 0 || cfg.TimestampTimeout < 0 {
		return nil, fmt.Errorf("lag: negative Window (%s), MaxSamples (%d) or TimestampTimeout (%s)", cfg.Window, cfg.MaxSamples, cfg.TimestampTimeout)
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.MaxSamples == 0 {
		cfg.MaxSamples = DefaultMaxSamples
	}
	if cfg.TimestampTimeout == 0 {
		cfg.TimestampTimeout = DefaultTimestampTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ours := make(map[string]bool, len(cfg.Groups)+len(cfg.Consumes))
	for _, g := range cfg.Groups {
		ours[g] = true
	}
	for g := range cfg.Consumes {
		ours[g] = true
		cfg.Groups = append(cfg.Groups, g)
	}
	return &Observer{
		cfg:  cfg,
		adm:  kadm.NewClient(cfg.Client),
		ts:   newTimestamps(cfg.Client.Opts(), cfg.TimestampTimeout),
		ours: ours,
		win:  make(map[partKey][]Observation),
	}, nil
}

// Snapshot is one observation of the cluster.
type Snapshot struct {
	At     time.Time `json:"at"`
	Groups []Group   `json:"groups"`
	// Partitions are the offsets of every partition of every topic in the cluster.
	Partitions []TopicPartition `json:"-"`
	// DeadLetters are the dead-letter topics (novatrek.support.dlq.<group>) in the cluster.
	DeadLetters []DeadLetters `json:"-"`
}

// Group is a consumer group as last observed, with the status of its window.
type Group struct {
	Group string `json:"group"`
	// State is Kafka's group state: Stable, PreparingRebalance, CompletingRebalance, Empty
	// (no live member; offsets kept) or Dead (unknown to the cluster).
	State string `json:"state"`
	// Ours says the group is one of our services (Config.Groups or Config.Consumes).
	Ours bool `json:"ours"`
	// Inactive says nobody runs the group: it is not ours, has no live member, and none of
	// its committed offsets moved in the window (tools that commit without joining count as
	// running). Its partitions that would be STOP are EMPTY, and `groups lag` does not fail
	// on it unless asked (--include-inactive).
	Inactive bool     `json:"inactive"`
	Members  []Member `json:"members"`
	Topics   []string `json:"topics"`
	// Lag is the sum of the partitions' lags; LagSeconds the largest of their lag seconds
	// (the age of the oldest unconsumed record), -1 when the group lags and no lagging
	// partition's age could be read.
	Lag        int64   `json:"lag"`
	LagSeconds float64 `json:"lag_seconds"`
	// Status is the worst partition status; Reason explains it.
	Status Status `json:"status"`
	Reason string `json:"reason"`
	// Samples is the number of observations in the window (of the partition with most).
	Samples    int         `json:"samples"`
	Partitions []Partition `json:"partitions"`
	// Err is why the group could not be described or its offsets fetched.
	Err string `json:"error,omitempty"`
}

// Member is a live member of a group.
type Member struct {
	MemberID   string `json:"member_id"`
	InstanceID string `json:"instance_id,omitempty"`
	ClientID   string `json:"client_id"`
	Host       string `json:"host"`
	// Assigned is what the member consumes: topic -> partitions.
	Assigned map[string][]int32 `json:"assigned,omitempty"`
}

// Partition is one partition of a group as last observed.
type Partition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Committed is the group's committed offset, -1 when it committed nothing.
	Committed int64 `json:"committed"`
	Start     int64 `json:"start"`
	HighWater int64 `json:"high_watermark"`
	// End is the last stable offset, the end a read-committed consumer can reach.
	End int64 `json:"end"`
	Lag int64 `json:"lag"`
	// LagSeconds is the age of the oldest unconsumed record, 0 when caught up, -1 unknown.
	LagSeconds float64 `json:"lag_seconds"`
	// Member and Host name the live member that owns the partition, empty when none.
	Member string `json:"member,omitempty"`
	Host   string `json:"host,omitempty"`
	Evaluation
	Err string `json:"error,omitempty"`
	// Refused is why the group's member refuses to consume the partition (see MarkRefused).
	Refused string `json:"refused,omitempty"`
}

// TopicPartition is the log of one partition.
type TopicPartition struct {
	Topic                       string
	Partition                   int32
	Start, HighWater, StableEnd int64
}

// DeadLetters is the content of one group's dead-letter topic.
type DeadLetters struct {
	Group, Topic string
	// Records is what the topic holds now (end minus start, summed over partitions);
	// Produced is every record it ever received (the end offsets).
	Records, Produced int64
}

// Observe takes one observation of the named groups, or of every group in the cluster plus
// Config.Groups when none is named, records it in the windows and returns it. Groups come
// sorted by name, partitions by topic and partition. A group that cannot be described has
// Err set and status ERR; only a failure to reach the cluster at all is returned as an error.
func (o *Observer) Observe(ctx context.Context, only ...string) (Snapshot, error) {
	o.mu.Lock()
	defer o.mu.Unlock()

	names, err := o.groupNames(ctx, only)
	if err != nil {
		return Snapshot{}, err
	}
	start, err := o.adm.ListStartOffsets(ctx)
	if err != nil && !partial(err) {
		return Snapshot{}, fmt.Errorf("lag: list log start offsets: %w", err)
	}
	hw, err := o.adm.ListEndOffsets(ctx)
	if err != nil && !partial(err) {
		return Snapshot{}, fmt.Errorf("lag: list high watermarks: %w", err)
	}
	stable, err := o.adm.ListCommittedOffsets(ctx)
	if err != nil && !partial(err) {
		return Snapshot{}, fmt.Errorf("lag: list last stable offsets: %w", err)
	}
	var described kadm.DescribedGroups
	var fetched kadm.FetchOffsetsResponses
	if len(names) > 0 {
		described, err = o.adm.DescribeGroups(ctx, names...)
		if err != nil && !partial(err) {
			return Snapshot{}, fmt.Errorf("lag: describe groups: %w", err)
		}
		fetched = o.adm.FetchManyOffsets(ctx, names...)
	}
	now := o.cfg.Now()
	snap := Snapshot{At: now, Partitions: topicPartitions(start, hw, stable), DeadLetters: deadLetters(start, hw)}

	for _, name := range names {
		snap.Groups = append(snap.Groups, o.group(name, described, fetched, start, stable, hw, now))
	}
	o.lagSeconds(ctx, &snap)
	o.evaluate(&snap)
	return snap, nil
}

// groupNames is only, or every listed group plus our declared ones, sorted and unique.
func (o *Observer) groupNames(ctx context.Context, only []string) ([]string, error) {
	if len(only) > 0 {
		names := slices.Clone(only)
		slices.Sort(names)
		return slices.Compact(names), nil
	}
	listed, err := o.adm.ListGroups(ctx)
	if err != nil && !partial(err) {
		return nil, fmt.Errorf("lag: list groups: %w", err)
	}
	names := append(listed.Groups(), o.cfg.Groups...)
	slices.Sort(names)
	return slices.Compact(names), nil
}

// partial reports an error that still left some answers (a broker of several failed).
func partial(err error) bool {
	var se *kadm.ShardErrors
	return errors.As(err, &se) && !se.AllFailed
}

func (o *Observer) group(name string, described kadm.DescribedGroups, fetched kadm.FetchOffsetsResponses, start, stable, hw kadm.ListedOffsets, now time.Time) Group {
	g := Group{Group: name, State: "Dead", Ours: o.ours[name], Members: []Member{}, Topics: []string{}, Partitions: []Partition{}}
	d, ok := described[name]
	switch {
	case !ok:
		g.Err = "the cluster did not describe the group"
		return g
	case d.Err != nil && errors.Is(d.Err, kerr.GroupIDNotFound):
		// Unknown to the cluster: Dead, nothing committed; our service's topics still lag.
		o.partitions(&g, kadm.DescribedGroup{Group: name}, nil, start, stable, hw)
		return g
	case d.Err != nil:
		g.Err = fmt.Sprintf("describe: %v", d.Err)
		return g
	}
	if d.State != "" {
		g.State = d.State
	}
	for _, m := range d.Members {
		mem := Member{MemberID: m.MemberID, ClientID: m.ClientID, Host: m.ClientHost}
		if m.InstanceID != nil {
			mem.InstanceID = *m.InstanceID
		}
		if c, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range c.Topics {
				if mem.Assigned == nil {
					mem.Assigned = make(map[string][]int32)
				}
				mem.Assigned[t.Topic] = slices.Sorted(slices.Values(t.Partitions))
			}
		}
		g.Members = append(g.Members, mem)
	}
	f := fetched[name]
	if f.Err != nil {
		if !errors.Is(f.Err, kerr.GroupIDNotFound) {
			g.Err = fmt.Sprintf("fetch offsets: %v", f.Err)
			return g
		}
		f.Fetched = nil
	}
	o.partitions(&g, d, f.Fetched, start, stable, hw)
	return g
}

// partitions fills g's partitions and topics from the group's description and commits. For
// a group with Config.Consumes, every partition of its topics is included: kadm reports
// every partition of a topic it knows the group for (committed on or joined), so the
// topics the group never touched are added to the commits as "nothing committed".
func (o *Observer) partitions(g *Group, d kadm.DescribedGroup, committed kadm.OffsetResponses, start, stable, hw kadm.ListedOffsets) {
	if topics := o.cfg.Consumes[g.Group]; len(topics) > 0 {
		withOurs := make(kadm.OffsetResponses, len(committed)+len(topics))
		maps.Copy(withOurs, committed)
		for _, t := range topics {
			if withOurs[t] == nil {
				withOurs[t] = make(map[int32]kadm.OffsetResponse)
			}
		}
		committed = withOurs
	}
	lags := kadm.CalculateGroupLagWithStartOffsets(d, committed, start, stable)
	for _, l := range lags.Sorted() {
		p := Partition{
			Topic: l.Topic, Partition: l.Partition,
			Committed: l.Commit.At, Start: l.Start.Offset, End: l.End.Offset, Lag: l.Lag,
			HighWater: -1, LagSeconds: 0,
		}
		if h, ok := hw.Lookup(l.Topic, l.Partition); ok && h.Err == nil {
			p.HighWater = h.Offset
		}
		if l.Member != nil {
			p.Member, p.Host = l.Member.ClientID, l.Member.ClientHost
		}
		if l.Err != nil {
			p.Err = l.Err.Error()
			p.Lag = 0
			p.LagSeconds = -1
		}
		g.Partitions = append(g.Partitions, p)
		if !slices.Contains(g.Topics, l.Topic) {
			g.Topics = append(g.Topics, l.Topic)
		}
	}
	sort.Strings(g.Topics)
}

// ServiceGroups returns Config.Consumes for the named services: for each that consumes a
// topic in topo, the names of the topics it consumes. Pass the services this binary runs, not
// every one topics.yaml declares: a declared service nobody has built yet would be STOP
// forever on a cluster where its topics hold records.
func ServiceGroups(topo *topology.Topology, services []string) map[string][]string {
	out := make(map[string][]string)
	for _, s := range services {
		for _, t := range topo.ConsumedBy(s) {
			out[s] = append(out[s], t.Name)
		}
	}
	return out
}

// lagSeconds fills the partitions' LagSeconds from record timestamps.
func (o *Observer) lagSeconds(ctx context.Context, snap *Snapshot) {
	want := make(map[tpo]bool)
	for _, g := range snap.Groups {
		for _, p := range g.Partitions {
			if p.Err == "" && p.Lag > 0 {
				want[tpo{p.Topic, p.Partition, oldestUnconsumed(p)}] = true
			}
		}
	}
	got, err := o.ts.lookup(ctx, want)
	o.ts.retain(want)
	if err != nil {
		o.cfg.Logger.WarnContext(ctx, "lag: reading record timestamps failed; lag seconds unknown for some partitions", "err", err)
	}
	for gi := range snap.Groups {
		g := &snap.Groups[gi]
		for pi := range g.Partitions {
			p := &g.Partitions[pi]
			if p.Err != "" || p.Lag == 0 {
				continue
			}
			ts, ok := got[tpo{p.Topic, p.Partition, oldestUnconsumed(*p)}]
			if !ok {
				p.LagSeconds = -1
				continue
			}
			p.LagSeconds = max(0, snap.At.Sub(ts).Seconds())
		}
	}
}

// oldestUnconsumed is the offset of the first record the group has not consumed.
func oldestUnconsumed(p Partition) int64 { return max(p.Committed, p.Start, 0) }

// evaluate appends the snapshot to the windows, drops the windows of partitions no longer
// seen, and sets every status.
func (o *Observer) evaluate(snap *Snapshot) {
	seen := make(map[partKey]bool)
	cutoff := snap.At.Add(-o.cfg.Window)
	for gi := range snap.Groups {
		g := &snap.Groups[gi]
		g.Status, g.Reason, g.LagSeconds = OK, "no partitions", 0
		unknownSeconds := false
		if g.State == "Dead" && g.Err == "" {
			g.Reason = "unknown to the cluster: never consumed, or deleted"
		}
		if g.Err != "" {
			g.Status, g.Reason = ERR, g.Err
		}
		g.Inactive = o.inactive(g)
		var worstP *Partition
		count := 0
		for pi := range g.Partitions {
			p := &g.Partitions[pi]
			k := partKey{g.Group, p.Topic, p.Partition}
			seen[k] = true
			if p.Err != "" {
				p.Evaluation = Evaluation{ERR, p.Err}
				delete(o.win, k)
			} else {
				w := append(o.win[k], Observation{
					At: snap.At, Committed: p.Committed, Start: p.Start, HighWater: p.HighWater,
					End: p.End, Lag: p.Lag, Owned: p.Member != "",
				})
				w = trimWindow(w, cutoff, o.cfg.MaxSamples)
				o.win[k] = w
				p.Evaluation = Evaluate(w)
				if g.Inactive && p.Status == STOP {
					p.Evaluation = Evaluation{EMPTY, fmt.Sprintf("lag %d; nobody runs this group (no live member, no offset moved, not one of our services)", p.Lag)}
				}
				g.Samples = max(g.Samples, len(w))
			}
			g.Lag += p.Lag
			if p.LagSeconds < 0 {
				unknownSeconds = true
			}
			g.LagSeconds = max(g.LagSeconds, p.LagSeconds)
			switch {
			case worstP == nil || p.Status > worstP.Status:
				worstP, count = p, 1
			case p.Status == worstP.Status:
				count++
			}
		}
		if unknownSeconds && g.LagSeconds == 0 {
			g.LagSeconds = -1 // lagging, and no partition's age could be read
		}
		if worstP != nil && g.Err == "" {
			g.Status = worstP.Status
			g.Reason = fmt.Sprintf("%s[%d]: %s", worstP.Topic, worstP.Partition, worstP.Reason)
			if g.Status != OK && count > 1 {
				g.Reason = fmt.Sprintf("%s on %d partitions; first %s", g.Status, count, g.Reason)
			}
			if g.Status == OK {
				g.Reason = okReason(g)
			}
		}
	}
	for k := range o.win {
		if !seen[k] {
			delete(o.win, k)
		}
	}
}

// inactive reports whether nobody runs g (see Group.Inactive), judged from its members now
// and the committed offsets in its partitions' windows, this observation included.
func (o *Observer) inactive(g *Group) bool {
	if g.Ours || g.Err != "" || len(g.Members) > 0 {
		return false
	}
	for _, p := range g.Partitions {
		for _, ob := range o.win[partKey{g.Group, p.Topic, p.Partition}] {
			if ob.Committed != p.Committed {
				return false
			}
		}
	}
	return true
}

func okReason(g *Group) string {
	if g.Lag == 0 {
		return "caught up"
	}
	return fmt.Sprintf("lag %d, consuming", g.Lag)
}

// trimWindow drops observations older than cutoff (keeping the latest two) and beyond max.
func trimWindow(w []Observation, cutoff time.Time, maxSamples int) []Observation {
	drop := 0
	for drop < len(w)-2 && w[drop].At.Before(cutoff) {
		drop++
	}
	drop = max(drop, len(w)-maxSamples)
	if drop > 0 {
		w = slices.Clone(w[drop:])
	}
	return w
}

func topicPartitions(start, hw, stable kadm.ListedOffsets) []TopicPartition {
	var out []TopicPartition
	hw.Each(func(h kadm.ListedOffset) {
		if h.Err != nil || h.Partition < 0 {
			return
		}
		tp := TopicPartition{Topic: h.Topic, Partition: h.Partition, Start: 0, HighWater: h.Offset, StableEnd: h.Offset}
		if s, ok := start.Lookup(h.Topic, h.Partition); ok && s.Err == nil {
			tp.Start = s.Offset
		}
		if s, ok := stable.Lookup(h.Topic, h.Partition); ok && s.Err == nil {
			tp.StableEnd = s.Offset
		}
		out = append(out, tp)
	})
	slices.SortFunc(out, func(a, b TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out
}

// deadLetters sums the dead-letter topics in the cluster, one per group.
func deadLetters(start, hw kadm.ListedOffsets) []DeadLetters {
	byTopic := make(map[string]*DeadLetters)
	hw.Each(func(h kadm.ListedOffset) {
		group, ok := strings.CutPrefix(h.Topic, topology.DeadLetterPrefix)
		if !ok || group == "" || h.Err != nil || h.Partition < 0 {
			return
		}
		d := byTopic[h.Topic]
		if d == nil {
			d = &DeadLetters{Group: group, Topic: h.Topic}
			byTopic[h.Topic] = d
		}
		d.Produced += h.Offset
		d.Records += h.Offset
		if s, ok := start.Lookup(h.Topic, h.Partition); ok && s.Err == nil {
			d.Records -= s.Offset
		}
	})
	out := make([]DeadLetters, 0, len(byTopic))
	for _, d := range byTopic {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b DeadLetters) int { return strings.Compare(a.Topic, b.Topic) })
	return out
}
