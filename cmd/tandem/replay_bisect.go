package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/tandem-editor/tandem/client"
)

func bisectCommand() *cli.Command {
	return &cli.Command{
		Name:  "bisect",
		Usage: "find the first operation line whose prefix of the recording fails: a replay with the other flags (live with --url), or --cmd",
		Description: "Replays prefixes of the recording (the header and the lines up to an operation line, with the checkpoints that follow it)\n" +
			"and binary-searches the shortest that fails. A prefix fails when its replay exits non-zero or, with --cmd,\n" +
			"when the command does (run by sh -c with the prefix's path in $TANDEM_REPLAY_FILE). Exit 0: found;\n" +
			"1: the whole recording passes; 2: the recording or the command line is invalid.",
		ArgsUsage: "FILE",
		Flags:     append(replayFlags(), &cli.StringFlag{Name: "cmd", Usage: "shell command that fails (non-zero) for a failing prefix $TANDEM_REPLAY_FILE"}),
		Action:    bisect,
	}
}

// bisectResult is what bisect found.
type bisectResult struct {
	// Line is the first failing operation line, Operation its number among
	// the operation lines (1-based), of Operations.
	Line       int `json:"line"`
	Operation  int `json:"operation"`
	Operations int `json:"operations"`
	// Runs is how many prefixes were replayed.
	Runs int `json:"runs"`
	// Failure is how the shortest failing prefix failed.
	Failure string `json:"failure"`
}

func bisect(c *cli.Context) error {
	if c.NArg() != 1 || c.Args().First() == "-" {
		return cli.Exit("bisect needs a recording file (not standard input: it reads it several times)", exitInvalid)
	}
	name := c.Args().First()
	lines, err := operationLines(name)
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), exitInvalid)
	}
	run := func(k int) (string, error) { return replayPrefix(c, name, lines, k) }
	if c.String("cmd") != "" {
		run = func(k int) (string, error) { return commandOnPrefix(c, name, lines, k) }
	}
	res := bisectResult{Operations: len(lines)}
	failure, err := run(len(lines))
	res.Runs++
	if err != nil {
		return cli.Exit(err.Error(), exitInvalid)
	}
	if failure == "" {
		return cli.Exit(fmt.Sprintf("%s: the whole recording (%d operations) passes", name, len(lines)), exitDiffers)
	}
	// pass(lo), fail(hi): the answer is in (lo, hi].
	lo, hi := -1, len(lines)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		f, err := run(mid)
		res.Runs++
		if err != nil {
			return cli.Exit(err.Error(), exitInvalid)
		}
		if f != "" {
			hi, failure = mid, f
		} else {
			lo = mid
		}
	}
	res.Operation, res.Failure = hi, failure
	res.Line = 1
	if hi > 0 {
		res.Line = lines[hi-1]
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(c.App.Writer, "first failing line: %d (operation %d of %d; %d replays)\nfailure: %s\n", res.Line, res.Operation, res.Operations, res.Runs, res.Failure)
	return nil
}

// operationLines reads a recording and returns the numbers of its
// operation lines.
// Errors: the recording's (a *client.RecordingError names the line).
func operationLines(name string) ([]int, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rr, err := client.NewRecordingReader(f)
	if err != nil {
		return nil, err
	}
	var lines []int
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil {
			return nil, err
		}
		if e.Op != nil {
			lines = append(lines, e.Line)
		}
	}
}

// prefixLines is how many lines the prefix with the first k operations
// has: up to the line before operation k+1.
func prefixLines(lines []int, k int) int {
	if k < len(lines) {
		return lines[k] - 1
	}
	return -1 // all
}

// writePrefix copies the first n lines (n < 0: all) of r to w.
func writePrefix(w io.Writer, r io.Reader, n int) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for i := 0; n < 0 || i < n; i++ {
		line, err := br.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) {
			if _, werr := w.Write(line); werr != nil {
				return werr
			}
			line, err = br.ReadSlice('\n')
		}
		if _, werr := w.Write(line); werr != nil {
			return werr
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// replayPrefix replays the prefix with the first k operations as replay
// would with c's flags, and returns how it failed ("" if it did not).
func replayPrefix(c *cli.Context, name string, lines []int, k int) (string, error) {
	opts, err := replayOptionsOf(c)
	if err != nil {
		return "", err
	}
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	r, w := io.Pipe()
	go func() { w.CloseWithError(writePrefix(w, f, prefixLines(lines, k))) }()
	defer r.Close()
	rep := &replayReport{Clients: map[string]*clientCounts{}}
	_, err = runReplay(c.Context, r, opts, rep)
	var ex *replayExit
	if errors.As(err, &ex) {
		return fmt.Sprintf("exit %d: %v", ex.code, ex.err), nil
	}
	return "", err
}

// commandOnPrefix writes the prefix with the first k operations to a
// temporary file and runs --cmd on it; it returns how it failed ("" if it
// did not).
func commandOnPrefix(c *cli.Context, name string, lines []int, k int) (string, error) {
	dir, err := os.MkdirTemp("", "tandem-bisect-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "prefix.jsonl")
	out, err := os.Create(path)
	if err != nil {
		return "", err
	}
	in, err := os.Open(name)
	if err != nil {
		_ = out.Close()
		return "", err
	}
	err = writePrefix(out, in, prefixLines(lines, k))
	_ = in.Close()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(c.Context, "sh", "-c", c.String("cmd"))
	cmd.Env = append(os.Environ(), "TANDEM_REPLAY_FILE="+path)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Sprintf("exit %d: %s", exit.ExitCode(), bytes.TrimSpace(output.Bytes())), nil
	}
	return "", err
}
