package ot_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

// BenchmarkCorpus runs the corpus of testdata/bench/cases.json with the same
// loops as testdata/bench/otjs.mjs runs ot.js: one op is one pass over the
// transform cases, the compose cases, every case's apply, or all three
// together. testdata/bench/compare.sh runs both and prints the ratios.
func BenchmarkCorpus(b *testing.B) {
	cases := loadCorpus(b)
	var transforms, composes []loadedCase
	for _, c := range cases {
		if c.transform {
			transforms = append(transforms, c)
		} else {
			composes = append(composes, c)
		}
	}
	sink := 0
	b.Run("transform", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range transforms {
				c := &transforms[i]
				ap, bp, err := ot.Transform(c.a, c.b)
				if err != nil {
					b.Fatal(err)
				}
				sink += ap.TargetLen() + bp.TargetLen()
			}
		}
	})
	b.Run("compose", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range composes {
				c := &composes[i]
				ab, err := ot.Compose(c.a, c.b)
				if err != nil {
					b.Fatal(err)
				}
				sink += ab.TargetLen()
			}
		}
	})
	b.Run("apply", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range cases {
				s, err := cases[i].a.Apply(cases[i].doc)
				if err != nil {
					b.Fatal(err)
				}
				sink += len(s)
			}
		}
	})
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range cases {
				c := &cases[i]
				sink += pair(b, c)
				s, err := c.a.Apply(c.doc)
				if err != nil {
					b.Fatal(err)
				}
				sink += len(s)
			}
		}
	})
	if sink == 0 {
		b.Log(sink)
	}
}

// otjsResult is one line of testdata/bench/otjs-results.json: what ot.js
// computes for a corpus case.
type otjsResult struct {
	Name     string          `json:"name"`
	Apply    string          `json:"apply"` // SHA-256 of the UTF-8 result
	APrime   json.RawMessage `json:"aPrime"`
	BPrime   json.RawMessage `json:"bPrime"`
	Composed json.RawMessage `json:"composed"`
}

// TestCorpusMatchesOTJS checks that package ot computes exactly what ot.js
// does on every corpus case, so that the benchmarks compare the same work.
// The results file is written by
//
//	OTJS=/path/to/node_modules/ot node testdata/bench/otjs.mjs -results testdata/bench/otjs-results.json
func TestCorpusMatchesOTJS(t *testing.T) {
	cases := loadCorpus(t)
	f, err := os.Open("testdata/bench/otjs-results.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		if i >= len(cases) {
			t.Fatalf("more results than the %d cases", len(cases))
		}
		var want otjsResult
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
		c := cases[i]
		t.Run(c.name, func(t *testing.T) {
			s, err := c.a.Apply(c.doc)
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256([]byte(s)); hex.EncodeToString(sum[:]) != want.Apply {
				t.Errorf("Apply differs from ot.js")
			}
			if c.transform {
				ap, bp, err := ot.Transform(c.a, c.b)
				if err != nil {
					t.Fatal(err)
				}
				checkSame(t, "a'", ap, want.APrime)
				checkSame(t, "b'", bp, want.BPrime)
			} else {
				ab, err := ot.Compose(c.a, c.b)
				if err != nil {
					t.Fatal(err)
				}
				checkSame(t, "compose", ab, want.Composed)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(cases) {
		t.Fatalf("%d results for %d cases", i, len(cases))
	}
}

func checkSame(t *testing.T, what string, got ot.Operation, want json.RawMessage) {
	t.Helper()
	w := parse(t, string(want))
	if !got.Equal(w) {
		t.Errorf("%s = %v, ot.js gives %v", what, got, w)
	}
}

// BenchmarkCorpusByName runs each group of corpus cases of the same name on
// its own (transform or compose), as otjs.mjs -by-name does, to show which
// shapes cost what.
func BenchmarkCorpusByName(b *testing.B) {
	var names []string
	groups := map[string][]loadedCase{}
	for _, c := range loadCorpus(b) {
		name := strings.ReplaceAll(c.name[strings.IndexByte(c.name, ' ')+1:], " ", "_")
		if _, ok := groups[name]; !ok {
			names = append(names, name)
		}
		groups[name] = append(groups[name], c)
	}
	sink := 0
	for _, name := range names {
		group := groups[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for i := range group {
					sink += pair(b, &group[i])
				}
			}
		})
	}
	if sink == 0 {
		b.Log(sink)
	}
}

// pair transforms or composes c's operations, as the case says, and returns
// a length of the result for the sink.
func pair(b *testing.B, c *loadedCase) int {
	if c.transform {
		ap, bp, err := ot.Transform(c.a, c.b)
		if err != nil {
			b.Fatal(err)
		}
		return ap.TargetLen() + bp.TargetLen()
	}
	ab, err := ot.Compose(c.a, c.b)
	if err != nil {
		b.Fatal(err)
	}
	return ab.TargetLen()
}
