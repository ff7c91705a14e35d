package services_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// newSequencer starts a sequencer on content at revision 0 and commits ops,
// each based on the head, with ids "h1", "h2", ...
func newSequencer(t *testing.T, content string, cfg services.SequencerConfig, ops ...ot.Operation) *services.Sequencer {
	t.Helper()
	s, err := services.NewSequencer(0, content, nil, cfg)
	if err != nil {
		t.Fatalf("NewSequencer: %v", err)
	}
	for i, op := range ops {
		propose(t, s, services.Submission{ClientID: "h", OpID: fmt.Sprintf("h%d", i+1), Base: s.Head(), Op: op})
		s.Commit(1)
	}
	return s
}

// propose proposes sub and fails the test unless it gets a new proposal.
func propose(t *testing.T, s *services.Sequencer, sub services.Submission) *services.Proposal {
	t.Helper()
	d, err := s.Propose(sub, nil)
	if err != nil {
		t.Fatalf("Propose(%+v): %v", sub, err)
	}
	if d.Proposal == nil {
		t.Fatalf("Propose(%+v) = duplicate %+v, want a proposal", sub, d.Duplicate)
	}
	return d.Proposal
}

func assertOp(t *testing.T, what string, got, want ot.Operation) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// history returns the committed operations of s in (from, head].
func history(t *testing.T, s *services.Sequencer, from int) []services.CommittedOp {
	t.Helper()
	ops, ok := s.Recent(from)
	if !ok {
		t.Fatalf("Recent(%d): not in the window (starts at %d)", from, s.WindowStart())
	}
	return append([]services.CommittedOp(nil), ops...)
}

func TestSequencerProposeErrors(t *testing.T) {
	invalid := ot.Operation{}
	invalid.Retain(-1)
	tests := []struct {
		name    string
		content string
		history []ot.Operation
		cfg     services.SequencerConfig
		sub     services.Submission
		want    services.Code
	}{
		{name: "negative revision", content: "abc", sub: services.Submission{Base: -1, Op: build(3)}, want: services.CodeRevisionOutOfRange},
		{name: "revision after head", content: "abc", history: []ot.Operation{build(3, "d")},
			sub: services.Submission{Base: 2, Op: build(4)}, want: services.CodeRevisionOutOfRange},
		{name: "base length too short at head", content: "abc", sub: services.Submission{Op: build(2, "x")}, want: services.CodeInvalidOp},
		{name: "base length too long at head", content: "abc", sub: services.Submission{Op: build(4, "x")}, want: services.CodeInvalidOp},
		{name: "base length wrong for its old revision", content: "abc", history: []ot.Operation{build(3, "d")},
			sub: services.Submission{Base: 0, Op: build(4, "x")}, want: services.CodeInvalidOp},
		{name: "invalid operation", content: "", sub: services.Submission{Op: invalid}, want: services.CodeInvalidOp},
		{name: "splits a surrogate pair", content: "😀", sub: services.Submission{Op: build(1, "x", 1)}, want: services.CodeInvalidOp},
		{name: "deletes half a surrogate pair", content: "😀", sub: services.Submission{Op: build(-1, 1)}, want: services.CodeInvalidOp},
		{name: "document too large", content: "abc", cfg: services.SequencerConfig{MaxDocumentSize: 4},
			sub: services.Submission{Op: build(3, "de")}, want: services.CodeTooLarge},
		{name: "document too large counts UTF-16 units", content: "abc", cfg: services.SequencerConfig{MaxDocumentSize: 4},
			sub: services.Submission{Op: build(3, "😀")}, want: services.CodeTooLarge},
		{name: "too large only after transform", content: "ab", cfg: services.SequencerConfig{MaxDocumentSize: 4},
			history: []ot.Operation{build(2, "c")}, sub: services.Submission{Base: 0, Op: build("xy", 2)}, want: services.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSequencer(t, tt.content, tt.cfg, tt.history...)
			head, content := s.Head(), s.Content()
			d, err := s.Propose(tt.sub, nil)
			if got := services.ErrorCode(err); got != tt.want {
				t.Fatalf("Propose error = %v (code %q), want code %q", err, got, tt.want)
			}
			if d.Proposal != nil || d.Duplicate != nil {
				t.Errorf("Propose decision = %+v, want none with an error", d)
			}
			if s.Head() != head || s.Content() != content || s.PendingCount() != 0 {
				t.Errorf("after error: head %d content %q pending %d, want %d %q 0", s.Head(), s.Content(), s.PendingCount(), head, content)
			}
		})
	}
}

