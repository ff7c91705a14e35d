package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/tandem-editor/tandem/services"
	"github.com/tandem-editor/tandem/services/autocomplete"
)

// Limits bounds what one client may send.
type Limits struct {
	// MaxMessageBytes is the largest WebSocket message or REST body, except
	// room creation, which may carry a document of MaxDocumentBytes.
	MaxMessageBytes int
	// MaxDocumentBytes is the largest starting content of a new room.
	MaxDocumentBytes int
	// OpsPerSecond and OpsBurst limit operations per connection.
	OpsPerSecond float64
	OpsBurst     int
	// MessagesPerSecond and MessagesBurst limit all messages per connection.
	MessagesPerSecond float64
	MessagesBurst     int
	// OutboxSize is how many messages may wait for a slow connection before
	// it is dropped.
	OutboxSize int
	// OutboxBytes bounds the bytes of those messages (0: no bound); one
	// message is always admitted, however big.
	OutboxBytes int
	// MaxBadMessages is how many errors in a row close a connection.
	MaxBadMessages int
	// WriteTimeout bounds one WebSocket write; PingInterval is the keepalive.
	WriteTimeout time.Duration
	PingInterval time.Duration
	// MaxConnsPerIP bounds the WebSocket connections from one address.
	MaxConnsPerIP int
	// RequestsPerMinutePerIP bounds REST requests from one address.
	RequestsPerMinutePerIP int
}

// DefaultLimits returns the limits documented in the README.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageBytes:   1 << 20,
		MaxDocumentBytes:  4 << 20,
		OpsPerSecond:      200,
		OpsBurst:          400,
		MessagesPerSecond: 400,
		MessagesBurst:     800,
		OutboxSize:        2048,
		OutboxBytes:       8 << 20,
		MaxBadMessages:    20,
		WriteTimeout:      10 * time.Second,
		PingInterval:      30 * time.Second,

		MaxConnsPerIP:          256,
		RequestsPerMinutePerIP: 1200,
	}
}

// Server adapts HTTP and WebSocket requests to the room service.
type Server struct {
	rooms     *services.Rooms
	completer autocomplete.Completer
	limits    Limits
	log       *slog.Logger
	app       *fiber.App
	web       fs.FS
	conns     *connSet
	metrics   *Metrics
	access    access
	tokens    *Tokens
	perIP     *ipCounter
	leases    *leaseSet
	proxies   trustedProxies
	// goroutinePerSocket: see Options.GoroutinePerSocket.
	goroutinePerSocket bool
}

// Options wires a Server.
type Options struct {
	Rooms     *services.Rooms
	Completer autocomplete.Completer
	Limits    Limits
	Log       *slog.Logger
	// Web holds the built browser app (index.html and assets); nil serves
	// the API only.
	Web fs.FS
	// Ready lists the dependencies /readyz asks.
	Ready []ReadyCheck
	// Metrics, when set, is served at /metrics; pass the same value to
	// services.NewRooms.
	Metrics *Metrics
	// CreateToken, when set, is the bearer token POST /api/rooms requires.
	// With Tokens set too, either it or an access token with "create"
	// creates rooms, and it is good for no call on a room.
	CreateToken string
	// Tokens, when set, makes every API call and WebSocket need an access
	// token (NewTokens; docs/protocol.md, "Access tokens"). /healthz,
	// /readyz, /metrics and the web app's files stay public.
	Tokens *Tokens
	// AllowedOrigins lists the origins allowed for WebSocket upgrades and
	// CORS; empty allows same-origin requests and requests without an
	// Origin header only.
	AllowedOrigins []string
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// (for per-address limits and logs) and whose X-Forwarded-Host and
	// X-Forwarded-Proto are believed; empty: none, the socket's address is
	// the client's. See ParseTrustedProxies.
	TrustedProxies []netip.Prefix
	// SocketReadBuffer is each WebSocket connection's read buffer in bytes
	// (0: DefaultSocketReadBuffer; at least 128).
	SocketReadBuffer int
	// GoroutinePerSocket makes every WebSocket connection wait for input
	// on a goroutine of its own (about 4 KiB of stack each, scanned by
	// every garbage collection) instead of in the process's epoll
	// instance; it is always so on systems without epoll.
	GoroutinePerSocket bool
}

