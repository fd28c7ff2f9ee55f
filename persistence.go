package relm

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// This file emits the statements of a flush: rows of one table go in
// multi-row statements, chunked under the dialect's parameter limit.

// insertRows inserts rows of m: those whose key the database generates in
// one group, read back with RETURNING (or the last-insert-id range), and
// those with explicit keys in another.
func (u *unitOfWork) insertRows(m *mapping.Mapper, rows []*state) error {
	auto := m.Table.AutoIncrementColumn()
	var gen, explicit []*state
	for _, st := range rows {
		if auto != nil {
			if _, ok := m.FieldByColumn(auto.Name).Key(st.ptr); !ok {
				gen = append(gen, st)
				continue
			}
		}
		explicit = append(explicit, st)
	}
	if len(gen) > 0 {
		if err := u.insertGroup(m, gen, m.FieldByColumn(auto.Name)); err != nil {
			return err
		}
	}
	if len(explicit) > 0 {
		if err := u.insertGroup(m, explicit, nil); err != nil {
			return err
		}
	}
	for _, st := range rows {
		u.inserted[st] = true
		u.touched[st] = true
		key, ok := m.Identity(st.ptr)
		if !ok {
			return fmt.Errorf("relm: insert %s: the row has no key after insert", m.Name())
		}
		u.s.touch(st)
		u.s.saveIdent(identityKey{m, key})
		u.s.register(st, key)
	}
	return nil
}

func (u *unitOfWork) insertGroup(m *mapping.Mapper, rows []*state, genField *mapping.Field) error {
	d := u.d
	fields := make([]*mapping.Field, 0, len(m.Fields))
	for _, f := range m.Fields {
		if f != genField {
			fields = append(fields, f)
		}
	}
	c := u.s.db.cache(m)
	head := "INSERT INTO " + c.table + " ("
	for i, f := range fields {
		if i > 0 {
			head += ", "
		}
		head += d.Quote(f.Column.Name)
	}
	head += ") VALUES "
	if len(fields) == 0 {
		// Only a generated key: one DEFAULT row per statement.
		return u.insertDefaults(m, rows, genField)
	}
	returning := genField != nil && d.Returning()
	tail := ""
	if returning {
		tail = " RETURNING " + d.Quote(genField.Column.Name)
	}
	per := max(1, d.MaxParams()/len(fields))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(chunk)*len(fields))
		buf := make([]byte, 0, len(head)+len(tail)+len(chunk)*len(fields)*5)
		buf = append(buf, head...)
		n := 0
		for i, st := range chunk {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, '(')
			for j, f := range fields {
				if j > 0 {
					buf = append(buf, ", "...)
				}
				n++
				buf = d.AppendPlaceholder(buf, n)
				args = append(args, f.Value(st.ptr))
			}
			buf = append(buf, ')')
		}
		buf = append(buf, tail...)
		query := string(buf)
		fail := func(err error) error {
			e := &StatementError{Op: "insert", Type: m.Name(), SQL: query, Err: err}
			if len(chunk) == 1 {
				e.Object = m.Interface(chunk[0].ptr)
			} else {
				e.Type += " (rows " + strconv.Itoa(start+1) + "–" + strconv.Itoa(start+len(chunk)) + " of " + strconv.Itoa(len(rows)) + ")"
			}
			return e
		}
		switch {
		case returning:
			ids, err := u.queryIDs(query, args)
			if err != nil {
				return fail(err)
			}
			if len(ids) != len(chunk) {
				return fail(fmt.Errorf("RETURNING gave %d keys for %d rows", len(ids), len(chunk)))
			}
			// Generated keys ascend in the order of the VALUES rows; sort
			// them rather than trust the order RETURNING lists them in.
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			for i, st := range chunk {
				if err := u.s.setKey(st, genField, ids[i]); err != nil {
					return err
				}
			}
		case genField != nil:
			res, err := u.ex.ExecContext(u.ctx, query, args...)
			if err != nil {
				return fail(err)
			}
			first, err := res.LastInsertId()
			if err != nil {
				return fail(err)
			}
			for i, st := range chunk {
				if err := u.s.setKey(st, genField, first+int64(i)); err != nil {
					return err
				}
			}
		default:
			if _, err := u.ex.ExecContext(u.ctx, query, args...); err != nil {
				return fail(err)
			}
		}
	}
	return nil
}

