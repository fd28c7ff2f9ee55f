package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
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
	if info := preparedOn(conn, args); info != nil {
		return true, queryPrepared(ctx, conn, info, query, args, consume)
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

// preparedOn returns what queryPrepared needs of conn when the statement
// takes that path, nil when it does not. It does when every argument is
// one relm writes in binary itself (the bulk INSERT's arrays) and the
// connection runs its statements as cached prepared statements, pgx's
// default. A program that chose another mode (the simple protocol, or no
// statement cache, as behind PgBouncer) keeps it: the statement goes
// through pgx's Query.
func preparedOn(conn *pgx.Conn, args []any) *connInfo {
	if len(args) == 0 {
		return nil
	}
	for _, a := range args {
		if _, ok := a.(binaryArg); !ok {
			return nil
		}
	}
	info := infoOf(conn)
	if !info.prepared {
		return nil
	}
	return info
}

// connInfo is what relm reads once from a connection's configuration
// (Config copies the whole of it), kept in the connection's CustomData.
type connInfo struct {
	prepared bool            // statements run as cached prepared statements
	tracer   pgx.QueryTracer // the connection's, or nil
}

// infoKey holds a connection's connInfo in its CustomData.
const infoKey = "relm.connInfo"

func infoOf(conn *pgx.Conn) *connInfo {
	data := conn.PgConn().CustomData()
	if info, ok := data[infoKey].(*connInfo); ok {
		return info
	}
	cfg := conn.Config()
	info := &connInfo{
		prepared: cfg.DefaultQueryExecMode == pgx.QueryExecModeCacheStatement && cfg.StatementCacheCapacity > 0,
		tracer:   cfg.Tracer,
	}
	if data != nil {
		data[infoKey] = info
	}
	return info
}

// queryPrepared runs query as a statement prepared on conn (once per
// connection, as pgx's statement cache would; see statementName), with
// the arguments written by relm into one buffer (see binaryArg) and bound
// in the binary format, and hands its rows to consume. A statement the server no longer holds,
// or whose result type changed since it was prepared (the table was
// altered), fails before it runs; it is prepared again and run once more.
// The connection's QueryTracer, if any, sees the statement as it sees
// pgx's Query.
func queryPrepared(ctx context.Context, conn *pgx.Conn, info *connInfo, query string, args []any, consume func(dialect.Rows) error) (err error) {
	var tag pgconn.CommandTag
	if info.tracer != nil {
		ctx = info.tracer.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: query, Args: args})
		defer func() {
			info.tracer.TraceQueryEnd(ctx, conn, pgx.TraceQueryEndData{CommandTag: tag, Err: err})
		}()
	}
	size := 0
	for _, a := range args {
		size += a.(binaryArg).binarySize()
	}
	bp := getBuffer(size)
	defer putBuffer(bp)
	buf := *bp
	vals := make([][]byte, len(args))
	for i, a := range args {
		start := len(buf)
		buf = a.(binaryArg).appendBinary(buf)
		vals[i] = buf[start:]
	}
	*bp = buf
	formats := make([]int16, len(args))
	for i := range formats {
		formats[i] = pgtype.BinaryFormatCode
	}
	name := statementName(query)
	for retried := false; ; retried = true {
		sd, perr := conn.Prepare(ctx, name, query)
		if perr != nil {
			return retryable(perr)
		}
		m := conn.TypeMap()
		rows := &preparedRows{m: m, fields: sd.Fields, formats: make([]int16, len(sd.Fields))}
		for i, f := range sd.Fields {
			rows.formats[i] = m.FormatCodeForOID(f.DataTypeOID)
		}
		rows.rr = conn.PgConn().ExecPrepared(ctx, sd.Name, vals, formats, rows.formats)
		// The first row is read before consume runs, so that a statement
		// that failed before running is retried or reported as not sent.
		if rows.rr.NextRow() {
			rows.pending = true
		} else if _, xerr := rows.rr.Close(); xerr != nil {
			if !retried && staleStatement(xerr) {
				if derr := conn.Deallocate(ctx, name); derr != nil {
					return derr
				}
				continue
			}
			return retryable(xerr)
		}
		if cerr := consume(rows); cerr != nil {
			rows.rr.Close()
			return cerr
		}
		// err is the result the deferred trace reports.
		tag, err = rows.rr.Close()
		return err
	}
}

