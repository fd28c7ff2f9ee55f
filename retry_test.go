package relm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// rtCounter is a row that concurrent units of work change.
type rtCounter struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:32;unique"`
	N    int
}

func (rtCounter) TableName() string { return "rt_counters" }

// rtDoctor is the classic write-skew example: at least one doctor must stay
// on call, and each transaction checks that before going off call.
type rtDoctor struct {
	ID     int    `relm:"pk"`
	Name   string `relm:"size:32"`
	OnCall bool
}

func (rtDoctor) TableName() string { return "rt_doctors" }

func rtRegistry(t testing.TB) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	if err := reg.Register(&rtCounter{}, &rtDoctor{}); err != nil {
		t.Fatal(err)
	}
	return reg
}

// rtOpen returns a fresh database of the dialect with the retry tables, and
// the records of what the DB logged besides statements. query is appended
// to the DSN.
func rtOpen(t *testing.T, name, query string) (*relm.DB, *mapping.Registry, *rtLog) {
	t.Helper()
	dsn := testdb.NewDatabase(t, name)
	if query != "" {
		dsn += map[bool]string{true: "&", false: "?"}[strings.Contains(dsn, "?")] + query
	}
	log := &rtLog{}
	db, err := relm.Open(context.Background(), dsn, relm.WithLogger(slog.New(log)))
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	reg := rtRegistry(t)
	if err := reg.CreateAll(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db, reg, log
}

// rtLog records the messages relm logs, and the statements.
type rtLog struct {
	mu      sync.Mutex
	records []slog.Record
	stmts   []string
}

func (l *rtLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *rtLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Message == "sql" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "sql" {
				l.stmts = append(l.stmts, a.Value.String())
			}
			return true
		})
		return nil
	}
	l.records = append(l.records, r.Clone())
	return nil
}
func (l *rtLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *rtLog) WithGroup(string) slog.Handler      { return l }

// messages returns the non-statement messages logged, with their "error"
// attribute when they have one.
func (l *rtLog) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		m := r.Level.String() + " " + r.Message
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "error" || a.Key == "table" || a.Key == "from" || a.Key == "to" {
				m += " " + a.Key + "=" + a.Value.String()
			}
			return true
		})
		out = append(out, m)
	}
	return out
}

func (l *rtLog) statements() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.stmts...)
}

func (l *rtLog) retries() []string {
	var out []string
	for _, m := range l.messages() {
		if strings.Contains(m, "retrying") {
			out = append(out, m)
		}
	}
	return out
}

// rtBarrier lets n goroutines wait for each other once; it gives up after
// a while so that a failing test does not hang.
type rtBarrier struct {
	wg   sync.WaitGroup
	done chan struct{}
}

func newRTBarrier(n int) *rtBarrier {
	b := &rtBarrier{done: make(chan struct{})}
	b.wg.Add(n)
	go func() { b.wg.Wait(); close(b.done) }()
	return b
}

func (b *rtBarrier) wait() error {
	b.wg.Done()
	select {
	case <-b.done:
		return nil
	case <-time.After(20 * time.Second):
		return errors.New("barrier: the other transaction never arrived")
	}
}

func rtAddCounters(t *testing.T, db *relm.DB, reg *mapping.Registry, names ...string) []int {
	t.Helper()
	s := relm.NewSession(db, reg)
	defer s.Close()
	var cs []*rtCounter
	for _, n := range names {
		cs = append(cs, &rtCounter{Name: n})
	}
	if err := s.AddAll(cs); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func rtCount(t *testing.T, db *relm.DB, reg *mapping.Registry, id int) int {
	t.Helper()
	s := relm.NewSession(db, reg)
	defer s.Close()
	c, err := relm.Get[rtCounter](context.Background(), s, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.N
}

// TestRetryCommitsOnce: without conflict, fn runs once, inside a
// transaction that is open before it reads, and its changes are committed.
func TestRetryCommitsOnce(t *testing.T) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, reg, log := rtOpen(t, name, "")
			ids := rtAddCounters(t, db, reg, "a")
			before := len(log.statements())
			calls := 0
			err := db.Retry(ctx, reg, 0, func(ctx context.Context, s *relm.Session) error {
				calls++
				c, err := relm.Get[rtCounter](ctx, s, ids[0])
				if err != nil {
					return err
				}
				c.N += 5
				return s.Add(&rtCounter{Name: "b", N: 1})
			})
			if err != nil || calls != 1 {
				t.Fatalf("Retry: %v after %d calls", err, calls)
			}
			stmts := log.statements()[before:]
			var kinds []string
			for _, s := range stmts {
				kinds = append(kinds, strings.Fields(s)[0])
			}
			if got := strings.Join(kinds, " "); got != "BEGIN SELECT INSERT UPDATE COMMIT" && got != "BEGIN SELECT UPDATE INSERT COMMIT" {
				t.Errorf("statements %q, want BEGIN, SELECT, the INSERT and UPDATE, COMMIT:\n%s", got, strings.Join(stmts, "\n"))
			}
			if n := rtCount(t, db, reg, ids[0]); n != 5 {
				t.Errorf("counter = %d, want 5", n)
			}
		})
	}
}

