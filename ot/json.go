package ot

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxCount bounds the absolute value of a number in an operation's JSON.
const maxCount = 1 << 31

// MarshalJSON encodes the operation in ot.js's array form: a positive
// integer retains, a string inserts, a negative integer deletes, e.g.
// [3,"xy",-2,5]. The empty operation is []. It returns the builder's error
// for an invalid operation.
//
// After CacheEncoding the encoding is made once: later calls return the
// same bytes, which callers must not change.
func (o Operation) MarshalJSON() ([]byte, error) {
	if err := o.Err(); err != nil {
		return nil, err
	}
	if o.x != nil {
		if e := o.x.json.v.Load(); e != nil && e.parts == len(o.parts()) && e.baseLen == o.baseLen && e.targetLen == o.targetLen {
			return e.b, nil
		}
	}
	b := o.encode()
	if o.x != nil {
		o.x.json.v.Store(&encoded{b: b[:len(b):len(b)], parts: len(o.parts()), baseLen: o.baseLen, targetLen: o.targetLen})
	}
	return b, nil
}

func (o Operation) encode() []byte {
	size := 2
	for _, c := range o.parts() {
		size += len(c.s) + 12
	}
	buf := make([]byte, 0, size)
	buf = append(buf, '[')
	for i, c := range o.parts() {
		if i > 0 {
			buf = append(buf, ',')
		}
		if c.isInsert() {
			buf = appendJSONString(buf, c.s)
		} else {
			buf = strconv.AppendInt(buf, int64(c.n), 10)
		}
	}
	return append(buf, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s, valid UTF-8, as a JSON string. Control
// characters, the quote, the backslash and U+2028/U+2029 are escaped.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == '\u2028' || r == '\u2029' {
				buf = append(buf, s[start:i]...)
				buf = append(buf, `\u202`...)
				buf = append(buf, hexDigits[r&0xf])
				start = i + size
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// UnmarshalJSON decodes ot.js's array form strictly and builds the operation
// with the builders, so neighbours merge as in ot.js's fromJSON: [1,2]
// decodes as [3] and [-1,"a"] as ["a",-1]. On error the receiver is left
// unchanged.
//
// It returns ErrInvalidOp for anything but an array of nonzero integers and
// non-empty strings: null, objects, nested arrays, booleans, a zero, a
// number with a fraction or exponent (even 1.0 or 1e3), a number whose
// absolute value exceeds 2^31, an empty string, or trailing data. It returns
// ErrInvalidText for a string with invalid UTF-8 or a \u escape that leaves
// half a surrogate pair (encoding/json would silently turn it into U+FFFD).
//
// A string element is always an insert, as in ot.js: ["1"] inserts the text
// "1". Through encoding/json, "op":null reaches UnmarshalJSON and fails with
// ErrInvalidOp, but a missing field never does and leaves the zero
// Operation; callers that require the field must check for it.
func (o *Operation) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	op, err := d.operation()
	if err != nil {
		return err
	}
	*o = op
	return nil
}

type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("operation JSON at byte %d: %s: %w", d.pos, fmt.Sprintf(format, args...), kind)
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) operation() (Operation, error) {
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != '[' {
		return Operation{}, d.errorf(ErrInvalidOp, "not an array")
	}
	d.pos++
	o := newOperation(4)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return o, d.end()
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) {
			return Operation{}, d.errorf(ErrInvalidOp, "unexpected end")
		}
		switch c := d.data[d.pos]; {
		case c == '"':
			s, err := d.str()
			if err != nil {
				return Operation{}, err
			}
			if s == "" {
				return Operation{}, d.errorf(ErrInvalidOp, "empty insert")
			}
			o.Insert(s)
		case c == '-' || ('0' <= c && c <= '9'):
			n, err := d.integer()
			if err != nil {
				return Operation{}, err
			}
			if n > 0 {
				o.Retain(n)
			} else {
				o.Delete(n)
			}
		default:
			return Operation{}, d.errorf(ErrInvalidOp, "element is not an integer or a string")
		}
		if err := o.Err(); err != nil {
			return Operation{}, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return Operation{}, d.errorf(ErrInvalidOp, "unexpected end")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return o, d.end()
		default:
			return Operation{}, d.errorf(ErrInvalidOp, "expected , or ]")
		}
	}
}

