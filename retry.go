package relm

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/relmorm/relm/mapping"
)

// ErrRetriesExhausted is wrapped by the error [DB.Retry] returns when every
// attempt failed on a conflict; the same error wraps the last attempt's
// error too.
var ErrRetriesExhausted = errors.New("relm: retries exhausted")

// DefaultRetryAttempts is the number of attempts [DB.Retry] makes when
// given zero or less.
const DefaultRetryAttempts = 10

// The backoff between attempts: a random wait between half and all of
// retryBackoffMin·2^(attempt-1), capped at retryBackoffMax.
const (
	retryBackoffMin = 2 * time.Millisecond
	retryBackoffMax = 100 * time.Millisecond
)

// Retry runs fn as one unit of work and commits it, and runs it again, up to
// attempts times in all (DefaultRetryAttempts when attempts ≤ 0), when the
// database aborts it for a conflict with a concurrent transaction — the
// errors [IsConflict] recognizes: a deadlock or lock wait timeout on
// MySQL/MariaDB, a certification failure on a Galera cluster (another node
// committed a change to the same rows first), a serialization failure or
// deadlock on PostgreSQL, a busy database on SQLite.
//
// Each attempt gets a new session of reg whose transaction is open before fn
// runs, at isolation level SERIALIZABLE: whatever fn reads through the
// session (Get, queries, loaders) is read inside the transaction — on a
// cluster, on the node the transaction runs on — and a read-modify-write
// such as
//
//	err := db.Retry(ctx, reg, 0, func(ctx context.Context, s *relm.Session) error {
//		acct, err := relm.Get[Account](ctx, s, id)
//		if err != nil {
//			return err
//		}
//		acct.Balance += 10
//		return nil // Retry flushes and commits
//	})
//
// never loses a concurrent update: if another transaction changed the row
// after fn read it, the database reports a conflict and fn runs again on
// fresh data. Between attempts Retry rolls back, discards the session, and
// waits a little (a few milliseconds, doubling, with jitter). fn may
// therefore run several times: it should build its objects inside, have no
// effect outside the session, and neither Commit nor Rollback the session.
//
// Any other error — from fn, a flush or the commit — is returned at once,
// after the rollback, as is the context's error. A connection lost before
// COMMIT was sent is retried (on a cluster, the next attempt begins on
// another node); a connection lost during COMMIT is not, since the
// transaction may have been committed, and the error says so. When every
// attempt conflicted, the error wraps both ErrRetriesExhausted and the last
// attempt's error:
//
//	errors.Is(err, relm.ErrRetriesExhausted) // true
//	var me *mysql.MySQLError; errors.As(err, &me) // me.Number == 1213
func (db *DB) Retry(ctx context.Context, reg *mapping.Registry, attempts int, fn func(ctx context.Context, s *Session) error) error {
	if attempts <= 0 {
		attempts = DefaultRetryAttempts
	}
	for attempt := 1; ; attempt++ {
		err, atCommit := db.attempt(ctx, reg, fn)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if errors.Is(err, ctx.Err()) {
				return err
			}
			return fmt.Errorf("relm: retry: %w; the last attempt failed with: %w", ctx.Err(), err)
		}
		conflict := IsConflict(err)
		switch {
		case conflict:
		case nodeUnavailable(err) && atCommit && !errors.Is(err, driver.ErrBadConn):
			// ErrBadConn promises the COMMIT was not sent; other errors
			// leave its outcome unknown.
			if db.cluster != nil {
				return err // the node's error says so already
			}
			return fmt.Errorf("relm: the connection was lost during COMMIT: the transaction may or may not have been committed; check before running it again: %w", err)
		case nodeUnavailable(err):
		default:
			return err
		}
		if attempt >= attempts {
			return fmt.Errorf("%w: %d attempts failed; the last with: %w", ErrRetriesExhausted, attempts, err)
		}
		if db.logger != nil {
			db.logger.LogAttrs(ctx, slog.LevelDebug, "relm: retrying a unit of work",
				slog.Int("attempt", attempt), slog.Bool("conflict", conflict), slog.String("error", err.Error()))
		}
		t := time.NewTimer(retryBackoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("relm: retry: %w; the last attempt failed with: %w", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// attempt runs fn once in a new session and commits; atCommit tells
// whether the error came from COMMIT itself.
func (db *DB) attempt(ctx context.Context, reg *mapping.Registry, fn func(ctx context.Context, s *Session) error) (err error, atCommit bool) {
	s := NewSession(db, reg)
	defer s.Close() // rolls back unless committed, also when fn panics
	if err := s.check(); err != nil {
		return err, false
	}
	// The session's own begin, with the isolation level: the transaction
	// is open before fn reads anything.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return err, false
	}
	s.tx, s.journal = tx, s.newJournal()
	defer func() {
		if err != nil && nodeUnavailable(err) && tx.node != nil && db.cluster != nil {
			db.cluster.demote(db, tx.node)
		}
	}()
	if err := fn(ctx, s); err != nil {
		return err, false
	}
	if err := s.Flush(ctx); err != nil {
		return err, false
	}
	// Everything is written: what fails now is COMMIT.
	if err := s.Commit(ctx); err != nil {
		return err, true
	}
	return nil, false
}

func retryBackoff(attempt int) time.Duration {
	d := retryBackoffMax
	if attempt < 10 {
		d = min(retryBackoffMax, retryBackoffMin<<(attempt-1))
	}
	return d/2 + rand.N(d/2+1)
}

// MySQL/MariaDB server errors Retry and the cluster routing recognize.
const (
	erLockWaitTimeout = 1205 // Lock wait timeout exceeded; try restarting transaction
	erLockDeadlock    = 1213 // Deadlock found when trying to get lock (also Galera's certification failure)
	erCheckRead       = 1020 // Record has changed since last read (MariaDB innodb_snapshot_isolation)
	erUnknownCom      = 1047 // WSREP has not yet prepared node for application use
	erServerShutdown  = 1053 // Server shutdown in progress
	erConnKilled      = 1927 // Connection was killed
	erBadDB           = 1049 // Unknown database
)

// IsConflict reports whether err (or an error it wraps) says the database
// aborted a transaction because of a concurrent one, so that running the
// transaction again may succeed:
//
//   - MySQL/MariaDB: 1213 deadlock (SQLSTATE 40001) — on a Galera cluster
//     also the certification failure of a transaction that changed rows
//     another node changed first —, 1205 lock wait timeout, 1020 record
//     changed since last read, and any error with SQLSTATE 40001;
//   - PostgreSQL: 40001 serialization_failure, 40P01 deadlock_detected;
//   - SQLite: SQLITE_BUSY and SQLITE_LOCKED.
func IsConflict(err error) bool {
	if err == nil {
		return false
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erLockDeadlock, erLockWaitTimeout, erCheckRead:
			return true
		}
		return string(me.SQLState[:]) == "40001"
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// nodeUnavailable reports whether err says the server could not be reached,
// the connection broke, or the server (a Galera node) is not serving: the
// transaction it happened in is lost, and another node may serve.
func nodeUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erUnknownCom, erServerShutdown, erConnKilled:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
		return false
	}
	var ne *net.OpError
	var ce *pgconn.ConnectError
	// pgx reports a connection the server closed in the middle of a
	// statement (a FATAL error: the server shut down) as ErrConnClosed,
	// though it had sent the statement: the outcome is unknown.
	return errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldriver.ErrInvalidConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// lacksDatabase reports whether err is MySQL's 1049 unknown database, or
// PostgreSQL's 3D000 (a standby that has not replayed the CREATE DATABASE
// yet, when the error comes from one).
func lacksDatabase(err error) bool {
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		return me.Number == erBadDB
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "3D000"
}

// notConnected reports whether err says no connection could be made, so
// the statement was surely not sent.
func notConnected(err error) bool {
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Op == "dial" {
		return true
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.Is(err, syscall.ECONNREFUSED)
}
