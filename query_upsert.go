package relm

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Upsert: INSERT of objects that, where a row with the same values of
// unique columns exists, leaves that row or updates some of its columns —
// as SQLAlchemy's insert(User).on_conflict_do_update(index_elements=…,
// set_=…):
//
//	err := relm.Insert[User](s).OnConflict("Email").DoUpdate("Name").Exec(ctx, users...)
//
// PostgreSQL and SQLite: INSERT … ON CONFLICT (email) DO UPDATE SET name =
// EXCLUDED.name (or DO NOTHING) RETURNING every column. MariaDB: INSERT …
// ON DUPLICATE KEY UPDATE name = VALUES(name), and for DO NOTHING an
// assignment of the primary key to itself, `id = id`, which leaves the row
// as it is, key included; MariaDB reacts to a conflict on any unique key of
// the table, not only the named one (it has no conflict target). RETURNING
// on MariaDB ≥ 10.5 (it returns the row whether inserted or updated).
//
// After Exec every object holds its row as the database has it — inserted,
// updated, or, for DoNothing, the row that was already there — with its
// key, and is persistent in the session. The rows RETURNING does not give
// (DoNothing's on PostgreSQL and SQLite; all of them where the dialect has
// no RETURNING) are read by one SELECT on the conflict columns per batch.
// When the session already holds an object of that row, that object is
// brought in step in place (its columns and snapshot set to the row) and
// the given object, holding the same values, stays out of the session.
//
// The rows go in multi-row statements bounded by the dialect's parameter
// limit and packet size, as a flush's INSERTs are. Relationships are not
// cascaded, and the insert hooks do not run (as SQLAlchemy's Core insert);
// every column is written as the object holds it, a zero field with a
// database default included.
// Outside a transaction, each statement commits on its own.

// Upsert is an INSERT with a conflict clause; build it with Insert,
// OnConflict and DoNothing, DoUpdate or DoUpdateAll, and run it with Exec.
type Upsert[T any] struct {
	q        *Query[T] // the session, the mapper and the first build error
	conflict []*mapping.Field
	names    []string
	action   upsertAction
	update   []*mapping.Field
}

type upsertAction uint8

const (
	upsertUnset upsertAction = iota
	upsertNothing
	upsertUpdate
)

// Insert starts an INSERT of T's objects in session s that, with
// OnConflict, is an upsert.
func Insert[T any](s *Session) *Upsert[T] { return &Upsert[T]{q: Select[T](s)} }

// OnConflict names the fields (or columns) of a primary key, UNIQUE
// column or unique index of T: a row whose values of them exist already is
// a conflict, which DoNothing or DoUpdate resolves. Fields that no such
// constraint covers exactly are an error, before SQL.
func (u *Upsert[T]) OnConflict(fields ...string) *Upsert[T] {
	u.names = append(u.names, fields...)
	return u
}

// DoNothing leaves a conflicting row as it is; its object gets that row.
func (u *Upsert[T]) DoNothing() *Upsert[T] {
	u.setAction(upsertNothing, "DoNothing")
	return u
}

// DoUpdate sets the named fields of a conflicting row to the values of
// its object (EXCLUDED.column, VALUES(column)).
func (u *Upsert[T]) DoUpdate(fields ...string) *Upsert[T] {
	u.setAction(upsertUpdate, "DoUpdate")
	if len(fields) == 0 {
		u.q.fail(badQuery("DoUpdate() on %s: name the fields to update, or use DoUpdateAll", u.q.typeName()))
	}
	for _, name := range fields {
		if u.q.m == nil {
			break
		}
		f, err := lookupField(u.q.m, name)
		if err != nil {
			u.q.fail(fmt.Errorf("DoUpdate(%q): %w", name, err))
			continue
		}
		if slices.Contains(u.q.m.PrimaryKey, f) {
			u.q.fail(badQuery("DoUpdate(%q) on %s: the primary key of a row is not updated by an upsert", name, u.q.m.Name()))
		}
		u.update = append(u.update, f)
	}
	return u
}

// DoUpdateAll sets every column of a conflicting row but the primary key
// and the conflict columns to its object's values.
func (u *Upsert[T]) DoUpdateAll() *Upsert[T] {
	u.setAction(upsertUpdate, "DoUpdateAll")
	u.update = nil // chosen at Exec, once the conflict columns are known
	return u
}

func (u *Upsert[T]) setAction(a upsertAction, op string) {
	if u.action != upsertUnset {
		u.q.fail(badQuery("%s on %s: the conflict's action is already chosen", op, u.q.typeName()))
	}
	u.action = a
}

