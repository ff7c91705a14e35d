package client

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/ot"
)

// syncCore is a client's replica of one room without any I/O: the local
// document, ot.js's client state machine (ot.Client), the operation sent and
// not yet acknowledged, the revision queue, the history window Submit
// rebases over, and presence. It starts no goroutine and reads no socket, no
// clock and no REST endpoint: each method takes one event (a local edit, a
// server message, a connection opened or lost, a page of fetched history, a
// fetched snapshot) with the time it happened, and returns the effects the
// caller must carry out, the way ot.Client returns what to send and apply.
//
// The caller's duties, after each call, in order:
//
//  1. Write effects.send on the current connection, in order.
//  2. Deliver effects.events, in order.
//  3. If effects.retry is set, wait the backoff of retry.attempt, then, if
//     the same connection is still open, call resend with retry.id.
//  4. If effects.resync is set, fetch the room at resyncRevision and call
//     resynced; otherwise, if effects.catchUp is set, fetch the history in
//     catchUpRange(effects.catchUpTo) and call caughtUp (at most a few
//     rounds: what arrives meanwhile extends the range).
//
// Server events reach the ot.Client only through the revision queue, in
// revision order and each once; the queue's delivered revision and the
// ot.Client's Revision move together (a failed apply puts the queue back).
//
// Not safe for concurrent use: the Client guards it with its lock.
type syncCore struct {
	doc      document
	ot       *ot.Client
	queue    revisionQueue[queued]
	sent     *submission // the outstanding operation as sent
	history  []ot.Operation
	histFrom int // history[i] created revision histFrom+1+i
	window   int
	presence presence
	idPrefix string
	nextID   uint64

	// connected: a connection is attached, so submissions go out.
	connected bool
	// From the current (or last) connection's init.
	clientID, name, language string
	readOnly                 bool
	initRev                  int
	// resubmitted is set while the resubmission after a reconnect waits for
	// its ack; retryN counts the resends of the outstanding operation
	// answered by a retryable error.
	resubmitted bool
	retryN      int

	// server is the document as the server has it at ot.Revision (the
	// local document without the pending local operations), for the
	// server's content hashes. desyncs counts the mismatches found; desync,
	// when set, is one found while an operation was outstanding: the
	// resync waits for its ack. keep holds the local edits a resync
	// rebases onto the server's content (relative to server).
	server  ot.Document
	desyncs int
	desync  error
	keep    *ot.Operation
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
	// hash is the server's content hash after this revision, if it sent one.
	hash string
}

// effects is what one step of the core asks of its caller (see syncCore).
type effects struct {
	send   []wireOp
	events []Event
	// retry: resend the outstanding operation after a backoff.
	retry *retry
	// catchUp: fetch the history up to catchUpTo and beyond it up to the
	// newest queued revision.
	catchUp   bool
	catchUpTo int
	// resync: the local document cannot be reconciled with the server's
	// (the cause); replace it with the server's.
	resync error
}

// retry asks for the resend of operation id after the attempt'th backoff.
type retry struct {
	attempt int
	id      string
}

func (e *effects) emit(ev Event) { e.events = append(e.events, ev) }

// newSyncCore returns a core holding a room's content at a revision, not
// connected. idPrefix starts every generated operation id; window is how
// many committed operations the history window keeps at least.
func newSyncCore(content string, revision int, idPrefix string, window int) *syncCore {
	c := &syncCore{
		doc: newDocument(content), ot: ot.NewClient(revision), queue: newRevisionQueue[queued](revision),
		histFrom: revision, window: window, presence: newPresence(), idPrefix: idPrefix,
	}
	c.server = c.doc.doc
	return c
}

