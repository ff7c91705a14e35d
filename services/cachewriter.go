package services

import (
	"context"
	"time"
)

// CacheWrite is one room's cache work after its commits: the operations
// to add to its window and, at most every CacheHeadEvery, its head.
type CacheWrite struct {
	RoomID RoomID
	Ops    []CommittedOp
	Head   *Head
}

// BatchCache may also be implemented by a HeadCache that writes the work of
// several rooms at once (Redis: one pipeline). It returns one error per
// write.
type BatchCache interface {
	WriteBatch(ctx context.Context, writes []CacheWrite) []error
}

// BatchFanOut may also be implemented by a FanOut that publishes the
// operations of several rooms at once. It returns one error per batch.
type BatchFanOut interface {
	PublishBatch(ctx context.Context, batches []Batch) []error
}

// PublishingCache may also be implemented by a HeadCache that can publish
// through f in the same round trip as its writes (Redis, when the fan-out
// shares its client: one pipeline, the publishes first). ok is false when
// it cannot with this f; nothing was sent then.
type PublishingCache interface {
	PublishAndWrite(ctx context.Context, f FanOut, batches []Batch, writes []CacheWrite) (pubErrs, cacheErrs []error, ok bool)
}

// cacheWriter does what follows commits for every room of the service, as
// the committer does the commits: the rooms queue their work (at most one
// entry each in flight), and it publishes and writes all that is queued at
// once, with BatchFanOut and BatchCache when the implementations offer
// them, one room at a time otherwise.
type cacheWriter struct {
	cache  HeadCache
	fanout func() FanOut
	loop   *gatherer[cacheRequest]
}

type cacheRequest struct {
	write CacheWrite
	done  func(fanOutErr, cacheErr error)
}

// cacheLinger is how long the cache writer waits to gather the cache work
// of more rooms when none of what it holds is urgent. Cache writes are
// never waited for (the cache is not the source of truth, and a reader that
// finds it stale reads the store), so at light load 20 ms turns one Redis
// round trip per operation into one per several rooms.
const cacheLinger = 20 * time.Millisecond

func newCacheWriter(cache HeadCache, fanout func() FanOut) *cacheWriter {
	w := &cacheWriter{cache: cache, fanout: fanout}
	w.loop = newGatherer(w.round, cacheLinger)
	return w
}

// write queues a room's work; done receives the outcome on the writer's
// goroutine (it must not block). The work waits for company (cacheLinger)
// unless hurry is set or it has operations another instance may be
// listening for.
func (w *cacheWriter) write(cw CacheWrite, hurry bool, done func(fanOutErr, cacheErr error)) {
	if !hurry && len(cw.Ops) > 0 {
		if f := w.fanout(); f != nil {
			q, ok := f.(QuietFanOut)
			hurry = !ok || !q.Unheard(cw.RoomID)
		}
	}
	w.loop.add(cacheRequest{cw, done}, hurry)
}

func (w *cacheWriter) close() { w.loop.close() }

// round publishes and writes everything queued.
func (w *cacheWriter) round(reqs []cacheRequest) []cacheRequest {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// Publish first: every moment another instance does not know of these
	// revisions is a moment it may propose one of them and lose.
	f := w.fanout()
	var batches []Batch
	var of []int
	if f != nil {
		for i, r := range reqs {
			if len(r.write.Ops) > 0 {
				batches = append(batches, Batch{RoomID: r.write.RoomID, Ops: r.write.Ops})
				of = append(of, i)
			}
		}
	}
	var writes []CacheWrite
	if w.cache != nil {
		writes = make([]CacheWrite, len(reqs))
		for i, r := range reqs {
			writes[i] = r.write
		}
	}
	pubErrs, cacheErrs := make([]error, len(reqs)), make([]error, len(reqs))
	published, written := w.publishAndWrite(ctx, f, batches, writes)
	for k, err := range published {
		pubErrs[of[k]] = err
	}
	copy(cacheErrs, written)
	for i, r := range reqs {
		r.done(pubErrs[i], cacheErrs[i])
	}
	return nil
}

// publishAndWrite publishes batches through f and then makes the writes,
// in one round trip when the cache can (PublishingCache), else with the
// batch interfaces when offered, else one at a time. It returns one error
// per batch and one per write.
func (w *cacheWriter) publishAndWrite(ctx context.Context, f FanOut, batches []Batch, writes []CacheWrite) (pubErrs, cacheErrs []error) {
	if pc, ok := w.cache.(PublishingCache); ok && f != nil && len(batches) > 0 {
		if pubErrs, cacheErrs, ok := pc.PublishAndWrite(ctx, f, batches, writes); ok {
			return pubErrs, cacheErrs
		}
	}
	if bf, ok := f.(BatchFanOut); ok && len(batches) > 0 {
		pubErrs = bf.PublishBatch(ctx, batches)
	} else {
		pubErrs = make([]error, len(batches))
		for k, b := range batches {
			pubErrs[k] = f.Publish(ctx, b.RoomID, b.Ops)
		}
	}
	if bc, ok := w.cache.(BatchCache); ok && len(writes) > 0 {
		cacheErrs = bc.WriteBatch(ctx, writes)
	} else {
		cacheErrs = make([]error, len(writes))
		for i, cw := range writes {
			cacheErrs[i] = WriteOne(ctx, w.cache, cw)
		}
	}
	return pubErrs, cacheErrs
}

// WriteOne writes one room's cache work through the plain HeadCache
// methods: the operations, then the head.
func WriteOne(ctx context.Context, cache HeadCache, cw CacheWrite) error {
	if len(cw.Ops) > 0 {
		if err := cache.AppendOps(ctx, cw.RoomID, cw.Ops); err != nil {
			return err
		}
	}
	if cw.Head != nil {
		return cache.SetHead(ctx, cw.RoomID, *cw.Head)
	}
	return nil
}
