package client

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tandem-editor/tandem/ot"
)

// RecordingError is a problem with one line of a recording (1-based; the
// header is line 1).
type RecordingError struct {
	Line int
	Err  error
}

func (e *RecordingError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *RecordingError) Unwrap() error { return e.Err }

// RecordingEntry is one line of a recording after the header: an
// operation or a checkpoint.
type RecordingEntry struct {
	// Line is its line number.
	Line       int
	Op         *RecordedOp
	Checkpoint *Checkpoint
}

// RecordingReader reads a recording a line at a time, holding one line in
// memory. Decoding is strict: every line is one JSON object whose members
// are the documented ones, spelled exactly (case included), each once, of
// the documented type and never null.
type RecordingReader struct {
	r      *bufio.Reader
	buf    []byte
	line   int
	header RecordingHeader
	warn   string
}

// maxRecordingLine bounds one line (a document or an operation).
const maxRecordingLine = 64 << 20

// NewRecordingReader reads and checks the header.
// Errors: *RecordingError for line 1, or the reader's error.
func NewRecordingReader(r io.Reader) (*RecordingReader, error) {
	rr := &RecordingReader{r: bufio.NewReaderSize(r, 64<<10)}
	data, _, err := rr.next()
	if errors.Is(err, io.EOF) {
		return nil, &RecordingError{Line: 1, Err: errors.New("empty recording: no header")}
	}
	if err != nil {
		return nil, err
	}
	if err := decodeHeader(data, &rr.header); err != nil {
		return nil, &RecordingError{Line: rr.line, Err: fmt.Errorf("header: %w", err)}
	}
	return rr, nil
}

// Header returns the recording's header.
func (rr *RecordingReader) Header() RecordingHeader { return rr.header }

// Line is the number of the line last read.
func (rr *RecordingReader) Line() int { return rr.line }

// Warning says what the reader dropped, if anything: a last line that is
// cut short (no newline, not a valid line), as a crash leaves it.
func (rr *RecordingReader) Warning() string { return rr.warn }

// Next returns the next line; blank lines are skipped. It returns io.EOF at
// the end.
// Errors: *RecordingError for a line that is not a valid operation or
// checkpoint line, or the reader's error.
func (rr *RecordingReader) Next() (RecordingEntry, error) {
	data, terminated, err := rr.next()
	if err != nil {
		return RecordingEntry{}, err
	}
	e := RecordingEntry{Line: rr.line}
	err = decodeEntry(data, &e)
	if err != nil && !terminated {
		rr.warn = fmt.Sprintf("line %d: dropped a torn last line (%d bytes, no newline): %v", rr.line, len(data), err)
		return RecordingEntry{}, io.EOF
	}
	if err != nil {
		return RecordingEntry{}, &RecordingError{Line: rr.line, Err: err}
	}
	return e, nil
}

