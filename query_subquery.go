package relm

import (
	"fmt"

	"github.com/relmorm/relm/mapping"
)

// Subqueries: another typed query as the list of In and NotIn, or tested
// by Exists and NotExists — as SQLAlchemy's in_(select(...)) and exists():
//
//	authors := relm.Select[blog.Article](s).Columns(relm.Col("AuthorID")).Where(relm.Eq("Status", "published"))
//	relm.Select[blog.User](s).Where(relm.In("ID", authors))
//	relm.Select[blog.User](s).Where(relm.Exists(relm.Select[blog.Article](s).
//		Where(relm.Eq("AuthorID", relm.Outer("ID")))))
//
// The subquery is written into the statement with its own aliases and its
// arguments numbered with the enclosing statement's. It takes Where, Join,
// GroupBy, Having and Columns (one column for In); not OrderBy, Limit,
// Offset, eager loading or locking.

// subquery is a query that can be written inside another: *Query[T].
type subquery interface {
	writeSub(b *condBuilder, outer *scope, op string, exists bool) error
	mapper() *mapping.Mapper
}

func (q *Query[T]) mapper() *mapping.Mapper {
	if q == nil {
		return nil
	}
	return q.m
}

// writeSub writes the query as a subquery of outer: SELECT its one
// projected column (or 1, for exists) FROM … WHERE … GROUP BY … HAVING ….
func (q *Query[T]) writeSub(b *condBuilder, outer *scope, op string, exists bool) error {
	if q == nil {
		return badQuery("%s(nil query)", op)
	}
	if q.err != nil {
		return q.err
	}
	name := q.m.Name()
	switch {
	case q.s.db.dialect.Name() != b.d.Name():
		return badQuery("%s(Select[%s]): the subquery's session is on %s, the query's on %s", op, name, q.s.db.dialect.Name(), b.d.Name())
	case len(q.order) > 0 || q.limit >= 0 || q.offset > 0:
		return badQuery("%s(Select[%s]): no OrderBy, Limit or Offset in a subquery (MariaDB refuses LIMIT in IN; an order means nothing to a set)", op, name)
	case len(q.joined) > 0 || len(q.selectn) > 0:
		return badQuery("%s(Select[%s]): a subquery loads no objects; no Joined or SelectIn", op, name)
	case q.lock != nil:
		return badQuery("%s(Select[%s]): no ForUpdate or ForShare in a subquery", op, name)
	case !exists && len(q.proj) != 1:
		return badQuery("%s(Select[%s]): the subquery selects %d columns; In compares one: give it Columns(relm.Col(\"Field\"))", op, name, len(q.proj))
	}
	root := &scope{m: q.m, alias: b.newAlias(), outer: outer}
	jp := joinPaths{m: q.m, b: b, root: root}
	if err := q.addJoins(&jp); err != nil {
		return err
	}
	b.buf = append(b.buf, "SELECT "...)
	agg := false
	if exists {
		b.buf = append(b.buf, '1')
		for _, c := range q.proj {
			agg = agg || c.fn != ""
		}
	} else {
		c := q.proj[0]
		agg = c.fn != ""
		b.projecting = true
		_, err := writeColumn(b, root, c)
		b.projecting = false
		if err != nil {
			return fmt.Errorf("%s(Select[%s]): %w", op, name, err)
		}
	}
	b.buf = append(b.buf, " FROM "+q.s.db.cache(q.m).table+" "+root.alias...)
	for _, sg := range jp.filters {
		q.appendJoin(b, sg)
	}
	// The subquery's own WHERE: its type's soft delete predicate unless it
	// is WithDeleted, then its conditions; the enclosing query's choice is
	// put back for the rest of its conditions.
	outerDeleted := b.withDeleted
	err := q.appendWhere(b, root)
	b.withDeleted = outerDeleted
	if err != nil {
		return err
	}
	return q.appendGroup(b, root, agg)
}

// subOf reports whether an In's values are one subquery; a subquery among
// other values is an error.
func (c inCond) subOf() (subquery, error) {
	var sq subquery
	for _, v := range c.values {
		if s, ok := v.(subquery); ok {
			sq = s
		}
	}
	if sq != nil && len(c.values) != 1 {
		return nil, badQuery("%s(%q, …): a subquery is the whole list, not one of %d values", c.opName(), c.field, len(c.values))
	}
	return sq, nil
}

func (c inCond) opName() string {
	if c.not {
		return "NotIn"
	}
	return "In"
}

// buildSub writes field IN (SELECT …) or NOT (field IN (SELECT …)).
// NOT IN over a subquery returning a NULL is never true, as in SQL.
func (c inCond) buildSub(b *condBuilder, sc, fs *scope, f *mapping.Field, sq subquery) error {
	if c.not {
		b.buf = append(b.buf, "NOT ("...)
	}
	b.column(fs, f)
	b.buf = append(b.buf, " IN ("...)
	// MariaDB refuses a DELETE whose subquery reads the table it deletes
	// from (error 1093), but not through a derived table, which it
	// materialises first.
	derived := b.deleting != nil && b.deleting == sq.mapper()
	if derived {
		b.buf = append(b.buf, "SELECT * FROM ("...)
	}
	if err := sq.writeSub(b, sc, c.opName(), false); err != nil {
		return err
	}
	if derived {
		b.buf = append(b.buf, ") AS "+b.newAlias()...)
	}
	b.buf = append(b.buf, ')')
	if c.not {
		b.buf = append(b.buf, ')')
	}
	return nil
}

type existsSubCond struct {
	q   subquery
	not bool
}

// Exists is true when the subquery has a row: EXISTS (SELECT 1 FROM …).
// With Outer in its conditions it is correlated with the enclosing query.
// (Query.Exists, the method, runs a query; this builds a condition.)
func Exists[T any](sub *Query[T]) Cond { return existsSubCond{q: sub} }

// NotExists is true when the subquery has no row: NOT EXISTS (SELECT 1 …).
func NotExists[T any](sub *Query[T]) Cond { return existsSubCond{q: sub, not: true} }

func (c existsSubCond) build(b *condBuilder, sc *scope) error {
	op := "Exists"
	if c.not {
		op = "NotExists"
	}
	if m := c.q.mapper(); m != nil && b.deleting == m {
		return badQuery("Delete[%s] with %s over %s: MariaDB deletes no rows of a table its subquery reads; use In(\"ID\", …) over the subquery", m.Name(), op, m.Name())
	}
	if c.not {
		b.buf = append(b.buf, "NOT "...)
	}
	b.buf = append(b.buf, "EXISTS ("...)
	if err := c.q.writeSub(b, sc, op, true); err != nil {
		return err
	}
	b.buf = append(b.buf, ')')
	return nil
}

// buildOuter writes a comparison of a field with a field of the enclosing
// query (Outer).
func (c cmpCond) buildOuter(b *condBuilder, sc, fs *scope, f *mapping.Field, o OuterRef) error {
	os, of, err := sc.resolveOuter(o.name)
	if err != nil {
		return err
	}
	if c.op == "LIKE" {
		return badQuery("Like(%q, Outer(%q)): a pattern is a value", c.field, o.name)
	}
	b.column(fs, f)
	b.buf = append(b.buf, ' ')
	b.buf = append(b.buf, c.op...)
	b.buf = append(b.buf, ' ')
	b.column(os, of)
	return nil
}
