package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/tandem-editor/tandem/api/protocol"
)

// transport keeps a connection to one room open: it dials (reading the
// init message), serves each connection's messages to a session, and after a
// failure dials again with jittered, doubling backoff, until its context is
// done or a dial is refused for good. It knows nothing of documents or
// operations.
//
// run is its one goroutine. send, current and drop are safe for concurrent
// use; a session may call them from its callbacks (the transport holds no
// lock while it calls the session).
type transport struct {
	roomID      string
	url         string // the room's WebSocket URL
	dialer      *websocket.Dialer
	readTimeout time.Duration
	minBackoff  time.Duration
	maxBackoff  time.Duration

	mu   sync.Mutex
	conn *conn // the connection being served, or nil
}

// session is what a transport serves its connections to (the Client).
// Callbacks run on the transport's goroutine, one at a time.
type session interface {
	// opened takes a new connection's init, before the first read; attached
	// is true for the connection the session attached itself (the one Dial
	// opened). An error drops the connection.
	opened(init *serverMessage, attached bool) error
	// received takes one message, received at the time given. An error
	// drops the connection.
	received(data []byte, at time.Time) error
	// closed: the connection is gone (or none could be opened); closing
	// means for good.
	closed(closing bool)
	// refused: a dial was refused for a reason reconnecting cannot fix (see
	// permanent); the session is expected to end the transport's context.
	refused(err error)
}

func newTransport(baseURL, roomID string, opts Options) *transport {
	return &transport{
		roomID: roomID, url: wsURL(baseURL, roomID, opts.Name), dialer: opts.Dialer, readTimeout: opts.ReadTimeout,
		minBackoff: opts.MinBackoff, maxBackoff: opts.MaxBackoff,
	}
}

// wsURL is a room's WebSocket URL.
func wsURL(baseURL, roomID, name string) string {
	u := strings.TrimRight(baseURL, "/")
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	}
	return u + "/api/rooms/" + url.PathEscape(roomID) + "/ws?name=" + url.QueryEscape(name)
}

// dial opens a connection and reads its init message.
// Errors: *APIError (an HTTP error answer, or an error message instead of
// init) or a network error.
func (t *transport) dial(ctx context.Context) (*conn, *serverMessage, error) {
	ws, resp, err := t.dialer.DialContext(ctx, t.url, nil)
	if err != nil {
		if resp != nil {
			defer resp.Body.Close()
			var e protocol.ErrorResponse
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
				return nil, nil, fmt.Errorf("connect to room %s: %w", shortID(t.roomID), &APIError{Status: resp.StatusCode, Code: string(e.Error.Code), Message: e.Error.Message})
			}
			return nil, nil, fmt.Errorf("connect to room %s: status %d: %w", shortID(t.roomID), resp.StatusCode, err)
		}
		return nil, nil, fmt.Errorf("connect to room %s: %w", shortID(t.roomID), err)
	}
	deadline := time.Now().Add(10 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = ws.SetReadDeadline(deadline)
	_, data, err := ws.ReadMessage()
	if err != nil {
		_ = ws.Close()
		return nil, nil, fmt.Errorf("connect to room %s: read init: %w", shortID(t.roomID), err)
	}
	var m serverMessage
	if err := json.Unmarshal(data, &m); err != nil || m.Type != "init" {
		_ = ws.Close()
		if err == nil && m.Type == "error" {
			return nil, nil, fmt.Errorf("connect to room %s: %w", shortID(t.roomID), &APIError{Code: string(m.Code), Message: m.Message})
		}
		return nil, nil, fmt.Errorf("connect to room %s: first message is not init: %.100s", shortID(t.roomID), data)
	}
	return newConn(ws, t.readTimeout), &m, nil
}

// permanent reports whether a connection error means the room cannot be
// joined at all, so reconnecting is pointless.
func permanent(err error) bool {
	return protocol.RecoveryFor(protocol.Code(ErrorCode(err))) == protocol.GiveUp
}

// run serves k (opened by dial, attached by the session already), then
// reconnects until ctx is done.
func (t *transport) run(ctx context.Context, k *conn, init *serverMessage, s session) {
	attempt := 0
	for attached := true; ; attached = false {
		if k != nil {
			attempt = 0
			t.serve(ctx, k, init, attached, s)
			k.close()
			t.setConn(nil)
		}
		closing := ctx.Err() != nil
		s.closed(closing)
		if closing {
			return
		}
		select {
		case <-time.After(t.backoff(attempt)):
		case <-ctx.Done():
			k = nil
			continue
		}
		attempt++
		var err error
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		k, init, err = t.dial(dctx)
		cancel()
		if err != nil && permanent(err) {
			s.refused(err)
		}
	}
}

// serve runs one connection until it fails.
func (t *transport) serve(ctx context.Context, k *conn, init *serverMessage, attached bool, s session) {
	// Current before the check, so that a drop after the context ends
	// always finds it.
	t.setConn(k)
	if ctx.Err() != nil {
		return
	}
	if err := s.opened(init, attached); err != nil {
		return
	}
	for {
		_, data, err := k.read()
		if err != nil {
			return
		}
		if err := s.received(data, time.Now()); err != nil {
			return
		}
	}
}

func (t *transport) setConn(k *conn) {
	t.mu.Lock()
	t.conn = k
	t.mu.Unlock()
}

// current returns the connection being served, or nil.
func (t *transport) current() *conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.conn
}

// send queues a message on the current connection, if any.
func (t *transport) send(b []byte) {
	if k := t.current(); k != nil {
		k.send(b)
	}
}

// drop closes the current connection as a network failure would; run
// then reconnects (unless its context is done).
func (t *transport) drop() {
	if k := t.current(); k != nil {
		k.close()
	}
}

// backoff returns the jittered wait before attempt n (0-based).
func (t *transport) backoff(n int) time.Duration {
	d := t.minBackoff << min(n, 20)
	if d > t.maxBackoff || d <= 0 {
		d = t.maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// shortID is how errors name a room: its first 8 characters. A room id is
// a capability (whoever holds it may edit), and errors end up in logs and
// bug reports.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}
