package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testserver"
	"github.com/tandem-editor/tandem/ot"
)

// runApp runs the tandem command line with args and returns its standard
// output and error.
func runApp(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, _, err := runApp2(t, args...)
	return out, err
}

// runApp2 is runApp that also returns the standard error.
func runApp2(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &cli.App{
		Name:           "tandem",
		Writer:         &out,
		ErrWriter:      &errOut,
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       []*cli.Command{recordCommand(), replayCommand(), loadgenCommand()},
	}
	err := app.Run(append([]string{"tandem"}, args...))
	return out.String(), errOut.String(), err
}

// exitCode is the exit status a command's error gives.
func exitCode(err error) int {
	var ec cli.ExitCoder
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return ec.ExitCode()
	}
	return 1
}

func shaOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// typeConcurrently has n clients make random edits at once, and returns the
// room's final content.
func typeConcurrently(t *testing.T, base, roomID string, n, edits int, seed uint64) string {
	t.Helper()
	var wg sync.WaitGroup
	clients := make([]*client.Client, n)
	for i := range clients {
		c, err := client.Dial(context.Background(), base, roomID, client.Options{Name: "typist"})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		clients[i] = c
	}
	for i, c := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			for range edits {
				pos, text := r.Float64(), string(rune('a'+r.IntN(26)))
				del := r.IntN(3) == 0
				err := c.EditFunc(func(doc string) (ot.Operation, *ot.Selection, error) {
					var op ot.Operation
					l := ot.UTF16Len(doc)
					p := int(pos * float64(l))
					if del && p < l {
						op.Retain(p).Delete(1).Retain(l - p - 1)
					} else {
						op.Retain(p).Insert(text).Retain(l - p)
					}
					return op, nil, op.Err()
				})
				require.NoError(t, err)
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, c := range clients {
		require.NoError(t, c.WaitSynced(ctx))
	}
	room, err := client.NewREST(base).Room(ctx, roomID)
	require.NoError(t, err)
	return room.Content
}

func TestRecordThenReplayOfflineAndLiveGiveTheSameSHA256(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	rest := client.NewREST(srv.URL)
	room, err := rest.CreateRoom(context.Background(), client.NewRoom{Language: "go", Content: "package main\n\nfunc main() {}\n"})
	require.NoError(t, err)
	want := typeConcurrently(t, srv.URL, room.ID, 3, 40, uint64(time.Now().UnixNano()))

	file := filepath.Join(t.TempDir(), "room.jsonl")
	_, err = runApp(t, "record", "--url", srv.URL, "-o", file, room.ID)
	require.NoError(t, err)

	out, summary, err := runApp2(t, "replay", "--expect-sha256", shaOf(want), "--print-content", file)
	require.NoError(t, err, out)
	require.Contains(t, summary, "sha256: "+shaOf(want))
	require.Equal(t, want, out, "--print-content prints only the content")

	head, err := rest.Room(context.Background(), room.ID)
	require.NoError(t, err)
	out, err = runApp(t, "replay", "--url", srv.URL, "--expect-sha256", shaOf(want), file)
	require.NoError(t, err, out)
	require.Contains(t, out, fmt.Sprintf("revision: %d\n", head.Revision))

	out, err = runApp(t, "replay", "--expect-sha256", shaOf("something else"), file)
	require.Equal(t, exitDiffers, exitCode(err))
	require.Contains(t, err.Error(), "sha256 mismatch")
}

func TestRecordFromARevision(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	rest := client.NewREST(srv.URL)
	room, err := rest.CreateRoom(context.Background(), client.NewRoom{Content: "x"})
	require.NoError(t, err)
	want := typeConcurrently(t, srv.URL, room.ID, 2, 10, 3)
	head, err := rest.Room(context.Background(), room.ID)
	require.NoError(t, err)
	require.Greater(t, head.Revision, 2)
	from := head.Revision / 2

	var buf bytes.Buffer
	set := flag.NewFlagSet("t", flag.ContinueOnError)
	n, err := recordHistory(cli.NewContext(&cli.App{}, set, nil), &buf, rest, room.ID, from, -1)
	require.NoError(t, err)
	require.Equal(t, head.Revision-from, n)
	rr, err := client.NewRecordingReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.Equal(t, from, rr.Header().Revision)
	first, err := rr.Next()
	require.NoError(t, err)
	require.Equal(t, from, first.Op.Revision)
	require.Equal(t, from+1, first.Op.Committed)

	rep, content, err := replayBytes(t, buf.Bytes(), replayOptions{})
	require.NoError(t, err)
	require.Equal(t, head.Revision, rep.Revision)
	require.Equal(t, want, content)
	require.Equal(t, (head.Revision/client.CheckpointEvery)-(from/client.CheckpointEvery)+1, rep.Checkpoints, "every 100 revisions and the last")

	// Live, the room starts again at revision 0 and the bases shift.
	rep, content, err = replayBytes(t, buf.Bytes(), replayOptions{url: srv.URL})
	require.NoError(t, err)
	require.Equal(t, want, content)
	require.Equal(t, head.Revision, rep.Revision)
}

// replayBytes replays a recording with opts and returns the report and the
// final content.
func replayBytes(t *testing.T, data []byte, opts replayOptions) (*replayReport, string, error) {
	t.Helper()
	if opts.window == 0 {
		opts.window = 1000
	}
	opts.keepContent = true
	if opts.from == 0 {
		opts.from = -1
	}
	if opts.to == 0 {
		opts.to = -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := &replayReport{Clients: map[string]*clientCounts{}}
	content, err := runReplay(ctx, bytes.NewReader(data), opts, rep)
	return rep, content, err
}

// concurrentRecording is a recording as the server would write it from
// submissions: lines in commit order, several based on the same revision.
func concurrentRecording(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w, err := client.NewRecordingWriter(&buf, client.RecordingHeader{Room: "r1", Language: "go", Revision: 0, Content: "abc", CreatedAt: start})
	require.NoError(t, err)
	// op decodes an operation in ot.js's JSON form.
	op := func(s string) ot.Operation {
		var o ot.Operation
		require.NoError(t, o.UnmarshalJSON([]byte(s)))
		return o
	}
	lines := []client.RecordedOp{
		{Client: "c1", Revision: 0, Op: op(`["X",3]`), ID: "c1-1", T: 0},
		{Client: "c2", Revision: 0, Op: op(`["Y",3]`), ID: "c2-1", T: 5},  // same position: the later submission goes first
		{Client: "c3", Revision: 0, Op: op(`[1,-1,1]`), ID: "c3-1", T: 7}, // deletes b
		{Client: "c2", Revision: 1, Op: op(`[1,"Z",3]`), ID: "c2-2", T: 9},
		{Client: "c1", Revision: 1, Op: op(`[4,"!"]`), ID: "c1-2", T: 12},
		{Client: "c1", Revision: 1, Op: op(`[4,"!"]`), ID: "c1-2", T: 40}, // resubmitted
	}
	for _, l := range lines {
		require.NoError(t, w.Write(l))
	}
	require.NoError(t, w.Flush())
	return buf.Bytes()
}

func TestConcurrentRecordingReplaysTheSameOfflineAndLive(t *testing.T) {
	file := filepath.Join(t.TempDir(), "concurrent.jsonl")
	require.NoError(t, os.WriteFile(file, concurrentRecording(t), 0o644))
	// abc → Xabc (1) → YXabc (2) → YXac (3) → YXZac (4: c2 inserted Z after X at rev 1) → YXZac! (5)
	want := "YXZac!"

	out, err := runApp(t, "replay", file)
	require.NoError(t, err, out)
	require.Contains(t, out, "sha256: "+shaOf(want))
	require.Contains(t, out, "duplicates: 1")

	srv := testserver.Start(t, testserver.Options{})
	out, err = runApp(t, "replay", "--url", srv.URL, "--speed", "10", "--expect-sha256", shaOf(want), file)
	require.NoError(t, err, out)
	require.Contains(t, out, "revision: 5")
}

func TestReplayOfABadLineNamesIt(t *testing.T) {
	good := concurrentRecording(t)
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	tests := []struct {
		name    string
		line    int // 1-based, the header is line 1
		replace string
		want    string
	}{
		{"operation too long", 4, `{"client":"c3","revision":0,"op":[1,-1,5],"id":"c3-1","t":7}`, "line 4: "},
		{"revision in the future", 5, `{"client":"c2","revision":9,"op":[1,"Z",3],"t":9}`, "line 5: "},
		{"not JSON", 3, `{"client":`, "line 3: "},
		{"no op", 6, `{"client":"c1","revision":1}`, "line 6: "},
		{"id reused for another operation", 7, `{"client":"c1","revision":1,"op":[5,"?"],"id":"c1-2","t":40}`, "line 7: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := append([]string(nil), lines...)
			bad[tt.line-1] = tt.replace
			file := filepath.Join(t.TempDir(), "bad.jsonl")
			require.NoError(t, os.WriteFile(file, []byte(strings.Join(bad, "\n")+"\n"), 0o644))
			_, err := runApp(t, "replay", file)
			require.Equal(t, exitInvalid, exitCode(err), "%v", err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}
