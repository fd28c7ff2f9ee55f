package relm

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Cond is a condition of a query. Build one with Eq, Ne, Lt, Le, Gt, Ge, In,
// Like, IsNull, NotNull, And, Or, Not, Any and Has. Fields are named by
// their Go name (or column name); "Author.Username" names a field of a
// relationship joined with Query.Join. Values are always bound as
// parameters, never written into the SQL.
type Cond interface {
	build(b *condBuilder, scope *scope) error
}

// ErrBadQuery is wrapped by every error about a malformed query: an unknown
// field or relationship, a value of the wrong type.
var ErrBadQuery = errors.New("relm: bad query")

type cmpCond struct {
	field string
	op    string
	value any
}

// Eq is field = value; Eq(field, nil) is field IS NULL.
func Eq(field string, value any) Cond { return cmpCond{field, "=", value} }

// Ne is field <> value; Ne(field, nil) is field IS NOT NULL.
func Ne(field string, value any) Cond { return cmpCond{field, "<>", value} }

// Lt is field < value.
func Lt(field string, value any) Cond { return cmpCond{field, "<", value} }

// Le is field <= value.
func Le(field string, value any) Cond { return cmpCond{field, "<=", value} }

// Gt is field > value.
func Gt(field string, value any) Cond { return cmpCond{field, ">", value} }

// Ge is field >= value.
func Ge(field string, value any) Cond { return cmpCond{field, ">=", value} }

// Like is field LIKE pattern (% and _ are the wildcards; the pattern is a
// bound parameter).
func Like(field, pattern string) Cond { return cmpCond{field, "LIKE", pattern} }

type inCond struct {
	field  string
	values []any
	not    bool
}

// In is field IN (values...); with no values it is false.
func In(field string, values ...any) Cond { return inCond{field: field, values: flatten(values)} }

// NotIn is field NOT IN (values...); with no values it is true.
func NotIn(field string, values ...any) Cond {
	return inCond{field: field, values: flatten(values), not: true}
}

// flatten expands a single slice argument: In("ID", ids) as In("ID", ids...).
func flatten(values []any) []any {
	if len(values) == 1 {
		v := reflect.ValueOf(values[0])
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 {
			out := make([]any, v.Len())
			for i := range out {
				out[i] = v.Index(i).Interface()
			}
			return out
		}
	}
	return values
}

type nullCond struct {
	field string
	not   bool
}

// IsNull is field IS NULL.
func IsNull(field string) Cond { return nullCond{field: field} }

// NotNull is field IS NOT NULL.
func NotNull(field string) Cond { return nullCond{field: field, not: true} }

type boolCond struct {
	op    string
	conds []Cond
}

// And joins conditions with AND (true when empty).
func And(conds ...Cond) Cond { return boolCond{"AND", conds} }

// Or joins conditions with OR (false when empty).
func Or(conds ...Cond) Cond { return boolCond{"OR", conds} }

type notCond struct{ c Cond }

// Not negates a condition.
func Not(c Cond) Cond { return notCond{c} }

type existsCond struct {
	rel    string
	cond   Cond
	scalar bool
}

// Any is true when the collection relationship rel ([]*T: one-to-many or
// many-to-many) has at least one element matching the conditions, written
// in the target's fields: Any("Tags", Eq("Name", "go")). It is an EXISTS
// subquery, as SQLAlchemy's any().
func Any(rel string, conds ...Cond) Cond { return existsCond{rel: rel, cond: And(conds...)} }

// Has is true when the scalar relationship rel (*T: many-to-one or
// one-to-one) refers to an object matching the conditions:
// Has("Author", Eq("Username", "ada")). It is an EXISTS subquery, as
// SQLAlchemy's has().
func Has(rel string, conds ...Cond) Cond {
	return existsCond{rel: rel, cond: And(conds...), scalar: true}
}

// scope is where field names are resolved: a mapper under an alias, and the
// relationships joined from it.
type scope struct {
	m      *mapping.Mapper
	alias  string
	joined map[string]*scope // relationship path → joined scope
	many   bool              // reached through a collection (one root row, many of these)
	outer  *scope            // the enclosing query's root, in a subquery (query_subquery.go)
}