func TestSequencerDocumentSizeLimitAllowsExactSize(t *testing.T) {
	s := newSequencer(t, "abc", services.SequencerConfig{MaxDocumentSize: 5})
	p := propose(t, s, services.Submission{Op: build(3, "😀")})
	if got, want := p.Op.TargetLen(), 5; got != want {
		t.Errorf("target length = %d, want %d", got, want)
	}
}

// TestSequencerTransform checks the transformed operation and content against
// what ot.js's server computes: the incoming operation is transformed as a
// against each concurrent operation as b.
func TestSequencerTransform(t *testing.T) {
	tests := []struct {
		name        string
		content     string
		history     []ot.Operation
		base        int
		op          ot.Operation
		wantOp      ot.Operation
		wantContent string
		wantDepth   int
	}{
		{name: "at head, no transform", content: "abc", base: 0, op: build(1, "x", 2),
			wantOp: build(1, "x", 2), wantContent: "axbc"},
		{name: "same position: incoming insert first", content: "", history: []ot.Operation{build("a")},
			base: 0, op: build("b"), wantOp: build("b", 1), wantContent: "ba", wantDepth: 1},
		{name: "same position mid-document", content: "xy", history: []ot.Operation{build(1, "a", 1)},
			base: 0, op: build(1, "b", 1), wantOp: build(1, "b", 2), wantContent: "xbay", wantDepth: 1},
		{name: "insert after a concurrent insert", content: "abc", history: []ot.Operation{build("X", 3)},
			base: 0, op: build(3, "Y"), wantOp: build(4, "Y"), wantContent: "XabcY", wantDepth: 1},
		{name: "insert inside a concurrent delete", content: "abcdef", history: []ot.Operation{build(1, -4, 1)},
			base: 0, op: build(3, "X", 3), wantOp: build(1, "X", 1), wantContent: "aXf", wantDepth: 1},
		{name: "overlapping deletes", content: "abcdef", history: []ot.Operation{build(1, -3, 2)},
			base: 0, op: build(2, -3, 1), wantOp: build(1, -1, 1), wantContent: "af", wantDepth: 1},
		{name: "same delete twice is a no-op", content: "abc", history: []ot.Operation{build(-1, 2)},
			base: 0, op: build(-1, 2), wantOp: build(2), wantContent: "bc", wantDepth: 1},
		{name: "against several revisions", content: "ab", history: []ot.Operation{build("1", 2), build(3, "2"), build(-1, 3)},
			base: 0, op: build(1, "x", 1), wantOp: build(1, "x", 2), wantContent: "axb2", wantDepth: 3},
		{name: "only revisions after the base", content: "ab", history: []ot.Operation{build("1", 2), build(3, "2")},
			base: 1, op: build(2, "x", 1), wantOp: build(2, "x", 2), wantContent: "1axb2", wantDepth: 1},
		{name: "non-BMP characters count two units", content: "😀b", history: []ot.Operation{build("🎉", 3)},
			base: 0, op: build(2, "é", 1), wantOp: build(4, "é", 1), wantContent: "🎉😀éb", wantDepth: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSequencer(t, tt.content, services.SequencerConfig{Window: 100}, tt.history...)
			head, before := s.Head(), s.Content()
			p := propose(t, s, services.Submission{ClientID: "c", OpID: "x1", Base: tt.base, Op: tt.op})
			assertOp(t, "transformed op", p.Op, tt.wantOp)
			if p.Depth != tt.wantDepth {
				t.Errorf("depth = %d, want %d", p.Depth, tt.wantDepth)
			}
			if got, want := p.Revision, head+1; got != want {
				t.Errorf("revision = %d, want %d", got, want)
			}
			if p.BaseRevision != tt.base || p.OpID != "x1" || p.ClientID != "c" {
				t.Errorf("proposal = %+v, want base %d id x1 client c", p.CommittedOp, tt.base)
			}
			if s.Content() != before || s.Head() != head {
				t.Errorf("proposal changed the committed state: head %d content %q", s.Head(), s.Content())
			}
			s.Commit(1)
			if got := s.Content(); got != tt.wantContent {
				t.Errorf("content = %q, want %q", got, tt.wantContent)
			}
		})
	}
}

