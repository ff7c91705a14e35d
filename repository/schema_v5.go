package repository

import "gorm.io/gorm"

// The column of migration 5, frozen: models.Room's Horizon as it was when
// the migration was written. GORM declares it as it declares the model's
// (bigint on PostgreSQL, integer on SQLite). Never edit it.
type v5Room struct {
	Horizon int64 `gorm:"not null;default:0"`
}

func (v5Room) TableName() string { return "rooms" }

// addHorizon is migration 5's first step: rooms.horizon.
func addHorizon(tx *gorm.DB) error {
	return tx.Migrator().AddColumn(&v5Room{}, "Horizon")
}
