package autocomplete

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// cursorMark marks the cursor in test documents.
const cursorMark = "‸"

// at splits a document written with one cursorMark into content and the
// UTF-16 offset of the mark.
func at(t testing.TB, doc string) (string, int) {
	t.Helper()
	i := strings.Index(doc, cursorMark)
	require.GreaterOrEqual(t, i, 0, "document has no cursor mark: %q", doc)
	require.Equal(t, 1, strings.Count(doc, cursorMark), "document has several cursor marks: %q", doc)
	return doc[:i] + doc[i+len(cursorMark):], utf16Len(doc[:i])
}

// utf16Len is the length of s in UTF-16 code units, counting each invalid
// byte as one U+FFFD.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// complete runs a fresh Rules on doc (with a cursor mark) and fails the test
// on error.
func complete(t testing.TB, language, doc string, opts ...Option) []Suggestion {
	t.Helper()
	content, offset := at(t, doc)
	got, err := NewRules(opts...).Complete(context.Background(), Request{Language: language, Content: content, Offset: offset})
	require.NoError(t, err)
	checkInvariants(t, got, DefaultMaxSuggestions)
	return got
}

// labels renders suggestions as "kind:label" for compact comparisons.
func labels(s []Suggestion) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.Kind + ":" + x.Label
	}
	return out
}

// checkInvariants checks what holds for every successful result.
func checkInvariants(t testing.TB, got []Suggestion, max int) {
	t.Helper()
	if got == nil {
		t.Fatalf("nil suggestions; want a non-nil slice")
	}
	if len(got) > max {
		t.Fatalf("got %d suggestions, want at most %d", len(got), max)
	}
	seen := map[string]bool{}
	for _, s := range got {
		key := s.Kind + "\x00" + s.Label
		if seen[key] {
			t.Fatalf("duplicate suggestion %s:%q", s.Kind, s.Label)
		}
		seen[key] = true
		if s.Label == "" || s.InsertText == "" {
			t.Fatalf("empty label or insert text: %+v", s)
		}
		if !utf8.ValidString(s.Label) || !utf8.ValidString(s.InsertText) {
			t.Fatalf("invalid UTF-8 in %+v", s)
		}
		switch s.Kind {
		case KindKeyword, KindSnippet, KindIdentifier:
		default:
			t.Fatalf("unknown kind in %+v", s)
		}
		if s.Kind == KindIdentifier && s.Label != s.InsertText {
			t.Fatalf("identifier inserts other text: %+v", s)
		}
	}
}

// find returns the suggestion with kind and label, failing if absent.
func find(t testing.TB, got []Suggestion, kind, label string) Suggestion {
	t.Helper()
	for _, s := range got {
		if s.Kind == kind && s.Label == label {
			return s
		}
	}
	t.Fatalf("no %s %q in %v", kind, label, labels(got))
	return Suggestion{}
}

// generateGo returns about size bytes of plausible Go source, deterministic.
func generateGo(size int) string {
	verbs := []string{"handle", "apply", "compose", "transform", "submit", "fetch", "store", "load", "send", "format"}
	nouns := []string{"Op", "Room", "Client", "Revision", "Snapshot", "Cursor", "Buffer", "Message", "Session", "Document"}
	var b strings.Builder
	b.WriteString("package generated\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\n")
	for i := 0; b.Len() < size; i++ {
		v, n := verbs[i%len(verbs)], nouns[(i/len(verbs))%len(nouns)]
		fmt.Fprintf(&b, "// %s%s%d %ss the %s.\n", v, n, i, v, strings.ToLower(n))
		fmt.Fprintf(&b, "func %s%s%d(ctx context.Context, %s *%s, count int) (int, error) {\n", v, n, i, strings.ToLower(n), n)
		fmt.Fprintf(&b, "\tfor index := 0; index < count; index++ {\n\t\tif err := %s.Validate(index); err != nil {\n", strings.ToLower(n))
		fmt.Fprintf(&b, "\t\t\treturn 0, fmt.Errorf(\"%s %%d: %%w\", index, err)\n\t\t}\n\t}\n", v)
		fmt.Fprintf(&b, "\ttotal%d := len(%s.Items) + count\n\treturn total%d, nil\n}\n\n", i, strings.ToLower(n), i)
	}
	return b.String()
}
