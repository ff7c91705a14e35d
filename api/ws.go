package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	fws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/internal/spare"
	"github.com/tandem-editor/tandem/services"
)

const leaseLocal = "tandem.lease"

// openSocket runs before the upgrade: a request for an unknown room is
// refused with 404 and no socket is opened, and one from an address with
// all its slots taken with 429. It takes the address's slot and the room's
// handle as a socketLease, which serveSocket claims; if it never runs, the
// lease is freed here or by the connection-state hook.
func (s *Server) openSocket(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return writeError(c, services.Errorf(services.CodeBadMessage, "this endpoint needs a WebSocket upgrade"))
	}
	addr := s.clientAddr(c)
	if !s.perIP.acquire(addr, s.limits.MaxConnsPerIP) {
		return writeError(c, services.Errorf(services.CodeRateLimited, "too many connections from this address"))
	}
	h, err := s.openRoom(c)
	if err != nil {
		s.perIP.release(addr)
		return writeError(c, err)
	}
	l := &socketLease{s: s, addr: addr, room: h, who: identityOf(c), conn: c.Context().Conn()}
	s.leases.add(l)
	upgraded := false
	defer func() {
		// Also when the upgrade panics.
		if !upgraded {
			s.leases.remove(l.conn)
			l.cancel()
		}
	}()
	c.Locals(leaseLocal, l)
	if err := c.Next(); err != nil {
		return err
	}
	// From here fasthttp writes the 101, then either runs the hijack
	// handler or closes the connection.
	upgraded = c.Context().Hijacked()
	return nil
}

// conn is one WebSocket connection: the handler goroutine reads, and a
// writer goroutine, started when there is something to write and gone when
// the outbox is drained, writes everything (messages, pings, the close
// frame). The room drops the connection when the outbox is full.
type conn struct {
	s        *Server
	ws       *fws.Conn
	lease    *socketLease
	room     *services.Handle
	clientID string
	opened   time.Time
	out      outbox
	// pinger makes a ping due every PingInterval; a runtime timer, not a
	// goroutine, while it waits.
	pinger *time.Timer
	// With access tokens: userID is the token's sub, expires the token's
	// exp in Unix nanoseconds (a refresh moves it), and expiry a runtime
	// timer that ends the connection at expires.
	userID  string
	expires atomic.Int64
	expiry  *time.Timer
	// done is closed when the writer has closed the socket.
	done  chan struct{}
	close atomic.Pointer[closeFrame]
	ops   *rate.Limiter
	msgs  *rate.Limiter
	bad   atomic.Int32
	// lingerOnClose: discard input for a moment after the close frame.
	lingerOnClose atomic.Bool
	// watch is set when the connection waits for input in the poller
	// (watch_linux.go) rather than on a goroutine of its own.
	watch *socketWatch
}

type closeFrame struct {
	code int
	text string
	by   time.Time // the writes of a closing connection end by then
}

// serveSocket is the hijack handler: it claims the lease, opens the
// connection and, when it can, hands it to a goroutine of its own
// (handoff.go) to be served.
func (s *Server) serveSocket(ws *websocket.Conn) {
	lease := ws.Locals(leaseLocal).(*socketLease)
	if !lease.claim() {
		// Someone freed it already; fasthttp never reports a hijacked
		// connection closed, so only a bug gets here.
		_ = ws.Close()
		return
	}
	sock := ws.Conn // ws itself goes back to Fiber's pool when this returns
	c := s.newConn(sock, lease)
	handOff := readsSocket(sock.NetConn())
	watched := handOff && !s.goroutinePerSocket && c.prepareWatch()
	name := ws.Query("name")
	if lease.who != nil && lease.who.name != "" {
		name = lease.who.name
	}
	joinErr, ok := c.open(displayName(name))
	if !ok {
		return
	}
	if handOff {
		if joinErr == nil && watched && c.startWatch() {
			return
		}
		go c.serve(joinErr)
		return
	}
	c.serve(joinErr)
}

func (s *Server) newConn(ws *fws.Conn, lease *socketLease) *conn {
	return &conn{
		s: s, ws: ws, lease: lease, room: lease.room, clientID: "c" + services.NewRandomID()[:12],
		done: make(chan struct{}),
		ops:  rate.NewLimiter(rate.Limit(s.limits.OpsPerSecond), s.limits.OpsBurst),
		msgs: rate.NewLimiter(rate.Limit(s.limits.MessagesPerSecond), s.limits.MessagesBurst),
	}
}

