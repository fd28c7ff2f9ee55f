package relm

import (
	"strconv"

	"github.com/relmorm/relm/mapping"
)

// This file holds what joined loading of collections adds to a query
// (Query.Joined of a []*T path): the order that groups each collection,
// and the subquery that makes Limit and Offset count parents.

// joinsCollection reports whether a Joined path passes through a
// collection, so that the root's rows repeat.
func (q *Query[T]) joinsCollection() bool {
	for _, p := range q.joined {
		rels, err := lookupPath(q.m, "Joined", p)
		if err != nil {
			continue // reported by plan
		}
		for _, r := range rels {
			if r.Uselist {
				return true
			}
		}
	}
	return false
}

// appendCollectionOrder continues the ORDER BY of a query that joins
// collections (starting it when first is set): the root's key, so that the
// parents' order is the same on every database, then each collection's
// order_by, else its default order (defaultCollectionOrder).
func appendCollectionOrder(b *condBuilder, root *scope, segs []*joinSeg, first bool) {
	sep := func() {
		if first {
			b.buf = append(b.buf, " ORDER BY "...)
			first = false
		} else {
			b.buf = append(b.buf, ", "...)
		}
	}
	for _, f := range root.m.PrimaryKey {
		sep()
		b.column(root, f)
	}
	for _, sg := range segs {
		if !sg.load || !sg.r.Uselist {
			continue
		}
		r := sg.r
		if len(r.OrderBy) > 0 {
			for _, ob := range r.OrderBy {
				sep()
				b.column(sg.sc, ob.Field)
				if ob.Desc {
					b.buf = append(b.buf, " DESC"...)
				}
			}
			continue
		}
		alias, cols := sg.sc.alias, r.Target.Table.PrimaryKey()
		if r.Direction == mapping.ManyToMany && len(r.Secondary.PrimaryKey()) > 0 {
			alias, cols = sg.secAlias, r.Secondary.PrimaryKey()
		}
		for _, c := range cols {
			sep()
			b.buf = append(b.buf, alias...)
			b.buf = append(b.buf, '.')
			b.buf = append(b.buf, b.d.Quote(c.Name)...)
		}
	}
}

// limitedCollectionSQL is selectSQL for a query that joins collections and
// has a LIMIT or OFFSET: these count parents, so the parents' query — its
// joins, conditions, order, limit and offset — is a subquery selecting
// their keys (k0…) and order columns (o0…), which the outer query joins to
// before the eager joins, and orders by. SQLAlchemy's joinedload wraps a
// limited query the same way.
//
//	SELECT t0.…, t1.… FROM users t0
//	JOIN (SELECT t0.id AS k0, t0.username AS o0 FROM users t0 WHERE … ORDER BY t0.username LIMIT 10) lim ON t0.id = lim.k0
//	LEFT OUTER JOIN articles t1 ON t1.user_id = t0.id
//	ORDER BY lim.o0, t0.id, t1.id
func (q *Query[T]) limitedCollectionSQL(limit int) (string, []any, []*joinSeg, error) {
	var terms []orderTerm
	var termErr error
	ib, iroot, _, err := q.plan(false, func(b *condBuilder, root *scope, _ []*joinSeg) {
		for i, f := range q.m.PrimaryKey {
			if i > 0 {
				b.buf = append(b.buf, ", "...)
			}
			b.column(root, f)
			b.buf = append(b.buf, " AS k"...)
			b.buf = strconv.AppendInt(b.buf, int64(i), 10)
		}
		terms, termErr = q.orderTerms(root)
		for i, t := range terms {
			b.buf = append(b.buf, ", "...)
			b.column(t.sc, t.f)
			b.buf = append(b.buf, " AS o"...)
			b.buf = strconv.AppendInt(b.buf, int64(i), 10)
		}
	})
	if err == nil {
		err = termErr
	}
	if err != nil {
		return "", nil, nil, err
	}
	inner, iargs, err := q.appendTail(ib, iroot, limit, true)
	if err != nil {
		return "", nil, nil, err
	}

	// The outer query: the root and the eager joins only; the subquery
	// filters and orders.
	where, joins, order := q.where, q.joins, q.order
	q.where, q.joins, q.order = nil, nil, nil
	mark := 0
	b, root, segs, err := q.plan(true, func(b *condBuilder, root *scope, segs []*joinSeg) {
		appendLoadedColumns(b, root, segs)
		mark = len(b.buf)
	})
	q.where, q.joins, q.order = where, joins, order
	if err != nil {
		return "", nil, nil, err
	}
	// plan wrote " FROM <table> t0" after the select list; the subquery
	// joins right after it, before the eager joins.
	mark += len(" FROM ") + len(q.s.db.cache(q.m).table) + len(" t0")
	join := []byte(" JOIN (" + inner + ") lim ON ")
	for i, f := range q.m.PrimaryKey {
		if i > 0 {
			join = append(join, " AND "...)
		}
		join = append(join, "t0."+b.d.Quote(f.Column.Name)+" = lim.k"+strconv.Itoa(i)...)
	}
	rest := append([]byte(nil), b.buf[mark:]...)
	b.buf = append(append(b.buf[:mark], join...), rest...)
	for i, t := range terms {
		if i == 0 {
			b.buf = append(b.buf, " ORDER BY "...)
		} else {
			b.buf = append(b.buf, ", "...)
		}
		b.buf = append(b.buf, "lim.o"+strconv.Itoa(i)...)
		if t.desc {
			b.buf = append(b.buf, " DESC"...)
		}
	}
	appendCollectionOrder(b, root, segs, len(terms) == 0)
	return string(b.buf), append(iargs, b.args...), segs, nil
}
