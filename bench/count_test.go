package bench

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"gorm.io/gorm/logger"

	"github.com/relmorm/relm"
)

// Statement counting for (c): each contender runs once, outside the timer,
// on handles that count through the contender's own hook, and its result is
// checked against the dataset.

var (
	countMu sync.Mutex
	counts  = map[string]int{}
)

func countLoad(e *env, orm string, ds *dataset) (int, error) {
	key := orm + "/" + e.name + "/" + itoa(len(ds.articles))
	countMu.Lock()
	defer countMu.Unlock()
	if n, ok := counts[key]; ok {
		return n, nil
	}
	var n counter
	rdb := relm.New(e.db, e.d, relm.WithLogger(slog.New(&n)))
	gdb, err := openGorm(e, &n)
	if err != nil {
		return 0, err
	}
	bdb := openBun(e)
	bdb.AddQueryHook(&n)
	var pdb pgxQuerier
	if e.pgx != nil {
		pdb = countingPgx{e.pgx, &n}
	}
	n.reset()
	g, err := loader(e, orm, rdb, gdb, bdb, countingSQL{e.db, &n}, pdb)()
	if err != nil {
		return 0, err
	}
	if err := g.check(ds); err != nil {
		return 0, err
	}
	counts[key] = n.get()
	return n.get(), nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// counter counts statements. It is a slog handler (relm), a GORM logger and
// a Bun query hook.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *counter) reset() {
	c.mu.Lock()
	c.n = 0
	c.mu.Unlock()
}
func (c *counter) get() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// slog.Handler: relm logs one "sql" record per statement.
func (c *counter) Enabled(context.Context, slog.Level) bool { return true }
func (c *counter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "sql" {
		c.inc()
	}
	return nil
}
func (c *counter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *counter) WithGroup(string) slog.Handler      { return c }

// logger.Interface: GORM traces every statement.
func (c *counter) LogMode(logger.LogLevel) logger.Interface { return c }
func (c *counter) Info(context.Context, string, ...any)     {}
func (c *counter) Warn(context.Context, string, ...any)     {}
func (c *counter) Error(context.Context, string, ...any)    {}
func (c *counter) Trace(context.Context, time.Time, func() (string, int64), error) {
	c.inc()
}

// bun.QueryHook.
func (c *counter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (c *counter) AfterQuery(context.Context, *bun.QueryEvent)                        { c.inc() }

type countingSQL struct {
	db *sql.DB
	n  *counter
}

func (c countingSQL) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n.inc()
	return c.db.QueryContext(ctx, query, args...)
}

type countingPgx struct {
	conn *pgx.Conn
	n    *counter
}

func (c countingPgx) Query(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	c.n.inc()
	return c.conn.Query(ctx, query, args...)
}
