package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	fws "github.com/fasthttp/websocket"

	"github.com/tandem-editor/tandem/internal/spare"
	"github.com/tandem-editor/tandem/services"
)

// An idle WebSocket connection holds no goroutine: its socket waits in
// the process's one epoll instance (poller), and when input arrives a
// spare goroutine (package spare) reads what is there, acts on it and
// registers the socket again. A goroutine blocked in a read would keep a
// 4 KiB stack for every connection, and the garbage collector would scan
// each one. Reading must then never wait for input that may not come: the
// reader takes pings and pongs itself (watchframes.go) and leaves the
// library only frames after which it returns.
//
// Connections served on fasthttp's goroutine (handoff.go) and servers
// with Options.GoroutinePerSocket read on a goroutine of their own, as on
// other systems.

// socketWatch is the state of a connection that waits in the poller.
type socketWatch struct {
	p     *poller
	token uint64
	raw   syscall.RawConn
	sock  net.Conn
	// br is the library's read buffer, reading through the watch.
	br *bufio.Reader
	// noWait makes reads return errWouldBlock instead of waiting; only
	// the reader holding reading sets it.
	noWait bool

	// reading is held by the one reader; ended is set under it once the
	// connection has been closed, and the reader then stops.
	reading sync.Mutex
	ended   bool
	// heard is when input last came, in Unix nanoseconds.
	heard atomic.Int64

	// registered guards the descriptor's registration against its
	// removal: the descriptor is closed only once it is unregistered.
	mu         sync.Mutex
	registered bool
}

var errWouldBlock = errors.New("no input yet")

