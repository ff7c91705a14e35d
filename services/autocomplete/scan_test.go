package autocomplete

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestWordAt(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		dollar bool
		want   string // the word around the cursor
		prefix string // its part before the cursor
	}{
		{"end of word", "foo bar‸", false, "bar", "bar"},
		{"middle of word", "foo ba‸r", false, "bar", "ba"},
		{"start of word", "foo ‸bar", false, "bar", ""},
		{"after space", "foo ‸ bar", false, "", ""},
		{"after dot", "a.‸", false, "", ""},
		{"underscore and digits", "x := _a1‸", false, "_a1", "_a1"},
		{"dollar in javascript", "$scope‸", true, "$scope", "$scope"},
		{"dollar elsewhere", "$scope‸", false, "scope", "scope"},
		{"unicode", "über‸", false, "über", "über"},
		{"combining mark", "e\u0301t‸", false, "e\u0301t", "e\u0301t"},
		{"emoji is not a letter", "😀ab‸", false, "ab", "ab"},
		{"invalid byte separates", "a\xffbc‸", false, "bc", "bc"},
		{"start of document", "‸abc", false, "abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content, units := at(t, tt.doc)
			cursor, err := byteOffset(content, units)
			require.NoError(t, err)
			table := identASCII
			if tt.dollar {
				table = identASCIIDollar
			}
			w := wordAt(content, cursor, table)
			assert.Equal(t, tt.want, content[w.start:w.end])
			assert.Equal(t, tt.prefix, content[w.start:cursor])
		})
	}
}

func TestAfterMemberAccess(t *testing.T) {
	tests := []struct {
		before string
		want   bool
	}{
		{"", false},
		{"a.", true},
		{"std::", true},
		{"p->", true},
		{":", false},
		{">", false},
		{"a >", false},
		{"a ", false},
		{"a.b ", false},
	}
	for _, tt := range tests {
		t.Run(tt.before, func(t *testing.T) {
			assert.Equal(t, tt.want, afterMemberAccess(tt.before))
		})
	}
}

func TestCountWords(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		prefix string
		want   map[string]int32
	}{
		{"counts matching words only", "foo bar foo Foo fxo baz ", "f", map[string]int32{"foo": 2, "Foo": 1, "fxo": 1}},
		{"skips numbers", "1abc 0x1 abc ", "", map[string]int32{"abc": 1}},
		{"skips the word at the cursor", "abc ab", "", map[string]int32{"abc": 1}},
		{"unicode first letter folds", "Über über uber ", "ü", map[string]int32{"Über": 1, "über": 1}},
		{"kelvin sign folds to k", "\u212Aelvin kelvin ", "k", map[string]int32{"\u212Aelvin": 1, "kelvin": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The cursor sits at the end of the document.
			w := wordAt(tt.doc, len(tt.doc), identASCII)
			got, err := countWords(context.Background(), tt.doc, w, identASCII, newMatcher(tt.prefix, false))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.asMap())
			got.release()
		})
	}
	t.Run("long words skipped", func(t *testing.T) {
		long := repeat('a', maxWordLen+1)
		got, err := countWords(context.Background(), long+" ab x", span{start: -1}, identASCII, newMatcher("", false))
		require.NoError(t, err)
		assert.Equal(t, map[string]int32{"ab": 1, "x": 1}, got.asMap())
	})
	t.Run("distinct words capped", func(t *testing.T) {
		var doc []byte
		for i := 0; i < maxTrackedWords+10; i++ {
			doc = append(doc, 'w')
			doc = append(doc, []byte(itoa(i))...)
			doc = append(doc, ' ')
		}
		doc = append(doc, "w0 w0"...)
		got, err := countWords(context.Background(), string(doc), span{start: -1}, identASCII, newMatcher("", false))
		require.NoError(t, err)
		assert.Equal(t, maxTrackedWords, got.len())
		assert.Equal(t, int32(3), got.asMap()["w0"], "words already tracked keep counting")
	})
}

func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// tb is what both *testing.T and *rapid.T provide.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	FailNow()
}

// checkSeekMatchesScan checks that the IndexByte path counts exactly what the
// byte-by-byte path counts.
func checkSeekMatchesScan(t tb, s, prefix string, dollar bool) {
	t.Helper()
	table := identASCII
	if dollar {
		table = identASCIIDollar
	}
	m := newMatcher(prefix, false)
	lower, upper, ok := m.asciiFirst()
	if !ok {
		return
	}
	cursor := wordAt(s, len(s)/2, table) // any span start works; len(s)/2 may split a rune, which wordAt tolerates
	scanned, sought := newWordCounts(), newWordCounts()
	defer scanned.release()
	defer sought.release()
	require.NoError(t, scanWords(context.Background(), s, cursor, table, m, scanned))
	require.NoError(t, seekWords(context.Background(), s, cursor, table, m, lower, upper, sought))
	if !assert.Equal(t, scanned.order, sought.order) || !assert.Equal(t, scanned.asMap(), sought.asMap()) {
		t.Fatalf("s=%q prefix=%q", s, prefix)
	}
}

func TestSeekWordsMatchesScanWords(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		alphabet := []rune{'a', 'A', 'b', 'B', '_', '$', '1', ' ', '.', 'é', 'É', '中', '😀', 0x301, 0xFFFD}
		s := rapid.OneOf(
			rapid.StringOf(rapid.RuneFrom(alphabet)),
			rapid.Map(rapid.SliceOf(rapid.SampledFrom([]byte("aAbB_$1 .\xc3\xa9\xe4\xb8\xad\xff\x80"))), func(b []byte) string { return string(b) }),
		).Draw(rt, "s")
		prefix := rapid.SampledFrom([]string{"a", "A", "ab", "aB", "_", "$", "b"}).Draw(rt, "prefix")
		dollar := rapid.Bool().Draw(rt, "dollar")
		checkSeekMatchesScan(rt, s, prefix, dollar)
	})
}

func TestWordCounts(t *testing.T) {
	w := newWordCounts()
	for _, word := range []string{"b", "a", "b", "c", "a", "b"} {
		w.add(word)
	}
	var got []string
	w.each(func(word string, n int32) { got = append(got, word+":"+itoa(int(n))) })
	assert.Equal(t, []string{"b:3", "a:2", "c:1"}, got, "first-seen order")
	w.release()

	again := newWordCounts()
	defer again.release()
	assert.Zero(t, again.len(), "released tables come back empty")
	for i := range again.slots {
		require.Zero(t, again.slots[i].n, "slot %d not cleared", i)
	}
}