// attach takes a new connection's init: the room's metadata and peers,
// and the resubmission, verbatim, of the outstanding operation, if any.
// Without one it asks to catch up to the init's revision; with one the
// catch-up waits for its ack, which says where the operation landed.
func (c *syncCore) attach(init *serverMessage, now time.Time) effects {
	c.connected = true
	c.clientID, c.name, c.language, c.readOnly, c.initRev = init.ClientID, init.Name, init.Language, init.ReadOnly, init.Revision
	peers := make([]Peer, 0, len(init.Clients))
	for _, p := range init.Clients {
		peers = append(peers, Peer{ClientID: p.ClientID, Name: p.Name, Selection: c.localSelection(p.Selection), ReadOnly: p.ReadOnly})
	}
	c.presence.reset(peers)
	c.resubmitted = c.sent != nil
	c.retryN = 0
	var eff effects
	c.sendSubmission(&eff, now)
	if !c.resubmitted {
		eff.catchUp, eff.catchUpTo = true, init.Revision
	}
	return eff
}

// detach takes the loss of the connection: nothing is sent until the next
// attach.
func (c *syncCore) detach() {
	c.connected = false
	c.clientID = ""
}

// edit takes a local operation on the document. sel, which may be nil, is
// the local selection after it, sent along.
// Errors: the ot errors of an operation that does not apply to the
// document; nothing changes then.
func (c *syncCore) edit(op ot.Operation, sel *ot.Selection, now time.Time) (effects, error) {
	change, err := c.doc.prepare(op)
	if err != nil {
		return effects{}, err
	}
	base := c.ot.Revision
	send, err := c.ot.ApplyClient(op)
	if err != nil {
		return effects{}, err
	}
	c.doc.commit(change)
	c.presence.move(op)
	var eff effects
	if send != nil {
		c.submit(&eff, base, *send, c.newID(), sel, now)
	}
	return eff, nil
}

// submitAt takes an operation made on the document at an earlier revision
// base with its id ("" gets a generated one); see Client.Submit.
// Errors: ErrNotSeen, or the ot errors of an operation that does not fit.
func (c *syncCore) submitAt(base int, op ot.Operation, id string, now time.Time) (effects, error) {
	if base > c.ot.Revision || base < c.histFrom {
		return effects{}, fmt.Errorf("base %d, client at %d with history from %d: %w", base, c.ot.Revision, c.histFrom, ErrNotSeen)
	}
	rebased := op
	for _, h := range c.history[base-c.histFrom:] {
		var err error
		if rebased, _, err = ot.Transform(rebased, h); err != nil {
			return effects{}, fmt.Errorf("rebase from revision %d: %w", base, err)
		}
	}
	if c.ot.State() != ot.Synchronized {
		pending, _ := c.ot.Outstanding()
		if buf, ok := c.ot.Buffer(); ok {
			var err error
			if pending, err = ot.Compose(pending, buf); err != nil {
				return effects{}, err
			}
		}
		local, _, err := ot.Transform(rebased, pending)
		if err != nil {
			return effects{}, err
		}
		return c.edit(local, nil, now)
	}
	change, err := c.doc.prepare(rebased)
	if err != nil {
		return effects{}, err
	}
	if _, err := c.ot.ApplyClient(rebased); err != nil {
		return effects{}, err
	}
	c.doc.commit(change)
	c.presence.move(rebased)
	if id == "" {
		id = c.newID()
	}
	var eff effects
	c.submit(&eff, base, op, id, nil, now)
	return eff, nil
}

// prependHistory adds the committed operations (from, to] in front of the
// history window, if it still starts at to; it reports whether it did.
func (c *syncCore) prependHistory(from, to int, ops []CommittedOp) bool {
	if c.histFrom != to {
		return false
	}
	older := make([]ot.Operation, len(ops), len(ops)+len(c.history))
	for i, op := range ops {
		older[i] = op.Op
	}
	c.history = append(older, c.history...)
	c.histFrom = from
	return true
}

