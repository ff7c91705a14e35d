package gormstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/repository/gormstore"
	"github.com/tandem-editor/tandem/services"
)

// BenchmarkAppendOps measures the commit of one batch, the group-commit hot
// path: ns/op is per batch, ops/s counts operations.
func BenchmarkAppendOps(b *testing.B) {
	dbs := []struct {
		name string
		open func(testing.TB) *gormstore.Store
	}{
		{"sqlite", openSQLite},
		{"postgres", openPostgres},
	}
	for _, db := range dbs {
		for _, batch := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("%s/batch=%d", db.name, batch), func(b *testing.B) {
				s := db.open(b)
				ctx := context.Background()
				info := services.RoomInfo{ID: services.RoomIDOf("bench"), ReadOnlyID: services.RoomIDOf("ro-bench"), CreatedAt: time.Now(), UpdatedAt: time.Now()}
				if err := s.CreateRoom(ctx, info, ""); err != nil {
					b.Fatal(err)
				}
				ops := make([]services.CommittedOp, batch)
				head := 0
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					for i := range ops {
						ops[i] = benchOp(head+i, head)
					}
					if err := s.AppendOps(ctx, info.ID, ops); err != nil {
						b.Fatal(err)
					}
					head += batch
				}
				b.ReportMetric(float64(head)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}

// BenchmarkAppendBatches measures a group commit across rooms, one
// operation each (many light rooms): ns/op is per transaction.
func BenchmarkAppendBatches(b *testing.B) {
	for _, rooms := range []int{1, 10, 100, 500} {
		b.Run(fmt.Sprintf("postgres/rooms=%d", rooms), func(b *testing.B) {
			s := openPostgres(b)
			ctx := context.Background()
			batches := make([]services.Batch, rooms)
			for i := range batches {
				id := services.RoomIDOf(fmt.Sprint("bench-", i))
				info := services.RoomInfo{ID: id, ReadOnlyID: services.RoomIDOf(fmt.Sprint("ro-bench-", i)), CreatedAt: time.Now(), UpdatedAt: time.Now()}
				if err := s.CreateRoom(ctx, info, ""); err != nil {
					b.Fatal(err)
				}
				batches[i].RoomID = id
			}
			head := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for i := range batches {
					batches[i].Ops = []services.CommittedOp{benchOp(head, head)}
				}
				for _, err := range s.AppendBatches(ctx, batches) {
					if err != nil {
						b.Fatal(err)
					}
				}
				head++
			}
			b.ReportMetric(float64(head*rooms)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// benchOp is the operation that takes a document of prev characters to the
// next revision, inserting one, as a client based on base sent it.
func benchOp(prev, base int) services.CommittedOp {
	var op ot.Operation
	op.Retain(prev).Insert("x")
	return services.CommittedOp{
		Revision: prev + 1, Op: op, ClientID: "client-1",
		OpID: fmt.Sprint("op-", prev), BaseRevision: base, Digest: "0123456789abcdef",
	}
}
