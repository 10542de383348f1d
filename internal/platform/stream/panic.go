package stream

import (
	"fmt"
	"runtime/debug"
)

// panicError is a handler panic turned into a failure of its record: one bad event (a nil
// map, an index out of range on an unexpected value) must not take down the process and
// every service in it. The stack is kept for the log; the dead letter carries only the
// message.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.value) }

// guard calls fn and returns its panic, if any, as a *panicError. http.ErrAbortHandler-style
// sentinels do not exist here: every panic of a handler is a failure of the records it was
// given.
func guard(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return fn()
}
