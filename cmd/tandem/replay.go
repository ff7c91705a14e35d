package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/services"
)

func replayCommand() *cli.Command {
	return &cli.Command{
		Name:      "replay",
		Usage:     "replay a recording offline through the sequencer, or live against a server (--url)",
		ArgsUsage: "FILE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Usage: "replay live against this server (empty: offline, in-process)"},
			createTokenFlag(),
			&cli.Float64Flag{Name: "speed", Value: 0, Usage: "live: time factor (1: as recorded, 2: twice as fast, 0: as fast as possible)"},
			&cli.BoolFlag{Name: "print-content", Usage: "print the final content"},
			&cli.StringFlag{Name: "expect-sha256", Usage: "exit non-zero unless the final content has this SHA-256 (hex)"},
			&cli.BoolFlag{Name: "progress", Usage: "show a progress bar even when standard error is not a terminal"},
			&cli.DurationFlag{Name: "timeout", Value: 10 * time.Minute, Usage: "live: give up after this long"},
		},
		Action: replay,
	}
}

// replayResult is the end state of a replay.
type replayResult struct {
	Revision   int
	Content    string
	Ops        int
	Duplicates int
}

func (r replayResult) sha256() string {
	sum := sha256.Sum256([]byte(r.Content))
	return hex.EncodeToString(sum[:])
}

func replay(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("replay needs a recording file", 2)
	}
	f, err := os.Open(c.Args().First())
	if err != nil {
		return err
	}
	defer f.Close()
	h, ops, lines, err := client.ReadRecording(f)
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", c.Args().First(), err), 1)
	}
	bar := newBar(c, len(ops))
	var res replayResult
	if url := c.String("url"); url != "" {
		ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
		defer cancel()
		var room string
		room, res, err = replayLive(ctx, url, c.String("token"), h, ops, lines, c.Float64("speed"), bar)
		if room != "" {
			fmt.Fprintf(c.App.Writer, "room: %s\n", room)
		}
	} else {
		res, err = replayOffline(h, ops, lines, bar)
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", c.Args().First(), err), 1)
	}
	w := c.App.Writer
	fmt.Fprintf(w, "operations: %d (duplicates: %d)\nrevision: %d\nsha256: %s\n", res.Ops, res.Duplicates, res.Revision, res.sha256())
	if c.Bool("print-content") {
		fmt.Fprintf(w, "content:\n%s\n", res.Content)
	}
	if want := strings.ToLower(c.String("expect-sha256")); want != "" && want != res.sha256() {
		return cli.Exit(fmt.Sprintf("sha256 mismatch: got %s, want %s", res.sha256(), want), 1)
	}
	return nil
}

// newBar returns a progress bar on standard error when it is a terminal or
// --progress is set, and nil otherwise.
func newBar(c *cli.Context, n int) *progressbar.ProgressBar {
	fi, err := os.Stderr.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	if !tty && !c.Bool("progress") {
		return nil
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription("replay"),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowIts())
}

