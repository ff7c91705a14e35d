package ot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"sync"
	"unicode/utf8"
)

// Sizes of a Document's pieces. A chunk holds at most about maxChunk bytes
// (a cut moves forward to the next rune) and, except the document's last
// chunk, at least minChunk. A block holds at most maxBlock chunks and,
// except the document's last block, at least minBlock.
const (
	minChunk = 256
	maxChunk = 1024
	minBlock = 32
	maxBlock = 64
)

// Document is an immutable text whose Apply costs time in proportion to the
// operation and the part of the text it edits, not to the whole text.
// Apply returns a new Document that shares every piece of text the
// operation leaves alone, so many versions of one large text (a room's head
// and the documents after its pending operations) cost little more than
// one.
//
// Why: Operation.Apply copies its whole document; a server or client that
// applies every operation of a 1 MB document copied 1 MB per keystroke.
//
// Representation: the text is cut into chunks (non-empty, valid UTF-8, so
// never inside a surrogate pair, each with its length in UTF-16 units), and
// the chunks are grouped in blocks (each with its length in units and
// bytes). Chunks and blocks are never modified once built: an Apply builds
// new ones for what it edits and points to the old ones for the rest.
//
// Cost: Apply walks the operation once. A retain steps over whole blocks by
// their unit counts, then over the chunks of the block it ends in, and scans
// only the chunk it ends in. The text around an insert or delete is rebuilt
// from the first to the last chunk it touches and cut again into chunks, and
// the chunk list of every block it touches is copied. So an operation costs
// O(len(op) + blocks + maxBlock per block touched + bytes of the chunks it
// edits), where a block it does not touch costs one copied block header (40
// bytes): for typing in a 1 MB document, about 20 headers, one chunk list
// and one chunk (256 B - 1 KB) copied; for 10 MB, about 200 headers.
// String builds the text in O(n) each time it is called; Compact also
// returns an equal document that points into that text, so that a holder
// of both keeps one copy. NewDocument shares its argument's memory and
// costs a validation and a count of it.
//
// A text that is not valid UTF-8 (no text built by this package's
// operations is) is kept as one piece, and Apply on it costs what
// Operation.Apply costs.
//
// Apply gives the results and errors of Operation.Apply on String() for
// every document and operation. The zero Document is the empty text. A
// Document is safe for concurrent use.
type Document struct {
	blocks []block
	units  int  // length in UTF-16 units
	bytes  int  // length in bytes
	flat   bool // not valid UTF-8: one block of one chunk, applied as a string
}

// block is a run of a document's chunks and its length.
type block struct {
	chunks       []chunk
	units, bytes int
}

// chunk is a piece of a document's text and its length in UTF-16 units.
type chunk struct {
	s     string
	units int
}

// NewDocument returns a document holding text. Its chunks share text's
// memory. It runs in O(len(text)).
func NewDocument(text string) Document {
	if text == "" {
		return Document{}
	}
	if !utf8.ValidString(text) {
		c := chunk{s: text, units: UTF16Len(text)}
		return Document{blocks: []block{{chunks: []chunk{c}, units: c.units, bytes: len(text)}}, units: c.units, bytes: len(text), flat: true}
	}
	var b builder
	for _, c := range appendChunks(nil, text) {
		b.addChunk(c)
	}
	return b.document()
}

// Len returns the document's length in UTF-16 units.
func (d Document) Len() int { return d.units }

// String returns the text. It copies it, except for a text of one chunk.
func (d Document) String() string {
	if len(d.blocks) == 1 && len(d.blocks[0].chunks) == 1 {
		return d.blocks[0].chunks[0].s
	}
	var sb strings.Builder
	sb.Grow(d.bytes)
	for _, b := range d.blocks {
		for _, c := range b.chunks {
			sb.WriteString(c.s)
		}
	}
	return sb.String()
}