// Exec inserts the objects, resolving conflicts as chosen, and leaves each
// object holding its row, with its key, persistent in the session (see
// Upsert). Bad input — conflict fields without a unique constraint, an
// object the session already holds, two objects with the same conflict
// values, a type with a version counter — is an error before SQL.
func (u *Upsert[T]) Exec(ctx context.Context, objs ...*T) error {
	s := u.q.s
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := u.check(objs); err != nil {
		return err
	}
	if len(objs) == 0 {
		return nil
	}
	ptrs := make([]objPtr, len(objs))
	for i, o := range objs {
		ptrs[i] = objPtr(unsafe.Pointer(o))
	}
	run := upsertRun{s: s, m: u.q.m, ctx: ctx, ex: s.executor(), d: s.db.dialect, conflict: u.conflict}
	if err := run.generate(ptrs); err != nil {
		return err
	}
	rows, err := run.write(u.action, u.update, ptrs)
	if s.tx == nil {
		s.db.noteWrite()
	}
	if err != nil {
		return err
	}
	if err := run.readMissing(ptrs, rows); err != nil {
		return err
	}
	run.adopt(ptrs, rows)
	return nil
}

// check refuses bad input before any SQL, and resolves the conflict fields.
func (u *Upsert[T]) check(objs []*T) error {
	q := u.q
	if q.err != nil {
		return q.err
	}
	if err := q.s.check(); err != nil {
		return err
	}
	m := q.m
	if len(u.names) == 0 {
		return badQuery("Insert[%s].Exec: no OnConflict: name the unique fields (add new objects with Session.Add)", m.Name())
	}
	if u.action == upsertUnset {
		return badQuery("Insert[%s].OnConflict(%s): choose DoNothing, DoUpdate or DoUpdateAll", m.Name(), quoted(u.names))
	}
	if m.VersionField() != nil {
		return badQuery("Insert[%s]: %s has a version counter, which an upsert would bypass; load and change the row instead", m.Name(), m.Name())
	}
	u.conflict = u.conflict[:0]
	for _, name := range u.names {
		f, err := lookupField(m, name)
		if err != nil {
			return fmt.Errorf("OnConflict(%q): %w", name, err)
		}
		u.conflict = append(u.conflict, f)
	}
	if !uniqueOn(m, u.conflict) {
		return badQuery("Insert[%s].OnConflict(%s): no primary key, UNIQUE column or unique index of %s is on exactly (%s); declare one (`relm:\"unique\"`, `relm:\"unique:name\"`)", m.Name(), quoted(u.names), m.Table.Name, columnNames(u.conflict))
	}
	if u.action == upsertUpdate && len(u.update) == 0 {
		for _, f := range m.Fields {
			if !slices.Contains(m.PrimaryKey, f) && !slices.Contains(u.conflict, f) {
				u.update = append(u.update, f)
			}
		}
		if len(u.update) == 0 {
			return badQuery("Insert[%s].DoUpdateAll: no column but the key and the conflict columns; use DoNothing", m.Name())
		}
	}
	return u.checkObjects(objs)
}

// checkObjects refuses nil objects, objects the session holds, mixed set
// and unset generated keys, and two objects with the same conflict values.
func (u *Upsert[T]) checkObjects(objs []*T) error {
	m, s := u.q.m, u.q.s
	auto := autoField(m)
	seen := make(map[string]int, len(objs))
	keyed := 0
	for i, o := range objs {
		if o == nil {
			return badQuery("Insert[%s].Exec: object %d is nil", m.Name(), i+1)
		}
		p := objPtr(unsafe.Pointer(o))
		if s.states[p] != nil {
			return badQuery("Insert[%s].Exec: object %d is already in the session; change it and Commit, or Expunge it first", m.Name(), i+1)
		}
		if auto != nil && !auto.IsZero(p) {
			keyed++
		}
		k := conflictKey(u.conflict, p)
		if j, dup := seen[k]; dup {
			return badQuery("Insert[%s].Exec: objects %d and %d have the same %s; one statement cannot insert or update a row twice", m.Name(), j+1, i+1, columnNames(u.conflict))
		}
		seen[k] = i
	}
	if keyed != 0 && keyed != len(objs) {
		return badQuery("Insert[%s].Exec: %d of %d objects have their generated key %s set; give all or none", m.Name(), keyed, len(objs), auto.Name)
	}
	return nil
}

