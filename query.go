package relm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strconv"
	"strings"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// ErrMultipleResults is returned (wrapped) by One when more than one row matches.
var ErrMultipleResults = errors.New("relm: more than one result")

// Query is a typed SELECT of mapped objects of type T, built step by step
// and run by All, First, One, Count, Exists or Iter. Build errors (an
// unknown field, a value of the wrong type) are kept and returned by the
// method that runs the query; no SQL is built from a bad name.
type Query[T any] struct {
	s     *Session
	m     *mapping.Mapper
	err   error
	where []Cond
	joins []string // relationship paths joined for filtering (INNER JOIN)
	// leftJoins holds the indexes in joins of the paths given to LeftJoin
	// (LEFT OUTER JOIN); nil when there are none.
	leftJoins map[int]bool
	order     []string
	limit     int
	offset    int
	selectn   []string      // select-in eager loading paths
	joined    []string      // joined eager loading paths
	lock      *dialect.Lock // ForUpdate / ForShare (query_lock.go)
	proj      []Column      // Columns, GroupBy, Having (query_scan.go)
	group     []string
	having    []Cond
	// withDeleted includes soft-deleted rows (WithDeleted, softdelete.go).
	withDeleted bool
}

// Select starts a query of T's rows in session s.
func Select[T any](s *Session) *Query[T] {
	q := &Query[T]{s: s, limit: -1}
	if err := s.enter(); err != nil {
		q.err = err
		return q
	}
	defer s.leave()
	if err := s.check(); err != nil {
		q.err = err
		return q
	}
	m, err := s.reg.MapperOf(reflect.TypeFor[T]())
	if err != nil {
		q.err = fmt.Errorf("%w: Select[%s]: %w", ErrBadQuery, reflect.TypeFor[T](), err)
		return q
	}
	mapping.InstallOps[T](m)
	q.m = m
	return q
}

// Where adds conditions, joined with AND to those already given.
func (q *Query[T]) Where(conds ...Cond) *Query[T] {
	for _, c := range conds {
		if c == nil {
			q.fail(badQuery("Where(nil)"))
			continue
		}
		q.where = append(q.where, c)
	}
	return q
}

// Join joins a relationship path ("Author", "Articles.Tags") so that
// conditions and ordering may name its fields ("Author.Username"). Each
// object is returned once even through a collection: such a join is made
// in a semi-join (pk IN (SELECT …)), so that Limit, Offset and Count count
// objects. OrderBy may name fields of many-to-one paths only.
func (q *Query[T]) Join(path string) *Query[T] {
	q.joins = append(q.joins, path)
	return q
}

// LeftJoin is Join as a LEFT OUTER JOIN (SQLAlchemy's outerjoin, Bun's
// LeftJoin): the query's rows are kept where the path has no related row,
// its fields then NULL — categories without articles in a count per
// category, or, with IsNull on the related key, the objects that have
// none. It loads nothing (see Joined). A path joined by Join too, or by a
// longer Join path through it, is an inner join.
func (q *Query[T]) LeftJoin(path string) *Query[T] {
	if q.leftJoins == nil {
		q.leftJoins = map[int]bool{}
	}
	q.leftJoins[len(q.joins)] = true
	q.joins = append(q.joins, path)
	return q
}

// addJoins adds the query's Join and LeftJoin paths to jp, as filters.
func (q *Query[T]) addJoins(jp *joinPaths) error {
	defer func() { jp.left = false }()
	for i, p := range q.joins {
		jp.left = q.leftJoins[i]
		if err := jp.add("Join", p, false); err != nil {
			return err
		}
	}
	return nil
}

// OrderBy orders the results: field names (or "Rel.Field" of a joined
// relationship), each optionally followed by " desc".
func (q *Query[T]) OrderBy(terms ...string) *Query[T] {
	q.order = append(q.order, terms...)
	return q
}

// Limit caps the number of rows (n < 0: no limit).
func (q *Query[T]) Limit(n int) *Query[T] {
	q.limit = n
	return q
}

