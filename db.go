package relm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/dialect/sqlite"
)

// ErrUnknownScheme is returned (wrapped) by Open and ParseDSN for a DSN whose
// scheme names no dialect relm knows.
var ErrUnknownScheme = errors.New("relm: unknown DSN scheme")

// DB is a database handle: a *sql.DB, the dialect that speaks to it, and an
// optional logger through which every statement relm issues passes. It is
// safe for concurrent use by many goroutines; open it once per program.
type DB struct {
	sql     *sql.DB
	dialect dialect.Dialect
	logger  *slog.Logger
	owned   bool // Close closes the *sql.DB
	sqlc    sqlCache
}

// Option configures a DB.
type Option func(*DB)

// WithLogger logs every statement relm issues, with its arguments and
// duration, at level Debug ("sql" message) — the equivalent of SQLAlchemy's
// echo=True. A nil logger disables logging.
func WithLogger(l *slog.Logger) Option { return func(db *DB) { db.logger = l } }

// Open opens a database from a URL-style DSN:
//
//	sqlite:blog.db          a file (created when missing)
//	sqlite::memory:         an in-memory database (one connection)
//	postgres://user@host:5432/db?sslmode=disable
//	mysql://user:pass@host:3306/db
//
// It pings the server, so an unreachable one fails here, and on MySQL/MariaDB
// it reads the server version to know whether INSERT ... RETURNING is there.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	d, driverDSN, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open(d.DriverName(), driverDSN)
	if err != nil {
		return nil, fmt.Errorf("relm: open %s: %w", redact(dsn), err)
	}
	if d.Name() == "sqlite" {
		// SQLite allows one writer; one connection avoids SQLITE_BUSY
		// between relm's own connections and keeps :memory: one database.
		sqldb.SetMaxOpenConns(1)
	}
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("relm: connect to %s: %w", redact(dsn), err)
	}
	if m, ok := d.(*mysql.Dialect); ok {
		if err := m.Detect(ctx, sqldb); err != nil {
			sqldb.Close()
			return nil, fmt.Errorf("relm: connect to %s: %w", redact(dsn), err)
		}
	}
	db := New(sqldb, d, opts...)
	db.owned = true
	return db, nil
}

// New wraps a *sql.DB the program opened itself; its pool settings and driver
// are kept. Close on the returned DB does not close sqldb.
func New(sqldb *sql.DB, d dialect.Dialect, opts ...Option) *DB {
	db := &DB{sql: sqldb, dialect: d}
	for _, o := range opts {
		o(db)
	}
	return db
}

// ParseDSN returns the dialect a relm DSN names and the driver DSN it
// becomes. It does not connect.
func ParseDSN(dsn string) (dialect.Dialect, string, error) {
	scheme, _, ok := strings.Cut(dsn, ":")
	if !ok || scheme == "" {
		return nil, "", fmt.Errorf("%w: %q has no scheme; write sqlite:FILE, postgres://… or mysql://…", ErrUnknownScheme, redact(dsn))
	}
	var d dialect.Dialect
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		d = sqlite.New()
	case "postgres", "postgresql":
		d = postgres.New()
	case "mysql", "mariadb":
		d = mysql.New()
	default:
		return nil, "", fmt.Errorf("%w %q in %q; relm knows sqlite:, postgres:// and mysql://", ErrUnknownScheme, scheme, redact(dsn))
	}
	driverDSN, err := d.DriverDSN(dsn)
	if err != nil {
		return nil, "", fmt.Errorf("relm: DSN %q: %w", redact(dsn), err)
	}
	return d, driverDSN, nil
}

// redact hides a password in a URL-style DSN so that errors and logs never
// print it.
func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	at := strings.LastIndex(rest, "@")
	slash := strings.Index(rest, "/")
	if at < 0 || (slash >= 0 && slash < at) {
		return dsn
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return dsn
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// SQL returns the underlying *sql.DB.
func (db *DB) SQL() *sql.DB { return db.sql }

// Dialect returns the dialect of the database.
func (db *DB) Dialect() dialect.Dialect { return db.dialect }

// Logger returns the statement logger, or nil.
func (db *DB) Logger() *slog.Logger { return db.logger }

// Close closes the database if relm opened it.
func (db *DB) Close() error {
	if db.owned {
		return db.sql.Close()
	}
	return nil
}

// ExecContext runs a statement that returns no rows, logging it.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return logExec(ctx, db.logger, db.sql, query, args)
}

// QueryContext runs a query, logging it.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return logQuery(ctx, db.logger, db.sql, query, args)
}

// BeginTx starts a transaction whose statements are logged like the DB's.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	start := time.Now()
	tx, err := db.sql.BeginTx(ctx, opts)
	logStmt(ctx, db.logger, "BEGIN", nil, start, err)
	if err != nil {
		return nil, fmt.Errorf("relm: begin: %w", err)
	}
	return &Tx{tx: tx, logger: db.logger, dialect: db.dialect}, nil
}

// Tx is a transaction whose statements are logged.
type Tx struct {
	tx      *sql.Tx
	logger  *slog.Logger
	dialect dialect.Dialect
}

// SQL returns the underlying *sql.Tx.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return logExec(ctx, tx.logger, tx.tx, query, args)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return logQuery(ctx, tx.logger, tx.tx, query, args)
}

// Commit commits the transaction.
func (tx *Tx) Commit() error {
	start := time.Now()
	err := tx.tx.Commit()
	logStmt(context.Background(), tx.logger, "COMMIT", nil, start, err)
	return err
}

// Rollback rolls the transaction back; after Commit it is a no-op that
// returns sql.ErrTxDone.
func (tx *Tx) Rollback() error {
	start := time.Now()
	err := tx.tx.Rollback()
	if !errors.Is(err, sql.ErrTxDone) {
		logStmt(context.Background(), tx.logger, "ROLLBACK", nil, start, err)
	}
	return err
}

func logExec(ctx context.Context, l *slog.Logger, ex dialect.Executor, query string, args []any) (sql.Result, error) {
	if l == nil {
		return ex.ExecContext(ctx, query, args...)
	}
	start := time.Now()
	res, err := ex.ExecContext(ctx, query, args...)
	logStmt(ctx, l, query, args, start, err)
	return res, err
}

func logQuery(ctx context.Context, l *slog.Logger, ex dialect.Executor, query string, args []any) (*sql.Rows, error) {
	if l == nil {
		return ex.QueryContext(ctx, query, args...)
	}
	start := time.Now()
	rows, err := ex.QueryContext(ctx, query, args...)
	logStmt(ctx, l, query, args, start, err)
	return rows, err
}

func logStmt(ctx context.Context, l *slog.Logger, query string, args []any, start time.Time, err error) {
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.String("sql", query), slog.Duration("duration", time.Since(start))}
	if len(args) > 0 {
		attrs = append(attrs, slog.Any("args", args))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "sql", attrs...)
}
