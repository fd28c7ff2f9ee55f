package relm

import (
	"context"
	"time"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// Soft delete (`relm:"softdelete"` on a nullable time field), GORM's
// gorm.DeletedAt and SQLAlchemy's with_loader_criteria recipe: the flush
// writes a deleted object of such a model as
//
//	UPDATE t SET deleted_at = ? WHERE id IN (…)
//
// (the flush's time, UTC, to the microsecond, the same for every row of
// the flush), and every read relm builds — Select and its Count, Exists,
// First, One and Scan, Get, bulk Update and Delete, select-in and joined
// loads, joins — adds `deleted_at IS NULL` for the model's rows, unless the
// query says WithDeleted. Session.HardDelete and HardDelete[T] delete the
// rows instead.
//
// A soft-deleted row's link rows and the foreign keys that point at it
// stay as they are: the row is still there, and what refers to it is as
// it was when it is restored (its deletion time set back to NULL). A
// delete cascade from a soft-deleted parent soft-deletes children of soft
// delete models and deletes the others; from a parent whose row is
// deleted (a model without soft delete, or HardDelete), it deletes
// children of every model, soft-deleted ones too, so that no row is left
// referring to a row that is gone.

// HardDelete marks obj for deletion at the next flush, as Delete does, but
// for a model with a softdelete field the flush DELETEs its row rather
// than setting the field (GORM's Unscoped().Delete). Its delete cascade
// deletes the children's rows too, soft-deleted ones included. For a model
// without soft delete it is Delete.
func (s *Session) HardDelete(obj any) error { return s.delete(obj, true) }

// markHard records that st's row is to be deleted, not soft-deleted.
func (s *Session) markHard(st *state) {
	if st.m.SoftDeleteField() == nil {
		return
	}
	x := s.more()
	if x.hard == nil {
		x.hard = map[*state]struct{}{}
	}
	x.hard[st] = struct{}{}
}

// removesRow reports whether deleting st deletes its row: a model without
// soft delete, or an object given to HardDelete (or reached by the delete
// cascade of one whose row is deleted).
func (s *Session) removesRow(st *state) bool {
	if st.m.SoftDeleteField() == nil {
		return true
	}
	if s.extra == nil {
		return false
	}
	_, hard := s.extra.hard[st]
	return hard
}

// splitSoft separates, from the states to delete, those whose rows are
// only marked deleted; it allocates nothing when no model of the flush
// soft-deletes.
func (u *unitOfWork) splitSoft(deleted []*state) (hard, soft []*state) {
	i := 0
	for i < len(deleted) && u.s.removesRow(deleted[i]) {
		i++
	}
	if i == len(deleted) {
		return deleted, nil
	}
	hard = append([]*state(nil), deleted[:i]...)
	for _, st := range deleted[i:] {
		if u.s.removesRow(st) {
			hard = append(hard, st)
		} else {
			soft = append(soft, st)
		}
	}
	return hard, soft
}

// flushTime is the time a flush writes into softdelete fields: one for the
// whole flush, UTC, to the microsecond every database keeps (so that what
// the object holds is what the row holds).
func (u *unitOfWork) flushTime() time.Time {
	if u.now.IsZero() {
		u.now = time.Now().UTC().Truncate(time.Microsecond)
	}
	return u.now
}

// softDeleteRows sets the deletion time of the soft-deleted rows, table by
// table in the flush's order: one UPDATE of a list of keys, or one per row
// for a composite key or a version counter (matched and incremented, its
// count checked as a DELETE's would be).
func (u *unitOfWork) softDeleteRows(plan *flushPlan, soft []*state) error {
	if len(soft) == 0 {
		return nil
	}
	now := u.flushTime()
	for _, m := range plan.mappers {
		var rows []*state
		for _, st := range soft {
			if st.m == m && st.key != nil {
				rows = append(rows, st)
			}
		}
		if m == nil || len(rows) == 0 {
			continue
		}
		sd := m.SoftDeleteField()
		head := "UPDATE " + u.s.db.cache(m).table + " SET " + u.d.Quote(sd.Column.Name) + " = " + dialect.Placeholder(u.d, 1)
		var err error
		if vf := m.VersionField(); len(m.PrimaryKey) != 1 || vf != nil {
			err = u.softDeleteEach(m, head, rows, now)
		} else {
			err = u.softDeleteIn(m, head, rows, now)
		}
		if err != nil {
			return err
		}
		for _, st := range rows {
			if _, set := sd.DeletedAt(st.ptr); !set {
				u.s.journalZero(st, sd)
			}
			sd.SetDeletedAt(st.ptr, now)
		}
	}
	return nil
}

// softDeleteEach writes one UPDATE per row (head, then the key and the
// version).
func (u *unitOfWork) softDeleteEach(m *mapping.Mapper, head string, rows []*state, now time.Time) error {
	vf := m.VersionField()
	buf := []byte(head)
	n := 1
	if vf != nil {
		buf = append(buf, ", "+u.d.Quote(vf.Column.Name)+" = "...)
		buf = u.d.AppendPlaceholder(buf, 2)
		n = 2
	}
	buf = u.appendPKWhere(buf, m, n)
	if vf != nil {
		buf = appendVersionWhere(buf, u.d, vf, n+len(m.PrimaryKey)+1)
	}
	text := string(buf)
	for _, st := range rows {
		args := []any{now}
		var read any
		if vf != nil {
			var next any
			read, next = u.versionArgs(st, vf)
			args = append(args, next)
		}
		for _, f := range m.PrimaryKey {
			args = append(args, f.Value(st.ptr))
		}
		if vf != nil {
			args = append(args, read)
		}
		res, err := execStmt(u.ctx, u.ex, text, args)
		if err != nil {
			return &StatementError{Op: "soft delete", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: text, Err: err}
		}
		if n, err := res.RowsAffected(); vf != nil && err == nil && n == 0 {
			return staleError("delete", st, vf, text)
		}
	}
	return nil
}

// softDeleteIn writes `head WHERE pk IN (…)` (whereIn, the flush time
// bound first): the keys bound as one list where the dialect can, else in
// chunks under the parameter limit.
func (u *unitOfWork) softDeleteIn(m *mapping.Mapper, head string, rows []*state, now time.Time) error {
	pk := m.PrimaryKey[0]
	keys := make([]any, len(rows))
	for i, st := range rows {
		keys[i] = pk.Value(st.ptr)
	}
	stmts := u.whereIn(head+" WHERE ", pk.Column, keys, now)
	for _, q := range stmts {
		if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
			e := &StatementError{Op: "soft delete", Type: m.Name(), SQL: q.sql, Err: err}
			if len(rows) == 1 {
				e.Object, e.Key = m.Interface(rows[0].ptr), rows[0].key
			}
			return e
		}
	}
	return nil
}