func (d *decoder) end() error {
	d.skipSpace()
	if d.pos != len(d.data) {
		return d.errorf(ErrInvalidOp, "data after the array")
	}
	return nil
}

// integer parses a JSON number that must be a nonzero integer with absolute
// value at most maxCount.
func (d *decoder) integer() (int, error) {
	neg := false
	if d.data[d.pos] == '-' {
		neg = true
		d.pos++
	}
	start := d.pos
	n := 0
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		n = n*10 + int(d.data[d.pos]-'0')
		d.pos++
		if n > maxCount {
			return 0, d.errorf(ErrInvalidOp, "count out of range")
		}
	}
	switch {
	case d.pos == start:
		return 0, d.errorf(ErrInvalidOp, "malformed number")
	case d.data[start] == '0' && d.pos-start > 1:
		return 0, d.errorf(ErrInvalidOp, "number with a leading zero")
	case d.pos < len(d.data) && (d.data[d.pos] == '.' || d.data[d.pos] == 'e' || d.data[d.pos] == 'E'):
		return 0, d.errorf(ErrInvalidOp, "count is not an integer")
	case n == 0:
		return 0, d.errorf(ErrInvalidOp, "zero count")
	}
	if neg {
		n = -n
	}
	return n, nil
}

// str parses a JSON string starting at the opening quote.
func (d *decoder) str() (string, error) {
	d.pos++
	start := d.pos
	// Fast path: no escapes.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			s := d.data[start:d.pos]
			if !utf8.Valid(s) {
				return "", d.errorf(ErrInvalidText, "string is not valid UTF-8")
			}
			d.pos++
			return string(s), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", d.errorf(ErrInvalidOp, "control character in string")
		}
		d.pos++
	}
	buf := make([]byte, 0, d.pos-start+16)
	buf = append(buf, d.data[start:d.pos]...)
	for {
		if d.pos >= len(d.data) {
			return "", d.errorf(ErrInvalidOp, "unterminated string")
		}
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			if !utf8.Valid(buf) {
				return "", d.errorf(ErrInvalidText, "string is not valid UTF-8")
			}
			return string(buf), nil
		case c < 0x20:
			return "", d.errorf(ErrInvalidOp, "control character in string")
		case c != '\\':
			buf = append(buf, c)
			d.pos++
			continue
		}
		d.pos++
		if d.pos >= len(d.data) {
			return "", d.errorf(ErrInvalidOp, "unterminated string")
		}
		e := d.data[d.pos]
		d.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := d.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 {
					return "", d.errorf(ErrInvalidText, "lone low surrogate \\u%04x", r)
				}
				if d.pos+1 >= len(d.data) || d.data[d.pos] != '\\' || d.data[d.pos+1] != 'u' {
					return "", d.errorf(ErrInvalidText, "lone high surrogate \\u%04x", r)
				}
				d.pos += 2
				r2, err := d.hex4()
				if err != nil {
					return "", err
				}
				if r2 < 0xdc00 || r2 > 0xdfff {
					return "", d.errorf(ErrInvalidText, "high surrogate \\u%04x followed by \\u%04x", r, r2)
				}
				r = utf16.DecodeRune(r, r2)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", d.errorf(ErrInvalidOp, "invalid escape \\%c", e)
		}
	}
}

func (d *decoder) hex4() (rune, error) {
	if d.pos+4 > len(d.data) {
		return 0, d.errorf(ErrInvalidOp, "short \\u escape")
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c-'a') + 10
		case 'A' <= c && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, d.errorf(ErrInvalidOp, "invalid \\u escape")
		}
	}
	d.pos += 4
	return r, nil
}
