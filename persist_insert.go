package relm

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// insertRows inserts rows of m. Rows whose defaulted fields (see
// mapping.Mapper.Defaulted) are zero leave those columns out, so that the
// database's defaults apply, grouped by the columns they leave out, and the
// values the database stored are read back (readDefaults).
func (u *unitOfWork) insertRows(m *mapping.Mapper, rows []*state) error {
	if err := generateValues(m, rows); err != nil {
		return err
	}
	dfs := m.Defaulted()
	if len(dfs) == 0 {
		return u.insertRowsOmitting(m, rows, nil)
	}
	// Group by which defaulted fields are zero: a mask of their indexes
	// in dfs (the first 64; past them a field is always written).
	var order []uint64
	groups := map[uint64][]*state{}
	for _, st := range rows {
		mask := zeroDefaults(dfs, st)
		if _, ok := groups[mask]; !ok {
			order = append(order, mask)
		}
		groups[mask] = append(groups[mask], st)
	}
	for _, mask := range order {
		var omit []*mapping.Field
		for i, f := range dfs {
			if i < 64 && mask&(1<<i) != 0 {
				omit = append(omit, f)
			}
		}
		if err := u.insertRowsOmitting(m, groups[mask], omit); err != nil {
			return err
		}
		if len(omit) > 0 {
			if err := u.readDefaults(m, groups[mask], omit); err != nil {
				return err
			}
		}
	}
	return nil
}

// generateValues fills the zero fields of rows that have a generator
// (mapping.Mapper.Generated: `default:uuid`, a client-side default) before
// any of them is written; a generator's error names the row.
func generateValues(m *mapping.Mapper, rows []*state) error {
	gfs := m.Generated()
	if len(gfs) == 0 {
		return nil
	}
	for _, st := range rows {
		for _, f := range gfs {
			if err := f.Generate(st.ptr); err != nil {
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), Err: err}
			}
		}
	}
	return nil
}

// zeroDefaults returns the mask of st's defaulted fields (dfs) that hold
// their zero value: the columns its INSERT leaves to the database.
func zeroDefaults(dfs []*mapping.Field, st *state) uint64 {
	var mask uint64
	for i, f := range dfs {
		if i < 64 && f.IsZero(st.ptr) {
			mask |= 1 << i
		}
	}
	return mask
}

// insertRowsOmitting inserts rows of m, but for the columns of omit: those
// whose key the database generates in one group, read back with RETURNING
// (or the last-insert-id range), and those with explicit keys in another.
func (u *unitOfWork) insertRowsOmitting(m *mapping.Mapper, rows []*state, omit []*mapping.Field) error {
	var genField *mapping.Field
	if auto := m.Table.AutoIncrementColumn(); auto != nil {
		genField = m.FieldByColumn(auto.Name)
	}
	if err := u.checkKeys(m, rows, genField); err != nil {
		return err
	}
	var gen, explicit []*state
	switch {
	case genField == nil:
		explicit = rows
	case noKeys(genField, rows):
		gen = rows // the usual case: every key generated
	default:
		for _, st := range rows {
			if _, ok := genField.Key(st.ptr); ok {
				explicit = append(explicit, st)
			} else {
				gen = append(gen, st)
			}
		}
	}
	var genKeys []any
	if len(gen) > 0 {
		var err error
		if genKeys, err = u.insertGroup(m, gen, genField, omit); err != nil {
			return err
		}
		if len(m.PrimaryKey) != 1 || m.PrimaryKey[0] != genField {
			genKeys = nil // the identity is more than the generated key
		}
	}
	if len(explicit) > 0 {
		if _, err := u.insertGroup(m, explicit, nil, omit); err != nil {
			return err
		}
	}
	u.statementDone()
	if len(gen) > 1 && genKeys != nil && isIntField(genField) {
		u.s.identity.intsFor(m, len(gen)) // sized once, when new
	}
	for i, st := range gen {
		var key any
		if genKeys != nil {
			key = genKeys[i] // boxed once, when it was set
		}
		if err := u.inserted(m, st, key); err != nil {
			return err
		}
	}
	for _, st := range explicit {
		if err := u.inserted(m, st, nil); err != nil {
			return err
		}
	}
	return nil
}