// open registers the connection, logs it and joins its room, on the
// goroutine that upgraded it: that goroutine's stack, grown deep by the
// upgrade, the log line and the join, goes on to serve other requests,
// while the goroutine that then serves the connection starts small and,
// waiting on the socket, stays small (a stack, once grown, is kept until
// a garbage collection finds it mostly unused). ok is false if it
// panicked: the connection is then closed and released.
func (c *conn) open(name string) (joinErr error, ok bool) {
	defer func() {
		if !ok {
			c.release()
		}
	}()
	defer c.recovering()
	s, h := c.s, c.room
	s.metrics.connectionOpened()
	// Armed once c.pinger is set: pingDue reads it.
	c.pinger = time.AfterFunc(math.MaxInt64, c.pingDue)
	c.pinger.Reset(s.limits.PingInterval)
	if who := c.lease.who; who != nil {
		c.userID = who.userID
		c.expires.Store(who.expires.UnixNano())
		c.expiry = time.AfterFunc(math.MaxInt64, c.tokenDue)
		c.expiry.Reset(time.Until(who.expires))
	}
	s.conns.add(c)
	c.opened = time.Now()
	c.logger().Info("connection open", "name", name, "readOnly", h.ReadOnly, "ip", c.lease.addr, "user", c.userID)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.Join(ctx, c, c.clientID, name), true
}

// serve reads until the connection ends, leaves the room, and waits for
// the writer to close the socket.
func (c *conn) serve(joinErr error) {
	defer c.release()
	defer c.recovering()
	if joinErr != nil {
		c.Kick(services.AsError(joinErr))
	} else {
		c.readLoop()
		c.room.Leave(c.clientID)
	}
	c.Kick(services.Errorf("", "bye"))
	<-c.done
	c.logClosed()
}

func (c *conn) logClosed() {
	c.logger().Info("connection closed", "after", time.Since(c.opened).Round(time.Millisecond))
}

// release undoes what open registered.
func (c *conn) release() {
	c.s.conns.remove(c)
	c.s.metrics.connectionClosed()
	c.lease.free()
}

// logger is the connection's logger, made on use: most connections log
// twice in their life, and keeping one costs memory for every connection.
func (c *conn) logger() *slog.Logger {
	return c.s.log.With("room", c.room.ID(), "client", c.clientID)
}

// recovering logs a panic of the connection's goroutine and closes its
// socket (the server keeps hijacked connections open until it closes
// them). It is deferred, so that it recovers.
func (c *conn) recovering() {
	if r := recover(); r != nil {
		c.s.log.Error("panic in WebSocket connection", "panic", r, "stack", string(debug.Stack()))
		_ = c.ws.Close()
	}
}

func (s *Server) recoverSocket(ws *websocket.Conn) {
	if r := recover(); r != nil {
		s.log.Error("panic in WebSocket handler", "panic", r)
		if l, ok := ws.Locals(leaseLocal).(*socketLease); ok {
			// A no-op once serveSocket claimed the lease (it frees it
			// as it unwinds).
			l.cancel()
		}
		_ = ws.Close()
	}
}

// displayName cleans the name a client gave in its query: invalid UTF-8
// and the characters services.NameRuneAllowed refuses are dropped (a
// display name is cosmetic, so it is cleaned rather than refused), then
// the spaces around it, and it is cut to 64 bytes.
func displayName(q string) string {
	if !utf8.ValidString(q) {
		q = strings.ToValidUTF8(q, "")
	}
	q = strings.Map(func(r rune) rune {
		if !services.NameRuneAllowed(r) {
			return -1
		}
		return r
	}, q)
	q = strings.TrimSpace(q)
	if len(q) > 64 {
		q = q[:64]
		for !utf8.ValidString(q) {
			q = q[:len(q)-1]
		}
	}
	if q == "" {
		return "Anonymous"
	}
	return q
}

// Deliver implements services.Member.
func (c *conn) Deliver(ev *services.Event) bool {
	return c.send(ev.Encoded(encodeEvent))
}

// send queues b for the writer, never waiting; false means the outbox is
// full. Once the connection is kicked, b is dropped.
func (c *conn) send(b []byte) bool {
	ok, start := c.out.push(b, c.s.limits.OutboxSize, c.s.limits.OutboxBytes)
	if start {
		spare.Go(c.writeLoop)
	}
	return ok
}