// receive takes one server message received at now.
func (c *syncCore) receive(m *serverMessage, now time.Time) effects {
	var eff effects
	var problem error
	switch m.Type {
	case "op":
		var op ot.Operation
		if err := op.UnmarshalJSON(m.Op); err != nil {
			problem = fmt.Errorf("revision %d: undecodable operation: %w", m.Revision, err)
			break
		}
		c.queue.offer(m.Revision, queued{op: op, clientID: m.ClientID, selection: m.Selection, at: now, hash: m.Hash}, false)
		problem = c.drain(&eff, now)
	case "ack":
		switch {
		case c.sent == nil || (m.ID != "" && m.ID != c.sent.ID):
			problem = fmt.Errorf("ack of revision %d (id %q) with no such outstanding operation", m.Revision, m.ID)
		case m.Revision <= c.ot.Revision:
			problem = fmt.Errorf("ack of revision %d, already at revision %d", m.Revision, c.ot.Revision)
		default:
			c.queue.offer(m.Revision, queued{ack: true, at: now, hash: m.Hash}, true)
			eff.catchUp, eff.catchUpTo = c.resubmitted, c.initRev
			c.resubmitted = false
			problem = c.drain(&eff, now)
		}
	case "error":
		e := &APIError{Code: string(m.Code), Message: m.Message, ID: m.ID}
		if c.sent == nil || m.ID == "" || m.ID != c.sent.ID {
			eff.emit(Event{Kind: EventError, Err: e, OpID: m.ID, Time: now})
			break
		}
		switch protocol.RecoveryFor(m.Code) {
		case protocol.Retry:
			eff.retry = &retry{attempt: c.retryN, id: m.ID}
			c.retryN++
		default:
			problem = fmt.Errorf("operation %s rejected: %w", m.ID, e)
		}
	case "selection":
		if sel, name, ok := c.presence.setSelection(m.ClientID, c.localSelection(m.Selection)); ok {
			eff.emit(Event{Kind: EventSelection, ClientID: m.ClientID, Name: name, Selection: sel, Time: now})
		}
	case "join":
		c.presence.join(m.ClientID, m.Name)
		eff.emit(Event{Kind: EventJoin, ClientID: m.ClientID, Name: m.Name, Time: now})
	case "leave":
		name := c.presence.leave(m.ClientID)
		eff.emit(Event{Kind: EventLeave, ClientID: m.ClientID, Name: name, Time: now})
	case "language":
		c.language = m.Language
		eff.emit(Event{Kind: EventLanguage, Language: m.Language, ClientID: m.ClientID, Time: now})
	}
	if problem != nil {
		eff.resync, eff.catchUp = problem, false
	}
	return eff
}

// resend takes the end of a retry's backoff: the outstanding operation goes
// again if it is still operation id.
func (c *syncCore) resend(id string, now time.Time) effects {
	var eff effects
	if c.sent != nil && c.sent.ID == id {
		c.sendSubmission(&eff, now)
	}
	return eff
}

// catchUpRange returns the history to fetch: from the local revision up to
// to, and beyond it up to the newest queued revision; ok is false when
// there is nothing to fetch.
func (c *syncCore) catchUpRange(to int) (from, upTo int, ok bool) {
	if c.queue.waiting() > 0 {
		to = max(to, c.queue.highest()-1)
	}
	from = c.ot.Revision
	return from, to, from < to
}

// caughtUp takes the fetched history (from, to]. History shorter than
// asked for is a gap that no message will fill: it asks for a resync.
func (c *syncCore) caughtUp(from, to int, ops []CommittedOp, now time.Time) effects {
	var eff effects
	for _, op := range ops {
		c.queue.offer(op.Revision, queued{op: op.Op, clientID: op.ClientID, at: now}, false)
	}
	if problem := c.drain(&eff, now); problem != nil {
		eff.resync = problem
	} else if len(ops) < to-from {
		eff.resync = fmt.Errorf("history (%d, %d] has only %d operations", from, to, len(ops))
	}
	return eff
}

