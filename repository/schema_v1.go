package repository

import (
	"time"

	"gorm.io/gorm"
)

// The schema of migration 1, frozen: the models as they were when it was
// released (commit b0617b4), copied here so that migration 1 creates the
// same tables whatever models/ says today. Never edit these; a change to
// the schema is a new migration.
type (
	v1Room struct {
		ID           string    `gorm:"primaryKey;type:text"`
		ReadOnlyID   string    `gorm:"not null;uniqueIndex:idx_rooms_read_only_id;type:text"`
		Name         string    `gorm:"not null;type:text"`
		Language     string    `gorm:"not null;type:text"`
		HeadRevision int64     `gorm:"not null;default:0"`
		CreatedAt    time.Time `gorm:"not null"`
		UpdatedAt    time.Time `gorm:"not null"`
	}
	v1Revision struct {
		RoomID       string    `gorm:"primaryKey;autoIncrement:false;type:text;index:idx_revisions_room_op,priority:1"`
		Revision     int64     `gorm:"primaryKey;autoIncrement:false"`
		Operation    string    `gorm:"not null;type:text"`
		ClientID     string    `gorm:"not null;type:text"`
		OpID         string    `gorm:"not null;type:text;index:idx_revisions_room_op,priority:2"`
		BaseRevision int64     `gorm:"not null"`
		Digest       string    `gorm:"not null;type:text"`
		CreatedAt    time.Time `gorm:"not null"`
	}
	v1Snapshot struct {
		RoomID    string    `gorm:"primaryKey;autoIncrement:false;type:text"`
		Revision  int64     `gorm:"primaryKey;autoIncrement:false"`
		Content   []byte    `gorm:"not null"`
		CreatedAt time.Time `gorm:"not null"`
	}
)

func (v1Room) TableName() string     { return "rooms" }
func (v1Revision) TableName() string { return "revisions" }
func (v1Snapshot) TableName() string { return "snapshots" }

// createV1 is migration 1: the tables of schema v1.
func createV1(tx *gorm.DB) error {
	return tx.Migrator().CreateTable(&v1Room{}, &v1Revision{}, &v1Snapshot{})
}
