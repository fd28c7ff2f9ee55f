package relm

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Projections and aggregates: a query's chosen columns and aggregate
// functions, grouped, scanned into a struct type R by field name — as
// SQLAlchemy's select(Category.name, func.count(Article.id).label("n"))
// .join(...).group_by(...).having(...):
//
//	type perCategory struct {
//		Category string
//		N        int
//	}
//	rows, err := relm.Scan[perCategory](ctx, relm.Select[blog.Article](s).
//		Join("Category").
//		Columns(relm.Col("Category.Name").As("Category"), relm.Count("ID").As("N")).
//		GroupBy("Category.Name").
//		Having(relm.Count("ID").Gt(1)).
//		OrderBy("N desc", "Category"))
//
// Field names are checked against the mappers (a typo is an error naming
// the nearest field) and the column names against R's fields, before any
// SQL. Join is an inner join and LeftJoin a LEFT OUTER JOIN (a group with
// no related row counts 0 in Count of the joined key); each row of a
// collection is counted (the semi-join Select uses to return each object
// once does not apply).

// Column is a column of a projection: a field (Col) or an aggregate of
// one (Count, Sum, Avg, Min, Max), named by As for the field of R it is
// scanned into.
type Column struct {
	field string // "Title", "Category.Name"; "*" for CountAll
	fn    string // "", "COUNT", "SUM", "AVG", "MIN", "MAX"
	as    string
	expr  *Fragment // Expr(…).As(…) (query_expr.go)
}

// Col selects a field ("Title", or "Category.Name" through a Join). Its
// default name is the path without dots ("CategoryName").
func Col(field string) Column { return Column{field: field} }

// Count counts the rows where the field is not NULL: COUNT(field). Its
// default name is "Count" followed by the field's path without dots.
func Count(field string) Column { return Column{field: field, fn: "COUNT"} }

// CountAll counts rows: COUNT(*), named "Count" unless As renames it.
func CountAll() Column { return Column{field: "*", fn: "COUNT"} }

// Sum is SUM(field) of a numeric field. Over no rows it is NULL: scan it
// into a pointer or sql.Null type when that can happen.
func Sum(field string) Column { return Column{field: field, fn: "SUM"} }

// Avg is AVG(field) of a numeric field, scanned into a float.
func Avg(field string) Column { return Column{field: field, fn: "AVG"} }

// Min is MIN(field).
func Min(field string) Column { return Column{field: field, fn: "MIN"} }

// Max is MAX(field).
func Max(field string) Column { return Column{field: field, fn: "MAX"} }

// As names the column: the field of R it is scanned into, and the name
// OrderBy may use. A name is a Go identifier.
func (c Column) As(name string) Column {
	c.as = name
	return c
}

// name is the column's result name.
func (c Column) name() string {
	if c.as != "" {
		return c.as
	}
	base := strings.ReplaceAll(c.field, ".", "")
	if c.field == "*" {
		base = ""
	}
	if c.fn == "" {
		return base
	}
	fn := strings.ToLower(c.fn)
	return strings.ToUpper(fn[:1]) + fn[1:] + base
}

// String returns the column as the call that made it (Col("Name"),
// Count("ID"), CountAll()), as error messages quote it.
func (c Column) String() string {
	if c.expr != nil {
		return c.expr.String() + fmt.Sprintf(".As(%q)", c.as)
	}
	if c.fn == "" {
		return fmt.Sprintf("Col(%q)", c.field)
	}
	if c.field == "*" {
		return "CountAll()"
	}
	fn := strings.ToLower(c.fn)
	return fmt.Sprintf("%s%s(%q)", strings.ToUpper(fn[:1]), fn[1:], c.field)
}

// Eq, Ne, Lt, Le, Gt and Ge compare an aggregate with a value, for Having:
// Having(relm.Count("ID").Gt(1)). The value is bound.
func (c Column) Eq(v any) Cond { return aggCond{c, "=", v} }

