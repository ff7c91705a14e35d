package client

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/ot"
)

// Sentinel errors of the Client.
var (
	// ErrClosed: the client was closed (or the room is gone; see Err).
	ErrClosed = errors.New("client: closed")
	// ErrReadOnly: the client joined with a read-only link.
	ErrReadOnly = errors.New("client: room is read-only")
	// ErrNotSeen: Submit was given a base revision the client has not
	// reached yet, or that is older than its history window.
	ErrNotSeen = errors.New("client: base revision not in the client's history")
)

// Client is a connection to one room that keeps the room's document in sync:
// it runs ot.js's client state machine (ot.Client), sends local edits,
// applies remote ones, tracks other clients' selections, and reconnects by
// itself.
//
// Reconnecting: the client keeps its document, revision and pending
// operations, opens a new connection, resubmits the unacknowledged operation
// verbatim (same base revision, operation and id), and once it knows the
// revision that operation created, fetches the history it missed over REST
// and applies it in revision order, treating that revision as its ack.
// Server operations are applied strictly in revision order, each once
// (duplicates by revision are ignored), so the document never diverges.
//
// A Client is the shell around three parts: a transport (the connection,
// reconnection and backoff), a syncCore (the document and its
// synchronisation, without I/O) and the core's presence. It carries out the
// core's effects: writes, events, retries, catch-up and resync over REST.
//
// All methods are safe for concurrent use.
type Client struct {
	roomID    string
	opts      Options
	rest      *REST
	transport *transport
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	events    chan Event
	dropped   int64

	mu        sync.Mutex
	core      *syncCore
	state     ConnState
	changed   chan struct{}
	pendingEv []Event
	err       error
}

// Dial connects to a room and returns a client holding the room's document.
// ctx bounds the first connection only; the client lives until Close.
// baseURL is the server's http(s) URL.
//
// Errors: *APIError (not_found for an unknown room, forbidden, ...) or a
// network error.
func Dial(ctx context.Context, baseURL, roomID string, opts Options) (*Client, error) {
	opts.defaults()
	var prefix [8]byte
	if _, err := crand.Read(prefix[:]); err != nil {
		return nil, err
	}
	rest := NewREST(baseURL)
	rest.HTTP = opts.HTTP
	c := &Client{
		roomID: roomID, opts: opts, rest: rest, transport: newTransport(baseURL, roomID, opts),
		done: make(chan struct{}), changed: make(chan struct{}),
	}
	if opts.EventBuffer > 0 {
		c.events = make(chan Event, opts.EventBuffer)
	}
	k, init, err := c.transport.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.core = newSyncCore(init.Content, init.Revision, hex.EncodeToString(prefix[:]), opts.HistoryWindow)
	c.transport.setConn(k)
	c.mu.Lock()
	c.setStateAs(Connected, init.ClientID)
	c.commit(c.core.attach(init, time.Now())) // a fresh core: nothing to resend or catch up
	c.mu.Unlock()
	go func() {
		defer close(c.done)
		c.transport.run(c.ctx, k, init, c)
	}()
	return c, nil
}

// RoomID is the room's id.
func (c *Client) RoomID() string { return c.roomID }

// REST returns the REST client the client uses for catching up.
func (c *Client) REST() *REST { return c.rest }

// Content returns the local document. It is built after each change, then
// cached: repeated calls without a change in between are cheap.
func (c *Client) Content() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.doc.String()
}

// Desyncs is how many times the server's content hash (docs/protocol.md,
// "hash") differed from this client's copy of the document; each is
// followed by a resync that keeps the local edits not yet sent.
func (c *Client) Desyncs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.desyncs
}

// Revision returns the number of server operations the local document
// includes (its own acknowledged ones included).
func (c *Client) Revision() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.ot.Revision
}

// Snapshot returns the local document, its revision and whether local
// operations are still unacknowledged, atomically.
func (c *Client) Snapshot() (content string, revision int, pending bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.doc.String(), c.core.ot.Revision, c.core.ot.State() != ot.Synchronized
}

// SyncState returns the state of the ot.js state machine.
func (c *Client) SyncState() ot.ClientState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.ot.State()
}

// State returns the connection state.
func (c *Client) State() ConnState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// ClientID is the id the server gave the current connection ("" when none).
func (c *Client) ClientID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.clientID
}

// Language is the room's language.
func (c *Client) Language() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.language
}

// ReadOnly reports whether the client joined with a read-only link.
func (c *Client) ReadOnly() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.readOnly
}

// Peers returns the other clients in the room, ordered by id.
func (c *Client) Peers() []Peer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.core.presence.list()
}

// Events returns the event channel (nil unless Options.EventBuffer > 0).
func (c *Client) Events() <-chan Event { return c.events }

// Dropped is how many events did not fit the event channel.
func (c *Client) Dropped() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// Err returns why the client closed itself (an unknown room, ...), or nil.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Edit applies a local operation to the document and sends it (or buffers
// it while another is unacknowledged). sel, which may be nil, is the local
// selection after the edit, sent along with the operation.
//
// Errors: ErrClosed, ErrReadOnly, or the ot errors of an operation that does
// not apply to the document (nothing changes then).
func (c *Client) Edit(op ot.Operation, sel *ot.Selection) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.editable(); err != nil {
		return err
	}
	return c.commitEdit(c.core.edit(op, sel, time.Now()))
}

