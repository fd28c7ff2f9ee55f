package relm

import (
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// deleteRows deletes the deleted objects table by table, children first.
// Before a table's rows go, the link rows that name them are deleted and the
// foreign keys that still point at them (children not deleted with them) are
// set to NULL, as SQLAlchemy does without a delete cascade.
func (u *unitOfWork) deleteRows(plan *flushPlan, deleted []*state) error {
	if len(deleted) == 0 {
		return nil
	}
	deleted, soft := u.splitSoft(deleted)
	if err := u.softDeleteRows(plan, soft); err != nil {
		return err
	}
	byMapper := map[*mapping.Mapper][]*state{}
	for _, st := range deleted {
		if st.key != nil {
			byMapper[st.m] = append(byMapper[st.m], st)
		}
	}
	for i := len(plan.mappers) - 1; i >= 0; i-- {
		m := plan.mappers[i]
		rows := byMapper[m]
		if m == nil || len(rows) == 0 {
			continue
		}
		if err := u.breakDeleteCycles(plan, byMapper, i); err != nil {
			return err
		}
		if err := u.detach(m, rows); err != nil {
			return err
		}
		if vf := m.VersionField(); vf != nil {
			if err := u.deleteVersioned(m, vf, rows); err != nil {
				return err
			}
			continue
		}
		if len(m.PrimaryKey) > 1 {
			if err := u.deleteComposite(m, rows); err != nil {
				return err
			}
			continue
		}
		pk := m.PrimaryKey[0]
		keys := make([]any, len(rows))
		for i, st := range rows {
			keys[i] = pk.Value(st.ptr)
		}
		for _, q := range u.inStatements(m.Table, pk.Column, keys, false) {
			if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
				e := &StatementError{Op: "delete", Type: m.Name(), SQL: q.sql, Err: err}
				if len(rows) == 1 {
					e.Object, e.Key = m.Interface(rows[0].ptr), rows[0].key
				}
				return e
			}
		}
	}
	return nil
}

// deleteVersioned deletes rows of a versioned mapper one DELETE per row: a
// batched DELETE's count cannot say which row was stale.
func (u *unitOfWork) deleteVersioned(m *mapping.Mapper, vf *mapping.Field, rows []*state) error {
	buf := u.appendPKWhere([]byte("DELETE FROM "+u.s.db.cache(m).table), m, 0)
	buf = appendVersionWhere(buf, u.d, vf, len(m.PrimaryKey)+1)
	for _, st := range rows {
		var args []any
		for _, f := range m.PrimaryKey {
			args = append(args, f.Value(st.ptr))
		}
		read, _ := u.versionArgs(st, vf) // the counter or the timestamp read
		args = append(args, read)
		res, err := execStmt(u.ctx, u.ex, string(buf), args)
		if err != nil {
			return &StatementError{Op: "delete", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: string(buf), Err: err}
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return staleError("delete", st, vf, string(buf))
		}
	}
	return nil
}

// deleteComposite deletes rows of a mapper with a composite key: one row by
// its whole key, several by row values, `(a, b) IN ((?, ?), …)`.
func (u *unitOfWork) deleteComposite(m *mapping.Mapper, rows []*state) error {
	if len(rows) == 1 {
		q := string(u.appendPKWhere([]byte("DELETE FROM "+u.s.db.cache(m).table), m, 0))
		if _, err := execStmt(u.ctx, u.ex, q, keyValues(m.PrimaryKey, rows[0].ptr, nil)); err != nil {
			return &StatementError{Op: "delete", Type: m.Name(), Object: m.Interface(rows[0].ptr), Key: rows[0].key, SQL: q, Err: err}
		}
		return nil
	}
	flat := make([]any, 0, len(rows)*len(m.PrimaryKey))
	for _, st := range rows {
		flat = keyValues(m.PrimaryKey, st.ptr, flat)
	}
	for _, q := range rowIn(u.d, "DELETE FROM "+u.s.db.cache(m).table+" WHERE ", quotedCols(u.d, "", m.PrimaryKey), flat, "") {
		if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
			return &StatementError{Op: "delete", Type: m.Name(), SQL: q.sql, Err: err}
		}
	}
	return nil
}

