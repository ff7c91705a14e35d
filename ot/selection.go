package ot

import "fmt"

// Range is one selection range, as in ot.js's Selection.Range: Anchor is the
// end that stays fixed, Head the end with the cursor. Anchor == Head is a
// plain cursor. Both are UTF-16 offsets into the document.
type Range struct {
	Anchor int `json:"anchor"`
	Head   int `json:"head"`
}

// Selection is a user's selection: any number of ranges, as in ot.js's
// Selection.
type Selection struct {
	Ranges []Range `json:"ranges"`
}

// Transform moves the range across op, as ot.js's Range.transform does: an
// insert at or before an offset moves it right, a delete before it moves it
// left, and an offset inside deleted text moves to the start of the deletion.
func (r Range) Transform(op Operation) Range {
	anchor := transformIndex(r.Anchor, op)
	if r.Anchor == r.Head {
		return Range{Anchor: anchor, Head: anchor}
	}
	return Range{Anchor: anchor, Head: transformIndex(r.Head, op)}
}

// transformIndex is ot.js's transformIndex.
func transformIndex(index int, op Operation) int {
	newIndex := index
	for _, c := range op.parts() {
		switch {
		case c.isRetain():
			index -= c.n
		case c.isInsert():
			newIndex += c.n
		default:
			newIndex -= min(index, -c.n)
			index += c.n
		}
		if index < 0 {
			break
		}
	}
	return newIndex
}

// Transform moves every range across op (see Range.Transform).
func (s Selection) Transform(op Operation) Selection {
	return s.each(func(r Range) Range { return r.Transform(op) })
}

// each returns the selection of f applied to every range (nil stays nil).
func (s Selection) each(f func(Range) Range) Selection {
	if s.Ranges == nil {
		return s
	}
	out := make([]Range, len(s.Ranges))
	for i, r := range s.Ranges {
		out[i] = f(r)
	}
	return Selection{Ranges: out}
}

// Validate checks that every anchor and head lies in [0, docLen]; an empty
// list of ranges is valid. It returns ErrInvalidSelection otherwise.
func (s Selection) Validate(docLen int) error {
	for i, r := range s.Ranges {
		if r.Anchor < 0 || r.Anchor > docLen || r.Head < 0 || r.Head > docLen {
			return fmt.Errorf("range %d {anchor %d, head %d} outside document of length %d: %w",
				i, r.Anchor, r.Head, docLen, ErrInvalidSelection)
		}
	}
	return nil
}

// Clamp moves every anchor and head into [0, docLen]: a selection a client
// made on an older or newer revision still fits the document, and a wild
// offset cannot reach anyone else.
func (s Selection) Clamp(docLen int) Selection {
	return s.each(func(r Range) Range {
		return Range{Anchor: min(max(r.Anchor, 0), docLen), Head: min(max(r.Head, 0), docLen)}
	})
}
