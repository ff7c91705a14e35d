package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tandem-editor/tandem/services"
)

// jsonText is a string field of a REST body that must be valid text.
// encoding/json turns invalid UTF-8 and a \u escape that leaves half a
// surrogate pair into U+FFFD without a word, so a room would store other
// text than the client sent; jsonText refuses both, as ot's decoder does
// for the inserts of an operation. null leaves the field as it is.
type jsonText string

// UnmarshalJSON returns a *services.Error with CodeBadMessage for invalid
// text, and a *json.UnmarshalTypeError for anything but a string.
func (t *jsonText) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) == 0 || data[0] != '"' {
		return &json.UnmarshalTypeError{Value: "non-string", Type: reflect.TypeFor[string]()}
	}
	if problem := textProblem(data); problem != "" {
		return services.Errorf(services.CodeBadMessage, "body: a string is not valid text: %s", problem)
	}
	return json.Unmarshal(data, (*string)(t))
}

// textProblem describes why the JSON string literal lit (quotes included,
// syntax already checked) is not valid text, or returns "".
func textProblem(lit []byte) string {
	if !utf8.Valid(lit) {
		return "invalid UTF-8"
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++
		if lit[i] != 'u' {
			continue
		}
		r := hex4(lit[i+1:])
		i += 4
		if !utf16.IsSurrogate(r) {
			continue
		}
		if r >= 0xdc00 {
			return fmt.Sprintf(`lone low surrogate \u%04x`, r)
		}
		if i+6 >= len(lit) || lit[i+1] != '\\' || lit[i+2] != 'u' {
			return fmt.Sprintf(`lone high surrogate \u%04x`, r)
		}
		if r2 := hex4(lit[i+3:]); r2 < 0xdc00 || r2 > 0xdfff {
			return fmt.Sprintf(`high surrogate \u%04x followed by \u%04x`, r, r2)
		}
		i += 6
	}
	return ""
}

// hex4 is the value of the four hex digits b starts with (JSON syntax is
// checked before, so they are there).
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// textOr is the field's text, or "" when it was absent.
func textOr(t *jsonText) string {
	if t == nil {
		return ""
	}
	return string(*t)
}

// textPtr is the field's text as a *string, nil when it was absent.
func textPtr(t *jsonText) *string {
	if t == nil {
		return nil
	}
	s := string(*t)
	return &s
}