// TestRetryNoLostUpdate: two goroutines increment one counter through
// Retry, reading it and writing it back; conflicts are retried and no
// increment is lost.
func TestRetryNoLostUpdate(t *testing.T) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			db, reg, log := rtOpen(t, name, "")
			ids := rtAddCounters(t, db, reg, "c")
			const workers, each = 2, 25
			var calls atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for range workers {
				wg.Go(func() {
					for range each {
						errs <- db.Retry(context.Background(), reg, 50, func(ctx context.Context, s *relm.Session) error {
							calls.Add(1)
							c, err := relm.Get[rtCounter](ctx, s, ids[0])
							if err != nil {
								return err
							}
							c.N++
							return nil
						})
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if n := rtCount(t, db, reg, ids[0]); n != workers*each {
				t.Fatalf("counter = %d after %d increments: updates were lost", n, workers*each)
			}
			t.Logf("%d increments took %d attempts; %d retries logged", workers*each, calls.Load(), len(log.retries()))
		})
	}
}

// TestRetryWriteSkew: two transactions each read both doctors and, seeing
// two on call, take their own off call. Run concurrently at the default
// isolation level both would commit and leave nobody on call; Retry's
// SERIALIZABLE transactions make the database reject one (PostgreSQL:
// 40001 serialization failure; MariaDB: 1213 deadlock between the shared
// locks of the reads and the updates), which runs again, sees one doctor
// left and stays on call.
func TestRetryWriteSkew(t *testing.T) {
	for _, name := range []string{"postgres", "mysql"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, reg, log := rtOpen(t, name, "")
			s := relm.NewSession(db, reg)
			alice, bob := &rtDoctor{Name: "alice", OnCall: true}, &rtDoctor{Name: "bob", OnCall: true}
			if err := s.AddAll(alice, bob); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			s.Close()

			barrier := newRTBarrier(2)
			var calls atomic.Int64
			goOffCall := func(me int) error {
				first := true
				return db.Retry(ctx, reg, 5, func(ctx context.Context, s *relm.Session) error {
					calls.Add(1)
					docs, err := relm.Select[rtDoctor](s).Where(relm.Eq("OnCall", true)).All(ctx)
					if err != nil {
						return err
					}
					if first {
						first = false
						if err := barrier.wait(); err != nil {
							return err
						}
					}
					if len(docs) < 2 {
						return nil
					}
					for _, d := range docs {
						if d.ID == me {
							d.OnCall = false
						}
					}
					return nil
				})
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, id := range []int{alice.ID, bob.ID} {
				wg.Go(func() { errs[i] = goOffCall(id) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			s = relm.NewSession(db, reg)
			defer s.Close()
			on, err := relm.Select[rtDoctor](s).Where(relm.Eq("OnCall", true)).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if on != 1 {
				t.Fatalf("%d doctors on call, want 1 (write skew)", on)
			}
			retries := log.retries()
			if calls.Load() < 3 || int64(len(retries)) != calls.Load()-2 {
				t.Fatalf("fn ran %d times with retries %q, want 2 + one per retry (at least one)", calls.Load(), retries)
			}
			want := map[string]string{"postgres": "40001", "mysql": "1213"}[name]
			for _, r := range retries {
				if !strings.Contains(r, want) {
					t.Errorf("the retry was for %q, want error %s", r, want)
				}
			}
		})
	}
}

// TestRetryDeadlock: two transactions update the same two rows in opposite
// orders; the database kills one as a deadlock (MariaDB 1213, PostgreSQL
// 40P01), Retry runs it again, and both increments of both rows land.
func TestRetryDeadlock(t *testing.T) {
	for _, name := range []string{"postgres", "mysql"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, reg, log := rtOpen(t, name, "")
			ids := rtAddCounters(t, db, reg, "x", "y")
			barrier := newRTBarrier(2)
			var calls atomic.Int64
			bump := func(first, second int) error {
				waited := false
				return db.Retry(ctx, reg, 5, func(ctx context.Context, s *relm.Session) error {
					calls.Add(1)
					a, err := relm.Get[rtCounter](ctx, s, first)
					if err != nil {
						return err
					}
					a.N++
					if err := s.Flush(ctx); err != nil { // UPDATE: the row is locked
						return err
					}
					if !waited {
						waited = true
						if err := barrier.wait(); err != nil {
							return err
						}
					}
					b, err := relm.Get[rtCounter](ctx, s, second)
					if err != nil {
						return err
					}
					b.N++
					return nil
				})
			}
			var wg sync.WaitGroup
			var err1, err2 error
			wg.Go(func() { err1 = bump(ids[0], ids[1]) })
			wg.Go(func() { err2 = bump(ids[1], ids[0]) })
			wg.Wait()
			if err1 != nil || err2 != nil {
				t.Fatalf("Retry: %v / %v", err1, err2)
			}
			for _, id := range ids {
				if n := rtCount(t, db, reg, id); n != 2 {
					t.Errorf("counter %d = %d, want 2", id, n)
				}
			}
			// One transaction is the deadlock's victim; its second attempt
			// may deadlock again with the survivor's update (on MariaDB the
			// reads of a SERIALIZABLE transaction take shared locks).
			retries := log.retries()
			if calls.Load() < 3 || int64(len(retries)) != calls.Load()-2 {
				t.Errorf("fn ran %d times with %d retries, want 2 + one per retry", calls.Load(), len(retries))
			}
			want := map[string][]string{"postgres": {"40P01", "40001"}, "mysql": {"1213"}}[name]
			for _, r := range retries {
				if !containsAny(r, want) {
					t.Errorf("retry for %q, want one of %v", r, want)
				}
			}
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestRetryOtherErrorsAtOnce: an error from fn, or a constraint violation at
// flush, is returned after one attempt, rolled back.
func TestRetryOtherErrorsAtOnce(t *testing.T) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, reg, _ := rtOpen(t, name, "")
			ids := rtAddCounters(t, db, reg, "taken")
			boom := errors.New("boom")
			calls := 0
			err := db.Retry(ctx, reg, 5, func(ctx context.Context, s *relm.Session) error {
				calls++
				c, err := relm.Get[rtCounter](ctx, s, ids[0])
				if err != nil {
					return err
				}
				c.N = 99
				if err := s.Flush(ctx); err != nil {
					return err
				}
				return fmt.Errorf("wrapped: %w", boom)
			})
			if !errors.Is(err, boom) || calls != 1 {
				t.Fatalf("Retry = %v after %d calls, want boom after 1", err, calls)
			}
			if n := rtCount(t, db, reg, ids[0]); n != 0 {
				t.Errorf("the flushed change survived the error: counter = %d", n)
			}

			calls = 0
			err = db.Retry(ctx, reg, 5, func(ctx context.Context, s *relm.Session) error {
				calls++
				return s.Add(&rtCounter{Name: "taken"})
			})
			if !errors.Is(err, relm.ErrUnique) || calls != 1 || errors.Is(err, relm.ErrRetriesExhausted) {
				t.Fatalf("duplicate: Retry = %v after %d calls, want a unique violation after 1", err, calls)
			}
			if relm.IsConflict(err) || relm.IsConflict(boom) || relm.IsConflict(nil) {
				t.Error("IsConflict is true for a non-conflict")
			}
		})
	}
}

