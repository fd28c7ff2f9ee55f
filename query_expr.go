package relm

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/relmorm/relm/mapping"
)

// SQL fragments: a condition or a projected column the builder cannot
// spell, written as SQL text with ? where a field's column or a bound
// value goes — as SQLAlchemy's text() and func:
//
//	relm.Select[blog.User](s).Where(relm.Expr("lower(?) = ?", relm.F("Email"), email))
//
// The text is the program's SQL, written into the statement as it is:
// never build it from input. Only the arguments vary, and they never
// become SQL text: F names a field (resolved to its quoted column, through
// a Join path as "Category.Name"), Outer a field of the enclosing query of
// a subquery, a Column (Count("ID"), …) its expression, a Fragment its own
// text; every other argument is bound as a parameter through the dialect's
// placeholders, numbered in order with the rest of the statement.

// FieldRef names a field of the query (or of a joined relationship:
// "Category.Name") as an argument of Expr; build one with F.
type FieldRef struct{ name string }

// F refers to a field in an Expr: relm.Expr("lower(?) = ?", relm.F("Email"), v).
// The name is a Go field name, a column name, or "Rel.Field" through a
// Join; an unknown one is an error naming the nearest field, before SQL.
func F(field string) FieldRef { return FieldRef{field} }

// OuterRef names a field of the query enclosing a subquery; build one with
// Outer.
type OuterRef struct{ name string }

// Outer refers, inside a subquery given to Exists, NotExists, In or NotIn,
// to a field of the enclosing query's type, making the subquery
// correlated: relm.Exists(relm.Select[Article](s).Where(relm.Eq("AuthorID",
// relm.Outer("ID")))). It is the value of a comparison (Eq, Ne, Lt, Le,
// Gt, Ge) or an argument of Expr; outside a subquery it is an error.
func Outer(field string) OuterRef { return OuterRef{field} }

// Fragment is a piece of SQL with arguments, made by Expr. It is a
// condition (Where, Having, And, Or, Not) and, named with As, a projected
// column of Scan.
type Fragment struct {
	sql  string
	args []any
}

// Expr is a SQL fragment: sql with one ? per argument (?? is a literal
// question mark; a ? inside '…', "…" or `…` quotes is text). The arguments
// are F (a field's column), Outer (a field of the enclosing query), a
// Column (an aggregate, in Having or Columns), a Fragment, or a value bound
// as a parameter. A count of ? that differs from the arguments' is an
// error, before SQL.
func Expr(sql string, args ...any) Fragment { return Fragment{sql: sql, args: args} }

// As makes the fragment a projected column named name (the field of Scan's
// result it fills): relm.Expr("lower(?)", relm.F("Email")).As("Email").
func (e Fragment) As(name string) Column { return Column{expr: &e, as: name} }

// String returns the call that made the fragment, as errors quote it.
func (e Fragment) String() string { return fmt.Sprintf("Expr(%q)", e.sql) }

// placeholders returns the byte offsets of the fragment's placeholders,
// skipping quoted text and ?? (a literal ?).
func (e Fragment) placeholders() []int {
	var at []int
	s := e.sql
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return at // unterminated: the database reports it
			}
			i += j + 1
		case '?':
			if i+1 < len(s) && s[i+1] == '?' {
				i++
				continue
			}
			at = append(at, i)
		}
	}
	return at
}

func (e Fragment) build(b *condBuilder, sc *scope) error {
	at := e.placeholders()
	if len(at) != len(e.args) {
		return badQuery("%s on %s: %d placeholders (?) but %d arguments", e, sc.m.Name(), len(at), len(e.args))
	}
	prev := 0
	for i, arg := range e.args {
		b.buf = appendLiteralText(b.buf, e.sql[prev:at[i]])
		prev = at[i] + 1
		if err := e.writeArg(b, sc, i, arg); err != nil {
			return err
		}
	}
	b.buf = appendLiteralText(b.buf, e.sql[prev:])
	return nil
}

// appendLiteralText appends fragment text with ?? (outside quotes, where
// placeholders found it) as ?.
func appendLiteralText(buf []byte, s string) []byte {
	if !strings.Contains(s, "??") {
		return append(buf, s...)
	}
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '?' && i+1 < len(s) && s[i+1] == '?':
			i++
		}
		buf = append(buf, c)
	}
	return buf
}

// writeArg writes the i-th argument: a column, an expression or a bound
// value.
func (e Fragment) writeArg(b *condBuilder, sc *scope, i int, arg any) error {
	switch a := arg.(type) {
	case FieldRef:
		fs, f, err := sc.resolve(a.name)
		if err != nil {
			return fmt.Errorf("%s, argument %d F(%q): %w", e, i+1, a.name, err)
		}
		b.column(fs, f)
	case OuterRef:
		os, f, err := sc.resolveOuter(a.name)
		if err != nil {
			return fmt.Errorf("%s, argument %d: %w", e, i+1, err)
		}
		b.column(os, f)
	case Column:
		if a.fn != "" && !b.having && !b.projecting {
			return badQuery("%s, argument %d %s in Where on %s: an aggregate goes in Having or Columns", e, i+1, a, sc.m.Name())
		}
		if _, err := writeColumn(b, sc, a); err != nil {
			return err
		}
	case Fragment:
		return a.build(b, sc)
	case Cond:
		return a.build(b, sc)
	default:
		v, err := driver.DefaultParameterConverter.ConvertValue(arg)
		if err != nil {
			return badQuery("%s, argument %d: %v of type %T is not a value to bind: %v", e, i+1, arg, arg, err)
		}
		b.placeholder(v)
	}
	return nil
}

// resolveOuter resolves a field of the query enclosing sc's subquery.
func (sc *scope) resolveOuter(name string) (*scope, *mapping.Field, error) {
	if sc.outer == nil {
		return nil, nil, badQuery("Outer(%q) on %s: not inside a subquery (Exists, NotExists, In, NotIn)", name, sc.m.Name())
	}
	os, f, err := sc.outer.resolve(name)
	if err != nil {
		return nil, nil, fmt.Errorf("Outer(%q): %w", name, err)
	}
	return os, f, nil
}
