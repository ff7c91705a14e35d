package ot

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
)

// Operation is a text operation in the sense of ot.js's TextOperation: a
// sequence of components that walks a whole document, retaining, inserting
// and deleting UTF-16 code units. The zero value is the empty operation, the
// no-op on an empty document.
//
// An Operation is always in canonical form: neighbouring components of the
// same kind are merged, and an insert adjacent to a delete comes first. So
// two operations with the same effect are Equal.
//
// Builders (Retain, Insert, Delete, UnmarshalJSON) mutate the receiver. An
// Operation copied by value shares storage with the original: building on
// one copy may change the other (a merge extends the shared last component),
// so Clone a copy before building on it. Every other method leaves the
// operation unchanged and is safe for concurrent use.
//
// Building costs amortised time linear in the size of what is appended,
// however many inserts merge into one. An operation of up to smallOps
// components (typing, deleting, a paste: retain, insert, delete, retain)
// needs no heap memory besides its inserted text.
type Operation struct {
	// small[:nsmall] holds the components while there are at most
	// smallOps of them and heap is nil; after that heap holds them all.
	// Use parts to read them and push to append.
	small     [smallOps]component
	nsmall    int
	heap      []component
	baseLen   int
	targetLen int
	// text, if not nil, holds the text of the last insert component, which
	// grew by merging: the next merge appends to it instead of copying the
	// whole run again. A strings.Builder only ever appends, so the strings
	// it has returned never change. It is concatOnce while the last insert
	// was made by joining just two.
	text *strings.Builder
	// x holds what few operations need, so that the many others stay
	// small (an Operation is passed by value, and its size is much of what
	// transforming two keystrokes costs): a builder's error, or the cached
	// encoding. Nil for most.
	x *extra
}

// extra holds either err, set by a builder given an invalid argument
// (every later use of the operation returns it), or, for a valid operation,
// the encoding cache that CacheEncoding sets up and builders drop. It is
// shared by copies of the operation and never changed but through json.
type extra struct {
	err  error
	json encoding
}

// concatOnce marks (as Operation.text) a last insert made by joining two;
// nothing is ever written to it.
var concatOnce = new(strings.Builder)

// fail marks the operation invalid.
func (o *Operation) fail(err error) { o.x = &extra{err: err} }

// encoding is an operation's cached JSON, with the lengths it was made
// for (a copy built on differently does not match them).
type encoding struct {
	v atomic.Pointer[encoded]
}

type encoded struct {
	b                         []byte
	parts, baseLen, targetLen int
}

// changed is called by every builder before it changes the operation.
// Only valid operations change, so x holds no error.
func (o *Operation) changed() { o.x = nil }

// CacheEncoding makes the operation keep its JSON once MarshalJSON has made
// it, for every later call, by this value and the copies made of it from
// now on. For an operation encoded many times: a committed one is encoded
// for the store, the fan-out, the cache and every member's frame. Building
// on the operation drops the cache.
func (o *Operation) CacheEncoding() {
	if o.x == nil {
		o.x = new(extra)
	}
}

// component is one step of an operation. An insert has s != "" and n its
// length in UTF-16 units; otherwise n > 0 retains n units and n < 0 deletes
// -n units.
type component struct {
	n int
	s string
}

func (c component) isInsert() bool { return c.s != "" }
func (c component) isRetain() bool { return c.s == "" && c.n > 0 }
func (c component) isDelete() bool { return c.s == "" && c.n < 0 }

// Component is one step of an operation, as returned by Components. Exactly
// one field is set: Retain units to skip, Insert text, or Delete units (a
// positive count) to remove.
type Component struct {
	Retain int
	Insert string
	Delete int
}

// maxLen bounds an operation's base and target lengths so that no sum of
// lengths can overflow an int.
const maxLen = math.MaxInt / 4

// smallOps is how many components an operation holds without heap
// memory: enough for retain, insert, delete, retain, the shape of nearly
// every edit a user makes.
const smallOps = 4

// newOperation returns an empty operation that will hold about capacity
// components: inline if they fit, or after one move to the heap if that
// is cheaper than allocating now.
func newOperation(capacity int) Operation {
	if capacity <= 2*smallOps {
		return Operation{}
	}
	return Operation{heap: make([]component, 0, capacity)}
}