// TestSequencerTransformsAgainstPending checks that a proposal is placed
// after the pending ones and transformed against them.
func TestSequencerTransformsAgainstPending(t *testing.T) {
	s := newSequencer(t, "ab", services.SequencerConfig{Window: 10})
	p1 := propose(t, s, services.Submission{ClientID: "a", Base: 0, Op: build("1", 2)})
	p2 := propose(t, s, services.Submission{ClientID: "b", Base: 0, Op: build(2, "2")})
	if p1.Revision != 1 || p2.Revision != 2 {
		t.Fatalf("revisions = %d, %d, want 1, 2", p1.Revision, p2.Revision)
	}
	assertOp(t, "second op", p2.Op, build(3, "2"))
	if s.Head() != 0 || s.Content() != "ab" || s.PendingCount() != 2 {
		t.Fatalf("head %d content %q pending %d, want 0 \"ab\" 2", s.Head(), s.Content(), s.PendingCount())
	}
	done := s.Commit(2)
	if len(done) != 2 || done[0] != p1 || done[1] != p2 {
		t.Fatalf("Commit(2) = %v, want the two proposals oldest first", done)
	}
	if got, want := s.Content(), "1ab2"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
}

func TestSequencerDuplicates(t *testing.T) {
	sub := func(id string, base int, op ot.Operation) services.Submission {
		return services.Submission{ClientID: "c", OpID: id, Base: base, Op: op}
	}
	tests := []struct {
		name string
		// committed are committed in order, then pending are proposed.
		committed []services.Submission
		pending   []services.Submission
		again     services.Submission
		want      *services.Duplicate
		wantCode  services.Code
	}{
		{name: "committed",
			committed: []services.Submission{sub("x", 0, build(3, "!"))},
			again:     sub("x", 0, build(3, "!")),
			want:      &services.Duplicate{Revision: 1, Op: build(3, "!")}},
		{name: "committed after a concurrent op, from a new client",
			committed: []services.Submission{sub("o", 0, build("A", 3)), sub("x", 0, build(3, "!"))},
			again:     services.Submission{ClientID: "c2", OpID: "x", Base: 0, Op: build(3, "!")},
			want:      &services.Duplicate{Revision: 2, Op: build(4, "!")}},
		{name: "pending",
			pending: []services.Submission{sub("x", 0, build(3, "!"))},
			again:   sub("x", 0, build(3, "!")),
			want:    &services.Duplicate{Revision: 1, Pending: true, Op: build(3, "!")}},
		{name: "pending behind a committed op",
			committed: []services.Submission{sub("o", 0, build("A", 3))},
			pending:   []services.Submission{sub("y", 1, build(4, "?")), sub("x", 0, build(3, "!"))},
			again:     sub("x", 0, build(3, "!")),
			want:      &services.Duplicate{Revision: 3, Pending: true, Op: build(4, "!", 1)}},
		{name: "same id, different op",
			committed: []services.Submission{sub("x", 0, build(3, "!"))},
			again:     sub("x", 0, build(3, "?")), wantCode: services.CodeConflict},
		{name: "same id, different base",
			committed: []services.Submission{sub("o", 0, build("A", 3)), sub("x", 0, build(3, "!"))},
			again:     sub("x", 1, build(4, "!")), wantCode: services.CodeConflict},
		{name: "same id pending, different op",
			pending: []services.Submission{sub("x", 0, build(3, "!"))},
			again:   sub("x", 0, build(-1, 2)), wantCode: services.CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSequencer(t, "abc", services.SequencerConfig{Window: 10})
			for _, c := range tt.committed {
				propose(t, s, c)
				s.Commit(1)
			}
			for _, p := range tt.pending {
				propose(t, s, p)
			}
			head, content, pending := s.Head(), s.Content(), s.PendingCount()
			d, err := s.Propose(tt.again, nil)
			if got := services.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("Propose error = %v, want code %q", err, tt.wantCode)
			}
			if s.Head() != head || s.Content() != content || s.PendingCount() != pending {
				t.Errorf("state changed: head %d content %q pending %d, want %d %q %d",
					s.Head(), s.Content(), s.PendingCount(), head, content, pending)
			}
			if tt.want == nil {
				if d.Duplicate != nil || d.Proposal != nil {
					t.Errorf("decision = %+v, want none", d)
				}
				return
			}
			if d.Proposal != nil || d.Duplicate == nil {
				t.Fatalf("decision = %+v, want a duplicate", d)
			}
			if got := d.Duplicate; got.Revision != tt.want.Revision || got.Pending != tt.want.Pending {
				t.Errorf("duplicate = {revision %d pending %v}, want {%d %v}", got.Revision, got.Pending, tt.want.Revision, tt.want.Pending)
			}
			assertOp(t, "duplicate op", d.Duplicate.Op, tt.want.Op)
		})
	}
}