// breakDeleteCycles sets to NULL, before the rows of plan.mappers[i] are
// deleted, the foreign keys into that table of rows deleted after it in
// this flush — rows of a table earlier in the flush order, which can only
// refer to a later one through a key of a cycle between tables (see
// flushOrder) — as SQLAlchemy's post_update does: then each DELETE finds
// nothing still referring to its rows. A NOT NULL key of such a cycle
// cannot be nulled; the DELETE fails on it, naming the constraint.
func (u *unitOfWork) breakDeleteCycles(plan *flushPlan, byMapper map[*mapping.Mapper][]*state, i int) error {
	target := plan.mappers[i].Table
	for j := 0; j < i; j++ {
		o := plan.mappers[j]
		rows := byMapper[o]
		if o == nil || len(rows) == 0 || len(o.PrimaryKey) != 1 {
			continue
		}
		for _, fk := range o.Table.ForeignKeys() {
			if fk.RefTable != target || len(fk.Columns) != 1 || fk.Columns[0].NotNull || fk.Columns[0].PrimaryKey {
				continue
			}
			pk := o.PrimaryKey[0]
			keys := make([]any, 0, len(rows))
			for _, st := range rows {
				keys = append(keys, pk.Value(st.ptr))
			}
			set := "UPDATE " + u.d.Quote(o.Table.Name) + " SET " + u.d.Quote(fk.Columns[0].Name) + " = NULL WHERE "
			for _, q := range u.whereIn(set, pk.Column, keys) {
				if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
					return &StatementError{Op: "update", Type: o.Name(), SQL: q.sql, Err: err}
				}
			}
		}
	}
	return nil
}

// detach removes what refers to rows of m about to be deleted: link rows of
// every many-to-many through which m is reached, and the foreign keys of
// one-to-many children without a delete cascade.
func (u *unitOfWork) detach(m *mapping.Mapper, rows []*state) error {
	var refs []detachRef
	for _, r := range m.Relationships {
		switch {
		case r.Direction == mapping.ManyToMany:
			refs = append(refs, detachRef{r, r.SecondaryLocal, r.Secondary, r.LocalFields, false})
		case r.Direction == mapping.OneToMany && !r.Cascade.Delete:
			refs = append(refs, detachRef{r, r.RemoteColumns, r.Target.Table, r.LocalFields, true})
		}
	}
	// A many-to-many declared only on the other side (no backref) still
	// has link rows naming m's rows.
	for _, other := range u.s.reg.Mappers() {
		for _, r := range other.Relationships {
			if r.Direction == mapping.ManyToMany && r.Target == m && r.Reverse == nil {
				refs = append(refs, detachRef{r, r.SecondaryRemote, r.Secondary, r.RemoteFields, false})
			}
		}
	}
	done := map[*schema.Column]bool{}
	for _, x := range refs {
		if done[x.cols[0]] {
			continue
		}
		done[x.cols[0]] = true
		if err := u.detachRef(x, rows); err != nil {
			return err
		}
	}
	return nil
}

// detachRef is what refers to rows about to be deleted: a child's foreign
// key or a link table's columns.
type detachRef struct {
	r       *mapping.Relationship
	cols    []*schema.Column // the referring columns
	table   *schema.Table    // their table
	keys    []*mapping.Field // the deleted mapper's fields they refer to
	setNull bool             // a child's foreign key (else a link row)
}

