package autocomplete

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestByteOffset(t *testing.T) {
	tests := []struct {
		name    string
		s       string
		units   int
		want    int
		wantErr bool
	}{
		{"empty at zero", "", 0, 0, false},
		{"ascii middle", "abc", 2, 2, false},
		{"ascii end", "abc", 3, 3, false},
		{"two-byte rune", "éa", 1, 2, false},
		{"three-byte rune", "€a", 1, 3, false},
		{"after surrogate pair", "😀a", 2, 4, false},
		{"inside surrogate pair", "😀a", 1, 0, true},
		{"end after surrogate pair", "a😀", 3, 5, false},
		{"invalid byte is one unit", "\xffa", 1, 1, false},
		{"truncated rune is one unit per byte", "\xf0\x9f\x98", 2, 2, false},
		{"negative", "a", -1, 0, true},
		{"past end", "a", 2, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := byteOffset(tt.s, tt.units)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrBadOffset)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// utf16Boundaries maps each valid UTF-16 offset of s to its byte offset, the
// slow obvious way.
func utf16Boundaries(s string) map[int]int {
	m := map[int]int{}
	units := 0
	for i, r := range s {
		m[units] = i
		if r > 0xFFFF {
			units += 2
		} else {
			units++
		}
	}
	m[units] = len(s)
	return m
}

func TestByteOffsetMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.OneOf(
			rapid.String(),
			rapid.StringOf(rapid.RuneFrom([]rune{'a', 'é', '€', '😀', 0xFFFD})),
			rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
		).Draw(t, "s")
		units := rapid.IntRange(-2, len(s)*2+2).Draw(t, "units")
		want, ok := utf16Boundaries(s)[units]
		got, err := byteOffset(s, units)
		if !ok {
			if err == nil {
				t.Fatalf("byteOffset(%q, %d) = %d, want ErrBadOffset", s, units, got)
			}
			return
		}
		if err != nil || got != want {
			t.Fatalf("byteOffset(%q, %d) = %d, %v; want %d", s, units, got, err, want)
		}
	})
}
