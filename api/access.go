package api

import (
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/tandem-editor/tandem/services"
)

// access holds the server-wide access rules.
type access struct {
	createToken string
	origins     map[string]bool
}

func newAccess(token string, origins []string) access {
	a := access{createToken: token, origins: map[string]bool{}}
	for _, o := range origins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			a.origins[o] = true
		}
	}
	return a
}

// originAllowed reports whether a browser on origin may use the API: the
// same host as the request (whatever the scheme, as a TLS proxy may sit in
// front), a listed origin, or "*" listed.
func (a access) originAllowed(c *fiber.Ctx, origin string) bool {
	if origin == "" || a.origins["*"] || a.origins[origin] {
		return true
	}
	_, host, ok := strings.Cut(origin, "://")
	return ok && host == c.Hostname()
}

// cors answers preflight requests and sets the CORS headers for allowed
// cross-origin callers.
func (s *Server) cors(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin != "" && s.access.originAllowed(c, origin) {
		c.Set(fiber.HeaderAccessControlAllowOrigin, origin)
		c.Set(fiber.HeaderVary, fiber.HeaderOrigin)
		if c.Method() == fiber.MethodOptions {
			c.Set(fiber.HeaderAccessControlAllowMethods, "GET, POST, PATCH, OPTIONS")
			c.Set(fiber.HeaderAccessControlAllowHeaders, "Content-Type, Authorization")
			c.Set(fiber.HeaderAccessControlMaxAge, "600")
			return c.SendStatus(fiber.StatusNoContent)
		}
	}
	return c.Next()
}

// checkOrigin refuses WebSocket upgrades from origins not allowed: a page on
// another site must not act with a visitor's links.
func (s *Server) checkOrigin(c *fiber.Ctx) error {
	if !s.access.originAllowed(c, c.Get(fiber.HeaderOrigin)) {
		return writeError(c, services.Errorf(services.CodeForbidden, "origin is not allowed"))
	}
	return c.Next()
}

// requireCreateToken guards room creation: with access tokens, the token
// must say "create" (or be the create token); without, the create token is
// needed when one is set.
func (s *Server) requireCreateToken(c *fiber.Ctx) error {
	if c.Locals(createTokenLocal) != nil {
		return c.Next()
	}
	if s.tokens != nil {
		if who := identityOf(c); who == nil || !who.create {
			return writeError(c, services.Errorf(services.CodeForbidden, "the access token may not create rooms"))
		}
		return c.Next()
	}
	if s.access.createToken == "" {
		return c.Next()
	}
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || !s.access.isCreateToken(got) {
		return unauthorized(c, services.Errorf(services.CodeUnauthorized, "creating rooms needs a valid bearer token"))
	}
	return c.Next()
}

// rateLimit bounds REST requests per client address.
func (s *Server) rateLimit() fiber.Handler {
	if s.limits.RequestsPerMinutePerIP <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return limiter.New(limiter.Config{
		Max:               s.limits.RequestsPerMinutePerIP,
		Expiration:        time.Minute,
		LimiterMiddleware: limiter.SlidingWindow{},
		KeyGenerator:      s.clientAddr,
		LimitReached: func(c *fiber.Ctx) error {
			s.metrics.Rejected(services.CodeRateLimited)
			return writeError(c, services.Errorf(services.CodeRateLimited, "too many requests; slow down"))
		},
	})
}

// ipCounter counts open WebSocket connections per client address.
type ipCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func newIPCounter() *ipCounter { return &ipCounter{n: map[string]int{}} }

// acquire counts one more connection from ip unless it has max already.
func (c *ipCounter) acquire(ip string, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if max > 0 && c.n[ip] >= max {
		return false
	}
	c.n[ip]++
	return true
}

func (c *ipCounter) release(ip string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[ip]--; c.n[ip] <= 0 {
		delete(c.n, ip)
	}
}
