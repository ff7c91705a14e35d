package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/tandem-editor/tandem/services"
)

// appendInOneStatement commits the live batches on PostgreSQL in one
// statement, one round trip: a data-modifying WITH moves every room's head
// by compare-and-set and inserts the rows of the rooms it moved, and the
// statement divides by zero, undoing all of it, when an inserted row clashed
// with the history (an operation id in use). A statement is a transaction
// of its own, so this is the four round trips of BEGIN, UPDATE, INSERT,
// COMMIT in one.
//
// It returns the rooms whose head it moved, and errClash when it undid a
// clash (the caller then commits each room alone to tell the errors apart).
func (s *Store) appendInOneStatement(ctx context.Context, preps []prepared, live []int, at time.Time) (map[services.RoomID]bool, error) {
	var b strings.Builder
	args := make([]any, 0, 1+3*len(live))
	b.WriteString("WITH v(id, old_head, new_head) AS (VALUES ")
	rows := 0
	for k, i := range live {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT))")
		args = append(args, preps[i].room.Reveal(), preps[i].first-1, preps[i].last)
		rows += len(preps[i].args) / revisionParams
	}
	b.WriteString("), moved AS (UPDATE rooms SET head_revision = v.new_head, updated_at = ? FROM v" +
		" WHERE rooms.id = v.id AND rooms.head_revision = v.old_head RETURNING rooms.id)," +
		" r(room_id, revision, operation, client_id, op_id, base_revision, digest, created_at) AS (VALUES ")
	args = append(args, at)
	k := 0
	for _, i := range live {
		for range len(preps[i].args) / revisionParams {
			if k > 0 {
				b.WriteString(", ")
			}
			k++
			b.WriteString("(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TIMESTAMPTZ))")
		}
		args = append(args, preps[i].args...)
	}
	b.WriteString("), ins AS (INSERT INTO revisions (room_id, revision, operation, client_id, op_id, base_revision, digest, created_at)" +
		" SELECT * FROM r WHERE r.room_id IN (SELECT id FROM moved) ON CONFLICT DO NOTHING RETURNING 1)," +
		" wanted AS (SELECT count(*) AS n FROM r WHERE r.room_id IN (SELECT id FROM moved))" +
		" SELECT moved.id, 1 / CASE WHEN (SELECT count(*) FROM ins) = (SELECT n FROM wanted) THEN 1 ELSE 0 END FROM moved")
	var got []struct {
		ID    string
		Check int
	}
	sent := false
	err := s.w.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		sent = true
		return conn.Raw(b.String(), args...).Scan(&got).Error
	})
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "22012" { // division_by_zero: the guard
		return nil, errClash
	}
	if err != nil && !sent {
		// No connection, so nothing reached the server: nothing was written.
		return nil, fmt.Errorf("append ops of %d rooms: %w: %w", len(live), services.ErrStoreUnreachable, err)
	}
	if err != nil {
		return nil, fmt.Errorf("append ops of %d rooms: %w", len(live), err)
	}
	moved := make(map[services.RoomID]bool, len(got))
	for _, g := range got {
		moved[services.RoomIDOf(g.ID)] = true
	}
	return moved, nil
}

// errClash: a row of the batch clashed with the history; nothing was
// written.
var errClash = errors.New("a row clashed with the history")
