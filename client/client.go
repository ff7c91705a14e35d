package client

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

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

// Options configure a Client; zero values take the defaults.
type Options struct {
	// Name is the display name others see.
	Name string
	// HTTP is used for catch-up requests (default http.DefaultClient).
	HTTP *http.Client
	// Dialer opens WebSocket connections (default: a 10 s handshake timeout).
	Dialer *websocket.Dialer
	// MinBackoff and MaxBackoff bound the (jittered, doubling) wait before
	// a reconnection or the resubmission of an operation answered
	// "unavailable" (defaults 100 ms and 5 s).
	MinBackoff, MaxBackoff time.Duration
	// ReadTimeout drops a connection that received nothing (not even a ping)
	// for that long (default 75 s; the server pings every 30 s).
	ReadTimeout time.Duration
	// HistoryWindow is how many committed operations the client keeps for
	// Submit (default 1000).
	HistoryWindow int
	// OnEvent, when set, is called for every event, in order, on the
	// client's own goroutine and without its lock held. It may call the
	// client's methods but must not block (Wait* methods included): the
	// client reads nothing while it runs.
	OnEvent func(Event)
	// EventBuffer, when positive, makes Events return a channel of that
	// capacity. When it is full, new events are dropped (counted by
	// Dropped), never waited for.
	EventBuffer int
}

func (o *Options) defaults() {
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 75 * time.Second
	}
	if o.HistoryWindow <= 0 {
		o.HistoryWindow = 1000
	}
	if o.Dialer == nil {
		o.Dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	}
}

// submission is an operation exactly as it was sent, kept to resend it
// verbatim after a reconnect.
type submission struct {
	Base      int
	Op        ot.Operation
	ID        string
	Selection *ot.Selection
	Sent      time.Time
}

// queued is a server operation or the acknowledgement of the outstanding
// operation, waiting for its revision's turn.
type queued struct {
	ack       bool
	op        ot.Operation
	clientID  string
	selection *ot.Selection
	at        time.Time
}

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
// All methods are safe for concurrent use.
type Client struct {
	base, roomID string
	opts         Options
	rest         *REST
	ctx          context.Context
	cancel       context.CancelFunc
	done         chan struct{}
	events       chan Event
	dropped      int64

	mu       sync.Mutex
	doc      document // the local document (chunked: see document)
	sync     *ot.Client
	sent     *submission // the outstanding operation as sent
	history  []ot.Operation
	histFrom int // history[i] created revision histFrom+1+i
	queue    map[int]queued
	idPrefix string
	nextID   uint64
	clientID string
	name     string
	language string
	readOnly bool
	peers    map[string]*Peer
	// moves are the latest operations applied to the local document, which
	// peers' selections have not all been moved across yet; moved counts
	// every such operation since the client started.
	moves []ot.Operation
	moved int
	state ConnState
	conn  *conn
	// resubmitted is set while the resubmission after a reconnect waits for
	// its ack; initRev is the revision of the current connection's init.
	resubmitted bool
	initRev     int
	retryN      int
	changed     chan struct{}
	pendingEv   []Event
	err         error
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
		base: strings.TrimRight(baseURL, "/"), roomID: roomID, opts: opts, rest: rest,
		done: make(chan struct{}), queue: map[int]queued{}, peers: map[string]*Peer{},
		idPrefix: hex.EncodeToString(prefix[:]), changed: make(chan struct{}),
	}
	if opts.EventBuffer > 0 {
		c.events = make(chan Event, opts.EventBuffer)
	}
	k, init, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.doc = newDocument(init.Content)
	c.sync = ot.NewClient(init.Revision)
	c.histFrom = init.Revision
	c.attach(k, init)
	go c.run(k, init)
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
	return c.doc.String()
}

// Revision returns the number of server operations the local document
// includes (its own acknowledged ones included).
func (c *Client) Revision() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sync.Revision
}

// Snapshot returns the local document, its revision and whether local
// operations are still unacknowledged, atomically.
func (c *Client) Snapshot() (content string, revision int, pending bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.doc.String(), c.sync.Revision, c.sync.State() != ot.Synchronized
}

