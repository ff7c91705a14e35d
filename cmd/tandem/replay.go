package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/ot"
)

func replayFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "url", Usage: "replay live against this server (empty: offline, in-process)"},
		createTokenFlag(),
		&cli.StringFlag{Name: "room", Usage: "live: replay into this existing room, whose document must be the recording's at --from (default: a new room)"},
		&cli.Float64Flag{Name: "speed", Value: 0, Usage: "live: time factor (1: as recorded, 2: twice as fast, 0: as fast as possible)"},
		&cli.DurationFlag{Name: "timeout", Value: 10 * time.Minute, Usage: "live: give up after this long"},
		&cli.IntFlag{Name: "from", Value: -1, Usage: "start checking and stepping at this revision; live: replay offline up to it, then start the live room with its document"},
		&cli.IntFlag{Name: "to", Value: -1, Usage: "stop once this revision is reached (-1: the end)"},
		&cli.BoolFlag{Name: "step", Usage: "print each revision (after --from) with its line, client, operation and SHA-256"},
		&cli.IntFlag{Name: "window", Value: 10_000, Usage: "offline: committed operations kept to transform older submissions against"},
		&cli.BoolFlag{Name: "print-content", Usage: "print the final content on standard output (and the summary on standard error)"},
		&cli.StringFlag{Name: "expect-sha256", Usage: "exit 1 unless the final content has this SHA-256 (hex)"},
		&cli.BoolFlag{Name: "json", Usage: "print the report as one JSON object"},
		&cli.BoolFlag{Name: "progress", Usage: "show a progress bar even when standard error is not a terminal"},
	}
}

func replayCommand() *cli.Command {
	return &cli.Command{
		Name:        "replay",
		Usage:       "replay a recording offline through the sequencer, or live against a server (--url); exit 0 reproduced, 1 differs, 2 invalid, 3 refused",
		ArgsUsage:   "FILE (-: standard input)",
		Flags:       replayFlags(),
		Action:      replay,
		Subcommands: []*cli.Command{bisectCommand()},
	}
}

// replayOptions say how to replay.
type replayOptions struct {
	// url, token, room: live replay (url "" for offline).
	url, token, room string
	speed            float64
	from, to         int
	step             bool
	window           int
	expectSHA256     string
	keepContent      bool
}

// replayExit is how a replay ends when it does not reproduce the recording.
type replayExit struct {
	code int
	err  error
}

func (e *replayExit) Error() string { return e.err.Error() }

func exitWith(code int, err error) *replayExit { return &replayExit{code, err} }

func replayOptionsOf(c *cli.Context) (replayOptions, error) {
	o := replayOptions{
		url: c.String("url"), token: c.String("token"), room: c.String("room"), speed: c.Float64("speed"),
		from: c.Int("from"), to: c.Int("to"), step: c.Bool("step"), window: c.Int("window"),
		expectSHA256: strings.ToLower(c.String("expect-sha256")), keepContent: c.Bool("print-content"),
	}
	switch {
	case o.speed < 0:
		return o, fmt.Errorf("--speed %v is negative", o.speed)
	case o.url == "" && (c.IsSet("speed") || c.IsSet("timeout") || c.IsSet("room")):
		return o, errors.New("--speed, --timeout and --room apply to a live replay (--url)")
	case o.window < 1:
		return o, fmt.Errorf("--window %d is not positive", o.window)
	case o.to >= 0 && o.from > o.to:
		return o, fmt.Errorf("--from %d is after --to %d", o.from, o.to)
	case c.Bool("json") && o.keepContent:
		return o, errors.New("--json and --print-content exclude each other")
	}
	return o, nil
}

