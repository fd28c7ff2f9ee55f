package relm

import (
	"context"
	"database/sql"
	"strings"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// Tracer is told when relm runs a statement, a flush or a load, so that
// each can be a span of a distributed trace (the module
// github.com/relmorm/relm/otel implements it with OpenTelemetry, as GORM's
// tracing plugin and Bun's bunotel do). Each Start returns the context the
// work runs in — carrying the span — and the matching End is called with
// that context when it is done: a flush's and a load's statements run in
// the context their Start returned, so that their spans are its children.
//
// A DB without one (the default) checks a nil interface per statement and
// does nothing more. Its methods are called from the goroutine of the
// work they trace, concurrently from different goroutines for a shared
// DB.
type Tracer interface {
	// StartStatement is called before a statement is sent.
	StartStatement(ctx context.Context, st TracedStatement) context.Context
	// EndStatement is called when it returned, with the description
	// StartStatement had: rows is the number of rows an INSERT, UPDATE or
	// DELETE affected, or a SELECT of relm's own returned, -1 when unknown
	// (a DB.QueryContext of the program's, whose rows it reads after the
	// call); err its error.
	EndStatement(ctx context.Context, st TracedStatement, rows int64, err error)
	// StartFlush is called when Session.Flush or Session.Commit begins.
	StartFlush(ctx context.Context) context.Context
	// EndFlush is called when it is done, with what it wrote.
	EndFlush(ctx context.Context, stats FlushStats, err error)
	// StartLoad is called before a query of objects (Select's All, First,
	// One) or a relationship's select-in load.
	StartLoad(ctx context.Context, ld TracedLoad) context.Context
	// EndLoad is called when it is done: rows is the number of objects
	// it returned (a query) or that the relationship now holds (a load).
	EndLoad(ctx context.Context, rows int, err error)
}

// TracedStatement describes a statement for a Tracer.
type TracedStatement struct {
	SQL     string // the statement's text, with placeholders
	Args    int    // the number of its arguments (their values are not passed)
	Dialect string // "sqlite", "postgres" or "mysql"
	// Operation is the statement's first keyword, upper case: SELECT,
	// INSERT, UPDATE, DELETE, BEGIN, …
	Operation string
}

// FlushStats counts what a flush wrote: objects inserted, updated (an
// UPDATE of changed columns) and deleted (soft-deleted ones included).
type FlushStats struct {
	Inserted, Updated, Deleted int
}

// TracedLoad describes a load for a Tracer.
type TracedLoad struct {
	Model string // the type loaded: the query's, or the relationship's target
	// Path is the relationship loaded, "Parent.Field" (Article.Tags);
	// empty for a query.
	Path string
}

// WithTracer makes db report its statements, flushes and loads to t (nil:
// none, the default).
func WithTracer(t Tracer) Option { return func(db *DB) { db.tracer = t } }

// operationOf returns the first keyword of query, upper case.
func operationOf(query string) string {
	query = strings.TrimLeft(query, " \t\r\n(")
	end := strings.IndexAny(query, " \t\r\n(")
	if end < 0 {
		end = len(query)
	}
	return strings.ToUpper(query[:end])
}

// startStatement tells t of a statement about to run.
func startStatement(ctx context.Context, t Tracer, d dialect.Dialect, query string, args []any) (context.Context, TracedStatement) {
	st := TracedStatement{SQL: query, Args: len(args), Dialect: d.Name(), Operation: operationOf(query)}
	return t.StartStatement(ctx, st), st
}

// endExec tells t of a statement's end, with the rows res affected.
func endExec(ctx context.Context, t Tracer, st TracedStatement, res sql.Result, err error) {
	rows := int64(-1)
	if err == nil && res != nil {
		if n, e := res.RowsAffected(); e == nil {
			rows = n
		}
	}
	t.EndStatement(ctx, st, rows, err)
}

// tracerOf returns the tracer of the DB or Tx ex, nil for none.
func tracerOf(ex dialect.Executor) (Tracer, dialect.Dialect) {
	switch x := ex.(type) {
	case *DB:
		return x.tracer, x.dialect
	case *Tx:
		return x.tracer, x.dialect
	}
	return nil, nil
}

// countedRows counts the rows a consumer reads.
type countedRows struct {
	dialect.Rows
	n int64
}

func (r *countedRows) Next() bool {
	if r.Rows.Next() {
		r.n++
		return true
	}
	return false
}

// untraced runs a DB's or Tx's queries without telling its tracer (the
// caller does, with the rows counted).
type untraced struct{ ex dialect.Executor }

func (u untraced) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return u.ex.ExecContext(ctx, query, args...)
}

func (u untraced) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	switch x := u.ex.(type) {
	case *DB:
		return x.query(ctx, query, args)
	case *Tx:
		return logQuery(ctx, x.logger, x.slow, x.tx, query, args)
	}
	return u.ex.QueryContext(ctx, query, args...)
}

// tracedQueryRows is queryRows on a DB or Tx with a tracer: one statement
// span, with the rows consume read.
func tracedQueryRows(ctx context.Context, t Tracer, d dialect.Dialect, ex dialect.Executor, query string, args []any, consume func(dialect.Rows) error) error {
	ctx, st := startStatement(ctx, t, d, query, args)
	var n int64
	count := func(rows dialect.Rows) error {
		cr := &countedRows{Rows: rows}
		err := consume(cr)
		n = cr.n
		return err
	}
	var err error
	if db := nativeOn(ex); db != nil {
		err = db.queryNativeLogged(ctx, query, args, count)
	} else {
		err = viaSQL(ctx, untraced{ex}, query, args, count)
	}
	if err != nil {
		n = -1
	}
	t.EndStatement(ctx, st, n, err)
	return err
}

// traceFlush runs fn, a Session's Flush or Commit, in a flush span when
// the DB has a tracer.
func (s *Session) traceFlush(ctx context.Context, fn func(context.Context) error) error {
	t := s.db.tracer
	if t == nil {
		return fn(ctx)
	}
	ctx = t.StartFlush(ctx)
	x := s.more()
	x.flushStats = FlushStats{}
	err := fn(ctx)
	t.EndFlush(ctx, x.flushStats, err)
	return err
}

// noteFlushStats records, for the flush span, what u wrote.
func (u *unitOfWork) noteFlushStats(deleted int) {
	if u.s.db.tracer != nil {
		x := u.s.more()
		x.flushStats.Inserted += u.nInserted
		x.flushStats.Updated += u.nUpdated
		x.flushStats.Deleted += deleted
	}
}

// traceLoad runs fn, a load of objects of m, in a load span when the DB
// has a tracer; fn returns the number of objects.
func (s *Session) traceLoad(ctx context.Context, m *mapping.Mapper, path string, fn func(context.Context) (int, error)) error {
	t := s.db.tracer
	if t == nil {
		_, err := fn(ctx)
		return err
	}
	ctx = t.StartLoad(ctx, TracedLoad{Model: m.Name(), Path: path})
	n, err := fn(ctx)
	t.EndLoad(ctx, n, err)
	return err
}
