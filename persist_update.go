package relm

import (
	"fmt"
	"slices"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// update writes the changed columns of a persistent object.
func (u *unitOfWork) update(st *state) error {
	m := st.m
	changed, mask, err := appendChanged(u.kept.changed[:0], st)
	u.kept.changed = changed
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		return nil
	}
	// With no logger, nothing keeps the arguments past the statement:
	// they are the unit of work's to reuse (release clears them).
	reuse := u.s.db.logger == nil
	var args []any
	if reuse {
		args = u.kept.args[:0]
	}
	vf := m.VersionField()
	args = slices.Grow(args, len(changed)+2*len(m.PrimaryKey)+2)
	for _, f := range changed {
		args = append(args, f.Value(st.ptr))
	}
	var version, next any
	if vf != nil {
		version, next = u.versionArgs(st, vf)
		args = append(args, next)
	}
	for _, f := range m.PrimaryKey {
		args = append(args, f.Value(st.ptr))
	}
	if vf != nil {
		args = append(args, version)
	}
	if reuse {
		u.kept.args = args
	}
	query := u.updateText(m, changed, mask)
	res, err := execStmt(u.ctx, u.ex, query, args)
	if err != nil {
		return &StatementError{Op: "update", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: query, Err: err}
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		// 0 rows matched: the row is gone, or its version moved on (the
		// MySQL dialect asks the driver for matched rows, not changed
		// ones).
		return staleError("update", st, vf, query)
	}
	u.nUpdated++
	if vf != nil {
		if err := u.setVersion(st, vf, next); err != nil {
			return err
		}
	}
	u.statementDone()
	u.markTouched(st)
	return nil
}

// updateText returns the UPDATE of the changed fields of m, whose indexes
// are the bits of mask (0 when m has more than 64 fields): the mapper's
// last one when it changed the same fields, else built and kept as the
// last.
func (u *unitOfWork) updateText(m *mapping.Mapper, changed []*mapping.Field, mask uint64) string {
	c := u.s.db.cache(m)
	if last := c.update.Load(); mask != 0 && last != nil && last.mask == mask {
		return last.text
	}
	d := u.d
	buf := make([]byte, 0, 64)
	buf = append(buf, "UPDATE "...)
	buf = append(buf, c.table...)
	buf = append(buf, " SET "...)
	for i, f := range changed {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, d.Quote(f.Column.Name)...)
		buf = append(buf, " = "...)
		buf = d.AppendPlaceholder(buf, i+1)
	}
	n := len(changed)
	vf := m.VersionField()
	if vf != nil {
		n++
		buf = append(buf, ", "...)
		buf = append(buf, d.Quote(vf.Column.Name)...)
		buf = append(buf, " = "...)
		buf = d.AppendPlaceholder(buf, n)
	}
	buf = u.appendPKWhere(buf, m, n)
	if vf != nil {
		buf = appendVersionWhere(buf, d, vf, n+len(m.PrimaryKey)+1)
	}
	text := string(buf)
	if mask != 0 {
		c.update.Store(&updateStmt{mask: mask, text: text})
	}
	return text
}

// appendChanged appends to changed the non-key fields of a persistent
// object that differ from its snapshot (all of them when it has none), with
// their indexes in m.Fields as the bits of mask (0 past 64 fields), or
// returns an error when its primary key changed.
func appendChanged(changed []*mapping.Field, st *state) (_ []*mapping.Field, mask uint64, err error) {
	fields := st.m.Fields
	for i, f := range fields {
		if f.Column.PrimaryKey {
			if st.snap != nil && !f.Equal(st.snap, st.ptr) {
				return nil, 0, fmt.Errorf("relm: %s.%s: changing a primary key is not supported; delete the row and add a new one", st.m.Name(), f.Name)
			}
			continue
		}
		if f == st.m.VersionField() {
			continue // written by update, from the version read
		}
		if st.snap == nil || !f.Equal(st.snap, st.ptr) {
			if changed == nil {
				changed = make([]*mapping.Field, 0, len(fields))
			}
			changed = append(changed, f)
			if len(fields) <= 64 {
				mask |= 1 << i
			}
		}
	}
	return changed, mask, nil
}

// appendVersionWhere appends " AND version = ?" with placeholder i.
func appendVersionWhere(buf []byte, d dialect.Dialect, vf *mapping.Field, i int) []byte {
	buf = append(buf, " AND "...)
	buf = append(buf, d.Quote(vf.Column.Name)...)
	buf = append(buf, " = "...)
	return d.AppendPlaceholder(buf, i)
}

func (u *unitOfWork) appendPKWhere(buf []byte, m *mapping.Mapper, n int) []byte {
	buf = append(buf, " WHERE "...)
	for i, f := range m.PrimaryKey {
		if i > 0 {
			buf = append(buf, " AND "...)
		}
		buf = append(buf, u.d.Quote(f.Column.Name)...)
		buf = append(buf, " = "...)
		buf = u.d.AppendPlaceholder(buf, n+i+1)
	}
	return buf
}

// postUpdate sets a foreign key deferred because of a cycle. Only rows
// this flush inserted wait for one (insertTable), so no other transaction
// has seen the row: a version column keeps the value its INSERT wrote,
// with nothing to match.
func (u *unitOfWork) postUpdate(sy *fkSync) error {
	sy.postUpdate = false
	st := sy.child
	if st.status == statusDeleted {
		return nil
	}
	if err := u.applySyncs(st); err != nil {
		return err
	}
	m := st.m
	d := u.d
	buf := []byte("UPDATE " + u.s.db.cache(m).table + " SET ")
	var args []any
	for i, f := range sy.fields() {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, d.Quote(f.Column.Name)...)
		buf = append(buf, " = "...)
		buf = d.AppendPlaceholder(buf, i+1)
		args = append(args, f.Value(st.ptr))
	}
	buf = u.appendPKWhere(buf, m, len(sy.fields()))
	for _, f := range m.PrimaryKey {
		args = append(args, f.Value(st.ptr))
	}
	if _, err := execStmt(u.ctx, u.ex, string(buf), args); err != nil {
		return &StatementError{Op: "update", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: string(buf), Err: err}
	}
	u.markTouched(st)
	return nil
}
