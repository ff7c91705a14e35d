package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/tandem-editor/tandem/client"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// liveTarget replays into a room on a server with one WebSocket client per
// recorded client (connected at its first line). Each line is sent with
// its recorded base revision (shifted to the room's) and id, and never
// before the previous line is acknowledged, so the server commits the lines
// in the file's order, as the offline replay does.
type liveTarget struct {
	ctx  context.Context
	url  string
	rest *client.REST
	room string
	// shift is the room's revision minus the recording's.
	shift   int
	rev     int
	clients map[string]*liveClient
	ids     idWindow
}

// liveClient is one recorded client's connection and what the server last
// refused of it.
type liveClient struct {
	c       *client.Client
	mu      sync.Mutex
	refusal *client.APIError
}

func (lc *liveClient) takeRefusal() *client.APIError {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	r := lc.refusal
	lc.refusal = nil
	return r
}

// newLiveTarget replays into room (empty: a new room with content and the
// header's language) whose head is the recording's revision start.
// Errors: *client.APIError from the server, or a transport error.
func newLiveTarget(ctx context.Context, url, token, room string, h client.RecordingHeader, start int, content string) (*liveTarget, error) {
	rest := client.NewREST(url)
	rest.Token = token
	t := &liveTarget{ctx: ctx, url: url, rest: rest, room: room, rev: start, clients: map[string]*liveClient{}, ids: newIDWindow(liveIDWindow)}
	if room == "" {
		r, err := rest.CreateRoom(ctx, client.NewRoom{Name: "replay of " + services.RoomIDOf(h.Room).String(), Language: h.Language, Content: content})
		if err != nil {
			return nil, err
		}
		t.room, t.shift = r.ID, -start
		return t, nil
	}
	r, err := rest.Room(ctx, room)
	if err != nil {
		return nil, err
	}
	if r.Content != content {
		return nil, fmt.Errorf("room %s holds other content than the recording at revision %d", services.RoomIDOf(room), start)
	}
	t.shift = r.Revision - start
	return t, nil
}

// liveIDWindow is how many recent operation ids the live replay remembers
// to answer a resubmission as the server does.
const liveIDWindow = 100_000

func (t *liveTarget) dial(name string) (*liveClient, error) {
	if lc := t.clients[name]; lc != nil {
		return lc, nil
	}
	lc := &liveClient{}
	c, err := client.Dial(t.ctx, t.url, t.room, client.Options{Name: name, OnEvent: func(e client.Event) {
		var api *client.APIError
		if (e.Kind == client.EventResync || e.Kind == client.EventError) && errors.As(e.Err, &api) {
			lc.mu.Lock()
			lc.refusal = api
			lc.mu.Unlock()
		}
	}})
	if err != nil {
		return nil, err
	}
	lc.c = c
	t.clients[name] = lc
	return lc, nil
}

func (t *liveTarget) submit(line int, op client.RecordedOp) (outcome, error) {
	base := op.Revision + t.shift
	if base < 0 {
		return outcome{}, &client.RecordingError{Line: line, Err: fmt.Errorf("based on revision %d, before the live room's start %d", op.Revision, -t.shift)}
	}
	// The client cannot send an id again once it was acknowledged: the
	// replay answers a resubmission as the server would.
	if op.ID != "" {
		if orig, ok := t.ids.get(op.ID); ok {
			if orig.base != op.Revision || !orig.op.Equal(op.Op) {
				return outcome{}, &refused{Code: string(services.CodeConflict), Message: fmt.Sprintf("operation id %q was already used for a different operation (checked by the replay)", op.ID)}
			}
			return outcome{revision: orig.revision, duplicate: true}, nil
		}
	}
	lc, err := t.dial(op.Client)
	if err != nil {
		return outcome{}, err
	}
	c := lc.c
	if err := c.WaitRevision(t.ctx, base); err != nil {
		return outcome{}, fmt.Errorf("waiting for revision %d: %w", op.Revision, err)
	}
	if err := c.LoadHistory(t.ctx, base); err != nil {
		return outcome{}, err
	}
	lc.takeRefusal()
	if err := c.Submit(base, op.Op, op.ID); err != nil {
		return outcome{}, &client.RecordingError{Line: line, Err: err}
	}
	if err := c.WaitSynced(t.ctx); err != nil {
		return outcome{}, fmt.Errorf("waiting for the ack: %w", err)
	}
	if api := lc.takeRefusal(); api != nil {
		return outcome{}, &refused{Code: api.Code, Message: api.Message}
	}
	t.rev = c.Revision() - t.shift
	if op.ID != "" {
		t.ids.put(op.ID, idOrigin{base: op.Revision, op: op.Op, revision: t.rev})
	}
	return outcome{revision: t.rev}, nil
}

func (t *liveTarget) head() int { return t.rev }

func (t *liveTarget) content() (string, error) {
	r, err := t.rest.RoomAt(t.ctx, t.room, t.rev+t.shift)
	return r.Content, err
}

func (t *liveTarget) sha256() (string, error) {
	content, err := t.content()
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:]), err
}

// check makes sure every client holds the server's document.
func (t *liveTarget) check() error {
	want, err := t.rest.Room(t.ctx, t.room)
	if err != nil {
		return err
	}
	for name, lc := range t.clients {
		if err := lc.c.WaitRevision(t.ctx, want.Revision); err != nil {
			return fmt.Errorf("client %s: %w", name, err)
		}
		if got, rev, _ := lc.c.Snapshot(); rev == want.Revision && got != want.Content {
			return &clientDiverged{name, rev - t.shift}
		}
	}
	return nil
}

// clientDiverged is a client whose document is not the server's.
type clientDiverged struct {
	name     string
	revision int
}

func (e *clientDiverged) Error() string {
	return fmt.Sprintf("client %s diverged from the server at revision %d", e.name, e.revision)
}

func (t *liveTarget) close() {
	for _, lc := range t.clients {
		_ = lc.c.Close()
	}
}

// idOrigin is what an operation id was first used for.
type idOrigin struct {
	base     int
	op       ot.Operation
	revision int
}

// idWindow remembers the newest max operation ids.
type idWindow struct {
	ids   map[string]idOrigin
	order []string // a ring once full; next is its oldest
	max   int
	next  int
}

func newIDWindow(max int) idWindow { return idWindow{ids: map[string]idOrigin{}, max: max} }

func (w *idWindow) get(id string) (idOrigin, bool) {
	o, ok := w.ids[id]
	return o, ok
}

func (w *idWindow) put(id string, o idOrigin) {
	if len(w.order) < w.max {
		w.order = append(w.order, id)
	} else {
		delete(w.ids, w.order[w.next])
		w.order[w.next] = id
		w.next = (w.next + 1) % w.max
	}
	w.ids[id] = o
}
