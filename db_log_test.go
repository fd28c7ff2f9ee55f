package relm_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// With WithLogger, every statement relm issues — DDL, BEGIN, INSERTs,
// COMMIT, SELECTs — is logged at Debug as one "sql" record carrying the SQL,
// its arguments and its duration (SQLAlchemy's echo=True).
func TestWithLoggerLogsEveryStatement(t *testing.T) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var buf bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			db, err := relm.Open(ctx, testdb.NewDatabase(t, name), relm.WithLogger(logger))
			must(t, err)
			defer db.Close()
			reg, err := blog.NewRegistry()
			must(t, err)
			must(t, reg.CreateAll(ctx, db))
			s := relm.NewSession(db, reg)
			u := &blog.User{Username: "ada-lovelace", Password: "p", Email: "a@x"}
			must(t, s.Add(&blog.Article{Title: "Notes", Author: u}))
			must(t, s.Commit(ctx))
			_, err = relm.Select[blog.User](s).Where(relm.Eq("Username", "ada-lovelace")).All(ctx)
			must(t, err)

			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			var creates, inserts, selects, begins, commits int
			for _, l := range lines {
				if !strings.Contains(l, `"msg":"sql"`) {
					continue // not a statement (e.g. CreateAll's warning on a Galera cluster)
				}
				if !strings.Contains(l, `"duration":`) {
					t.Fatalf("a statement logged without its duration: %s", l)
				}
				switch {
				case strings.Contains(l, `"sql":"CREATE TABLE`):
					creates++
				case strings.Contains(l, `"sql":"INSERT`):
					inserts++
					if !strings.Contains(l, `"args":[`) || !strings.Contains(l, "ada-lovelace") && !strings.Contains(l, "Notes") {
						t.Fatalf("the INSERT is logged without its arguments: %s", l)
					}
				case strings.Contains(l, `"sql":"SELECT`) && strings.Contains(l, "ada-lovelace"):
					selects++
				case strings.Contains(l, `"sql":"BEGIN"`):
					begins++
				case strings.Contains(l, `"sql":"COMMIT"`):
					commits++
				}
			}
			// CreateAll runs in a transaction of its own where DDL is
			// transactional (PostgreSQL, SQLite), then the commit's.
			txs := 2
			if name == "mysql" {
				txs = 1
			}
			if creates != 6 || inserts != 2 || selects != 1 || begins != txs || commits != txs {
				t.Fatalf("logged %d CREATE TABLE, %d INSERT, %d SELECT with its argument, %d BEGIN, %d COMMIT; want 6, 2, 1, %d, %d:\n%s",
					creates, inserts, selects, begins, commits, txs, txs, buf.String())
			}
		})
	}
}

// A statement that fails is logged at Error with its SQL and the error, so
// that slog's default level (Info) shows a failed commit; with
// WithSlowThreshold, a statement at least that slow is logged at Warn; the
// rest stay at Debug.
func TestLoggerLevels(t *testing.T) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dsn := testdb.NewDatabase(t, name)
			open := func(opts ...relm.Option) (*relm.DB, *bytes.Buffer) {
				var buf bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&buf, nil)) // Info: slog's default level
				db, err := relm.Open(ctx, dsn, append([]relm.Option{relm.WithLogger(logger)}, opts...)...)
				must(t, err)
				t.Cleanup(func() { db.Close() })
				return db, &buf
			}
			db, buf := open()
			reg, err := blog.NewRegistry()
			must(t, err)
			must(t, reg.CreateAll(ctx, db))
			// On a Galera cluster CreateAll warns that article_tag has no
			// primary key: a warning about the schema, not a statement.
			if strings.Contains(buf.String(), `"sql":`) {
				t.Fatalf("statements that succeeded were logged above Debug:\n%s", buf)
			}
			buf.Reset()
			s := relm.NewSession(db, reg)
			must(t, s.Add(&blog.User{Username: "ada"}))
			must(t, s.Commit(ctx))
			// A second user whose key is the first's: the INSERT fails.
			if _, err := db.ExecContext(ctx, "INSERT INTO users (id, username, password, email) VALUES (1, 'x', 'x', 'x')"); err == nil {
				t.Fatal("a duplicate key was accepted")
			}
			out := buf.String()
			if !strings.Contains(out, `"level":"ERROR"`) || !strings.Contains(out, `"sql":"INSERT INTO users (id, username, password, email) VALUES (1`) || !strings.Contains(out, `"error":`) {
				t.Fatalf("the failed statement is not logged at Error with its SQL and error:\n%s", out)
			}
			if n := strings.Count(out, "\n"); n != 1 {
				t.Fatalf("%d records logged at Info or above, want only the failed statement:\n%s", n, out)
			}

			slowDB, slowBuf := open(relm.WithSlowThreshold(time.Nanosecond))
			// On PostgreSQL standbys (a DSN with several hosts) a DB's
			// reads wait for its own commits only: a statement through
			// slowDB first makes them wait for the one above too.
			_, err = slowDB.ExecContext(ctx, "SELECT 1")
			must(t, err)
			slowBuf.Reset()
			s2 := relm.NewSession(slowDB, reg)
			if _, err := relm.Get[blog.User](ctx, s2, 1); err != nil {
				t.Fatal(err)
			}
			if out := slowBuf.String(); !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, `"sql":"SELECT`) {
				t.Fatalf("a statement over the slow threshold is not logged at Warn:\n%s", out)
			}
		})
	}
}
