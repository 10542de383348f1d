package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// publishInput is publish's input, read twice: once to check every line, once to send. A
// file is simply opened again; stdin is copied to a temporary file during the first read, so
// neither pass holds more than one line in memory.
type publishInput struct {
	name  string // for messages: the path or "stdin"
	path  string // the file, or "" for stdin
	stdin io.Reader
	spool *os.File // stdin's copy, once the first pass started
}

func newPublishInput(file string, stdin io.Reader) *publishInput {
	if file == "-" {
		return &publishInput{name: "stdin", stdin: stdin}
	}
	return &publishInput{name: file, path: file}
}

// first opens the input for the checking pass.
func (in *publishInput) first() (io.ReadCloser, error) {
	if in.path != "" {
		f, err := os.Open(in.path)
		if err != nil {
			return nil, fmt.Errorf("opening input: %w", err)
		}
		return f, nil
	}
	spool, err := os.CreateTemp("", "novatrek-publish-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary copy of stdin: %w", err)
	}
	in.spool = spool
	return io.NopCloser(io.TeeReader(in.stdin, spool)), nil
}

// second opens the input again for the sending pass.
func (in *publishInput) second() (io.ReadCloser, error) {
	if in.path != "" {
		return in.first()
	}
	if _, err := in.spool.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewinding the temporary copy of stdin: %w", err)
	}
	return io.NopCloser(in.spool), nil
}

// close removes stdin's temporary copy.
func (in *publishInput) close() {
	if in.spool != nil {
		in.spool.Close()
		os.Remove(in.spool.Name())
	}
}

// eachLine calls fn with the number and bytes of every non-blank line of r (the bytes are
// valid until fn returns). It stops at fn's first error.
func eachLine(r io.Reader, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := fn(n, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d is longer than %d bytes", n+1, maxLine)
		}
		return err
	}
	return nil
}