// checkKeys returns an error naming the first of rows that lacks a value in
// a primary-key field the database does not generate (every one but
// genField): checked before any statement, so that an INSERT that would
// leave its row without a known key is never sent — a commit of one
// statement runs outside a transaction, where nothing could take it back.
func (u *unitOfWork) checkKeys(m *mapping.Mapper, rows []*state, genField *mapping.Field) error {
	if len(m.PrimaryKey) == 1 && m.PrimaryKey[0] == genField {
		return nil // the usual case: the one key column is generated
	}
	for i, st := range rows {
		for _, f := range m.PrimaryKey {
			if f == genField {
				continue
			}
			if _, ok := f.Key(st.ptr); !ok {
				what := "the"
				if len(rows) > 1 {
					what = "row " + strconv.Itoa(i+1) + " of " + strconv.Itoa(len(rows)) + ": the"
				}
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr),
					Err: fmt.Errorf("%w: %s primary-key field %s.%s (column %s.%s) is not set, and the database does not generate it; set it before the flush",
						ErrNoKey, what, m.Name(), f.Name, m.Table.Name, f.Column.Name)}
			}
		}
	}
	if genField == nil && len(m.PrimaryKey) > 1 {
		return checkDuplicateKeys(&u.s.identity, m, rows)
	}
	return nil
}

// checkDuplicateKeys refuses, before their INSERT, a new row of m (with a
// composite key, which the database does not generate) whose key another
// new row of the flush has (two association objects for one pair), or an
// object the session holds — even one this flush deletes: the INSERT
// would come first and collide with the row (SQLAlchemy turns such a
// delete and insert into an UPDATE; relm asks for the held object to be
// changed instead). The error names the type, its key fields and the key.
func checkDuplicateKeys(im *identityMap, m *mapping.Mapper, rows []*state) error {
	names := func() string {
		s := make([]string, len(m.PrimaryKey))
		for k, f := range m.PrimaryKey {
			s[k] = m.Name() + "." + f.Name
		}
		return strings.Join(s, ", ")
	}
	var seen map[any]int
	if len(rows) > 1 {
		seen = make(map[any]int, len(rows))
	}
	for i, st := range rows {
		key, ok := m.Identity(st.ptr)
		if !ok {
			continue
		}
		if held := im.get(identityKey{m, key}); held != nil && held != st {
			what := "holds"
			if held.status == statusDeleted {
				what = "deletes in this flush"
			}
			return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), Key: key,
				Err: fmt.Errorf("%w: a new %s has the primary key %v (%s) of one the session %s; change that object rather than replacing it with a new one (or flush between the delete and the add)",
					ErrIdentityConflict, m.Name(), key, names(), what)}
		}
		if seen == nil {
			continue
		}
		if j, dup := seen[key]; dup {
			return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), Key: key,
				Err: fmt.Errorf("%w: new objects %d and %d of %d have the same primary key %v (%s); give each its own key, or add one object",
					ErrIdentityConflict, j+1, i+1, len(rows), key, names())}
		}
		seen[key] = i
	}
	return nil
}

// ErrNoKey is returned (wrapped) by a flush that would insert an object
// whose primary key is not set and not generated by the database (a zero
// value counts as not set: an empty string, 0). Nothing is written.
var ErrNoKey = errors.New("relm: primary key not set")