// parts returns the operation's components. They alias o's storage.
func (o *Operation) parts() []component {
	if o.heap != nil {
		return o.heap
	}
	return o.small[:o.nsmall]
}

// push appends c, moving the components to the heap when small is full.
func (o *Operation) push(c component) {
	if o.heap == nil {
		if o.nsmall < smallOps {
			o.small[o.nsmall] = c
			o.nsmall++
			return
		}
		o.heap = make([]component, smallOps, 2*smallOps)
		copy(o.heap, o.small[:])
		o.small, o.nsmall = [smallOps]component{}, 0
	}
	o.heap = append(o.heap, c)
}

// Retain appends a component that skips n units. Retain(0) does nothing. A
// negative n marks the operation invalid: later uses return ErrInvalidOp.
func (o *Operation) Retain(n int) *Operation {
	if n == 0 || o.Err() != nil {
		return o
	}
	if n < 0 || o.baseLen > maxLen-n || o.targetLen > maxLen-n {
		o.fail(fmt.Errorf("retain %d: %w", n, ErrInvalidOp))
		return o
	}
	o.changed()
	o.retain(n)
	return o
}

// Insert appends a component that inserts s, a Go (UTF-8) string. Insert("")
// does nothing. Invalid UTF-8 marks the operation invalid: later uses return
// ErrInvalidText.
func (o *Operation) Insert(s string) *Operation {
	if s == "" || o.Err() != nil {
		return o
	}
	n, ok := textLen(s)
	if !ok {
		o.fail(fmt.Errorf("insert %q: %w", s, ErrInvalidText))
		return o
	}
	if o.targetLen > maxLen-n {
		o.fail(fmt.Errorf("insert of %d units: %w", n, ErrInvalidOp))
		return o
	}
	o.changed()
	o.insert(s, n)
	return o
}

// Delete appends a component that deletes |n| units; like ot.js it accepts a
// negative count too. Delete(0) does nothing.
func (o *Operation) Delete(n int) *Operation {
	if n == 0 || o.Err() != nil {
		return o
	}
	if n == math.MinInt {
		o.fail(fmt.Errorf("delete %d: %w", n, ErrInvalidOp))
		return o
	}
	if n < 0 {
		n = -n
	}
	if o.baseLen > maxLen-n {
		o.fail(fmt.Errorf("delete %d: %w", n, ErrInvalidOp))
		return o
	}
	o.changed()
	o.delete(n)
	return o
}

// retain, insert and delete are the unchecked builders; n > 0, and for
// insert n is the UTF-16 length of s != "". They leave the cached encoding
// to their callers: the exported builders drop it, and Transform, Compose
// and Invert build new operations, which have none.
func (o *Operation) retain(n int) {
	o.baseLen += n
	o.targetLen += n
	ops := o.parts()
	if k := len(ops) - 1; k >= 0 && ops[k].isRetain() {
		ops[k].n += n
		return
	}
	o.push(component{n: n})
}

func (o *Operation) insert(s string, n int) {
	o.targetLen += n
	ops := o.parts()
	k := len(ops) - 1
	switch {
	case k >= 0 && ops[k].isInsert():
		o.merge(&ops[k], s, n)
	case k >= 0 && ops[k].isDelete():
		// An insert next to a delete goes first, so equal effects compare equal.
		if k >= 1 && ops[k-1].isInsert() {
			o.merge(&ops[k-1], s, n)
			return
		}
		del := ops[k]
		ops[k] = component{n: n, s: s}
		o.push(del)
		o.text = nil
	default:
		o.push(component{n: n, s: s})
		o.text = nil
	}
}

// merge appends s, of n units, to the insert c, the last insert. The
// first merge into an insert concatenates, which is all that composing
// two keystrokes needs; later ones append to text, so that a run of many
// merges costs linear time.
func (o *Operation) merge(c *component, s string, n int) {
	switch o.text {
	case nil:
		c.s += s
		o.text = concatOnce
	case concatOnce:
		o.text = new(strings.Builder)
		o.text.Grow(2 * (len(c.s) + len(s)))
		o.text.WriteString(c.s)
		o.text.WriteString(s)
		c.s = o.text.String()
	default:
		o.text.WriteString(s)
		c.s = o.text.String()
	}
	c.n += n
}

