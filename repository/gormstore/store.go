package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tandem-editor/tandem/models"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// Store is a services.Store over GORM.
type Store struct {
	w     *gorm.DB // writes: one connection on SQLite
	r     *gorm.DB // reads: w on PostgreSQL, read-only connections on SQLite
	pools []*sql.DB
}

var _ services.Store = (*Store)(nil)

// DB returns the GORM handle that writes, for tools and tests.
func (s *Store) DB() *gorm.DB { return s.w }

// Close closes the connection pools.
func (s *Store) Close() error {
	var errs []error
	for _, p := range s.pools {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that every pool answers.
func (s *Store) Ping(ctx context.Context) error {
	for _, p := range s.pools {
		if err := p.PingContext(ctx); err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
	}
	return nil
}

// begin starts a write transaction. Its error wraps
// services.ErrStoreUnreachable: no transaction, nothing written.
func (s *Store) begin(ctx context.Context, what string) (*gorm.DB, error) {
	tx := s.w.WithContext(ctx).Begin()
	if tx.Error != nil {
		return nil, fmt.Errorf("%s: begin: %w: %w", what, services.ErrStoreUnreachable, tx.Error)
	}
	return tx, nil
}

// CreateRoom stores the room with head revision 0 and content as its
// snapshot of revision 0, in one transaction.
func (s *Store) CreateRoom(ctx context.Context, info services.RoomInfo, content string) error {
	what := fmt.Sprintf("create room %s", info.ID)
	tx, err := s.begin(ctx, what)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	info.Revision = 0
	room := roomRow(info)
	if err := tx.Create(&room).Error; err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	snap := models.Snapshot{RoomID: info.ID.Reveal(), Content: []byte(content), CreatedAt: room.CreatedAt}
	if err := tx.Create(&snap).Error; err != nil {
		return fmt.Errorf("%s: snapshot: %w", what, err)
	}
	if err := tx.Commit().Error; err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// Room finds a room by its edit id or its read-only id.
// Returns services.ErrRoomNotFound.
func (s *Store) Room(ctx context.Context, id services.RoomID) (services.RoomInfo, error) {
	var row models.Room
	err := s.r.WithContext(ctx).Where("id = ? OR read_only_id = ?", id.Reveal(), id.Reveal()).Limit(1).Find(&row).Error
	if err != nil {
		return services.RoomInfo{}, fmt.Errorf("find room %s: %w", id, err)
	}
	if row.ID == "" {
		return services.RoomInfo{}, services.ErrRoomNotFound
	}
	return roomInfo(row), nil
}

// UpdateRoom changes the room with edit id roomID as patch.Apply does, in
// one transaction that reads the row (locking it on PostgreSQL; SQLite's
// write transactions are exclusive) and writes it back only if it changed.
// Returns services.ErrRoomNotFound.
func (s *Store) UpdateRoom(ctx context.Context, roomID services.RoomID, patch services.RoomPatch) (services.RoomInfo, error) {
	what := fmt.Sprintf("update room %s", roomID)
	tx, err := s.begin(ctx, what)
	if err != nil {
		return services.RoomInfo{}, err
	}
	defer tx.Rollback()
	read := tx
	if tx.Dialector.Name() == "postgres" {
		read = tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []models.Room
	if err := read.Where("id = ?", roomID.Reveal()).Limit(1).Find(&rows).Error; err != nil {
		return services.RoomInfo{}, fmt.Errorf("%s: %w", what, err)
	}
	if len(rows) == 0 {
		return services.RoomInfo{}, services.ErrRoomNotFound
	}
	info := roomInfo(rows[0])
	if !patch.Apply(&info, now()) {
		return info, nil
	}
	// Every column but those a patch never changes: a field added to the
	// model and to RoomInfo needs nothing here.
	row := roomRow(info)
	res := tx.Model(&row).Select("*").Omit("id", "read_only_id", "head_revision", "created_at", "horizon").UpdateColumns(&row)
	if res.Error != nil {
		return services.RoomInfo{}, fmt.Errorf("%s: %w", what, res.Error)
	}
	if err := tx.Commit().Error; err != nil {
		return services.RoomInfo{}, fmt.Errorf("%s: commit: %w", what, err)
	}
	return info, nil
}

// roomRow is info as a row of rooms; roomInfo is the other way. A field of
// the room is named in these two, and nowhere else in this package.
func roomRow(info services.RoomInfo) models.Room {
	return models.Room{
		ID: info.ID.Reveal(), ReadOnlyID: info.ReadOnlyID.Reveal(), Name: info.Name, Language: info.Language,
		HeadRevision: int64(info.Revision), CreatedAt: stamp(info.CreatedAt), UpdatedAt: stamp(info.UpdatedAt),
	}
}

func roomInfo(r models.Room) services.RoomInfo {
	return services.RoomInfo{
		ID: services.RoomIDOf(r.ID), ReadOnlyID: services.RoomIDOf(r.ReadOnlyID), Name: r.Name, Language: r.Language,
		Revision: int(r.HeadRevision), CreatedAt: stamp(r.CreatedAt), UpdatedAt: stamp(r.UpdatedAt),
	}
}

// revisionColumns is the column list of AppendOps' INSERT; revisionParams
// is the number of placeholders per row.
const (
	revisionColumns = "INSERT INTO revisions (room_id, revision, operation, client_id, op_id, base_revision, digest, created_at) VALUES "
	revisionRow     = "(?, ?, ?, ?, ?, ?, ?, ?)"
	revisionParams  = 8
	// insertChunk rows per INSERT keep the placeholders (8 per row) under
	// SQLite's and PostgreSQL's limits.
	insertChunk = 500
)

// AppendOps commits ops, which must continue the room's history from its
// head, in one transaction: it moves rooms.head_revision from the revision
// before the first op to the last, then inserts the rows.
//
// Returns services.ErrRevisionTaken (nothing written) when another writer
// committed one of the revisions, services.ErrOpIDTaken (nothing written)
// when an op id is already in the room's history, services.ErrRoomNotFound,
// and an error wrapping services.ErrStoreUnreachable when the transaction
// could not begin.
func (s *Store) AppendOps(ctx context.Context, roomID services.RoomID, ops []services.CommittedOp) error {
	return s.AppendBatches(ctx, []services.Batch{{RoomID: roomID, Ops: ops}})[0]
}

// appendOne commits one room's batch in its own transaction, telling its
// errors apart exactly.
func (s *Store) appendOne(ctx context.Context, b prepared) error {
	what := b.what()
	tx, err := s.begin(ctx, what)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res := tx.Exec("UPDATE rooms SET head_revision = ?, updated_at = ? WHERE id = ? AND head_revision = ?", b.last, b.at, b.room.Reveal(), b.first-1)
	if res.Error != nil {
		return fmt.Errorf("%s: move head: %w", what, res.Error)
	}
	if res.RowsAffected == 0 {
		return headMismatch(tx, what, b.room, b.first)
	}
	if _, err := insertRows(tx, b.args(), ""); err != nil {
		if isOpIDViolation(err) {
			return fmt.Errorf("%s: %w", what, services.ErrOpIDTaken)
		}
		if isUniqueViolation(err) {
			return fmt.Errorf("%s: %w", what, services.ErrRevisionTaken)
		}
		return fmt.Errorf("%s: insert: %w", what, err)
	}
	if err := tx.Commit().Error; err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// insertRows inserts the rows of args (revisionParams per row) in chunks,
// each statement ending with suffix, and returns how many it inserted.
func insertRows(tx *gorm.DB, args []any, suffix string) (int64, error) {
	var inserted int64
	rows := len(args) / revisionParams
	for start := 0; start < rows; start += insertChunk {
		n := min(insertChunk, rows-start)
		res := tx.Exec(insertSQL(n)+suffix, args[start*revisionParams:(start+n)*revisionParams]...)
		if res.Error != nil {
			return inserted, res.Error
		}
		inserted += res.RowsAffected
	}
	return inserted, nil
}

// headMismatch explains why the head did not move: no such room, a taken
// revision, or a gap before the first op.
func headMismatch(tx *gorm.DB, what string, roomID services.RoomID, first int) error {
	var heads []int64
	if err := tx.Raw("SELECT head_revision FROM rooms WHERE id = ?", roomID.Reveal()).Scan(&heads).Error; err != nil {
		return fmt.Errorf("%s: read head: %w", what, err)
	}
	switch {
	case len(heads) == 0:
		return fmt.Errorf("%s: %w", what, services.ErrRoomNotFound)
	case int(heads[0]) >= first:
		return fmt.Errorf("%s: head is %d: %w", what, heads[0], services.ErrRevisionTaken)
	default:
		return services.Errorf(services.CodeInternal, "append ops: revision %d does not follow head %d", first, heads[0])
	}
}

// insertSQLs caches the INSERT statements of the common batch sizes.
var insertSQLs = func() [65]string {
	var a [65]string
	for n := 1; n < len(a); n++ {
		a[n] = buildInsertSQL(n)
	}
	return a
}()

func insertSQL(rows int) string {
	if rows < len(insertSQLs) {
		return insertSQLs[rows]
	}
	return buildInsertSQL(rows)
}

func buildInsertSQL(rows int) string {
	var b strings.Builder
	b.Grow(len(revisionColumns) + rows*(len(revisionRow)+2))
	b.WriteString(revisionColumns)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(revisionRow)
	}
	return b.String()
}

// Ops returns up to limit operations with revisions after from and after
// the room's horizon, in order.
func (s *Store) Ops(ctx context.Context, roomID services.RoomID, from, limit int) ([]services.CommittedOp, error) {
	if limit <= 0 {
		return nil, nil
	}
	var rows []models.Revision
	err := s.r.WithContext(ctx).
		Where("room_id = ? AND revision > ? AND revision > (SELECT horizon FROM rooms WHERE id = ?)", roomID.Reveal(), from, roomID.Reveal()).
		Order("revision").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("ops room=%s from=%d: %w", roomID, from, err)
	}
	ops := make([]services.CommittedOp, len(rows))
	for i, r := range rows {
		if ops[i], err = committedOp(r); err != nil {
			return nil, err
		}
	}
	return ops, nil
}

// Heads returns the head revisions of the rooms among roomIDs that exist.
func (s *Store) Heads(ctx context.Context, roomIDs []services.RoomID) (map[services.RoomID]int, error) {
	var rows []models.Room
	if len(roomIDs) > 0 {
		raw := make([]string, len(roomIDs))
		for i, id := range roomIDs {
			raw[i] = id.Reveal()
		}
		err := s.r.WithContext(ctx).Select("id", "head_revision").Where("id IN ?", raw).Find(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("read heads of %d rooms: %w", len(roomIDs), err)
		}
	}
	heads := make(map[services.RoomID]int, len(rows))
	for _, r := range rows {
		heads[services.RoomIDOf(r.ID)] = int(r.HeadRevision)
	}
	return heads, nil
}

// OpByID finds the committed operation the client gave opID.
// Returns services.ErrOpNotFound.
func (s *Store) OpByID(ctx context.Context, roomID services.RoomID, opID string) (services.CommittedOp, error) {
	if opID == "" {
		return services.CommittedOp{}, services.ErrOpNotFound
	}
	r, found, err := firstRow[models.Revision](ctx, s.r, "revision", "room_id = ? AND op_id = ?", roomID.Reveal(), opID)
	if err != nil {
		return services.CommittedOp{}, fmt.Errorf("op room=%s id=%s: %w", roomID, opID, err)
	}
	if !found {
		return services.CommittedOp{}, services.ErrOpNotFound
	}
	return committedOp(r)
}

// firstRow reads the first row of T in order among those that match where
// with args, and says whether there is one: no row is not an error.
func firstRow[T any](ctx context.Context, db *gorm.DB, order, where string, args ...any) (row T, found bool, err error) {
	var rows []T
	if err := db.WithContext(ctx).Where(where, args...).Order(order).Limit(1).Find(&rows).Error; err != nil {
		return row, false, err
	}
	if len(rows) == 0 {
		return row, false, nil
	}
	return rows[0], true, nil
}

func committedOp(r models.Revision) (services.CommittedOp, error) {
	var op ot.Operation
	if err := op.UnmarshalJSON([]byte(r.Operation)); err != nil {
		return services.CommittedOp{}, fmt.Errorf("decode op room=%s rev=%d: %w", services.RoomIDOf(r.RoomID), r.Revision, err)
	}
	return services.CommittedOp{
		Revision: int(r.Revision), Op: op, ClientID: r.ClientID, OpID: r.OpID,
		BaseRevision: int(r.BaseRevision), Digest: r.Digest, CreatedAt: stamp(r.CreatedAt),
	}, nil
}

// Snapshot returns the newest snapshot at or before revision.
// Returns services.ErrSnapshotNotFound.
func (s *Store) Snapshot(ctx context.Context, roomID services.RoomID, revision int) (services.Snapshot, error) {
	r, found, err := firstRow[models.Snapshot](ctx, s.r, "revision DESC", "room_id = ? AND revision <= ?", roomID.Reveal(), revision)
	if err != nil {
		return services.Snapshot{}, fmt.Errorf("snapshot room=%s rev=%d: %w", roomID, revision, err)
	}
	if !found {
		return services.Snapshot{}, services.ErrSnapshotNotFound
	}
	return services.Snapshot{RoomID: services.RoomIDOf(r.RoomID), Revision: int(r.Revision), Content: string(r.Content), CreatedAt: stamp(r.CreatedAt)}, nil
}

// SaveSnapshot stores a snapshot unless one exists at its revision.
// Returns services.ErrRoomNotFound.
func (s *Store) SaveSnapshot(ctx context.Context, snap services.Snapshot) error {
	created := snap.CreatedAt
	if created.IsZero() {
		created = now()
	}
	res := s.w.WithContext(ctx).Exec(
		"INSERT INTO snapshots (room_id, revision, content, created_at) "+
			"SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM rooms WHERE id = ?) "+
			"ON CONFLICT (room_id, revision) DO NOTHING",
		snap.RoomID.Reveal(), snap.Revision, []byte(snap.Content), stamp(created), snap.RoomID.Reveal())
	if res.Error != nil {
		return fmt.Errorf("save snapshot room=%s rev=%d: %w", snap.RoomID, snap.Revision, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := s.w.WithContext(ctx).Model(&models.Room{}).Where("id = ?", snap.RoomID.Reveal()).Count(&n).Error; err != nil {
			return fmt.Errorf("save snapshot room=%s rev=%d: %w", snap.RoomID, snap.Revision, err)
		}
		if n == 0 {
			return services.ErrRoomNotFound
		}
	}
	return nil
}
