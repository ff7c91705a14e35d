package repository

import "time"

// The table of migration 4, frozen: models.Version as it was when the
// migration was written. Never edit it; a change is a new migration.
type v4Version struct {
	RoomID    string    `gorm:"primaryKey;autoIncrement:false;type:text"`
	ID        string    `gorm:"primaryKey;autoIncrement:false;type:text"`
	Name      string    `gorm:"not null;type:text"`
	Revision  int64     `gorm:"not null"`
	UserID    string    `gorm:"not null;default:'';type:text"`
	CreatedAt time.Time `gorm:"not null"`
}

func (v4Version) TableName() string { return "versions" }