// statementNames maps the text of each statement queryPrepared ran to the
// name it is prepared under: relm_ and a digest of the text. A name other
// than the text keeps the statement out of pgx's own lookup, which runs an
// explicitly prepared statement whose text is the query's in place of its
// statement cache, and never drops it: after an ALTER TABLE that changed
// the RETURNING column's type, every INSERT of the same text through
// database/sql (in a transaction) would fail on that connection, where
// pgx's cache forgets a statement that failed. The texts are one per
// table and column list.
var statementNames sync.Map

func statementName(query string) string {
	if name, ok := statementNames.Load(query); ok {
		return name.(string)
	}
	sum := sha256.Sum256([]byte(query))
	name := "relm_" + hex.EncodeToString(sum[:16])
	statementNames.Store(query, name)
	return name
}

// staleStatement reports whether err says a prepared statement is not on
// the server any more (DEALLOCATE or DISCARD ran on the connection) or no
// longer matches its table ("cached plan must not change result type").
func staleStatement(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == "26000" || pgErr.Code == "0A000" && pgErr.Message == "cached plan must not change result type"
}

// preparedRows are the rows of queryPrepared, read from pgconn's result
// and scanned as pgx's Rows scan them: through the connection's type map,
// with each column's scan plan kept while its destination's type stays
// the same.
type preparedRows struct {
	rr      *pgconn.ResultReader
	m       *pgtype.Map
	fields  []pgconn.FieldDescription
	formats []int16
	plans   []pgtype.ScanPlan
	types   []reflect.Type
	pending bool // the first row is read and not yet handed out
	err     error
}

// Next moves to the next row; at the end, Err holds the statement's error.
func (r *preparedRows) Next() bool {
	if r.pending {
		r.pending = false
		return true
	}
	if r.rr.NextRow() {
		return true
	}
	_, r.err = r.rr.Close()
	return false
}

// Scan stores the row's columns into dest, one destination per column.
func (r *preparedRows) Scan(dest ...any) error {
	vals := r.rr.Values()
	if len(dest) != len(vals) {
		return fmt.Errorf("postgres: %d destinations for %d columns", len(dest), len(vals))
	}
	if r.plans == nil {
		r.plans = make([]pgtype.ScanPlan, len(vals))
		r.types = make([]reflect.Type, len(vals))
	}
	for i, d := range dest {
		f := &r.fields[i]
		if t := reflect.TypeOf(d); r.plans[i] == nil || r.types[i] != t {
			r.plans[i] = r.m.PlanScan(f.DataTypeOID, r.formats[i], d)
			r.types[i] = t
		}
		if err := r.plans[i].Scan(vals[i], d); err != nil {
			return fmt.Errorf("postgres: column %s: %w", f.Name, err)
		}
	}
	return nil
}

// Err returns the statement's error once Next has returned false.
func (r *preparedRows) Err() error { return r.err }

// buffers holds the argument buffers of queryPrepared for reuse; one
// larger than maxPooledBuffer is left to the garbage collector.
var buffers sync.Pool

const maxPooledBuffer = 1 << 20

func getBuffer(size int) *[]byte {
	if bp, ok := buffers.Get().(*[]byte); ok && cap(*bp) >= size {
		*bp = (*bp)[:0]
		return bp
	}
	b := make([]byte, 0, size)
	return &b
}

func putBuffer(bp *[]byte) {
	if cap(*bp) <= maxPooledBuffer {
		buffers.Put(bp)
	}
}