// pingDue runs on the ping timer. Racing with Kick, it may arm the timer
// once more; that run sees the kick and stops.
func (c *conn) pingDue() {
	if c.watch != nil && time.Since(c.watch.silentSince()) > c.idleTimeout() {
		// A watched connection has no read deadline between reads.
		c.room.Leave(c.clientID)
		c.Kick(services.Errorf("", "bye"))
	}
	if c.out.pingDue() {
		spare.Go(c.writeLoop)
	}
	if !c.kicked() {
		c.pinger.Reset(c.s.limits.PingInterval)
	}
}

// Kick implements services.Member: the writer sends what is queued, then a
// close frame with the code the reason maps to, and closes the socket.
func (c *conn) Kick(reason *services.Error) {
	code := protocol.CloseNormal
	if reason.Code != "" {
		code = mapping(reason.Code).closeCode
	}
	f := &closeFrame{code, reason.Message, time.Now().Add(closeWriteTime)}
	if !c.close.CompareAndSwap(nil, f) {
		return
	}
	if c.pinger != nil {
		c.pinger.Stop()
	}
	if c.expiry != nil {
		c.expiry.Stop()
	}
	// A write in flight to a client that stopped reading would hold the
	// writer (and the outbox) until the write timeout: cut it to the
	// time a close may take.
	if c.ws != nil {
		_ = c.ws.NetConn().SetWriteDeadline(f.by)
	}
	if _, start := c.out.close(); start {
		spare.Go(c.writeLoop)
	}
}

// kicked reports whether Kick was called.
func (c *conn) kicked() bool { return c.close.Load() != nil }

// closeWriteTime bounds the writes of a connection being closed.
const closeWriteTime = 2 * time.Second

// reply answers one of this connection's messages; it runs on the room's
// goroutine for submissions. Errors that show misbehaviour are counted.
func (c *conn) reply(ev *services.Event) {
	if ev.Type == services.EventError {
		c.logger().Info("error answered", "code", ev.Code, "message", ev.Message, "id", ev.OpID)
	}
	if ev.Type == services.EventError && misbehaviour(ev.Code) {
		if int(c.bad.Add(1)) >= c.s.limits.MaxBadMessages {
			c.Deliver(ev)
			c.Kick(services.Errorf(services.CodeBadMessage, "too many bad messages"))
			return
		}
	} else if ev.Type == services.EventAck {
		c.bad.Store(0)
	}
	if !c.Deliver(ev) {
		c.Kick(services.Errorf(services.CodeRateLimited, "connection fell too far behind"))
	}
}

func misbehaviour(code services.Code) bool {
	return code != services.CodeUnavailable && code != services.CodeInternal
}

// fail answers a message the API layer refused.
// answer sends the result of a submission: its ack or its error.
func (c *conn) answer(res services.Result) { c.reply(res.Event()) }

func (c *conn) fail(err error, opID string) {
	c.s.metrics.Rejected(services.ErrorCode(err))
	c.reply(services.ErrorEvent(err, opID))
}

// readLoop reads on the connection's own goroutine until its input ends.
func (c *conn) readLoop() {
	c.prepareReads()
	for c.readMessage(aside) {
	}
}

// prepareReads sets the limits of reading and the liveness check: input,
// a pong included, must come within idleTimeout.
func (c *conn) prepareReads() {
	c.ws.SetReadLimit(int64(c.s.limits.MaxMessageBytes))
	c.heard()
	c.ws.SetPongHandler(func(string) error { c.heard(); return nil })
}

func (c *conn) idleTimeout() time.Duration { return 2*c.s.limits.PingInterval + 10*time.Second }

// heard records input: the next must come within idleTimeout.
func (c *conn) heard() {
	now := time.Now()
	_ = c.ws.SetReadDeadline(now.Add(c.idleTimeout()))
	if c.watch != nil {
		c.watch.heardFrom(now)
	}
}

// readMessage reads one message and has act run what acts on it; false
// when the input has ended.
func (c *conn) readMessage(act func(func())) bool {
	mt, data, err := c.ws.ReadMessage()
	if err != nil {
		if errors.Is(err, websocket.ErrReadLimit) {
			// The reader has stopped: the writer may drain the rest of
			// the frame so the close frame reaches the peer before a reset.
			c.lingerOnClose.Store(true)
			c.Kick(services.Errorf(services.CodeTooLarge, "message is larger than %d bytes", c.s.limits.MaxMessageBytes))
		}
		return false
	}
	c.heard()
	if c.kicked() {
		return false
	}
	act(func() { c.receive(mt, data) })
	return true
}