// Ne is the aggregate <> v, for Having.
func (c Column) Ne(v any) Cond { return aggCond{c, "<>", v} }

// Lt is the aggregate < v, for Having.
func (c Column) Lt(v any) Cond { return aggCond{c, "<", v} }

// Le is the aggregate <= v, for Having.
func (c Column) Le(v any) Cond { return aggCond{c, "<=", v} }

// Gt is the aggregate > v, for Having.
func (c Column) Gt(v any) Cond { return aggCond{c, ">", v} }

// Ge is the aggregate >= v, for Having.
func (c Column) Ge(v any) Cond { return aggCond{c, ">=", v} }

// aggCond compares an aggregate with a bound value.
type aggCond struct {
	c     Column
	op    string
	value any
}

func (a aggCond) build(b *condBuilder, sc *scope) error {
	if !b.having {
		return badQuery("%s.%s… in Where on %s: an aggregate is compared in Having, after grouping", a.c, opName(a.op), sc.m.Name())
	}
	if a.c.fn == "" {
		return badQuery("%s compared in Having: compare a grouped field with Eq, Lt, … instead", a.c)
	}
	f, err := writeColumn(b, sc, a.c)
	if err != nil {
		return err
	}
	v := a.value
	if v == nil {
		return badQuery("%s %s nil: comparing with NULL is never true", a.c, a.op)
	}
	if a.c.fn == "COUNT" || a.c.fn == "AVG" || a.c.fn == "SUM" {
		rv := reflect.ValueOf(v)
		switch {
		case rv.CanInt():
			v = rv.Int()
		case rv.CanUint() && rv.Uint() <= 1<<63-1:
			v = int64(rv.Uint())
		case rv.CanFloat():
			v = rv.Float()
		default:
			return badQuery("%s %s %v: the value of type %T is not a number", a.c, a.op, a.value, a.value)
		}
	} else {
		cv, _, err := checkValue(f, v)
		if err != nil {
			return err
		}
		v = cv
	}
	b.buf = append(b.buf, ' ')
	b.buf = append(b.buf, a.op...)
	b.buf = append(b.buf, ' ')
	b.placeholder(v)
	return nil
}

func opName(op string) string {
	return map[string]string{"=": "Eq", "<>": "Ne", "<": "Lt", "<=": "Le", ">": "Gt", ">=": "Ge"}[op]
}

// writeColumn writes a column's expression; it returns the field (nil for
// COUNT(*)).
func writeColumn(b *condBuilder, sc *scope, c Column) (*mapping.Field, error) {
	if c.expr != nil {
		was := b.projecting
		b.projecting = true
		err := c.expr.build(b, sc)
		b.projecting = was
		return nil, err
	}
	if c.field == "*" {
		b.buf = append(b.buf, "COUNT(*)"...)
		return nil, nil
	}
	fs, f, err := sc.resolve(c.field)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c, err)
	}
	switch c.fn {
	case "SUM", "AVG":
		switch f.Column.Type.Kind {
		case schema.KindInteger, schema.KindBigInt, schema.KindFloat:
		default:
			return nil, badQuery("%s on %s: %s.%s is %s, not a number", c, sc.m.Name(), f.Mapper.Name(), f.Name, f.Column.Type)
		}
	}
	if c.fn == "" {
		b.column(fs, f)
		return f, nil
	}
	b.buf = append(b.buf, c.fn...)
	b.buf = append(b.buf, '(')
	b.column(fs, f)
	b.buf = append(b.buf, ')')
	return f, nil
}

// Columns makes the query a projection of the given columns, run with
// relm.Scan (All, First, One and Iter refuse it).
func (q *Query[T]) Columns(cols ...Column) *Query[T] {
	q.proj = append(q.proj, cols...)
	return q
}