// detachRef sets x's columns to NULL (or deletes x's link rows) where they
// refer to one of rows: `col IN (…)`, or row values for a composite key.
func (u *unitOfWork) detachRef(x detachRef, rows []*state) error {
	// Nulling a versioned child's key moves its version too (versionBump).
	var vf *mapping.Field
	if x.setNull {
		vf = x.r.Target.VersionField()
	}
	var stmts []stmt
	if len(x.cols) == 1 {
		keys := make([]any, 0, len(rows))
		for _, st := range rows {
			if v := x.keys[0].Value(st.ptr); v != nil {
				keys = append(keys, v)
			}
		}
		if len(keys) == 0 {
			return nil
		}
		stmts = u.detachStatements(x.table, x.cols[0], keys, x.setNull, vf)
	} else {
		d := u.d
		head := "DELETE FROM " + d.Quote(x.table.Name) + " WHERE "
		var lead []any
		if x.setNull {
			head = "UPDATE " + d.Quote(x.table.Name) + " SET "
			for i, c := range x.cols {
				if i > 0 {
					head += ", "
				}
				head += d.Quote(c.Name) + " = NULL"
			}
			head, lead = u.versionBump(head, vf)
			head += " WHERE "
		}
		exprs := make([]string, len(x.cols))
		for i, c := range x.cols {
			exprs[i] = d.Quote(c.Name)
		}
		flat := make([]any, 0, len(rows)*len(x.cols))
		for _, st := range rows {
			flat = keyValues(x.keys, st.ptr, flat)
		}
		stmts = rowIn(d, head, exprs, flat, "", lead...)
	}
	for _, q := range stmts {
		if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
			op := "link delete"
			if x.setNull {
				op = "update"
			}
			return &StatementError{Op: op, Type: x.table.Name, SQL: q.sql, Err: err}
		}
	}
	if x.setNull {
		return u.nullChildrenInMemory(x.r, rows, nil)
	}
	return nil
}

type stmt struct {
	sql  string
	args []any
}

// inStatements builds DELETE FROM table WHERE col IN (...) — or, with
// setNull, UPDATE table SET col = NULL WHERE col IN (...): one statement
// binding the keys as one list on dialects that can (dialect.ListBinder),
// otherwise placeholders chunked under the parameter limit.
func (u *unitOfWork) inStatements(table *schema.Table, col *schema.Column, keys []any, setNull bool) []stmt {
	d := u.d
	head := "DELETE FROM " + d.Quote(table.Name) + " WHERE "
	if setNull {
		head = "UPDATE " + d.Quote(table.Name) + " SET " + d.Quote(col.Name) + " = NULL WHERE "
	}
	return u.whereIn(head, col, keys)
}

// whereIn returns the statements head + `col IN (keys)`: one binding the
// keys as one list on dialects that can (dialect.ListBinder), otherwise
// placeholders chunked under the parameter limit.
func (u *unitOfWork) whereIn(text string, col *schema.Column, keys []any, lead ...any) []stmt {
	d := u.d
	head := []byte(text)
	if lb, ok := d.(dialect.ListBinder); ok && len(keys) > 1 {
		if buf, arg, ok := lb.AppendInList(append([]byte(nil), head...), d.Quote(col.Name), len(lead)+1, keys); ok {
			return []stmt{{sql: string(buf), args: append(lead[:len(lead):len(lead)], arg)}}
		}
	}
	per := max(1, d.MaxParams()-1-len(lead))
	var out []stmt
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		buf := append([]byte(nil), head...)
		buf = append(buf, d.Quote(col.Name)+" IN ("...)
		for i := range chunk {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = d.AppendPlaceholder(buf, len(lead)+i+1)
		}
		buf = append(buf, ')')
		args := chunk
		if len(lead) > 0 {
			args = append(lead[:len(lead):len(lead)], chunk...)
		}
		out = append(out, stmt{sql: string(buf), args: args})
	}
	return out
}

// detachStatements is inStatements for detach: with setNull and a
// versioned child type (vf), the UPDATE also moves each row's version on
// (versionBump).
func (u *unitOfWork) detachStatements(table *schema.Table, col *schema.Column, keys []any, setNull bool, vf *mapping.Field) []stmt {
	if !setNull || vf == nil {
		return u.inStatements(table, col, keys, setNull)
	}
	set, lead := u.versionBump("UPDATE "+u.d.Quote(table.Name)+" SET "+u.d.Quote(col.Name)+" = NULL", vf)
	return u.whereIn(set+" WHERE ", col, keys, lead...)
}
