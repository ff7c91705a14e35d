package ot_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/ot"
)

// allocated returns the bytes of heap that f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Building, decoding, transforming and composing an operation allocate
// O(size of the inputs), however many tiny inserts end up merged into one.
// Merging by concatenation copies the run built so far at every step,
// about n²/2 bytes for n one-character inserts: half a gigabyte here, where
// the bound is 8 MB. The tests bound bytes, not time, which would be flaky.
func TestManyTinyInsertsAllocateLinearly(t *testing.T) {
	const n = 1 << 15
	// The largest input has 2n components; Transform, the most costly, spends
	// about 50 bytes on each.
	const limit = 2 * n * 128

	xs := strings.Repeat("x", n)
	ones := make([]ot.Component, n)
	for i := range ones {
		ones[i].Insert = "x"
	}
	onesJSON := []byte(`["x"` + strings.Repeat(`,"x"`, n-1) + `]`)
	betweenDeletesJSON := []byte(`[-1` + strings.Repeat(`,"x",-1`, n-1) + `,"x"]`)
	scattered := repeatOp(n, "x", 1) // an insert before each unit
	deleteAll := build(-n)
	everyOther := repeatOp(n, 1, -1) // deletes every other unit
	block, doubleBlock := build(xs), build(xs+xs)
	interleave := repeatOp(n, 1, "y") // an insert after each unit

	tests := []struct {
		name string
		run  func() (ot.Operation, error)
		want ot.Operation
	}{
		{"Insert", func() (ot.Operation, error) {
			var o ot.Operation
			for range n {
				o.Insert("x")
			}
			return o, nil
		}, build(xs)},
		{"Insert between deletes", func() (ot.Operation, error) {
			var o ot.Operation
			for range n {
				o.Delete(1).Insert("x")
			}
			return o, nil
		}, build(xs, -n)},
		{"FromComponents", func() (ot.Operation, error) {
			return ot.FromComponents(ones)
		}, build(xs)},
		{"UnmarshalJSON", func() (ot.Operation, error) {
			var o ot.Operation
			err := o.UnmarshalJSON(onesJSON)
			return o, err
		}, build(xs)},
		{"UnmarshalJSON inserts between deletes", func() (ot.Operation, error) {
			var o ot.Operation
			err := o.UnmarshalJSON(betweenDeletesJSON)
			return o, err
		}, build(xs, -n)},
		{"Transform scattered inserts past a delete-all", func() (ot.Operation, error) {
			ap, _, err := ot.Transform(scattered, deleteAll)
			return ap, err
		}, build(xs)},
		{"Transform a delete-all past scattered inserts", func() (ot.Operation, error) {
			_, bp, err := ot.Transform(deleteAll, scattered)
			return bp, err
		}, build(xs)},
		{"Compose inserts into an insert", func() (ot.Operation, error) {
			return ot.Compose(block, interleave)
		}, build(strings.Repeat("xy", n))},
		{"Compose deleting every other inserted unit", func() (ot.Operation, error) {
			return ot.Compose(doubleBlock, everyOther)
		}, build(xs)},
		{"Compose scattered inserts, then delete the rest", func() (ot.Operation, error) {
			return ot.Compose(scattered, everyOther)
		}, build(xs, -n)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ot.Operation
			var err error
			bytes := allocated(func() { got, err = tt.run() })
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("got %d components, base %d, target %d; want %d, %d, %d",
					len(got.Components()), got.BaseLen(), got.TargetLen(),
					len(tt.want.Components()), tt.want.BaseLen(), tt.want.TargetLen())
			}
			if bytes > limit {
				t.Errorf("allocated %d bytes for %d components, more than %d", bytes, n, limit)
			}
		})
	}
}
