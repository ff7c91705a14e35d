package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
// COMMIT in one.
//
// It returns the rooms whose head it moved, and errClash when it undid a
// clash (the caller then commits each room alone to tell the errors apart).
func (s *Store) appendInOneStatement(ctx context.Context, preps []prepared, live []int, at time.Time) (map[services.RoomID]bool, error) {
	var b strings.Builder
	args := make([]any, 0, 1+3*len(live)+rowsOf(preps, live)*revisionParams)
	// tuple writes a row of VALUES: a placeholder for each value, cast to
	// its type.
	tuple := func(types []string, vals ...any) {
		for c, typ := range types {
			if c == 0 {
				b.WriteString("(CAST($")
			} else {
				b.WriteString(", CAST($")
			}
			b.WriteString(strconv.Itoa(len(args) + 1))
			b.WriteString(" AS " + typ + ")")
			args = append(args, vals[c])
		}
		b.WriteString(")")
	}
	b.WriteString("WITH v(id, old_head, new_head) AS (VALUES ")
	for k, i := range live {
		if k > 0 {
			b.WriteString(", ")
		}
		tuple(headTypes[:], preps[i].room.Reveal(), preps[i].first-1, preps[i].last)
	}
	b.WriteString("), moved AS (UPDATE rooms SET head_revision = v.new_head, updated_at = $" + strconv.Itoa(len(args)+1) +
		" FROM v WHERE rooms.id = v.id AND rooms.head_revision = v.old_head RETURNING rooms.id)," +
		" r(room_id, revision, operation, client_id, op_id, base_revision, digest, created_at) AS (VALUES ")
	args = append(args, at)
	k := 0
	for _, i := range live {
		for row := preps[i].args; len(row) > 0; row = row[revisionParams:] {
			if k > 0 {
				b.WriteString(", ")
			}
			k++
			tuple(revisionTypes[:], row[:revisionParams]...)
		}
	}
	b.WriteString("), ins AS (INSERT INTO revisions (room_id, revision, operation, client_id, op_id, base_revision, digest, created_at)" +
		" SELECT * FROM r WHERE r.room_id IN (SELECT id FROM moved) ON CONFLICT DO NOTHING RETURNING 1)," +
		" wanted AS (SELECT count(*) AS n FROM r WHERE r.room_id IN (SELECT id FROM moved))" +
		" SELECT moved.id, 1 / CASE WHEN (SELECT count(*) FROM ins) = (SELECT n FROM wanted) THEN 1 ELSE 0 END FROM moved")
	var got []string
	sent := false
	err := s.withPgx(ctx, func(c *pgx.Conn) error {
		sent = true
		rows, err := c.Query(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		got, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
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

// The types of a head row (room, old head, new head) and of a revision
// row's columns, in revisionColumns' order.
var (
	headTypes     = [...]string{"TEXT", "BIGINT", "BIGINT"}
	revisionTypes = [revisionParams]string{"TEXT", "BIGINT", "TEXT", "TEXT", "TEXT", "BIGINT", "TEXT", "TIMESTAMPTZ"}
)

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
