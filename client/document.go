package client

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tandem-editor/tandem/ot"
)

// Chunk sizes of a document, in bytes. Every chunk holds at most about
// maxChunk bytes (a chunk is cut after the rune that reaches its size) and,
// except the last one, at least minChunk.
const (
	minChunk = 256
	maxChunk = 1024
)

// document is the client's copy of a room's text, kept as a sequence of
// chunks so that applying an operation costs time in proportion to the
// operation and to the chunks it edits, not to the whole text.
//
// Why: a client applies every operation of its room. With the text as one
// string, ot.Operation.Apply copies all of it each time; the load generator
// runs 50 clients in one process, and those copies were most of its
// allocations and a large share of its CPU.
//
// Representation: chunks are non-empty substrings of the text, cut before a
// byte that starts a rune (so never inside a surrogate pair), each with its
// length in UTF-16 units. Every chunk but the last holds at least minChunk bytes, none much
// more than maxChunk.
//
// Cost: apply walks the operation once. A retain skips whole chunks by their
// unit counts and scans only the chunk it ends in; the text around an insert
// or delete is rebuilt from its first to its last chunk touched, then cut
// again into chunks. So an operation costs O(len(op) + chunks + bytes of the
// chunks it edits), where a chunk it does not edit costs a few integer
// operations: for typing in a 15 KB document, about 25 chunk headers stepped
// over and one chunk (256 B - 1 KB) copied, instead of 15 KB (about 1 µs and
// 850 B per operation instead of 9 µs and 16 KB: BenchmarkApplyTyping).
// String materializes the text in O(n) and caches it until the next change.
//
// A document gives the same results and errors as ot.Operation.Apply on its
// text, provided the text is valid UTF-8, as every text the client holds is
// (JSON decoding and ot's builders make sure of it). It is not safe for
// concurrent use; the Client guards it with its lock.
type document struct {
	chunks []chunk
	units  int // length in UTF-16 units
	bytes  int // length in bytes
	str    string
	cached bool // str is the text
	// Scratch reused by every prepare: the text being rebuilt, and a
	// change's splices and new chunks.
	buf     []byte
	splices []splice
	fresh   []chunk
}

// chunk is a piece of a document's text and its length in UTF-16 units.
type chunk struct {
	s     string
	units int
}

// newDocument returns a document holding text; its chunks share text's
// memory.
func newDocument(text string) document {
	d := document{chunks: appendChunks(nil, text), bytes: len(text), str: text, cached: true}
	for _, c := range d.chunks {
		d.units += c.units
	}
	return d
}

// Len returns the document's length in UTF-16 units.
func (d *document) Len() int { return d.units }

// String returns the text. It is built once per change, then cached.
func (d *document) String() string {
	if !d.cached {
		switch len(d.chunks) {
		case 0:
			d.str = ""
		case 1:
			d.str = d.chunks[0].s
		default:
			var b strings.Builder
			b.Grow(d.bytes)
			for _, c := range d.chunks {
				b.WriteString(c.s)
			}
			d.str = b.String()
		}
		d.cached = true
	}
	return d.str
}

// apply applies op to the document. On error (those of ot.Operation.Apply:
// the op's builder error, ot.ErrBaseLength, ot.ErrSurrogateSplit) the
// document is unchanged.
func (d *document) apply(op ot.Operation) error {
	ch, err := d.prepare(op)
	if err != nil {
		return err
	}
	d.commit(ch)
	return nil
}

// change is an operation's effect on a document, computed by prepare and
// made by commit.
type change struct {
	splices []splice
	chunks  []chunk // the new chunks of every splice
	units   int     // the document's length after the change
}

// splice replaces the chunks [from, to) of a document with chunks[lo:hi] of
// its change.
type splice struct {
	from, to, lo, hi int
}

