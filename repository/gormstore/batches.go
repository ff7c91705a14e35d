package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tandem-editor/tandem/services"
)

// prepared is one room's batch, checked and encoded before the
// transaction so that the transaction stays short.
type prepared struct {
	room        services.RoomID
	first, last int
	at          time.Time
	rows        []opRow
}

// opRow is one row of the revisions table.
type opRow struct {
	revision, base         int
	op, client, id, digest string
	created                time.Time
}

// prepare checks that b's operations are contiguous and encodes its rows.
func prepare(b services.Batch, at time.Time) (prepared, error) {
	p := prepared{room: b.RoomID, at: at}
	if len(b.Ops) == 0 {
		return p, nil
	}
	p.first, p.last = b.Ops[0].Revision, b.Ops[len(b.Ops)-1].Revision
	p.rows = make([]opRow, len(b.Ops))
	for i, op := range b.Ops {
		if op.Revision != p.first+i {
			return p, services.Errorf(services.CodeInternal, "append ops: revision %d does not follow %d", op.Revision, p.first+i-1)
		}
		js, err := op.Op.MarshalJSON()
		if err != nil {
			return p, fmt.Errorf("%s: encode revision %d: %w", p.what(), op.Revision, err)
		}
		created := op.CreatedAt
		if created.IsZero() {
			created = at
		}
		p.rows[i] = opRow{revision: op.Revision, base: op.BaseRevision, op: string(js), client: op.ClientID, id: op.OpID, digest: op.Digest, created: stamp(created)}
	}
	return p, nil
}

// what names the batch in errors.
func (p prepared) what() string {
	return fmt.Sprintf("append ops room=%s revs=%d..%d", p.room, p.first, p.last)
}

// args are the batch's rows as the parameters of insertRows: revisionParams
// per row, in revisionColumns' order.
func (p prepared) args() []any {
	args := make([]any, 0, len(p.rows)*revisionParams)
	for _, r := range p.rows {
		args = append(args, p.room.Reveal(), r.revision, r.op, r.client, r.id, r.base, r.digest, r.created)
	}
	return args
}

// AppendBatches commits the batches of several rooms in one transaction,
// so that one fsync covers them all. On PostgreSQL that is one statement,
// one round trip, of the same text for every batch (appendInOneStatement);
// on SQLite one statement moves every room's head by compare-and-set and
// one inserts every winner's rows. A room whose head another writer moved
// gets its own error and takes nothing from the others. Should a row clash with the history (an operation id in use),
// the transaction is rolled back and each room is committed on its own,
// which tells the errors apart; that is rare, and it is as correct.
//
// Errors, per batch: as AppendOps.
func (s *Store) AppendBatches(ctx context.Context, batches []services.Batch) []error {
	errs := make([]error, len(batches))
	at := now()
	var live []int
	preps := make([]prepared, len(batches))
	for i, b := range batches {
		p, err := prepare(b, at)
		if err != nil {
			errs[i] = err
		} else if len(b.Ops) > 0 {
			preps[i] = p
			live = append(live, i)
		}
	}
	switch {
	case len(live) == 0:
		return errs
	case s.w.Dialector.Name() == "postgres":
		return s.appendPostgres(ctx, preps, live, at, errs)
	case len(live) == 1:
		errs[live[0]] = s.appendOne(ctx, preps[live[0]])
		return errs
	}
	what := fmt.Sprintf("append ops of %d rooms", len(live))
	tx, err := s.begin(ctx, what)
	if err != nil {
		for _, i := range live {
			errs[i] = err
		}
		return errs
	}
	defer tx.Rollback()
	fail := func(idx []int, err error) []error {
		for _, i := range idx {
			errs[i] = err
		}
		return errs
	}
	moved, err := moveHeads(tx, preps, live, at)
	if err != nil {
		return fail(live, fmt.Errorf("%s: move heads: %w", what, err))
	}
	var won []int
	var args []any
	for _, i := range live {
		if !moved[preps[i].room] {
			errs[i] = headMismatch(tx, preps[i].what(), preps[i].room, preps[i].first)
			continue
		}
		won = append(won, i)
		args = append(args, preps[i].args()...)
	}
	inserted, err := insertRows(tx, args, " ON CONFLICT DO NOTHING")
	if err != nil {
		return fail(won, fmt.Errorf("%s: insert: %w", what, err))
	}
	if inserted != int64(len(args)/revisionParams) {
		_ = tx.Rollback()
		for _, i := range won {
			errs[i] = s.appendOne(ctx, preps[i])
		}
		return errs
	}
	if err := tx.Commit().Error; err != nil {
		return fail(won, fmt.Errorf("%s: commit: %w", what, err))
	}
	return errs
}

// moveHeads moves the head of every live room from the revision before its
// first operation to its last, in one statement (UPDATE … FROM VALUES),
// and returns the rooms whose head it moved.
func moveHeads(tx *gorm.DB, preps []prepared, live []int, at time.Time) (map[services.RoomID]bool, error) {
	var b strings.Builder
	b.WriteString("UPDATE rooms SET head_revision = v.column3, updated_at = ? FROM (VALUES ")
	args := make([]any, 0, 1+3*len(live))
	args = append(args, at)
	for k, i := range live {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT))")
		args = append(args, preps[i].room.Reveal(), preps[i].first-1, preps[i].last)
	}
	b.WriteString(") AS v WHERE rooms.id = v.column1 AND rooms.head_revision = v.column2 RETURNING id")
	var ids []string
	if err := tx.Raw(b.String(), args...).Scan(&ids).Error; err != nil {
		return nil, err
	}
	moved := make(map[services.RoomID]bool, len(ids))
	for _, id := range ids {
		moved[services.RoomIDOf(id)] = true
	}
	return moved, nil
}

// appendPostgres commits the live batches in one statement
// (appendInOneStatement); the rooms whose head it could not move learn why
// from headMismatch, and a clash makes each room commit alone.
func (s *Store) appendPostgres(ctx context.Context, preps []prepared, live []int, at time.Time, errs []error) []error {
	moved, err := s.appendInOneStatement(ctx, preps, live, at)
	switch {
	case errors.Is(err, errClash):
		for _, i := range live {
			errs[i] = s.appendOne(ctx, preps[i])
		}
		return errs
	case err != nil:
		for _, i := range live {
			errs[i] = err
		}
		return errs
	}
	for _, i := range live {
		if !moved[preps[i].room] {
			errs[i] = headMismatch(s.w.WithContext(ctx), preps[i].what(), preps[i].room, preps[i].first)
		}
	}
	return errs
}
