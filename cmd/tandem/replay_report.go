package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// The exit codes of tandem replay (docs/recording.md; outside tooling
// relies on them).
const (
	exitReproduced = 0
	exitDiffers    = 1 // the outcome differs from the recording's (a checkpoint, a revision, --expect-sha256)
	exitInvalid    = 2 // the recording (or the command line) is invalid
	exitRefused    = 3 // live: the server refused an operation or failed
)

// replayReport is what a replay found; --json prints it as one object.
type replayReport struct {
	File string `json:"file"`
	Mode string `json:"mode"` // "offline" or "live"
	// Room is the live room replayed into (an edit capability).
	Room string `json:"room,omitempty"`
	// Lines is how many lines were read, the header included.
	Lines       int                      `json:"lines"`
	Operations  int                      `json:"operations"`
	Duplicates  int                      `json:"duplicates"`
	Checkpoints int                      `json:"checkpoints"`
	Revision    int                      `json:"revision"`
	SHA256      string                   `json:"sha256"`
	Clients     map[string]*clientCounts `json:"clients"`
	Refusals    []refusal                `json:"refusals"`
	Divergence  *divergence              `json:"divergence"`
	Warnings    []string                 `json:"warnings"`
	Steps       []step                   `json:"steps,omitempty"`
	// Seconds is how long the replay took (live: from the live room's
	// start), OpsPerSecond the operations replayed (live) a second in it.
	Seconds      float64 `json:"seconds"`
	OpsPerSecond float64 `json:"opsPerSecond"`
	ExitCode     int     `json:"exitCode"`
	Error        string  `json:"error,omitempty"`
}

type clientCounts struct {
	Operations int `json:"operations"`
	Duplicates int `json:"duplicates"`
	Refused    int `json:"refused"`
}

// refusal is an operation the server (live) or the sequencer (offline)
// refused.
type refusal struct {
	Line    int    `json:"line"`
	Client  string `json:"client"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// divergence is the first place where the replay's outcome differs from
// what the recording says.
type divergence struct {
	Line     int    `json:"line"`
	Revision int    `json:"revision"`
	Reason   string `json:"reason"`
	// ExpectedRevision and ActualRevision: the revision the line created.
	ExpectedRevision int    `json:"expectedRevision,omitempty"`
	ActualRevision   int    `json:"actualRevision,omitempty"`
	ExpectedSHA256   string `json:"expectedSha256,omitempty"`
	ActualSHA256     string `json:"actualSha256,omitempty"`
	// SinceLine is the last line whose outcome was checked and matched (0:
	// none), so the cause is in the lines after it.
	SinceLine int `json:"sinceLine"`
	// Diff shows the documents around their first difference, when the
	// expected document is known.
	Diff string `json:"diff,omitempty"`
}

// step is one revision as --step prints it.
type step struct {
	Line     int    `json:"line"`
	Revision int    `json:"revision"`
	Client   string `json:"client"`
	Op       string `json:"op"`
	SHA256   string `json:"sha256"`
}

func (d *divergence) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d diverges at revision %d: %s", d.Line, d.Revision, d.Reason)
	if d.ExpectedSHA256 != "" || d.ActualSHA256 != "" {
		fmt.Fprintf(&b, " (sha256 %s, want %s)", d.ActualSHA256, d.ExpectedSHA256)
	}
	if d.SinceLine > 0 {
		fmt.Fprintf(&b, "; the outcome still matched at line %d", d.SinceLine)
	}
	if d.Diff != "" {
		fmt.Fprintf(&b, "\n%s", d.Diff)
	}
	return b.String()
}

func (r *replayReport) client(name string) *clientCounts {
	if r.Clients[name] == nil {
		r.Clients[name] = &clientCounts{}
	}
	return r.Clients[name]
}

func (r *replayReport) printText(w io.Writer) {
	fmt.Fprintf(w, "lines: %d\noperations: %d (duplicates: %d)\ncheckpoints: %d\nrevision: %d\nsha256: %s\ntime: %.2fs (%.0f operations/s)\n",
		r.Lines, r.Operations, r.Duplicates, r.Checkpoints, r.Revision, r.SHA256, r.Seconds, r.OpsPerSecond)
	for _, name := range slices.Sorted(maps.Keys(r.Clients)) {
		c := r.Clients[name]
		fmt.Fprintf(w, "client %s: %d operations, %d duplicates, %d refused\n", name, c.Operations, c.Duplicates, c.Refused)
	}
}

// diffContext is how many bytes of each document shortDiff shows around
// the first difference.
const diffContext = 40

// shortDiff shows two documents around their first difference: the common
// prefix's last diffContext bytes, then each side's differing middle (at
// most 2×diffContext bytes), as "-" (want) and "+" (got) lines, with the
// difference's line and column in want.
func shortDiff(want, got string) string {
	p := 0
	for p < len(want) && p < len(got) && want[p] == got[p] {
		p++
	}
	for p > 0 && !utf8.RuneStart(want[p]) {
		p--
	}
	s := 0
	for s < len(want)-p && s < len(got)-p && want[len(want)-1-s] == got[len(got)-1-s] {
		s++
	}
	line := strings.Count(want[:p], "\n") + 1
	col := p - strings.LastIndexByte(want[:p], '\n')
	from := p - diffContext
	if from < 0 {
		from = 0
	}
	for from > 0 && !utf8.RuneStart(want[from]) {
		from--
	}
	show := func(doc string, end int) string {
		if end-p > 2*diffContext {
			end = p + 2*diffContext
			for end < len(doc) && !utf8.RuneStart(doc[end]) {
				end++
			}
			return fmt.Sprintf("%q…", doc[from:end])
		}
		to := min(len(doc), end+diffContext)
		for to < len(doc) && !utf8.RuneStart(doc[to]) {
			to++
		}
		return fmt.Sprintf("%q", doc[from:to])
	}
	return fmt.Sprintf("@@ first difference at line %d, column %d (byte %d)\n- %s\n+ %s",
		line, col, p, show(want, len(want)-s), show(got, len(got)-s))
}