// TestSequencerDuplicateThenCommitted checks that a pending duplicate turns
// into a committed one with the same revision.
func TestSequencerDuplicateThenCommitted(t *testing.T) {
	s := newSequencer(t, "", services.SequencerConfig{Window: 4})
	sub := services.Submission{ClientID: "c", OpID: "x", Base: 0, Op: build("hi")}
	propose(t, s, sub)
	for _, wantPending := range []bool{true, false} {
		d, err := s.Propose(sub, nil)
		if err != nil || d.Duplicate == nil {
			t.Fatalf("Propose again = %+v, %v, want a duplicate", d, err)
		}
		if d.Duplicate.Revision != 1 || d.Duplicate.Pending != wantPending {
			t.Errorf("duplicate = %+v, want revision 1 pending %v", d.Duplicate, wantPending)
		}
		s.Commit(1)
	}
	if got, want := s.Content(), "hi"; got != want {
		t.Errorf("content = %q, want %q (applied once)", got, want)
	}
}

func TestSequencerNeedHistory(t *testing.T) {
	ops := []ot.Operation{build("a"), build(1, "b"), build(2, "c"), build(3, "d"), build(4, "e"), build(5, "f")}
	s := newSequencer(t, "", services.SequencerConfig{Window: 2}, ops...)
	if got, want := s.WindowStart(), 4; got != want {
		t.Fatalf("WindowStart = %d, want %d", got, want)
	}
	// The full history, as the store would return it.
	full := make([]services.CommittedOp, len(ops))
	for i, op := range ops {
		full[i] = committedOp(i+1, i, fmt.Sprintf("h%d", i+1), op)
	}
	// Inserted where revision 2 inserts: the late operation goes first.
	sub := services.Submission{ClientID: "c", OpID: "late", Base: 1, Op: build(1, "X")}

	_, err := s.Propose(sub, nil)
	var need *services.NeedHistory
	if !errors.As(err, &need) {
		t.Fatalf("Propose(base 1) error = %v, want *NeedHistory", err)
	}
	if need.From != 1 || need.To != 4 {
		t.Errorf("NeedHistory = (%d, %d], want (1, 4]", need.From, need.To)
	}

	t.Run("not enough history", func(t *testing.T) {
		for name, older := range map[string][]services.CommittedOp{
			"missing the last":  full[1:3],
			"missing the first": full[2:4],
			"not contiguous":    {full[1], full[3], full[2]},
		} {
			if _, err := s.Propose(sub, older); !errors.As(err, &need) {
				t.Errorf("%s: error = %v, want *NeedHistory", name, err)
			}
		}
		if s.PendingCount() != 0 {
			t.Errorf("pending = %d after errors, want 0", s.PendingCount())
		}
	})
	t.Run("with the history", func(t *testing.T) {
		// More than needed (the whole history) is fine too.
		d, err := s.Propose(sub, full)
		if err != nil || d.Proposal == nil {
			t.Fatalf("Propose with history = %+v, %v", d, err)
		}
		if d.Proposal.Depth != 5 {
			t.Errorf("depth = %d, want 5", d.Proposal.Depth)
		}
		s.Commit(1)
		if got, want := s.Content(), "aXbcdef"; got != want {
			t.Errorf("content = %q, want %q", got, want)
		}
	})
	t.Run("evicted id is found in the history", func(t *testing.T) {
		again := services.Submission{ClientID: "c2", OpID: "h2", Base: 1, Op: build(1, "b")}
		if _, err := s.Propose(again, nil); !errors.As(err, &need) {
			t.Fatalf("resubmission of evicted op without history: error %v, want *NeedHistory", err)
		}
		d, err := s.Propose(again, full)
		if err != nil || d.Duplicate == nil {
			t.Fatalf("resubmission with history = %+v, %v, want a duplicate", d, err)
		}
		if d.Duplicate.Revision != 2 || d.Duplicate.Pending {
			t.Errorf("duplicate = %+v, want revision 2, committed", d.Duplicate)
		}
	})
}

