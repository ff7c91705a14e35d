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