// Offset skips the first n rows.
func (q *Query[T]) Offset(n int) *Query[T] {
	if n < 0 {
		q.fail(badQuery("Offset(%d): negative offset", n))
	}
	q.offset = n
	return q
}

// SelectIn eager-loads relationship paths ("Author", "Tags",
// "Articles.Tags") with one extra SELECT per path segment, whatever the
// number of rows: the parents' keys are bound as one list (as
// SQLAlchemy's selectinload).
func (q *Query[T]) SelectIn(paths ...string) *Query[T] {
	q.selectn = append(q.selectn, paths...)
	return q
}

// Joined eager-loads relationship paths ("Author", "Author.UserInfo",
// "Articles", "Articles.Tags") in the same SELECT with LEFT OUTER JOINs, as
// SQLAlchemy's joinedload. A collection repeats its parent's row once per
// child; each parent is one object (the identity map) and appears once in
// the result. With Limit or Offset (and in First and One), the limit
// counts parents, not rows: the parents' query, limited, is a subquery the
// collections are joined to (SQLAlchemy wraps it the same way). Each
// collection is in its order_by, else in its target's key order.
func (q *Query[T]) Joined(paths ...string) *Query[T] {
	q.joined = append(q.joined, paths...)
	return q
}

func (q *Query[T]) fail(err error) {
	if q.err == nil {
		q.err = err
	}
}

// joinSeg is one relationship joined into the SELECT.
type joinSeg struct {
	path   string
	r      *mapping.Relationship
	parent *scope
	sc     *scope
	outer  bool // LEFT OUTER JOIN, for eager loading
	left   bool // LEFT OUTER JOIN, a filter's (LeftJoin)
	load   bool // its columns are selected and loaded
	col0   int  // index of its first column in the result
	// secAlias is the link table's alias of a many-to-many.
	secAlias string
}

// lookupPath resolves a dotted relationship path from m, or returns an
// error wrapping ErrBadQuery that names the call, the path, the type it
// starts from and the nearest valid name. It issues no SQL.
func lookupPath(m *mapping.Mapper, op, path string) ([]*mapping.Relationship, error) {
	if m == nil {
		return nil, badQuery("%s(%q): no mapped type", op, path)
	}
	if strings.TrimSpace(path) == "" {
		return nil, badQuery("%s(%q) on %s: empty relationship path", op, path, m.Name())
	}
	var out []*mapping.Relationship
	cur := m
	for _, name := range strings.Split(path, ".") {
		r, err := cur.LookupRelationship(name)
		if err != nil {
			if op == "" {
				return nil, fmt.Errorf("%w: %q on %s: %w", ErrBadQuery, path, m.Name(), err)
			}
			return nil, fmt.Errorf("%w: %s(%q) on %s: %w", ErrBadQuery, op, path, m.Name(), err)
		}
		out = append(out, r)
		cur = r.Target
	}
	return out, nil
}

