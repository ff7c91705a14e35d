package client

import "github.com/tandem-editor/tandem/ot"

// document is the client's copy of a room's text: an ot.Document, so that
// applying an operation costs time in proportion to the operation and the
// chunks it edits, not to the whole text (see ot.Document for the costs),
// and the text as a string, built by String once per change.
//
// Why: a client applies every operation of its room. With the text as one
// string, ot.Operation.Apply copies all of it each time; the load generator
// runs 50 clients in one process, and those copies were most of its
// allocations and a large share of its CPU (BenchmarkApplyTyping).
//
// It gives the same results and errors as ot.Operation.Apply on its text.
// It is not safe for concurrent use; the Client guards it with its lock.
type document struct {
	doc    ot.Document
	str    string
	cached bool // str is the text
}

// newDocument returns a document holding text.
func newDocument(text string) document {
	return document{doc: ot.NewDocument(text), str: text, cached: true}
}

// Len returns the document's length in UTF-16 units.
func (d *document) Len() int { return d.doc.Len() }

// String returns the text. It is built once per change, then cached.
func (d *document) String() string {
	if !d.cached {
		d.str, d.cached = d.doc.String(), true
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
	next ot.Document
}

// prepare computes op's effect on the document without changing it; commit
// makes it. A change stays valid: the document it came from is immutable.
// Errors: as apply.
func (d *document) prepare(op ot.Operation) (change, error) {
	next, err := d.doc.Apply(op)
	if err != nil {
		return change{}, err
	}
	return change{next: next}, nil
}

// commit makes a change computed by prepare on this document.
func (d *document) commit(ch change) {
	d.doc = ch.next
	d.str, d.cached = "", false
}
