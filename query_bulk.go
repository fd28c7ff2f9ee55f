package relm

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Bulk UPDATE and DELETE by condition, as SQLAlchemy 2.0's
// session.execute(update(T).where(...).values(...)) and delete(T):
// one statement, whatever the number of rows, and the number of rows back.
//
// The statement runs on the database as it is: changes the session has not
// flushed are not seen by it (Flush first when they should be). It runs in
// the session's transaction when one is open (a Flush or a locking query
// began it), else alone, committed at once.
//
// The objects of type T the session holds are then brought in step, as
// SQLAlchemy's synchronize_session: when every condition is simple — Eq,
// Ne, Lt, Le, Gt, Ge, In, NotIn, IsNull, NotNull, And, Or, Not on T's own
// numeric, bool or (except on MySQL, whose collations compare text
// without case) string fields — it is evaluated in memory against what
// the session last read of each object ("evaluate"); otherwise one SELECT
// of the held objects' keys reads back the changed columns, or which rows
// are gone ("fetch"), 500 keys per statement. Updated objects get the new
// values both in their fields and in what the session remembers of them,
// so the next Flush writes nothing for them; deleted ones leave the
// session (as Expunge). A Rollback of the session's transaction puts them
// back.
//
// Relationship cascades do not run — Delete removes the rows of T only,
// and the database's own ON DELETE (CASCADE, SET NULL or refusing) applies
// to rows that refer to them; related objects the session holds are not
// changed — as in SQLAlchemy.

// BulkUpdate is an UPDATE of every row of T matching its conditions; build
// it with Update, Where and Set, and run it with Exec.
type BulkUpdate[T any] struct {
	q    *Query[T]
	sets []bulkSet
}

type bulkSet struct {
	f   *mapping.Field
	arg any           // bound value; nil for NULL
	val reflect.Value // the value for the field, of the field's type
}

// Update starts a bulk UPDATE of T's rows in session s.
func Update[T any](s *Session) *BulkUpdate[T] {
	return &BulkUpdate[T]{q: Select[T](s)}
}

// Where adds conditions, joined with AND. Without any, every row is updated.
// Relationships are reached with Any and Has (Join does not apply).
func (u *BulkUpdate[T]) Where(conds ...Cond) *BulkUpdate[T] {
	u.q.Where(conds...)
	return u
}

// Set sets a field (Go or column name) to value in every matching row; nil
// sets NULL. The value must fit the field's type (a string for a string, a
// *string or string for a *string, …); a key column cannot be set.
func (u *BulkUpdate[T]) Set(field string, value any) *BulkUpdate[T] {
	q := u.q
	if q.err != nil {
		return u
	}
	f, err := lookupField(q.m, field)
	if err != nil {
		q.fail(fmt.Errorf("Update[%s].Set(%q): %w", q.m.Name(), field, err))
		return u
	}
	if f.Column.PrimaryKey {
		q.fail(badQuery("Update[%s].Set(%q): %s is the primary key; a bulk update cannot change identities", q.m.Name(), field, f.Name))
		return u
	}
	val, err := fieldValue(f, value)
	if err != nil {
		q.fail(err)
		return u
	}
	arg, isNull, err := checkValue(f, value)
	if err != nil {
		q.fail(err)
		return u
	}
	if isNull {
		arg = nil
	}
	for i := range u.sets {
		if u.sets[i].f == f {
			u.sets[i] = bulkSet{f, arg, val}
			return u
		}
	}
	u.sets = append(u.sets, bulkSet{f, arg, val})
	return u
}

// fieldValue converts v to a value of f's Go type, or explains why not.
func fieldValue(f *mapping.Field, v any) (reflect.Value, error) {
	t := f.Type
	if v == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			return reflect.Zero(t), nil
		}
		return reflect.Value{}, badQuery("Set(%q, nil) on %s: the field is %s, which cannot hold NULL", f.Name, f.Mapper.Name(), t)
	}
	rv := reflect.ValueOf(v)
	switch {
	case rv.Type().AssignableTo(t):
		return rv, nil
	case t.Kind() == reflect.Pointer && rv.Type().AssignableTo(t.Elem()):
		p := reflect.New(t.Elem())
		p.Elem().Set(rv)
		return p, nil
	case rv.Kind() == t.Kind() && rv.Type().ConvertibleTo(t) && rv.Kind() != reflect.Pointer:
		return rv.Convert(t), nil
	}
	return reflect.Value{}, badQuery("Set(%q) on %s: value %v of type %T does not fit the field's type %s", f.Name, f.Mapper.Name(), v, v, t)
}