func replay(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("replay needs a recording file (- for standard input)", exitInvalid)
	}
	name := c.Args().First()
	rep := &replayReport{File: name, Mode: "offline", Clients: map[string]*clientCounts{}, Refusals: []refusal{}, Warnings: []string{}}
	content, err := replayFile(c, name, rep)
	var ex *replayExit
	if err != nil && !errors.As(err, &ex) {
		ex = exitWith(exitInvalid, err)
	}
	if ex != nil {
		rep.ExitCode, rep.Error = ex.code, fmt.Sprintf("%s: %v", name, ex.err)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s: %s\n", name, w)
	}
	if rep.Room != "" && !c.Bool("json") {
		fmt.Fprintf(c.App.ErrWriter, "room: %s\n", rep.Room)
	}
	switch {
	case c.Bool("json"):
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	case c.Bool("print-content"):
		rep.printText(c.App.ErrWriter)
		if ex == nil {
			fmt.Fprint(c.App.Writer, content)
		}
	default:
		for _, s := range rep.Steps {
			fmt.Fprintf(c.App.Writer, "revision %d line %d client %s sha256 %s op %s\n", s.Revision, s.Line, s.Client, s.SHA256, s.Op)
		}
		rep.printText(c.App.Writer)
	}
	if ex != nil {
		return cli.Exit(rep.Error, ex.code)
	}
	return nil
}

// replayFile replays the recording name ("-": standard input) as c's flags
// say, filling rep, and returns the final content when --print-content
// asks for it.
// Errors: *replayExit.
func replayFile(c *cli.Context, name string, rep *replayReport) (string, error) {
	opts, err := replayOptionsOf(c)
	if err != nil {
		return "", exitWith(exitInvalid, err)
	}
	var in io.Reader = os.Stdin
	size := int64(-1)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", exitWith(exitInvalid, err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			size = fi.Size()
		}
		in = f
	}
	bar := newBar(c, size)
	if bar != nil {
		in = io.TeeReader(in, bar)
		defer func() {
			_ = bar.Finish()
			fmt.Fprintln(os.Stderr)
		}()
	}
	ctx := c.Context
	if opts.url != "" {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Duration("timeout"))
		defer cancel()
	}
	return runReplay(ctx, in, opts, rep)
}

// newBar returns a progress bar over size bytes (-1: unknown) on standard
// error when it is a terminal or --progress is set, and nil otherwise.
func newBar(c *cli.Context, size int64) *progressbar.ProgressBar {
	fi, err := os.Stderr.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	if !tty && !c.Bool("progress") {
		return nil
	}
	return progressbar.NewOptions64(size, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription("replay"),
		progressbar.OptionShowBytes(true), progressbar.OptionThrottle(100*time.Millisecond))
}

// runReplay reads a recording from r a line at a time and replays it into
// the sequencer (offline) or a server (live), checking each outcome the
// recording states (the revision a line created, the operation as
// committed, checkpoints) and stopping at the first that differs. It fills
// rep and returns the final content when opts.keepContent.
// Errors: *replayExit.
func runReplay(ctx context.Context, r io.Reader, opts replayOptions, rep *replayReport) (string, error) {
	rr, err := client.NewRecordingReader(r)
	if err != nil {
		return "", exitWith(exitInvalid, err)
	}
	rep.Lines = 1
	h := rr.Header()
	off, err := newOfflineTarget(h, opts.window)
	if err != nil {
		return "", exitWith(exitInvalid, &client.RecordingError{Line: 1, Err: err})
	}
	rp := &replayer{opts: opts, rep: rep, h: h, off: off, target: off}
	if opts.url != "" {
		rep.Mode = "live"
	}
	defer func() { rp.target.close() }()
	err = rp.run(ctx, rr)
	if w := rr.Warning(); w != "" {
		rep.Warnings = append(rep.Warnings, w)
	}
	if fin := rp.finish(err != nil); err == nil {
		err = fin
	}
	if err != nil || !opts.keepContent {
		return "", err
	}
	content, err := rp.target.content()
	if err != nil {
		return "", exitWith(exitRefused, err)
	}
	return content, nil
}

// replayer is one replay's state.
type replayer struct {
	opts   replayOptions
	rep    *replayReport
	h      client.RecordingHeader
	off    *offlineTarget
	target target
	// live is the live target once the replay switched to it.
	live *liveTarget
	// lastGood is the last line whose stated outcome matched.
	lastGood int
	// start and t0: the live replay's first line was sent at start, and
	// recorded at t0 (its T).
	start time.Time
	t0    int64
	// began is when the replay (live: the live room) started, and ops the
	// operations replayed since.
	began time.Time
	ops   int
}