// GroupBy groups the rows by fields ("Category.Name" through a Join), for
// the aggregates of Columns.
func (q *Query[T]) GroupBy(fields ...string) *Query[T] {
	q.group = append(q.group, fields...)
	return q
}

// Having filters the groups: conditions on aggregates
// (relm.Count("ID").Ge(2)) or on grouped fields, joined with AND.
func (q *Query[T]) Having(conds ...Cond) *Query[T] {
	for _, c := range conds {
		if c == nil {
			q.fail(badQuery("Having(nil)"))
			continue
		}
		q.having = append(q.having, c)
	}
	return q
}

// checkProjection refuses Columns, GroupBy and Having outside Scan.
func (q *Query[T]) checkProjection(op string) error {
	if len(q.proj) > 0 || len(q.group) > 0 || len(q.having) > 0 {
		return badQuery("%s on a query with Columns, GroupBy or Having (%s): run it with relm.Scan[R]", op, q.m.Name())
	}
	return nil
}

// Scan runs a projection (Columns, with GroupBy and Having as needed) and
// returns its rows as values of R, each column stored in the field of R of
// its name (Column.As; exported fields, matched exactly). R's mapping of
// names to fields is computed once per type. A column with no field of R,
// a field of a type the column cannot scan into, a plain column mixed with
// aggregates but not in GroupBy: each is an error before SQL.
func Scan[R, T any](ctx context.Context, q *Query[T]) ([]R, error) {
	s := q.s
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	query, args, plan, err := scanSQL[R](q)
	if err != nil {
		return nil, err
	}
	var out []R
	err = queryRows(ctx, s.executor(), query, args, func(rows dialect.Rows) error {
		dest := make([]any, len(plan))
		for rows.Next() {
			out = append(out, *new(R))
			p := unsafe.Pointer(&out[len(out)-1])
			for i, f := range plan {
				dest[i] = f.addr(unsafe.Add(p, f.offset))
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, &StatementError{Op: "select", Type: q.m.Name(), SQL: query, Err: err}
	}
	if out == nil {
		out = []R{}
	}
	return out, nil
}

// scanSQL builds a projection's SELECT, and the fields of R its columns
// scan into.
func scanSQL[R, T any](q *Query[T]) (string, []any, []scanField, error) {
	if q.err != nil {
		return "", nil, nil, q.err
	}
	if err := q.s.check(); err != nil {
		return "", nil, nil, err
	}
	switch {
	case len(q.proj) == 0:
		return "", nil, nil, badQuery("Scan on %s: no Columns: choose what to select", q.m.Name())
	case len(q.joined) > 0 || len(q.selectn) > 0:
		return "", nil, nil, badQuery("Scan on %s: a projection loads no objects; no Joined or SelectIn", q.m.Name())
	case q.lock != nil:
		return "", nil, nil, badQuery("Scan on %s: no ForUpdate or ForShare on a projection", q.m.Name())
	}
	rp, err := resultPlanOf(reflect.TypeFor[R]())
	if err != nil {
		return "", nil, nil, err
	}
	b := &condBuilder{d: q.s.db.dialect}
	root := &scope{m: q.m, alias: "t0"}
	jp := joinPaths{m: q.m, b: b, root: root}
	if err := q.addJoins(&jp); err != nil {
		return "", nil, nil, err
	}
	b.buf = append(b.buf, "SELECT "...)
	plan, names, agg, err := q.appendProjection(b, root, rp)
	if err != nil {
		return "", nil, nil, err
	}
	b.buf = append(b.buf, " FROM "+q.s.db.cache(q.m).table+" t0"...)
	for _, sg := range jp.filters {
		q.appendJoin(b, sg)
	}
	if err := q.appendWhere(b, root); err != nil {
		return "", nil, nil, err
	}
	if err := q.appendGroup(b, root, agg); err != nil {
		return "", nil, nil, err
	}
	if err := q.appendScanOrder(b, root, names); err != nil {
		return "", nil, nil, err
	}
	if q.limit >= 0 {
		b.buf = append(b.buf, " LIMIT "...)
		b.buf = strconv.AppendInt(b.buf, int64(q.limit), 10)
	}
	if q.offset > 0 {
		if q.limit < 0 && b.d.Name() != "postgres" {
			b.buf = append(b.buf, " LIMIT "...)
			b.buf = strconv.AppendInt(b.buf, 1<<62, 10)
		}
		b.buf = append(b.buf, " OFFSET "...)
		b.buf = strconv.AppendInt(b.buf, int64(q.offset), 10)
	}
	return string(b.buf), b.args, plan, nil
}

// appendProjection writes the projection's columns, each AS the name of the
// field of R it fills, and returns those fields in column order, the names
// used and whether any column is an aggregate.
func (q *Query[T]) appendProjection(b *condBuilder, root *scope, rp *resultPlan) ([]scanField, map[string]bool, bool, error) {
	plan := make([]scanField, len(q.proj))
	names := map[string]bool{}
	agg := false
	for i, c := range q.proj {
		name := c.name()
		if !isIdent(name) {
			return nil, nil, false, badQuery("%s.As(%q): a column's name is a Go identifier (the field of the result it fills)", c, name)
		}
		if names[name] {
			return nil, nil, false, badQuery("Columns: two columns named %q; name one with As", name)
		}
		names[name] = true
		f, ok := rp.fields[name]
		if !ok {
			return nil, nil, false, badQuery("Scan[%s]: column %s named %q has no field %s in %s%s", rp.t, c, name, name, rp.t, rp.nearest(name))
		}
		plan[i] = f
		agg = agg || c.fn != ""
		if i > 0 {
			b.buf = append(b.buf, ", "...)
		}
		if _, err := writeColumn(b, root, c); err != nil {
			return nil, nil, false, err
		}
		b.buf = append(b.buf, " AS "...)
		b.buf = append(b.buf, b.d.Quote(name)...)
	}
	return plan, names, agg, nil
}

// appendGroup writes GROUP BY and HAVING, and refuses a plain column that
// is neither grouped nor alone (the databases refuse it, or pick any row).
func (q *Query[T]) appendGroup(b *condBuilder, root *scope, agg bool) error {
	grouped := map[*mapping.Field]bool{}
	for i, g := range q.group {
		_, f, err := root.resolve(g)
		if err != nil {
			return fmt.Errorf("GroupBy(%q): %w", g, err)
		}
		grouped[f] = true
		if i == 0 {
			b.buf = append(b.buf, " GROUP BY "...)
		} else {
			b.buf = append(b.buf, ", "...)
		}
		b.column(mustScope(root, g), f)
	}
	if agg || len(q.group) > 0 {
		for _, c := range q.proj {
			if c.fn != "" || c.expr != nil {
				continue // an Expr's grouping is the database's to check
			}
			_, f, err := root.resolve(c.field)
			if err != nil {
				return err
			}
			if !grouped[f] {
				return badQuery("%s on %s is selected with aggregates but not grouped: add GroupBy(%q), or aggregate it (Min, Max)", c, q.m.Name(), c.field)
			}
		}
	}
	if len(q.having) > 0 {
		if !agg && len(q.group) == 0 {
			return badQuery("Having on %s without GroupBy or aggregates: filter rows with Where", q.m.Name())
		}
		b.buf = append(b.buf, " HAVING "...)
		b.having = true
		err := (boolCond{"AND", q.having}).build(b, root)
		b.having = false
		if err != nil {
			return err
		}
	}
	return nil
}

func mustScope(root *scope, name string) *scope {
	sc, _, _ := root.resolve(name)
	return sc
}

// appendScanOrder writes ORDER BY: each term a column's name or a field,
// optionally followed by asc or desc.
func (q *Query[T]) appendScanOrder(b *condBuilder, root *scope, names map[string]bool) error {
	for i, term := range q.order {
		parts := strings.Fields(term)
		if len(parts) == 0 || len(parts) > 2 {
			return badQuery("OrderBy(%q) on %s: want a column name or field, optionally followed by asc or desc", term, q.m.Name())
		}
		desc := false
		if len(parts) == 2 {
			switch strings.ToLower(parts[1]) {
			case "desc":
				desc = true
			case "asc":
			default:
				return badQuery("OrderBy(%q) on %s: %q is neither asc nor desc", term, q.m.Name(), parts[1])
			}
		}
		if i == 0 {
			b.buf = append(b.buf, " ORDER BY "...)
		} else {
			b.buf = append(b.buf, ", "...)
		}
		if names[parts[0]] {
			b.buf = append(b.buf, b.d.Quote(parts[0])...)
		} else {
			sc, f, err := root.resolve(parts[0])
			if err != nil {
				return fmt.Errorf("OrderBy(%q): not a column of the projection, nor a field: %w", term, err)
			}
			b.column(sc, f)
		}
		if desc {
			b.buf = append(b.buf, " DESC"...)
		}
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// resultPlan is how the columns of a projection land in R: per exported
// field name, its offset and a function giving a Scan destination.
type resultPlan struct {
	t      reflect.Type
	fields map[string]scanField
	names  []string
}

type scanField struct {
	offset uintptr
	addr   func(p unsafe.Pointer) any
}

var resultPlans sync.Map // reflect.Type → *resultPlan

func resultPlanOf(t reflect.Type) (*resultPlan, error) {
	if rp, ok := resultPlans.Load(t); ok {
		return rp.(*resultPlan), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, badQuery("Scan[%s]: the result type is a struct, one field per column", t)
	}
	rp := &resultPlan{t: t, fields: map[string]scanField{}}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		rp.fields[sf.Name] = scanField{offset: sf.Offset, addr: addrFunc(sf.Type)}
		rp.names = append(rp.names, sf.Name)
	}
	resultPlans.Store(t, rp)
	return rp, nil
}

// addrFunc returns, once per field type, how to make a Scan destination
// of a field's address: typed pointers for the common types, reflection
// (a pointer made from the address, no allocation of the value) for the
// others.
func addrFunc(t reflect.Type) func(p unsafe.Pointer) any {
	switch t {
	case reflect.TypeFor[int]():
		return func(p unsafe.Pointer) any { return (*int)(p) }
	case reflect.TypeFor[int64]():
		return func(p unsafe.Pointer) any { return (*int64)(p) }
	case reflect.TypeFor[float64]():
		return func(p unsafe.Pointer) any { return (*float64)(p) }
	case reflect.TypeFor[string]():
		return func(p unsafe.Pointer) any { return (*string)(p) }
	case reflect.TypeFor[*string]():
		return func(p unsafe.Pointer) any { return (**string)(p) }
	case reflect.TypeFor[*int64]():
		return func(p unsafe.Pointer) any { return (**int64)(p) }
	case reflect.TypeFor[*float64]():
		return func(p unsafe.Pointer) any { return (**float64)(p) }
	case reflect.TypeFor[sql.NullInt64]():
		return func(p unsafe.Pointer) any { return (*sql.NullInt64)(p) }
	case reflect.TypeFor[sql.NullFloat64]():
		return func(p unsafe.Pointer) any { return (*sql.NullFloat64)(p) }
	}
	return func(p unsafe.Pointer) any { return reflect.NewAt(t, p).Interface() }
}

// nearest suggests the field of R nearest to name, or lists R's fields.
func (rp *resultPlan) nearest(name string) string {
	if best := schema.Nearest(name, rp.names); best != "" {
		return fmt.Sprintf("; did you mean %s? (or name the column with As)", best)
	}
	return " (its fields: " + strings.Join(rp.names, ", ") + "; name the column with As)"
}