// Exec runs the UPDATE and returns the number of rows it matched.
func (u *BulkUpdate[T]) Exec(ctx context.Context) (int64, error) {
	q := u.q
	if q.err == nil && len(u.sets) == 0 {
		q.fail(badQuery("Update[%s]: no Set: name the fields to change", q.m.Name()))
	}
	return bulkExec(ctx, q, "update", func(b *condBuilder) {
		b.buf = append(b.buf, "UPDATE "...)
		b.buf = append(b.buf, q.s.db.cache(q.m).table...)
		b.buf = append(b.buf, " AS t0 SET "...)
		for i, st := range u.sets {
			if i > 0 {
				b.buf = append(b.buf, ", "...)
			}
			b.buf = append(b.buf, b.d.Quote(st.f.Column.Name)...)
			b.buf = append(b.buf, " = "...)
			b.placeholder(st.arg)
		}
	}, u.sync)
}

// BulkDelete is a DELETE of every row of T matching its conditions; build
// it with Delete and Where, and run it with Exec.
type BulkDelete[T any] struct {
	q    *Query[T]
	hard bool // HardDelete: DELETE even a soft delete model's rows
}

// Delete starts a bulk DELETE of T's rows in session s. Relationship
// cascades do not run; the database's ON DELETE does.
func Delete[T any](s *Session) *BulkDelete[T] { return &BulkDelete[T]{q: Select[T](s)} }

// Where adds conditions, joined with AND. Without any, every row is deleted.
func (d *BulkDelete[T]) Where(conds ...Cond) *BulkDelete[T] {
	d.q.Where(conds...)
	return d
}

// Exec runs the DELETE and returns the number of rows deleted. For a
// model with a softdelete field (unless HardDelete) it is an UPDATE
// setting the field to the time now, UTC, of the rows not yet deleted
// (all with WithDeleted), and returns the number of rows it set.
func (d *BulkDelete[T]) Exec(ctx context.Context) (int64, error) {
	q := d.q
	if q.m != nil && q.m.SoftDeleteField() != nil && !d.hard {
		return d.softExec(ctx)
	}
	q.withDeleted = q.withDeleted || d.hard
	return bulkExec(ctx, q, "delete", func(b *condBuilder) {
		table := q.s.db.cache(q.m).table
		if b.d.Name() == "mysql" {
			// MariaDB takes no alias in the single-table form.
			b.buf = append(b.buf, "DELETE t0 FROM "+table+" AS t0"...)
			b.deleting = q.m
			return
		}
		b.buf = append(b.buf, "DELETE FROM "+table+" AS t0"...)
	}, d.sync)
}

// bulkExec builds the statement (head, then the query's conditions), runs
// it and brings the session's objects in step with sync.
func bulkExec[T any](ctx context.Context, q *Query[T], op string, head func(*condBuilder), sync func(context.Context, dialect.Executor, []*state) error) (int64, error) {
	s := q.s
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	if err := q.checkBulk(op); err != nil {
		return 0, err
	}
	b := &condBuilder{d: s.db.dialect}
	head(b)
	if err := q.appendWhere(b, &scope{m: q.m, alias: "t0"}); err != nil {
		return 0, err
	}
	query := string(b.buf)
	ex := s.executor()
	res, err := ex.ExecContext(ctx, query, b.args...)
	if err != nil {
		return 0, &StatementError{Op: op, Type: q.m.Name(), SQL: query, Err: err}
	}
	if s.tx == nil {
		s.db.noteWrite()
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, &StatementError{Op: op, Type: q.m.Name(), SQL: query, Err: err}
	}
	var held []*state
	for _, st := range s.states {
		if st.m == q.m && st.status == statusPersistent && st.snap != nil && st.key != nil {
			held = append(held, st)
		}
	}
	if len(held) > 0 {
		if err := sync(ctx, ex, held); err != nil {
			return n, err
		}
	}
	return n, nil
}