// receive acts on one message the reader read.
func (c *conn) receive(mt int, data []byte) {
	switch {
	case mt != websocket.TextMessage:
		c.fail(services.Errorf(services.CodeBadMessage, "only text frames carry messages"), "")
	case !c.msgs.Allow():
		c.fail(services.Errorf(services.CodeRateLimited, "too many messages"), "")
	default:
		c.handle(data)
	}
}

// aside runs f on another goroutine and waits for it; a panic in f goes
// on in the caller. Acting on a message (decoding it, submitting an
// operation, encoding the answer) grows a stack to 8 KiB, and Go shrinks a
// stack only while less than a quarter of it is in use, which a reader
// idle in a read never gets under: on the reader, one message would keep
// 4 KiB more of every connection that ever sent one. f runs on a spare
// goroutine (package spare), which has grown its stack already.
func aside(f func()) {
	var failure any
	done := make(chan struct{})
	spare.Go(func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				failure = fmt.Sprintf("%v\n%s", r, debug.Stack())
			}
		}()
		f()
	})
	<-done
	if failure != nil {
		panic(failure)
	}
}

// handle acts on one message.
func (c *conn) handle(data []byte) {
	m, err := decodeClientMessage(data)
	if err != nil {
		c.fail(err, "")
		return
	}
	switch m.Type {
	case protocol.TypeOp:
		opID := ""
		if m.ID != nil && protocol.ValidOpID(*m.ID) {
			opID = *m.ID
		}
		switch {
		case !c.ops.Allow():
			c.fail(services.Errorf(services.CodeRateLimited, "too many operations; slow down"), opID)
		default:
			sub, err := submission(m, c.clientID)
			if err != nil {
				c.fail(err, opID)
				return
			}
			c.room.Submit(sub, c.answer)
		}
	case protocol.TypeSelection:
		sel, present, err := decodeSelection(m.Selection)
		if err == nil && !present {
			err = services.Errorf(services.CodeBadMessage, "selection message needs a selection (or null)")
		}
		if err != nil {
			c.fail(err, "")
			return
		}
		c.room.SetSelection(c.clientID, sel)
	case protocol.TypePing:
		if !c.send(pongMessage) {
			c.Kick(services.Errorf(services.CodeRateLimited, "connection fell too far behind"))
		}
	case protocol.TypeLanguage:
		if m.Language == nil {
			c.fail(services.Errorf(services.CodeBadMessage, "language message needs a language"), "")
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.room.Update(ctx, c.clientID, services.RoomPatch{Language: m.Language})
		cancel()
		if err != nil {
			c.fail(err, "")
		}
	case protocol.TypeAuth:
		c.refreshToken(m.Token)
	default:
		c.fail(services.Errorf(services.CodeBadMessage, "unknown message type %q", truncate(string(m.Type), 32)), "")
	}
}

// refreshToken replaces the connection's access token. A token that is
// not valid, or another user's, ends the connection with unauthorized; one
// without access to the room ends it with forbidden; one that only reads
// makes the connection read-only from here on. A refresh never widens
// access: the connection keeps what it opened with at most.
func (c *conn) refreshToken(token *string) {
	if c.s.tokens == nil || c.expiry == nil {
		c.fail(services.Errorf(services.CodeBadMessage, "this server takes no access tokens"), "")
		return
	}
	if token == nil {
		c.end(services.Errorf(services.CodeUnauthorized, "auth message needs a token"))
		return
	}
	who, err := c.s.tokens.verify(*token)
	switch {
	case err != nil:
		c.end(services.AsError(err))
		return
	case who.userID != c.userID:
		c.end(services.Errorf(services.CodeUnauthorized, "the access token is another user's"))
		return
	}
	switch who.grantFor(c.room) {
	case grantNone:
		c.end(errNoRoomAccess)
		return
	case grantRead:
		if !c.room.ReadOnly {
			c.room.RestrictToRead(errReadGrant)
		}
	}
	c.expires.Store(who.expires.UnixNano())
	c.expiry.Reset(time.Until(who.expires))
}

// tokenDue runs on the expiry timer: the connection ends unless a refresh
// moved the expiry on (the timer may fire as a refresh resets it).
func (c *conn) tokenDue() {
	if c.kicked() {
		return
	}
	if left := time.Until(time.Unix(0, c.expires.Load())); left > 0 {
		c.expiry.Reset(left)
		return
	}
	c.end(services.Errorf(services.CodeUnauthorized, "the access token has expired"))
}

// end sends the error, then closes the connection with its close code.
func (c *conn) end(err *services.Error) {
	c.s.metrics.Rejected(err.Code)
	c.Deliver(services.ErrorEvent(err, ""))
	c.Kick(err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// writeLoop is the connection's writer: it writes the queued messages in
// batches, and a ping when one is due, until the outbox is drained; when
// the connection is kicked, it writes what is queued, the close frame, and
// closes the socket. The outbox starts it and guarantees one at a time.
func (c *conn) writeLoop() {
	frames := frameBuffers.Get().(*frameBuffer)
	defer putFrameBuffer(frames)
	for {
		frames.reset()
		for frames.len() < maxBatchBytes {
			b, ok := c.out.pop()
			if !ok {
				break
			}
			frames.add(b)
		}
		var err error
		if frames.len() > 0 {
			err = c.writeFrames(frames.bytes())
		} else {
			switch c.out.step() {
			case stepMessages:
				continue
			case stepPing:
				err = c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.s.limits.WriteTimeout))
			case stepClose:
				c.writeClose()
				return
			case stepStop:
				return
			}
		}
		if err != nil && !c.kicked() {
			// The socket is gone: nothing more can reach the peer.
			c.Kick(services.Errorf(services.CodeUnavailable, "write failed"))
			c.out.discard()
			c.closeSocket()
			return
		}
		if err != nil {
			// Closing already: skip to the close frame.
			c.out.discard()
		}
	}
}

// writeFrames writes a batch of frames in one write to the socket: under
// load one system call carries many messages instead of one each.
func (c *conn) writeFrames(b []byte) error {
	deadline := time.Now().Add(c.s.limits.WriteTimeout)
	if f := c.close.Load(); f != nil {
		deadline = f.by
	}
	nc := c.ws.NetConn()
	_ = nc.SetWriteDeadline(deadline)
	_, err := nc.Write(b)
	return err
}

// maxBatchBytes bounds one batched write.
const maxBatchBytes = 256 << 10

// frameBuffers holds the batch buffers of writers: an idle connection
// has none.
var frameBuffers = sync.Pool{New: func() any { return new(frameBuffer) }}

func putFrameBuffer(f *frameBuffer) {
	f.reset()
	frameBuffers.Put(f)
}

// writeClose writes the close frame, after which the peer gets nothing.
func (c *conn) writeClose() {
	ws := c.ws
	f := c.close.Load()
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(f.code, truncate(f.text, 120)), time.Now().Add(time.Second))
	if c.lingerOnClose.Load() {
		// Closing with unread input makes the kernel send a reset, which can
		// destroy the close frame in flight; read and drop (bounded) first.
		nc := ws.UnderlyingConn()
		_ = nc.SetReadDeadline(time.Now().Add(time.Second))
		_, _ = io.CopyN(io.Discard, nc, lingerBytes)
	}
	c.closeSocket()
}

// closeSocket closes the connection and wakes the reader. Fiber's hijacked
// connections ignore Close until the handler returns, so an expired read
// deadline is what ends a reader blocked on a silent peer.
func (c *conn) closeSocket() {
	watched := c.watch != nil && c.stopWatch()
	_ = c.ws.SetReadDeadline(time.Now())
	_ = c.ws.Close()
	close(c.done)
	if watched {
		c.endWatch()
	}
}

// lingerBytes bounds what a closing connection reads and drops.
const lingerBytes = 16 << 20

// connSet tracks open connections so shutdown can close them all.
type connSet struct {
	mu    sync.Mutex
	conns map[*conn]struct{}
}

func newConnSet() *connSet { return &connSet{conns: map[*conn]struct{}{}} }

func (s *connSet) add(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c] = struct{}{}
}

func (s *connSet) remove(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// Len is the number of open connections.
func (s *connSet) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// closeAll closes every connection with a going-away close frame.
func (s *connSet) closeAll(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Kick(&services.Error{Code: services.CodeUnavailable, Message: text})
	}
}
