package gormstore

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"

	"github.com/tandem-editor/tandem/models"
	"github.com/tandem-editor/tandem/services"
)

// CreateVersion stores v in one transaction that locks the room's row
// (PostgreSQL; SQLite's write transactions are exclusive), so that two
// instances cannot both pass the MaxVersions check.
// Returns services.ErrRoomNotFound and services.ErrTooManyVersions.
func (s *Store) CreateVersion(ctx context.Context, v services.Version) error {
	what := fmt.Sprintf("create version room=%s", v.RoomID)
	tx, err := s.begin(ctx, what)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	read := tx
	if tx.Dialector.Name() == "postgres" {
		read = tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rooms []models.Room
	if err := read.Select("id", "horizon").Where("id = ?", v.RoomID.Reveal()).Limit(1).Find(&rooms).Error; err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(rooms) == 0 {
		return services.ErrRoomNotFound
	}
	var n int64
	if err := tx.Model(&models.Version{}).Where("room_id = ?", v.RoomID.Reveal()).Count(&n).Error; err != nil {
		return fmt.Errorf("%s: count: %w", what, err)
	}
	if n >= services.MaxVersions {
		return services.ErrTooManyVersions
	}
	if v.Revision < int(rooms[0].Horizon) {
		// Compact holds the room's row too: the horizon cannot move past
		// a version created meanwhile without its snapshot.
		if err := tx.Model(&models.Snapshot{}).Where("room_id = ? AND revision = ?", v.RoomID.Reveal(), v.Revision).Count(&n).Error; err != nil {
			return fmt.Errorf("%s: snapshot: %w", what, err)
		}
		if n == 0 {
			return services.ErrRevisionCompacted
		}
	}
	row := models.Version{RoomID: v.RoomID.Reveal(), ID: v.ID, Name: v.Name, Revision: int64(v.Revision), UserID: v.UserID, CreatedAt: stamp(v.CreatedAt)}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit().Error; err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// Versions returns the room's versions (at most services.MaxVersions).
func (s *Store) Versions(ctx context.Context, roomID services.RoomID) ([]services.Version, error) {
	var rows []models.Version
	if err := s.r.WithContext(ctx).Where("room_id = ?", roomID.Reveal()).Limit(services.MaxVersions).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("versions room=%s: %w", roomID, err)
	}
	out := make([]services.Version, len(rows))
	for i, r := range rows {
		out[i] = version(r)
	}
	return out, nil
}

// RenameVersion renames one version. Returns services.ErrVersionNotFound.
func (s *Store) RenameVersion(ctx context.Context, roomID services.RoomID, id, name string) (services.Version, error) {
	what := fmt.Sprintf("rename version room=%s", roomID)
	tx, err := s.begin(ctx, what)
	if err != nil {
		return services.Version{}, err
	}
	defer tx.Rollback()
	res := tx.Model(&models.Version{}).Where("room_id = ? AND id = ?", roomID.Reveal(), id).Update("name", name)
	if res.Error != nil {
		return services.Version{}, fmt.Errorf("%s: %w", what, res.Error)
	}
	if res.RowsAffected == 0 {
		return services.Version{}, services.ErrVersionNotFound
	}
	var row models.Version
	if err := tx.Where("room_id = ? AND id = ?", roomID.Reveal(), id).Take(&row).Error; err != nil {
		return services.Version{}, fmt.Errorf("%s: read back: %w", what, err)
	}
	if err := tx.Commit().Error; err != nil {
		return services.Version{}, fmt.Errorf("%s: commit: %w", what, err)
	}
	return version(row), nil
}

func version(r models.Version) services.Version {
	return services.Version{
		ID: r.ID, RoomID: services.RoomIDOf(r.RoomID), Name: r.Name, Revision: int(r.Revision),
		UserID: r.UserID, CreatedAt: stamp(r.CreatedAt),
	}
}