func (rp *replayer) run(ctx context.Context, rr *client.RecordingReader) error {
	rp.began = time.Now()
	if err := rp.goLive(ctx); err != nil {
		return err
	}
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return exitWith(exitInvalid, err)
		}
		rp.rep.Lines = e.Line
		if e.Checkpoint != nil {
			if err := rp.checkpoint(e.Line, *e.Checkpoint); err != nil {
				return err
			}
			continue
		}
		if rp.opts.to >= 0 && rp.target.head() >= rp.opts.to {
			return nil
		}
		if err := rp.goLive(ctx); err != nil {
			return err
		}
		if err := rp.operation(ctx, e.Line, *e.Op); err != nil {
			return err
		}
	}
}

// goLive switches a live replay from the offline prefix to the server once
// the offline replay reached --from.
func (rp *replayer) goLive(ctx context.Context) error {
	if rp.opts.url == "" || rp.live != nil || rp.off.head() < rp.opts.from {
		return nil
	}
	content, _ := rp.off.content()
	lt, err := newLiveTarget(ctx, rp.opts.url, rp.opts.token, rp.opts.room, rp.h, rp.off.head(), content)
	if err != nil {
		return exitWith(exitRefused, fmt.Errorf("start the live room: %w", err))
	}
	rp.live, rp.target, rp.rep.Room = lt, lt, lt.room
	rp.began, rp.ops = time.Now(), 0
	return nil
}

func (rp *replayer) diverge(d divergence) error {
	d.SinceLine = rp.lastGood
	rp.rep.Divergence = &d
	return exitWith(exitDiffers, errors.New(d.String()))
}

func (rp *replayer) checkpoint(line int, cp client.Checkpoint) error {
	if rp.opts.to >= 0 && cp.Revision > rp.opts.to {
		return nil
	}
	head := rp.target.head()
	if cp.Revision != head {
		return rp.diverge(divergence{Line: line, Revision: head, Reason: fmt.Sprintf("a checkpoint of revision %d where the replay is at revision %d", cp.Revision, head)})
	}
	sum, err := rp.target.sha256()
	if err != nil {
		return exitWith(exitRefused, &client.RecordingError{Line: line, Err: err})
	}
	if sum != cp.SHA256 {
		return rp.diverge(divergence{Line: line, Revision: head, Reason: "the document differs from the checkpoint's", ExpectedSHA256: cp.SHA256, ActualSHA256: sum})
	}
	rp.rep.Checkpoints++
	rp.lastGood = line
	return nil
}

func (rp *replayer) operation(ctx context.Context, line int, op client.RecordedOp) error {
	if op.Revision < rp.h.Revision {
		return exitWith(exitInvalid, &client.RecordingError{Line: line, Err: fmt.Errorf("revision %d is before the recording's start %d", op.Revision, rp.h.Revision)})
	}
	if err := rp.pace(ctx, op); err != nil {
		return err
	}
	o, err := rp.target.submit(line, op)
	counts := rp.rep.client(op.Client)
	var ref *refused
	var bad *client.RecordingError
	switch {
	case errors.As(err, &ref):
		rp.rep.Refusals = append(rp.rep.Refusals, refusal{Line: line, Client: op.Client, Code: ref.Code, Message: ref.Message})
		counts.Refused++
		switch {
		case rp.live != nil:
			return exitWith(exitRefused, &client.RecordingError{Line: line, Err: fmt.Errorf("the server refused it: %s: %s", ref.Code, ref.Message)})
		case op.Committed != 0:
			return rp.diverge(divergence{Line: line, Revision: op.Committed, ExpectedRevision: op.Committed, Reason: ref.Error()})
		}
		return exitWith(exitInvalid, &client.RecordingError{Line: line, Err: ref})
	case errors.As(err, &bad):
		return exitWith(exitInvalid, err)
	case err != nil && rp.live != nil:
		return exitWith(exitRefused, &client.RecordingError{Line: line, Err: err})
	case err != nil:
		return exitWith(exitInvalid, &client.RecordingError{Line: line, Err: err})
	}
	rp.rep.Operations++
	rp.ops++
	counts.Operations++
	if o.duplicate {
		rp.rep.Duplicates++
		counts.Duplicates++
	}
	if op.Committed != 0 {
		if err := rp.compare(line, op, o); err != nil {
			return err
		}
	}
	if rp.opts.step && !o.duplicate && o.revision > rp.opts.from {
		sum, err := rp.target.sha256()
		if err != nil {
			return exitWith(exitRefused, &client.RecordingError{Line: line, Err: err})
		}
		shown := op.Op
		if o.applied != nil {
			shown = *o.applied
		}
		rp.rep.Steps = append(rp.rep.Steps, step{Line: line, Revision: o.revision, Client: op.Client, Op: shown.String(), SHA256: sum})
	}
	return nil
}

