package client

import (
	"net/http"
	"time"

	"github.com/fasthttp/websocket"
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