// EditFunc builds an operation from the current document and applies it as
// Edit does, atomically. make may return a no-op to do nothing.
func (c *Client) EditFunc(make func(doc string) (ot.Operation, *ot.Selection, error)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.editable(); err != nil {
		return err
	}
	op, sel, err := make(c.core.doc.String())
	if err != nil {
		return err
	}
	if op.IsNoop() {
		return nil
	}
	return c.commitEdit(c.core.edit(op, sel, time.Now()))
}

// Insert inserts text at a UTF-16 offset.
func (c *Client) Insert(pos int, text string) error {
	return c.EditFunc(func(doc string) (ot.Operation, *ot.Selection, error) {
		var op ot.Operation
		n := ot.UTF16Len(doc)
		if pos < 0 || pos > n {
			return op, nil, fmt.Errorf("insert at %d in a document of length %d: %w", pos, n, ot.ErrBaseLength)
		}
		op.Retain(pos).Insert(text).Retain(n - pos)
		return op, nil, op.Err()
	})
}

// Delete deletes n UTF-16 units at a UTF-16 offset.
func (c *Client) Delete(pos, n int) error {
	return c.EditFunc(func(doc string) (ot.Operation, *ot.Selection, error) {
		var op ot.Operation
		l := ot.UTF16Len(doc)
		if pos < 0 || n < 0 || pos+n > l {
			return op, nil, fmt.Errorf("delete %d at %d in a document of length %d: %w", n, pos, l, ot.ErrBaseLength)
		}
		op.Retain(pos).Delete(n).Retain(l - pos - n)
		return op, nil, op.Err()
	})
}

// Submit sends an operation made on the document at an earlier revision
// base, with its id, as a recorded client sent it (for replays). The client
// rebases it locally over the operations committed since base (from its
// history window) and applies it; when no local operation is pending it is
// sent unchanged, with base and id, so the server does the same transform.
// Otherwise it is buffered like a local edit and later sent with a new id.
// id "" gets a generated one.
//
// Errors: ErrClosed, ErrReadOnly, ErrNotSeen (base beyond Revision or before
// the history window), or the ot errors of an operation that does not fit.
func (c *Client) Submit(base int, op ot.Operation, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.editable(); err != nil {
		return err
	}
	return c.commitEdit(c.core.submitAt(base, op, id, time.Now()))
}

// LoadHistory makes sure the history window Submit uses reaches back to
// revision from, fetching older committed operations over REST.
// Errors: *APIError or a transport error.
func (c *Client) LoadHistory(ctx context.Context, from int) error {
	for {
		c.mu.Lock()
		to := c.core.histFrom
		c.mu.Unlock()
		if from >= to {
			return nil
		}
		ops, err := c.rest.OpsRange(ctx, c.roomID, from, to)
		if err != nil {
			return err
		}
		if len(ops) != to-from {
			return fmt.Errorf("history (%d, %d] has only %d operations", from, to, len(ops))
		}
		c.mu.Lock()
		done := c.core.prependHistory(from, to, ops)
		c.mu.Unlock()
		if done {
			return nil
		}
	}
}

// Select sends the local selection (nil clears it).
// Errors: ErrClosed.
func (c *Client) Select(sel *ot.Selection) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == Closed {
		return ErrClosed
	}
	c.write(wireSelection{Type: "selection", Selection: sel})
	return nil
}

// SetLanguage asks the server to change the room's language.
// Errors: ErrClosed, ErrReadOnly.
func (c *Client) SetLanguage(language string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.editable(); err != nil {
		return err
	}
	c.write(protocol.ClientLanguage{Type: protocol.TypeLanguage, Language: language})
	return nil
}

// Reconnect drops the current connection as a network failure would; the
// client reconnects by itself. For tests and for a user's "reconnect now".
func (c *Client) Reconnect() { c.transport.drop() }

// WaitSynced waits until the client is connected, caught up with the
// server (as far as it knows) and has no unacknowledged operation.
// Errors: ErrClosed (or the client's Err), ctx's error.
func (c *Client) WaitSynced(ctx context.Context) error {
	return c.waitFor(ctx, func() bool { return c.state == Connected && c.core.synced() })
}

// WaitRevision waits until the local document includes revision rev.
// Errors: ErrClosed (or the client's Err), ctx's error.
func (c *Client) WaitRevision(ctx context.Context, rev int) error {
	return c.waitFor(ctx, func() bool { return c.core.ot.Revision >= rev })
}

