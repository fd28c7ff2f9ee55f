package relm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/mapping"
)

// ErrUnknownScheme is returned (wrapped) by Open and ParseDSN for a DSN whose
// scheme names no dialect relm knows.
var ErrUnknownScheme = errors.New("relm: unknown DSN scheme")

// DB is a database handle: a *sql.DB, the dialect that speaks to it, and an
// optional logger through which every statement relm issues passes. It is
// safe for concurrent use by many goroutines; open it once per program.
//
// A DB opened on a mysql:// DSN with several hosts (a MariaDB Galera
// cluster, or a primary and its replicas), or on a postgres:// DSN with
// several hosts (a PostgreSQL primary and its hot standbys), routes
// statements by one rule:
//
//   - transactions run on the primary, the first node of the DSN that
//     answers: BeginTx, and so every Session flush and commit, and every
//     read a session makes once its transaction is open. When a transaction
//     cannot begin on the primary because it is down (or, on Galera, not
//     ready), the next node of the DSN becomes the primary, for good, with
//     a warning in the log;
//   - statements outside a transaction that start with SELECT are reads:
//     they go round-robin to the other nodes, and to the next one (the
//     primary last) when a node does not answer or aborts the read for a
//     conflict with a replicated write it is applying;
//   - any other statement outside a transaction runs on the primary.
//
// On Galera, every connection sets wsrep_sync_wait=1 unless the DSN sets
// wsrep_sync_wait: a read on any node sees every transaction committed
// anywhere before it. [DB.Retry] runs a unit of work again when the cluster
// rejects it for a conflict with a transaction on another node.
//
// On PostgreSQL the primary is the node not in recovery
// (pg_is_in_recovery() = false): the first such host of the DSN at Open,
// and, when a transaction finds it gone, the one a standby became when it
// was promoted (found the same way, with a warning in the log; no primary
// is an error wrapping [ErrNoPrimary] that says what each host answered).
// Reads get read-your-writes: after each commit through the DB (a
// transaction's, a Session's, or an ExecContext outside a transaction) the
// DB remembers the primary's WAL position, and a read on a standby waits,
// polling pg_last_wal_replay_lsn() for at most [WithReplicaWait]
// ([DefaultReplicaWait]), until the standby has replayed it, else runs on
// the primary — so a read sees every commit the DB made before it began.
// A statement other than SELECT run with QueryContext outside a
// transaction (an INSERT … RETURNING of the program's own) is not
// followed, nor is a write through the *sql.DB that [DB.SQL] returns: run
// it in a transaction of the DB's when a read must see it.
type DB struct {
	sql     *sql.DB
	dialect dialect.Dialect
	logger  *slog.Logger
	// slow is the duration from which a statement that succeeded is
	// logged at Warn rather than Debug (WithSlowThreshold); 0: never.
	slow  time.Duration
	owned bool // Close closes the *sql.DB
	// reuseText says the driver copies each statement's text and no
	// logger keeps it (see dialect.TextCopier): INSERTs of literals may
	// share one buffer.
	reuseText bool
	// native runs the statements relm reads the results of itself
	// outside a transaction through the driver's own interface (see
	// dialect.NativeRunner); nil when the dialect or the driver has none.
	native   dialect.NativeRunner
	sqlc     sqlCache
	plans    sync.Map // *mapping.Registry → *flushPlan
	colTypes sync.Map // *schema.Table → map[string]uint32 (dialect.BulkTypeChecker)
	cluster  *cluster // the nodes of a DSN with several hosts (cluster.go), or nil
	// replicaWait bounds a read's wait for a PostgreSQL standby to replay
	// the DB's last commit (WithReplicaWait, replicas.go).
	replicaWait time.Duration
	// tracer is told of statements, flushes and loads (WithTracer,
	// trace.go); nil for none.
	tracer Tracer
}

// Option configures a DB.
type Option func(*DB)