// uniqueOn reports whether the primary key, a UNIQUE column or a unique
// index of m covers exactly the fields fs.
func uniqueOn(m *mapping.Mapper, fs []*mapping.Field) bool {
	cols := make([]*schema.Column, len(fs))
	for i, f := range fs {
		cols[i] = f.Column
	}
	same := func(other []*schema.Column) bool {
		if len(other) != len(cols) {
			return false
		}
		for _, c := range other {
			if !slices.Contains(cols, c) {
				return false
			}
		}
		return true
	}
	if same(m.Table.PrimaryKey()) || len(cols) == 1 && cols[0].Unique {
		return true
	}
	for _, ix := range m.Table.AllIndexes() {
		if ix.Unique && same(ix.Columns) {
			return true
		}
	}
	return false
}

func autoField(m *mapping.Mapper) *mapping.Field {
	if c := m.Table.AutoIncrementColumn(); c != nil {
		return m.FieldByColumn(c.Name)
	}
	return nil
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func columnNames(fs []*mapping.Field) string {
	n := make([]string, len(fs))
	for i, f := range fs {
		n[i] = f.Column.Name
	}
	return strings.Join(n, ", ")
}

// conflictKey is the text of an object's conflict values, to match the
// rows read back with their objects.
func conflictKey(fs []*mapping.Field, p objPtr) string {
	var b strings.Builder
	for _, f := range fs {
		v := f.Value(p)
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339Nano)
		}
		fmt.Fprintf(&b, "%T:%v\x00", v, v)
	}
	return b.String()
}

// upsertRun is one Exec: where its statements go, and the rows read back.
type upsertRun struct {
	s        *Session
	m        *mapping.Mapper
	ctx      context.Context
	ex       dialect.Executor
	d        dialect.Dialect
	conflict []*mapping.Field
}

// generate fills the zero fields that have a client-side generator.
func (r *upsertRun) generate(ptrs []objPtr) error {
	for _, p := range ptrs {
		for _, f := range r.m.Generated() {
			if err := f.Generate(p); err != nil {
				return &StatementError{Op: "insert", Type: r.m.Name(), Object: r.m.Interface(p), Err: err}
			}
		}
	}
	return nil
}

// write runs the INSERTs, as many rows in each as the dialect's parameter
// limit and packet allow (the flush's valuesWriter), and returns the rows
// RETURNING gave, by their conflict values.
func (r *upsertRun) write(action upsertAction, update []*mapping.Field, ptrs []objPtr) (map[string]objPtr, error) {
	m, d := r.m, r.d
	var fields []*mapping.Field
	var cols []*schema.Column
	auto := autoField(m)
	for _, f := range m.Fields {
		if f == auto && auto.IsZero(ptrs[0]) {
			continue // the database generates it (checkObjects: all or none)
		}
		fields, cols = append(fields, f), append(cols, f.Column)
	}
	head := insertHead(d, m.Table.Name, cols)
	tail := r.conflictClause(action, update)
	if d.Returning() {
		tail += " RETURNING " + r.columnList("")
	}
	b := &batch{table: m.Table, cols: cols, n: len(ptrs), m: m,
		row: func(i int, dst []any) {
			for j, f := range fields {
				dst[j] = f.Value(ptrs[i])
			}
		},
	}
	uw := &unitOfWork{s: r.s, ctx: r.ctx, ex: r.ex, d: d}
	limit, err := uw.packetLimit()
	if err != nil {
		return nil, err
	}
	perParams := max(1, d.MaxParams()/len(cols))
	vals := make([]any, len(cols))
	rows := make(map[string]objPtr, len(ptrs))
	for start := 0; start < len(ptrs); {
		w := uw.newValuesWriter(b, head, tail, start, min(len(ptrs), start+perParams), limit, perParams, false)
		i := start
		for ; i < w.end; i++ {
			if !w.appendRow(b, i, vals) {
				break
			}
		}
		w.buf = append(w.buf, tail...)
		if err := r.run(string(w.buf), w.args, d.Returning(), rows); err != nil {
			return nil, err
		}
		start = i
	}
	return rows, nil
}

// conflictClause is ON CONFLICT (…) DO NOTHING / DO UPDATE SET c =
// EXCLUDED.c, or MariaDB's ON DUPLICATE KEY UPDATE c = VALUES(c) (for
// nothing: the primary key set to itself, which changes no row).
func (r *upsertRun) conflictClause(action upsertAction, update []*mapping.Field) string {
	d := r.d
	var b strings.Builder
	if d.Name() == "mysql" {
		b.WriteString(" ON DUPLICATE KEY UPDATE ")
		if action == upsertNothing {
			pk := d.Quote(r.m.PrimaryKey[0].Column.Name)
			b.WriteString(pk + " = " + pk)
			return b.String()
		}
		for i, f := range update {
			if i > 0 {
				b.WriteString(", ")
			}
			c := d.Quote(f.Column.Name)
			b.WriteString(c + " = VALUES(" + c + ")")
		}
		return b.String()
	}
	b.WriteString(" ON CONFLICT (")
	for i, f := range r.conflict {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Quote(f.Column.Name))
	}
	if action == upsertNothing {
		b.WriteString(") DO NOTHING")
		return b.String()
	}
	b.WriteString(") DO UPDATE SET ")
	for i, f := range update {
		if i > 0 {
			b.WriteString(", ")
		}
		c := d.Quote(f.Column.Name)
		b.WriteString(c + " = EXCLUDED." + c)
	}
	return b.String()
}