// SyncState returns the state of the ot.js state machine.
func (c *Client) SyncState() ot.ClientState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sync.State()
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
	return c.clientID
}

// Language is the room's language.
func (c *Client) Language() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.language
}

// ReadOnly reports whether the client joined with a read-only link.
func (c *Client) ReadOnly() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readOnly
}

// Peers returns the other clients in the room, ordered by id.
func (c *Client) Peers() []Peer {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Peer, 0, len(c.peers))
	for _, p := range c.peers {
		c.settle(p)
		cp := *p
		cp.Selection = copySelection(p.Selection)
		out = append(out, cp)
	}
	slices.SortFunc(out, func(a, b Peer) int { return strings.Compare(a.ClientID, b.ClientID) })
	return out
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
	return c.editLocked(op, sel)
}

// EditFunc builds an operation from the current document and applies it as
// Edit does, atomically. make may return a no-op to do nothing.
func (c *Client) EditFunc(make func(doc string) (ot.Operation, *ot.Selection, error)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.editable(); err != nil {
		return err
	}
	op, sel, err := make(c.doc.String())
	if err != nil {
		return err
	}
	if op.IsNoop() {
		return nil
	}
	return c.editLocked(op, sel)
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

func (c *Client) editable() error {
	if c.state == Closed {
		return ErrClosed
	}
	if c.readOnly {
		return ErrReadOnly
	}
	return nil
}

func (c *Client) editLocked(op ot.Operation, sel *ot.Selection) error {
	change, err := c.doc.prepare(op)
	if err != nil {
		return err
	}
	base := c.sync.Revision
	send, err := c.sync.ApplyClient(op)
	if err != nil {
		return err
	}
	c.doc.commit(change)
	c.movePeers(op)
	if send != nil {
		c.submit(base, *send, c.newID(), sel)
	}
	c.notify()
	return nil
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
	if base > c.sync.Revision || base < c.histFrom {
		return fmt.Errorf("base %d, client at %d with history from %d: %w", base, c.sync.Revision, c.histFrom, ErrNotSeen)
	}
	rebased := op
	for _, h := range c.history[base-c.histFrom:] {
		var err error
		if rebased, _, err = ot.Transform(rebased, h); err != nil {
			return fmt.Errorf("rebase from revision %d: %w", base, err)
		}
	}
	if c.sync.State() != ot.Synchronized {
		pending, _ := c.sync.Outstanding()
		if buf, ok := c.sync.Buffer(); ok {
			var err error
			if pending, err = ot.Compose(pending, buf); err != nil {
				return err
			}
		}
		local, _, err := ot.Transform(rebased, pending)
		if err != nil {
			return err
		}
		return c.editLocked(local, nil)
	}
	change, err := c.doc.prepare(rebased)
	if err != nil {
		return err
	}
	if _, err := c.sync.ApplyClient(rebased); err != nil {
		return err
	}
	c.doc.commit(change)
	c.movePeers(rebased)
	if id == "" {
		id = c.newID()
	}
	c.submit(base, op, id, nil)
	c.notify()
	return nil
}

// LoadHistory makes sure the history window Submit uses reaches back to
// revision from, fetching older committed operations over REST.
// Errors: *APIError or a transport error.
func (c *Client) LoadHistory(ctx context.Context, from int) error {
	for {
		c.mu.Lock()
		to := c.histFrom
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
		if c.histFrom == to {
			older := make([]ot.Operation, len(ops), len(ops)+len(c.history))
			for i, op := range ops {
				older[i] = op.Op
			}
			c.history = append(older, c.history...)
			c.histFrom = from
			c.mu.Unlock()
			return nil
		}
		c.mu.Unlock()
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
func (c *Client) Reconnect() {
	c.mu.Lock()
	k := c.conn
	c.mu.Unlock()
	if k != nil {
		k.close()
	}
}

// WaitSynced waits until the client is connected, caught up with the
// server (as far as it knows) and has no unacknowledged operation.
// Errors: ErrClosed (or the client's Err), ctx's error.
func (c *Client) WaitSynced(ctx context.Context) error {
	return c.waitFor(ctx, func() bool {
		return c.state == Connected && !c.resubmitted && len(c.queue) == 0 &&
			c.sync.Revision >= c.initRev && c.sync.State() == ot.Synchronized
	})
}

// WaitRevision waits until the local document includes revision rev.
// Errors: ErrClosed (or the client's Err), ctx's error.
func (c *Client) WaitRevision(ctx context.Context, rev int) error {
	return c.waitFor(ctx, func() bool { return c.sync.Revision >= rev })
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

// notify wakes the Wait* methods; the caller holds the lock.
func (c *Client) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *Client) newID() string {
	c.nextID++
	return c.idPrefix + "-" + strconv.FormatUint(c.nextID, 10)
}

// submit records and sends an outstanding operation; the caller holds the lock.
func (c *Client) submit(base int, op ot.Operation, id string, sel *ot.Selection) {
	c.sent = &submission{Base: base, Op: op, ID: id, Selection: sel}
	c.sendSubmission()
}

func (c *Client) sendSubmission() {
	s := c.sent
	if s == nil || c.conn == nil {
		return
	}
	s.Sent = time.Now()
	c.write(wireOp{Type: "op", Revision: s.Base, Op: s.Op, ID: s.ID, Selection: s.Selection})
}

// write queues a message on the current connection, if any.
func (c *Client) write(v any) {
	if c.conn == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	c.conn.send(b)
}

// emit queues an event for delivery after the lock is released.
func (c *Client) emit(ev Event) { c.pendingEv = append(c.pendingEv, ev) }

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

func (c *Client) setState(s ConnState) {
	if c.state == s {
		return
	}
	c.state = s
	c.emit(Event{Kind: EventState, State: s, Time: time.Now()})
	c.notify()
}

// backoff returns the jittered wait before attempt n (0-based).
func (c *Client) backoff(n int) time.Duration {
	d := c.opts.MinBackoff << min(n, 20)
	if d > c.opts.MaxBackoff || d <= 0 {
		d = c.opts.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// wsURL is the room's WebSocket URL.
func (c *Client) wsURL() string {
	u := c.base
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	}
	return u + "/api/rooms/" + url.PathEscape(c.roomID) + "/ws?name=" + url.QueryEscape(c.opts.Name)
}

// connect opens a connection and reads its init message.
func (c *Client) connect(ctx context.Context) (*conn, *serverMessage, error) {
	ws, resp, err := c.opts.Dialer.DialContext(ctx, c.wsURL(), nil)
	if err != nil {
		if resp != nil {
			defer resp.Body.Close()
			var e protocol.ErrorResponse
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
				return nil, nil, fmt.Errorf("connect to room %s: %w", c.roomID, &APIError{Status: resp.StatusCode, Code: string(e.Error.Code), Message: e.Error.Message})
			}
			return nil, nil, fmt.Errorf("connect to room %s: status %d: %w", c.roomID, resp.StatusCode, err)
		}
		return nil, nil, fmt.Errorf("connect to room %s: %w", c.roomID, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = ws.SetReadDeadline(deadline)
	_, data, err := ws.ReadMessage()
	if err != nil {
		_ = ws.Close()
		return nil, nil, fmt.Errorf("connect to room %s: read init: %w", c.roomID, err)
	}
	var m serverMessage
	if err := json.Unmarshal(data, &m); err != nil || m.Type != "init" {
		_ = ws.Close()
		if err == nil && m.Type == "error" {
			return nil, nil, fmt.Errorf("connect to room %s: %w", c.roomID, &APIError{Code: string(m.Code), Message: m.Message})
		}
		return nil, nil, fmt.Errorf("connect to room %s: first message is not init: %.100s", c.roomID, data)
	}
	return newConn(ws, c.opts.ReadTimeout), &m, nil
}

// permanent reports whether a connection error means the room cannot be
// joined at all, so reconnecting is pointless.
func permanent(err error) bool {
	return protocol.RecoveryFor(protocol.Code(ErrorCode(err))) == protocol.GiveUp
}

// run is the client's goroutine: it serves connections and reconnects.
func (c *Client) run(k *conn, init *serverMessage) {
	defer close(c.done)
	attempt := 0
	for attached := true; ; attached = false {
		if k != nil {
			attempt = 0
			c.serve(k, init, attached)
			k.close()
		}
		c.mu.Lock()
		c.conn = nil
		c.clientID = ""
		closing := c.ctx.Err() != nil
		if closing {
			c.setState(Closed)
		} else {
			c.setState(Connecting)
		}
		c.mu.Unlock()
		c.flushEvents()
		if closing {
			return
		}
		select {
		case <-time.After(c.backoff(attempt)):
		case <-c.ctx.Done():
			continue
		}
		attempt++
		var err error
		ctx, cancel := context.WithTimeout(c.ctx, 15*time.Second)
		k, init, err = c.connect(ctx)
		cancel()
		if err != nil && permanent(err) {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			c.cancel()
		}
	}
}

// attach makes a new connection current: it takes the init message and
// resubmits the outstanding operation, if any. It reports whether it did.
func (c *Client) attach(k *conn, init *serverMessage) (resubmitted bool) {
	c.mu.Lock()
	c.conn = k
	c.clientID = init.ClientID
	c.name = init.Name
	c.language = init.Language
	c.readOnly = init.ReadOnly
	c.initRev = init.Revision
	c.peers = map[string]*Peer{}
	for _, p := range init.Clients {
		c.peers[p.ClientID] = &Peer{ClientID: p.ClientID, Name: p.Name, Selection: c.localSelection(p.Selection), ReadOnly: p.ReadOnly, moved: c.moved}
	}
	c.setState(Connected)
	c.resubmitted = c.sent != nil
	c.retryN = 0
	c.sendSubmission()
	c.mu.Unlock()
	return c.resubmitted
}

// serve runs one connection until it fails.
func (c *Client) serve(k *conn, init *serverMessage, attached bool) {
	if c.ctx.Err() != nil {
		return
	}
	resubmitted := false
	if !attached {
		resubmitted = c.attach(k, init)
	}
	c.flushEvents()
	if !resubmitted {
		if err := c.catchUp(init.Revision); err != nil {
			return
		}
	}
	for {
		_, data, err := k.read()
		if err != nil {
			return
		}
		if err := c.handle(data, time.Now()); err != nil {
			return
		}
	}
}

// handle acts on one server message. An error ends the connection.
func (c *Client) handle(data []byte, at time.Time) error {
	var m serverMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil // not ours to fix; skip it
	}
	var catchUp bool
	var problem error
	c.mu.Lock()
	switch m.Type {
	case "op":
		var op ot.Operation
		if err := op.UnmarshalJSON(m.Op); err != nil {
			problem = fmt.Errorf("revision %d: undecodable operation: %w", m.Revision, err)
			break
		}
		c.enqueue(m.Revision, queued{op: op, clientID: m.ClientID, selection: m.Selection, at: at})
		problem = c.drain()
	case "ack":
		switch {
		case c.sent == nil || (m.ID != "" && m.ID != c.sent.ID):
			problem = fmt.Errorf("ack of revision %d (id %q) with no such outstanding operation", m.Revision, m.ID)
		case m.Revision <= c.sync.Revision:
			problem = fmt.Errorf("ack of revision %d, already at revision %d", m.Revision, c.sync.Revision)
		default:
			c.queue[m.Revision] = queued{ack: true, at: at}
			catchUp = c.resubmitted
			c.resubmitted = false
			problem = c.drain()
		}
	case "error":
		e := &APIError{Code: string(m.Code), Message: m.Message, ID: m.ID}
		if c.sent == nil || m.ID == "" || m.ID != c.sent.ID {
			c.emit(Event{Kind: EventError, Err: e, OpID: m.ID, Time: at})
			break
		}
		switch protocol.RecoveryFor(m.Code) {
		case protocol.Retry:
			c.retry(c.conn, m.ID)
		default:
			problem = fmt.Errorf("operation %s rejected: %w", m.ID, e)
		}
	case "selection":
		if p := c.peers[m.ClientID]; p != nil {
			c.setPeerSelection(p, c.localSelection(m.Selection))
			c.emit(Event{Kind: EventSelection, ClientID: m.ClientID, Name: p.Name, Selection: copySelection(p.Selection), Time: at})
		}
	case "join":
		c.peers[m.ClientID] = &Peer{ClientID: m.ClientID, Name: m.Name, moved: c.moved}
		c.emit(Event{Kind: EventJoin, ClientID: m.ClientID, Name: m.Name, Time: at})
	case "leave":
		name := ""
		if p := c.peers[m.ClientID]; p != nil {
			name = p.Name
		}
		delete(c.peers, m.ClientID)
		c.emit(Event{Kind: EventLeave, ClientID: m.ClientID, Name: name, Time: at})
	case "language":
		c.language = m.Language
		c.emit(Event{Kind: EventLanguage, Language: m.Language, ClientID: m.ClientID, Time: at})
	}
	c.notify()
	c.mu.Unlock()
	c.flushEvents()
	if problem != nil {
		return c.resync(problem)
	}
	if catchUp {
		return c.catchUp(c.initRev)
	}
	return nil
}

// retry resends the outstanding operation after a backoff, if it is still
// outstanding on the same connection then.
func (c *Client) retry(k *conn, id string) {
	d := c.backoff(c.retryN)
	c.retryN++
	time.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.conn == k && c.sent != nil && c.sent.ID == id {
			c.sendSubmission()
		}
	})
}

// enqueue records a server operation unless its revision is already
// applied or queued; the caller holds the lock.
func (c *Client) enqueue(rev int, q queued) {
	if rev <= c.sync.Revision {
		return
	}
	if _, ok := c.queue[rev]; ok {
		return
	}
	c.queue[rev] = q
}

// drain applies queued server events in revision order for as long as the
// next revision is there; the caller holds the lock.
func (c *Client) drain() error {
	for {
		q, ok := c.queue[c.sync.Revision+1]
		if !ok {
			return nil
		}
		delete(c.queue, c.sync.Revision+1)
		if q.ack {
			committed, _ := c.sync.Outstanding()
			send, err := c.sync.ServerAck()
			if err != nil {
				return fmt.Errorf("ack of revision %d: %w", c.sync.Revision+1, err)
			}
			c.remember(committed)
			c.retryN = 0
			c.emit(Event{Kind: EventAck, Revision: c.sync.Revision, OpID: c.sent.ID, Sent: c.sent.Sent, Time: q.at})
			c.sent = nil
			if send != nil {
				c.submit(c.sync.Revision, *send, c.newID(), nil)
			}
			continue
		}
		apply, err := c.sync.ApplyServer(q.op)
		if err != nil {
			return fmt.Errorf("revision %d: %w", c.sync.Revision+1, err)
		}
		if err := c.doc.apply(apply); err != nil {
			return fmt.Errorf("revision %d: %w", c.sync.Revision, err)
		}
		c.remember(q.op)
		c.movePeers(apply)
		var sel *ot.Selection
		if p := c.peers[q.clientID]; p != nil {
			if q.selection != nil {
				c.setPeerSelection(p, c.localSelection(q.selection))
			}
			c.settle(p)
			sel = copySelection(p.Selection)
		}
		c.emit(Event{Kind: EventRemoteOp, Revision: c.sync.Revision, Op: apply, ClientID: q.clientID, Selection: sel, Time: q.at})
	}
}

// movePeers moves the other clients' selections across an operation
// applied to the local document.
//
// It is lazy: this runs on every operation, and a busy room has many peers
// whose selections are replaced (they arrive with each of their operations)
// more often than anyone looks at them. The operation is kept, and a
// selection is moved across what it missed when it is read (settle), or
// when the kept operations reach movesKept.
func (c *Client) movePeers(op ot.Operation) {
	c.moves = append(c.moves, op)
	c.moved++
	if len(c.moves) >= movesKept {
		for _, p := range c.peers {
			c.settle(p)
		}
		c.moves = c.moves[:0]
	}
}

// movesKept bounds the operations kept for moving selections lazily.
const movesKept = 256

// settle moves p's selection across the operations it has missed.
func (c *Client) settle(p *Peer) {
	if p.Selection != nil && p.moved < c.moved {
		first := len(c.moves) - (c.moved - p.moved)
		for _, op := range c.moves[max(first, 0):] {
			for i, r := range p.Selection.Ranges {
				p.Selection.Ranges[i] = r.Transform(op)
			}
		}
	}
	p.moved = c.moved
}

// setPeerSelection replaces p's selection with s, in local coordinates now.
func (c *Client) setPeerSelection(p *Peer, s *ot.Selection) {
	p.Selection = s
	p.moved = c.moved
}

// copySelection returns a copy that later moves of the original leave alone.
func copySelection(s *ot.Selection) *ot.Selection {
	if s == nil {
		return nil
	}
	return &ot.Selection{Ranges: slices.Clone(s.Ranges)}
}

// localSelection maps a selection on the server's document onto the local one.
func (c *Client) localSelection(s *ot.Selection) *ot.Selection {
	if s == nil {
		return nil
	}
	t := c.sync.TransformSelection(*s)
	return &t
}

// remember adds a committed operation to the history window.
func (c *Client) remember(op ot.Operation) {
	c.history = append(c.history, op)
	if w := c.opts.HistoryWindow; len(c.history) > 2*w {
		drop := len(c.history) - w
		c.history = append([]ot.Operation(nil), c.history[drop:]...)
		c.histFrom += drop
	}
}

// catchUp fetches over REST the history from the local revision up to to,
// and beyond it up to the newest queued revision, and applies it. It runs on
// the client's goroutine without the lock. An error ends the connection.
func (c *Client) catchUp(to int) error {
	for range 3 {
		c.mu.Lock()
		from := c.sync.Revision
		for rev := range c.queue {
			to = max(to, rev-1)
		}
		c.mu.Unlock()
		if from >= to {
			return nil
		}
		ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
		ops, err := c.rest.OpsRange(ctx, c.roomID, from, to)
		cancel()
		if err != nil {
			return err
		}
		c.mu.Lock()
		for _, op := range ops {
			c.enqueue(op.Revision, queued{op: op.Op, clientID: op.ClientID, at: time.Now()})
		}
		problem := c.drain()
		short := len(ops) < to-from
		c.notify()
		c.mu.Unlock()
		c.flushEvents()
		if problem != nil {
			return c.resync(problem)
		}
		if short {
			return c.resync(fmt.Errorf("history (%d, %d] has only %d operations", from, to, len(ops)))
		}
	}
	return nil
}

// resync replaces the local document with the server's and drops pending
// local operations; see EventResync. An error ends the connection.
func (c *Client) resync(cause error) error {
	c.mu.Lock()
	at := max(c.sync.Revision, c.initRev)
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	room, err := c.rest.RoomAt(ctx, c.roomID, at)
	cancel()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.doc = newDocument(room.Content)
	c.sync = ot.NewClient(at)
	c.sent = nil
	c.resubmitted = false
	c.history, c.histFrom = nil, at
	for rev, q := range c.queue {
		if rev <= at || q.ack {
			delete(c.queue, rev)
		}
	}
	for _, p := range c.peers {
		p.Selection = nil
	}
	c.emit(Event{Kind: EventResync, Revision: at, Err: cause, Time: time.Now()})
	problem := c.drain()
	c.notify()
	c.mu.Unlock()
	c.flushEvents()
	if problem != nil {
		return fmt.Errorf("after resync: %w", problem)
	}
	return nil
}