// condBuilder accumulates SQL text and arguments.
type condBuilder struct {
	d      dialect.Dialect
	buf    []byte
	args   []any
	nalias int
	having bool // building HAVING, where aggregates may be compared (query_scan.go)
	// withDeleted: Any and Has keep soft-deleted rows (softdelete.go)
	withDeleted bool
	// projecting: writing a projected column, where an Expr may take an
	// aggregate (query_expr.go).
	projecting bool
	// deleting is the table of a MariaDB bulk DELETE, which a subquery
	// reads only through a derived table (query_subquery.go).
	deleting *mapping.Mapper
}

func (b *condBuilder) placeholder(v any) {
	b.args = append(b.args, v)
	b.buf = b.d.AppendPlaceholder(b.buf, len(b.args))
}

func (b *condBuilder) newAlias() string {
	b.nalias++
	return "t" + strconv.Itoa(b.nalias)
}

func badQuery(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadQuery}, args...)...)
}

// resolve finds the field a name denotes in sc — a field's Go name, its
// Go path in an embedded struct ("Address.City") or its column name — or
// follows a dotted path through joined relationships.
func (sc *scope) resolve(name string) (*scope, *mapping.Field, error) {
	if f := sc.m.Field(name); f != nil {
		return sc, f, nil // a field of an embedded struct: "Address.City"
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		path, field := name[:i], name[i+1:]
		j := sc.joined[path]
		if j == nil {
			if _, err := lookupPath(sc.m, "", path); err != nil {
				return nil, nil, err
			}
			return nil, nil, badQuery("%q names a field of %s.%s, which the query does not join; add .Join(%q), or filter with Any/Has", name, sc.m.Name(), path, path)
		}
		f, err := lookupField(j.m, field)
		if err != nil {
			return nil, nil, fmt.Errorf("%w (in %q, from %s)", err, name, sc.m.Name())
		}
		return j, f, nil
	}
	return lookupFieldScope(sc, name)
}

func lookupFieldScope(sc *scope, name string) (*scope, *mapping.Field, error) {
	f, err := lookupField(sc.m, name)
	if err != nil {
		return nil, nil, err
	}
	return sc, f, nil
}

// lookupField finds a mapped field by Go or column name, or returns an
// error wrapping ErrBadQuery that names the type and the nearest valid
// field (or, when none is near, every field), and points at Any/Has when
// the name is a relationship.
func lookupField(m *mapping.Mapper, name string) (*mapping.Field, error) {
	f, err := m.LookupField(name)
	if err == nil {
		return f, nil
	}
	msg := err.Error()
	if r := m.Relationship(name); r != nil {
		if r.Uselist {
			msg += fmt.Sprintf("; %s is a relationship: filter on it with Any(%q, ...) or Join(%q)", r, name, name)
		} else {
			msg += fmt.Sprintf("; %s is a relationship: filter on it with Has(%q, ...) or Join(%q)", r, name, name)
		}
	} else if !strings.Contains(msg, "did you mean") {
		names := make([]string, len(m.Fields))
		for i, f := range m.Fields {
			names[i] = f.Name
		}
		msg += " (its fields: " + strings.Join(names, ", ") + ")"
	}
	return nil, &badNameError{msg: msg, err: err}
}

// badNameError is an unknown field name: it wraps ErrBadQuery and the
// mapping's *UnknownNameError.
type badNameError struct {
	msg string
	err error
}

func (e *badNameError) Error() string   { return ErrBadQuery.Error() + ": " + e.msg }
func (e *badNameError) Unwrap() []error { return []error{ErrBadQuery, e.err} }

func (b *condBuilder) column(sc *scope, f *mapping.Field) {
	b.buf = append(b.buf, sc.alias...)
	b.buf = append(b.buf, '.')
	b.buf = append(b.buf, b.d.Quote(f.Column.Name)...)
}

