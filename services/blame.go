package services

import (
	"slices"

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
// value that never changes: the blames of many revisions share every chunk
// of spans that the operations between them left alone, so keeping several
// costs about what those operations changed. Replaying operations goes
// through a blameEditor, which changes its own chunks in place.
type Blame struct {
	chunks []*blameChunk
	units  int
}

// blameChunk is a run of spans, at most 2*blameChunkSpans of them. Its
// owner, while set, is the editor that may change it in place; a chunk a
// Blame holds belongs to no editor (or to one that has handed out a
// snapshot since, which then copies it before a change).
type blameChunk struct {
	spans []blameRun
	units int
	owner *editToken
}

type blameRun struct {
	units    int
	revision int
	clientID string
}

func (s blameRun) sameAuthor(o blameRun) bool {
	return s.revision == o.revision && s.clientID == o.clientID
}

// blameChunkSpans is a chunk's usual size: one longer than twice it is
// split, and one under a quarter of it merged with its neighbour when they
// fit in it together.
const blameChunkSpans = 128

// editToken names one editing period of a blameEditor; it is not empty so
// that every one has its own address.
type editToken struct{ _ byte }

// NewBlame is the blame of content, all inserted by revision rev of clientID.
func NewBlame(content string, rev int, clientID string) Blame {
	units := ot.UTF16Len(content)
	if units == 0 {
		return Blame{}
	}
	return Blame{chunks: []*blameChunk{{spans: []blameRun{{units: units, revision: rev, clientID: clientID}}, units: units}}, units: units}
}

// Len is the length of the document in UTF-16 code units.
func (b Blame) Len() int { return b.units }

// Apply returns the blame after op, committed at revision rev by clientID:
// what op inserts is theirs, what it retains keeps its author. It costs the
// number of chunks; replaying many operations is for a blameEditor.
// Errors: CodeInternal when op does not apply to a document of b's length.
func (b Blame) Apply(op ot.Operation, rev int, clientID string) (Blame, error) {
	e := b.edit()
	if err := e.apply(op, rev, clientID); err != nil {
		return Blame{}, err
	}
	return e.blame(), nil
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

// edit returns an editor that starts from b and leaves b as it is.
func (b Blame) edit() *blameEditor {
	return &blameEditor{chunks: slices.Clone(b.chunks), units: b.units, token: new(editToken)}
}

// blameEditor applies operations to a blame in place: an operation costs
// the chunks it passes (adding their lengths) plus the spans of the ones it
// changes, and allocates only for chunks it copies, split or merges. A
// chunk shared with a Blame is copied before its first change.
type blameEditor struct {
	chunks []*blameChunk
	units  int
	token  *editToken
	// i and off are where apply is: off units into chunk i.
	i, off int
}

// blame returns the editor's blame as a Blame. The editor can go on: the
// chunks it hands out are copied before it changes them.
func (e *blameEditor) blame() Blame {
	e.token = new(editToken)
	return Blame{chunks: slices.Clone(e.chunks), units: e.units}
}

// apply changes the blame by op, committed at revision rev by clientID.
// Errors: CodeInternal when op does not apply to a document of e's length
// (the editor is then unchanged).
func (e *blameEditor) apply(op ot.Operation, rev int, clientID string) error {
	if op.BaseLen() != e.units {
		return Errorf(CodeInternal, "revision %d applies to %d units, the blame has %d", rev, op.BaseLen(), e.units)
	}
	e.i, e.off = 0, 0
	for _, c := range op.Components() {
		switch {
		case c.Insert != "":
			e.insert(blameRun{units: ot.UTF16Len(c.Insert), revision: rev, clientID: clientID})
		case c.Retain > 0:
			e.retain(c.Retain)
		default:
			e.delete(c.Delete)
		}
	}
	return nil
}

// retain moves n units on; at a chunk's end it stays there rather than at
// the next one's start, so that an insert there extends the chunk it
// follows.
func (e *blameEditor) retain(n int) {
	for n > 0 {
		rest := e.chunks[e.i].units - e.off
		if n <= rest {
			e.off += n
			return
		}
		n -= rest
		e.i, e.off = e.i+1, 0
	}
}

// writable returns chunk i, first copied if the editor does not own it.
func (e *blameEditor) writable(i int) *blameChunk {
	c := e.chunks[i]
	if c.owner != e.token {
		c = &blameChunk{spans: slices.Clone(c.spans), units: c.units, owner: e.token}
		e.chunks[i] = c
	}
	return c
}

func (e *blameEditor) insert(s blameRun) {
	if len(e.chunks) == 0 {
		e.chunks = append(e.chunks, &blameChunk{owner: e.token})
	}
	c := e.writable(e.i)
	c.insert(e.off, s)
	e.units += s.units
	e.off += s.units
	if len(c.spans) > 2*blameChunkSpans {
		right := &blameChunk{spans: slices.Clone(c.spans[blameChunkSpans:]), owner: e.token}
		c.spans = c.spans[:blameChunkSpans]
		for _, r := range right.spans {
			right.units += r.units
		}
		c.units -= right.units
		e.chunks = slices.Insert(e.chunks, e.i+1, right)
		if e.off > c.units {
			e.i, e.off = e.i+1, e.off-c.units
		}
	}
}

func (e *blameEditor) delete(n int) {
	for n > 0 {
		if e.off == e.chunks[e.i].units {
			e.i, e.off = e.i+1, 0
			continue
		}
		c := e.writable(e.i)
		take := min(n, c.units-e.off)
		c.delete(e.off, take)
		e.units -= take
		n -= take
		switch {
		case c.units == 0:
			e.chunks = slices.Delete(e.chunks, e.i, e.i+1)
			e.off = 0
			if e.i == len(e.chunks) && e.i > 0 {
				e.i--
				e.off = e.chunks[e.i].units
			}
		case len(c.spans) < blameChunkSpans/4 && e.i+1 < len(e.chunks) && len(c.spans)+len(e.chunks[e.i+1].spans) <= blameChunkSpans:
			next := e.chunks[e.i+1]
			for _, s := range next.spans {
				c.append(s)
			}
			e.chunks = slices.Delete(e.chunks, e.i+1, e.i+2)
		}
	}
}

// append adds s at the chunk's end, merged with its last span when by the
// same author.
func (c *blameChunk) append(s blameRun) {
	c.units += s.units
	if n := len(c.spans); n > 0 && c.spans[n-1].sameAuthor(s) {
		c.spans[n-1].units += s.units
		return
	}
	c.spans = append(c.spans, s)
}

// insert puts s off units into the chunk.
func (c *blameChunk) insert(off int, s blameRun) {
	j, at := 0, 0
	for j < len(c.spans) && at+c.spans[j].units <= off {
		at += c.spans[j].units
		j++
	}
	c.units += s.units
	switch {
	case j < len(c.spans) && c.spans[j].sameAuthor(s):
		c.spans[j].units += s.units // inside or at the start of a span by the same author
		return
	case j > 0 && off == at && c.spans[j-1].sameAuthor(s):
		c.spans[j-1].units += s.units
		return
	case j < len(c.spans) && off > at: // inside span j: split it
		right := c.spans[j]
		right.units -= off - at
		c.spans[j].units = off - at
		c.spans = slices.Insert(c.spans, j+1, s, right)
	default:
		c.spans = slices.Insert(c.spans, j, s)
	}
}

// delete removes the n units from off on (all within the chunk), merging
// the spans that come together by the same author.
func (c *blameChunk) delete(off, n int) {
	kept := c.spans[:0]
	at := 0
	for _, s := range c.spans {
		start, end := at, at+s.units
		at = end
		if lo, hi := max(start, off), min(end, off+n); hi > lo {
			s.units -= hi - lo
		}
		if s.units == 0 {
			continue
		}
		if k := len(kept); k > 0 && kept[k-1].sameAuthor(s) {
			kept[k-1].units += s.units
			continue
		}
		kept = append(kept, s)
	}
	clear(c.spans[len(kept):])
	c.spans = kept
	c.units -= n
}
