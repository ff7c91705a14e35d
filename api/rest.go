package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/services"
	"github.com/tandem-editor/tandem/services/autocomplete"
)

// decodeBody parses a JSON object body into v; give v's string fields the
// type jsonText, so that they hold the text the client sent.
// Errors: CodeBadMessage.
func decodeBody(c *fiber.Ctx, v any) error {
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return services.Errorf(services.CodeBadMessage, "body must be a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var coded *services.Error
		if errors.As(err, &coded) {
			return coded
		}
		return services.Errorf(services.CodeBadMessage, "body: %s", jsonProblem(err))
	}
	return nil
}

// openRoom opens the room named by the :id parameter, as far as the
// request's access token allows (authorizeRoom); release the handle.
// The id is copied out of Fiber's buffer, as a RoomID may outlive the
// request (in a log's attributes, say).
func (s *Server) openRoom(c *fiber.Ctx) (*services.Handle, error) {
	id, err := services.ParseRoomID(strings.Clone(c.Params("id")))
	if err != nil {
		return s.authorizeRoom(c, id, nil, err)
	}
	h, err := s.rooms.Open(c.UserContext(), id)
	return s.authorizeRoom(c, id, h, err)
}

// openForChange decodes the request body into v, then opens the path's
// room; the handle refuses changes through a read-only link. The caller
// releases the handle.
func (s *Server) openForChange(c *fiber.Ctx, v any) (*services.Handle, error) {
	if err := decodeBody(c, v); err != nil {
		return nil, err
	}
	return s.openRoom(c)
}

// roomFields are the fields of a room a client sets, in the bodies of
// POST /api/rooms and PATCH /api/rooms/{id} alike (protocol's
// CreateRoomRequest and UpdateRoomRequest); absent fields are nil.
type roomFields struct {
	Name     *jsonText `json:"name"`
	Language *jsonText `json:"language"`
}

// patch is the change the fields ask for.
func (f roomFields) patch() services.RoomPatch {
	return services.RoomPatch{Name: textPtr(f.Name), Language: textPtr(f.Language)}
}

// roomView is a room as a client with that access may see it: read-only
// access gets the read-only id as the room's id and never the edit id.
func roomView(info services.RoomInfo, content string, readOnly bool) protocol.Room {
	v := protocol.Room{
		ID: info.ID.Reveal(), Name: info.Name, Language: info.Language, Revision: info.Revision, Content: content,
		CreatedAt: info.CreatedAt.UTC(), UpdatedAt: info.UpdatedAt.UTC(), ReadOnlyID: info.ReadOnlyID.Reveal(),
	}
	if readOnly {
		v.ID, v.ReadOnlyID, v.ReadOnly = info.ReadOnlyID.Reveal(), "", true
	}
	return v
}

