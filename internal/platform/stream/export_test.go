package stream

// SetAfterCommit installs a hook that runs after each store commit, before the Kafka offset
// is marked; returning true simulates a crash right there (Run returns ErrCrashed).
func SetAfterCommit(p *Processor, fn func(topic string, partition int32, next int64) (crash bool)) {
	p.afterCommit = fn
}

// ErrCrashed is what Run returns after a simulated crash.
var ErrCrashed = errCrashed

// SetBeforeStop installs a hook that runs when workers are asked to stop (shutdown,
// revoke, loss), before they are.
func SetBeforeStop(p *Processor, fn func()) { p.beforeStop = fn }