// DefaultSocketReadBuffer is the read buffer of a WebSocket connection:
// every connection holds it while it waits for a frame. A payload larger
// than the buffer is read past it, straight into the message, so the size
// only sets how many small frames one read system call may bring in.
const DefaultSocketReadBuffer = 256

// New builds the HTTP application.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	s := &Server{
		rooms: o.Rooms, completer: o.Completer, limits: o.Limits, log: o.Log, web: o.Web,
		conns: newConnSet(), metrics: o.Metrics, perIP: newIPCounter(), leases: newLeaseSet(),
		access: newAccess(o.CreateToken, o.AllowedOrigins), tokens: o.Tokens, proxies: o.TrustedProxies,
		goroutinePerSocket: o.GoroutinePerSocket,
	}
	proxies := make([]string, len(o.TrustedProxies))
	for i, p := range o.TrustedProxies {
		proxies[i] = p.String()
	}
	s.app = fiber.New(fiber.Config{
		// Immutable: strings taken from a request stay valid after the
		// handler returns (Fiber reuses its buffers otherwise).
		Immutable:             true,
		BodyLimit:             max(o.Limits.MaxMessageBytes, 3*o.Limits.MaxDocumentBytes+4096),
		ErrorHandler:          s.fiberErrors,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		// fasthttp lends a connection its 4 KiB read and write buffers
		// only while a request is read or answered, so an upgraded
		// WebSocket keeps neither (nor does an idle keep-alive
		// connection); the price is a pool round trip per request.
		ReduceMemoryUsage: true,
		// Forwarded headers (the host, for same-origin checks) count only
		// from trusted proxies; client addresses come from clientAddr.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          proxies,
	})
	s.app.Server().ConnState = s.leases.connState
	// WebSocket connections outlive fasthttp's hijack handler (handoff.go);
	// their writers close them.
	s.app.Server().KeepHijackedConns = true
	s.app.Use(s.recoverPanics)
	s.app.Get("/metrics", s.metrics.handler())
	s.app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	s.app.Get("/readyz", s.readyz(o.Ready))
	api := s.app.Group("/api", s.cors, s.rateLimit(), s.authenticate)
	api.Post("/rooms", s.requireCreateToken, s.createRoom)
	api.Get("/rooms/:id", s.getRoom)
	api.Patch("/rooms/:id", s.updateRoom)
	api.Get("/rooms/:id/ops", s.listOps)
	api.Post("/rooms/:id/ops", s.submitOp)
	api.Get("/rooms/:id/versions", s.listVersions)
	api.Post("/rooms/:id/versions", s.createVersion)
	api.Patch("/rooms/:id/versions/:version", s.renameVersion)
	api.Post("/rooms/:id/restore", s.restore)
	api.Get("/rooms/:id/blame", s.blame)
	api.Get("/rooms/:id/ws", s.checkOrigin, s.openSocket, websocket.New(s.serveSocket, websocket.Config{
		ReadBufferSize: socketReadBuffer(o.SocketReadBuffer),
		// Data frames go out through the writer's pooled batch buffer and
		// control frames from a stack buffer: the library's write buffer,
		// taken from this pool only by its message writers, stays unused.
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
		RecoverHandler:  s.recoverSocket,
	}))
	api.Post("/autocomplete", s.autocomplete)
	api.All("/*", func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	if s.web != nil {
		s.mountWeb()
	}
	return s
}

// socketReadBuffer is the read buffer for Options.SocketReadBuffer n.
func socketReadBuffer(n int) int {
	if n == 0 {
		return DefaultSocketReadBuffer
	}
	// A control frame's payload (125 bytes) must fit.
	return max(n, 128)
}

// App is the Fiber application, for tests and for Listen.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Serve serves on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Connections is the number of open WebSocket connections.
func (s *Server) Connections() int { return s.conns.Len() }

// Shutdown refuses new room sessions, lets the room service finish the
// commits in flight (their acks are sent) and close every member's socket
// with a going-away close frame, closes any other socket, then stops the
// listener and waits for requests in flight, all within ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.rooms.Close(ctx)
	s.conns.closeAll("server is shutting down")
	return s.app.ShutdownWithContext(ctx)
}