// checkBulk refuses what a bulk statement does not take, before any SQL.
func (q *Query[T]) checkBulk(op string) error {
	if err := q.checkUsable(); err != nil {
		return err
	}
	name := "Update"
	if op == "delete" || op == "soft delete" {
		name = "Delete"
	}
	switch {
	case len(q.joins) > 0 || len(q.joined) > 0 || len(q.selectn) > 0:
		return badQuery("%s[%s]: no Join or eager loading in a bulk statement; reach relationships with Any and Has", name, q.m.Name())
	case q.lock != nil:
		return badQuery("%s[%s]: a bulk statement locks the rows it changes; no ForUpdate", name, q.m.Name())
	}
	for _, c := range q.where {
		if err := noDottedFields(c); err != nil {
			return fmt.Errorf("%s[%s]: %w", name, q.m.Name(), err)
		}
	}
	return nil
}

// noDottedFields refuses "Rel.Field" names, which need a Join.
func noDottedFields(c Cond) error {
	var field string
	switch c := c.(type) {
	case cmpCond:
		field = c.field
	case inCond:
		field = c.field
	case nullCond:
		field = c.field
	case boolCond:
		for _, x := range c.conds {
			if x != nil {
				if err := noDottedFields(x); err != nil {
					return err
				}
			}
		}
	case notCond:
		if c.c != nil {
			return noDottedFields(c.c)
		}
	}
	for i := 0; i < len(field); i++ {
		if field[i] == '.' {
			return badQuery("%q names a field of a relationship, which a bulk statement cannot join; use Has or Any", field)
		}
	}
	return nil
}

// sync brings the held objects in step with an UPDATE.
func (u *BulkUpdate[T]) sync(ctx context.Context, ex dialect.Executor, held []*state) error {
	q := u.q
	s := q.s
	apply := func(st *state, from unsafe.Pointer) {
		s.touch(st)
		snap := q.m.New()
		q.m.Copy(snap, st.snap)
		for _, set := range u.sets {
			if from != nil {
				set.f.CopyValue(snap, from)
				setField(set.f, st.ptr, reflect.NewAt(set.f.Type, unsafe.Add(from, set.f.Offset)).Elem())
				continue
			}
			setField(set.f, snap, set.val)
			setField(set.f, st.ptr, set.val)
		}
		st.snap = snap
	}
	if ev := (evaluator{d: s.db.dialect.Name(), m: q.m}); ev.can(q.where) {
		for _, st := range held {
			if ev.eval(q.where, st.snap) == triTrue {
				apply(st, nil)
			}
		}
		return nil
	}
	fields := append([]*mapping.Field(nil), q.m.PrimaryKey...)
	for _, set := range u.sets {
		fields = append(fields, set.f)
	}
	return fetchHeld(ctx, q, ex, held, fields, func(st *state, row unsafe.Pointer) {
		for _, set := range u.sets {
			if !set.f.Equal(row, st.snap) {
				apply(st, row)
				return
			}
		}
	}, nil)
}

// sync removes the deleted objects from the session.
func (d *BulkDelete[T]) sync(ctx context.Context, ex dialect.Executor, held []*state) error {
	q := d.q
	s := q.s
	if ev := (evaluator{d: s.db.dialect.Name(), m: q.m}); ev.can(q.where) {
		for _, st := range held {
			if ev.eval(q.where, st.snap) == triTrue {
				s.forget(st)
			}
		}
		return nil
	}
	return fetchHeld(ctx, q, ex, held, q.m.PrimaryKey, nil, func(st *state) { s.forget(st) })
}

// setField stores v (of f's type) into the field of the struct at p, a
// pointer value copied so that the object and its snapshot do not share it.
func setField(f *mapping.Field, p unsafe.Pointer, v reflect.Value) {
	dst := reflect.NewAt(f.Type, unsafe.Add(p, f.Offset)).Elem()
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(v.Elem())
		v = c
	}
	dst.Set(v)
}