// columnList is the mapper's columns, each after prefix ("t0." or "").
func (r *upsertRun) columnList(prefix string) string {
	var b strings.Builder
	for i, f := range r.m.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix + r.d.Quote(f.Column.Name))
	}
	return b.String()
}

// run runs one statement; a query's rows (RETURNING, or the SELECT of
// readMissing) are scanned into fresh structs, kept by conflict values.
func (r *upsertRun) run(query string, args []any, returns bool, rows map[string]objPtr) error {
	m := r.m
	op := "insert"
	if strings.HasPrefix(query, "SELECT") {
		op = "select"
	}
	if !returns {
		if _, err := execStmt(r.ctx, r.ex, query, args); err != nil {
			return &StatementError{Op: op, Type: m.Name(), SQL: query, Err: err}
		}
		return nil
	}
	err := queryRows(r.ctx, r.ex, query, args, func(rs dialect.Rows) error {
		dest := make([]any, len(m.Fields))
		sd := newScanDests(m.Fields, rs)
		for rs.Next() {
			p := m.New()
			sd.set(dest, m.Fields, p)
			if err := rs.Scan(dest...); err != nil {
				return err
			}
			rows[conflictKey(r.conflict, p)] = p
		}
		return rs.Err()
	})
	if err != nil {
		return &StatementError{Op: op, Type: m.Name(), SQL: query, Err: err}
	}
	return nil
}

// readMissing reads the rows RETURNING did not give — DoNothing's rows on
// PostgreSQL and SQLite, every row without RETURNING — by their conflict
// values, in SELECTs bounded by the parameter limit.
func (r *upsertRun) readMissing(ptrs []objPtr, rows map[string]objPtr) error {
	var missing []objPtr
	for _, p := range ptrs {
		if rows[conflictKey(r.conflict, p)] == nil {
			missing = append(missing, p)
		}
	}
	per := max(1, min(500, r.d.MaxParams()/len(r.conflict)))
	head := "SELECT " + r.columnList("t0.") + " FROM " + r.s.db.cache(r.m).table + " t0 WHERE "
	for start := 0; start < len(missing); start += per {
		chunk := missing[start:min(len(missing), start+per)]
		ors := make([]Cond, len(chunk))
		for i, p := range chunk {
			all := make([]Cond, len(r.conflict))
			for j, f := range r.conflict {
				all[j] = Eq(f.Name, f.Value(p))
			}
			ors[i] = And(all...)
		}
		b := &condBuilder{d: r.d, buf: []byte(head)}
		if err := Or(ors...).build(b, &scope{m: r.m, alias: "t0"}); err != nil {
			return err
		}
		if err := r.run(string(b.buf), b.args, true, rows); err != nil {
			return err
		}
	}
	return nil
}

// adopt gives each object its row and makes it persistent; an object the
// session already holds for that row is brought in step in its place.
// An object whose row was not read back (its conflict values matched an
// existing row only under the column's collation, or the row conflicted
// on MariaDB through another unique key) is left as it was, without key.
func (r *upsertRun) adopt(ptrs []objPtr, rows map[string]objPtr) {
	m, s := r.m, r.s
	for _, p := range ptrs {
		row := rows[conflictKey(r.conflict, p)]
		if row == nil {
			continue
		}
		for _, f := range m.Fields {
			f.CopyValue(p, row)
		}
		key, ok := m.Identity(p)
		if !ok {
			continue
		}
		if held := s.identity.get(identityKey{m, key}); held != nil {
			s.touch(held)
			snap := m.New()
			if held.snap != nil {
				m.Copy(snap, held.snap)
			}
			for _, f := range m.Fields {
				f.CopyValue(snap, row)
				setField(f, held.ptr, reflect.NewAt(f.Type, unsafe.Add(row, f.Offset)).Elem())
			}
			held.snap = snap
			s.unexpire(held)
			continue
		}
		// Taken as an existing row of known contents: persistent, its
		// snapshot the row (as Delete attaches a keyed object).
		_, _ = s.attach(m, p, attachDelete)
	}
}