func (s *Server) createRoom(c *fiber.Ctx) error {
	var req struct {
		roomFields
		Content *jsonText `json:"content"`
	}
	if err := decodeBody(c, &req); err != nil {
		return writeError(c, err)
	}
	content := textOr(req.Content)
	if len(content) > s.limits.MaxDocumentBytes {
		return writeError(c, services.Errorf(services.CodeTooLarge, "content is larger than %d bytes", s.limits.MaxDocumentBytes))
	}
	info, err := s.rooms.Create(c.UserContext(), services.RoomCreate{RoomPatch: req.patch(), Content: content})
	if err != nil {
		return writeError(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(roomView(info, content, false))
}

func (s *Server) getRoom(c *fiber.Ctx) error {
	h, err := s.openRoom(c)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	info, content, err := h.State(c.UserContext())
	if err != nil {
		return writeError(c, err)
	}
	if q := c.Query("revision"); q != "" {
		rev, err := strconv.Atoi(q)
		if err != nil {
			return writeError(c, services.Errorf(services.CodeBadMessage, "revision must be an integer"))
		}
		if content, err = h.ContentAt(c.UserContext(), rev); err != nil {
			return writeError(c, err)
		}
		info.Revision = rev
	}
	return c.JSON(roomView(info, content, h.ReadOnly))
}

func (s *Server) updateRoom(c *fiber.Ctx) error {
	var req roomFields
	h, err := s.openForChange(c, &req)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	info, err := h.Update(c.UserContext(), "", req.patch())
	if err != nil {
		return writeError(c, err)
	}
	_, content, err := h.State(c.UserContext())
	if err != nil {
		return writeError(c, err)
	}
	return c.JSON(roomView(info, content, false))
}

// maxOpsPage bounds one page of history.
const maxOpsPage = 10000

func (s *Server) listOps(c *fiber.Ctx) error {
	from, err := intQuery(c, "from", 0)
	if err != nil {
		return writeError(c, err)
	}
	limit, err := intQuery(c, "limit", 1000)
	if err != nil {
		return writeError(c, err)
	}
	if limit < 1 || limit > maxOpsPage {
		return writeError(c, services.Errorf(services.CodeBadMessage, "limit must be 1..%d", maxOpsPage))
	}
	h, err := s.openRoom(c)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	ops, err := h.Ops(c.UserContext(), from, limit)
	if err != nil {
		return writeError(c, err)
	}
	out := protocol.OpsResponse{Ops: make([]protocol.CommittedOp, len(ops))}
	for i, op := range ops {
		out.Ops[i] = protocol.CommittedOp{Revision: op.Revision, Op: op.Op, ClientID: op.ClientID, CreatedAt: op.CreatedAt.UTC()}
	}
	return c.JSON(out)
}

func intQuery(c *fiber.Ctx, key string, def int) (int, error) {
	q := c.Query(key)
	if q == "" {
		return def, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil {
		return 0, services.Errorf(services.CodeBadMessage, "%s must be an integer", key)
	}
	return n, nil
}

func (s *Server) submitOp(c *fiber.Ctx) error {
	if len(c.Body()) > s.limits.MaxMessageBytes {
		return writeError(c, services.Errorf(services.CodeTooLarge, "body is larger than %d bytes", s.limits.MaxMessageBytes))
	}
	var m protocol.ClientFrame
	h, err := s.openForChange(c, &m)
	if err != nil {
		return writeError(c, err)
	}
	defer h.Release()
	sub, err := submission(m, "rest-"+services.NewRandomID()[:12])
	if err != nil {
		return writeError(c, err)
	}
	return s.commit(c, h, sub)
}

// commit submits sub through h and answers the request with its result.
func (s *Server) commit(c *fiber.Ctx, h *services.Handle, sub services.Submission) error {
	// No timeout: an error must mean "not committed", and while a commit's
	// outcome is unknown the room answers only once storage tells. A client
	// that gives up first resubmits with the same id.
	answer := make(chan services.Result, 1)
	h.Submit(sub, func(res services.Result) { answer <- res })
	select {
	case res := <-answer:
		if res.Err != nil {
			return writeError(c, res.Err)
		}
		return c.JSON(protocol.SubmitOpResponse{Revision: res.Revision, Op: res.Op})
	case <-h.Done():
		// The room stopped with this operation in doubt: no answer is
		// honest, so the connection closes without one.
		return c.Context().Conn().Close()
	}
}

func (s *Server) autocomplete(c *fiber.Ctx) error {
	var req struct {
		Language jsonText `json:"language"`
		Content  jsonText `json:"content"`
		Offset   *int     `json:"offset"`
	}
	if err := decodeBody(c, &req); err != nil {
		return writeError(c, err)
	}
	if req.Offset == nil {
		return writeError(c, services.Errorf(services.CodeBadMessage, "offset is required"))
	}
	if len(req.Content) > s.limits.MaxDocumentBytes {
		return writeError(c, services.Errorf(services.CodeTooLarge, "content is larger than %d bytes", s.limits.MaxDocumentBytes))
	}
	sugs, err := s.completer.Complete(c.UserContext(), autocomplete.Request{Language: string(req.Language), Content: string(req.Content), Offset: *req.Offset})
	if err != nil {
		return writeError(c, &services.Error{Code: services.CodeBadMessage, Message: err.Error(), Err: err})
	}
	var out protocol.AutocompleteResponse
	if sugs != nil {
		out.Suggestions = make([]protocol.Suggestion, len(sugs))
		for i, sg := range sugs {
			out.Suggestions[i] = protocol.Suggestion(sg)
		}
	}
	return c.JSON(out)
}
