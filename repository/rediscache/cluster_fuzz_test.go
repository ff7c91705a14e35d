package rediscache

import (
	"reflect"
	"testing"
)

// FuzzDecodeClusterMessage: any payload decodes to a message or an error,
// never a panic, and a message decoded encodes back to itself; a batch
// (a JSON array of messages) decodes without a panic too.
func FuzzDecodeClusterMessage(f *testing.F) {
	for _, seed := range []string{
		`{"f":"a","q":1,"r":"room","s":{"c":"c1","i":"o1","b":3,"o":[2,"x"],"s":{"ranges":[{"anchor":1,"head":2}]}}}`,
		`{"f":"a","q":1,"r":"room","v":4,"o":[1,-2]}`,
		`{"f":"a","q":2,"r":"room","c":"too_large","m":"big"}`,
		`{"f":"a","q":3,"r":"room","mv":true,"w":"b"}`,
		`{"f":"a","q":3,"r":"room"}`,
		`{"f":"a","q":1,"r":"room","s":{"c":"c1","b":3,"o":[2,{}]}}`,
		`[]`, `null`, `{"q":-1}`, `[{"f":"a","q":3,"r":"room","mv":true},{}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeBatch(b)
		m, err := decodeMessage(b)
		if err != nil {
			return
		}
		again, err := encodeMessage(m)
		if err != nil {
			t.Fatalf("decoded %q to %+v, which does not encode: %v", b, m, err)
		}
		m2, err := decodeMessage(again)
		if err != nil || !reflect.DeepEqual(m.Sub, m2.Sub) || m.Request != m2.Request || m.Revision != m2.Revision || m.Code != m2.Code {
			t.Fatalf("%q: %+v re-encoded as %s decodes to %+v, %v", b, m, again, m2, err)
		}
	})
}
