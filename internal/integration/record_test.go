package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testserver"
)

// A server started with --record-dir writes the submissions as they
// arrived, before transform; replaying that file offline through the
// sequencer gives exactly the room's content, concurrency included.
func TestServerRecordingReplaysToTheSameContent(t *testing.T) {
	dir := t.TempDir()
	p := testserver.StartProcess(t, testserver.FreeAddr(t), "--data-dir", t.TempDir(), "--record-dir", dir)
	roomID := createRoom(t, p.URL)
	typists := startTypists(t, p.URL, roomID, 4)
	typeTogether(typists, time.Second, 42)
	content := checkConverged(t, p.URL, roomID, initialText, typists)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, p.Stop(ctx), "graceful stop flushes the recording")
	files, err := filepath.Glob(filepath.Join(dir, roomID+"-*.jsonl"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	lines, err := os.ReadFile(files[0])
	require.NoError(t, err)
	t.Logf("recording has %d lines", strings.Count(string(lines), "\n"))

	sum := sha256.Sum256([]byte(content))
	out, err := exec.Command(testserver.Binary(t), "replay", "--expect-sha256", hex.EncodeToString(sum[:]), files[0]).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// A recording is on disk while its room is active (flushed every second),
// a room only read makes no file, and a crash (kill -9) leaves a file that
// replays to the content.
func TestServerRecordingIsWrittenAsItGoes(t *testing.T) {
	dir := t.TempDir()
	p := testserver.StartProcess(t, testserver.FreeAddr(t), "--data-dir", t.TempDir(), "--record-dir", dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	read := createRoom(t, p.URL)
	_, err := client.NewREST(p.URL).Room(ctx, read)
	require.NoError(t, err)
	reader := newTypist(t, p.URL, read, "reader", nil)
	require.NoError(t, reader.c.WaitSynced(ctx))

	roomID := createRoom(t, p.URL)
	typists := startTypists(t, p.URL, roomID, 3)
	typeTogether(typists, 500*time.Millisecond, 7)
	content := checkConverged(t, p.URL, roomID, initialText, typists)
	sum := sha256.Sum256([]byte(content))

	replayed := func() (string, error) {
		files, err := filepath.Glob(filepath.Join(dir, roomID+"-*.jsonl"))
		require.NoError(t, err)
		require.Len(t, files, 1)
		out, err := exec.Command(testserver.Binary(t), "replay", "--expect-sha256", hex.EncodeToString(sum[:]), files[0]).CombinedOutput()
		return string(out), err
	}
	var out string
	for range 30 { // the room stays loaded: the lines come from the flush
		if out, err = replayed(); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.NoError(t, err, "%s", out)
	files, err := filepath.Glob(filepath.Join(dir, read+"-*.jsonl"))
	require.NoError(t, err)
	require.Empty(t, files, "no file for a room only read")

	p.Kill()
	out, err = replayed()
	require.NoError(t, err, "%s", out)
}