// TestRetryExhausted: every attempt conflicts (a lock another transaction
// holds throughout); after the attempts, the error wraps both
// ErrRetriesExhausted and the database's last error.
func TestRetryExhausted(t *testing.T) {
	t.Run("mysql", func(t *testing.T) {
		ctx := context.Background()
		db, reg, _ := rtOpen(t, "mysql", "innodb_lock_wait_timeout=1")
		ids := rtAddCounters(t, db, reg, "locked")
		blocker, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer blocker.Rollback()
		if _, err := blocker.ExecContext(ctx, "UPDATE rt_counters SET n = n + 100 WHERE id = ?", ids[0]); err != nil {
			t.Fatal(err)
		}
		calls := 0
		err = db.Retry(ctx, reg, 2, func(ctx context.Context, s *relm.Session) error {
			calls++
			c, err := relm.Get[rtCounter](ctx, s, ids[0])
			if err != nil {
				return err
			}
			c.N++
			return nil
		})
		var me *mysqldriver.MySQLError
		if !errors.Is(err, relm.ErrRetriesExhausted) || !errors.As(err, &me) || me.Number != 1205 || calls != 2 {
			t.Fatalf("Retry = %v after %d calls, want ErrRetriesExhausted wrapping 1205 after 2", err, calls)
		}
		if !relm.IsConflict(err) {
			t.Error("IsConflict(lock wait timeout) = false")
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		ctx := context.Background()
		db, reg, blocker := rtSQLiteLocked(t)
		defer blocker.Rollback()
		calls := 0
		err := db.Retry(ctx, reg, 3, func(ctx context.Context, s *relm.Session) error {
			calls++
			return s.Add(&rtCounter{Name: fmt.Sprint("n", calls)})
		})
		if !errors.Is(err, relm.ErrRetriesExhausted) || !relm.IsConflict(err) || calls != 3 {
			t.Fatalf("Retry = %v after %d calls, want ErrRetriesExhausted wrapping SQLITE_BUSY after 3", err, calls)
		}
		t.Log(err)
	})
}

// rtSQLiteLocked opens a SQLite database that waits at most 20ms for a
// lock, and a second connection to it holding the write lock.
func rtSQLiteLocked(t *testing.T) (*relm.DB, *mapping.Registry, *sql.Tx) {
	t.Helper()
	ctx := context.Background()
	path := t.TempDir() + "/busy.db"
	db, err := relm.Open(ctx, "sqlite:"+path+"?_pragma=busy_timeout(20)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := rtRegistry(t)
	if err := reg.CreateAll(ctx, db); err != nil {
		t.Fatal(err)
	}
	d, drv, err := relm.ParseDSN("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open(d.DriverName(), drv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	blocker, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.ExecContext(ctx, "INSERT INTO rt_counters (name, n) VALUES ('blocker', 0)"); err != nil {
		t.Fatal(err)
	}
	return db, reg, blocker
}

// TestRetrySQLiteBusy: another connection holds SQLite's write lock for a
// while; the unit of work fails with SQLITE_BUSY, is retried, and commits
// once the lock is released.
func TestRetrySQLiteBusy(t *testing.T) {
	ctx := context.Background()
	db, reg, blocker := rtSQLiteLocked(t)
	time.AfterFunc(60*time.Millisecond, func() { blocker.Commit() })
	calls := 0
	err := db.Retry(ctx, reg, 20, func(ctx context.Context, s *relm.Session) error {
		calls++
		return s.Add(&rtCounter{Name: "mine"})
	})
	if err != nil || calls < 2 {
		t.Fatalf("Retry = %v after %d calls, want success after a SQLITE_BUSY", err, calls)
	}
}

// TestRetryContextEnds: when the context ends while Retry waits, the error
// wraps the context's error and the last attempt's.
func TestRetryContextEnds(t *testing.T) {
	db, reg, blocker := rtSQLiteLocked(t)
	defer blocker.Rollback()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := db.Retry(ctx, reg, 1000, func(ctx context.Context, s *relm.Session) error {
		return s.Add(&rtCounter{Name: "never"})
	})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("Retry = %v after %v, want the deadline", err, time.Since(start))
	}
}

// TestIsConflictCodes: the codes IsConflict recognizes, on the drivers'
// own error types (the tests above meet them from the servers).
func TestIsConflictCodes(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&mysqldriver.MySQLError{Number: 1213, SQLState: [5]byte{'4', '0', '0', '0', '1'}}, true},
		{&mysqldriver.MySQLError{Number: 1205}, true},
		{&mysqldriver.MySQLError{Number: 1062, SQLState: [5]byte{'2', '3', '0', '0', '0'}}, false},
		{fmt.Errorf("relm: commit: %w", &pgconn.PgError{Code: "40001"}), true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{&pgconn.PgError{Code: "23505"}, false},
		{sql.ErrTxDone, false},
	} {
		if got := relm.IsConflict(c.err); got != c.want {
			t.Errorf("IsConflict(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
