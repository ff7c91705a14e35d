package autocomplete

import "sync"

// wordSlots is the size of a wordCounts table: a power of two, twice
// maxTrackedWords, so probes stay short when it is full.
const wordSlots = 2 * maxTrackedWords

// wordCounts counts up to maxTrackedWords distinct words, remembering the
// order they were first seen in. It is an open-addressing hash table with
// FNV-1a hashing, which is several times cheaper per word than a Go map with
// string keys; with an empty prefix every word of the document goes through
// it. Keys are substrings of the document: nothing is copied.
type wordCounts struct {
	slots [wordSlots]wordSlot
	order []int32 // indices of used slots, in first-seen order
}

type wordSlot struct {
	word string
	hash uint32
	n    int32 // 0: empty
}

var wordCountsPool = sync.Pool{New: func() any { return &wordCounts{order: make([]int32, 0, 64)} }}

// newWordCounts returns an empty table from the pool; release returns it.
func newWordCounts() *wordCounts {
	return wordCountsPool.Get().(*wordCounts)
}

// release empties w, dropping its references into the document, and returns
// it to the pool.
func (w *wordCounts) release() {
	for _, i := range w.order {
		w.slots[i] = wordSlot{}
	}
	w.order = w.order[:0]
	wordCountsPool.Put(w)
}

// add counts one occurrence of word. A new word is dropped once the table
// holds maxTrackedWords.
func (w *wordCounts) add(word string) {
	h := uint32(2166136261)
	for i := 0; i < len(word); i++ {
		h = (h ^ uint32(word[i])) * 16777619
	}
	for i := h & (wordSlots - 1); ; i = (i + 1) & (wordSlots - 1) {
		s := &w.slots[i]
		if s.n == 0 {
			if len(w.order) < maxTrackedWords {
				*s = wordSlot{word: word, hash: h, n: 1}
				w.order = append(w.order, int32(i))
			}
			return
		}
		if s.hash == h && s.word == word {
			s.n++
			return
		}
	}
}

// len returns the number of distinct words counted.
func (w *wordCounts) len() int { return len(w.order) }

// each calls f for each word with its count, in first-seen order.
func (w *wordCounts) each(f func(word string, n int32)) {
	for _, i := range w.order {
		f(w.slots[i].word, w.slots[i].n)
	}
}

// asMap returns the counts as a map, for tests.
func (w *wordCounts) asMap() map[string]int32 {
	m := map[string]int32{}
	w.each(func(word string, n int32) { m[word] = n })
	return m
}
