package services_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unicode/utf16"

	"github.com/tandem-editor/tandem/internal/optest"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
)

// author is who inserted one UTF-16 unit, by the naive blame.
type author struct {
	rev    int
	client string
}

// naiveBlame replays ops one unit at a time.
func naiveBlame(content string, ops []services.CommittedOp) []author {
	units := make([]author, len(utf16.Encode([]rune(content))))
	for _, op := range ops {
		var next []author
		i := 0
		for _, c := range op.Op.Components() {
			switch {
			case c.Insert != "":
				for range utf16.Encode([]rune(c.Insert)) {
					next = append(next, author{op.Revision, op.ClientID})
				}
			case c.Retain > 0:
				next = append(next, units[i:i+c.Retain]...)
				i += c.Retain
			default:
				i += c.Delete
			}
		}
		units = next
	}
	return units
}

// requireBlame fails unless spans cover want exactly, contiguous, with no
// two neighbours by the same revision and client.
func requireBlame(t *testing.T, spans []services.BlameSpan, want []author) {
	t.Helper()
	at := 0
	for i, s := range spans {
		if s.Start != at || s.End <= s.Start {
			t.Fatalf("span %d %+v: not contiguous from %d", i, s, at)
		}
		if i > 0 && spans[i-1].Revision == s.Revision && spans[i-1].ClientID == s.ClientID {
			t.Fatalf("spans %d and %d are by the same author: %+v", i-1, i, spans[i-1:i+1])
		}
		for u := s.Start; u < s.End; u++ {
			if u >= len(want) || want[u] != (author{s.Revision, s.ClientID}) {
				t.Fatalf("unit %d: span %+v, naive blame %+v", u, s, want[min(u, len(want)-1)])
			}
		}
		at = s.End
	}
	if at != len(want) {
		t.Fatalf("spans end at %d, the document at %d", at, len(want))
	}
}

// On random histories, the incremental blame (every prefix of them) is
// what replaying each unit says.
func TestBlameMatchesNaiveReplay(t *testing.T) {
	for seed := range uint64(300) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 17))
			content := ""
			if seed%3 != 0 {
				for range 5 {
					next, _ := optest.Random(rnd, content).Apply(content)
					content = next
				}
			}
			doc := content
			b := services.NewBlame(content, 0, "")
			var ops []services.CommittedOp
			for rev := 1; rev <= 1+rnd.IntN(400); rev++ {
				op := optest.Random(rnd, doc)
				next, err := op.Apply(doc)
				if err != nil {
					t.Fatal(err)
				}
				doc = next
				c := services.CommittedOp{Revision: rev, Op: op, ClientID: fmt.Sprintf("c%d", rnd.IntN(3))}
				ops = append(ops, c)
				if b, err = b.Apply(op, rev, c.ClientID); err != nil {
					t.Fatal(err)
				}
				if rev%37 == 0 {
					requireBlame(t, b.Spans(), naiveBlame(content, ops))
				}
			}
			requireBlame(t, b.Spans(), naiveBlame(content, ops))
			if b.Len() != len(utf16.Encode([]rune(doc))) {
				t.Fatalf("Len = %d, document %d", b.Len(), len(utf16.Encode([]rune(doc))))
			}
		})
	}
}

// One editor replays a long history of scattered one-unit inserts by
// turns of authors (thousands of spans: chunks split) and then deletes of
// whole ranges (chunks emptied and merged), handing out a Blame every few
// operations; at the end every Blame it handed out is still the naive
// blame of its revision (the editor never changed a chunk it shared), and
// the chunks stay few for the spans they hold.
func TestBlameEditorSharesWhatItHandsOut(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	content := "0123456789abcdef"
	doc := content
	e := services.NewBlame(content, 0, "").Edit()
	var ops []services.CommittedOp
	type handed struct {
		rev int
		b   services.Blame
	}
	var out []handed
	for rev := 1; rev <= 6000; rev++ {
		n := len(utf16.Encode([]rune(doc)))
		var op ot.Operation
		if rev <= 5000 || n == 0 {
			pos := rnd.IntN(n + 1)
			op.Retain(pos).Insert("x").Retain(n - pos)
		} else {
			pos, k := rnd.IntN(n), 1+rnd.IntN(n/300+1)
			k = min(k, n-pos)
			op.Retain(pos).Delete(k).Retain(n - pos - k)
		}
		doc, _ = op.Apply(doc)
		c := services.CommittedOp{Revision: rev, Op: op, ClientID: fmt.Sprintf("c%d", rev%5)}
		ops = append(ops, c)
		if err := e.Apply(op, rev, c.ClientID); err != nil {
			t.Fatal(err)
		}
		if rev%499 == 0 || rev == 6000 {
			out = append(out, handed{rev, e.Blame()})
		}
	}
	for _, h := range out {
		spans := h.b.Spans()
		requireBlame(t, spans, naiveBlame(content, ops[:h.rev]))
		if max := len(spans)/(services.BlameChunkSpans/4) + 2; h.b.Chunks() > max {
			t.Fatalf("revision %d: %d chunks for %d spans", h.rev, h.b.Chunks(), len(spans))
		}
	}
	if err := e.Apply(ot.Operation{}, 6001, "x"); services.ErrorCode(err) != services.CodeInternal {
		t.Fatalf("an operation of the wrong length: %v, want internal", err)
	}
}

// A room's blame of any revision, asked in random order (so from kept
// marks before and after it, and from the last one asked), is what the
// naive replay of its stored history says.
func TestRoomBlameAtMatchesNaiveReplay(t *testing.T) {
	store := memory.NewStore()
	rs := newRooms(t, store, testConfig(), nil)
	info, err := rs.Create(ctxT(t), services.RoomCreate{Content: "start ✓"})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	doc := "start ✓"
	var ops []services.CommittedOp
	for rev := 1; rev <= 2600; rev++ {
		op := optest.Random(rnd, doc)
		doc, _ = op.Apply(doc)
		ops = append(ops, services.CommittedOp{Revision: rev, Op: op, ClientID: fmt.Sprintf("c%d", rnd.IntN(4)), BaseRevision: rev - 1})
	}
	if err := store.AppendOps(ctxT(t), info.ID, ops); err != nil {
		t.Fatal(err)
	}
	h := openRoom(t, rs, info.ID)
	for _, rev := range []int{2600, 0, 1, 1200, 499, 500, 501, 2600, 2599, 1999, 1000, 7} {
		spans, err := h.BlameAt(ctxT(t), rev)
		if err != nil {
			t.Fatalf("BlameAt(%d): %v", rev, err)
		}
		requireBlame(t, spans, naiveBlame("start ✓", ops[:rev]))
	}
	for _, rev := range []int{-1, 2601} {
		if _, err := h.BlameAt(ctxT(t), rev); services.ErrorCode(err) != services.CodeRevisionOutOfRange {
			t.Errorf("BlameAt(%d) = %v, want revision_out_of_range", rev, err)
		}
	}
}
