package postgres

import (
	"context"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/relmorm/relm/dialect"
)

var _ dialect.NativeRunner = (*Dialect)(nil)

// NativeDriver is true for pgx's stdlib driver, whatever opened it
// (sql.Open("pgx", …), stdlib.OpenDB, stdlib.OpenDBFromPool).
func (*Dialect) NativeDriver(drv driver.Driver) bool {
	_, ok := drv.(*stdlib.Driver)
	return ok
}

// pgxConn returns the pgx connection beneath dc: nil and handled false
// when dc is not one of pgx's stdlib connections, nil and
// driver.ErrBadConn when it is closed (as stdlib reports it).
func pgxConn(dc any) (conn *pgx.Conn, handled bool, err error) {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return nil, false, nil
	}
	if c.Conn().IsClosed() {
		return nil, true, driver.ErrBadConn
	}
	return c.Conn(), true, nil
}

// retryable turns an error pgx returns before sending anything into
// driver.ErrBadConn, as stdlib does, so that the statement is retried on
// another connection.
func retryable(err error) error {
	if pgconn.SafeToRetry(err) {
		return driver.ErrBadConn
	}
	return err
}

// NativeExec runs query on the pgx connection beneath dc as stdlib's
// ExecContext does: the same call, with the arguments as stdlib passes
// them (its CheckNamedValue accepts every value unconverted), and
// driver.ErrBadConn for a connection that is closed or that failed before
// sending anything.
func (*Dialect) NativeExec(ctx context.Context, dc any, query string, args []any) (int64, bool, error) {
	conn, handled, err := pgxConn(dc)
	if conn == nil {
		return 0, handled, err
	}
	tag, err := conn.Exec(ctx, query, args...)
	if err != nil {
		return 0, true, retryable(err)
	}
	return tag.RowsAffected(), true, nil
}

// NativeQuery runs query on the pgx connection beneath dc, as stdlib's
// QueryContext does, and hands the rows to consume. pgx's Scan stores into
// the destinations database/sql's Scan takes, decoding each column once
// into the destination's type, where database/sql first makes a driver
// value of it.
func (*Dialect) NativeQuery(ctx context.Context, dc any, query string, args []any, consume func(dialect.Rows) error) (bool, error) {
	conn, handled, err := pgxConn(dc)
	if conn == nil {
		return handled, err
	}
	rows, err := conn.Query(ctx, query, args...)
	if err != nil {
		return true, retryable(err)
	}
	defer rows.Close()
	if err := consume(rows); err != nil {
		return true, err
	}
	rows.Close()
	return true, rows.Err()
}