// next returns the next non-blank line and whether a newline ended it.
func (rr *RecordingReader) next() ([]byte, bool, error) {
	for {
		rr.buf = rr.buf[:0]
		var err error
		for {
			var part []byte
			part, err = rr.r.ReadSlice('\n')
			rr.buf = append(rr.buf, part...)
			if len(rr.buf) > maxRecordingLine {
				return nil, false, &RecordingError{Line: rr.line + 1, Err: fmt.Errorf("line longer than %d bytes", maxRecordingLine)}
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, &RecordingError{Line: rr.line + 1, Err: err}
		}
		if len(rr.buf) == 0 {
			return nil, false, io.EOF
		}
		rr.line++
		terminated := err == nil
		if b := bytes.TrimSpace(rr.buf); len(b) > 0 {
			return b, terminated, nil
		}
	}
}

// member decodes one member's value.
type member func(raw []byte) error

// decodeObject decodes a JSON object strictly: its keys must be in
// members (exact case), each at most once and not null. It returns the
// keys it saw.
func decodeObject(data []byte, members map[string]member) (map[string]bool, error) {
	if !json.Valid(data) {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		return nil, errors.New("invalid JSON")
	}
	i := skipSpace(data, 0)
	if data[i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	seen := make(map[string]bool, len(members))
	// data is valid JSON: what follows '{' or ',' is a key, ':' and a
	// value, then ',' or '}'.
	for i = skipSpace(data, i+1); data[i] != '}'; i = skipSpace(data, i+1) {
		end := endOfValue(data, i)
		key, err := jsonString(data[i:end])
		if err != nil {
			return nil, err
		}
		i = skipSpace(data, skipSpace(data, end)+1) // past ':'
		end = endOfValue(data, i)
		raw := data[i:end]
		decode, ok := members[key]
		switch {
		case !ok:
			return nil, fmt.Errorf("unknown field %q", key)
		case seen[key]:
			return nil, fmt.Errorf("field %q given twice", key)
		case string(raw) == "null":
			return nil, fmt.Errorf("field %q is null", key)
		}
		seen[key] = true
		if err := decode(raw); err != nil {
			return nil, fmt.Errorf("field %q: %w", key, err)
		}
		if i = skipSpace(data, end); data[i] == '}' {
			break
		}
	}
	return seen, nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// endOfValue returns the end of the JSON value that starts at data[i], in
// valid JSON.
func endOfValue(data []byte, i int) int {
	depth, inString := 0, false
	for j := i; j < len(data); j++ {
		c := data[j]
		switch {
		case inString && c == '\\':
			j++
		case inString && c == '"':
			inString = false
			if depth == 0 {
				return j + 1
			}
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return j // the end of a scalar before the enclosing '}'
			}
			if depth--; depth == 0 {
				return j + 1
			}
		case depth == 0 && (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			return j
		}
	}
	return len(data)
}

// jsonString decodes a JSON string value.
func jsonString(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", errors.New("want a string")
	}
	if body := raw[1 : len(raw)-1]; bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// need reports the first of keys that is not in seen.
func need(seen map[string]bool, keys ...string) error {
	for _, key := range keys {
		if !seen[key] {
			return fmt.Errorf("no %q", key)
		}
	}
	return nil
}

func into(v any) member { return func(raw []byte) error { return json.Unmarshal(raw, v) } }

func str(v *string) member {
	return func(raw []byte) (err error) {
		*v, err = jsonString(raw)
		return err
	}
}

// atLeast decodes an integer no smaller than least.
func atLeast[T int | int64](v *T, least T) member {
	return func(raw []byte) error {
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || int64(T(n)) != n {
			return fmt.Errorf("%s is not an integer", raw)
		}
		if *v = T(n); *v < least {
			return fmt.Errorf("%d is less than %d", *v, least)
		}
		return nil
	}
}

func operation(op *ot.Operation) member { return op.UnmarshalJSON }

func decodeHeader(data []byte, h *RecordingHeader) error {
	seen, err := decodeObject(data, map[string]member{
		"format": str(&h.Format), "version": into(&h.Version), "room": str(&h.Room),
		"language": str(&h.Language), "revision": atLeast(&h.Revision, 0),
		"content": str(&h.Content), "createdAt": into(&h.CreatedAt),
	})
	if err == nil {
		err = need(seen, "format", "version", "revision", "content", "createdAt")
	}
	switch {
	case err != nil:
		return err
	case h.Format != RecordingFormat:
		return fmt.Errorf("format is %q, want %q", h.Format, RecordingFormat)
	case h.Version != RecordingVersion:
		return fmt.Errorf("version %d is not supported (want %d)", h.Version, RecordingVersion)
	}
	h.CreatedAt = h.CreatedAt.In(time.UTC)
	return nil
}

// decodeEntry decodes an operation line or, if it has "checkpoint", a
// checkpoint line.
func decodeEntry(data []byte, e *RecordingEntry) error {
	var (
		op      RecordedOp
		cp      Checkpoint
		applied ot.Operation
	)
	seen, err := decodeObject(data, map[string]member{
		"client": str(&op.Client), "revision": atLeast(&op.Revision, 0), "op": operation(&op.Op),
		"id": str(&op.ID), "t": atLeast(&op.T, 0), "committed": atLeast(&op.Committed, 1),
		"applied":     func(raw []byte) error { op.Applied = &applied; return applied.UnmarshalJSON(raw) },
		"resubmitted": into(&op.Resubmitted),
		"checkpoint":  atLeast(&cp.Revision, 0), "sha256": str(&cp.SHA256),
	})
	if err != nil {
		return err
	}
	if seen["checkpoint"] {
		for key := range seen {
			if key != "checkpoint" && key != "sha256" {
				return fmt.Errorf("field %q in a checkpoint line", key)
			}
		}
		if err := need(seen, "sha256"); err != nil {
			return err
		}
		if b, err := hex.DecodeString(cp.SHA256); err != nil || len(b) != 32 || hex.EncodeToString(b) != cp.SHA256 {
			return fmt.Errorf("sha256 %q is not 64 lowercase hex digits", cp.SHA256)
		}
		e.Checkpoint = &cp
		return nil
	}
	if seen["sha256"] {
		return errors.New(`"sha256" without "checkpoint"`)
	}
	switch err := need(seen, "client", "revision", "op", "t"); {
	case err != nil:
		return err
	case op.Committed != 0 && op.Committed <= op.Revision:
		return fmt.Errorf("committed revision %d is not after the base %d", op.Committed, op.Revision)
	case (op.Applied != nil || op.Resubmitted) && op.Committed == 0:
		return errors.New(`"applied" and "resubmitted" need "committed"`)
	case op.Resubmitted && op.ID == "":
		return errors.New(`a resubmission needs its "id"`)
	}
	e.Op = &op
	return nil
}