// prepare computes op's effect on the document without changing it; commit
// makes it. The change is valid until the next prepare or change: commit it
// at once or drop it. Errors: as apply.
func (d *document) prepare(op ot.Operation) (change, error) {
	if err := op.Err(); err != nil {
		return change{}, err
	}
	if op.BaseLen() != d.units {
		return change{}, fmt.Errorf("apply: operation base length %d, document length %d: %w", op.BaseLen(), d.units, ot.ErrBaseLength)
	}
	w := walker{chunks: d.chunks, buf: d.buf[:0], ch: change{splices: d.splices[:0], chunks: d.fresh[:0]}}
	for _, c := range op.Components() {
		var err error
		switch {
		case c.Retain > 0:
			err = w.retain(c.Retain)
		case c.Delete > 0:
			err = w.delete(c.Delete)
		default:
			w.insert(c.Insert)
		}
		if err != nil {
			return change{}, err
		}
	}
	if w.pos != d.units {
		return change{}, fmt.Errorf("apply: operation base length %d, document length %d: %w", w.pos, d.units, ot.ErrBaseLength)
	}
	if w.open {
		w.close()
	}
	d.buf, d.splices, d.fresh = w.buf, w.ch.splices, w.ch.chunks
	w.ch.units = op.TargetLen()
	return w.ch, nil
}

// commit makes a change computed by prepare.
func (d *document) commit(ch change) {
	for _, sp := range ch.splices {
		for _, c := range d.chunks[sp.from:sp.to] {
			d.bytes -= len(c.s)
		}
		for _, c := range ch.chunks[sp.lo:sp.hi] {
			d.bytes += len(c.s)
		}
	}
	if len(ch.splices) == 1 {
		sp := ch.splices[0]
		d.chunks = slices.Replace(d.chunks, sp.from, sp.to, ch.chunks[sp.lo:sp.hi]...)
	} else if len(ch.splices) > 1 {
		out := make([]chunk, 0, len(d.chunks)+len(ch.chunks))
		prev := 0
		for _, sp := range ch.splices {
			out = append(out, d.chunks[prev:sp.from]...)
			out = append(out, ch.chunks[sp.lo:sp.hi]...)
			prev = sp.to
		}
		d.chunks = append(out, d.chunks[prev:]...)
	}
	d.units = ch.units
	d.str, d.cached = "", false
	clear(ch.chunks) // the scratch must not keep replaced text alive
}

// walker walks an operation over a document's chunks and collects the
// splices it makes.
//
// The cursor is chunk ci, at byte bo and unit uo of it; a cursor at the end
// of a chunk moves to the start of the next. While a splice is open, buf
// holds the new text of the chunks from `from` up to the cursor (what was
// retained of them and what was inserted), units its length in UTF-16 units.
type walker struct {
	chunks     []chunk
	ci, bo, uo int
	pos        int // units of the document walked
	at         int // pos where the current retain or delete started
	open       bool
	from       int
	buf        []byte
	units      int
	ch         change
}

// retain skips n units, copying them into the open splice, if any. Once the
// splice reaches a chunk border with enough text (or none) it is closed, and
// whole chunks are skipped without a look at their text.
func (w *walker) retain(n int) error {
	w.at = w.pos
	return w.skip(n, true)
}

// delete skips n units, leaving them out of the open splice.
func (w *walker) delete(n int) error {
	w.start()
	w.at = w.pos
	return w.skip(n, false)
}

// skip walks n units; keep copies them into the open splice (and may close
// it at a chunk border), otherwise they are dropped.
func (w *walker) skip(n int, keep bool) error {
	for n > 0 {
		if keep && w.open && w.bo == 0 && (len(w.buf) == 0 || len(w.buf) >= minChunk) {
			w.close()
		}
		if w.ci >= len(w.chunks) {
			return w.overrun()
		}
		c := w.chunks[w.ci]
		rest := c.units - w.uo
		if n >= rest {
			if keep && w.open {
				w.buf = append(w.buf, c.s[w.bo:]...)
				w.units += rest
			}
			n -= rest
			w.pos += rest
			w.ci, w.bo, w.uo = w.ci+1, 0, 0
			continue
		}
		end, err := w.advance(n)
		if err != nil {
			return err
		}
		if keep && w.open {
			w.buf = append(w.buf, c.s[w.bo:end]...)
			w.units += n
		}
		w.bo, w.uo, w.pos = end, w.uo+n, w.pos+n
		n = 0
	}
	return nil
}