func TestSequencerWindow(t *testing.T) {
	var ops []ot.Operation
	for i := range 20 {
		ops = append(ops, insertAt(i, i, "x"))
	}
	s := newSequencer(t, "", services.SequencerConfig{Window: 4}, ops...)
	if s.Head() != 20 {
		t.Fatalf("head = %d, want 20", s.Head())
	}
	// The window may keep a little more than its size, never less.
	if n := s.Head() - s.WindowStart(); n < 4 || n > 5 {
		t.Errorf("window holds %d operations, want 4..5", n)
	}
	tests := []struct {
		from   int
		want   int
		wantOK bool
	}{
		{from: 20, want: 0, wantOK: true},
		{from: 16, want: 4, wantOK: true},
		{from: s.WindowStart(), want: 20 - s.WindowStart(), wantOK: true},
		{from: s.WindowStart() - 1, wantOK: false},
		{from: 0, wantOK: false},
		{from: 21, wantOK: false},
		{from: -1, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("Recent(%d)", tt.from), func(t *testing.T) {
			got, ok := s.Recent(tt.from)
			if ok != tt.wantOK || len(got) != tt.want {
				t.Fatalf("Recent(%d) = %d ops, %v; want %d, %v", tt.from, len(got), ok, tt.want, tt.wantOK)
			}
			for i, op := range got {
				if op.Revision != tt.from+1+i {
					t.Errorf("op %d has revision %d, want %d", i, op.Revision, tt.from+1+i)
				}
			}
		})
	}
	t.Run("an evicted id is a new operation at a later base", func(t *testing.T) {
		// h1 was evicted: reusing its id at the head is not taken for a
		// resubmission (its original revision is not after the base).
		d, err := s.Propose(services.Submission{OpID: "h1", Base: 20, Op: insertAt(20, 0, "y")}, nil)
		if err != nil || d.Proposal == nil {
			t.Fatalf("Propose = %+v, %v, want a proposal", d, err)
		}
		s.Abort()
	})
}

func TestNewSequencerRecent(t *testing.T) {
	op := func(rev int) services.CommittedOp {
		return services.CommittedOp{Revision: rev, Op: build(rev-1, "x")}
	}
	tests := []struct {
		name    string
		head    int
		recent  []services.CommittedOp
		wantErr bool
	}{
		{name: "empty", head: 3},
		{name: "ending at head", head: 3, recent: []services.CommittedOp{op(2), op(3)}},
		{name: "ending before head", head: 4, recent: []services.CommittedOp{op(2), op(3)}, wantErr: true},
		{name: "gap", head: 3, recent: []services.CommittedOp{op(1), op(3)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := services.NewSequencer(tt.head, "xxx", tt.recent, services.SequencerConfig{Window: 10})
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewSequencer error = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && s.WindowStart() != tt.head-len(tt.recent) {
				t.Errorf("WindowStart = %d, want %d", s.WindowStart(), tt.head-len(tt.recent))
			}
		})
	}
}

