package services_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/services"
)

// retentionConfig keeps operations for an hour and two of them in the
// sequencer's window, on clock; rounds run only when a test asks.
func retentionConfig(clock *fakeClock) services.Config {
	cfg := windowConfig(2)
	cfg.Clock = clock
	cfg.IdleTimeout = 24 * time.Hour
	cfg.Retention = services.RetentionConfig{RetainOps: time.Hour, Every: 48 * time.Hour}
	return cfg
}

// appendLetters commits one letter per revision at the end of the document.
func appendLetters(t *testing.T, h *services.Handle, letters string) {
	t.Helper()
	for _, l := range letters {
		rev, content := state(t, h)
		id := fmt.Sprintf("op-%d", rev+1)
		assertAck(t, submit(t, h, services.Submission{ClientID: "c", OpID: id, Base: rev, Op: insertAt(len(content), len(content), string(l))}), rev+1, id)
	}
}

func restore(t *testing.T, h *services.Handle, rev int, id string) services.Result {
	t.Helper()
	sub, done, err := h.PrepareRestore(ctxT(t), rev, id)
	if err != nil {
		t.Fatalf("PrepareRestore(%d, %s): %v", rev, id, err)
	}
	if done != nil {
		return *done
	}
	ch := make(chan services.Result, 1)
	h.Submit(sub, func(r services.Result) { ch <- r })
	select {
	case r := <-ch:
		if r.Err != nil {
			t.Fatalf("restore %s: %v", id, r.Err)
		}
		return r
	case <-time.After(5 * time.Second):
		t.Fatalf("restore %s: no answer", id)
		return services.Result{}
	}
}

func requireCode(t *testing.T, what string, err error, code services.Code, contains string) {
	t.Helper()
	if services.ErrorCode(err) != code || !strings.Contains(fmt.Sprint(err), contains) {
		t.Fatalf("%s: %v, want %s mentioning %q", what, err, code, contains)
	}
}

// history builds a room whose revisions 1..6 are two hours old (4 letters,
// a restore of revision 1, a letter; a version pins 2) and 7..8 new, then
// compacts it: the horizon is 6.
func compactedRoom(t *testing.T, store services.Store, clock *fakeClock) (*services.Rooms, services.RoomInfo, *services.Handle) {
	t.Helper()
	rs := newRooms(t, store, retentionConfig(clock), nil)
	info, h := openNewRoom(t, rs, "hello")
	appendLetters(t, h, "abcd")
	if _, err := h.CreateVersion(ctxT(t), "two", new(2), ""); err != nil {
		t.Fatalf("CreateVersion: %v", err)
	}
	if r := restore(t, h, 1, "restore-1"); r.Revision != 5 {
		t.Fatalf("restore committed at %d, want 5", r.Revision)
	}
	appendLetters(t, h, "f")
	// Blame before compaction keeps marks in memory: they must not outlive it.
	if spans, err := h.BlameAt(ctxT(t), 4); err != nil || spans[len(spans)-1].Revision != 4 {
		t.Fatalf("BlameAt(4) before compaction = %+v, %v", spans, err)
	}
	clock.advance(2 * time.Hour)
	appendLetters(t, h, "gh")
	if n, err := rs.Compact(ctxT(t)); err != nil || n != 1 {
		t.Fatalf("Compact = %d, %v; want one room", n, err)
	}
	if hz, err := store.Horizon(ctxT(t), info.ID); err != nil || hz != 6 {
		t.Fatalf("horizon = %d, %v; want 6", hz, err)
	}
	return rs, info, h
}

func TestRetentionCompactsOldOperations(t *testing.T) {
	clock := newFakeClock()
	store := newStore()
	rs, _, h := compactedRoom(t, store, clock)

	// ?revision=: the pinned version and revisions from the horizon on.
	for rev, want := range map[int]string{2: "helloab", 6: "helloaf", 7: "helloafg", 8: "helloafgh"} {
		if got, err := h.ContentAt(ctxT(t), rev); err != nil || got != want {
			t.Fatalf("ContentAt(%d) = %q, %v; want %q", rev, got, err, want)
		}
	}
	for _, rev := range []int{0, 1, 3, 5} {
		_, err := h.ContentAt(ctxT(t), rev)
		requireCode(t, fmt.Sprintf("ContentAt(%d)", rev), err, services.CodeRevisionOutOfRange, "retention horizon 6")
	}
	// Pages of history from before the horizon.
	_, err := h.Ops(ctxT(t), 3, 10)
	requireCode(t, "Ops(from 3)", err, services.CodeRevisionOutOfRange, "retention horizon 6")
	if ops, err := h.Ops(ctxT(t), 6, 10); err != nil || len(ops) != 2 || ops[0].Revision != 7 {
		t.Fatalf("Ops(from 6) = %+v, %v; want revisions 7, 8", ops, err)
	}
	// Blame: what the horizon holds is the horizon's.
	spans, err := h.BlameAt(ctxT(t), 8)
	if err != nil {
		t.Fatalf("BlameAt(8): %v", err)
	}
	want := []services.BlameSpan{{0, 7, 6, ""}, {7, 8, 7, "c"}, {8, 9, 8, "c"}}
	if fmt.Sprint(spans) != fmt.Sprint(want) {
		t.Fatalf("BlameAt(8) = %+v, want %+v", spans, want)
	}
	for _, rev := range []int{2, 5} {
		_, err := h.BlameAt(ctxT(t), rev)
		requireCode(t, fmt.Sprintf("BlameAt(%d)", rev), err, services.CodeRevisionOutOfRange, "retention horizon 6")
	}
	// Versions: before the horizon only where a snapshot is kept.
	_, err = h.CreateVersion(ctxT(t), "four", new(4), "")
	requireCode(t, "CreateVersion(4)", err, services.CodeRevisionOutOfRange, "compacted")
	if _, err := h.CreateVersion(ctxT(t), "two again", new(2), ""); err != nil {
		t.Fatalf("CreateVersion(2, pinned): %v", err)
	}
	// A restore to the pinned version still works; one before it does not.
	if r := restore(t, h, 2, "restore-2"); r.Revision != 9 {
		t.Fatalf("restore of 2 at %d, want 9", r.Revision)
	}
	if _, content := state(t, h); content != "helloab" {
		t.Fatalf("content after restoring 2 = %q", content)
	}
	_, _, err = h.PrepareRestore(ctxT(t), 3, "restore-3")
	requireCode(t, "restore 3", err, services.CodeRevisionOutOfRange, "retention horizon 6")
	_ = rs
}

