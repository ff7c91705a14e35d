package gormstore

import (
	"errors"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	sqlite3 "modernc.org/sqlite/lib"
)

// isUniqueViolation reports whether err is a unique or primary key
// violation on PostgreSQL (SQLSTATE 23505) or SQLite.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var lite *gosqlite.Error
	if errors.As(err, &lite) {
		code := lite.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

// opIDIndex is the unique index on a room's operation ids (models.Revision).
const opIDIndex = "idx_revisions_room_op_id"

// isOpIDViolation reports whether a unique violation is on opIDIndex rather
// than on the primary key (room, revision).
func isOpIDViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505" && pg.ConstraintName == opIDIndex
	}
	var lite *gosqlite.Error
	if errors.As(err, &lite) {
		// SQLite names the columns, not the index: "UNIQUE constraint
		// failed: revisions.room_id, revisions.op_id".
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE && strings.Contains(lite.Error(), "revisions.op_id")
	}
	return false
}
