package api

import (
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// notBuilt is served when the binary was built without the browser app.
const notBuilt = `<!doctype html><meta charset="utf-8"><title>tandem</title>
<p>The tandem server is running, but this binary was built without the browser app.
Run <code>make run</code> (it builds the app first), or use the API under <code>/api</code>.</p>`

// mountWeb serves the browser app: files as they are, and index.html for
// every other path (the app routes /rooms/{id} itself).
func (s *Server) mountWeb() {
	if _, err := fs.Stat(s.web, "index.html"); err != nil {
		s.app.Get("/*", func(c *fiber.Ctx) error {
			return c.Type("html").SendString(notBuilt)
		})
		return
	}
	s.app.Use("/", filesystem.New(filesystem.Config{
		Root:         http.FS(s.web),
		Index:        "index.html",
		NotFoundFile: "index.html",
		MaxAge:       0,
	}))
}
