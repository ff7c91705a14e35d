package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tandem-editor/tandem/client"
)

func loadgenCommand() *cli.Command {
	return &cli.Command{
		Name:  "loadgen",
		Usage: "type into rooms with many clients and report throughput and latency",
		Flags: []cli.Flag{
			serverURLFlag(),
			createTokenFlag(),
			&cli.IntFlag{Name: "rooms", Value: 1, Usage: "rooms to create"},
			&cli.IntFlag{Name: "clients", Value: 10, Usage: "clients per room"},
			&cli.Float64Flag{Name: "rate", Value: 5, Usage: "edits per second per client"},
			&cli.DurationFlag{Name: "duration", Value: 10 * time.Second, Usage: "measured time"},
			&cli.DurationFlag{Name: "warmup", Value: 2 * time.Second, Usage: "unmeasured time before it"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the rooms' content and the clients' edits"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: loadgen,
	}
}

func loadgen(c *cli.Context) error {
	rep, err := client.RunLoad(c.Context, client.LoadConfig{
		URL: c.String("url"), Token: c.String("token"), Rooms: c.Int("rooms"), Clients: c.Int("clients"),
		Rate: c.Float64("rate"), Duration: c.Duration("duration"), Warmup: c.Duration("warmup"), Seed: c.Uint64("seed"),
	})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printLoadReport(c.App.Writer, rep)
	}
	if rep.Diverged > 0 {
		return cli.Exit(fmt.Sprintf("%d rooms diverged", rep.Diverged), 1)
	}
	return nil
}

func printLoadReport(w io.Writer, r client.LoadReport) {
	fmt.Fprintf(w, "rooms %d × clients %d × %.1f edits/s for %.1fs (seed %d)\n", r.Rooms, r.Clients, r.Rate, r.Duration, r.Seed)
	fmt.Fprintf(w, "edits %d, acks %d, %.1f acks/s\n\n", r.Edits, r.Acks, r.AcksPerSecond)
	fmt.Fprintf(w, "%-18s %8s %9s %9s %9s %9s\n", "latency (ms)", "count", "p50", "p90", "p99", "max")
	for _, row := range []struct {
		name string
		l    client.Latency
	}{{"submit → ack", r.SubmitAck}, {"submit → broadcast", r.SubmitBroadcast}} {
		fmt.Fprintf(w, "%-18s %8d %9.2f %9.2f %9.2f %9.2f\n", row.name, row.l.Count, row.l.P50, row.l.P90, row.l.P99, row.l.Max)
	}
	fmt.Fprintf(w, "\nreconnects %d, resyncs %d, diverged rooms %d\n", r.Reconnects, r.Resyncs, r.Diverged)
	for _, code := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(w, "errors %s: %d\n", code, r.Errors[code])
	}
}