// WriteTo writes the text to w, a chunk at a time (io.WriterTo): hashing
// a document does not build its text.
func (d Document) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, b := range d.blocks {
		for _, c := range b.chunks {
			k, err := io.WriteString(w, c.s)
			n += int64(k)
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// Hash is the document's desync check (docs/protocol.md, "hash"): the
// first 16 hex digits of its SHA256.
func (d Document) Hash() string { return d.SHA256()[:16] }

// SHA256 is the SHA-256 of the document's UTF-8 text in hex, computed
// without building the text.
func (d Document) SHA256() string {
	h := sha256.New()
	_, _ = d.WriteTo(h)
	return hex.EncodeToString(h.Sum(nil))
}

// Compact returns the text and a document equal to d whose chunks all
// point into that text, so that holding both costs the text once, where
// holding d and d.String() costs it twice. It runs in O(n).
func (d Document) Compact() (string, Document) {
	text := d.String()
	c := Document{units: d.units, bytes: d.bytes, flat: d.flat}
	if d.blocks == nil {
		return text, c
	}
	c.blocks = make([]block, len(d.blocks))
	chunks := make([]chunk, 0, d.chunkCount())
	at := 0
	for i, b := range d.blocks {
		from := len(chunks)
		for _, k := range b.chunks {
			chunks = append(chunks, chunk{s: text[at : at+len(k.s)], units: k.units})
			at += len(k.s)
		}
		c.blocks[i] = block{chunks: chunks[from:len(chunks):len(chunks)], units: b.units, bytes: b.bytes}
	}
	return text, c
}

func (d Document) chunkCount() int {
	n := 0
	for _, b := range d.blocks {
		n += len(b.chunks)
	}
	return n
}

// Apply returns the document with op applied; d is unchanged. On error it
// returns the zero Document and the error Operation.Apply returns for
// d.String(): op's builder error (ErrInvalidOp, ErrInvalidText),
// ErrBaseLength if op.BaseLen() differs from d.Len(), or ErrSurrogateSplit
// if a retain or delete ends inside a surrogate pair.
func (d Document) Apply(op Operation) (Document, error) {
	if err := op.Err(); err != nil {
		return Document{}, err
	}
	if d.flat {
		s, err := op.Apply(d.String())
		if err != nil {
			return Document{}, err
		}
		return NewDocument(s), nil
	}
	if op.BaseLen() != d.units {
		return Document{}, fmt.Errorf("apply: operation base length %d, document length %d: %w", op.BaseLen(), d.units, ErrBaseLength)
	}
	w := walker{blocks: d.blocks}
	defer w.release()
	w.out.blocks = make([]block, 0, len(d.blocks)+2)
	for _, c := range op.Components() {
		var err error
		switch {
		case c.Retain > 0:
			err = w.skip(c.Retain, true)
		case c.Delete > 0:
			w.start()
			err = w.skip(c.Delete, false)
		default:
			w.start()
			w.buf = append(w.buf, c.Insert...)
			w.units += UTF16Len(c.Insert)
		}
		if err != nil {
			return Document{}, err
		}
	}
	if w.pos != d.units || w.bi != len(d.blocks) {
		return Document{}, w.overrun()
	}
	if w.open {
		w.close()
	}
	return w.out.document(), nil
}

// scratch holds the walkers' text buffers between applies: the text of a
// splice is built there, then copied into its chunks.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

// walker walks an operation over a document's blocks and builds the
// document after it in out.
//
// The cursor is chunk ci of block bi, at byte bo and unit uo of it; a
// cursor at the end of a chunk moves to the start of the next. The chunks
// before the cursor are in out, except the cursor's own chunk, which goes
// to out whole once the cursor leaves it, unless a splice is open. While a
// splice is open, buf holds the new text from the start of the chunk where
// it opened up to the cursor (what was kept of it and what was inserted),
// units its length in UTF-16 units.
type walker struct {
	blocks         []block
	bi, ci, bo, uo int
	pos            int // units of the document walked
	at             int // pos where the current retain or delete started
	open           bool
	buf            []byte
	pooled         *[]byte // where buf came from
	units          int
	out            builder
}

// release returns the walker's buffer to the pool, unless an insert made it
// large.
func (w *walker) release() {
	if w.pooled != nil && cap(w.buf) <= 4*maxChunk {
		*w.pooled = w.buf[:0]
		scratch.Put(w.pooled)
	}
	w.buf, w.pooled = nil, nil
}

// addChunk passes a chunk to the result, sizing a new block for the rest of
// the block at the cursor.
func (w *walker) addChunk(c chunk) {
	if w.out.part == nil {
		n := maxBlock
		if w.bi < len(w.blocks) {
			n = min(n, len(w.blocks[w.bi].chunks)-w.ci+1)
		}
		w.out.part = make([]chunk, 0, n)
	}
	w.out.addChunk(c)
}

// skip walks n units: a retain (keep) copies them to the result, a delete
// drops them. A retain closes the open splice at the first chunk border
// where it holds enough text (or none), and outside a splice passes whole
// blocks and chunks to the result without a look at their text.
func (w *walker) skip(n int, keep bool) error {
	w.at = w.pos
	for n > 0 {
		if keep && w.open && w.bo == 0 && (len(w.buf) == 0 || len(w.buf) >= minChunk) {
			w.close()
		}
		if w.bi >= len(w.blocks) {
			return w.overrun()
		}
		b := &w.blocks[w.bi]
		if w.ci == 0 && w.bo == 0 && n >= b.units && (!keep || !w.open) {
			if keep {
				w.out.addBlock(*b)
			}
			n -= b.units
			w.pos += b.units
			w.bi++
			continue
		}
		c := b.chunks[w.ci]
		if rest := c.units - w.uo; n >= rest {
			switch {
			case keep && w.open:
				w.buf = append(w.buf, c.s[w.bo:]...)
				w.units += rest
			case keep:
				w.addChunk(c)
			}
			n -= rest
			w.pos += rest
			w.next()
			continue
		}
		end, err := skipUnits(c.s, w.bo, n)
		if err != nil {
			return fmt.Errorf("apply: at unit %d: %w", w.at+1, err)
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

// next moves the cursor to the start of the next chunk.
func (w *walker) next() {
	w.ci, w.bo, w.uo = w.ci+1, 0, 0
	if w.ci == len(w.blocks[w.bi].chunks) {
		w.bi, w.ci = w.bi+1, 0
	}
}

// start opens a splice at the cursor, if none is open: its text starts with
// the cursor's chunk up to the cursor. At the end of the document it takes
// back the last chunk of the result, so that appending grows that chunk.
func (w *walker) start() {
	if w.open {
		return
	}
	w.open = true
	if w.buf == nil {
		w.pooled = scratch.Get().(*[]byte)
		w.buf = (*w.pooled)[:0]
	}
	w.buf, w.units = w.buf[:0], 0
	if w.bi == len(w.blocks) {
		if c, ok := w.out.popChunk(); ok {
			w.buf, w.units = append(w.buf, c.s...), c.units
		}
		return
	}
	c := w.blocks[w.bi].chunks[w.ci]
	w.buf, w.units = append(w.buf, c.s[:w.bo]...), w.uo
}

// close ends the open splice at the cursor, which is at a chunk border
// (a retain closes there, and the walk ends at the end of the document),
// and passes its text, cut into chunks, to the result.
func (w *walker) close() {
	switch {
	case len(w.buf) > maxChunk:
		for _, c := range appendChunks(nil, string(w.buf)) {
			w.addChunk(c)
		}
	case len(w.buf) > 0:
		w.addChunk(chunk{s: string(w.buf), units: w.units})
	}
	w.open = false
	w.buf = w.buf[:0]
}

// overrun reports a walk past the end of the document, or one that stops
// short of it, which the base length check before the walk rules out
// unless the unit counts are wrong.
func (w *walker) overrun() error {
	return fmt.Errorf("apply: operation does not cover the document at unit %d: %w", w.pos, ErrBaseLength)
}

// builder collects a document's chunks and blocks in order, regrouping the
// chunks of the blocks an operation touched so that every block but the
// last holds minBlock to maxBlock chunks.
type builder struct {
	blocks []block
	part   []chunk // the block being filled
}

// addChunk appends a chunk.
func (b *builder) addChunk(c chunk) {
	if b.part == nil {
		b.part = make([]chunk, 0, maxBlock)
	}
	b.part = append(b.part, c)
	if len(b.part) >= maxBlock {
		b.flush()
	}
}

// addBlock appends a block, shared if the block being filled is empty or
// full enough to stand alone, else merged into it.
func (b *builder) addBlock(k block) {
	switch {
	case len(b.part) == 0:
		b.blocks = append(b.blocks, k)
	case len(b.part) >= minBlock:
		b.flush()
		b.blocks = append(b.blocks, k)
	default:
		b.part = append(b.part, k.chunks...)
		b.flush()
	}
}

// popChunk removes the last chunk and returns it, or false if there is none.
func (b *builder) popChunk() (chunk, bool) {
	if len(b.part) == 0 {
		n := len(b.blocks)
		if n == 0 {
			return chunk{}, false
		}
		last := b.blocks[n-1].chunks
		b.blocks = b.blocks[:n-1]
		b.part = append(make([]chunk, 0, maxBlock), last...)
	}
	c := b.part[len(b.part)-1]
	b.part = b.part[:len(b.part)-1]
	return c, true
}

// flush ends the block being filled, as two blocks if it holds more than
// maxBlock chunks (then fewer than minBlock+maxBlock, so each half holds at
// least minBlock).
func (b *builder) flush() {
	switch n := len(b.part); {
	case n == 0:
		return
	case n > maxBlock:
		b.blocks = append(b.blocks, newBlock(b.part[:n/2:n/2]), newBlock(b.part[n/2:]))
	default:
		b.blocks = append(b.blocks, newBlock(b.part))
	}
	b.part = nil
}

// document ends the result and returns it.
func (b *builder) document() Document {
	b.flush()
	d := Document{blocks: b.blocks}
	for _, k := range d.blocks {
		d.units += k.units
		d.bytes += k.bytes
	}
	if len(d.blocks) == 0 {
		d.blocks = nil
	}
	return d
}

func newBlock(chunks []chunk) block {
	k := block{chunks: chunks}
	for _, c := range chunks {
		k.units += c.units
		k.bytes += len(c.s)
	}
	return k
}

// appendChunks cuts s, valid UTF-8, into chunks of at most about maxChunk
// bytes, all about the same size, and appends them to dst. The chunks share
// s's memory.
func appendChunks(dst []chunk, s string) []chunk {
	k := (len(s) + maxChunk - 1) / maxChunk
	prev := 0
	for i := 1; i <= k && prev < len(s); i++ {
		cut := len(s) * i / k
		for cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut++
		}
		if cut <= prev {
			continue
		}
		dst = append(dst, chunk{s: s[prev:cut], units: validUnits(s[prev:cut])})
		prev = cut
	}
	return dst
}

// validUnits is UTF16Len for valid UTF-8, without decoding: every byte
// but a continuation byte (10xxxxxx) starts a rune of 1 unit, and one that
// starts a four-byte rune (11110xxx) counts one more. It counts eight bytes
// at a time, by the top bit of each.
func validUnits(s string) int {
	const tops = 0x8080808080808080
	n, i := 0, 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		cont := w &^ (w << 1) & tops                      // bit 7 set, bit 6 clear
		four := w & (w << 1) & (w << 2) & (w << 3) & tops // bits 7 to 4 set
		n += 8 - bits.OnesCount64(cont) + bits.OnesCount64(four)
	}
	for ; i < len(s); i++ {
		if c := s[i]; c&0xC0 != 0x80 {
			n++
			if c >= 0xF0 {
				n++
			}
		}
	}
	return n
}