// plan builds the SELECT text and arguments. Filtering joins (Join) that
// pass through a collection would repeat the root's rows; they are then
// moved into a semi-join, `pk IN (SELECT pk FROM … JOIN … WHERE …)`, so
// that every root row comes once and LIMIT, OFFSET and COUNT count objects,
// not joined rows.
//
// The statement is left in the returned builder, for appendTail to finish.
func (q *Query[T]) plan(withEager bool, selectList func(b *condBuilder, root *scope, segs []*joinSeg)) (*condBuilder, *scope, []*joinSeg, error) {
	if err := q.checkUsable(); err != nil {
		return nil, nil, nil, err
	}
	// Room for the usual statement: a column list, a condition or two and
	// the tail, so that the text is rarely copied as it grows.
	b := &condBuilder{d: q.s.db.dialect, buf: make([]byte, 0, 128+24*len(q.m.Fields))}
	root := &scope{m: q.m, alias: "t0"}
	jp := joinPaths{m: q.m, b: b, root: root}
	if err := q.addJoins(&jp); err != nil {
		return nil, nil, nil, err
	}
	for _, p := range q.joined {
		if err := jp.add("Joined", p, true); err != nil {
			return nil, nil, nil, err
		}
	}
	filters := jp.filters
	semi := false
	for _, sg := range filters {
		semi = semi || sg.sc.many
	}
	segs := filters
	if withEager {
		// Count and Exists check the eager paths but do not join them.
		segs = append(append([]*joinSeg(nil), filters...), jp.eagers...)
	}
	b.buf = append(b.buf, "SELECT "...)
	selectList(b, root, segs)
	table := q.s.db.cache(q.m).table // quoted once per mapper
	b.buf = append(b.buf, " FROM "...)
	b.buf = append(b.buf, table...)
	b.buf = append(b.buf, " t0"...)
	for _, sg := range segs {
		if semi && sg.sc.many && !sg.outer {
			continue // only in the semi-join
		}
		q.appendJoin(b, sg)
	}
	if semi {
		q.openSemiJoin(b, root, table, filters)
	}
	if err := q.appendWhere(b, root); err != nil {
		return nil, nil, nil, err
	}
	if semi {
		b.buf = append(b.buf, ')')
	}
	if err := q.checkOrder(root); err != nil {
		return nil, nil, nil, err
	}
	return b, root, segs, nil
}

// checkUsable returns the error the query was built with, the session's
// if it cannot run statements, or that of a SelectIn path that names no
// relationship.
func (q *Query[T]) checkUsable() error {
	if q.err != nil {
		return q.err
	}
	if err := q.s.check(); err != nil {
		return err
	}
	if err := q.checkProjection("a query of objects"); err != nil {
		return err
	}
	for _, p := range q.selectn {
		if _, err := lookupPath(q.m, "SelectIn", p); err != nil {
			return err
		}
	}
	return nil
}

// joinPaths gathers a query's join paths into scopes, one per path prefix:
// the filtering joins (Join) in root.joined, the eager ones (Joined) in
// eager, each prefix joined once however many paths share it.
type joinPaths struct {
	m       *mapping.Mapper
	b       *condBuilder // hands out the aliases
	root    *scope
	eager   map[string]*scope
	filters []*joinSeg
	eagers  []*joinSeg
	// left is set while add adds a LeftJoin path.
	left bool
}

// add joins the relationships of path (dotted names from the root), as
// filters or, when outer, as LEFT OUTER JOINs that load; op names the
// caller in errors. Joined loading refuses a collection.
func (jp *joinPaths) add(op, path string, outer bool) error {
	rels, err := lookupPath(jp.m, op, path)
	if err != nil {
		return err
	}
	cur := jp.root
	soFar := ""
	for i, r := range rels {
		if i > 0 {
			soFar += "."
		}
		soFar += r.Name
		reg := &jp.root.joined
		if outer {
			reg = &jp.eager
		}
		if next := (*reg)[soFar]; next != nil {
			if !outer && !jp.left {
				jp.makeInner(soFar) // an inner join's path through a left one
			}
			cur = next
			continue
		}
		next := &scope{m: r.Target, alias: jp.b.newAlias(), many: cur.many || r.Uselist}
		if *reg == nil {
			*reg = map[string]*scope{}
		}
		(*reg)[soFar] = next
		sg := &joinSeg{path: soFar, r: r, parent: cur, sc: next, outer: outer, load: outer, left: !outer && jp.left}
		if outer {
			jp.eagers = append(jp.eagers, sg)
		} else {
			jp.filters = append(jp.filters, sg)
		}
		cur = next
	}
	return nil
}

// makeInner makes the filter join of path an inner join.
func (jp *joinPaths) makeInner(path string) {
	for _, sg := range jp.filters {
		if sg.path == path {
			sg.left = false
		}
	}
}

