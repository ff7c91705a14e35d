package ot_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

// The benchmark corpus, testdata/bench/cases.json, is a fixed set of
// realistic editing cases that the Go benchmarks (BenchmarkCorpus) and the
// ot.js script testdata/bench/otjs.mjs both run, so that their timings
// compare like with like. It is generated here from a fixed seed:
//
//	go test ./ot -run TestBenchCorpus -update
//
// rewrites it; without -update the test checks that the committed file is
// what the generator makes.
var update = flag.Bool("update", false, "rewrite testdata/bench/cases.json")

const corpusPath = "testdata/bench/cases.json"

// corpus is the file's form. Each case names one of docs; A applies to it.
// For kind "transform" B is concurrent with A (it applies to the same
// document); for kind "compose" B applies to the document A produces.
type corpus struct {
	Docs  []string     `json:"docs"`
	Cases []corpusCase `json:"cases"`
}

type corpusCase struct {
	Name string          `json:"name"`
	Kind string          `json:"kind"`
	Doc  int             `json:"doc"`
	A    json.RawMessage `json:"a"`
	B    json.RawMessage `json:"b"`
}

// corpusDoc is a document with the UTF-16 offset of each of its
// characters, so that edits never split a surrogate pair.
type corpusDoc struct {
	text  string
	units []int // units[i] is the offset of character i; the last is the length
}

func newCorpusDoc(text string) corpusDoc {
	d := corpusDoc{text: text}
	n := 0
	for _, r := range text {
		d.units = append(d.units, n)
		n += ot.UTF16Len(string(r))
	}
	d.units = append(d.units, n)
	return d
}

func (d corpusDoc) chars() int { return len(d.units) - 1 }
func (d corpusDoc) len() int   { return d.units[len(d.units)-1] }

// span returns the UTF-16 offset of character i and the length of the k
// characters from there.
func (d corpusDoc) span(i, k int) (pos, n int) {
	return d.units[i], d.units[i+k] - d.units[i]
}

// corpusLines are the lines documents are made of: source code and prose,
// mostly ASCII, with accents, CJK and emoji in some comments.
var corpusLines = []string{
	"package main",
	"",
	"import (\"fmt\"; \"strings\")",
	"// Handler serves one request and writes the response.",
	"func handle(w http.ResponseWriter, r *http.Request) {",
	"\tif err := r.ParseForm(); err != nil {",
	"\t\thttp.Error(w, err.Error(), http.StatusBadRequest)",
	"\t\treturn",
	"\t}",
	"\tname := strings.TrimSpace(r.FormValue(\"name\"))",
	"\tfmt.Fprintf(w, \"hello, %s\\n\", name)",
	"}",
	"// Café au lait: naïve résumé handling (ü, ß, ø).",
	"// 中文注释：这是一个测试。",
	"// Ship it 🚀 when the tests pass ✅ and the review is 👍.",
	"The quick brown fox jumps over the lazy dog, again and again.",
	"Meeting notes: discuss the roadmap, assign owners, set dates.",
	"\tfor i := 0; i < len(items); i++ { total += items[i].price }",
}

func genCorpusDoc(r *rand.Rand, size int) string {
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(corpusLines[r.IntN(len(corpusLines))])
		b.WriteByte('\n')
	}
	return b.String()
}

// keys are typed characters: mostly ASCII, sometimes not.
var keys = []string{"a", "e", "t", "o", " ", "n", "s", "\n", "(", ")", "é", "中", "😀"}

func genKey(r *rand.Rand) string {
	if r.IntN(10) < 8 {
		return string(rune('a' + r.IntN(26)))
	}
	return keys[r.IntN(len(keys))]
}

// genBlock is pasted text: a few whole lines.
func genBlock(r *rand.Rand) string {
	var b strings.Builder
	for range 3 + r.IntN(12) {
		b.WriteString(corpusLines[r.IntN(len(corpusLines))])
		b.WriteByte('\n')
	}
	return b.String()
}

// edit is one change to a document: delete del characters at character
// index at, then insert text there.
type edit struct {
	at, del int
	text    string
}

// editsOp builds the operation making edits, sorted by at and not
// overlapping, on d.
func editsOp(d corpusDoc, edits ...edit) ot.Operation {
	var o ot.Operation
	prev := 0
	for _, e := range edits {
		pos, _ := d.span(e.at, 0)
		_, n := d.span(e.at, e.del)
		o.Retain(pos - d.units[prev]).Insert(e.text).Delete(n)
		prev = e.at + e.del
	}
	o.Retain(d.len() - d.units[prev])
	return o
}