// Read reads from the socket for the library's read buffer.
func (w *socketWatch) Read(p []byte) (int, error) {
	if !w.noWait {
		return w.sock.Read(p)
	}
	var n int
	var err error
	if cerr := w.raw.Read(func(fd uintptr) bool {
		n, err = syscall.Read(int(fd), p)
		return true // never wait
	}); cerr != nil {
		return 0, cerr
	}
	switch {
	case errors.Is(err, syscall.EAGAIN):
		return 0, errWouldBlock
	case err != nil:
		return 0, err
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// ctl registers the descriptor (EPOLL_CTL_ADD), re-arms it (MOD) or
// removes it (DEL); registered tells whether it was registered before.
func (w *socketWatch) ctl(op int) (registered bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	registered = w.registered
	if registered == (op == syscall.EPOLL_CTL_ADD) {
		return registered, net.ErrClosed
	}
	if cerr := w.raw.Control(func(fd uintptr) { err = w.p.ctl(int(fd), op, w.token) }); cerr != nil {
		err = cerr
	}
	switch op {
	case syscall.EPOLL_CTL_ADD:
		w.registered = err == nil
	case syscall.EPOLL_CTL_DEL:
		w.registered = false
	}
	return registered, err
}

// readBufferField locates fasthttp/websocket's read buffer in its Conn,
// which the package does not export: the watch reads through it, so that
// the library parses frames from what the watch read. If the library
// changes, watching is off and every connection reads on a goroutine of
// its own (TestIdleConnectionsWaitInThePoller fails first).
var readBufferField = func() *reflect.StructField {
	f, ok := reflect.TypeOf((*fws.Conn)(nil)).Elem().FieldByName("br")
	if !ok || f.Type != reflect.TypeOf((*bufio.Reader)(nil)) {
		return nil
	}
	return &f
}()

func readBufferOf(ws *fws.Conn) *bufio.Reader {
	if readBufferField == nil {
		return nil
	}
	return *(**bufio.Reader)(unsafe.Add(unsafe.Pointer(ws), readBufferField.Offset))
}

// prepareWatch sets the connection up to wait in the poller, before it is
// shared: its reads then go through the watch, waiting as usual until
// startWatch registers it. false leaves it to a goroutine of its own.
func (c *conn) prepareWatch() bool {
	p, err := sharedPoller()
	if err != nil {
		return false
	}
	br := readBufferOf(c.ws)
	raw, ok := c.ws.NetConn().(interface{ UnsafeConn() net.Conn })
	if br == nil || br.Buffered() != 0 || !ok {
		return false
	}
	sock := raw.UnsafeConn()
	sc, ok := sock.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	w := &socketWatch{p: p, raw: rc, sock: sock, br: br}
	br.Reset(w)
	c.watch = w
	return true
}

// startWatch registers a prepared connection with the poller; false (the
// socket is closed already) leaves it to a goroutine of its own.
func (c *conn) startWatch() bool {
	c.prepareReads()
	return c.watch.p.add(c.watch, c) == nil
}

// readReady runs on a spare goroutine when the socket has input: it acts
// on every whole frame there and registers the socket again.
func (c *conn) readReady() {
	w := c.watch
	w.reading.Lock()
	defer w.reading.Unlock()
	if w.ended {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			c.s.log.Error("panic in WebSocket connection", "panic", r, "stack", string(debug.Stack()))
			c.Kick(services.Errorf(services.CodeInternal, "internal error"))
		}
	}()
	c.heard()
	for {
		idle, ok := c.readFrame()
		if !ok {
			c.room.Leave(c.clientID)
			c.Kick(services.Errorf("", "bye"))
			return
		}
		if idle || w.br.Buffered() == 0 {
			break
		}
	}
	// Gone only if the connection is closing, which then ends it.
	_, _ = w.ctl(syscall.EPOLL_CTL_MOD)
}

// readFrame acts on the frame at the start of the input: idle when there
// is none, ok false when the input has ended.
func (c *conn) readFrame() (idle, ok bool) {
	w := c.watch
	w.noWait = true
	head, err := w.br.Peek(2)
	w.noWait = false
	if len(head) == 0 && errors.Is(err, errWouldBlock) {
		return true, true
	}
	kind, opcode, size := peekFrame(head)
	if kind == frameShort {
		// One byte of a header: the rest is on its way.
		head, _ = w.br.Peek(2)
		kind, opcode, size = peekFrame(head)
	}
	if kind != frameControl || size > w.br.Size() {
		return false, c.readMessage(func(f func()) { f() })
	}
	f, err := w.br.Peek(size)
	if err != nil {
		return false, false
	}
	payload := string(controlPayload(f))
	_, _ = w.br.Discard(size)
	c.heard()
	handler := c.ws.PongHandler()
	if opcode == opPing {
		handler = c.ws.PingHandler()
	}
	return false, handler(payload) == nil
}

// heardFrom records input for the liveness check.
func (w *socketWatch) heardFrom(t time.Time) { w.heard.Store(t.UnixNano()) }

// silentSince is when input last came.
func (w *socketWatch) silentSince() time.Time { return time.Unix(0, w.heard.Load()) }

// stopWatch unregisters the socket before it is closed, and reports
// whether it was registered: the connection is then endWatch's to end.
func (c *conn) stopWatch() bool {
	registered, _ := c.watch.ctl(syscall.EPOLL_CTL_DEL)
	return registered
}

// endWatch ends a watched connection once its socket is closed: the
// reader, if one runs, stops, and the connection leaves its room.
func (c *conn) endWatch() {
	w := c.watch
	w.reading.Lock()
	w.ended = true
	w.reading.Unlock()
	c.room.Leave(c.clientID)
	c.logClosed()
	c.release()
}

// poller is the process's one epoll instance. Each socket is registered
// one-shot: a report disarms it until its reader has taken what was there
// and re-arms it, so one reader at a time acts on a connection, in order.
type poller struct {
	epfd int
	mu   sync.Mutex
	next uint64
	// conns maps the token of each registration to its connection. A
	// token, unlike a descriptor's number, is never reused, so a report
	// that raced with a removal finds nothing.
	conns map[uint64]*conn
}

// watchEvents are what a registration waits for: input, or the peer's end.
const watchEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

var sharedPoller = sync.OnceValues(func() (*poller, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &poller{epfd: fd, conns: map[uint64]*conn{}}
	// It waits in a system call, on a thread of its own, for as long as
	// the process runs.
	go p.run()
	return p, nil
})

func (p *poller) run() {
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			panic(fmt.Sprintf("epoll_wait: %v", err)) // only a bug in the poller gets here
		}
		p.mu.Lock()
		for _, ev := range events[:n] {
			if c := p.conns[uint64(uint32(ev.Fd))|uint64(uint32(ev.Pad))<<32]; c != nil {
				spare.Go(c.readReady)
			}
		}
		p.mu.Unlock()
	}
}

// add registers w, c's watch.
func (p *poller) add(w *socketWatch, c *conn) error {
	p.mu.Lock()
	p.next++
	w.token = p.next
	p.conns[w.token] = c
	p.mu.Unlock()
	_, err := w.ctl(syscall.EPOLL_CTL_ADD)
	if err != nil {
		p.forget(w.token)
	}
	return err
}

func (p *poller) forget(token uint64) {
	p.mu.Lock()
	delete(p.conns, token)
	p.mu.Unlock()
}

// ctl adds, re-arms or removes the registration of fd.
func (p *poller) ctl(fd, op int, token uint64) error {
	if op == syscall.EPOLL_CTL_DEL {
		p.forget(token)
		return syscall.EpollCtl(p.epfd, op, fd, nil)
	}
	ev := syscall.EpollEvent{Events: watchEvents, Fd: int32(uint32(token)), Pad: int32(uint32(token >> 32))}
	return syscall.EpollCtl(p.epfd, op, fd, &ev)
}