// openSemiJoin writes ` WHERE pk IN (SELECT pk FROM table t0 JOIN …` with
// the filtering joins, for the query's conditions to follow and plan to
// close. The subquery reuses the aliases: its own t0, t1… shadow the outer
// query's, and its conditions are those of the query.
func (q *Query[T]) openSemiJoin(b *condBuilder, root *scope, table string, filters []*joinSeg) {
	b.buf = append(b.buf, " WHERE "...)
	pk := q.m.PrimaryKey
	if len(pk) > 1 {
		b.buf = append(b.buf, '(')
	}
	appendKeyColumns(b, root, pk)
	if len(pk) > 1 {
		b.buf = append(b.buf, ')')
	}
	b.buf = append(b.buf, " IN (SELECT "...)
	appendKeyColumns(b, root, pk)
	b.buf = append(b.buf, " FROM "...)
	b.buf = append(b.buf, table...)
	b.buf = append(b.buf, " t0"...)
	for _, sg := range filters {
		q.appendJoin(b, sg)
	}
}

// appendKeyColumns writes the columns of pk in scope sc, separated by
// commas.
func appendKeyColumns(b *condBuilder, sc *scope, pk []*mapping.Field) {
	for i, f := range pk {
		if i > 0 {
			b.buf = append(b.buf, ", "...)
		}
		b.column(sc, f)
	}
}

func (q *Query[T]) appendJoin(b *condBuilder, sg *joinSeg) {
	d := b.d
	r := sg.r
	kind := " JOIN "
	if sg.outer || sg.left {
		kind = " LEFT OUTER JOIN "
	}
	if r.Direction == mapping.ManyToMany {
		sec := b.newAlias()
		sg.secAlias = sec
		b.buf = append(b.buf, kind+d.Quote(r.Secondary.Name)+" "+sec+" ON "...)
		b.buf = appendOn(b.buf, d, sec, r.SecondaryLocal, sg.parent.alias, r.LocalColumns)
		b.buf = append(b.buf, kind+d.Quote(r.Target.Table.Name)+" "+sg.sc.alias+" ON "...)
		b.buf = appendOn(b.buf, d, sg.sc.alias, r.RemoteColumns, sec, r.SecondaryRemote)
		q.appendJoinSoft(b, sg)
		return
	}
	b.buf = append(b.buf, kind+d.Quote(r.Target.Table.Name)+" "+sg.sc.alias+" ON "...)
	for i := range r.LocalColumns {
		if i > 0 {
			b.buf = append(b.buf, " AND "...)
		}
		b.buf = append(b.buf, sg.sc.alias+"."+d.Quote(r.RemoteColumns[i].Name)+" = "+sg.parent.alias+"."+d.Quote(r.LocalColumns[i].Name)...)
	}
	q.appendJoinSoft(b, sg)
}

func appendColumns(b *condBuilder, sc *scope) {
	for i, f := range sc.m.Fields {
		if i > 0 {
			b.buf = append(b.buf, ", "...)
		}
		b.column(sc, f)
	}
}

// orderTerm is one parsed OrderBy term.
type orderTerm struct {
	sc   *scope
	f    *mapping.Field
	desc bool
}

