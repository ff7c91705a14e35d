package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/tandem-editor/tandem/models"
	"github.com/tandem-editor/tandem/services"
)

// Horizon returns the room's compaction horizon. Returns
// services.ErrRoomNotFound.
func (s *Store) Horizon(ctx context.Context, roomID services.RoomID) (int, error) {
	var rows []models.Room
	if err := s.r.WithContext(ctx).Select("horizon").Where("id = ?", roomID.Reveal()).Limit(1).Find(&rows).Error; err != nil {
		return 0, fmt.Errorf("horizon room=%s: %w", roomID, err)
	}
	if len(rows) == 0 {
		return 0, services.ErrRoomNotFound
	}
	return int(rows[0].Horizon), nil
}

// CompactionCandidates finds rooms with revisions after their horizon
// committed before cutoff, through idx_revisions_created_at: what it scans
// are the old revisions not compacted yet.
func (s *Store) CompactionCandidates(ctx context.Context, cutoff time.Time, limit int) ([]services.CompactionCandidate, error) {
	var rows []struct {
		RoomID  string
		Horizon int64
		Upto    int64
	}
	err := s.r.WithContext(ctx).Raw(
		"SELECT revisions.room_id AS room_id, rooms.horizon AS horizon, MAX(revisions.revision) AS upto "+
			"FROM revisions JOIN rooms ON rooms.id = revisions.room_id "+
			"WHERE revisions.created_at < ? AND revisions.revision > rooms.horizon "+
			"GROUP BY revisions.room_id, rooms.horizon LIMIT ?", stamp(cutoff), limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("compaction candidates: %w", err)
	}
	out := make([]services.CompactionCandidate, len(rows))
	for i, r := range rows {
		out[i] = services.CompactionCandidate{RoomID: services.RoomIDOf(r.RoomID), Horizon: int(r.Horizon), Upto: int(r.Upto)}
	}
	return out, nil
}

// Compact applies c in one transaction. Its first statement moves the
// horizon by compare-and-set, which also locks the room's row (PostgreSQL;
// SQLite's write transactions are exclusive) against CreateVersion and
// AppendOps until it commits: it deletes at most c.Horizon-c.From rows.
// Returns services.ErrCompactionConflict and services.ErrRoomNotFound.
func (s *Store) Compact(ctx context.Context, c services.Compaction) error {
	what := fmt.Sprintf("compact room=%s to=%d", c.RoomID, c.Horizon)
	room := c.RoomID.Reveal()
	given := map[int]bool{}
	for _, snap := range c.Snapshots {
		given[snap.Revision] = true
	}
	if !given[c.Horizon] || c.Horizon <= c.From {
		return services.ErrCompactionConflict
	}
	tx, err := s.begin(ctx, what)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res := tx.Exec("UPDATE rooms SET horizon = ? WHERE id = ? AND horizon = ? AND head_revision >= ?", c.Horizon, room, c.From, c.Horizon)
	if res.Error != nil {
		return fmt.Errorf("%s: %w", what, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := tx.Model(&models.Room{}).Where("id = ?", room).Count(&n).Error; err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if n == 0 {
			return services.ErrRoomNotFound
		}
		return services.ErrCompactionConflict
	}
	var pins []int64
	if err := tx.Model(&models.Version{}).Where("room_id = ? AND revision > ? AND revision < ?", room, c.From, c.Horizon).
		Pluck("revision", &pins).Error; err != nil {
		return fmt.Errorf("%s: versions: %w", what, err)
	}
	for _, p := range pins {
		if !given[int(p)] {
			return services.ErrCompactionConflict
		}
	}
	for _, snap := range c.Snapshots {
		err := tx.Exec("INSERT INTO snapshots (room_id, revision, content, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (room_id, revision) DO NOTHING",
			room, snap.Revision, []byte(snap.Content), stamp(snap.CreatedAt)).Error
		if err != nil {
			return fmt.Errorf("%s: snapshot %d: %w", what, snap.Revision, err)
		}
	}
	if err := tx.Exec("DELETE FROM revisions WHERE room_id = ? AND revision > ? AND revision <= ? AND digest NOT LIKE ?",
		room, c.From, c.Horizon, services.RestoreDigestPrefix+"%").Error; err != nil {
		return fmt.Errorf("%s: revisions: %w", what, err)
	}
	if err := tx.Exec("DELETE FROM snapshots WHERE room_id = ? AND revision < ? AND revision NOT IN (SELECT revision FROM versions WHERE room_id = ?)",
		room, c.Horizon, room).Error; err != nil {
		return fmt.Errorf("%s: snapshots: %w", what, err)
	}
	if err := tx.Commit().Error; err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}