// An operation whose row compaction deleted is refused when resubmitted,
// never applied again; a restore, known by its id, is answered with its
// original result.
func TestRetentionResubmissions(t *testing.T) {
	clock := newFakeClock()
	store := newStore()
	_, _, h := compactedRoom(t, store, clock)

	// Revision 3 was op-3, based on 2, inserting "c" at 7.
	ev := submit(t, h, services.Submission{ClientID: "c", OpID: "op-3", Base: 2, Op: insertAt(7, 7, "c")})
	assertError(t, ev, services.CodeRevisionOutOfRange, "op-3")
	if !strings.Contains(ev.Message, "retention horizon 6") || !strings.Contains(ev.Message, "may be committed") {
		t.Fatalf("refusal message %q", ev.Message)
	}
	if rev, content := state(t, h); rev != 8 || content != "helloafgh" {
		t.Fatalf("after the refused resubmission: rev %d %q, want 8 %q", rev, content, "helloafgh")
	}
	// The restore, resubmitted long after, applies once.
	if r := restore(t, h, 1, "restore-1"); r.Revision != 5 || r.Op.TargetLen() != len("helloa") {
		t.Fatalf("restore-1 resubmitted = rev %d op %v; want the original, revision 5", r.Revision, r.Op)
	}
	if rev, content := state(t, h); rev != 8 || content != "helloafgh" {
		t.Fatalf("after the resubmitted restore: rev %d %q", rev, content)
	}
	// Its id still names it: reused for another restore it conflicts.
	_, _, err := h.PrepareRestore(ctxT(t), 2, "restore-1")
	requireCode(t, "restore-1 of 2", err, services.CodeConflict, "restore-1")
	// New operations on an old base after the horizon still rebase.
	assertAck(t, submit(t, h, services.Submission{ClientID: "d", OpID: "late", Base: 6, Op: insertAt(7, 0, ">")}), 9, "late")
	if _, content := state(t, h); content != ">helloafgh" {
		t.Fatalf("content %q", content)
	}
}

// A room reloaded after compaction (its instance killed) loads from the
// horizon's snapshot, and compacts on in the background.
func TestRetentionRestartAndBackground(t *testing.T) {
	clock := newFakeClock()
	store := newStore()
	rs, info, h := compactedRoom(t, store, clock)
	h.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	rs.Close(ctx)
	cancel()

	cfg := retentionConfig(clock)
	cfg.Retention.Every = time.Minute
	rs2 := newRooms(t, store, cfg, nil)
	h2 := openRoom(t, rs2, info.ID)
	if rev, content := state(t, h2); rev != 8 || content != "helloafgh" {
		t.Fatalf("reloaded: rev %d %q, want 8 %q", rev, content, "helloafgh")
	}
	if got, err := h2.ContentAt(ctxT(t), 2); err != nil || got != "helloab" {
		t.Fatalf("ContentAt(2) after reload = %q, %v", got, err)
	}
	appendLetters(t, h2, "i")
	// Two hours on, a background round compacts 7..9.
	clock.advance(2 * time.Hour)
	waitFor(t, "the background round", func() bool {
		clock.advance(time.Minute)
		hz, err := store.Horizon(context.Background(), info.ID)
		return err == nil && hz == 9
	}, 5*time.Second)
	if got, err := h2.ContentAt(ctxT(t), 9); err != nil || got != "helloafghi" {
		t.Fatalf("ContentAt(9) = %q, %v", got, err)
	}
	_, err := h2.ContentAt(ctxT(t), 8)
	requireCode(t, "ContentAt(8)", err, services.CodeRevisionOutOfRange, "retention horizon 9")
}