// WithDeleted makes the query include rows of soft-deleted objects
// (`relm:"softdelete"`), of its own type and of every type it joins or
// loads, Joined and SelectIn paths alike: the whole query sees the table
// as it is, GORM's Unscoped on a query. Without it every read leaves them
// out.
func (q *Query[T]) WithDeleted() *Query[T] {
	q.withDeleted = true
	return q
}

// appendWhere writes the query's WHERE: the soft delete predicate of its
// type, unless WithDeleted, and its conditions.
func (q *Query[T]) appendWhere(b *condBuilder, root *scope) error {
	b.withDeleted = q.withDeleted
	sd := q.m.SoftDeleteField()
	soft := sd != nil && !q.withDeleted
	if !soft && len(q.where) == 0 {
		return nil
	}
	b.buf = append(b.buf, " WHERE "...)
	if soft {
		b.column(root, sd)
		b.buf = append(b.buf, " IS NULL"...)
		if len(q.where) == 0 {
			return nil
		}
		b.buf = append(b.buf, " AND "...)
	}
	return (boolCond{"AND", q.where}).build(b, root)
}

// appendJoinSoft adds to a join's ON the soft delete predicate of its
// target, unless the query is WithDeleted.
func (q *Query[T]) appendJoinSoft(b *condBuilder, sg *joinSeg) {
	if sd := sg.r.Target.SoftDeleteField(); sd != nil && !q.withDeleted {
		b.buf = append(b.buf, " AND "...)
		b.column(sg.sc, sd)
		b.buf = append(b.buf, " IS NULL"...)
	}
}

