package models

import "time"

// Room is a collaborative document's metadata and its committed head.
type Room struct {
	// ID is the edit id: whoever knows it may edit.
	ID string `gorm:"primaryKey;type:text"`
	// ReadOnlyID lets its holder watch the room without editing.
	ReadOnlyID   string    `gorm:"not null;uniqueIndex:idx_rooms_read_only_id;type:text"`
	Name         string    `gorm:"not null;type:text"`
	Language     string    `gorm:"not null;type:text"`
	HeadRevision int64     `gorm:"not null;default:0"`
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
	// Horizon is the compaction horizon (retention): the revisions up to
	// it are gone, but restores; a snapshot at it exists.
	Horizon int64 `gorm:"not null;default:0"`
}

// Revision is one committed operation of a room's history. (RoomID,
// Revision) is the primary key, so two writers cannot commit the same
// revision; a non-empty OpID is unique in its room, so an id names one
// operation at any age and a resubmission is recognised.
type Revision struct {
	RoomID   string `gorm:"primaryKey;autoIncrement:false;type:text;uniqueIndex:idx_revisions_room_op_id,priority:1,where:op_id <> ''"`
	Revision int64  `gorm:"primaryKey;autoIncrement:false"`
	// Operation is the ot.js JSON array of the operation, e.g. [3,"xy",-2].
	Operation    string `gorm:"not null;type:text"`
	ClientID     string `gorm:"not null;type:text"`
	OpID         string `gorm:"not null;type:text;uniqueIndex:idx_revisions_room_op_id,priority:2"`
	BaseRevision int64  `gorm:"not null"`
	Digest       string `gorm:"not null;type:text"`
	// CreatedAt is indexed for retention, which looks for old revisions.
	CreatedAt time.Time `gorm:"not null;index:idx_revisions_created_at"`
}

// Snapshot is a room's full content at a revision. (RoomID, Revision) is
// the primary key. Content is bytes (bytea, blob) because PostgreSQL text
// cannot hold U+0000.
type Snapshot struct {
	RoomID    string    `gorm:"primaryKey;autoIncrement:false;type:text"`
	Revision  int64     `gorm:"primaryKey;autoIncrement:false"`
	Content   []byte    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// Version is a named revision of a room; (RoomID, ID) is the primary key.
// A version pins its revision against retention.
type Version struct {
	RoomID    string    `gorm:"primaryKey;autoIncrement:false;type:text"`
	ID        string    `gorm:"primaryKey;autoIncrement:false;type:text"`
	Name      string    `gorm:"not null;type:text"`
	Revision  int64     `gorm:"not null"`
	UserID    string    `gorm:"not null;default:'';type:text"`
	CreatedAt time.Time `gorm:"not null"`
}

// All returns one value of every model, in the order their tables are
// created.
func All() []any {
	return []any{&Room{}, &Revision{}, &Snapshot{}, &Version{}}
}
