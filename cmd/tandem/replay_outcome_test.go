package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testserver"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// sequentialRecording is a recording with its outcome, as tandem record
// writes one: n lines, each appending a letter to "ab", based on the
// revision before it, with the revision it created and checkpoints every
// client.CheckpointEvery revisions and after the last. It returns the
// final document too.
func sequentialRecording(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w, err := client.NewRecordingWriter(&buf, client.RecordingHeader{Room: "r1", Language: "go", Content: "ab", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	require.NoError(t, err)
	doc := "ab"
	for i := range n {
		var op ot.Operation
		op.Retain(len(doc)).Insert(string(rune('a' + i%26)))
		require.NoError(t, w.Write(client.RecordedOp{Client: fmt.Sprintf("c%d", i%2), Revision: i, Op: op, ID: fmt.Sprintf("id-%d", i), T: int64(i), Committed: i + 1}))
		doc += string(rune('a' + i%26))
		if (i+1)%client.CheckpointEvery == 0 || i == n-1 {
			require.NoError(t, w.Checkpoint(i+1, shaOf(doc)))
		}
	}
	require.NoError(t, w.Close())
	return buf.Bytes(), doc
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "rec.jsonl")
	require.NoError(t, os.WriteFile(file, data, 0o644))
	return file
}

// replaceLine replaces line n (1-based) of a recording.
func replaceLine(data []byte, n int, line string) []byte {
	lines := strings.Split(string(data), "\n")
	lines[n-1] = line
	return []byte(strings.Join(lines, "\n"))
}

func decodeReport(t *testing.T, out string) replayReport {
	t.Helper()
	var rep replayReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	return rep
}

func TestReplayJSONReportOfAReproducedRecording(t *testing.T) {
	data, want := sequentialRecording(t, 150)
	out, err := runApp(t, "replay", "--json", writeFile(t, data))
	require.NoError(t, err)
	rep := decodeReport(t, out)
	require.Equal(t, 0, rep.ExitCode)
	require.Equal(t, 1+150+2, rep.Lines)
	require.Equal(t, 150, rep.Operations)
	require.Equal(t, 150, rep.Revision)
	require.Equal(t, 2, rep.Checkpoints)
	require.Equal(t, shaOf(want), rep.SHA256)
	require.Equal(t, map[string]*clientCounts{"c0": {Operations: 75}, "c1": {Operations: 75}}, rep.Clients)
	require.Empty(t, rep.Refusals)
	require.Nil(t, rep.Divergence)
	// The names outside tooling reads.
	for _, key := range []string{`"lines"`, `"revision"`, `"sha256"`, `"clients"`, `"refusals"`, `"divergence"`, `"exitCode"`} {
		require.Contains(t, out, key)
	}
}

func TestReplayNamesTheFirstDivergingLine(t *testing.T) {
	data, _ := sequentialRecording(t, 150)
	var six ot.Operation
	six.Retain(7).Insert("?")
	tests := []struct {
		name   string
		data   []byte
		line   int
		reason string
		diff   string
	}{
		{
			// The recording says the server committed another operation
			// than the replay does: the diff shows the documents.
			"operation committed", replaceLine(data, 7, `{"client":"c0","revision":5,"op":[7,"f"],"id":"id-5","t":5,"committed":6,"applied":[7,"?"]}`),
			7, `it committed retain 7, insert 'f', the recording says retain 7, insert '?'`, "- \"ababcde?\"\n+ \"ababcdef\"",
		},
		{"revision created", replaceLine(data, 4, `{"client":"c0","revision":2,"op":[4,"c"],"id":"id-2","t":2,"committed":4}`), 4, "it created revision 3, the recording says 4", ""},
		{"checkpoint", replaceLine(data, 102, `{"checkpoint":100,"sha256":"`+strings.Repeat("0", 64)+`"}`), 102, "the document differs from the checkpoint's", ""},
		{"checkpoint revision", replaceLine(data, 102, `{"checkpoint":99,"sha256":"`+strings.Repeat("0", 64)+`"}`), 102, "a checkpoint of revision 99 where the replay is at revision 100", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runApp(t, "replay", "--json", writeFile(t, tt.data))
			require.Equal(t, exitDiffers, exitCode(err), "%v", err)
			rep := decodeReport(t, out)
			require.Equal(t, exitDiffers, rep.ExitCode)
			require.NotNil(t, rep.Divergence)
			d := rep.Divergence
			require.Equal(t, tt.line, d.Line)
			require.Contains(t, d.Reason, tt.reason)
			require.Equal(t, tt.line-1, d.SinceLine, "the line before still matched")
			require.Contains(t, d.Diff, tt.diff)
			require.Contains(t, err.Error(), fmt.Sprintf("line %d diverges", tt.line))
		})
	}
}

