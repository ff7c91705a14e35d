package api

import (
	"fmt"
	"runtime/debug"

	"github.com/gofiber/fiber/v2"

	"github.com/tandem-editor/tandem/services"
)

// recoverPanics turns a panic in a request's handlers into a 500 with the
// contract's internal error, and logs the panic and its stack: one bad
// request must not end the process and every connection on it. The log
// names the route, not the path, which holds the room's id.
// (WebSocket handlers, after the upgrade, recover in recoverSocket.)
func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		s.log.Error("panic in request handler", "method", c.Method(), "route", c.Route().Path,
			"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		s.metrics.Rejected(services.CodeInternal)
		err = writeError(c, services.Errorf(services.CodeInternal, "internal error"))
	}()
	return c.Next()
}