func (c *Client) waitFor(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		if cond() {
			c.mu.Unlock()
			return nil
		}
		if c.state == Closed {
			err := c.err
			c.mu.Unlock()
			if err == nil {
				err = ErrClosed
			}
			return err
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close closes the connection and stops reconnecting. Unacknowledged
// operations are abandoned. It returns after the client's goroutine ended.
func (c *Client) Close() error {
	c.cancel()
	c.Reconnect()
	<-c.done
	return nil
}

func (c *Client) editable() error {
	if c.state == Closed {
		return ErrClosed
	}
	if c.core.readOnly {
		return ErrReadOnly
	}
	return nil
}

// commitEdit carries out the effects of a local edit; the caller holds the
// lock. Its events (none today) wait for the client's goroutine.
func (c *Client) commitEdit(eff effects, err error) error {
	if err != nil {
		return err
	}
	c.commit(eff)
	return nil
}

// The session side of the transport: these run on the client's goroutine.

func (c *Client) opened(init *serverMessage, attached bool) error {
	if !attached {
		c.mu.Lock()
		c.setStateAs(Connected, init.ClientID)
		eff := c.core.attach(init, time.Now())
		c.commit(eff)
		c.mu.Unlock()
		c.flushEvents()
		return c.follow(eff)
	}
	c.flushEvents() // Dial's events
	return nil
}

func (c *Client) received(data []byte, at time.Time) error {
	var m serverMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil // not ours to fix; skip it
	}
	c.mu.Lock()
	eff := c.core.receive(&m, at)
	c.commit(eff)
	c.mu.Unlock()
	c.flushEvents()
	return c.follow(eff)
}

func (c *Client) closed(closing bool) {
	c.mu.Lock()
	c.core.detach()
	if closing {
		c.setState(Closed)
	} else {
		c.setState(Connecting)
	}
	c.mu.Unlock()
	c.flushEvents()
}

func (c *Client) refused(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	c.cancel()
}

// commit carries out the immediate effects of a core step: it writes the
// messages, queues the events for flushEvents, schedules a retry, and wakes
// the Wait* methods. The caller holds the lock.
func (c *Client) commit(eff effects) {
	for _, m := range eff.send {
		c.write(m)
	}
	c.pendingEv = append(c.pendingEv, eff.events...)
	if r := eff.retry; r != nil {
		k := c.transport.current()
		time.AfterFunc(c.transport.backoff(r.attempt), func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.transport.current() == k {
				c.commit(c.core.resend(r.id, time.Now()))
			}
		})
	}
	c.notify()
}

// follow carries out the REST effects of a core step: a resync, else a
// catch-up. It runs on the client's goroutine without the lock. An error
// ends the connection.
func (c *Client) follow(eff effects) error {
	if eff.resync != nil {
		return c.resync(eff.resync)
	}
	if eff.catchUp {
		return c.catchUp(eff.catchUpTo)
	}
	return nil
}

// catchUp fetches over REST the history from the local revision up to to,
// and beyond it up to the newest queued revision, and applies it.
func (c *Client) catchUp(to int) error {
	for range 3 {
		c.mu.Lock()
		from, upTo, ok := c.core.catchUpRange(to)
		c.mu.Unlock()
		if !ok {
			return nil
		}
		to = upTo
		ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
		ops, err := c.rest.OpsRange(ctx, c.roomID, from, to)
		cancel()
		if err != nil {
			return err
		}
		c.mu.Lock()
		eff := c.core.caughtUp(from, to, ops, time.Now())
		c.commit(eff)
		c.mu.Unlock()
		c.flushEvents()
		if eff.resync != nil {
			return c.resync(eff.resync)
		}
	}
	return nil
}

// resync replaces the local document with the server's and drops pending
// local operations; see EventResync.
func (c *Client) resync(cause error) error {
	c.mu.Lock()
	at := c.core.resyncRevision()
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	room, err := c.rest.RoomAt(ctx, c.roomID, at)
	cancel()
	if err != nil {
		return err
	}
	c.mu.Lock()
	eff, err := c.core.resynced(at, room.Content, cause, time.Now())
	c.commit(eff)
	c.mu.Unlock()
	c.flushEvents()
	return err
}

// notify wakes the Wait* methods; the caller holds the lock.
func (c *Client) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// write queues a message on the current connection while the core has one
// attached; the caller holds the lock.
func (c *Client) write(v any) {
	if !c.core.connected {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	c.transport.send(b)
}

// flushEvents delivers queued events; only the client's goroutine calls it,
// so events keep their order.
func (c *Client) flushEvents() {
	c.mu.Lock()
	evs := c.pendingEv
	c.pendingEv = nil
	c.mu.Unlock()
	for _, ev := range evs {
		if c.opts.OnEvent != nil {
			c.opts.OnEvent(ev)
		}
		if c.events != nil {
			select {
			case c.events <- ev:
			default:
				c.mu.Lock()
				c.dropped++
				c.mu.Unlock()
			}
		}
	}
}

// setState changes the connection state; the caller holds the lock.
func (c *Client) setState(s ConnState) { c.setStateAs(s, "") }

// setStateAs is setState for Connected, as clientID (the init's).
func (c *Client) setStateAs(s ConnState, clientID string) {
	if c.state == s {
		return
	}
	c.state = s
	c.pendingEv = append(c.pendingEv, Event{Kind: EventState, State: s, ClientID: clientID, Time: time.Now()})
	c.notify()
}
