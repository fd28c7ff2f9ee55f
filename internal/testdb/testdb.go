// Package testdb gives each test a database of its own on every dialect:
// an in-memory SQLite database, and on PostgreSQL and MariaDB a database
// created with a unique name and dropped when the test ends. Servers are
// found through RELM_TEST_POSTGRES and RELM_TEST_MYSQL (defaults below:
// DefaultPostgres, DefaultMySQL). A server that cannot be reached skips its
// dialect with a message — written to the terminal too, since go test
// shows it only with -v — unless CI=true, where it fails the test.
package testdb

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/relmorm/relm"
)

// Dialects lists the dialect names in the order tests run them.
var Dialects = []string{"sqlite", "postgres", "mysql"}

// DefaultPostgres and DefaultMySQL are the servers used when the environment
// names none.
const (
	DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	DefaultMySQL    = "mysql://root@127.0.0.1:3306/test"
)

// ServerDSN returns the administrative DSN for a dialect's server.
func ServerDSN(name string) string {
	switch name {
	case "postgres":
		if v := os.Getenv("RELM_TEST_POSTGRES"); v != "" {
			return v
		}
		return DefaultPostgres
	case "mysql":
		if v := os.Getenv("RELM_TEST_MYSQL"); v != "" {
			return v
		}
		return DefaultMySQL
	}
	return ""
}

// Each runs f as a subtest on every dialect, each with a fresh database.
func Each(t *testing.T, f func(t *testing.T, db *relm.DB)) {
	t.Helper()
	for _, name := range Dialects {
		t.Run(name, func(t *testing.T) {
			f(t, Open(t, name))
		})
	}
}

// Open returns a fresh, empty database of the named dialect for t, closed and
// dropped when t ends. Options (such as a logger) are passed to relm.Open.
func Open(t testing.TB, name string, opts ...relm.Option) *relm.DB {
	t.Helper()
	dsn := NewDatabase(t, name)
	db, err := relm.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewDatabase creates a fresh database and returns its relm DSN; it is
// dropped when t ends. On SQLite it is a file in t.TempDir().
func NewDatabase(t testing.TB, name string) string {
	t.Helper()
	if name == "sqlite" {
		return "sqlite:" + t.TempDir() + "/test.db"
	}
	server := ServerDSN(name)
	if server == "" {
		t.Fatalf("testdb: unknown dialect %q", name)
	}
	return NewDatabaseAt(t, name, server)
}

// NewDatabaseAt is NewDatabase on the server of the named dialect (postgres
// or mysql) at the administrative DSN server, rather than the one the
// environment names: a fresh database, dropped when t ends.
func NewDatabaseAt(t testing.TB, name, server string) string {
	t.Helper()
	admin, err := adminDB(name, server)
	if err != nil {
		unreachable(t, name, server, err)
		return ""
	}
	dbname := "relm_" + randomSuffix()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+dbname); err != nil {
		t.Fatalf("testdb: create database on %s: %v", name, err)
	}
	t.Cleanup(func() {
		drop := "DROP DATABASE IF EXISTS " + dbname
		if name == "postgres" {
			drop += " WITH (FORCE)"
		}
		if _, err := admin.ExecContext(context.Background(), drop); err != nil {
			t.Logf("testdb: drop %s on %s: %v", dbname, name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("testdb: %s server DSN %q: %v", name, server, err)
	}
	u.Path = "/" + dbname
	return u.String()
}

var (
	adminMu sync.Mutex
	admins  = map[string]*sql.DB{}
	failed  = map[string]error{}
)

// adminDB returns one shared connection pool per server for creating and
// dropping test databases.
func adminDB(name, server string) (*sql.DB, error) {
	adminMu.Lock()
	defer adminMu.Unlock()
	if db := admins[server]; db != nil {
		return db, nil
	}
	if err := failed[server]; err != nil {
		return nil, err
	}
	d, driverDSN, err := relm.ParseDSN(server)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(d.DriverName(), driverDSN)
	if err == nil {
		err = db.PingContext(context.Background())
	}
	if err != nil {
		failed[server] = err
		return nil, err
	}
	db.SetMaxOpenConns(4)
	admins[server] = db
	return db, nil
}

func unreachable(t testing.TB, name, server string, err error) {
	t.Helper()
	msg := fmt.Sprintf("testdb: %s server %s unreachable: %v", name, server, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: every dialect must run)")
	}
	msg += " — skipping the " + name + " dialect; start it (scripts/start-databases.sh, or see the README's Quick start) to run it"
	announceSkip(name, msg)
	t.Skip(msg)
}

var announced sync.Map // dialect name → true

// announceSkip writes msg once per dialect and test process to the
// terminal the tests run in: go test shows a passing package's output only
// with -v, so a skipped dialect would otherwise go unseen. Without a
// terminal (CI, where CI=true fails instead of skipping) it writes nothing.
func announceSkip(name, msg string) {
	if _, dup := announced.LoadOrStore(name, true); dup {
		return
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer tty.Close()
	exe := filepath.Base(os.Args[0])
	fmt.Fprintf(tty, "%s: %s\n", strings.TrimSuffix(exe, ".test"), msg)
}

func randomSuffix() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// Log collects the statements relm logs, for tests that assert SQL.
type Log struct {
	mu    sync.Mutex
	stmts []string
}

// Option returns the relm option that sends statements to the log.
func (l *Log) Option() relm.Option {
	return relm.WithLogger(slog.New(&logHandler{log: l}))
}

// Statements returns the statements logged so far, in order.
func (l *Log) Statements() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.stmts...)
}

// Reset forgets the statements logged so far.
func (l *Log) Reset() {
	l.mu.Lock()
	l.stmts = nil
	l.mu.Unlock()
}

// Count returns how many logged statements start with prefix (case
// insensitive), e.g. "INSERT", "SELECT".
func (l *Log) Count(prefix string) int {
	n := 0
	for _, s := range l.Statements() {
		if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			n++
		}
	}
	return n
}

// String renders the log, one statement a line.
func (l *Log) String() string {
	var b bytes.Buffer
	for _, s := range l.Statements() {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}

type logHandler struct{ log *Log }

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "sql" {
			h.log.mu.Lock()
			h.log.stmts = append(h.log.stmts, a.Value.String())
			h.log.mu.Unlock()
			return false
		}
		return true
	})
	return nil
}
func (h *logHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logHandler) WithGroup(string) slog.Handler      { return h }