// appendExistsSoft adds to an Any or Has subquery over inner's rows the
// soft delete predicate of its model, unless the query is WithDeleted.
func appendExistsSoft(b *condBuilder, inner *scope) {
	if sd := inner.m.SoftDeleteField(); sd != nil && !b.withDeleted {
		b.buf = append(b.buf, " AND "...)
		b.column(inner, sd)
		b.buf = append(b.buf, " IS NULL"...)
	}
}

// softHead returns head (a SELECT … FROM t alias WHERE ) followed by the
// soft delete predicate of m's rows and AND, unless the running query
// loads deleted rows too (Session.unscoped).
func (s *Session) softHead(head string, m *mapping.Mapper, alias string) string {
	sd := m.SoftDeleteField()
	if sd == nil || s.unscoped {
		return head
	}
	col := s.db.dialect.Quote(sd.Column.Name)
	if alias != "" {
		col = alias + "." + col
	}
	return head + col + " IS NULL AND "
}

// softGone reports whether the object at p, of m, is soft-deleted: Get
// does not return it from the identity map.
func softGone(m *mapping.Mapper, p objPtr) bool {
	sd := m.SoftDeleteField()
	if sd == nil {
		return false
	}
	_, set := sd.DeletedAt(p)
	return set
}

// withUnscoped runs fn with the session's loads including soft-deleted
// rows when on (a WithDeleted query's select-in paths, the children of a
// row a delete removes).
func (s *Session) withUnscoped(on bool, fn func() error) error {
	if !on || s.unscoped {
		return fn()
	}
	s.unscoped = true
	defer func() { s.unscoped = false }()
	return fn()
}

// HardDelete starts a bulk DELETE of T's rows in session s that deletes
// them even when T has a softdelete field — soft-deleted rows among them,
// since such a statement sees the table as it is (GORM's
// Unscoped().Delete). For a model without soft delete it is Delete.
func HardDelete[T any](s *Session) *BulkDelete[T] {
	return &BulkDelete[T]{q: Select[T](s), hard: true}
}

// WithDeleted makes the bulk UPDATE change soft-deleted rows too; without
// it, it leaves them out (see Query.WithDeleted).
func (u *BulkUpdate[T]) WithDeleted() *BulkUpdate[T] {
	u.q.WithDeleted()
	return u
}

// WithDeleted makes a soft delete set the deletion time again on rows
// already soft-deleted; without it, it leaves them as they are.
func (d *BulkDelete[T]) WithDeleted() *BulkDelete[T] {
	d.q.WithDeleted()
	return d
}

// softExec is a bulk delete of a soft delete model: an UPDATE setting the
// deletion time; the held objects it deletes leave the session.
func (d *BulkDelete[T]) softExec(ctx context.Context) (int64, error) {
	q := d.q
	sd := q.m.SoftDeleteField()
	now := time.Now().UTC().Truncate(time.Microsecond)
	return bulkExec(ctx, q, "soft delete", func(b *condBuilder) {
		b.buf = append(b.buf, "UPDATE "+q.s.db.cache(q.m).table+" AS t0 SET "+b.d.Quote(sd.Column.Name)+" = "...)
		b.placeholder(now)
	}, func(ctx context.Context, ex dialect.Executor, held []*state) error {
		s := q.s
		if ev := (evaluator{d: s.db.dialect.Name(), m: q.m}); ev.can(q.where) {
			for _, st := range held {
				if (q.withDeleted || !softGone(q.m, st.snap)) && ev.eval(q.where, st.snap) == triTrue {
					s.forget(st)
				}
			}
			return nil
		}
		fields := append(q.m.PrimaryKey[:len(q.m.PrimaryKey):len(q.m.PrimaryKey)], sd) // the whole key first
		return fetchHeld(ctx, q, ex, held, fields, func(st *state, row objPtr) {
			if _, set := sd.DeletedAt(row); set {
				s.forget(st)
			}
		}, func(st *state) { s.forget(st) })
	})
}