func TestSequencerCommit(t *testing.T) {
	s := newSequencer(t, "", services.SequencerConfig{Window: 10})
	var ps []*services.Proposal
	for i := range 3 {
		ps = append(ps, propose(t, s, services.Submission{OpID: fmt.Sprint(i), Base: 0, Op: build(fmt.Sprint(i))}))
	}
	if got := s.Commit(0); got != nil {
		t.Errorf("Commit(0) = %v, want nil", got)
	}
	if got := s.Commit(-1); got != nil {
		t.Errorf("Commit(-1) = %v, want nil", got)
	}
	got := s.Commit(1)
	if len(got) != 1 || got[0] != ps[0] || s.Head() != 1 || s.PendingCount() != 2 {
		t.Fatalf("Commit(1) = %v; head %d pending %d, want the first proposal; 1 2", got, s.Head(), s.PendingCount())
	}
	if s.Content() != "0" {
		t.Errorf("content = %q, want %q", s.Content(), "0")
	}
	got = s.Commit(10)
	if len(got) != 2 || got[0] != ps[1] || got[1] != ps[2] || s.Head() != 3 || s.PendingCount() != 0 {
		t.Fatalf("Commit(10) = %v; head %d pending %d, want the other two; 3 0", got, s.Head(), s.PendingCount())
	}
	if want := "210"; s.Content() != want {
		t.Errorf("content = %q, want %q", s.Content(), want)
	}
	if rec := history(t, s, 0); len(rec) != 3 || rec[2].OpID != "2" {
		t.Errorf("window = %+v, want the three operations", rec)
	}
}

func TestSequencerAbort(t *testing.T) {
	s := newSequencer(t, "ab", services.SequencerConfig{Window: 10}, build(2, "c"))
	sub1 := services.Submission{ClientID: "a", OpID: "a1", Base: 1, Op: build("x", 3)}
	sub2 := services.Submission{ClientID: "b", OpID: "b1", Base: 0, Op: build(2, "y")}
	p1, p2 := propose(t, s, sub1), propose(t, s, sub2)

	aborted := s.Abort()
	if len(aborted) != 2 || aborted[0] != p1 || aborted[1] != p2 {
		t.Fatalf("Abort = %v, want both proposals oldest first", aborted)
	}
	if s.Head() != 1 || s.Content() != "abc" || s.PendingCount() != 0 {
		t.Fatalf("after Abort: head %d content %q pending %d, want 1 \"abc\" 0", s.Head(), s.Content(), s.PendingCount())
	}
	if got := s.Abort(); len(got) != 0 {
		t.Errorf("second Abort = %v, want nothing", got)
	}
	// The aborted ids are forgotten: proposing again is new, not a duplicate.
	q2 := propose(t, s, sub2)
	q1 := propose(t, s, sub1)
	if q2.Revision != 2 || q1.Revision != 3 {
		t.Errorf("revisions after re-proposing = %d, %d, want 2, 3", q2.Revision, q1.Revision)
	}
	s.Commit(2)
	if got, want := s.Content(), "xabyc"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
}

func TestSequencerAdvance(t *testing.T) {
	foreign := []services.CommittedOp{committedOp(2, 1, "o1", build(2, "!")), committedOp(3, 2, "o2", build(-1, 2))}
	tests := []struct {
		name    string
		pending bool
		ops     []services.CommittedOp
		wantErr bool
	}{
		{name: "continues the head", ops: foreign},
		{name: "nothing", ops: nil},
		{name: "with pending proposals", pending: true, ops: foreign, wantErr: true},
		{name: "gap", ops: foreign[1:], wantErr: true},
		{name: "repeats the head", ops: []services.CommittedOp{{Revision: 1, Op: build(2)}}, wantErr: true},
		{name: "does not apply", ops: []services.CommittedOp{foreign[0], {Revision: 3, Op: build(7)}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSequencer(t, "a", services.SequencerConfig{Window: 10}, build(1, "b"))
			if tt.pending {
				propose(t, s, services.Submission{Base: 1, Op: build("p", 2)})
			}
			head, content := s.Head(), s.Content()
			err := s.Advance(tt.ops)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Advance error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if s.Head() != head || s.Content() != content {
					t.Errorf("after error: head %d content %q, want %d %q", s.Head(), s.Content(), head, content)
				}
				return
			}
			want := content
			for _, op := range tt.ops {
				want, _ = op.Op.Apply(want)
			}
			if s.Head() != head+len(tt.ops) || s.Content() != want {
				t.Errorf("head %d content %q, want %d %q", s.Head(), s.Content(), head+len(tt.ops), want)
			}
			if got := history(t, s, head); len(got) != len(tt.ops) {
				t.Errorf("window after head = %d ops, want %d", len(got), len(tt.ops))
			}
			// An advanced op's id is known: resubmitting it is a duplicate.
			for _, op := range tt.ops {
				d, err := s.Propose(services.Submission{ClientID: "x", OpID: op.OpID, Base: op.BaseRevision, Op: op.Op}, nil)
				if err != nil || d.Duplicate == nil || d.Duplicate.Revision != op.Revision {
					t.Errorf("resubmitting %s = %+v, %v, want duplicate of revision %d", op.OpID, d, err, op.Revision)
				}
			}
		})
	}
}

