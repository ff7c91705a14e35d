package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/ot"
)

// APIError is an error answer of the server: the HTTP status of a REST call
// (0 for a WebSocket error message), the protocol's error code and message.
type APIError struct {
	Status  int
	Code    string
	Message string
	// ID is the operation id a WebSocket error answered, if any.
	ID string
}

func (e *APIError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("server answered %d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("server error %s: %s", e.Code, e.Message)
}

// ErrorCode returns the protocol error code of err ("unavailable",
// "not_found", ...) if it is or wraps an *APIError, and "" otherwise.
func ErrorCode(err error) string {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Room is a room as the REST API describes it.
type Room = protocol.Room

// NewRoom is what a new room starts with; empty fields take the server's
// defaults.
type NewRoom = protocol.CreateRoomRequest

// RoomChange is a change of a room's metadata; nil fields stay as they are.
type RoomChange = protocol.UpdateRoomRequest

// CommittedOp is one revision of a room's history: the operation as it was
// transformed and applied.
type CommittedOp = protocol.CommittedOp

// Suggestion is one autocomplete answer.
type Suggestion = protocol.Suggestion

// REST calls the server's REST API. The zero HTTP uses http.DefaultClient.
// It is safe for concurrent use.
type REST struct {
	// BaseURL is like http://127.0.0.1:8080 (no trailing slash needed).
	BaseURL string
	// Token, when set, is sent as a bearer token (room creation may need it).
	Token string
	HTTP  *http.Client
}

// NewREST returns a REST client for a server.
func NewREST(baseURL string) *REST {
	return &REST{BaseURL: strings.TrimRight(baseURL, "/")}
}

// CreateRoom creates a room.
// Errors: *APIError (bad_message, too_large, unauthorized, rate_limited, ...),
// or a transport error.
func (r *REST) CreateRoom(ctx context.Context, room NewRoom) (Room, error) {
	var out Room
	err := r.do(ctx, http.MethodPost, "/api/rooms", room, &out)
	return out, err
}

// UpdateRoom changes a room's metadata (PATCH /api/rooms/{id}) and returns
// the room as changed.
// Errors: *APIError (bad_message, forbidden for a read-only id, not_found,
// ...), or a transport error.
func (r *REST) UpdateRoom(ctx context.Context, id string, change RoomChange) (Room, error) {
	var out Room
	err := r.do(ctx, http.MethodPatch, "/api/rooms/"+url.PathEscape(id), change, &out)
	return out, err
}

// Room returns a room at its head revision.
// Errors: *APIError with not_found, or a transport error.
func (r *REST) Room(ctx context.Context, id string) (Room, error) {
	var out Room
	err := r.do(ctx, http.MethodGet, "/api/rooms/"+url.PathEscape(id), nil, &out)
	return out, err
}

// RoomAt returns a room with its content as it was at a revision.
// Errors: *APIError with not_found or revision_out_of_range, or a transport error.
func (r *REST) RoomAt(ctx context.Context, id string, revision int) (Room, error) {
	var out Room
	err := r.do(ctx, http.MethodGet, "/api/rooms/"+url.PathEscape(id)+"?revision="+strconv.Itoa(revision), nil, &out)
	return out, err
}

// Ops returns at most limit committed operations, those that created
// revisions from+1, from+2, ....
// Errors: *APIError, or a transport error.
func (r *REST) Ops(ctx context.Context, id string, from, limit int) ([]CommittedOp, error) {
	var out protocol.OpsResponse
	path := fmt.Sprintf("/api/rooms/%s/ops?from=%d&limit=%d", url.PathEscape(id), from, limit)
	err := r.do(ctx, http.MethodGet, path, nil, &out)
	return out.Ops, err
}

// opsPage is how many operations OpsRange asks for at a time.
const opsPage = 1000

// OpsRange returns the committed operations that created revisions
// from+1 … to, fetching page after page. It returns fewer only when the
// server has fewer (to beyond the head).
// Errors: *APIError, a transport error, or an error when a page does not
// continue the revisions.
func (r *REST) OpsRange(ctx context.Context, id string, from, to int) ([]CommittedOp, error) {
	var all []CommittedOp
	for from < to {
		page, err := r.Ops(ctx, id, from, min(opsPage, to-from))
		if err != nil {
			return all, err
		}
		if len(page) == 0 {
			return all, nil
		}
		for _, op := range page {
			if op.Revision != from+1 {
				return all, fmt.Errorf("history page: revision %d after %d", op.Revision, from)
			}
			all = append(all, op)
			from++
			if from == to {
				break
			}
		}
	}
	return all, nil
}

// SubmitOp submits an operation over REST (the fallback path) and returns the
// revision it created and the operation as transformed. id may be "".
// Errors: *APIError (invalid_op, revision_out_of_range, conflict,
// unavailable, ...), or a transport error.
func (r *REST) SubmitOp(ctx context.Context, roomID string, revision int, op ot.Operation, id string) (int, ot.Operation, error) {
	body := protocol.SubmitOpRequest{Revision: revision, Op: op, ID: id}
	var out protocol.SubmitOpResponse
	err := r.do(ctx, http.MethodPost, "/api/rooms/"+url.PathEscape(roomID)+"/ops", body, &out)
	return out.Revision, out.Op, err
}

// Autocomplete returns suggestions at a UTF-16 offset of content.
// Errors: *APIError, or a transport error.
func (r *REST) Autocomplete(ctx context.Context, language, content string, offset int) ([]Suggestion, error) {
	body := protocol.AutocompleteRequest{Language: language, Content: content, Offset: offset}
	var out protocol.AutocompleteResponse
	err := r.do(ctx, http.MethodPost, "/api/autocomplete", body, &out)
	return out.Suggestions, err
}

// maxAnswer bounds a REST answer the client reads.
const maxAnswer = 256 << 20

func (r *REST) do(ctx context.Context, method, path string, in, out any) error {
	// Errors name the request with the room id shortened (shortID).
	what := method + " " + shownPath(path)
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s: encode body: %w", what, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(r.BaseURL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	hc := r.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // without the URL, which holds the whole id
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", what, err)
	}
	if resp.StatusCode >= 300 {
		var e protocol.ErrorResponse
		if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			e.Error.Code, e.Error.Message = protocol.CodeInternal, strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		return fmt.Errorf("%s: %w", what, &APIError{Status: resp.StatusCode, Code: string(e.Error.Code), Message: e.Error.Message})
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", what, err)
	}
	return nil
}

// shownPath is path with the room id after /api/rooms/ shortened.
func shownPath(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/rooms/")
	if !ok {
		return path
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	return "/api/rooms/" + shortID(rest[:end]) + rest[end:]
}
