package protocol

import (
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// REST bodies. The server decodes requests with its own stricter types (it
// refuses strings that are not valid text); these are their wire forms.
type (
	// Room is a room as GET /api/rooms/{id} (and creating or changing a
	// room) answers it.
	Room struct {
		ID        string    `json:"id"`
		Name      string    `json:"name"`
		Language  string    `json:"language"`
		Revision  int       `json:"revision"`
		Content   string    `json:"content"`
		CreatedAt time.Time `json:"createdAt"`
		UpdatedAt time.Time `json:"updatedAt"`
		// ReadOnlyID is the id of the room's read-only link, in answers to
		// calls made with the edit id (an extension).
		ReadOnlyID string `json:"readOnlyId,omitempty"`
		// ReadOnly: the call was made with the read-only id (an extension).
		ReadOnly bool `json:"readOnly"`
	}
	// CreateRoomRequest is the body of POST /api/rooms; empty fields take
	// the server's defaults.
	CreateRoomRequest struct {
		Name     string `json:"name,omitempty"`
		Language string `json:"language,omitempty"`
		Content  string `json:"content,omitempty"`
	}
	// UpdateRoomRequest is the body of PATCH /api/rooms/{id} (an
	// extension); nil fields stay as they are.
	UpdateRoomRequest struct {
		Name     *string `json:"name,omitempty"`
		Language *string `json:"language,omitempty"`
	}
	// CommittedOp is one revision of a room's history: the operation as it
	// was transformed and applied, by ClientID.
	CommittedOp struct {
		Revision  int          `json:"revision"`
		Op        ot.Operation `json:"op"`
		ClientID  string       `json:"clientId"`
		CreatedAt time.Time    `json:"createdAt"`
	}
	// OpsResponse answers GET /api/rooms/{id}/ops.
	OpsResponse struct {
		Ops []CommittedOp `json:"ops"`
	}
	// SubmitOpRequest is the body of POST /api/rooms/{id}/ops.
	SubmitOpRequest struct {
		Revision int          `json:"revision"`
		Op       ot.Operation `json:"op"`
		ID       string       `json:"id,omitempty"`
	}
	// SubmitOpResponse answers it: the revision the operation created and
	// the operation as transformed.
	SubmitOpResponse struct {
		Revision int          `json:"revision"`
		Op       ot.Operation `json:"op"`
	}
	// Version is a named revision of a room (an extension), as
	// POST /api/rooms/{id}/versions answers it and as GET lists it.
	Version struct {
		ID        string    `json:"id"`
		Name      string    `json:"name"`
		Revision  int       `json:"revision"`
		CreatedAt time.Time `json:"createdAt"`
		UserID    string    `json:"userId,omitempty"`
	}
	// CreateVersionRequest is the body of POST /api/rooms/{id}/versions; a
	// nil Revision names the head.
	CreateVersionRequest struct {
		Name     string `json:"name"`
		Revision *int   `json:"revision,omitempty"`
	}
	// RenameVersionRequest is the body of
	// PATCH /api/rooms/{id}/versions/{versionId}.
	RenameVersionRequest struct {
		Name string `json:"name"`
	}
	// VersionsResponse answers GET /api/rooms/{id}/versions: newest first.
	VersionsResponse struct {
		Versions []Version `json:"versions"`
	}
	// RestoreRequest is the body of POST /api/rooms/{id}/restore: the
	// revision whose content the head is to take, and the operation id
	// that makes the request exactly-once. It is answered with a
	// SubmitOpResponse.
	RestoreRequest struct {
		Revision int    `json:"revision"`
		ID       string `json:"id"`
	}
	// BlameResponse answers GET /api/rooms/{id}/blame: who inserted each
	// UTF-16 range of the document at Revision.
	BlameResponse struct {
		Revision int         `json:"revision"`
		Spans    []BlameSpan `json:"spans"`
	}
	// BlameSpan is the range [Start, End) of the document (UTF-16 code
	// units), inserted by the operation of Revision (0: the room's initial
	// content) that ClientID sent.
	BlameSpan struct {
		Start    int    `json:"start"`
		End      int    `json:"end"`
		Revision int    `json:"revision"`
		ClientID string `json:"clientId"`
		UserID   string `json:"userId,omitempty"`
	}
	// AutocompleteRequest is the body of POST /api/autocomplete; Offset
	// counts UTF-16 code units.
	AutocompleteRequest struct {
		Language string `json:"language"`
		Content  string `json:"content"`
		Offset   int    `json:"offset"`
	}
	// AutocompleteResponse answers it.
	AutocompleteResponse struct {
		Suggestions []Suggestion `json:"suggestions"`
	}
	// Suggestion is one autocomplete answer.
	Suggestion struct {
		Label      string `json:"label"`
		InsertText string `json:"insertText"`
		Kind       string `json:"kind"`
		Detail     string `json:"detail,omitempty"`
	}
	// ErrorResponse is every REST error answer.
	ErrorResponse struct {
		Error ErrorDetail `json:"error"`
	}
	// ErrorDetail is its content.
	ErrorDetail struct {
		Code    Code   `json:"code"`
		Message string `json:"message"`
	}
)