// readDefaults reads back into rows, just inserted, the values the database
// gave the columns of omit (their defaults): one SELECT by key per chunk of
// rows under the parameter limit, scanned through a scratch object.
func (u *unitOfWork) readDefaults(m *mapping.Mapper, rows []*state, omit []*mapping.Field) error {
	d := u.d
	c := u.s.db.cache(m)
	head := "SELECT "
	for i, f := range m.PrimaryKey {
		if i > 0 {
			head += ", "
		}
		head += d.Quote(f.Column.Name)
	}
	for _, f := range omit {
		head += ", " + d.Quote(f.Column.Name)
	}
	head += " FROM " + c.table + " WHERE "
	byKey := make(map[any]*state, len(rows))
	for _, st := range rows {
		byKey[st.key] = st
	}
	per := max(1, d.MaxParams()/len(m.PrimaryKey))
	tmp := m.New()
	dest := make([]any, 0, len(m.PrimaryKey)+len(omit))
	for _, f := range m.PrimaryKey {
		dest = append(dest, f.Addr(tmp))
	}
	for _, f := range omit {
		dest = append(dest, f.Addr(tmp))
	}
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		buf := []byte(head)
		var args []any
		for i, st := range chunk {
			if i > 0 {
				buf = append(buf, " OR "...)
			}
			buf = append(buf, '(')
			for j, f := range m.PrimaryKey {
				if j > 0 {
					buf = append(buf, " AND "...)
				}
				buf = append(buf, d.Quote(f.Column.Name)...)
				buf = append(buf, " = "...)
				buf = d.AppendPlaceholder(buf, len(args)+1)
				args = append(args, f.Value(st.ptr))
			}
			buf = append(buf, ')')
		}
		query := string(buf)
		found := 0
		err := queryRows(u.ctx, u.ex, query, args, func(r dialect.Rows) error {
			for r.Next() {
				if err := r.Scan(dest...); err != nil {
					return err
				}
				key, _ := m.Identity(tmp)
				st := byKey[key]
				if st == nil {
					return fmt.Errorf("a row with key %v that the INSERT did not write", key)
				}
				for _, f := range omit {
					u.s.journalZero(st, f)
					f.CopyValue(st.ptr, tmp)
				}
				found++
			}
			return nil
		})
		if err == nil && found != len(chunk) {
			err = fmt.Errorf("read %d rows of %d just inserted", found, len(chunk))
		}
		if err != nil {
			return &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: fmt.Errorf("read the columns' defaults back: %w", err)}
		}
	}
	return nil
}

// noKeys reports whether no row has a value in its key field f.
func noKeys(f *mapping.Field, rows []*state) bool {
	for _, st := range rows {
		if _, ok := f.Key(st.ptr); ok {
			return false
		}
	}
	return true
}

// inserted records that st's row was inserted, under its identity key
// (read from the object when key is nil).
func (u *unitOfWork) inserted(m *mapping.Mapper, st *state, key any) error {
	u.markInserted(st)
	u.markTouched(st)
	if key == nil {
		var ok bool
		if key, ok = m.Identity(st.ptr); !ok {
			return fmt.Errorf("relm: insert %s: the row has no key after insert", m.Name())
		}
	}
	u.s.touch(st)
	u.s.register(st, key)
	return nil
}

// insertGroup inserts rows of m in one batch, leaving out the fields of
// omit. With genField, the key the database generates, it returns the keys,
// boxed as the field's Key normalises them.
func (u *unitOfWork) insertGroup(m *mapping.Mapper, rows []*state, genField *mapping.Field, omit []*mapping.Field) ([]any, error) {
	c := u.s.db.cache(m)
	sh := c.insertAll
	if genField != nil {
		sh = c.insertGen
	}
	fields, cols := sh.fields, sh.cols
	if len(omit) > 0 {
		// Another column list than the cached statements': no shape.
		fields, cols = nil, nil
		for _, f := range sh.fields {
			if !slices.Contains(omit, f) {
				fields, cols = append(fields, f), append(cols, f.Column)
			}
		}
		sh = nil
	}
	if len(fields) == 0 {
		// Only a generated key: one DEFAULT row per statement.
		return nil, u.insertDefaults(m, rows, genField)
	}
	b := &batch{
		table:  m.Table,
		cols:   cols,
		shape:  sh,
		n:      len(rows),
		m:      m,
		states: rows,
		fields: fields,
	}
	if genField != nil {
		b.returning = genField.Column
		b.genField = genField
		b.genKeys = make([]any, len(rows))
	}
	err := u.insertBatch(b)
	return b.genKeys, err
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
			q := query + " RETURNING " + d.Quote(genField.Column.Name)
			ids, err := u.queryIDs(q, nil, 1)
			if err == nil && len(ids) != 1 {
				err = fmt.Errorf("RETURNING gave %d keys for 1 row", len(ids))
			}
			if err != nil {
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: q, Err: err}
			}
			id = ids[0]
		} else {
			res, err := execStmt(u.ctx, u.ex, query, nil)
			if err == nil {
				id, err = res.LastInsertId()
			}
			if err != nil {
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: query, Err: err}
			}
		}
		if err := u.s.setKey(st, genField, id); err != nil {
			return err
		}
	}
	return nil
}