// after returns the document o makes of d.
func after(t testing.TB, d corpusDoc, o ot.Operation) corpusDoc {
	t.Helper()
	s, err := o.Apply(d.text)
	if err != nil {
		t.Fatal(err)
	}
	return newCorpusDoc(s)
}

// scattered returns n edits spread over d: find-and-replace, or a client's
// buffer of many small edits.
func scattered(r *rand.Rand, d corpusDoc, n int) []edit {
	step := d.chars() / (n + 1)
	var es []edit
	for i := range n {
		at := i*step + r.IntN(step/2)
		switch r.IntN(3) {
		case 0:
			es = append(es, edit{at: at, text: genKey(r)})
		case 1:
			es = append(es, edit{at: at, del: 1 + r.IntN(4)})
		default:
			es = append(es, edit{at: at, del: 1 + r.IntN(6), text: "replacement"})
		}
	}
	return es
}

func genCorpus(t testing.TB) corpus {
	r := rand.New(rand.NewPCG(14, 2026))
	var c corpus
	var docs []corpusDoc
	for _, size := range []int{2 << 10, 3 << 10, 4 << 10, 6 << 10, 8 << 10} {
		text := genCorpusDoc(r, size)
		c.Docs = append(c.Docs, text)
		docs = append(docs, newCorpusDoc(text))
	}
	add := func(name, kind string, doc int, a, b ot.Operation) {
		aj, err := a.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		bj, err := b.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		c.Cases = append(c.Cases, corpusCase{Name: name, Kind: kind, Doc: doc, A: aj, B: bj})
	}
	// somewhere returns a character index with room for k characters after it.
	somewhere := func(d corpusDoc, k int) int { return r.IntN(d.chars() - k) }

	// Concurrent pairs, for transform.
	gen := []struct {
		name  string
		count int
		make  func(d corpusDoc) (a, b ot.Operation)
	}{
		{"type/type apart", 40, func(d corpusDoc) (ot.Operation, ot.Operation) {
			return editsOp(d, edit{at: somewhere(d, 0), text: genKey(r)}),
				editsOp(d, edit{at: somewhere(d, 0), text: genKey(r)})
		}},
		{"type/type same place", 12, func(d corpusDoc) (ot.Operation, ot.Operation) {
			at := somewhere(d, 0)
			return editsOp(d, edit{at: at, text: genKey(r)}), editsOp(d, edit{at: at, text: genKey(r)})
		}},
		{"type/backspace near", 16, func(d corpusDoc) (ot.Operation, ot.Operation) {
			at := 1 + somewhere(d, 2)
			return editsOp(d, edit{at: at, text: genKey(r)}), editsOp(d, edit{at: at - 1 + r.IntN(2), del: 1})
		}},
		{"delete/delete overlapping", 10, func(d corpusDoc) (ot.Operation, ot.Operation) {
			at := somewhere(d, 40)
			return editsOp(d, edit{at: at, del: 1 + r.IntN(20)}), editsOp(d, edit{at: at + r.IntN(10), del: 1 + r.IntN(20)})
		}},
		{"paste/type", 8, func(d corpusDoc) (ot.Operation, ot.Operation) {
			return editsOp(d, edit{at: somewhere(d, 0), text: genBlock(r)}),
				editsOp(d, edit{at: somewhere(d, 0), text: genKey(r)})
		}},
		{"replace selection/type", 8, func(d corpusDoc) (ot.Operation, ot.Operation) {
			return editsOp(d, edit{at: somewhere(d, 30), del: 1 + r.IntN(30), text: genKey(r) + genKey(r)}),
				editsOp(d, edit{at: somewhere(d, 0), text: genKey(r)})
		}},
		{"many edits/type", 5, func(d corpusDoc) (ot.Operation, ot.Operation) {
			return editsOp(d, scattered(r, d, 10+r.IntN(20))...),
				editsOp(d, edit{at: somewhere(d, 0), text: genKey(r)})
		}},
		{"many edits/many edits", 4, func(d corpusDoc) (ot.Operation, ot.Operation) {
			return editsOp(d, scattered(r, d, 5+r.IntN(20))...), editsOp(d, scattered(r, d, 5+r.IntN(20))...)
		}},
	}
	for _, g := range gen {
		for range g.count {
			i := r.IntN(len(docs))
			a, b := g.make(docs[i])
			add(g.name, "transform", i, a, b)
		}
	}

	// Consecutive pairs, for compose: b applies to what a makes.
	seq := []struct {
		name  string
		count int
		make  func(d corpusDoc) (a, b ot.Operation)
	}{
		{"keystroke, keystroke", 40, func(d corpusDoc) (ot.Operation, ot.Operation) {
			at, k := somewhere(d, 0), genKey(r)
			a := editsOp(d, edit{at: at, text: k})
			return a, editsOp(after(t, d, a), edit{at: at + 1, text: genKey(r)})
		}},
		{"keystroke, backspace", 10, func(d corpusDoc) (ot.Operation, ot.Operation) {
			at := somewhere(d, 0)
			a := editsOp(d, edit{at: at, text: genKey(r)})
			return a, editsOp(after(t, d, a), edit{at: at, del: 1})
		}},
		{"backspace, backspace", 10, func(d corpusDoc) (ot.Operation, ot.Operation) {
			at := 1 + somewhere(d, 1)
			a := editsOp(d, edit{at: at, del: 1})
			return a, editsOp(after(t, d, a), edit{at: at - 1, del: 1})
		}},
		{"keystroke, keystroke elsewhere", 10, func(d corpusDoc) (ot.Operation, ot.Operation) {
			a := editsOp(d, edit{at: somewhere(d, 0), text: genKey(r)})
			d2 := after(t, d, a)
			return a, editsOp(d2, edit{at: somewhere(d2, 0), text: genKey(r)})
		}},
		{"word, keystroke", 8, func(d corpusDoc) (ot.Operation, ot.Operation) {
			at, word := somewhere(d, 0), ""
			for range 3 + r.IntN(10) {
				word += genKey(r)
			}
			a := editsOp(d, edit{at: at, text: word})
			return a, editsOp(after(t, d, a), edit{at: at + len([]rune(word)), text: genKey(r)})
		}},
		{"paste, keystroke", 6, func(d corpusDoc) (ot.Operation, ot.Operation) {
			at, block := somewhere(d, 0), genBlock(r)
			a := editsOp(d, edit{at: at, text: block})
			return a, editsOp(after(t, d, a), edit{at: at + len([]rune(block)), text: genKey(r)})
		}},
		{"many edits, keystroke", 5, func(d corpusDoc) (ot.Operation, ot.Operation) {
			a := editsOp(d, scattered(r, d, 10+r.IntN(20))...)
			d2 := after(t, d, a)
			return a, editsOp(d2, edit{at: somewhere(d2, 0), text: genKey(r)})
		}},
	}
	for _, g := range seq {
		for range g.count {
			i := r.IntN(len(docs))
			a, b := g.make(docs[i])
			add(g.name, "compose", i, a, b)
		}
	}
	return c
}

