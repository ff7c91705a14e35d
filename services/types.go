package services

import (
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// CommittedOp is one revision of a room's history: the operation as it was
// transformed and applied, plus what identifies the submission that made it.
type CommittedOp struct {
	Revision int
	Op       ot.Operation
	ClientID string
	// OpID is the client's operation id ("" when it sent none).
	OpID string
	// BaseRevision and Digest describe the submission as the client sent it,
	// before transform: a resubmitted id is acknowledged only when both match.
	BaseRevision int
	Digest       string
	CreatedAt    time.Time
}

// Snapshot is a room's full content at a revision.
type Snapshot struct {
	RoomID    RoomID
	Revision  int
	Content   string
	CreatedAt time.Time
}

// Head is a room's content at its head revision, as the cache holds it.
type Head struct {
	Revision int
	Content  string
}
