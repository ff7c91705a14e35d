package integration

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
	"github.com/tandem-editor/tandem/ot"
)

// previousRelease is the last commit testdata/releases.txt lists.
func previousRelease(t *testing.T) string {
	f, err := os.Open("testdata/releases.txt")
	require.NoError(t, err)
	defer f.Close()
	var last string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			last = strings.Fields(line)[0]
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, last, "testdata/releases.txt lists no release")
	return last
}

// The previous release's server creates and edits rooms (with snapshots
// along the way); the current server then starts on that database,
// migrates it, and serves every room as the old one did.
func TestReleaseUpgrade(t *testing.T) {
	old := testserver.ReleaseBinary(t, previousRelease(t))
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			args := []string{"--data-dir", t.TempDir(), "--snapshot-every", "3"}
			if backend == "postgres" {
				args = append(args, "--database-url", testenv.PostgresURL(t))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			addr := testserver.FreeAddr(t)
			p := testserver.StartBinary(t, old, addr, args...)
			rest := client.NewREST(p.URL)
			var rooms []client.Room
			for i, lang := range []string{"go", "python", "plaintext"} {
				room, err := rest.CreateRoom(ctx, client.NewRoom{Name: fmt.Sprintf("room %d", i), Language: lang, Content: "start\n"})
				require.NoError(t, err)
				for rev := range 2 + 3*i {
					doc := ot.UTF16Len("start\n") + rev
					var op ot.Operation
					op.Retain(doc).Insert(fmt.Sprint(rev % 10))
					_, _, err := rest.SubmitOp(ctx, room.ID, rev, op, fmt.Sprintf("op-%d", rev))
					require.NoError(t, err)
				}
				rooms = append(rooms, room)
			}
			// What the old server serves of the rooms once it loads them
			// afresh from the database (a loaded room's updatedAt trails
			// the database's).
			require.NoError(t, p.Stop(ctx))
			p = testserver.StartBinary(t, old, addr, args...)
			rest = client.NewREST(p.URL)
			var before []client.Room
			var history [][]client.CommittedOp
			for _, room := range rooms {
				got, err := rest.Room(ctx, room.ID)
				require.NoError(t, err)
				ops, err := rest.OpsRange(ctx, room.ID, 0, got.Revision)
				require.NoError(t, err)
				before, history = append(before, got), append(history, ops)
			}
			require.NoError(t, p.Stop(ctx))

			p = testserver.StartProcess(t, addr, args...)
			rest = client.NewREST(p.URL)
			for i, want := range before {
				got, err := rest.Room(ctx, want.ID)
				require.NoError(t, err, "room %d after the upgrade", i)
				require.Equal(t, want, got, "room %d after the upgrade", i)
				ops, err := rest.OpsRange(ctx, want.ID, 0, got.Revision)
				require.NoError(t, err)
				require.Equal(t, history[i], ops, "history of room %d after the upgrade", i)
				for rev := range got.Revision {
					then, err := rest.RoomAt(ctx, want.ID, rev)
					require.NoError(t, err, "room %d at revision %d", i, rev)
					require.Equal(t, "start\n"+"0123456789"[:rev], then.Content, "room %d at revision %d", i, rev)
				}
			}
		})
	}
}
