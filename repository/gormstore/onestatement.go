package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tandem-editor/tandem/services"
)

// appendInOneStatement commits the live batches on PostgreSQL in one
// statement, one round trip: a data-modifying WITH moves every room's head
// by compare-and-set and inserts the rows of the rooms it moved, and the
// statement divides by zero, undoing all of it, when an inserted row clashed
// with the history (an operation id in use). A statement is a transaction
// of its own, so this is the four round trips of BEGIN, UPDATE, INSERT,
// COMMIT in one. The rooms and rows go as arrays, one per column, so the
// statement's text is the same for every batch: PostgreSQL parses and plans
// it once per connection, whatever the number of rooms and rows.
//
// It returns the rooms whose head it moved, and errClash when it undid a
// clash (the caller then commits each room alone to tell the errors apart).
func (s *Store) appendInOneStatement(ctx context.Context, preps []prepared, live []int, at time.Time) (map[services.RoomID]bool, error) {
	var heads struct {
		room     []string
		old, new []int64
	}
	var rows struct {
		room                   []string
		revision, base         []int64
		op, client, id, digest []string
		created                []time.Time
	}
	for _, i := range live {
		p := preps[i]
		room := p.room.Reveal()
		heads.room = append(heads.room, room)
		heads.old = append(heads.old, int64(p.first-1))
		heads.new = append(heads.new, int64(p.last))
		for _, r := range p.rows {
			rows.room = append(rows.room, room)
			rows.revision = append(rows.revision, int64(r.revision))
			rows.base = append(rows.base, int64(r.base))
			rows.op = append(rows.op, r.op)
			rows.client = append(rows.client, r.client)
			rows.id = append(rows.id, r.id)
			rows.digest = append(rows.digest, r.digest)
			rows.created = append(rows.created, r.created)
		}
	}
	var got []string
	sent := false
	err := s.withPgx(ctx, func(c *pgx.Conn) error {
		sent = true
		res, err := c.Query(ctx, oneStatement, heads.room, heads.old, heads.new, at,
			rows.room, rows.revision, rows.op, rows.client, rows.id, rows.base, rows.digest, rows.created)
		if err != nil {
			return err
		}
		got, err = pgx.CollectRows(res, func(row pgx.CollectableRow) (string, error) {
			var id string
			var check int
			return id, row.Scan(&id, &check)
		})
		return err
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
	for _, id := range got {
		moved[services.RoomIDOf(id)] = true
	}
	return moved, nil
}

// oneStatement is appendInOneStatement's statement: $1–$3 the rooms, their
// heads before and after; $4 the time; $5–$12 the rows' columns, in
// revisionColumns' order.
const oneStatement = `WITH v(id, old_head, new_head) AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])),
moved AS (UPDATE rooms SET head_revision = v.new_head, updated_at = $4
	FROM v WHERE rooms.id = v.id AND rooms.head_revision = v.old_head RETURNING rooms.id),
r(room_id, revision, operation, client_id, op_id, base_revision, digest, created_at) AS (
	SELECT * FROM unnest($5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[], $12::timestamptz[])),
ins AS (INSERT INTO revisions (room_id, revision, operation, client_id, op_id, base_revision, digest, created_at)
	SELECT * FROM r WHERE r.room_id IN (SELECT id FROM moved) ON CONFLICT DO NOTHING RETURNING 1),
wanted AS (SELECT count(*) AS n FROM r WHERE r.room_id IN (SELECT id FROM moved))
SELECT moved.id, 1 / CASE WHEN (SELECT count(*) FROM ins) = (SELECT n FROM wanted) THEN 1 ELSE 0 END FROM moved`

// withPgx runs f on a connection of the write pool as pgx's own
// connection: the commit's statement goes through pgx without GORM's
// statement building, callbacks and reflection, or database/sql's value
// conversion (a third of the commit's CPU at one room per transaction).
func (s *Store) withPgx(ctx context.Context, f func(*pgx.Conn) error) error {
	db, err := s.w.DB()
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL pool's connection is a %T, not pgx's", dc)
		}
		return f(c.Conn())
	})
}

// errClash: a row of the batch clashed with the history; nothing was
// written.
var errClash = errors.New("a row clashed with the history")
