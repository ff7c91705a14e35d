package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/services"
)

// The history endpoints (docs/protocol.md, "History"): named versions,
// restore and blame.

func versionView(v services.Version) protocol.Version {
	return protocol.Version{ID: v.ID, Name: v.Name, Revision: v.Revision, CreatedAt: v.CreatedAt.UTC(), UserID: v.UserID}
}

func (s *Server) createVersion(c *fiber.Ctx) error {
	var req struct {
		Name     jsonText `json:"name"`
		Revision *int     `json:"revision"`
	}
	h, err := s.openForChange(c, &req)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	v, err := h.CreateVersion(c.UserContext(), string(req.Name), req.Revision, "")
	if err != nil {
		return writeError(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(versionView(v))
}

func (s *Server) listVersions(c *fiber.Ctx) error {
	h, err := s.openRoom(c)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	vs, err := h.Versions(c.UserContext())
	if err != nil {
		return writeError(c, err)
	}
	out := protocol.VersionsResponse{Versions: make([]protocol.Version, len(vs))}
	for i, v := range vs {
		out.Versions[i] = versionView(v)
	}
	return c.JSON(out)
}

func (s *Server) renameVersion(c *fiber.Ctx) error {
	var req struct {
		Name jsonText `json:"name"`
	}
	h, err := s.openForChange(c, &req)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	v, err := h.RenameVersion(c.UserContext(), strings.Clone(c.Params("version")), string(req.Name))
	if err != nil {
		return writeError(c, err)
	}
	return c.JSON(versionView(v))
}

func (s *Server) restore(c *fiber.Ctx) error {
	var req struct {
		Revision *int     `json:"revision"`
		ID       jsonText `json:"id"`
	}
	h, err := s.openForChange(c, &req)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	if req.Revision == nil {
		return writeError(c, services.Errorf(services.CodeBadMessage, "restore needs an integer revision"))
	}
	if !protocol.ValidOpID(string(req.ID)) {
		return writeError(c, errBadOpID)
	}
	sub, done, err := h.PrepareRestore(c.UserContext(), *req.Revision, string(req.ID))
	switch {
	case err != nil:
		return writeError(c, err)
	case done != nil:
		return c.JSON(protocol.SubmitOpResponse{Revision: done.Revision, Op: done.Op})
	}
	return s.commit(c, h, sub)
}

func (s *Server) blame(c *fiber.Ctx) error {
	h, err := s.openRoom(c)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	rev := -1
	if c.Query("revision") != "" {
		if rev, err = intQuery(c, "revision", 0); err != nil {
			return writeError(c, err)
		}
		if rev < 0 {
			return writeError(c, services.Errorf(services.CodeRevisionOutOfRange, "revision %d is negative", rev))
		}
	} else if rev, err = h.HeadRevision(c.UserContext()); err != nil {
		return writeError(c, err)
	}
	spans, err := h.BlameAt(c.UserContext(), rev)
	if err != nil {
		return writeError(c, err)
	}
	out := protocol.BlameResponse{Revision: rev, Spans: make([]protocol.BlameSpan, len(spans))}
	for i, sp := range spans {
		out.Spans[i] = protocol.BlameSpan{Start: sp.Start, End: sp.End, Revision: sp.Revision, ClientID: sp.ClientID}
	}
	return c.JSON(out)
}