// replayOffline feeds the recording through the server's own sequencer,
// in-process and deterministically. A line the sequencer refuses is
// reported with its line number.
func replayOffline(h client.RecordingHeader, ops []client.RecordedOp, lines []int, bar *progressbar.ProgressBar) (replayResult, error) {
	seq, err := services.NewSequencer(h.Revision, h.Content, nil, services.SequencerConfig{Window: len(ops) + 1})
	if err != nil {
		return replayResult{}, err
	}
	res := replayResult{Ops: len(ops)}
	for i, op := range ops {
		if op.Revision < h.Revision {
			return res, &client.RecordingError{Line: lines[i], Err: fmt.Errorf("revision %d is before the recording's start %d", op.Revision, h.Revision)}
		}
		d, err := seq.Propose(services.Submission{ClientID: op.Client, OpID: op.ID, Base: op.Revision, Op: op.Op}, nil)
		if err != nil {
			return res, &client.RecordingError{Line: lines[i], Err: err}
		}
		if d.Duplicate != nil {
			res.Duplicates++
		} else {
			seq.Commit(1)
		}
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	res.Revision, res.Content = seq.Head(), seq.Content()
	return res, nil
}

// replayLive creates a room with the header's content and replays the
// recording into it with one client per recorded client. Each line is
// submitted with its recorded base revision (shifted by the header's) and
// id, at its recorded time divided by speed (speed 0: at once), and never
// before the previous line is acknowledged, so the server commits the lines
// in the file's order, as the offline replay does. At the end every client
// must hold the server's content.
func replayLive(ctx context.Context, url, token string, h client.RecordingHeader, ops []client.RecordedOp, lines []int, speed float64, bar *progressbar.ProgressBar) (string, replayResult, error) {
	rest := client.NewREST(url)
	rest.Token = token
	room, err := rest.CreateRoom(ctx, client.NewRoom{Name: "replay of " + services.RoomIDOf(h.Room).String(), Language: h.Language, Content: h.Content})
	if err != nil {
		return "", replayResult{}, err
	}
	res := replayResult{Ops: len(ops)}
	last := map[string]int{}
	for i, op := range ops {
		last[op.Client] = i
	}
	clients := map[string]*client.Client{}
	defer func() {
		for _, c := range clients {
			_ = c.Close()
		}
	}()
	// finished holds the state of clients closed after their last line.
	type finished struct {
		name     string
		content  string
		revision int
	}
	var done []finished
	seenIDs := map[string]bool{}
	start := time.Now()
	for i, op := range ops {
		if speed > 0 {
			at := start.Add(time.Duration(float64(op.T) * float64(time.Millisecond) / speed))
			select {
			case <-time.After(time.Until(at)):
			case <-ctx.Done():
				return room.ID, res, ctx.Err()
			}
		}
		if op.ID != "" && seenIDs[op.ID] {
			res.Duplicates++
			continue
		}
		seenIDs[op.ID] = true
		c := clients[op.Client]
		if c == nil {
			if c, err = client.Dial(ctx, url, room.ID, client.Options{Name: op.Client, HistoryWindow: len(ops) + 1}); err != nil {
				return room.ID, res, err
			}
			clients[op.Client] = c
		}
		base := op.Revision - h.Revision
		if base < 0 {
			return room.ID, res, &client.RecordingError{Line: lines[i], Err: fmt.Errorf("revision %d is before the recording's start %d", op.Revision, h.Revision)}
		}
		if err := c.WaitRevision(ctx, base); err != nil {
			return room.ID, res, &client.RecordingError{Line: lines[i], Err: fmt.Errorf("waiting for revision %d: %w", op.Revision, err)}
		}
		if err := c.LoadHistory(ctx, base); err != nil {
			return room.ID, res, err
		}
		if err := c.Submit(base, op.Op, op.ID); err != nil {
			return room.ID, res, &client.RecordingError{Line: lines[i], Err: err}
		}
		if err := c.WaitSynced(ctx); err != nil {
			return room.ID, res, &client.RecordingError{Line: lines[i], Err: fmt.Errorf("waiting for the ack: %w", err)}
		}
		if last[op.Client] == i {
			content, rev, _ := c.Snapshot()
			done = append(done, finished{op.Client, content, rev})
			_ = c.Close()
			delete(clients, op.Client)
		}
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	final, err := rest.Room(ctx, room.ID)
	if err != nil {
		return room.ID, res, err
	}
	res.Revision, res.Content = final.Revision+h.Revision, final.Content
	var problems []string
	for _, f := range done {
		at, err := rest.RoomAt(ctx, room.ID, f.revision)
		if err != nil {
			return room.ID, res, err
		}
		if at.Content != f.content {
			problems = append(problems, fmt.Sprintf("client %s diverged at revision %d", f.name, f.revision+h.Revision))
		}
	}
	if len(problems) > 0 {
		return room.ID, res, errors.New(strings.Join(problems, "; "))
	}
	return room.ID, res, nil
}
