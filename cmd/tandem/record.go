package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/ot"
)

func recordCommand() *cli.Command {
	return &cli.Command{
		Name:      "record",
		Usage:     "write a room's committed history as a recording (JSON Lines; see docs/recording.md)",
		ArgsUsage: "ROOM_ID",
		Flags: []cli.Flag{
			serverURLFlag(),
			&cli.IntFlag{Name: "from", Usage: "start at this revision (the header holds the content at it)"},
			&cli.IntFlag{Name: "to", Value: -1, Usage: "stop at this revision (-1: the head)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "file to write (-: standard output)"},
		},
		Action: record,
	}
}

func record(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("record needs a room id", 2)
	}
	var out io.Writer = struct{ io.Writer }{os.Stdout} // not closed
	if name := c.String("output"); name != "-" {
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		out = f
	}
	n, err := recordHistory(c, out, client.NewREST(c.String("url")), c.Args().First(), c.Int("from"), c.Int("to"))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "recorded %d operations\n", n)
	return nil
}

// recordHistory writes the committed operations (from, to] of a room as a
// recording: each becomes a line based on the revision before it, so a
// replay is sequential, with the revision it created, and a checkpoint
// every client.CheckpointEvery revisions and after the last. to < 0 means
// the head.
func recordHistory(c *cli.Context, w io.Writer, rest *client.REST, roomID string, from, to int) (int, error) {
	ctx := c.Context
	room, err := rest.RoomAt(ctx, roomID, from)
	if err != nil {
		return 0, err
	}
	head, err := rest.Room(ctx, roomID)
	if err != nil {
		return 0, err
	}
	if to < 0 || to > head.Revision {
		to = head.Revision
	}
	ops, err := rest.OpsRange(ctx, roomID, from, to)
	if err != nil {
		return 0, err
	}
	created := time.Now()
	if len(ops) > 0 {
		created = ops[0].CreatedAt
	}
	rw, err := client.NewRecordingWriter(w, client.RecordingHeader{
		Room: roomID, Language: head.Language, Revision: from, Content: room.Content, CreatedAt: created,
	})
	if err != nil {
		return 0, err
	}
	doc := ot.NewDocument(room.Content)
	for i, op := range ops {
		line := client.RecordedOp{Client: op.ClientID, Revision: op.Revision - 1, Op: op.Op, T: rw.Offset(op.CreatedAt), Committed: op.Revision}
		if err := rw.Write(line); err != nil {
			return 0, err
		}
		if doc, err = doc.Apply(op.Op); err != nil {
			return 0, fmt.Errorf("revision %d does not apply to the one before: %w", op.Revision, err)
		}
		if op.Revision%client.CheckpointEvery == 0 || i == len(ops)-1 {
			if err := rw.Checkpoint(op.Revision, doc.SHA256()); err != nil {
				return 0, err
			}
		}
	}
	return len(ops), rw.Close()
}