func TestShortDiff(t *testing.T) {
	tests := []struct{ want, got, diff string }{
		{"abc\ndef", "abc\ndxf", "@@ first difference at line 2, column 2 (byte 5)\n- \"abc\\ndef\"\n+ \"abc\\ndxf\""},
		{"héllo", "hello", "line 1, column 2 (byte 1)"},
		{strings.Repeat("a", 100) + "X" + strings.Repeat("b", 200), strings.Repeat("a", 100) + strings.Repeat("b", 200), `- "` + strings.Repeat("a", 40) + `Xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"`},
	}
	for _, tt := range tests {
		require.Contains(t, shortDiff(tt.want, tt.got), tt.diff)
	}
}

func TestReplayExitCodes(t *testing.T) {
	data, want := sequentialRecording(t, 10)
	file := writeFile(t, data)
	_, err := runApp(t, "replay", "--expect-sha256", shaOf(want), file)
	require.Equal(t, exitReproduced, exitCode(err))
	_, err = runApp(t, "replay", "--expect-sha256", shaOf("other"), file)
	require.Equal(t, exitDiffers, exitCode(err))
	_, err = runApp(t, "replay", writeFile(t, replaceLine(data, 3, `{"client":"c1","revision":1,"op":[3,"b"],"t":1,"Committed":2}`)))
	require.Equal(t, exitInvalid, exitCode(err))
	require.ErrorContains(t, err, `line 3: unknown field "Committed"`)
	_, err = runApp(t, "replay", "--speed", "-1", "--url", "http://127.0.0.1:1", file)
	require.Equal(t, exitInvalid, exitCode(err))
	_, err = runApp(t, "replay", "--speed", "2", file)
	require.Equal(t, exitInvalid, exitCode(err), "--speed offline is refused, not ignored")

	// A line the sequencer refuses: the recording is invalid unless it
	// says the server committed it (then the outcome differs).
	bad := `{"client":"c1","revision":1,"op":[9,"b"],"t":1}`
	_, err = runApp(t, "replay", writeFile(t, replaceLine(data, 3, bad)))
	require.Equal(t, exitInvalid, exitCode(err))
	require.ErrorContains(t, err, "line 3: refused: invalid_op: operation does not fit revision 1")
	require.NotContains(t, err.Error(), "fit revision 1: operation does not fit", "the error is not doubled")
	_, err = runApp(t, "replay", writeFile(t, replaceLine(data, 3, strings.Replace(bad, `"t":1`, `"t":1,"committed":2`, 1))))
	require.Equal(t, exitDiffers, exitCode(err))

	// Live, a refusal by the server exits 3 and names the line and code.
	cfg := services.DefaultConfig()
	cfg.Room.Sequencer.MaxDocumentSize = 8
	srv := testserver.Start(t, testserver.Options{Config: &cfg})
	out, err := runApp(t, "replay", "--json", "--url", srv.URL, file)
	require.Equal(t, exitRefused, exitCode(err), "%v", err)
	require.ErrorContains(t, err, "line 8: the server refused it: too_large")
	rep := decodeReport(t, out)
	require.Equal(t, []refusal{{Line: 8, Client: "c0", Code: "too_large", Message: rep.Refusals[0].Message}}, rep.Refusals)
	require.Equal(t, 6, rep.Revision, "the lines before it were committed")
}

