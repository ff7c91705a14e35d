package client

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// RecordingFormat and RecordingVersion identify a recording's header line.
const (
	RecordingFormat  = "tandem-recording"
	RecordingVersion = 1
)

// CheckpointEvery is how many revisions apart the recorders (tandem record,
// serve --record-dir) put their checkpoints; each recording also ends with
// one.
const CheckpointEvery = 100

// RecordingHeader is a recording's first line: the room as it was when the
// recording starts. See docs/recording.md.
type RecordingHeader struct {
	Format   string `json:"format"`
	Version  int    `json:"version"`
	Room     string `json:"room"`
	Language string `json:"language"`
	// Revision is the room's revision when the recording starts, and
	// Content its document at that revision.
	Revision int    `json:"revision"`
	Content  string `json:"content"`
	// CreatedAt is the instant the time offsets count from.
	CreatedAt time.Time `json:"createdAt"`
}

// RecordedOp is one submitted operation as its client sent it: based on
// Revision, before any transform, and what the server made of it.
type RecordedOp struct {
	Client   string       `json:"client"`
	Revision int          `json:"revision"`
	Op       ot.Operation `json:"op"`
	ID       string       `json:"id,omitempty"`
	// T is the time of the submission in milliseconds after the header's
	// CreatedAt.
	T int64 `json:"t"`
	// Committed is the revision the operation created (for a resubmission,
	// the one its original created); 0 when the recording does not say.
	Committed int `json:"committed,omitempty"`
	// Applied is the operation as the server committed it, after
	// transform, when that differs from Op (only with Committed).
	Applied *ot.Operation `json:"applied,omitempty"`
	// Resubmitted marks a resubmission the server answered as a duplicate
	// of the operation that created Committed.
	Resubmitted bool `json:"resubmitted,omitempty"`
}

// Checkpoint is a recording's statement of the document after a revision:
// the SHA-256 of its UTF-8 text, in hex.
type Checkpoint struct {
	Revision int    `json:"checkpoint"`
	SHA256   string `json:"sha256"`
}

// RecordingWriter writes a recording, one JSON line per operation or
// checkpoint. It is safe for concurrent use; Flush hands the lines to the
// underlying writer, Close flushes and closes it.
type RecordingWriter struct {
	mu     sync.Mutex
	w      *bufio.Writer
	closer io.Closer
	start  time.Time
	err    error
}

// NewRecordingWriter writes the header to w and returns a writer for the
// operations. Format and Version are filled in; a zero CreatedAt becomes
// now. If w is an io.Closer, Close closes it.
func NewRecordingWriter(w io.Writer, h RecordingHeader) (*RecordingWriter, error) {
	h.Format, h.Version = RecordingFormat, RecordingVersion
	if h.CreatedAt.IsZero() {
		h.CreatedAt = time.Now()
	}
	h.CreatedAt = h.CreatedAt.UTC()
	rw := &RecordingWriter{w: bufio.NewWriterSize(w, 64<<10), start: h.CreatedAt}
	rw.closer, _ = w.(io.Closer)
	if err := rw.line(h); err != nil {
		return nil, err
	}
	return rw, nil
}

// Offset is the time offset (RecordedOp.T) of an instant: milliseconds
// after the header's CreatedAt, never negative.
func (rw *RecordingWriter) Offset(at time.Time) int64 {
	return max(0, at.Sub(rw.start).Milliseconds())
}

// Write writes one operation line as given.
// Errors: the underlying writer's; after one, every call returns it.
func (rw *RecordingWriter) Write(op RecordedOp) error {
	return rw.line(op)
}

// Checkpoint writes a checkpoint line.
// Errors: the underlying writer's; after one, every call returns it.
func (rw *RecordingWriter) Checkpoint(revision int, sha256 string) error {
	return rw.line(Checkpoint{Revision: revision, SHA256: sha256})
}

func (rw *RecordingWriter) line(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode recording line: %w", err)
	}
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil {
		return rw.err
	}
	b = append(b, '\n')
	if _, err := rw.w.Write(b); err != nil {
		rw.err = fmt.Errorf("write recording: %w", err)
	}
	return rw.err
}

// Flush writes buffered lines to the underlying writer.
func (rw *RecordingWriter) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil {
		return rw.err
	}
	if err := rw.w.Flush(); err != nil {
		rw.err = fmt.Errorf("write recording: %w", err)
	}
	return rw.err
}

// Close flushes, and closes the underlying writer if it is an io.Closer.
func (rw *RecordingWriter) Close() error {
	err := rw.Flush()
	if rw.closer != nil {
		if cerr := rw.closer.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close recording: %w", cerr)
		}
	}
	return err
}
