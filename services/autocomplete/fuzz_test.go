package autocomplete

import (
	"context"
	"errors"
	"testing"
)

// FuzzComplete checks that Complete never panics, accepts exactly the valid
// UTF-16 offsets, keeps its result invariants and is deterministic.
func FuzzComplete(f *testing.F) {
	f.Add("go", "package main\n\nfunc main() {\n\tfo\n}\n", 30)
	f.Add("js", "const $el = 😀; $e", 18)
	f.Add("sql", "select * from users where us", 28)
	f.Add("plaintext", "\xff\xfe\xf0\x9f", 2)
	f.Fuzz(func(t *testing.T, language, content string, offset int) {
		const max = 7
		r := NewRules(MaxSuggestions(max))
		req := Request{Language: language, Content: content, Offset: offset}
		got, err := r.Complete(context.Background(), req)
		_, valid := utf16Boundaries(content)[offset]
		if !valid {
			if !errors.Is(err, ErrBadOffset) {
				t.Fatalf("offset %d of %q: err = %v, want ErrBadOffset", offset, content, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("offset %d of %q: %v", offset, content, err)
		}
		checkInvariants(t, got, max)
		again, err := r.Complete(context.Background(), req)
		if err != nil || len(again) != len(got) {
			t.Fatalf("second call differs: %v, %v", again, err)
		}
		for i := range got {
			if got[i] != again[i] {
				t.Fatalf("second call differs at %d: %+v vs %+v", i, got[i], again[i])
			}
		}
		for _, prefix := range []string{"a", "F", "_", "$"} {
			checkSeekMatchesScan(t, content, prefix, true)
		}
	})
}
