package autocomplete

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLanguages(t *testing.T) {
	assert.Equal(t, []string{"c", "cpp", "go", "java", "javascript", "plaintext", "python", "rust", "sql", "typescript"}, Languages())
	got := Languages()
	got[0] = "changed"
	assert.Equal(t, "c", Languages()[0], "Languages returns a copy")
}

func TestLookupLanguage(t *testing.T) {
	tests := []struct{ id, want string }{
		{"go", "go"}, {"golang", "go"}, {"Go", "go"},
		{"python", "python"}, {"py", "python"},
		{"javascript", "javascript"}, {"js", "javascript"}, {"JS", "javascript"},
		{"typescript", "typescript"}, {"ts", "typescript"},
		{"java", "java"}, {"c", "c"},
		{"cpp", "cpp"}, {"c++", "cpp"}, {"C++", "cpp"},
		{"rust", "rust"}, {"sql", "sql"}, {"SQL", "sql"},
		{"plaintext", "plaintext"}, {"", "plaintext"}, {"cobol", "plaintext"}, {" go ", "go"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			assert.Equal(t, tt.want, lookupLanguage(tt.id).id)
		})
	}
}

// placeholder matches Monaco tabstops and placeholders: $1, ${1}, ${1:text}.
var placeholder = regexp.MustCompile(`\$(\d+|\{\d+(:[^{}$]*)?\})`)

func TestLanguageTables(t *testing.T) {
	for _, id := range Languages() {
		l := lookupLanguage(id)
		t.Run(id, func(t *testing.T) {
			seen := map[string]bool{}
			for _, k := range l.keywords {
				require.False(t, seen[k], "duplicate keyword %q", k)
				seen[k] = true
				require.True(t, l.isKeyword(k))
				w := wordAt(k, len(k), l.ident)
				require.Equal(t, k, k[w.start:w.end], "keyword %q is not one identifier", k)
			}
			if l.caseInsensitive {
				require.Len(t, l.keywordsLower, len(l.keywords))
				for i, k := range l.keywordsLower {
					require.Equal(t, strings.ToLower(l.keywords[i]), k)
					require.True(t, l.isKeyword(k))
				}
			}
			labels := map[string]bool{}
			for _, s := range l.snippets {
				require.False(t, labels[s.label], "duplicate snippet %q", s.label)
				labels[s.label] = true
				require.NotEmpty(t, s.detail, "snippet %q has no detail", s.label)
				// Every '$' starts a tabstop or placeholder, and braces
				// balance once those are removed.
				rest := placeholder.ReplaceAllString(s.body, "")
				require.NotContains(t, rest, "$", "snippet %q has a stray $: %q", s.label, s.body)
				require.Equal(t, strings.Count(rest, "{"), strings.Count(rest, "}"), "snippet %q braces", s.label)
			}
		})
	}
}
