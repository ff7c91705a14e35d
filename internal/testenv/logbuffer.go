package testenv

import (
	"bytes"
	"sync"
)

// LogBuffer collects log output, as a logger's destination, for a test to
// read back with String while the code under test may still be writing
// from other goroutines. The zero value is ready to use; safe for
// concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
