package dialect

import (
	"context"
	"database/sql/driver"
)

// NativeRunner is an optional capability of a dialect whose driver has an
// interface of its own beneath database/sql (pgx's, under its stdlib
// driver). relm runs the statements it sends outside a transaction and
// whose results it consumes itself (a one-statement commit's INSERT or
// UPDATE, the keys INSERT … RETURNING gives back, the rows of a load)
// through that interface, on a connection of the same *sql.DB
// (sql.Conn.Raw): the same pool, the same connection settings and the same
// argument values as through database/sql, without database/sql's
// conversion of each argument and each result value.
//
// A method returns handled false when dc is not a connection of its driver
// (a driver wrapped by another, say) and then sends nothing; relm goes
// through database/sql instead. It returns driver.ErrBadConn, as the
// driver does under database/sql, when the connection failed before the
// statement could be sent, so that database/sql discards it and relm
// retries through database/sql, which takes another.
type NativeRunner interface {
	// NativeDriver reports whether drv (sql.DB.Driver) is the driver
	// whose connections the dialect runs natively.
	NativeDriver(drv driver.Driver) bool
	// NativeExec runs a statement that returns no rows and returns the
	// number of rows it affected.
	NativeExec(ctx context.Context, dc any, query string, args []any) (rowsAffected int64, handled bool, err error)
	// NativeQuery runs a query and hands its rows to consume, which is
	// done with them when it returns (the connection is relm's only
	// for the call). The error is consume's, or the query's; it is
	// driver.ErrBadConn only when consume was not called.
	NativeQuery(ctx context.Context, dc any, query string, args []any, consume func(Rows) error) (handled bool, err error)
}

// Rows is the part of a query's rows relm reads: *sql.Rows, or the rows of
// a NativeRunner's driver. Scan takes the destinations database/sql's Scan
// takes (pointers to Go values and sql.Scanner implementations) and stores
// the same values into them.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}