// resyncRevision is the revision a resync fetches the room at: the local
// one, or the current connection's init if that is newer.
func (c *syncCore) resyncRevision() int { return max(c.ot.Revision, c.initRev) }

// resynced takes the room's content at revision at (resyncRevision) and
// replaces the local document with it, dropping pending local operations
// and peers' selections; see EventResync. Queued server operations past at
// are applied. An error (one of those fails) means the connection must go.
func (c *syncCore) resynced(at int, content string, cause error, now time.Time) (effects, error) {
	// The edits kept (see checkHash) move onto the server's content as
	// onto any concurrent change: transformed against what turns our copy
	// of the server's document into it.
	var kept *ot.Operation
	if c.keep != nil {
		if k, _, err := ot.Transform(*c.keep, replacement(c.server.String(), content)); err == nil {
			kept = &k
		}
		c.keep = nil
	}
	c.doc = newDocument(content)
	c.server = c.doc.doc
	c.desync = nil
	c.ot = ot.NewClient(at)
	c.sent = nil
	c.resubmitted = false
	c.history, c.histFrom = nil, at
	c.queue.restart(at, func(q queued) bool { return !q.ack })
	c.presence.forgetSelections()
	var eff effects
	eff.emit(Event{Kind: EventResync, Revision: at, Err: cause, Time: now})
	if problem := c.drain(&eff, now); problem != nil {
		return eff, fmt.Errorf("after resync: %w", problem)
	}
	if kept != nil && !kept.IsNoop() {
		// Applied and sent like a fresh local edit.
		rebased, err := c.ot.ApplyClient(*kept)
		if err != nil {
			return eff, fmt.Errorf("after resync: local edits: %w", err)
		}
		if err := c.doc.apply(*kept); err != nil {
			return eff, fmt.Errorf("after resync: local edits: %w", err)
		}
		if rebased != nil {
			c.submit(&eff, c.ot.Revision, *rebased, c.newID(), nil, now)
		}
	}
	return eff, nil
}

// replacement is an operation that turns from into to: the text between
// their common prefix and common suffix replaced. It is linear in their
// length; a resync needs a correct operation, not the smallest one.
func replacement(from, to string) ot.Operation {
	p := 0
	for p < len(from) && p < len(to) && from[p] == to[p] {
		p++
	}
	for p > 0 && p < len(from) && !utf8.RuneStart(from[p]) {
		p--
	}
	s := 0
	for s < len(from)-p && s < len(to)-p && from[len(from)-1-s] == to[len(to)-1-s] {
		s++
	}
	for s > 0 && !utf8.RuneStart(from[len(from)-s]) {
		s--
	}
	var op ot.Operation
	op.Retain(ot.UTF16Len(from[:p]))
	op.Delete(ot.UTF16Len(from[p : len(from)-s]))
	op.Insert(to[p : len(to)-s])
	op.Retain(ot.UTF16Len(from[len(from)-s:]))
	return op
}

// synced reports whether the core is caught up with the server as far as
// it knows and has no unacknowledged operation.
func (c *syncCore) synced() bool {
	return !c.resubmitted && c.queue.waiting() == 0 && c.ot.Revision >= c.initRev && c.ot.State() == ot.Synchronized
}

// drain applies queued server events in revision order for as long as the
// next revision is there. On error the event that failed is dropped and the
// queue is put back at the document's revision.
func (c *syncCore) drain(eff *effects, now time.Time) error {
	err := c.applyQueued(eff, now)
	if err != nil {
		c.queue.restart(c.ot.Revision, nil)
	}
	return err
}