// fetchHeld reads fields (the key's first) of the held objects' rows, 500
// keys per SELECT (by row values for a composite key), and calls found
// with each row read, gone with each held object whose row is not there.
func fetchHeld[T any](ctx context.Context, q *Query[T], ex dialect.Executor, held []*state, fields []*mapping.Field, found func(*state, unsafe.Pointer), gone func(*state)) error {
	s := q.s
	pk := q.m.PrimaryKey[0]
	per := 500
	if w := len(q.m.PrimaryKey); w > 1 {
		per = max(1, min(per, s.db.dialect.MaxParams()/w))
	}
	for start := 0; start < len(held); start += per {
		chunk := held[start:min(start+per, len(held))]
		byKey := make(map[any]*state, len(chunk))
		keys := make([]any, 0, len(chunk)*len(q.m.PrimaryKey))
		for _, st := range chunk {
			keys = keyValues(q.m.PrimaryKey, st.snap, keys)
			byKey[st.key] = st
		}
		b := &condBuilder{d: s.db.dialect}
		root := &scope{m: q.m, alias: "t0"}
		b.buf = append(b.buf, "SELECT "...)
		for i, f := range fields {
			if i > 0 {
				b.buf = append(b.buf, ", "...)
			}
			b.column(root, f)
		}
		b.buf = append(b.buf, " FROM "+s.db.cache(q.m).table+" t0 WHERE "...)
		if len(q.m.PrimaryKey) > 1 {
			b.buf = appendRowIn(b.d, b.buf, quotedCols(b.d, "t0", q.m.PrimaryKey), len(chunk), 1)
			b.args = keys
		} else if err := (inCond{field: pk.Name, values: keys}).build(b, root); err != nil {
			return err
		}
		query := string(b.buf)
		seen := make(map[*state]bool, len(chunk))
		err := queryRows(ctx, ex, query, b.args, func(rows dialect.Rows) error {
			dest := make([]any, len(fields))
			sd := newScanDests(fields, rows)
			for rows.Next() {
				row := q.m.New()
				sd.set(dest, fields, row)
				if err := rows.Scan(dest...); err != nil {
					return err
				}
				key, ok := q.m.Identity(row)
				if !ok {
					continue
				}
				if st := byKey[key]; st != nil {
					seen[st] = true
					if found != nil {
						found(st, row)
					}
				}
			}
			return rows.Err()
		})
		if err != nil {
			return &StatementError{Op: "select", Type: q.m.Name(), SQL: query, Err: err}
		}
		if gone != nil {
			for _, st := range chunk {
				if !seen[st] {
					gone(st)
				}
			}
		}
	}
	return nil
}

// tri is SQL's three-valued logic: a comparison with NULL is unknown.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

// evaluator evaluates simple conditions on an object in memory, as the
// database would, for the dialect d.
type evaluator struct {
	d string
	m *mapping.Mapper
}

// fieldOf returns the field a condition names.
func (ev evaluator) fieldOf(name string) *mapping.Field {
	f, err := ev.m.LookupField(name)
	if err != nil {
		return nil
	}
	return f
}

// can reports whether every condition is simple enough to evaluate.
func (ev evaluator) can(conds []Cond) bool {
	for _, c := range conds {
		if !ev.canOne(c) {
			return false
		}
	}
	return true
}

func (ev evaluator) canOne(c Cond) bool {
	switch c := c.(type) {
	case cmpCond:
		return c.op != "LIKE" && ev.field(c.field, c.op)
	case inCond:
		if sq, err := c.subOf(); err != nil || sq != nil {
			return false // a subquery is the database's to evaluate
		}
		return ev.field(c.field, "=")
	case nullCond:
		return ev.fieldOf(c.field) != nil
	case boolCond:
		return ev.can(c.conds)
	case notCond:
		return ev.canOne(c.c)
	}
	return false
}

// field reports whether a field's kind compares with op in Go as in the
// database: strings for equality only, since collations order them
// otherwise than bytes.
func (ev evaluator) field(name, op string) bool {
	f := ev.fieldOf(name)
	if f == nil || !evalKinds[ev.d][f.Column.Type.Kind] {
		return false
	}
	switch f.Column.Type.Kind {
	case schema.KindString, schema.KindText:
		return op == "=" || op == "<>"
	}
	return true
}