// WithLogger logs every statement relm issues, with its arguments and
// duration ("sql" message) — the equivalent of SQLAlchemy's echo=True: a
// statement that failed at level Error, with its error; one slower than
// the threshold of WithSlowThreshold at Warn; every other at Debug, which
// slog's default handler does not show — give the handler
// &slog.HandlerOptions{Level: slog.LevelDebug} to see them all. A nil
// logger disables logging.
func WithLogger(l *slog.Logger) Option { return func(db *DB) { db.logger = l } }

// WithSlowThreshold logs, through the logger of WithLogger, every statement
// that succeeded but took d or longer at level Warn rather than Debug. 0
// (the default) turns it off.
func WithSlowThreshold(d time.Duration) Option { return func(db *DB) { db.slow = d } }

// Open opens a database from a URL-style DSN:
//
//	sqlite:blog.db          a file (created when missing)
//	sqlite::memory:         an in-memory database (one connection)
//	postgres://user@host:5432/db?sslmode=disable
//	mysql://user:pass@host:3306/db
//	mysql://user:pass@host1:3306,host2:3306,host3:3306/db   (a cluster)
//	postgres://user@primary:5432,standby1:5432,standby2:5432/db   (hot standbys)
//
// It pings the server, so an unreachable one fails here, and on MySQL/MariaDB
// it reads the server version to know whether INSERT ... RETURNING is there.
//
// A mysql:// or postgres:// DSN with several hosts, separated by commas,
// opens one pool per node of a cluster (MariaDB Galera, a primary and its
// replicas, a PostgreSQL primary and its hot standbys): transactions go to
// one node, reads outside a transaction to the others. The rule is in the
// documentation of [DB]. A postgres:// DSN with several hosts is no longer
// handed to pgx whole (pgx would use only the first host that answers):
// relm finds the primary itself, and drops target_session_attrs.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	d, driverDSN, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if hosts := clusterHosts(d, dsn); len(hosts) > 1 {
		return openCluster(ctx, d, dsn, hosts, opts)
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
	db := &DB{sql: sqldb, dialect: d, replicaWait: DefaultReplicaWait}
	for _, o := range opts {
		o(db)
	}
	if tc, ok := d.(dialect.TextCopier); ok && db.logger == nil {
		db.reuseText = tc.CopiesText(sqldb.Driver())
	}
	if nr, ok := d.(dialect.NativeRunner); ok && nr.NativeDriver(sqldb.Driver()) {
		db.native = nr
	}
	return db
}

// ParseDSN returns the dialect a relm DSN names and the driver DSN it
// becomes. It does not connect. For a mysql:// or postgres:// DSN with
// several hosts it returns the first host's driver DSN; [ParseClusterDSN]
// returns them all.
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
	if hosts := clusterHosts(d, dsn); len(hosts) > 1 {
		dsn = hosts[0]
	}
	driverDSN, err := d.DriverDSN(dsn)
	if err != nil {
		return nil, "", fmt.Errorf("relm: DSN %q: %w", redact(dsn), redactError(d, dsn, err))
	}
	return d, driverDSN, nil
}

// redact hides a password in a URL-style DSN so that errors and logs never
// print it. The password is taken to run from the first ':' after "//" to
// the last '@', so that one holding '/', '?', '#' or '@' is hidden whole
// (at worst a DSN with '@' in its query is hidden more than needed).
func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	start, end := passwordSpan(rest)
	if start < 0 {
		return dsn
	}
	return scheme + "://" + rest[:start] + "xxxxx" + rest[end:]
}

// passwordSpan returns where the password lies in the part of a DSN after
// "//", or -1, -1.
func passwordSpan(rest string) (start, end int) {
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return -1, -1
	}
	colon := strings.IndexByte(rest[:at], ':')
	if colon < 0 {
		return -1, -1
	}
	return colon + 1, at
}