func TestReplayReadsStandardInput(t *testing.T) {
	data, want := sequentialRecording(t, 5)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	go func() { _, _ = w.Write(data); _ = w.Close() }()
	stdin := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = stdin; _ = r.Close() })
	out, err := runApp(t, "replay", "--expect-sha256", shaOf(want), "-")
	require.NoError(t, err, out)
	require.Contains(t, out, "revision: 5\n")
}

func TestReplayOfATornRecordingWarns(t *testing.T) {
	data, _ := sequentialRecording(t, 5)
	// A crash cuts the last line short; the checkpoint after line 5 is
	// lost with it.
	data = data[:bytes.LastIndex(data, []byte(`{"client":"c0","revision":4`))+12]
	out, errOut, err := runApp2(t, "replay", writeFile(t, data))
	require.NoError(t, err)
	require.Contains(t, out, "revision: 4\n")
	require.Contains(t, errOut, "warning: ")
	require.Contains(t, errOut, "line 6: dropped a torn last line")
}

func TestReplayToAndStep(t *testing.T) {
	data, _ := sequentialRecording(t, 150)
	file := writeFile(t, data)
	out, err := runApp(t, "replay", "--from", "98", "--to", "101", "--step", file)
	require.NoError(t, err, out)
	require.Contains(t, out, "revision: 101\n")
	require.Contains(t, out, "checkpoints: 1\n", "the checkpoint at 100 is checked, the one at 150 is past --to")
	var steps []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "revision ") {
			steps = append(steps, l)
		}
	}
	require.Len(t, steps, 3)
	require.Equal(t, fmt.Sprintf("revision 99 line 100 client c0 sha256 %s op retain 100, insert 'u'", shaOf("ab"+strings.Repeat("abcdefghijklmnopqrstuvwxyz", 3)+"abcdefghijklmnopqrstu")), steps[0])
	require.Contains(t, steps[2], "revision 101 line 103 ")
}

func TestLiveReplayFromARevision(t *testing.T) {
	data, want := sequentialRecording(t, 150)
	srv := testserver.Start(t, testserver.Options{})
	out, errOut, err := runApp2(t, "replay", "--url", srv.URL, "--from", "120", "--expect-sha256", shaOf(want), writeFile(t, data))
	require.NoError(t, err, "%s%s", out, errOut)
	require.Contains(t, out, "revision: 150\n")
	room := strings.TrimSpace(strings.TrimPrefix(errOut, "room: "))
	head, err := client.NewREST(srv.URL).Room(t.Context(), room)
	require.NoError(t, err)
	require.Equal(t, 30, head.Revision, "the live room started at revision 120's document")
}

func TestBisectFindsTheFirstRefusedLine(t *testing.T) {
	data, _ := sequentialRecording(t, 40)
	file := writeFile(t, data)
	cfg := services.DefaultConfig()
	cfg.Room.Sequencer.MaxDocumentSize = 20 // the 19th letter is too many
	srv := testserver.Start(t, testserver.Options{Config: &cfg})
	out, err := runApp(t, "replay", "bisect", "--json", "--url", srv.URL, file)
	require.NoError(t, err, out)
	var res bisectResult
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, 20, res.Line)
	require.Equal(t, 19, res.Operation)
	require.Contains(t, res.Failure, "exit 3: line 20: the server refused it: too_large")
	require.LessOrEqual(t, res.Runs, 8)

	// With --cmd, any check: here a prefix fails once it has the 30th
	// operation (its id).
	out, err = runApp(t, "replay", "bisect", "--cmd", `! grep -q '"id-29"' "$TANDEM_REPLAY_FILE"`, file)
	require.NoError(t, err, out)
	require.Contains(t, out, "first failing line: 31 (operation 30 of 40;")

	_, err = runApp(t, "replay", "bisect", "--cmd", "true", file)
	require.Equal(t, exitDiffers, exitCode(err), "nothing fails")
}