// evalKinds are, per dialect, the column kinds compared in memory: MySQL's
// default collations compare strings without case, and times everywhere
// carry the database's precision and zone.
var evalKinds = map[string]map[schema.Kind]bool{
	"sqlite":   {schema.KindInteger: true, schema.KindBigInt: true, schema.KindBool: true, schema.KindFloat: true, schema.KindString: true, schema.KindText: true},
	"postgres": {schema.KindInteger: true, schema.KindBigInt: true, schema.KindBool: true, schema.KindFloat: true, schema.KindString: true, schema.KindText: true},
	"mysql":    {schema.KindInteger: true, schema.KindBigInt: true, schema.KindBool: true, schema.KindFloat: true},
}

func (ev evaluator) eval(conds []Cond, obj unsafe.Pointer) tri {
	return ev.evalOne(boolCond{"AND", conds}, obj)
}

func (ev evaluator) evalOne(c Cond, obj unsafe.Pointer) tri {
	switch c := c.(type) {
	case boolCond:
		and := c.op == "AND"
		out := triTrue
		if !and {
			out = triFalse
		}
		for _, x := range c.conds {
			r := ev.evalOne(x, obj)
			switch {
			case and && r == triFalse, !and && r == triTrue:
				return r
			case r == triUnknown:
				out = triUnknown
			}
		}
		return out
	case notCond:
		switch ev.evalOne(c.c, obj) {
		case triTrue:
			return triFalse
		case triFalse:
			return triTrue
		}
		return triUnknown
	case nullCond:
		_, isNull, ok := ev.value(c.field, obj)
		if !ok {
			return triUnknown
		}
		return triOf(isNull != c.not)
	case cmpCond:
		got, isNull, ok := ev.value(c.field, obj)
		if !ok {
			return triUnknown
		}
		want, wantNull, err := checkValue(ev.fieldOf(c.field), c.value)
		if err != nil {
			return triUnknown
		}
		if wantNull {
			// Eq(f, nil) is IS NULL, Ne(f, nil) IS NOT NULL.
			return triOf(isNull == (c.op == "="))
		}
		if isNull {
			return triUnknown
		}
		return compare(got, want, c.op)
	case inCond:
		got, isNull, ok := ev.value(c.field, obj)
		if !ok {
			return triUnknown
		}
		if len(c.values) == 0 {
			return triOf(c.not)
		}
		if isNull {
			return triUnknown
		}
		f := ev.fieldOf(c.field)
		for _, v := range c.values {
			want, _, err := checkValue(f, v)
			if err != nil {
				return triUnknown
			}
			if compare(got, want, "=") == triTrue {
				return triOf(!c.not)
			}
		}
		return triOf(c.not)
	}
	return triUnknown
}

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// value returns the normalised value of the named field of obj.
func (ev evaluator) value(name string, obj unsafe.Pointer) (any, bool, bool) {
	f := ev.fieldOf(name)
	if f == nil || !evalKinds[ev.d][f.Column.Type.Kind] {
		return nil, false, false
	}
	v, isNull, err := checkValue(f, f.Value(obj))
	if err != nil {
		return nil, false, false
	}
	return v, isNull, true
}

// compareTo compares x with b when b is a T too.
func compareTo[T cmp.Ordered](x T, b any) (int, bool) {
	y, ok := b.(T)
	if !ok {
		return 0, false
	}
	return cmp.Compare(x, y), true
}

// boolRank orders false before true.
func boolRank(v bool) int {
	if v {
		return 1
	}
	return 0
}

// compare applies op to two values normalised by checkValue (int64,
// float64, string, bool).
func compare(a, b any, op string) tri {
	var c int
	ok := false
	switch x := a.(type) {
	case int64:
		c, ok = compareTo(x, b)
	case float64:
		c, ok = compareTo(x, b)
	case string:
		c, ok = compareTo(x, b)
	case bool:
		var y bool
		if y, ok = b.(bool); ok {
			c = cmp.Compare(boolRank(x), boolRank(y))
		}
	}
	if !ok {
		return triUnknown
	}
	switch op {
	case "=":
		return triOf(c == 0)
	case "<>":
		return triOf(c != 0)
	case "<":
		return triOf(c < 0)
	case "<=":
		return triOf(c <= 0)
	case ">":
		return triOf(c > 0)
	case ">=":
		return triOf(c >= 0)
	}
	return triUnknown
}
