package services

import (
	"github.com/tandem-editor/tandem/ot"
)

// BlameSpan says which revision (and its client) inserted the UTF-16 range
// [Start, End) of a document; revision 0 is the room's initial content.
type BlameSpan struct {
	Start, End int
	Revision   int
	ClientID   string
}

// Blame is who inserted each part of a document at one revision. It is a
// value: Apply returns a new Blame that shares with the old every chunk of
// spans the operation leaves alone, so that keeping the blame of many
// revisions costs about what their operations changed, and applying an
// operation costs the chunks it skips plus the ones it edits, not the
// whole document.
type Blame struct {
	chunks []*blameChunk
	units  int
}

// blameChunk is a run of at most blameChunkSpans spans; never changed once
// built.
type blameChunk struct {
	spans []blameRun
	units int
}

type blameRun struct {
	units    int
	revision int
	clientID string
}

const blameChunkSpans = 128

// NewBlame is the blame of content, all inserted by revision rev of clientID.
func NewBlame(content string, rev int, clientID string) Blame {
	var b blameBuilder
	b.add(blameRun{units: ot.UTF16Len(content), revision: rev, clientID: clientID})
	return b.blame()
}

// Len is the length of the document in UTF-16 code units.
func (b Blame) Len() int { return b.units }

// Apply returns the blame after op, committed at revision rev by clientID:
// what op inserts is theirs, what it retains keeps its author.
// Errors: CodeInternal when op does not apply to a document of b's length.
func (b Blame) Apply(op ot.Operation, rev int, clientID string) (Blame, error) {
	if op.BaseLen() != b.units {
		return Blame{}, Errorf(CodeInternal, "revision %d applies to %d units, the blame has %d", rev, op.BaseLen(), b.units)
	}
	var out blameBuilder
	r := blameReader{b: b}
	for _, c := range op.Components() {
		switch {
		case c.Insert != "":
			out.add(blameRun{units: ot.UTF16Len(c.Insert), revision: rev, clientID: clientID})
		case c.Retain > 0:
			r.copyTo(&out, c.Retain)
		default:
			r.skip(c.Delete)
		}
	}
	return out.blame(), nil
}

// Spans lists the blame as contiguous ranges covering the document, the
// neighbours of each by other revisions or clients.
func (b Blame) Spans() []BlameSpan {
	var out []BlameSpan
	at := 0
	for _, ch := range b.chunks {
		for _, s := range ch.spans {
			if n := len(out); n > 0 && out[n-1].Revision == s.revision && out[n-1].ClientID == s.clientID {
				out[n-1].End += s.units
			} else {
				out = append(out, BlameSpan{Start: at, End: at + s.units, Revision: s.revision, ClientID: s.clientID})
			}
			at += s.units
		}
	}
	return out
}

// blameBuilder builds a Blame from runs and whole chunks, in order.
type blameBuilder struct {
	chunks []*blameChunk
	cur    []blameRun
	curN   int
	units  int
}

func (b *blameBuilder) add(s blameRun) {
	if s.units <= 0 {
		return
	}
	b.units += s.units
	if n := len(b.cur); n > 0 && b.cur[n-1].revision == s.revision && b.cur[n-1].clientID == s.clientID {
		b.cur[n-1].units += s.units
		b.curN += s.units
		return
	}
	if len(b.cur) == blameChunkSpans {
		b.flush()
	}
	b.cur = append(b.cur, s)
	b.curN += s.units
}

// addChunk appends a whole chunk, shared.
func (b *blameBuilder) addChunk(c *blameChunk) {
	b.flush()
	b.chunks = append(b.chunks, c)
	b.units += c.units
}

func (b *blameBuilder) flush() {
	if len(b.cur) == 0 {
		return
	}
	b.chunks = append(b.chunks, &blameChunk{spans: b.cur, units: b.curN})
	b.cur, b.curN = nil, 0
}

func (b *blameBuilder) blame() Blame {
	b.flush()
	return Blame{chunks: b.chunks, units: b.units}
}

// blameReader walks a Blame: chunk i, span j within it, off units into it.
type blameReader struct {
	b      Blame
	i, j   int
	offset int
}

// copyTo copies the next n units to out, whole chunks shared.
func (r *blameReader) copyTo(out *blameBuilder, n int) {
	for n > 0 {
		ch := r.b.chunks[r.i]
		if r.j == 0 && r.offset == 0 && ch.units <= n {
			out.addChunk(ch)
			n -= ch.units
			r.i++
			continue
		}
		s := ch.spans[r.j]
		take := min(n, s.units-r.offset)
		out.add(blameRun{units: take, revision: s.revision, clientID: s.clientID})
		n -= take
		r.advance(take)
	}
}

// skip passes over the next n units (deleted).
func (r *blameReader) skip(n int) {
	for n > 0 {
		ch := r.b.chunks[r.i]
		if r.j == 0 && r.offset == 0 && ch.units <= n {
			n -= ch.units
			r.i++
			continue
		}
		take := min(n, ch.spans[r.j].units-r.offset)
		n -= take
		r.advance(take)
	}
}

// advance moves n units on within the current span (n at most its rest).
func (r *blameReader) advance(n int) {
	r.offset += n
	ch := r.b.chunks[r.i]
	if r.offset == ch.spans[r.j].units {
		r.offset = 0
		r.j++
		if r.j == len(ch.spans) {
			r.i, r.j = r.i+1, 0
		}
	}
}