func (w *walker) insert(s string) {
	w.start()
	w.buf = append(w.buf, s...)
	w.units += ot.UTF16Len(s)
}

// start opens a splice at the cursor, if none is open: its text starts with
// the cursor's chunk up to the cursor. At the end of the document it opens
// on the last chunk, so that appending grows that chunk.
func (w *walker) start() {
	if w.open {
		return
	}
	if w.ci == len(w.chunks) && w.ci > 0 {
		w.ci--
		c := w.chunks[w.ci]
		w.bo, w.uo = len(c.s), c.units
	}
	w.open, w.from = true, w.ci
	w.buf, w.units = w.buf[:0], w.uo
	if w.ci < len(w.chunks) {
		w.buf = append(w.buf, w.chunks[w.ci].s[:w.bo]...)
	}
}

// close ends the open splice at the end of the cursor's chunk (or at the
// cursor, at a chunk border) and cuts its text into chunks.
func (w *walker) close() {
	to := w.ci
	if w.ci < len(w.chunks) && w.bo > 0 {
		w.buf = append(w.buf, w.chunks[w.ci].s[w.bo:]...)
		w.units += w.chunks[w.ci].units - w.uo
		to++
		w.ci, w.bo, w.uo = w.ci+1, 0, 0
	}
	lo := len(w.ch.chunks)
	switch {
	case len(w.buf) > maxChunk:
		w.ch.chunks = appendChunks(w.ch.chunks, string(w.buf))
	case len(w.buf) > 0:
		w.ch.chunks = append(w.ch.chunks, chunk{s: string(w.buf), units: w.units})
	}
	w.ch.splices = append(w.ch.splices, splice{from: w.from, to: to, lo: lo, hi: len(w.ch.chunks)})
	w.open = false
	w.buf = w.buf[:0]
}

// advance returns the byte offset n units after the cursor, within the
// cursor's chunk (n is less than the units left in it). It fails with
// ot.ErrSurrogateSplit if that falls inside a surrogate pair, reported as
// ot does: at the unit after the one where the retain or delete started.
func (w *walker) advance(n int) (int, error) {
	s := w.chunks[w.ci].s
	i, left := w.bo, n
	for left > 0 {
		for left >= 8 && i+8 <= len(s) && asciiWord(s[i:]) {
			i += 8
			left -= 8
		}
		if left == 0 {
			break
		}
		if i >= len(s) {
			return 0, w.overrun()
		}
		if s[i] < utf8.RuneSelf {
			i++
			left--
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		u := runeUnits(r)
		if u > left {
			return 0, fmt.Errorf("apply: at unit %d: %w", w.at+1, ot.ErrSurrogateSplit)
		}
		left -= u
		i += size
	}
	return i, nil
}

// overrun reports a walk past the end of the document, which the base
// length check before the walk rules out unless chunk counts are wrong.
func (w *walker) overrun() error {
	return fmt.Errorf("apply: operation longer than the document at unit %d: %w", w.pos, ot.ErrBaseLength)
}

// appendChunks cuts s into chunks of at most about maxChunk bytes, all about
// the same size, and appends them to dst. The chunks share s's memory.
func appendChunks(dst []chunk, s string) []chunk {
	if s == "" {
		return dst
	}
	k := (len(s) + maxChunk - 1) / maxChunk
	size := (len(s) + k - 1) / k
	for len(s) > 0 {
		cut := min(size, len(s))
		for cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut++
		}
		dst = append(dst, chunk{s: s[:cut], units: ot.UTF16Len(s[:cut])})
		s = s[cut:]
	}
	return dst
}

// runeUnits is the length of r in UTF-16 units.
func runeUnits(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// asciiWord reports whether the first 8 bytes of s are all ASCII.
func asciiWord(s string) bool {
	s = s[:8]
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	return w&0x8080808080808080 == 0
}
