package client

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/ot"
)

const testHeader = `{"format":"tandem-recording","version":1,"room":"r","language":"go","revision":0,"content":"abc","createdAt":"2026-01-02T03:04:05Z"}`

// readAll reads a recording and returns its entries and the first error
// (nil at the end).
func readAll(t *testing.T, data string) (*RecordingReader, []RecordingEntry, error) {
	t.Helper()
	rr, err := NewRecordingReader(strings.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var out []RecordingEntry
	for range 1000 {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return rr, out, nil
		}
		if err != nil {
			return rr, out, err
		}
		out = append(out, e)
	}
	t.Fatal("no end after 1000 lines")
	return nil, nil, nil
}

func TestRecordingWriterAndReaderRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewRecordingWriter(&buf, RecordingHeader{Room: "r", Language: "go", Content: "abc", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	require.NoError(t, err)
	var op, applied ot.Operation
	op.Insert("X").Retain(3)
	applied.Retain(1).Insert("X").Retain(3)
	want := []RecordedOp{
		{Client: "c1", Revision: 0, Op: op, ID: "c1-1", T: 0, Committed: 1},
		{Client: "c2", Revision: 0, Op: op, ID: "c2-1", T: 3, Committed: 2, Applied: &applied},
		{Client: "c2", Revision: 0, Op: op, ID: "c2-1", T: 9, Committed: 2, Resubmitted: true},
	}
	for _, l := range want {
		require.NoError(t, w.Write(l))
	}
	require.NoError(t, w.Checkpoint(2, strings.Repeat("ab", 32)))
	require.NoError(t, w.Close())

	rr, got, err := readAll(t, buf.String())
	require.NoError(t, err)
	require.Equal(t, "abc", rr.Header().Content)
	require.Len(t, got, 4)
	for i, l := range want {
		require.Equal(t, i+2, got[i].Line)
		g := *got[i].Op
		require.True(t, l.Op.Equal(g.Op))
		g.Op, l.Op = ot.Operation{}, ot.Operation{}
		if l.Applied != nil {
			require.True(t, l.Applied.Equal(*g.Applied))
			g.Applied, l.Applied = nil, nil
		}
		require.Equal(t, l, g)
	}
	require.Equal(t, Checkpoint{Revision: 2, SHA256: strings.Repeat("ab", 32)}, *got[3].Checkpoint)
}

func TestRecordingReaderIsStrict(t *testing.T) {
	good := `{"client":"c1","revision":0,"op":["X",3],"t":0}`
	tests := []struct {
		name, header, line, want string
	}{
		{"unknown field", testHeader, `{"client":"c1","revision":0,"op":["X",3],"t":0,"colour":"red"}`, `unknown field "colour"`},
		{"key in another case", testHeader, `{"client":"c1","revision":0,"Revision":5,"op":["X",3],"t":0}`, `unknown field "Revision"`},
		{"key twice", testHeader, `{"client":"c1","revision":0,"revision":1,"op":["X",3],"t":0}`, `"revision" given twice`},
		{"revision as a string", testHeader, `{"client":"c1","revision":"0","op":["X",3],"t":0}`, `field "revision"`},
		{"fractional revision", testHeader, `{"client":"c1","revision":0.5,"op":["X",3],"t":0}`, `field "revision"`},
		{"negative t", testHeader, `{"client":"c1","revision":0,"op":["X",3],"t":-1}`, `field "t": -1 is less than 0`},
		{"null client", testHeader, `{"client":null,"revision":0,"op":["X",3],"t":0}`, `"client" is null`},
		{"no t", testHeader, `{"client":"c1","revision":0,"op":["X",3]}`, `no "t"`},
		{"committed not after the base", testHeader, `{"client":"c1","revision":3,"op":["X",3],"t":0,"committed":3}`, "not after the base"},
		{"resubmission without committed", testHeader, `{"client":"c1","revision":0,"op":["X",3],"id":"a","t":0,"resubmitted":true}`, `need "committed"`},
		{"checkpoint with an op", testHeader, `{"checkpoint":1,"sha256":"` + strings.Repeat("0", 64) + `","op":["X",3]}`, `field "op" in a checkpoint line`},
		{"checkpoint hash in upper case", testHeader, `{"checkpoint":1,"sha256":"` + strings.Repeat("A", 64) + `"}`, "not 64 lowercase hex"},
		{"two objects", testHeader, good + good, "after top-level value"},
		{"an array", testHeader, `[1]`, "not a JSON object"},
		{"cut short", testHeader, `{"client":`, "unexpected end of JSON input"},
		{"header without createdAt", strings.Replace(testHeader, `,"createdAt":"2026-01-02T03:04:05Z"`, "", 1), good, `line 1: header: no "createdAt"`},
		{"header with an unknown field", strings.Replace(testHeader, `"room"`, `"rooms"`, 1), good, `line 1: header: unknown field "rooms"`},
		{"header with a negative revision", strings.Replace(testHeader, `"revision":0`, `"revision":-1`, 1), good, `line 1: header: field "revision"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.header+"\n"+good+"\n\n"+tt.line+"\n")
			require.Error(t, err)
			var re *RecordingError
			require.ErrorAs(t, err, &re)
			require.Contains(t, err.Error(), tt.want)
			if !strings.HasPrefix(tt.want, "line 1") {
				require.Equal(t, 4, re.Line, "the blank line counts")
			}
		})
	}
}

func TestRecordingReaderReadsAnyValidSpelling(t *testing.T) {
	line := " { \"client\" : \"c\\u00e9\" ,\t\"revision\":0,\"op\":[\"a\\\"},]\",3], \"t\":0 } "
	_, got, err := readAll(t, testHeader+"\n"+line+"\n")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "cé", got[0].Op.Client)
	var want ot.Operation
	want.Insert(`a"},]`).Retain(3)
	require.True(t, want.Equal(got[0].Op.Op), "%v", got[0].Op.Op)
}

func TestATornLastLineIsDroppedWithAWarning(t *testing.T) {
	good := `{"client":"c1","revision":0,"op":["X",3],"t":0}`
	rr, got, err := readAll(t, testHeader+"\n"+good+"\n"+`{"client":"c`)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Contains(t, rr.Warning(), "line 3: dropped a torn last line")

	// A last line without its newline that is whole is kept.
	rr, got, err = readAll(t, testHeader+"\n"+good+"\n"+good)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Empty(t, rr.Warning())

	// A bad line that ends with a newline is not torn: it is an error.
	_, _, err = readAll(t, testHeader+"\n"+`{"client":"c`+"\n")
	require.ErrorContains(t, err, "line 2: ")
}

func TestRecordingReaderHoldsOneLine(t *testing.T) {
	// A recording longer than the reader's buffer many times over is read
	// with the buffer it starts with (one line at a time).
	var b strings.Builder
	b.WriteString(testHeader + "\n")
	line := `{"client":"c1","revision":0,"op":["X",3],"t":0}` + "\n"
	for b.Len() < 4<<20 {
		b.WriteString(line)
	}
	rr, err := NewRecordingReader(strings.NewReader(b.String()))
	require.NoError(t, err)
	n := 0
	for {
		_, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		n++
	}
	require.Equal(t, (b.Len()-len(testHeader)-1)/len(line), n)
	require.LessOrEqual(t, cap(rr.buf), 64<<10)
}

// BenchmarkRecordingReader reads operation lines as the recorders write
// them: make bench-like `go test -bench RecordingReader ./client`.
func BenchmarkRecordingReader(b *testing.B) {
	line := `{"client":"c1","revision":123456,"op":[81234,"x",90000],"id":"c1-123456","t":123456,"committed":123457}` + "\n"
	data := testHeader + "\n" + strings.Repeat(line, b.N)
	b.SetBytes(int64(len(line)))
	b.ResetTimer()
	rr, err := NewRecordingReader(strings.NewReader(data))
	require.NoError(b, err)
	for range b.N {
		if _, err := rr.Next(); err != nil {
			b.Fatal(err)
		}
	}
}