// redactError rewrites err, which d's DriverDSN returned for dsn, so that
// it cannot show dsn's password: the message is that of the same DSN with
// the password hidden, and any copy of the password left in it (plain,
// percent-decoded or Go-quoted) is replaced.
func redactError(d dialect.Dialect, dsn string, err error) error {
	_, rest, _ := strings.Cut(dsn, "://")
	start, end := passwordSpan(rest)
	if start < 0 || start == end {
		return err
	}
	pw := rest[start:end]
	if strings.ContainsAny(pw, "/?#") {
		// Parsed as a URL, such a password spills into host, path or
		// query, and parts of it would show in any message.
		return errors.New("the user name or password contains '/', '?' or '#'; percent-encode it (%2F, %3F, %23)")
	}
	if _, rerr := d.DriverDSN(redact(dsn)); rerr != nil {
		err = rerr
	}
	msg := err.Error()
	clean := msg
	quoted := func(s string) string { q := strconv.Quote(s); return q[1 : len(q)-1] }
	for _, secret := range []string{pw, unescapeOr(pw), quoted(pw), quoted(unescapeOr(pw))} {
		if secret != "" {
			clean = strings.ReplaceAll(clean, secret, "xxxxx")
		}
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

func unescapeOr(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// SQL returns the underlying *sql.DB; on a DB with several nodes, the pool
// of the node transactions currently go to.
func (db *DB) SQL() *sql.DB {
	if db.cluster != nil {
		return db.cluster.primaryNode().sql
	}
	return db.sql
}

// Dialect returns the dialect of the database.
func (db *DB) Dialect() dialect.Dialect { return db.dialect }

// Logger returns the statement logger, or nil.
func (db *DB) Logger() *slog.Logger { return db.logger }

// Close closes the database if relm opened it.
func (db *DB) Close() error {
	if db.cluster != nil {
		return db.cluster.close(db.owned)
	}
	if db.owned {
		return db.sql.Close()
	}
	return nil
}

// ExecContext runs a statement that returns no rows, logging it.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t := db.tracer; t != nil {
		ctx, st := startStatement(ctx, t, db.dialect, query, args)
		res, err := db.exec(ctx, query, args)
		endExec(ctx, t, st, res, err)
		return res, err
	}
	return db.exec(ctx, query, args)
}

func (db *DB) exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	if db.cluster != nil {
		return db.cluster.exec(ctx, db, query, args)
	}
	return logExec(ctx, db.logger, db.slow, db.sql, query, args)
}

// QueryContext runs a query, logging it.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t := db.tracer; t != nil {
		ctx, st := startStatement(ctx, t, db.dialect, query, args)
		rows, err := db.query(ctx, query, args)
		t.EndStatement(ctx, st, -1, err)
		return rows, err
	}
	return db.query(ctx, query, args)
}

func (db *DB) query(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	if db.cluster != nil {
		return db.cluster.query(ctx, db, query, args)
	}
	return logQuery(ctx, db.logger, db.slow, db.sql, query, args)
}

// BeginTx starts a transaction whose statements are logged like the DB's.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	if db.cluster != nil {
		return db.cluster.begin(ctx, db, opts)
	}
	tctx, tst := ctx, TracedStatement{}
	if db.tracer != nil {
		tctx, tst = startStatement(ctx, db.tracer, db.dialect, "BEGIN", nil)
	}
	start := time.Now()
	tx, err := db.sql.BeginTx(ctx, opts)
	logStmt(ctx, db.logger, db.slow, "BEGIN", nil, start, err)
	if db.tracer != nil {
		db.tracer.EndStatement(tctx, tst, -1, err)
	}
	if err != nil {
		return nil, fmt.Errorf("relm: begin: %w", err)
	}
	return &Tx{tx: tx, logger: db.logger, slow: db.slow, dialect: db.dialect, tracer: db.tracer}, nil
}

// InSchemaTx runs fn, the statements of mapping.Registry's CreateAll or
// DropAll, in one transaction when the dialect's DDL is transactional
// (dialect.TransactionalDDL: PostgreSQL and SQLite), so that the schema is
// changed whole or not at all; elsewhere (MySQL, MariaDB, which commit
// around each DDL statement) fn runs on db itself.
func (db *DB) InSchemaTx(ctx context.Context, fn func(mapping.DB) error) error {
	if t, ok := db.dialect.(dialect.TransactionalDDL); !ok || !t.TransactionalDDL() {
		return fn(db)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("relm: commit schema: %w", err)
	}
	return nil
}