func (c cmpCond) build(b *condBuilder, sc *scope) error {
	fs, f, err := sc.resolve(c.field)
	if err != nil {
		return err
	}
	if o, ok := c.value.(OuterRef); ok {
		return c.buildOuter(b, sc, fs, f, o) // query_subquery.go
	}
	if c.op == "LIKE" && f.Column.Type.Kind != schema.KindString && f.Column.Type.Kind != schema.KindText {
		return badQuery("Like on %s.%s: the column is %s, not a string", f.Mapper.Name(), f.Name, f.Column.Type)
	}
	v, isNull, err := checkValue(f, c.value)
	if err != nil {
		return err
	}
	b.column(fs, f)
	if isNull {
		switch c.op {
		case "=":
			b.buf = append(b.buf, " IS NULL"...)
		case "<>":
			b.buf = append(b.buf, " IS NOT NULL"...)
		default:
			return badQuery("%s %s nil on %s.%s: comparing with NULL is never true; use IsNull or NotNull", c.field, c.op, f.Mapper.Name(), f.Name)
		}
		return nil
	}
	b.buf = append(b.buf, ' ')
	b.buf = append(b.buf, c.op...)
	b.buf = append(b.buf, ' ')
	b.placeholder(v)
	return nil
}

func (c inCond) build(b *condBuilder, sc *scope) error {
	fs, f, err := sc.resolve(c.field)
	if err != nil {
		return err
	}
	if sq, err := c.subOf(); err != nil || sq != nil {
		if err != nil {
			return err
		}
		return c.buildSub(b, sc, fs, f, sq) // query_subquery.go
	}
	if len(c.values) == 0 {
		if c.not {
			b.buf = append(b.buf, "1 = 1"...)
		} else {
			b.buf = append(b.buf, "1 = 0"...)
		}
		return nil
	}
	if c.not {
		b.buf = append(b.buf, "NOT ("...)
	}
	b.column(fs, f)
	b.buf = append(b.buf, " IN ("...)
	for i, v := range c.values {
		cv, isNull, err := checkValue(f, v)
		if err != nil {
			return err
		}
		if isNull {
			return badQuery("In on %s.%s: nil in the list; NULL never matches IN, use Or(In(...), IsNull(...))", f.Mapper.Name(), f.Name)
		}
		if i > 0 {
			b.buf = append(b.buf, ", "...)
		}
		b.placeholder(cv)
	}
	b.buf = append(b.buf, ')')
	if c.not {
		b.buf = append(b.buf, ')')
	}
	return nil
}

func (c nullCond) build(b *condBuilder, sc *scope) error {
	fs, f, err := sc.resolve(c.field)
	if err != nil {
		return err
	}
	b.column(fs, f)
	if c.not {
		b.buf = append(b.buf, " IS NOT NULL"...)
	} else {
		b.buf = append(b.buf, " IS NULL"...)
	}
	return nil
}

func (c boolCond) build(b *condBuilder, sc *scope) error {
	if len(c.conds) == 0 {
		if c.op == "AND" {
			b.buf = append(b.buf, "1 = 1"...)
		} else {
			b.buf = append(b.buf, "1 = 0"...)
		}
		return nil
	}
	for _, x := range c.conds {
		if x == nil {
			name := "And"
			if c.op == "OR" {
				name = "Or"
			}
			return badQuery("nil condition in %s(...)", name)
		}
	}
	if len(c.conds) == 1 {
		return c.conds[0].build(b, sc)
	}
	b.buf = append(b.buf, '(')
	for i, x := range c.conds {
		if i > 0 {
			b.buf = append(b.buf, ' ')
			b.buf = append(b.buf, c.op...)
			b.buf = append(b.buf, ' ')
		}
		if err := x.build(b, sc); err != nil {
			return err
		}
	}
	b.buf = append(b.buf, ')')
	return nil
}

func (c notCond) build(b *condBuilder, sc *scope) error {
	if c.c == nil {
		return badQuery("Not(nil)")
	}
	b.buf = append(b.buf, "NOT ("...)
	if err := c.c.build(b, sc); err != nil {
		return err
	}
	b.buf = append(b.buf, ')')
	return nil
}