func (o *Operation) delete(n int) {
	o.baseLen += n
	ops := o.parts()
	if k := len(ops) - 1; k >= 0 && ops[k].isDelete() {
		ops[k].n -= n
		return
	}
	o.push(component{n: -n})
}

// FromComponents builds an operation by calling the builders on each
// component in turn, so the result is canonical. It returns ErrInvalidOp for
// a component with not exactly one field set or a negative count, and
// ErrInvalidText for an insert that is not valid UTF-8.
func FromComponents(cs []Component) (Operation, error) {
	o := newOperation(len(cs))
	for i, c := range cs {
		set := 0
		if c.Retain != 0 {
			set++
		}
		if c.Insert != "" {
			set++
		}
		if c.Delete != 0 {
			set++
		}
		if set != 1 || c.Retain < 0 || c.Delete < 0 {
			return Operation{}, fmt.Errorf("component %d %+v: %w", i, c, ErrInvalidOp)
		}
		o.Retain(c.Retain).Insert(c.Insert).Delete(c.Delete)
		if o.Err() != nil {
			return Operation{}, fmt.Errorf("component %d: %w", i, o.Err())
		}
	}
	return o, nil
}

// Err returns nil for a valid operation, or the error a builder recorded
// (wrapping ErrInvalidOp or ErrInvalidText).
func (o Operation) Err() error {
	if o.x == nil {
		return nil
	}
	return o.x.err
}

// Clone returns a copy that shares no storage with o.
func (o Operation) Clone() Operation {
	c := o
	if o.heap != nil {
		c.heap = append(make([]component, 0, len(o.heap)), o.heap...)
	}
	c.text = nil
	if o.Err() == nil {
		c.x = nil // the copy starts without the encoding cache
	}
	return c
}

// Components returns a copy of the operation's components.
func (o Operation) Components() []Component {
	ops := o.parts()
	cs := make([]Component, len(ops))
	for i, c := range ops {
		switch {
		case c.isInsert():
			cs[i].Insert = c.s
		case c.isRetain():
			cs[i].Retain = c.n
		default:
			cs[i].Delete = -c.n
		}
	}
	return cs
}

// BaseLen returns the length in UTF-16 units of the documents the operation
// applies to: the sum of its retains and deletes.
func (o Operation) BaseLen() int { return o.baseLen }

// TargetLen returns the length in UTF-16 units of the document the operation
// produces: the sum of its retains and inserts.
func (o Operation) TargetLen() int { return o.targetLen }

// IsNoop reports whether the operation changes nothing: it is empty or a
// single retain.
func (o Operation) IsNoop() bool {
	ops := o.parts()
	return o.Err() == nil && (len(ops) == 0 || (len(ops) == 1 && ops[0].isRetain()))
}

// Equal reports whether o and p have the same components. Because both are
// canonical, that is whether they have the same effect on every document.
// An invalid operation equals nothing but itself.
func (o Operation) Equal(p Operation) bool {
	x, y := o.parts(), p.parts()
	if o.Err() != p.Err() || o.baseLen != p.baseLen || o.targetLen != p.targetLen || len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// String formats the operation as ot.js's toString does:
// "retain 2, insert 'lorem', delete 5, retain 5".
func (o Operation) String() string {
	if o.Err() != nil {
		return "invalid: " + o.Err().Error()
	}
	var b strings.Builder
	for i, c := range o.parts() {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case c.isInsert():
			b.WriteString("insert '")
			b.WriteString(c.s)
			b.WriteString("'")
		case c.isRetain():
			b.WriteString("retain ")
			b.WriteString(strconv.Itoa(c.n))
		default:
			b.WriteString("delete ")
			b.WriteString(strconv.Itoa(-c.n))
		}
	}
	return b.String()
}

// Footprint is about how many bytes of memory the operation holds: its
// inserted text and a few words per component. It costs one pass over the
// components.
func (o Operation) Footprint() int {
	ops := o.parts()
	n := 24 * len(ops)
	for _, c := range ops {
		n += len(c.s)
	}
	return n
}