func (c *syncCore) applyQueued(eff *effects, now time.Time) error {
	for {
		q, ok := c.queue.next()
		if !ok {
			return nil
		}
		if q.ack {
			committed, _ := c.ot.Outstanding()
			server, err := c.server.Apply(committed)
			if err != nil {
				return fmt.Errorf("ack of revision %d: %w", c.ot.Revision+1, err)
			}
			send, err := c.ot.ServerAck()
			if err != nil {
				return fmt.Errorf("ack of revision %d: %w", c.ot.Revision+1, err)
			}
			c.server = server
			c.remember(committed)
			c.retryN = 0
			eff.emit(Event{Kind: EventAck, Revision: c.ot.Revision, OpID: c.sent.ID, Sent: c.sent.Sent, Time: q.at})
			c.sent = nil
			c.checkHash(eff, q, now)
			if c.desync != nil {
				// Out of sync: what was not sent yet is rebased onto the
				// server's content instead.
				c.keep = send
				err := c.desync
				c.desync = nil
				return err
			}
			if send != nil {
				c.submit(eff, c.ot.Revision, *send, c.newID(), nil, now)
			}
			continue
		}
		server, err := c.server.Apply(q.op)
		if err != nil {
			return fmt.Errorf("revision %d: %w", c.ot.Revision+1, err)
		}
		apply, err := c.ot.ApplyServer(q.op)
		if err != nil {
			return fmt.Errorf("revision %d: %w", c.ot.Revision+1, err)
		}
		if err := c.doc.apply(apply); err != nil {
			return fmt.Errorf("revision %d: %w", c.ot.Revision, err)
		}
		c.server = server
		c.remember(q.op)
		c.presence.move(apply)
		if q.selection != nil {
			c.presence.setSelection(q.clientID, c.localSelection(q.selection))
		}
		eff.emit(Event{Kind: EventRemoteOp, Revision: c.ot.Revision, Op: apply, ClientID: q.clientID, Selection: c.presence.selection(q.clientID), Time: q.at})
		c.checkHash(eff, q, now)
		if c.desync != nil && c.sent == nil {
			err := c.desync
			c.desync = nil
			return err
		}
	}
}

// checkHash compares the server's content hash after q's revision, if it
// sent one, with the server document here. A mismatch is reported
// (EventDesync) and asks for a resync: at once, or, while an operation is
// outstanding, at its ack (desync), so that the local edits not yet sent
// survive it.
func (c *syncCore) checkHash(eff *effects, q queued, now time.Time) {
	if q.hash == "" || c.desync != nil {
		return
	}
	if got := c.server.Hash(); got != q.hash {
		c.desyncs++
		c.desync = fmt.Errorf("%w at revision %d: the server's hash is %s, ours %s", ErrDesync, c.ot.Revision, q.hash, got)
		eff.emit(Event{Kind: EventDesync, Revision: c.ot.Revision, Err: c.desync, Time: now})
	}
}

// submit records an outstanding operation and sends it.
func (c *syncCore) submit(eff *effects, base int, op ot.Operation, id string, sel *ot.Selection, now time.Time) {
	c.sent = &submission{Base: base, Op: op, ID: id, Selection: sel}
	c.sendSubmission(eff, now)
}

// sendSubmission sends the outstanding operation, if any, while connected.
func (c *syncCore) sendSubmission(eff *effects, now time.Time) {
	s := c.sent
	if s == nil || !c.connected {
		return
	}
	s.Sent = now
	eff.send = append(eff.send, wireOp{Type: "op", Revision: s.Base, Op: s.Op, ID: s.ID, Selection: s.Selection})
}

func (c *syncCore) newID() string {
	c.nextID++
	return c.idPrefix + "-" + strconv.FormatUint(c.nextID, 10)
}

// localSelection maps a selection on the server's document onto the local one.
func (c *syncCore) localSelection(s *ot.Selection) *ot.Selection {
	if s == nil {
		return nil
	}
	t := c.ot.TransformSelection(*s)
	return &t
}

// remember adds a committed operation to the history window.
func (c *syncCore) remember(op ot.Operation) {
	c.history = append(c.history, op)
	if w := c.window; len(c.history) > 2*w {
		drop := len(c.history) - w
		c.history = append([]ot.Operation(nil), c.history[drop:]...)
		c.histFrom += drop
	}
}
