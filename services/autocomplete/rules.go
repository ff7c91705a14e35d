package autocomplete

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrBadOffset means Request.Offset is below zero, beyond the UTF-16 length of
// Request.Content, or between the halves of a surrogate pair.
var ErrBadOffset = errors.New("autocomplete: offset outside content or inside a surrogate pair")

// DefaultMaxSuggestions is how many suggestions Rules returns unless
// MaxSuggestions says otherwise.
const DefaultMaxSuggestions = 20

// maxWordLen bounds, in bytes, the words offered as identifiers and the prefix
// completed: longer runs are data (base64, minified code), not names.
const maxWordLen = 256

// maxTrackedWords bounds the distinct identifiers counted per request. Words
// first seen after the bound is reached are not offered.
const maxTrackedWords = 2048

// Request is one completion request.
type Request struct {
	// Language is a Monaco language id or an alias ("js", "c++", "golang",
	// ...), case-insensitive. Unknown languages get identifiers only.
	Language string
	// Content is the whole document.
	Content string
	// Offset is the cursor, in UTF-16 code units into Content.
	Offset int
}

// Suggestion is one completion item, shaped for Monaco.
type Suggestion struct {
	Label string `json:"label"`
	// InsertText replaces the prefix; for snippets it uses Monaco snippet
	// syntax ($1, ${1:placeholder}, $0).
	InsertText string `json:"insertText"`
	// Kind is KindKeyword, KindSnippet or KindIdentifier.
	Kind   string `json:"kind"`
	Detail string `json:"detail,omitempty"`
}

// Suggestion kinds.
const (
	KindKeyword    = "keyword"
	KindSnippet    = "snippet"
	KindIdentifier = "identifier"
)

// Completer suggests completions at a cursor.
type Completer interface {
	// Complete returns suggestions, best first; an empty non-nil slice when
	// there are none. It returns an error wrapping ErrBadOffset for a bad
	// offset, or ctx.Err() if ctx ends first.
	Complete(ctx context.Context, req Request) ([]Suggestion, error)
}

// Rules is the rule-based Completer: keywords, snippets and the document's
// identifiers, ranked as the package documentation describes.
type Rules struct {
	max int
}

var _ Completer = (*Rules)(nil)

// Option configures Rules.
type Option func(*Rules)

// MaxSuggestions caps the suggestions per request. Values below 1 leave the
// default, DefaultMaxSuggestions.
func MaxSuggestions(n int) Option {
	return func(r *Rules) {
		if n >= 1 {
			r.max = n
		}
	}
}

// NewRules returns a Rules configured by opts.
func NewRules(opts ...Option) *Rules {
	r := &Rules{max: DefaultMaxSuggestions}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// Complete implements Completer. Errors: ErrBadOffset (wrapped), ctx.Err().
func (r *Rules) Complete(ctx context.Context, req Request) ([]Suggestion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	content := req.Content
	cursor, err := byteOffset(content, req.Offset)
	if err != nil {
		return nil, fmt.Errorf("complete offset=%d: %w", req.Offset, err)
	}
	lang := lookupLanguage(req.Language)
	word := wordAt(content, cursor, lang.ident)
	prefix := content[word.start:cursor]
	if len(prefix) > maxWordLen || startsWithDigit(prefix) {
		return []Suggestion{}, nil
	}

	m := newMatcher(prefix, lang.caseInsensitive)
	top := newTopN(r.max)
	member := afterMemberAccess(content[:word.start])
	if !member {
		addLanguageCandidates(top, lang, m)
	}
	counts, err := countWords(ctx, content, word, lang.ident, m)
	if err != nil {
		return nil, err
	}
	counts.each(func(w string, n int32) {
		if w == prefix || (!member && lang.isKeyword(w)) {
			return
		}
		if class := m.class(w); class != noMatch {
			top.offer(candidate{label: w, insert: w, kind: kindIdentifier, class: class, freq: n})
		}
	})
	out := top.suggestions()
	counts.release()
	return out, nil
}

// addLanguageCandidates offers lang's snippets and keywords that match m.
func addLanguageCandidates(top *topN, lang *language, m *matcher) {
	for _, s := range lang.snippets {
		class := m.class(s.label)
		if class == noMatch || s.body == m.prefix {
			continue
		}
		top.offer(candidate{label: s.label, insert: s.body, detail: s.detail, kind: kindSnippet, class: class})
	}
	keywords := lang.keywords
	if lang.caseInsensitive && isLowerWord(m.prefix) {
		keywords = lang.keywordsLower
	}
	for _, k := range keywords {
		class := m.class(k)
		if class == noMatch || k == m.prefix || (lang.caseInsensitive && strings.EqualFold(k, m.prefix)) {
			continue
		}
		top.offer(candidate{label: k, insert: k, kind: kindKeyword, class: class})
	}
}

// isLowerWord reports whether s has a letter and no upper-case ASCII letter:
// the user writes SQL in lower case, so keywords are offered in lower case.
func isLowerWord(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			return false
		case 'a' <= c && c <= 'z':
			letter = true
		}
	}
	return letter
}

// startsWithDigit reports whether s starts with an ASCII or Unicode digit,
// which makes it a number, not a name.
func startsWithDigit(s string) bool {
	if s == "" {
		return false
	}
	if s[0] < utf8.RuneSelf {
		return '0' <= s[0] && s[0] <= '9'
	}
	r, _ := utf8.DecodeRuneInString(s)
	return isDigitRune(r)
}