func (u *unitOfWork) queryIDs(query string, args []any) ([]int64, error) {
	rows, err := u.ex.QueryContext(u.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// insertDefaults inserts rows that have no column but a generated key.
func (u *unitOfWork) insertDefaults(m *mapping.Mapper, rows []*state, genField *mapping.Field) error {
	d := u.d
	c := u.s.db.cache(m)
	query := "INSERT INTO " + c.table + " DEFAULT VALUES"
	if d.Name() == "mysql" {
		query = "INSERT INTO " + c.table + " () VALUES ()"
	}
	for _, st := range rows {
		var id int64
		if d.Returning() {
			ids, err := u.queryIDs(query+" RETURNING "+d.Quote(genField.Column.Name), nil)
			if err != nil || len(ids) != 1 {
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), SQL: query, Err: err}
			}
			id = ids[0]
		} else {
			res, err := u.ex.ExecContext(u.ctx, query)
			if err == nil {
				id, err = res.LastInsertId()
			}
			if err != nil {
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), SQL: query, Err: err}
			}
		}
		if err := u.s.setKey(st, genField, id); err != nil {
			return err
		}
	}
	return nil
}

// update writes the changed columns of a persistent object.
func (u *unitOfWork) update(st *state) error {
	m := st.m
	var changed []*mapping.Field
	for _, f := range m.Fields {
		if f.Column.PrimaryKey {
			if st.snap != nil && !f.Equal(st.snap, st.ptr) {
				return fmt.Errorf("relm: %s.%s: changing a primary key is not supported; delete the row and add a new one", m.Name(), f.Name)
			}
			continue
		}
		if st.snap == nil || !f.Equal(st.snap, st.ptr) {
			changed = append(changed, f)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	d := u.d
	c := u.s.db.cache(m)
	buf := make([]byte, 0, 64)
	buf = append(buf, "UPDATE "...)
	buf = append(buf, c.table...)
	buf = append(buf, " SET "...)
	args := make([]any, 0, len(changed)+len(m.PrimaryKey))
	for i, f := range changed {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, d.Quote(f.Column.Name)...)
		buf = append(buf, " = "...)
		buf = d.AppendPlaceholder(buf, i+1)
		args = append(args, f.Value(st.ptr))
	}
	buf = u.appendPKWhere(buf, m, len(changed))
	for _, f := range m.PrimaryKey {
		args = append(args, f.Value(st.ptr))
	}
	query := string(buf)
	res, err := u.ex.ExecContext(u.ctx, query, args...)
	if err != nil {
		return &StatementError{Op: "update", Type: m.Name(), Object: m.Interface(st.ptr), SQL: query, Err: err}
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 && u.d.Name() != "mysql" {
		// MySQL reports 0 for an UPDATE that changed nothing; elsewhere 0
		// means the row is gone.
		return &StatementError{Op: "update", Type: m.Name(), Object: m.Interface(st.ptr), SQL: query, Err: fmt.Errorf("%w: the row was deleted by someone else", ErrStaleObject)}
	}
	u.touched[st] = true
	return nil
}

// ErrStaleObject is returned (wrapped) when an UPDATE or DELETE finds no row.
var ErrStaleObject = fmt.Errorf("relm: stale object")

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

// postUpdate sets a foreign key deferred because of a cycle.
func (u *unitOfWork) postUpdate(sy *fkSync) error {
	sy.postUpdate = false
	st := sy.child
	if st.status == statusDeleted {
		return nil
	}
	if err := u.applySyncs(st, false); err != nil {
		return err
	}
	m := st.m
	d := u.d
	buf := []byte("UPDATE " + u.s.db.cache(m).table + " SET ")
	var args []any
	for i, f := range sy.fields {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, d.Quote(f.Column.Name)...)
		buf = append(buf, " = "...)
		buf = d.AppendPlaceholder(buf, i+1)
		args = append(args, f.Value(st.ptr))
	}
	buf = u.appendPKWhere(buf, m, len(sy.fields))
	for _, f := range m.PrimaryKey {
		args = append(args, f.Value(st.ptr))
	}
	if _, err := u.ex.ExecContext(u.ctx, string(buf), args...); err != nil {
		return &StatementError{Op: "update", Type: m.Name(), Object: m.Interface(st.ptr), SQL: string(buf), Err: err}
	}
	return nil
}

// writeLinks deletes removed link rows, then inserts added ones, per table.
func (u *unitOfWork) writeLinks() error {
	type group struct {
		sec  *schema.Table
		cols [2]*schema.Column
		add  bool
		ops  []*linkOp
	}
	var groups []*group
	index := map[[2]*schema.Column]map[bool]*group{}
	for _, op := range u.linkOrder {
		if op.sec == nil {
			continue
		}
		if op.ends[0].status == statusDeleted || op.ends[1].status == statusDeleted {
			continue // the deleted object's link rows go with it
		}
		g := index[op.cols][op.add]
		if g == nil {
			g = &group{sec: op.sec, cols: op.cols, add: op.add}
			if index[op.cols] == nil {
				index[op.cols] = map[bool]*group{}
			}
			index[op.cols][op.add] = g
			groups = append(groups, g)
		}
		g.ops = append(g.ops, op)
	}
	sort.SliceStable(groups, func(i, j int) bool { return !groups[i].add && groups[j].add })
	d := u.d
	for _, g := range groups {
		table := d.Quote(g.sec.Name)
		a, b := d.Quote(g.cols[0].Name), d.Quote(g.cols[1].Name)
		per := max(1, d.MaxParams()/2)
		for start := 0; start < len(g.ops); start += per {
			chunk := g.ops[start:min(start+per, len(g.ops))]
			args := make([]any, 0, 2*len(chunk))
			var buf []byte
			if g.add {
				buf = append(buf, "INSERT INTO "+table+" ("+a+", "+b+") VALUES "...)
			} else {
				buf = append(buf, "DELETE FROM "+table+" WHERE ("+a+", "+b+") IN ("...)
			}
			for i, op := range chunk {
				if i > 0 {
					buf = append(buf, ", "...)
				}
				buf = append(buf, '(')
				buf = d.AppendPlaceholder(buf, 2*i+1)
				buf = append(buf, ", "...)
				buf = d.AppendPlaceholder(buf, 2*i+2)
				buf = append(buf, ')')
				args = append(args, op.fields[0].Value(op.ends[0].ptr), op.fields[1].Value(op.ends[1].ptr))
			}
			if !g.add {
				buf = append(buf, ')')
			}
			if _, err := u.ex.ExecContext(u.ctx, string(buf), args...); err != nil {
				op := "link insert"
				if !g.add {
					op = "link delete"
				}
				return &StatementError{Op: op, Type: g.sec.Name, SQL: string(buf), Err: err}
			}
		}
	}
	return nil
}

// deleteRows deletes the deleted objects table by table, children first.
// Before a table's rows go, the link rows that name them are deleted and the
// foreign keys that still point at them (children not deleted with them) are
// set to NULL, as SQLAlchemy does without a delete cascade.
func (u *unitOfWork) deleteRows(tables []*schema.Table, byTable map[*schema.Table]*mapping.Mapper, deleted []*state) error {
	if len(deleted) == 0 {
		return nil
	}
	byMapper := map[*mapping.Mapper][]*state{}
	for _, st := range deleted {
		if st.key != nil {
			byMapper[st.m] = append(byMapper[st.m], st)
		}
	}
	for i := len(tables) - 1; i >= 0; i-- {
		m := byTable[tables[i]]
		rows := byMapper[m]
		if m == nil || len(rows) == 0 {
			continue
		}
		if err := u.detach(m, rows); err != nil {
			return err
		}
		if len(m.PrimaryKey) != 1 {
			for _, st := range rows {
				buf := u.appendPKWhere([]byte("DELETE FROM "+u.s.db.cache(m).table), m, 0)
				var args []any
				for _, f := range m.PrimaryKey {
					args = append(args, f.Value(st.ptr))
				}
				if _, err := u.ex.ExecContext(u.ctx, string(buf), args...); err != nil {
					return &StatementError{Op: "delete", Type: m.Name(), Object: m.Interface(st.ptr), SQL: string(buf), Err: err}
				}
			}
			continue
		}
		pk := m.PrimaryKey[0]
		keys := make([]any, len(rows))
		for i, st := range rows {
			keys[i] = pk.Value(st.ptr)
		}
		for _, q := range u.inStatements(m.Table, pk.Column, keys, false) {
			if _, err := u.ex.ExecContext(u.ctx, q.sql, q.args...); err != nil {
				e := &StatementError{Op: "delete", Type: m.Name(), SQL: q.sql, Err: err}
				if len(rows) == 1 {
					e.Object = m.Interface(rows[0].ptr)
				}
				return e
			}
		}
	}
	return nil
}

// detach removes what refers to rows of m about to be deleted: link rows of
// every many-to-many through which m is reached, and the foreign keys of
// one-to-many children without a delete cascade.
func (u *unitOfWork) detach(m *mapping.Mapper, rows []*state) error {
	done := map[*schema.Column]bool{}
	for _, r := range m.Relationships {
		var col *schema.Column
		var table *schema.Table
		switch {
		case r.Direction == mapping.ManyToMany:
			col, table = r.SecondaryLocal[0], r.Secondary
		case r.Direction == mapping.OneToMany && !r.Cascade.Delete:
			col, table = r.RemoteColumns[0], r.Target.Table
		default:
			continue
		}
		if done[col] {
			continue
		}
		done[col] = true
		keys := make([]any, 0, len(rows))
		for _, st := range rows {
			if v := r.LocalFields[0].Value(st.ptr); v != nil {
				keys = append(keys, v)
			}
		}
		if len(keys) == 0 {
			continue
		}
		setNull := r.Direction == mapping.OneToMany
		for _, q := range u.inStatements(table, col, keys, setNull) {
			if _, err := u.ex.ExecContext(u.ctx, q.sql, q.args...); err != nil {
				op := "link delete"
				if setNull {
					op = "update"
				}
				return &StatementError{Op: op, Type: table.Name, SQL: q.sql, Err: err}
			}
		}
		if setNull {
			u.nullChildrenInMemory(r, rows)
		}
	}
	return nil
}

type stmt struct {
	sql  string
	args []any
}

// inStatements builds DELETE FROM table WHERE col IN (...) — or, with
// setNull, UPDATE table SET col = NULL WHERE col IN (...) — chunked under
// the parameter limit.
func (u *unitOfWork) inStatements(table *schema.Table, col *schema.Column, keys []any, setNull bool) []stmt {
	d := u.d
	per := max(1, d.MaxParams()-1)
	var out []stmt
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		var buf []byte
		if setNull {
			buf = append(buf, "UPDATE "+d.Quote(table.Name)+" SET "+d.Quote(col.Name)+" = NULL WHERE "+d.Quote(col.Name)+" IN ("...)
		} else {
			buf = append(buf, "DELETE FROM "+d.Quote(table.Name)+" WHERE "+d.Quote(col.Name)+" IN ("...)
		}
		for i := range chunk {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = d.AppendPlaceholder(buf, i+1)
		}
		buf = append(buf, ')')
		out = append(out, stmt{sql: string(buf), args: chunk})
	}
	return out
}

// nullChildrenInMemory clears, in the session's objects, the foreign keys
// that the database just set to NULL.
func (u *unitOfWork) nullChildrenInMemory(r *mapping.Relationship, parents []*state) {
	keys := map[any]bool{}
	for _, p := range parents {
		if k, ok := r.LocalFields[0].Key(p.ptr); ok {
			keys[k] = true
		}
	}
	f := r.RemoteFields[0]
	for _, st := range u.s.states {
		if st.m != r.Target || st.status == statusDeleted {
			continue
		}
		if k, ok := f.Key(st.ptr); ok && keys[k] {
			_ = u.s.setKey(st, f, nil)
			u.touched[st] = true
			if rr := r.Reverse; rr != nil && rr.HasField && !rr.Uselist {
				u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: rr, target: nil})
			}
		}
	}
}
