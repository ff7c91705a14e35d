package client

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
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
// Revision, before any transform.
type RecordedOp struct {
	Client   string       `json:"client"`
	Revision int          `json:"revision"`
	Op       ot.Operation `json:"op"`
	ID       string       `json:"id,omitempty"`
	// T is the time of the submission in milliseconds after the header's
	// CreatedAt.
	T int64 `json:"t"`
}

// RecordingWriter writes a recording, one JSON line per operation. It is
// safe for concurrent use; Close (or Flush) makes the lines durable in the
// underlying writer.
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

// Record writes one submission received at a time; its offset counts from
// the header's CreatedAt.
// Errors: the underlying writer's; after one, every call returns it.
func (rw *RecordingWriter) Record(clientID string, base int, op ot.Operation, id string, at time.Time) error {
	return rw.Write(RecordedOp{Client: clientID, Revision: base, Op: op, ID: id, T: at.Sub(rw.start).Milliseconds()})
}

// Write writes one line as given.
// Errors: the underlying writer's; after one, every call returns it.
func (rw *RecordingWriter) Write(op RecordedOp) error {
	return rw.line(op)
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

// RecordingError is a problem with one line of a recording (1-based; the
// header is line 1).
type RecordingError struct {
	Line int
	Err  error
}

func (e *RecordingError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *RecordingError) Unwrap() error { return e.Err }

// RecordingReader reads a recording line by line.
type RecordingReader struct {
	sc     *bufio.Scanner
	line   int
	header RecordingHeader
}

// maxRecordingLine bounds one line (a document or an operation).
const maxRecordingLine = 64 << 20

// NewRecordingReader reads and checks the header.
// Errors: *RecordingError for line 1, or the reader's error.
func NewRecordingReader(r io.Reader) (*RecordingReader, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxRecordingLine)
	rr := &RecordingReader{sc: sc}
	data, err := rr.next()
	if errors.Is(err, io.EOF) {
		return nil, &RecordingError{Line: 1, Err: errors.New("empty recording: no header")}
	}
	if err != nil {
		return nil, err
	}
	h := &rr.header
	if err := json.Unmarshal(data, h); err != nil {
		return nil, &RecordingError{Line: rr.line, Err: fmt.Errorf("header: %w", err)}
	}
	switch {
	case h.Format != RecordingFormat:
		return nil, &RecordingError{Line: rr.line, Err: fmt.Errorf("header: format is %q, want %q", h.Format, RecordingFormat)}
	case h.Version != RecordingVersion:
		return nil, &RecordingError{Line: rr.line, Err: fmt.Errorf("header: version %d is not supported (want %d)", h.Version, RecordingVersion)}
	case h.Revision < 0:
		return nil, &RecordingError{Line: rr.line, Err: fmt.Errorf("header: negative revision %d", h.Revision)}
	}
	return rr, nil
}

// Header returns the recording's header.
func (rr *RecordingReader) Header() RecordingHeader { return rr.header }

// Line is the number of the line Next last returned.
func (rr *RecordingReader) Line() int { return rr.line }

// Next returns the next operation line; blank lines are skipped. It returns
// io.EOF at the end.
// Errors: *RecordingError for a line that is not a valid operation line
// (bad JSON, an invalid operation, a negative revision), or the reader's error.
func (rr *RecordingReader) Next() (RecordedOp, error) {
	var op RecordedOp
	data, err := rr.next()
	if err != nil {
		return op, err
	}
	var raw struct {
		Client   *string         `json:"client"`
		Revision *int            `json:"revision"`
		Op       json.RawMessage `json:"op"`
		ID       string          `json:"id"`
		T        int64           `json:"t"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return op, &RecordingError{Line: rr.line, Err: err}
	}
	switch {
	case raw.Client == nil:
		return op, &RecordingError{Line: rr.line, Err: errors.New(`no "client"`)}
	case raw.Revision == nil:
		return op, &RecordingError{Line: rr.line, Err: errors.New(`no "revision"`)}
	case *raw.Revision < 0:
		return op, &RecordingError{Line: rr.line, Err: fmt.Errorf("negative revision %d", *raw.Revision)}
	case len(raw.Op) == 0 || bytes.Equal(raw.Op, []byte("null")):
		return op, &RecordingError{Line: rr.line, Err: errors.New(`no "op"`)}
	}
	if err := op.Op.UnmarshalJSON(raw.Op); err != nil {
		return op, &RecordingError{Line: rr.line, Err: err}
	}
	op.Client, op.Revision, op.ID, op.T = *raw.Client, *raw.Revision, raw.ID, raw.T
	return op, nil
}

func (rr *RecordingReader) next() ([]byte, error) {
	for rr.sc.Scan() {
		rr.line++
		if b := bytes.TrimSpace(rr.sc.Bytes()); len(b) > 0 {
			return b, nil
		}
	}
	if err := rr.sc.Err(); err != nil {
		return nil, &RecordingError{Line: rr.line + 1, Err: err}
	}
	return nil, io.EOF
}

// ReadRecording reads a whole recording. Lines[i] is the line number of
// Ops[i].
// Errors: those of NewRecordingReader and Next.
func ReadRecording(r io.Reader) (h RecordingHeader, ops []RecordedOp, lines []int, err error) {
	rr, err := NewRecordingReader(r)
	if err != nil {
		return h, nil, nil, err
	}
	for {
		op, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return rr.Header(), ops, lines, nil
		}
		if err != nil {
			return rr.Header(), ops, lines, err
		}
		ops = append(ops, op)
		lines = append(lines, rr.Line())
	}
}
