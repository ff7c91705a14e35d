package ot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		op   ot.Operation
		want string
	}{
		{"empty", ot.Operation{}, `[]`},
		{"protocol example", build(3, "xy", -2, 5), `[3,"xy",-2,5]`},
		{"emoji", build(1, "😀", 2), `[1,"😀",2]`},
		{"escapes", build("\"\\\n\r\t\x01</>&"), `["\"\\\n\r\t\u0001</>&"]`},
		{"line separators", build("a\u2028b\u2029"), `["a\u2028b\u2029"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := marshal(t, tt.op)
			if got != tt.want {
				t.Fatalf("MarshalJSON = %s, want %s", got, tt.want)
			}
			if back := parse(t, got); !back.Equal(tt.op) {
				t.Errorf("round trip = %v, want %v", back, tt.op)
			}
			var viaStd string
			if tt.op.BaseLen()+tt.op.TargetLen() > 0 {
				var raw []any
				if err := json.Unmarshal([]byte(got), &raw); err != nil {
					t.Fatalf("encoding/json cannot read %s: %v", got, err)
				}
				b, _ := json.Marshal(raw)
				viaStd = string(b)
				if back := parse(t, viaStd); !back.Equal(tt.op) {
					t.Errorf("encoding/json re-encoding %s decodes as %v", viaStd, back)
				}
			}
		})
	}
}

func TestUnmarshalAccepts(t *testing.T) {
	tests := []struct {
		name, in string
		want     ot.Operation
	}{
		{"empty array", `[]`, ot.Operation{}},
		{"whitespace", " \t\n[ 3 ,\r\"xy\" , -2,5 ] \n", build(3, "xy", -2, 5)},
		{"neighbours merge", `[1,2]`, build(3)},
		{"ot.js fromJSON example", `[2,-1,-1,"cde"]`, build(2, "cde", -2)},
		{"delete then insert becomes insert then delete", `[-1,"a"]`, build("a", -1)},
		{"surrogate pair escape", `["\ud83d\ude00"]`, build("😀")},
		{"upper-case hex", `["\uD83D\uDE00"]`, build("😀")},
		{"raw non-BMP", `["😀"]`, build("😀")},
		{"all simple escapes", `["\"\\\/\b\f\n\r\t\u00e9"]`, build("\"\\/\b\f\n\r\té")},
		{"largest count", `[2147483648]`, build(1 << 31)},
		{"a string of digits is an insert, as in ot.js", `["1"]`, build("1")},
		{"largest delete", `[-2147483648]`, build(-(1 << 31))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse(t, tt.in); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"zero retain", `[0]`, ot.ErrInvalidOp},
		{"negative zero", `[-0]`, ot.ErrInvalidOp},
		{"empty insert", `[1,""]`, ot.ErrInvalidOp},
		{"float", `[1.5]`, ot.ErrInvalidOp},
		{"integral float", `[1.0]`, ot.ErrInvalidOp},
		{"exponent", `[1e3]`, ot.ErrInvalidOp},
		{"upper exponent", `[1E3]`, ot.ErrInvalidOp},
		{"leading zero", `[01]`, ot.ErrInvalidOp},
		{"plus sign", `[+1]`, ot.ErrInvalidOp},
		{"lone minus", `[-]`, ot.ErrInvalidOp},
		{"huge count", `[2147483649]`, ot.ErrInvalidOp},
		{"huge delete", `[-99999999999999999999999]`, ot.ErrInvalidOp},
		{"count with letters", `[12abc]`, ot.ErrInvalidOp},
		{"nested array", `[[1]]`, ot.ErrInvalidOp},
		{"object element", `[{"insert":"x"}]`, ot.ErrInvalidOp},
		{"object", `{"ops":[1]}`, ot.ErrInvalidOp},
		{"null", `null`, ot.ErrInvalidOp},
		{"null element", `[1,null]`, ot.ErrInvalidOp},
		{"boolean element", `[true]`, ot.ErrInvalidOp},
		{"string", `"abc"`, ot.ErrInvalidOp},
		{"number", `3`, ot.ErrInvalidOp},
		{"empty input", ``, ot.ErrInvalidOp},
		{"unterminated array", `[1,2`, ot.ErrInvalidOp},
		{"trailing comma", `[1,]`, ot.ErrInvalidOp},
		{"leading comma", `[,1]`, ot.ErrInvalidOp},
		{"missing comma", `[1 2]`, ot.ErrInvalidOp},
		{"trailing data", `[1] [2]`, ot.ErrInvalidOp},
		{"unterminated string", `["abc]`, ot.ErrInvalidOp},
		{"raw control character", "[\"a\nb\"]", ot.ErrInvalidOp},
		{"bad escape", `["\x"]`, ot.ErrInvalidOp},
		{"short unicode escape", `["\u12"]`, ot.ErrInvalidOp},
		{"bad hex", `["\u12g4"]`, ot.ErrInvalidOp},
		{"lone high surrogate", `["\ud800"]`, ot.ErrInvalidText},
		{"lone high surrogate before text", `["\ud83dabc"]`, ot.ErrInvalidText},
		{"lone low surrogate", `["\udc00"]`, ot.ErrInvalidText},
		{"reversed pair", `["\ude00\ud83d"]`, ot.ErrInvalidText},
		{"high then high", `["\ud83d\ud83d"]`, ot.ErrInvalidText},
		{"high then BMP escape", `["\ud83d\u0041"]`, ot.ErrInvalidText},
		{"high then other escape", `["\ud83d\n"]`, ot.ErrInvalidText},
		{"invalid UTF-8", "[\"a\xffb\"]", ot.ErrInvalidText},
		{"invalid UTF-8 after escape", "[\"\\n\xc3\"]", ot.ErrInvalidText},
		{"UTF-8 encoded surrogate", "[\"\xed\xa0\x80\"]", ot.ErrInvalidText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := build(7)
			err := o.UnmarshalJSON([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("UnmarshalJSON(%q) err = %v, want %v", tt.in, err, tt.want)
			}
			if !o.Equal(build(7)) {
				t.Errorf("receiver changed on error: %v", o)
			}
		})
	}
}

func TestUnmarshalThroughEncodingJSON(t *testing.T) {
	var msg struct {
		Op ot.Operation `json:"op"`
	}
	if err := json.Unmarshal([]byte(`{"op":[1,"\ud83d\ude00",-1]}`), &msg); err != nil {
		t.Fatal(err)
	}
	if want := build(1, "😀", -1); !msg.Op.Equal(want) {
		t.Errorf("got %v, want %v", msg.Op, want)
	}
	err := json.Unmarshal([]byte(`{"op":["\ud800"]}`), &msg)
	if !errors.Is(err, ot.ErrInvalidText) {
		t.Errorf("lone surrogate through encoding/json: err = %v, want ErrInvalidText", err)
	}
	err = json.Unmarshal([]byte(`{"op":null}`), &msg)
	if !errors.Is(err, ot.ErrInvalidOp) {
		t.Errorf("null op through encoding/json: err = %v, want ErrInvalidOp", err)
	}
	out, err := json.Marshal(msg)
	if err != nil || string(out) != `{"op":[1,"😀",-1]}` {
		t.Errorf("json.Marshal = %s, %v", out, err)
	}
}

// An operation that caches its encoding is encoded once: later encodings
// return the same bytes, and a builder that changes the operation makes it
// encode afresh.
func TestMarshalJSONIsCached(t *testing.T) {
	op := build(3, "ab", -1)
	op.CacheEncoding()
	first, _ := op.MarshalJSON()
	again, _ := op.MarshalJSON()
	if &first[0] != &again[0] {
		t.Error("the second encoding was made again")
	}
	copied := op // shares the cache, like the components
	if b, _ := copied.MarshalJSON(); string(b) != `[3,"ab",-1]` {
		t.Errorf("copy encodes %s", b)
	}
	op.Retain(2)
	if b, _ := op.MarshalJSON(); string(b) != `[3,"ab",-1,2]` {
		t.Errorf("after Retain: %s, want [3,\"ab\",-1,2]", b)
	}
	if b, _ := copied.MarshalJSON(); string(b) != `[3,"ab",-1]` {
		t.Errorf("the copy made before Retain encodes %s, want [3,\"ab\",-1]", b)
	}
	if !bytes.Equal(first, []byte(`[3,"ab",-1]`)) {
		t.Errorf("the first encoding changed: %s", first)
	}
}