func (c existsCond) build(b *condBuilder, sc *scope) error {
	op := "Any"
	if c.scalar {
		op = "Has"
	}
	if strings.Contains(c.rel, ".") {
		first, rest, _ := strings.Cut(c.rel, ".")
		return badQuery("%s(%q) on %s: %s takes one relationship, not a path; nest the next step as its condition: %s(%q, Any/Has(%q, ...))", op, c.rel, sc.m.Name(), op, op, first, rest)
	}
	rels, err := lookupPath(sc.m, op, c.rel)
	if err != nil {
		return err
	}
	r := rels[0]
	if c.scalar == r.Uselist {
		if c.scalar {
			return badQuery("Has(%q) on %s: %s holds a collection; use Any(%q, ...)", c.rel, sc.m.Name(), r, c.rel)
		}
		return badQuery("Any(%q) on %s: %s holds one object; use Has(%q, ...)", c.rel, sc.m.Name(), r, c.rel)
	}
	if c.cond == nil {
		return badQuery("%s(%q): nil condition", op, c.rel)
	}
	d := b.d
	inner := &scope{m: r.Target, alias: b.newAlias()}
	b.buf = append(b.buf, "EXISTS (SELECT 1 FROM "...)
	if r.Direction == mapping.ManyToMany {
		sec := b.newAlias()
		b.buf = append(b.buf, d.Quote(r.Secondary.Name)+" "+sec+" JOIN "+d.Quote(r.Target.Table.Name)+" "+inner.alias+" ON "...)
		b.buf = appendOn(b.buf, d, inner.alias, r.RemoteColumns, sec, r.SecondaryRemote)
		b.buf = append(b.buf, " WHERE "...)
		b.buf = appendOn(b.buf, d, sec, r.SecondaryLocal, sc.alias, r.LocalColumns)
	} else {
		b.buf = append(b.buf, d.Quote(r.Target.Table.Name)+" "+inner.alias+" WHERE "...)
		for i := range r.LocalColumns {
			if i > 0 {
				b.buf = append(b.buf, " AND "...)
			}
			b.buf = append(b.buf, inner.alias+"."+d.Quote(r.RemoteColumns[i].Name)+" = "+sc.alias+"."+d.Quote(r.LocalColumns[i].Name)...)
		}
	}
	appendExistsSoft(b, inner)
	if bc, ok := c.cond.(boolCond); !ok || len(bc.conds) > 0 {
		b.buf = append(b.buf, " AND "...)
		if err := c.cond.build(b, inner); err != nil {
			return err
		}
	}
	b.buf = append(b.buf, ')')
	return nil
}

// checkValue checks that v can be compared with field f and returns the
// value to bind; isNull reports a nil value.
func checkValue(f *mapping.Field, v any) (out any, isNull bool, err error) {
	if v == nil {
		return nil, true, nil
	}
	if vr, ok := v.(driver.Valuer); ok {
		dv, err := vr.Value()
		if err != nil {
			return nil, false, badQuery("value for %s.%s: %v", f.Mapper.Name(), f.Name, err)
		}
		if dv == nil {
			return nil, true, nil
		}
		return checkValue(f, dv)
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, true, nil
		}
		rv = rv.Elem()
	}
	kind := f.Column.Type.Kind
	bad := func(want string) (any, bool, error) {
		return nil, false, badQuery("condition on %s.%s (%s): value %v of type %T is not %s", f.Mapper.Name(), f.Name, f.Column.Type, v, v, want)
	}
	switch kind {
	case schema.KindInteger, schema.KindBigInt:
		switch {
		case rv.CanInt():
			return rv.Int(), false, nil
		case rv.CanUint():
			if rv.Uint() > 1<<63-1 {
				return bad("an integer that fits in int64")
			}
			return int64(rv.Uint()), false, nil
		}
		return bad("an integer")
	case schema.KindString, schema.KindText:
		if rv.Kind() == reflect.String {
			return rv.String(), false, nil
		}
		return bad("a string")
	case schema.KindBool:
		if rv.Kind() == reflect.Bool {
			return rv.Bool(), false, nil
		}
		return bad("a bool")
	case schema.KindFloat:
		switch {
		case rv.CanFloat():
			return rv.Float(), false, nil
		case rv.CanInt():
			return float64(rv.Int()), false, nil
		}
		return bad("a number")
	case schema.KindTime:
		if t, ok := rv.Interface().(time.Time); ok {
			return t, false, nil
		}
		return bad("a time.Time")
	case schema.KindBytes:
		if b, ok := rv.Interface().([]byte); ok {
			return b, false, nil
		}
		return bad("a []byte")
	}
	return rv.Interface(), false, nil
}
