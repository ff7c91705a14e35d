package autocomplete

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompleteLanguages(t *testing.T) {
	tests := []struct {
		name     string
		language string
		doc      string
		want     []string // must appear, in this order (others may be interleaved)
		absent   []string
	}{
		{"go for", "go", "func main() {\n\tfo‸\n}", []string{"snippet:for", "snippet:forr", "keyword:for"}, []string{"keyword:fo"}},
		{"go iferr", "go", "x, err := f()\nife‸", []string{"snippet:iferr"}, nil},
		{"go func", "go", "fu‸", []string{"snippet:func", "keyword:func"}, nil},
		{"go alias golang", "golang", "ret‸", []string{"keyword:return"}, nil},
		{"python def", "python", "de‸", []string{"snippet:def", "snippet:defm", "keyword:def", "keyword:del"}, nil},
		{"python class", "py", "cl‸", []string{"snippet:class", "keyword:class"}, nil},
		{"python identifiers", "python", "total_count = 1\nprint(tot‸)", []string{"identifier:total_count"}, nil},
		{"javascript function", "javascript", "fun‸", []string{"snippet:function", "keyword:function"}, nil},
		{"javascript arrow", "js", "arr‸", []string{"snippet:arrow"}, nil},
		{"javascript console.log", "JavaScript", "cons‸", []string{"snippet:console.log", "keyword:const", "keyword:console"}, nil},
		{"javascript dollar identifiers", "js", "const $el = $('#x');\n$e‸", []string{"identifier:$el"}, nil},
		{"typescript interface", "ts", "inter‸", []string{"snippet:interface", "keyword:interface"}, nil},
		{"typescript inherits javascript", "typescript", "forof‸", []string{"snippet:forof"}, nil},
		{"typescript snippets", "typescript", "for‸", []string{"snippet:for", "snippet:forin", "snippet:forof"}, []string{"keyword:for"}},
		{"java main", "java", "ma‸", []string{"snippet:main"}, nil},
		{"java sout", "java", "so‸", []string{"snippet:sout"}, nil},
		{"c main", "c", "mai‸", []string{"snippet:main"}, nil},
		{"c typedef", "c", "typ‸", []string{"keyword:typedef"}, nil},
		{"cpp alias", "c++", "names‸", []string{"snippet:namespace", "keyword:namespace"}, nil},
		{"cpp inherits c", "cpp", "pri‸", []string{"snippet:printf", "keyword:printf", "keyword:private"}, nil},
		{"rust fn", "rust", "f‸", []string{"snippet:fn", "snippet:for", "keyword:fn"}, nil},
		{"rust match", "rust", "mat‸", []string{"snippet:match", "keyword:match"}, nil},
		{"sql upper", "sql", "SEL‸", []string{"snippet:SELECT", "keyword:SELECT"}, []string{"keyword:select"}},
		{"sql lower prefix gets lower keywords", "sql", "sel‸", []string{"snippet:SELECT", "keyword:select"}, []string{"keyword:SELECT"}},
		{"sql mixed prefix gets upper keywords", "SQL", "Wh‸", []string{"keyword:WHEN", "keyword:WHERE"}, nil},
		{"sql identifiers ignore case", "sql", "SELECT * FROM Users;\nselect * from us‸", []string{"identifier:Users"}, nil},
		{"sql identifier spelled like keyword", "sql", "select from fro‸", []string{"keyword:from"}, []string{"identifier:from"}},
		{"plaintext identifiers only", "plaintext", "forward fo‸", []string{"identifier:forward"}, []string{"snippet:for", "keyword:for"}},
		{"unknown language is plaintext", "brainfuck", "forward fo‸", []string{"identifier:forward"}, []string{"snippet:for"}},
		{"empty language is plaintext", "", "forward fo‸", []string{"identifier:forward"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := labels(complete(t, tt.language, tt.doc))
			last := -1
			for _, w := range tt.want {
				i := indexOf(got, w)
				require.GreaterOrEqual(t, i, 0, "missing %s in %v", w, got)
				require.Greater(t, i, last, "%s out of order in %v", w, got)
				last = i
			}
			for _, a := range tt.absent {
				assert.NotContains(t, got, a)
			}
		})
	}
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

func TestCompleteRanking(t *testing.T) {
	tests := []struct {
		name     string
		language string
		doc      string
		want     []string // the whole result, in order
	}{
		{"exact case before case-insensitive", "plaintext", "Foobar fooqux foo‸", []string{"identifier:fooqux", "identifier:Foobar"}},
		{"case-insensitive before subsequence", "plaintext", "fxoxo FOOD foo‸", []string{"identifier:FOOD", "identifier:fxoxo"}},
		{"subsequence needs the first character", "plaintext", "xfoo ofo foo‸", []string{}},
		{"snippet before keyword before identifier", "go", "forward forward forward fo‸",
			[]string{"snippet:for", "snippet:forr", "keyword:for", "identifier:forward", "keyword:float32", "keyword:float64", "keyword:fallthrough"}},
		{"frequency before length", "plaintext", "alphabet alphabet alpha al‸", []string{"identifier:alphabet", "identifier:alpha"}},
		{"shorter before longer", "plaintext", "abcd abc ab‸", []string{"identifier:abc", "identifier:abcd"}},
		{"length counts runes", "plaintext", "aéé aaaa a‸", []string{"identifier:aéé", "identifier:aaaa"}},
		{"alphabetical last", "plaintext", "abd abc ab‸", []string{"identifier:abc", "identifier:abd"}},
		{"candidate equal to prefix dropped", "plaintext", "foo foo foo‸", []string{}},
		{"word under cursor excluded", "plaintext", "fo‸oXYZ", []string{}},
		{"word under cursor excluded, same word elsewhere counted", "plaintext", "fooXYZ fo‸oXYZ", []string{"identifier:fooXYZ"}},
		{"snippet labelled like the prefix stays, keyword goes", "go", "for‸", []string{"snippet:for", "snippet:forr"}},
		{"identifier spelled like a keyword dropped", "go", "return return ret‸", []string{"keyword:return"}},
		{"after dot identifiers only by frequency", "go", "fmt.Println(a)\nfmt.Println(b)\nfmt.Sprintf()\nfmt.‸",
			[]string{"identifier:fmt", "identifier:Println", "identifier:a", "identifier:b", "identifier:Sprintf"}},
		{"after dot with prefix no keywords", "go", "fmt.Println()\nfmt.Pr‸", []string{"identifier:Println"}},
		{"after :: identifiers only", "cpp", "std::vector<int> v;\nstd::‸", []string{"identifier:std", "identifier:v", "identifier:int", "identifier:vector"}},
		{"after dot identifiers spelled like keywords stay", "go", "x.len\nx.‸", []string{"identifier:x", "identifier:len"}},
		{"after -> identifiers only", "c", "p->next = q;\np->n‸", []string{"identifier:next"}},
		{"number gets nothing", "go", "x := 12‸", []string{}},
		{"number with letters gets nothing", "go", "var x1 = 0x1‸", []string{}},
		{"identifier with digits", "plaintext", "x1 x12 x1‸", []string{"identifier:x12"}},
		{"unicode letters", "plaintext", "größe grün gr‸", []string{"identifier:grün", "identifier:größe"}},
		{"unicode case folding", "plaintext", "Über üb‸", []string{"identifier:Über"}},
		{"dollar is not a letter in go", "go", "$scope $s‸", []string{"snippet:select", "snippet:struct", "snippet:switch",
			"keyword:select", "keyword:string", "keyword:struct", "keyword:switch", "identifier:scope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := labels(complete(t, tt.language, tt.doc))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCompleteEmptyPrefix(t *testing.T) {
	t.Run("start of document offers snippets first", func(t *testing.T) {
		got := complete(t, "go", "‸")
		require.Len(t, got, DefaultMaxSuggestions)
		assert.Equal(t, KindSnippet, got[0].Kind)
		assert.Equal(t, "if", got[0].Label)
	})
	t.Run("after a space identifiers follow snippets and keywords", func(t *testing.T) {
		got := complete(t, "plaintext", "beta alpha beta ‸")
		assert.Equal(t, []string{"identifier:beta", "identifier:alpha"}, labels(got))
	})
	t.Run("empty plaintext document", func(t *testing.T) {
		assert.Empty(t, complete(t, "plaintext", "‸"))
	})
}

func TestCompleteSnippetText(t *testing.T) {
	got := complete(t, "go", "fo‸")
	s := find(t, got, KindSnippet, "for")
	assert.Equal(t, "for ${1:i} := 0; $1 < ${2:n}; $1++ {\n\t$0\n}", s.InsertText)
	assert.NotEmpty(t, s.Detail)
	k := find(t, got, KindKeyword, "for")
	assert.Equal(t, "for", k.InsertText)
}

func TestCompleteOffsets(t *testing.T) {
	tests := []struct {
		name    string
		content string
		offset  int
		want    []string
		wantErr bool
	}{
		{"negative", "abc", -1, nil, true},
		{"past the end", "abc", 4, nil, true},
		{"huge", "abc", 1 << 62, nil, true},
		{"empty content at zero", "", 0, []string{}, false},
		{"empty content at one", "", 1, nil, true},
		{"inside a surrogate pair", "😀 foo f", 1, nil, true},
		{"after an emoji counts two units", "😀 foo f", 8, []string{"identifier:foo"}, false},
		{"emoji length", "😀 foo f", 9, nil, true},
		{"bmp rune counts one unit", "é foo f", 7, []string{"identifier:foo"}, false},
		{"middle of word after emoji", "😀fooBar 😀fooBaz", 12, []string{"identifier:fooBar"}, false},
		{"invalid utf-8 byte counts one unit", "\xff foo f", 7, []string{"identifier:foo"}, false},
		{"invalid utf-8 past end", "\xff\xfe", 3, nil, true},
		{"invalid utf-8 at end", "\xff\xfe", 2, []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewRules().Complete(context.Background(), Request{Language: "plaintext", Content: tt.content, Offset: tt.offset})
			if tt.wantErr {
				require.ErrorIs(t, err, ErrBadOffset)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, labels(got))
		})
	}
}

func TestMaxSuggestions(t *testing.T) {
	doc := "a1 a2 a3 a4 a5 a6 a7 a8 a‸"
	tests := []struct {
		name string
		opt  Option
		want int
	}{
		{"default", MaxSuggestions(0), 8},
		{"three", MaxSuggestions(3), 3},
		{"negative keeps default", MaxSuggestions(-5), 8},
		{"one", MaxSuggestions(1), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := complete(t, "plaintext", doc, tt.opt)
			assert.Len(t, got, tt.want)
		})
	}
	t.Run("truncates after ranking", func(t *testing.T) {
		got := complete(t, "plaintext", "zz ab ab aa a‸", MaxSuggestions(1))
		assert.Equal(t, []string{"identifier:ab"}, labels(got))
	})
}

func TestCompleteDeterministic(t *testing.T) {
	// Many words tie on class, kind, frequency and length, so map iteration
	// order would show if the ranking were not total.
	var b strings.Builder
	for i := 0; i < 500; i++ {
		b.WriteString("w")
		b.WriteByte(byte('a' + i%26))
		b.WriteByte(byte('a' + i/26%26))
		b.WriteByte(' ')
	}
	b.WriteString("w")
	content := b.String()
	req := Request{Language: "go", Content: content, Offset: len(content)}
	first, err := NewRules().Complete(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, first, DefaultMaxSuggestions)
	assert.Equal(t, "waa", first[0].Label)
	for i := 0; i < 50; i++ {
		got, err := NewRules().Complete(context.Background(), req)
		require.NoError(t, err)
		require.Equal(t, first, got, "run %d", i)
	}
}

// errAfter is a context whose Err starts returning context.Canceled after n
// calls, to cancel in the middle of a scan.
type errAfter struct {
	context.Context
	n int
}

func (c *errAfter) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

func TestCompleteCancellation(t *testing.T) {
	content := generateGo(100 << 10)
	req := Request{Language: "go", Content: content, Offset: len(content)}
	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := NewRules().Complete(ctx, req)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("cancelled during the scan", func(t *testing.T) {
		_, err := NewRules().Complete(&errAfter{Context: context.Background(), n: 1}, req)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("error is checked before the offset", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := NewRules().Complete(ctx, Request{Offset: -1})
		assert.True(t, errors.Is(err, context.Canceled))
	})
}

func TestCompleteDoesNotPinContent(t *testing.T) {
	content := "uniqueName uni"
	got, err := NewRules().Complete(context.Background(), Request{Content: content, Offset: len(content)})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "uniqueName", got[0].Label)
	start := uintptr(unsafe.Pointer(unsafe.StringData(content)))
	label := uintptr(unsafe.Pointer(unsafe.StringData(got[0].Label)))
	assert.False(t, start <= label && label < start+uintptr(len(content)), "label points into the request content")
}
