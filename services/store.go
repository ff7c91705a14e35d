package services

import (
	"context"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// Store is the durable home of rooms, their histories and snapshots. It is
// the source of truth: an operation is acknowledged only after AppendOps has
// returned nil for it. Implementations live in repository/ and must pass
// the conformance suite in repository/storetest.
//
// Every method may also return an error wrapping the driver's error when the
// database is unreachable; callers treat any unlisted error as "unavailable".
// Errors get logged: they name rooms by RoomID (its short form), never by
// the revealed id. The same holds for HeadCache and FanOut.
type Store interface {
	// CreateRoom stores a new room with head revision 0 and its content as
	// the snapshot of revision 0.
	CreateRoom(ctx context.Context, room RoomInfo, content string) error
	// Room finds a room by its edit id or its read-only id.
	// Returns ErrRoomNotFound.
	Room(ctx context.Context, id RoomID) (RoomInfo, error)
	// UpdateRoom changes the metadata of the room with edit id roomID as
	// patch.Apply does (the rules live there: a patch that changes nothing
	// leaves UpdatedAt as it was) and returns the room as stored.
	// Returns ErrRoomNotFound, also for a read-only id.
	UpdateRoom(ctx context.Context, roomID RoomID, patch RoomPatch) (RoomInfo, error)
	// AppendOps commits ops, which continue the room's history contiguously
	// from its head, in one transaction, and moves the room's head revision.
	// Returns ErrRevisionTaken (nothing written) when a revision exists,
	// and ErrOpIDTaken (nothing written) when a non-empty OpID is already in
	// the room's history: an id names one operation at any age.
	AppendOps(ctx context.Context, roomID RoomID, ops []CommittedOp) error
	// AppendBatches commits the batches of several rooms at once (one
	// transaction, one fsync where the store can), each as AppendOps would:
	// a batch that fails takes nothing from the others. It returns one
	// error per batch (nil: committed).
	AppendBatches(ctx context.Context, batches []Batch) []error
	// Ops returns up to limit operations with revisions after from and
	// after the room's horizon (Horizon), in order.
	Ops(ctx context.Context, roomID RoomID, from, limit int) ([]CommittedOp, error)
	// Heads returns the head revisions of the rooms among roomIDs that
	// exist, in one query.
	Heads(ctx context.Context, roomIDs []RoomID) (map[RoomID]int, error)
	// OpByID finds the committed operation the client gave opID.
	// Returns ErrOpNotFound.
	OpByID(ctx context.Context, roomID RoomID, opID string) (CommittedOp, error)
	// Snapshot returns the newest snapshot at or before revision.
	// Returns ErrSnapshotNotFound.
	Snapshot(ctx context.Context, roomID RoomID, revision int) (Snapshot, error)
	// SaveSnapshot stores a snapshot; saving one that exists is not an error.
	SaveSnapshot(ctx context.Context, s Snapshot) error
	// CreateVersion stores a named version of the room v.RoomID (its edit
	// id). Returns ErrRoomNotFound, ErrTooManyVersions (nothing written)
	// when the room has MaxVersions versions, and ErrRevisionCompacted
	// (nothing written) when v.Revision is before the room's horizon and
	// has no snapshot.
	CreateVersion(ctx context.Context, v Version) error
	// Versions returns every named version of the room with edit id
	// roomID (none for any other id), in any order.
	Versions(ctx context.Context, roomID RoomID) ([]Version, error)
	// RenameVersion renames the version with that id of the room with edit
	// id roomID and returns it. Returns ErrVersionNotFound.
	RenameVersion(ctx context.Context, roomID RoomID, id, name string) (Version, error)
	// Ping checks that the store answers.
	Ping(ctx context.Context) error

	// Retention (see retention.go).

	// Horizon returns the compaction horizon of the room with edit id
	// roomID: the operations up to it are gone (but restores, which
	// OpByID still finds), a snapshot at exactly it exists; 0 before any
	// compaction. Returns ErrRoomNotFound.
	Horizon(ctx context.Context, roomID RoomID) (int, error)
	// CompactionCandidates returns up to limit rooms that have operations
	// after their horizon committed before cutoff, each with its horizon
	// and the newest such revision.
	CompactionCandidates(ctx context.Context, cutoff time.Time, limit int) ([]CompactionCandidate, error)
	// Compact applies c in one transaction: it saves c.Snapshots, deletes
	// the operations in (c.From, c.Horizon] but restores (Submission.Restore:
	// their ids stay answerable) and the snapshots before c.Horizon that no
	// named version pins, and moves the horizon, only if it is still
	// c.From and every version in (c.From, c.Horizon) has its snapshot in
	// c. Returns ErrCompactionConflict (nothing written), ErrRoomNotFound.
	Compact(ctx context.Context, c Compaction) error
}

// Batch is one room's operations for a group commit.
type Batch struct {
	RoomID RoomID
	Ops    []CommittedOp
}

// HeadCache keeps each active room's head document and a window of recent
// operations, so that loading a room reads little from the Store. It is never
// the source of truth: the room service checks what it returns against the
// Store's head revision, and treats every error as a miss.
type HeadCache interface {
	// Head returns the cached head of a room. Returns ErrCacheMiss.
	Head(ctx context.Context, roomID RoomID) (Head, error)
	// SetHead replaces the cached head if h is newer than what is cached.
	SetHead(ctx context.Context, roomID RoomID, h Head) error
	// AppendOps adds committed operations to the room's window, which keeps
	// at most the implementation's window size of the newest revisions.
	AppendOps(ctx context.Context, roomID RoomID, ops []CommittedOp) error
	// Ops returns the cached operations after from up to and including to,
	// contiguous and complete, or ErrCacheMiss if the window does not cover them.
	Ops(ctx context.Context, roomID RoomID, from, to int) ([]CommittedOp, error)
	// Ping checks that the cache answers.
	Ping(ctx context.Context) error
}

// FanOut carries committed operations between server instances that serve
// the same room. Delivery may be late, duplicated or lost (Redis pub/sub is
// at most once): a room orders what it receives by revision, ignores what it
// has, and fills gaps from the Store. With one instance there is none (nil).
type FanOut interface {
	// Publish announces operations this instance committed.
	Publish(ctx context.Context, roomID RoomID, ops []CommittedOp) error
	// PublishMetadata announces that this instance changed the room's
	// metadata (RoomInfo but its revision) in the Store.
	PublishMetadata(ctx context.Context, roomID RoomID) error
	// Subscribe calls deliver, from any goroutine, with operations other
	// instances publish for the room, and changed when one of them
	// publishes a change of its metadata (which the room then reads from
	// the Store), until cancel is called. Neither blocks, so an
	// implementation may call every room's from one goroutine.
	Subscribe(roomID RoomID, deliver func([]CommittedOp), changed func()) (cancel func(), err error)
}

// QuietFanOut may also be implemented by a FanOut that publishes a room's
// operations only while another instance listens to the room.
type QuietFanOut interface {
	// Unheard reports that no other instance listens to the room now, so
	// that what follows a commit there need not hurry (the cache writer
	// then gathers it with other rooms' work).
	Unheard(roomID RoomID) bool
	// Announce tells the other instances that this one listens to the
	// room, so that they publish its operations again. The head watcher
	// calls it for a room it finds behind.
	Announce(roomID RoomID)
}

// Recorder, when configured, receives each room's submissions as their
// clients sent them (before transform), in commit order: what a QA replay
// needs to reproduce the room exactly. It runs on the room's goroutine, so
// it must be quick (buffered).
type Recorder interface {
	// StartRoom begins the recording of a room loaded at revision with
	// content.
	StartRoom(info RoomInfo, revision int, content string) (RoomRecording, error)
}

// RoomRecording is one room's recording.
type RoomRecording interface {
	// Record writes one committed submission, or a resubmission answered
	// as a duplicate of a committed one.
	Record(RecordedSubmission) error
	Close() error
}

// RecordedSubmission is a submission as its client sent it, and what the
// room made of it.
type RecordedSubmission struct {
	ClientID, OpID string
	// Base and Op are the submission as received, at Received.
	Base     int
	Op       ot.Operation
	Received time.Time
	// Revision is the revision it created: for a resubmission (Resubmitted),
	// the one its original created.
	Revision    int
	Resubmitted bool
	// Committed is the operation as committed (after transform); unset for
	// a resubmission. Content is the document after Revision when the
	// room still has it at hand (the last of a group commit), else nil.
	Committed ot.Operation
	Content   *ot.Document
}
