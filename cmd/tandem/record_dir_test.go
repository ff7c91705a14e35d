package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// The recording of a room loaded with "ab" that gets n submissions, each
// appending a letter, two of them concurrent at the first.
func TestRoomRecordingWritesAsItGoes(t *testing.T) {
	dir := t.TempDir()
	rec, err := fileRecorder{dir: dir}.StartRoom(services.RoomInfo{ID: services.RoomIDOf("room-1"), Language: "go"}, 0, "ab")
	require.NoError(t, err)
	files := func() []string {
		names, err := filepath.Glob(filepath.Join(dir, "room-1-*.jsonl"))
		require.NoError(t, err)
		return names
	}
	require.Empty(t, files(), "a room only loaded (read) makes no file")

	doc := ot.NewDocument("ab")
	at := time.Now()
	submit := func(base int, op ot.Operation, committed ot.Operation, rev int, id string) {
		t.Helper()
		doc, err = doc.Apply(committed)
		require.NoError(t, err)
		require.NoError(t, rec.Record(services.RecordedSubmission{
			ClientID: "c", OpID: id, Base: base, Op: op, Received: at.Add(time.Duration(rev) * time.Millisecond),
			Revision: rev, Committed: committed, Content: &doc,
		}))
	}
	var x, y, yAfterX ot.Operation
	x.Retain(2).Insert("x")
	y.Retain(2).Insert("y")
	yAfterX.Retain(2).Insert("y").Retain(1) // the later submission's insert comes first
	submit(0, x, x, 1, "x")
	submit(0, y, yAfterX, 2, "y")
	require.NoError(t, rec.Record(services.RecordedSubmission{ClientID: "c", OpID: "y", Base: 0, Op: y, Received: at, Revision: 2, Resubmitted: true}))

	// Within the flush interval (and some), the lines are in the file.
	require.Len(t, files(), 1)
	var data []byte
	for range 50 {
		if data, err = os.ReadFile(files()[0]); err == nil && strings.Count(string(data), "\n") == 4 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, 4, strings.Count(string(data), "\n"), "%s", data)
	require.Contains(t, string(data), `"committed":2,"applied":[2,"y",1]`)
	require.Contains(t, string(data), `"resubmitted":true`)

	for rev := 3; rev <= client.CheckpointEvery+1; rev++ {
		var op ot.Operation
		op.Retain(doc.Len()).Insert("z")
		submit(rev-1, op, op, rev, "")
	}
	require.NoError(t, rec.Close())
	data, err = os.ReadFile(files()[0])
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Equal(t, `{"checkpoint":101,"sha256":"`+doc.SHA256()+`"}`, lines[len(lines)-1], "the end has a checkpoint")
	require.Contains(t, string(data), `{"checkpoint":100,`)

	out, err := runApp(t, "replay", "--json", files()[0])
	require.NoError(t, err, out)
	rep := decodeReport(t, out)
	require.Equal(t, 2, rep.Checkpoints)
	require.Equal(t, 1, rep.Duplicates)
	require.Equal(t, client.CheckpointEvery+1, rep.Revision)
}

func TestRoomRecordingOfAMissingDirectoryDoesNotStart(t *testing.T) {
	_, err := fileRecorder{dir: filepath.Join(t.TempDir(), "gone")}.StartRoom(services.RoomInfo{ID: services.RoomIDOf("room-secret-id")}, 0, "")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "room-secret-id", "the error names the room by its prefix only")
}