func encodeCorpus(t testing.TB, c corpus) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("{\"docs\": [\n")
	for i, d := range c.Docs {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.Write(b)
	}
	buf.WriteString("\n],\n\"cases\": [\n")
	for i, cs := range c.Cases {
		b, err := json.Marshal(cs)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.Write(b)
	}
	buf.WriteString("\n]}\n")
	return buf.Bytes()
}

func TestBenchCorpus(t *testing.T) {
	got := encodeCorpus(t, genCorpus(t))
	if *update {
		if err := os.MkdirAll(filepath.Dir(corpusPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(corpusPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what the generator makes; run go test ./ot -run TestBenchCorpus -update", corpusPath)
	}
}

// loadedCase is a corpus case decoded for the benchmarks.
type loadedCase struct {
	name      string
	transform bool // else compose
	doc       string
	a, b      ot.Operation
}

func loadCorpus(t testing.TB) []loadedCase {
	t.Helper()
	data, err := os.ReadFile(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	cases := make([]loadedCase, len(c.Cases))
	for i, cs := range c.Cases {
		lc := loadedCase{name: fmt.Sprintf("%d %s", i, cs.Name), transform: cs.Kind == "transform", doc: c.Docs[cs.Doc]}
		if err := lc.a.UnmarshalJSON(cs.A); err != nil {
			t.Fatalf("case %d a: %v", i, err)
		}
		if err := lc.b.UnmarshalJSON(cs.B); err != nil {
			t.Fatalf("case %d b: %v", i, err)
		}
		cases[i] = lc
	}
	return cases
}