// Tx is a transaction whose statements are logged.
type Tx struct {
	tx      *sql.Tx
	logger  *slog.Logger
	slow    time.Duration // see DB.slow
	dialect dialect.Dialect
	node    *node // the cluster node it runs on, or nil
	// rw, on a PostgreSQL primary with standbys, records the WAL position
	// after a commit that may have written (replicas.go); else nil.
	rw *readYourWrites
	// tracer is the DB's (WithTracer).
	tracer Tracer
}

// SQL returns the underlying *sql.Tx.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Dialect returns the dialect of the DB that began the transaction, so that
// a Tx serves where a mapping.DB is asked for (mapping.Registry's CreateAll
// inside a transaction of one's own).
func (tx *Tx) Dialect() dialect.Dialect { return tx.dialect }

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t := tx.tracer; t != nil {
		ctx, st := startStatement(ctx, t, tx.dialect, query, args)
		res, err := logExec(ctx, tx.logger, tx.slow, tx.tx, query, args)
		endExec(ctx, t, st, res, err)
		return res, err
	}
	return logExec(ctx, tx.logger, tx.slow, tx.tx, query, args)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t := tx.tracer; t != nil {
		ctx, st := startStatement(ctx, t, tx.dialect, query, args)
		rows, err := logQuery(ctx, tx.logger, tx.slow, tx.tx, query, args)
		t.EndStatement(ctx, st, -1, err)
		return rows, err
	}
	return logQuery(ctx, tx.logger, tx.slow, tx.tx, query, args)
}

// Commit commits the transaction.
func (tx *Tx) Commit() error {
	start := time.Now()
	err := tx.tx.Commit()
	logStmt(context.Background(), tx.logger, tx.slow, "COMMIT", nil, start, err)
	if err != nil && tx.node != nil {
		err = tx.node.commitError(err)
	}
	if err == nil && tx.rw != nil {
		tx.rw.noteCommit(tx.node)
	}
	return err
}

// Rollback rolls the transaction back; after Commit it is a no-op that
// returns sql.ErrTxDone.
func (tx *Tx) Rollback() error {
	start := time.Now()
	err := tx.tx.Rollback()
	if !errors.Is(err, sql.ErrTxDone) {
		logStmt(context.Background(), tx.logger, tx.slow, "ROLLBACK", nil, start, err)
	}
	return err
}

func logExec(ctx context.Context, l *slog.Logger, slow time.Duration, ex dialect.Executor, query string, args []any) (sql.Result, error) {
	if l == nil {
		return ex.ExecContext(ctx, query, args...)
	}
	start := time.Now()
	res, err := ex.ExecContext(ctx, query, args...)
	logStmt(ctx, l, slow, query, args, start, err)
	return res, err
}

func logQuery(ctx context.Context, l *slog.Logger, slow time.Duration, ex dialect.Executor, query string, args []any) (*sql.Rows, error) {
	if l == nil {
		return ex.QueryContext(ctx, query, args...)
	}
	start := time.Now()
	rows, err := ex.QueryContext(ctx, query, args...)
	logStmt(ctx, l, slow, query, args, start, err)
	return rows, err
}

// logStmt logs a statement that started at start: at Error when it failed
// (err), at Warn when it took slow or longer (slow > 0), else at Debug.
func logStmt(ctx context.Context, l *slog.Logger, slow time.Duration, query string, args []any, start time.Time, err error) {
	if l == nil {
		return
	}
	level := slog.LevelDebug
	var took time.Duration
	switch {
	case err != nil:
		level = slog.LevelError
	case slow > 0:
		if took = time.Since(start); took >= slow {
			level = slog.LevelWarn
		}
	}
	if !l.Enabled(ctx, level) {
		return
	}
	if took == 0 {
		took = time.Since(start)
	}
	attrs := []slog.Attr{slog.String("sql", query), slog.Duration("duration", took)}
	if len(args) > 0 {
		attrs = append(attrs, slog.Any("args", args))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	l.LogAttrs(ctx, level, "sql", attrs...)
}
