package api

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// ReadyCheck is one dependency that must answer for the server to be ready.
type ReadyCheck struct {
	// Name is what /readyz reports when the check fails, e.g. "database".
	Name string
	// Check returns nil when the dependency answers within ctx.
	Check func(ctx context.Context) error
}

// readyTimeout bounds each check.
const readyTimeout = 2 * time.Second

// readyz answers 200 {"status":"ready"} when every check passes, else 503
// {"status":"unavailable","failing":[names]}. Errors go to the log only:
// they can name hosts, users and addresses, and /readyz is often reachable
// by anyone. The checks run at once, each with its own timeout, so a hung
// database does not make the cache look down too.
func (s *Server) readyz(checks []ReadyCheck) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// UserContext sets the context on first use: take it before the
		// goroutines do.
		parent := c.UserContext()
		errs := make([]error, len(checks))
		var wg sync.WaitGroup
		for i, ch := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(parent, readyTimeout)
				defer cancel()
				errs[i] = ch.Check(ctx)
			}()
		}
		wg.Wait()
		failing := []string{}
		for i, err := range errs {
			if err != nil {
				s.log.Warn("not ready", "check", checks[i].Name, "err", err)
				failing = append(failing, checks[i].Name)
			}
		}
		if len(failing) > 0 {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "failing": failing})
		}
		return c.JSON(fiber.Map{"status": "ready"})
	}
}