// compare checks a line's outcome against the one it states.
func (rp *replayer) compare(line int, op client.RecordedOp, o outcome) error {
	d := divergence{Line: line, Revision: op.Committed, ExpectedRevision: op.Committed, ActualRevision: o.revision}
	switch {
	case o.revision != op.Committed:
		d.Reason = fmt.Sprintf("it created revision %d, the recording says %d", o.revision, op.Committed)
		return rp.diverge(d)
	case o.duplicate != op.Resubmitted:
		d.Reason = fmt.Sprintf("the replay's duplicate answer (%v) differs from the recording's (%v)", o.duplicate, op.Resubmitted)
		return rp.diverge(d)
	case !o.duplicate && o.applied != nil && !o.applied.Equal(committedOp(op)):
		want, err := ot.NewDocument(o.before).Apply(committedOp(op))
		if err != nil {
			return exitWith(exitInvalid, &client.RecordingError{Line: line, Err: fmt.Errorf("the committed operation does not fit the document before it: %w", err)})
		}
		got, _ := rp.target.content()
		d.Reason = fmt.Sprintf("it committed %s, the recording says %s", o.applied, committedOp(op))
		d.ExpectedSHA256, d.ActualSHA256 = want.SHA256(), ot.NewDocument(got).SHA256()
		d.Diff = shortDiff(want.String(), got)
		return rp.diverge(d)
	}
	rp.lastGood = line
	return nil
}

// pace waits, live and with --speed, until the line's time comes.
func (rp *replayer) pace(ctx context.Context, op client.RecordedOp) error {
	if rp.live == nil || rp.opts.speed <= 0 {
		return nil
	}
	if rp.start.IsZero() {
		rp.start, rp.t0 = time.Now(), op.T
	}
	at := rp.start.Add(time.Duration(float64(op.T-rp.t0) * float64(time.Millisecond) / rp.opts.speed))
	select {
	case <-time.After(time.Until(at)):
		return nil
	case <-ctx.Done():
		return exitWith(exitRefused, ctx.Err())
	}
}

// finish records the final revision and hash, and unless the replay
// failed (failed) checks the live clients and --expect-sha256.
// Errors: *replayExit.
func (rp *replayer) finish(failed bool) error {
	rp.rep.Seconds = time.Since(rp.began).Seconds()
	if rp.rep.Seconds > 0 {
		rp.rep.OpsPerSecond = float64(rp.ops) / rp.rep.Seconds
	}
	rp.rep.Revision = rp.target.head()
	sum, err := rp.target.sha256()
	if err != nil {
		return exitWith(exitRefused, err)
	}
	rp.rep.SHA256 = sum
	if failed || rp.rep.Divergence != nil {
		return nil
	}
	if rp.opts.url != "" && rp.live == nil {
		return exitWith(exitInvalid, fmt.Errorf("--from %d is beyond the recording's last revision %d", rp.opts.from, rp.off.head()))
	}
	if rp.live != nil {
		var dv *clientDiverged
		if err := rp.live.check(); errors.As(err, &dv) {
			return rp.diverge(divergence{Line: rp.rep.Lines, Revision: rp.rep.Revision, Reason: err.Error()})
		} else if err != nil {
			return exitWith(exitRefused, err)
		}
	}
	if want := rp.opts.expectSHA256; want != "" && want != sum {
		return rp.diverge(divergence{Line: rp.rep.Lines, Revision: rp.rep.Revision, Reason: "sha256 mismatch with --expect-sha256", ExpectedSHA256: want, ActualSHA256: sum})
	}
	return nil
}