// A selection outside the document is dropped; the operation still counts.
func TestSequencerDropsASelectionOutsideTheDocument(t *testing.T) {
	s := newSequencer(t, "ab", services.SequencerConfig{})
	d, err := s.Propose(services.Submission{Op: build(2, "c"), Selection: &ot.Selection{Ranges: []ot.Range{{Anchor: 4, Head: 4}}}}, nil)
	if err != nil {
		t.Fatalf("Propose: %v", err)
	}
	if d.Proposal == nil || d.Proposal.Selection != nil {
		t.Fatalf("got %+v, want a proposal without a selection", d.Proposal)
	}
}

// TestSequencerSelection checks that the sender's selection is moved across
// the concurrent operations as ot.js's WrappedOperation moves its meta, and
// that the submitted selection is not modified.
func TestSequencerSelection(t *testing.T) {
	cursor := func(i int) *ot.Selection { return &ot.Selection{Ranges: []ot.Range{{Anchor: i, Head: i}}} }
	tests := []struct {
		name    string
		history []ot.Operation
		base    int
		op      ot.Operation
		sel     *ot.Selection
		want    *ot.Selection
	}{
		{name: "none", op: build(3, "x"), want: nil},
		{name: "at head unchanged", op: build(3, "x"), sel: cursor(4), want: cursor(4)},
		{name: "moved by a concurrent insert", history: []ot.Operation{build("12", 3)}, op: build(3, "x"), sel: cursor(4), want: cursor(6)},
		{name: "range moved by a concurrent delete", history: []ot.Operation{build(-2, 1)}, op: build(1, "xy", 2),
			sel: &ot.Selection{Ranges: []ot.Range{{Anchor: 1, Head: 3}}}, want: &ot.Selection{Ranges: []ot.Range{{Anchor: 0, Head: 1}}}},
		{name: "empty ranges", history: []ot.Operation{build("12", 3)}, op: build(3, "x"), sel: &ot.Selection{}, want: &ot.Selection{}},
		// ot.js would put this cursor at 1 in an empty document: the
		// concurrent delete of "c" moves it as it was, not past this delete
		// of "ab". It is clamped to the document.
		{name: "kept inside the document", history: []ot.Operation{build(2, -1)}, op: build(-2, 1), sel: cursor(1), want: cursor(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSequencer(t, "abc", services.SequencerConfig{Window: 10}, tt.history...)
			var sent *ot.Selection
			if tt.sel != nil {
				c := *tt.sel
				c.Ranges = append([]ot.Range(nil), tt.sel.Ranges...)
				sent = &c
			}
			p := propose(t, s, services.Submission{Base: tt.base, Op: tt.op, Selection: sent})
			if got, want := selString(p.Selection), selString(tt.want); got != want {
				t.Errorf("selection = %s, want %s", got, want)
			}
			if got, want := selString(sent), selString(tt.sel); got != want {
				t.Errorf("submitted selection changed to %s, want %s", got, want)
			}
		})
	}
}

func selString(s *ot.Selection) string {
	if s == nil {
		return "nil"
	}
	return fmt.Sprint(*s)
}

// committedOp is a stored operation as another writer would have committed
// it: op submitted by client "other" at base with id.
func committedOp(rev, base int, id string, op ot.Operation) services.CommittedOp {
	return services.CommittedOp{Revision: rev, Op: op, ClientID: "other", OpID: id, BaseRevision: base,
		Digest: services.Submission{Op: op}.Digest()}
}

