package autocomplete

import (
	"strings"
	"unicode/utf8"
)

// kind orders suggestion kinds: snippets first, then keywords, then
// identifiers.
type kind int8

const (
	kindSnippet kind = iota
	kindKeyword
	kindIdentifier
)

var kindNames = [...]string{kindSnippet: KindSnippet, kindKeyword: KindKeyword, kindIdentifier: KindIdentifier}

// candidate is a suggestion with what it is ranked by.
type candidate struct {
	label, insert, detail string
	kind                  kind
	class                 matchClass
	freq                  int32
}

// better is the ranking order described in the package documentation. It is
// total on candidates with distinct (label, kind).
func (a *candidate) better(b *candidate) bool {
	if a.class != b.class {
		return a.class < b.class
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	if a.freq != b.freq {
		return a.freq > b.freq
	}
	if la, lb := utf8.RuneCountInString(a.label), utf8.RuneCountInString(b.label); la != lb {
		return la < lb
	}
	return a.label < b.label
}

// topN keeps the best n candidates offered, best first, so ranking costs
// O(candidates) comparisons against the worst kept rather than a full sort.
type topN struct {
	n    int
	best []candidate
}

func newTopN(n int) *topN {
	return &topN{n: n, best: make([]candidate, 0, min(n, 64))}
}

func (t *topN) offer(c candidate) {
	if len(t.best) == t.n && !c.better(&t.best[len(t.best)-1]) {
		return
	}
	i := len(t.best)
	for i > 0 && c.better(&t.best[i-1]) {
		i--
	}
	if len(t.best) < t.n {
		t.best = append(t.best, candidate{})
	}
	copy(t.best[i+1:], t.best[i:len(t.best)-1])
	t.best[i] = c
}

// suggestions returns the kept candidates as Suggestions. Identifier text is
// copied so the result does not pin the request's content in memory.
func (t *topN) suggestions() []Suggestion {
	out := make([]Suggestion, len(t.best))
	for i := range t.best {
		c := &t.best[i]
		label, insert := c.label, c.insert
		if c.kind == kindIdentifier {
			label = strings.Clone(label)
			insert = label
		}
		out[i] = Suggestion{Label: label, InsertText: insert, Kind: kindNames[c.kind], Detail: c.detail}
	}
	return out
}
