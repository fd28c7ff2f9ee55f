package relm

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"time"

	"github.com/relmorm/relm/dialect"
)

// execNative runs a statement that returns no rows through the driver's
// own interface (db.native, see dialect.NativeRunner) on a connection of
// db's pool. It falls back to database/sql where the dialect does not
// handle the connection, or where the connection failed before the
// statement was sent (database/sql discarded it; it retries on another, as
// it would have).
func (db *DB) execNative(ctx context.Context, query string, args []any) (sql.Result, error) {
	c, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var n int64
	handled := false
	err = c.Raw(func(dc any) error {
		var err error
		n, handled, err = db.native.NativeExec(ctx, dc, query, args)
		return err
	})
	if !handled {
		defer c.Close()
		return c.ExecContext(ctx, query, args...)
	}
	c.Close()
	if errors.Is(err, driver.ErrBadConn) {
		return db.sql.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(n), nil
}

// nativeOn returns ex when it is a DB whose statements relm runs through
// the driver's own interface (a single pool with a NativeRunner; inside a
// transaction ex is the Tx), else nil.
func nativeOn(ex dialect.Executor) *DB {
	if db, ok := ex.(*DB); ok && db.native != nil && db.cluster == nil {
		return db
	}
	return nil
}

// execStmt runs a statement of relm's own that returns no rows on ex:
// through the driver's own interface on a DB that has one (see queryRows),
// else through ex.ExecContext. The DB's exported ExecContext, which runs
// the program's SQL (whose arguments may be sql.NamedArg values pgx does
// not take), stays on database/sql.
func execStmt(ctx context.Context, ex dialect.Executor, query string, args []any) (sql.Result, error) {
	if db := nativeOn(ex); db != nil {
		var st TracedStatement
		if t := db.tracer; t != nil {
			ctx, st = startStatement(ctx, t, db.dialect, query, args)
		}
		var start time.Time
		if db.logger != nil {
			start = time.Now()
		}
		res, err := db.execNative(ctx, query, args)
		logStmt(ctx, db.logger, db.slow, query, args, start, err)
		if t := db.tracer; t != nil {
			endExec(ctx, t, st, res, err)
		}
		return res, err
	}
	return ex.ExecContext(ctx, query, args...)
}

// queryRows runs a query on ex and hands its rows to consume, which must be
// done with them when it returns; the error is the query's, consume's or
// the rows'. On a DB whose driver relm runs natively, outside a
// transaction, the query goes through the driver's own interface (see
// queryNative); elsewhere through database/sql.
func queryRows(ctx context.Context, ex dialect.Executor, query string, args []any, consume func(dialect.Rows) error) error {
	if t, d := tracerOf(ex); t != nil {
		return tracedQueryRows(ctx, t, d, ex, query, args, consume)
	}
	if db := nativeOn(ex); db != nil {
		return db.queryNativeLogged(ctx, query, args, consume)
	}
	return viaSQL(ctx, ex, query, args, consume)
}

// queryNativeLogged is queryNative, logged.
func (db *DB) queryNativeLogged(ctx context.Context, query string, args []any, consume func(dialect.Rows) error) error {
	var start time.Time
	if db.logger != nil {
		start = time.Now()
	}
	err := db.queryNative(ctx, query, args, consume)
	logStmt(ctx, db.logger, db.slow, query, args, start, err)
	return err
}

// viaSQL runs a query through database/sql on q (a DB, a transaction or a
// connection of the pool) and hands its rows to consume.
func viaSQL(ctx context.Context, q dialect.Executor, query string, args []any, consume func(dialect.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := consume(rows); err != nil {
		return err
	}
	return rows.Err()
}

// queryNative runs a query through db.native, as execNative runs a
// statement. A NativeRunner returns driver.ErrBadConn only before it hands
// the rows to consume, so that the fallback never sees a row twice.
func (db *DB) queryNative(ctx context.Context, query string, args []any, consume func(dialect.Rows) error) error {
	c, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	handled := false
	err = c.Raw(func(dc any) error {
		var err error
		handled, err = db.native.NativeQuery(ctx, dc, query, args, consume)
		return err
	})
	if !handled {
		defer c.Close()
		return viaSQL(ctx, c, query, args, consume)
	}
	c.Close()
	if errors.Is(err, driver.ErrBadConn) {
		return viaSQL(ctx, db.sql, query, args, consume)
	}
	return err
}

// queryInt64s runs a query whose rows are one integer each (the keys of
// INSERT … RETURNING) on ex and appends them to dst.
func queryInt64s(ctx context.Context, ex dialect.Executor, query string, args []any, dst []int64) ([]int64, error) {
	err := queryRows(ctx, ex, query, args, func(rows dialect.Rows) error {
		// One variable, and one destination list, for every row: Scan
		// through an interface would take a new list for each row.
		var id int64
		dest := []any{&id}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			dst = append(dst, id)
		}
		return nil
	})
	return dst, err
}