// The window is bounded in bytes as well as in operations: big operations
// leave it sooner, and a submission based before them needs history.
func TestSequencerWindowBytes(t *testing.T) {
	big := strings.Repeat("x", 256<<10)
	var ops []ot.Operation
	for i := range 10 {
		ops = append(ops, build(i*len(big), big))
	}
	s := newSequencer(t, "", services.SequencerConfig{Window: 1000, WindowBytes: 1 << 20}, ops...)
	if got := s.Head() - s.WindowStart(); got < 1 || got > 3 {
		t.Errorf("window holds %d operations of 256 KiB under a 1 MiB bound, want 1 to 3", got)
	}
	var need *services.NeedHistory
	if _, err := s.Propose(services.Submission{ClientID: "c", Base: 2, Op: build(2*len(big), "y")}, nil); !errors.As(err, &need) {
		t.Errorf("Propose(base 2) error = %v, want *NeedHistory", err)
	}
	// Small operations fill it up to its count again.
	for range 20 {
		propose(t, s, services.Submission{ClientID: "c", Base: s.Head(), Op: build(len(s.Content()), "z")})
		s.Commit(1)
	}
	if got := s.Head() - s.WindowStart(); got < 20 {
		t.Errorf("window holds %d operations after 20 small ones, want at least 20", got)
	}
}

// Pending proposals do not each keep a copy of the document: fifty of them
// on a 1 MiB document share its chunks and retain a fraction of one.
func TestSequencerPendingRetainsFewDocuments(t *testing.T) {
	doc := strings.Repeat("x", 1<<20)
	s := newSequencer(t, doc, services.SequencerConfig{Window: 10})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 50 {
		propose(t, s, services.Submission{ClientID: "c", Base: 0, Op: build(i, "y", len(doc)-i)})
	}
	ops := s.Batch(20)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 1<<19 {
		t.Errorf("50 pending proposals on a 1 MiB document retain %d KiB, want at most 512", grown>>10)
	}
	if len(ops) != 20 {
		t.Fatalf("Batch(20) = %d operations", len(ops))
	}
	s.Commit(20)
	s.Commit(30)
	if got := strings.Count(s.Content(), "y"); got != 50 || len(s.Content()) != len(doc)+50 {
		t.Errorf("content has %d y and %d bytes, want 50 and %d", got, len(s.Content()), len(doc)+50)
	}
}

// The content follows every way the head moves (Commit of part of the
// pending proposals, Commit of the rest, Advance), on a document of many
// chunks, edited far apart, and Content is rebuilt after each.
func TestSequencerContentFollowsTheHead(t *testing.T) {
	doc := strings.Repeat("héllo 😀 wörld ", 20_000)
	s := newSequencer(t, doc, services.SequencerConfig{Window: 10})
	want := doc
	apply := func(op ot.Operation) {
		t.Helper()
		next, err := op.Apply(want)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		want = next
	}
	n := ot.UTF16Len(doc)
	var ops []ot.Operation // as transformed past the pending ones
	for i := range 6 {
		// At the start, middle and end, each based on the head.
		at := []int{0, n / 2, n}[i%3]
		p := propose(t, s, services.Submission{ClientID: "c", OpID: fmt.Sprint(i), Base: s.Head(), Op: build(at, fmt.Sprint(i), n-at)})
		ops = append(ops, p.Op)
	}
	if got := s.Content(); got != doc {
		t.Fatalf("content before any commit differs from the start")
	}
	s.Batch(2)
	s.Commit(2)
	apply(ops[0])
	apply(ops[1])
	if s.Content() != want || s.Len() != ot.UTF16Len(want) {
		t.Fatalf("after Commit(2): content differs (len %d, want %d)", s.Len(), ot.UTF16Len(want))
	}
	s.Commit(4)
	for _, op := range ops[2:] {
		apply(op)
	}
	if s.Content() != want || s.Len() != ot.UTF16Len(want) {
		t.Fatalf("after Commit(4): content differs (len %d, want %d)", s.Len(), ot.UTF16Len(want))
	}
	other := build(3, -4, "xyz", s.Len()-7)
	if err := s.Advance([]services.CommittedOp{{Revision: s.Head() + 1, Op: other}}); err != nil {
		t.Fatalf("Advance: %v", err)
	}
	apply(other)
	if s.Content() != want || s.Len() != ot.UTF16Len(want) {
		t.Fatalf("after Advance: content differs (len %d, want %d)", s.Len(), ot.UTF16Len(want))
	}
}