// orderTerms parses the OrderBy terms against root.
func (q *Query[T]) orderTerms(root *scope) ([]orderTerm, error) {
	var out []orderTerm
	for _, term := range q.order {
		fields := strings.Fields(term)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, badQuery("OrderBy(%q) on %s: want a field optionally followed by asc or desc", term, q.m.Name())
		}
		sc, f, err := root.resolve(fields[0])
		if err != nil {
			return nil, fmt.Errorf("OrderBy(%q): %w", term, err)
		}
		if sc.many {
			return nil, badQuery("OrderBy(%q) on %s: %s is reached through a collection, so a %s has many values of it; order by a field of %s or of a many-to-one path", term, q.m.Name(), fields[0], q.m.Name(), q.m.Name())
		}
		t := orderTerm{sc: sc, f: f}
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "desc":
				t.desc = true
			case "asc":
			default:
				return nil, badQuery("OrderBy(%q) on %s: %q is neither asc nor desc", term, q.m.Name(), fields[1])
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func (q *Query[T]) checkOrder(root *scope) error {
	_, err := q.orderTerms(root)
	return err
}

// appendTail adds ORDER BY (when order is set), LIMIT and OFFSET to the
// statement plan built in b, and returns its text and arguments.
func (q *Query[T]) appendTail(b *condBuilder, root *scope, limit int, order bool) (string, []any, error) {
	if order {
		terms, err := q.orderTerms(root)
		if err != nil {
			return "", nil, err
		}
		for i, t := range terms {
			if i == 0 {
				b.buf = append(b.buf, " ORDER BY "...)
			} else {
				b.buf = append(b.buf, ", "...)
			}
			b.column(t.sc, t.f)
			if t.desc {
				b.buf = append(b.buf, " DESC"...)
			}
		}
	}
	// LIMIT and OFFSET are written as integer literals, as GORM and Bun
	// write them: SQLite's driver prepares every statement anew, and a
	// bound LIMIT makes that several microseconds slower per query.
	if limit >= 0 {
		b.buf = append(b.buf, " LIMIT "...)
		b.buf = strconv.AppendInt(b.buf, int64(limit), 10)
	}
	if q.offset > 0 {
		if limit < 0 && q.s.db.dialect.Name() != "postgres" {
			// SQLite and MySQL need a LIMIT before OFFSET.
			b.buf = append(b.buf, " LIMIT "...)
			b.buf = strconv.AppendInt(b.buf, 1<<62, 10)
		}
		b.buf = append(b.buf, " OFFSET "...)
		b.buf = strconv.AppendInt(b.buf, int64(q.offset), 10)
	}
	return string(b.buf), b.args, nil
}

// appendLoadedColumns writes the root's columns, then those of each
// segment loaded with it, noting where each segment's columns start.
func appendLoadedColumns(b *condBuilder, root *scope, segs []*joinSeg) {
	appendColumns(b, root)
	n := len(root.m.Fields)
	for _, sg := range segs {
		if !sg.load {
			continue
		}
		sg.col0 = n
		b.buf = append(b.buf, ", "...)
		appendColumns(b, sg.sc)
		n += len(sg.sc.m.Fields)
	}
}

func (q *Query[T]) selectSQL(limit int) (string, []any, []*joinSeg, error) {
	if q.joinsCollection() && (limit >= 0 || q.offset > 0) {
		return q.limitedCollectionSQL(limit)
	}
	b, root, segs, err := q.plan(true, func(b *condBuilder, root *scope, segs []*joinSeg) {
		appendLoadedColumns(b, root, segs)
	})
	if err != nil {
		return "", nil, nil, err
	}
	if q.joinsCollection() {
		// The user's order, then the parents' keys and each joined
		// collection's order; no LIMIT here (see limitedCollectionSQL).
		if _, _, err := q.appendTail(b, root, limit, true); err != nil {
			return "", nil, nil, err
		}
		appendCollectionOrder(b, root, segs, len(q.order) == 0)
		return string(b.buf), b.args, segs, nil
	}
	query, args, err := q.appendTail(b, root, limit, true)
	if err != nil {
		return "", nil, nil, err
	}
	query, err = q.appendLock(query)
	return query, args, segs, err
}

// All runs the query and returns every matching object, with the eager
// loads applied.
func (q *Query[T]) All(ctx context.Context) ([]*T, error) {
	ptrs, err := q.run(ctx, q.limit)
	if err != nil {
		return nil, err
	}
	if len(ptrs) == 0 {
		return []*T{}, nil
	}
	// The same pointers, typed: ptrs is the load's own slice, handed over.
	return typedObjs[T](ptrs), nil
}

// First returns the first matching object, or an error wrapping ErrNotFound.
func (q *Query[T]) First(ctx context.Context) (*T, error) {
	limit := 1
	if q.limit == 0 {
		limit = 0
	}
	ptrs, err := q.run(ctx, limit)
	if err != nil {
		return nil, err
	}
	if len(ptrs) == 0 {
		return nil, fmt.Errorf("relm: First %s: %w", q.m.Name(), ErrNotFound)
	}
	return (*T)(ptrs[0]), nil
}

// One returns the only matching object: an error wrapping ErrNotFound when
// there is none, ErrMultipleResults when there are more.
func (q *Query[T]) One(ctx context.Context) (*T, error) {
	limit := 2
	if q.limit >= 0 && q.limit < 2 {
		limit = q.limit
	}
	ptrs, err := q.run(ctx, limit)
	if err != nil {
		return nil, err
	}
	switch len(ptrs) {
	case 0:
		return nil, fmt.Errorf("relm: One %s: %w", q.m.Name(), ErrNotFound)
	case 1:
		return (*T)(ptrs[0]), nil
	}
	return nil, fmt.Errorf("relm: One %s: %w", q.m.Name(), ErrMultipleResults)
}

func (q *Query[T]) run(ctx context.Context, limit int) ([]objPtr, error) {
	if err := q.s.enter(); err != nil {
		return nil, err
	}
	defer q.s.leave()
	if q.s.db.tracer != nil {
		var ptrs []objPtr
		err := q.s.traceLoad(ctx, q.m, "", func(ctx context.Context) (n int, err error) {
			ptrs, err = q.load(ctx, limit)
			return len(ptrs), err
		})
		return ptrs, err
	}
	return q.load(ctx, limit)
}

// load is run, in the session.
func (q *Query[T]) load(ctx context.Context, limit int) ([]objPtr, error) {
	if err := q.checkLock("All"); err != nil {
		return nil, err
	}
	query, args, segs, err := q.selectSQL(limit)
	if err != nil {
		return nil, err
	}
	began, err := q.beginForLock(ctx)
	if err != nil {
		return nil, err
	}
	ptrs, err := q.s.loadJoined(ctx, q.m, segs, query, args, len(segs) > 0, max(limit, 0))
	if err != nil {
		q.endFailedLock(began)
		return nil, err
	}
	if len(q.selectn) > 0 {
		q.s.index()
		roots := q.s.statesOf(ptrs) // once for every path
		err := q.s.withUnscoped(q.withDeleted, func() error {
			for _, path := range q.selectn {
				if err := q.s.loadPathFrom(ctx, q.m, roots, path); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return ptrs, nil
}

// Count returns the number of matching objects. Limit and Offset apply
// (Limit(10).Count is at most 10), as in SQLAlchemy's Query.count.
func (q *Query[T]) Count(ctx context.Context) (int64, error) {
	if err := q.s.enter(); err != nil {
		return 0, err
	}
	defer q.s.leave()
	if err := q.checkLock("Count"); err != nil {
		return 0, err
	}
	window := q.limit >= 0 || q.offset > 0
	b, root, _, err := q.plan(false, func(b *condBuilder, _ *scope, _ []*joinSeg) {
		if window {
			b.buf = append(b.buf, '1')
		} else {
			b.buf = append(b.buf, "COUNT(*)"...)
		}
	})
	if err != nil {
		return 0, err
	}
	query, args := string(b.buf), b.args
	if window {
		inner, iargs, err := q.appendTail(b, root, q.limit, false)
		if err != nil {
			return 0, err
		}
		query, args = "SELECT COUNT(*) FROM ("+inner+") c", iargs
	}
	var n int64
	err = queryRows(ctx, q.s.executor(), query, args, func(rows dialect.Rows) error {
		if rows.Next() {
			return rows.Scan(&n)
		}
		return nil
	})
	if err != nil {
		return 0, &StatementError{Op: "select", Type: q.m.Name(), SQL: query, Err: err}
	}
	return n, nil
}

// Exists reports whether any object matches (after Offset, if set).
func (q *Query[T]) Exists(ctx context.Context) (bool, error) {
	if err := q.s.enter(); err != nil {
		return false, err
	}
	defer q.s.leave()
	b, root, _, err := q.plan(false, func(b *condBuilder, _ *scope, _ []*joinSeg) {
		b.buf = append(b.buf, '1')
	})
	if err != nil {
		return false, err
	}
	limit := 1
	if q.limit == 0 {
		limit = 0
	}
	query, args, err := q.appendTail(b, root, limit, false)
	if err == nil {
		err = q.checkLock("Exists")
	}
	if err == nil {
		query, err = q.appendLock(query)
	}
	began := false
	if err == nil {
		began, err = q.beginForLock(ctx)
	}
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			q.endFailedLock(began)
		}
	}()
	found := false
	err = queryRows(ctx, q.s.executor(), query, args, func(rows dialect.Rows) error {
		found = rows.Next()
		return nil
	})
	if err != nil {
		return false, &StatementError{Op: "select", Type: q.m.Name(), SQL: query, Err: err}
	}
	return found, nil
}

// Iter streams the matching objects one row at a time, for results too
// large to hold: objects are not kept in the session, so memory stays flat
// (an object the session already holds is yielded as that object). Eager
// loading does not apply. Breaking out of the loop closes the rows; an
// error (a bad query, a failed scan, a cancelled context) is yielded with
// a nil object and ends the iteration.
//
// The rows hold a database connection while the loop runs: on SQLite
// (one connection) or inside the session's transaction, issue no other
// statement from the loop body — nor from an AfterLoad hook, which Iter
// runs with the rows open; such a statement returns ErrIterating. A
// locking Iter (ForUpdate, ForShare) that fails rolls back the transaction
// its lock began.
func (q *Query[T]) Iter(ctx context.Context) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		s := q.s
		if err := s.enter(); err != nil {
			yield(nil, err)
			return
		}
		defer s.leave()
		// The loop's body is the program's: it may use the session, so
		// the session is not held while it runs.
		emit := func(p *T, err error) bool {
			s.leave()
			defer s.enterWait()
			return yield(p, err)
		}
		if len(q.joined) > 0 || len(q.selectn) > 0 {
			emit(nil, badQuery("Iter does not eager-load; load related objects per batch with relm.Load"))
			return
		}
		query, args, _, err := q.selectSQL(q.limit)
		if err == nil {
			err = q.checkLock("Iter")
		}
		began := false
		if err == nil {
			began, err = q.beginForLock(ctx)
		}
		if err != nil {
			emit(nil, err)
			return
		}
		// A failure rolls back the transaction a locking Iter began, as
		// it does for All; deferred before rows.Close, so it runs after
		// it (a rollback waits for the rows to close).
		failed := false
		defer func() {
			if failed {
				q.endFailedLock(began)
			}
		}()
		fail := func(err error) {
			failed = true
			emit(nil, err)
		}
		rows, err := s.executor().QueryContext(ctx, query, args...)
		if err != nil {
			fail(&StatementError{Op: "select", Type: q.m.Name(), SQL: query, Err: err})
			return
		}
		defer rows.Close()
		s.iterating++
		defer func() { s.iterating-- }()
		q.iterRows(ctx, rows, query, emit, fail)
	}
}

// iterRows is Iter's loop over its rows: each scanned, the held object
// taken in its place, AfterLoad run for a new one, and given to emit;
// fail reports an error that ends the loop.
func (q *Query[T]) iterRows(ctx context.Context, rows *sql.Rows, query string, emit func(*T, error) bool, fail func(error)) {
	s, m := q.s, q.m
	dest := make([]any, len(m.Fields))
	sd := newScanDests(m.Fields, rows)
	for rows.Next() {
		p := m.New()
		sd.set(dest, m.Fields, p)
		if err := rows.Scan(dest...); err != nil {
			fail(&StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err})
			return
		}
		fresh := true
		if key, ok := m.Identity(p); ok {
			if st := s.identity.get(identityKey{m, key}); st != nil {
				p, fresh = st.ptr, false
			}
		}
		if fresh && m.Hooks().Has(mapping.HookAfterLoad) {
			s.noteLoaded(m, p)
			if err := s.afterLoad(ctx); err != nil {
				fail(err)
				return
			}
		}
		if !emit(typedObj[T](p), nil) {
			return
		}
	}
	if err := rows.Err(); err != nil {
		fail(&StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err})
	}
}
