package postgres

import (
	"context"
	"database/sql/driver"

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

// NativeExec runs query on the pgx connection beneath dc as stdlib's
// ExecContext does: the same call, with the arguments as stdlib passes
// them (its CheckNamedValue accepts every value unconverted), and
// driver.ErrBadConn for a connection that is closed or that failed before
// sending anything.
func (*Dialect) NativeExec(ctx context.Context, dc any, query string, args []any) (int64, bool, error) {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return 0, false, nil
	}
	conn := c.Conn()
	if conn.IsClosed() {
		return 0, true, driver.ErrBadConn
	}
	tag, err := conn.Exec(ctx, query, args...)
	if err != nil {
		if pgconn.SafeToRetry(err) {
			return 0, true, driver.ErrBadConn
		}
		return 0, true, err
	}
	return tag.RowsAffected(), true, nil
}

// NativeQuery runs query on the pgx connection beneath dc, as stdlib's
// QueryContext does, and hands the rows to consume. pgx's Scan stores into
// the destinations database/sql's Scan takes, decoding each column once
// into the destination's type, where database/sql first makes a driver
// value of it.
func (*Dialect) NativeQuery(ctx context.Context, dc any, query string, args []any, consume func(dialect.Rows) error) (bool, error) {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return false, nil
	}
	conn := c.Conn()
	if conn.IsClosed() {
		return true, driver.ErrBadConn
	}
	rows, err := conn.Query(ctx, query, args...)
	if err != nil {
		if pgconn.SafeToRetry(err) {
			return true, driver.ErrBadConn
		}
		return true, err
	}
	defer rows.Close()
	if err := consume(rows); err != nil {
		return true, err
	}
	rows.Close()
	return true, rows.Err()
}
