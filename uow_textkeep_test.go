package relm_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/dialect/sqlite"
	msqlite "modernc.org/sqlite"
)

// keepingDriver wraps modernc.org/sqlite as a tracing or metrics driver
// does, and keeps the text of every statement it runs.
type keepingDriver struct {
	mu   sync.Mutex
	kept []string
}

func (d *keepingDriver) Open(dsn string) (driver.Conn, error) {
	c, err := (&msqlite.Driver{}).Open(dsn)
	if err != nil {
		return nil, err
	}
	return &keepingConn{Conn: c, d: d}, nil
}

type keepingConn struct {
	driver.Conn
	d *keepingDriver
}

func (c *keepingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.d.mu.Lock()
	c.d.kept = append(c.d.kept, query)
	c.d.mu.Unlock()
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *keepingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *keepingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

var registerKeeping = sync.OnceValue(func() *keepingDriver {
	d := &keepingDriver{}
	sql.Register("relm-test-keeping-sqlite", d)
	return d
})

// Item is a row of one short string.
type Item struct {
	ID   int `relm:"pk"`
	Name string
}

func (Item) TableName() string { return "items" }

// TestSQLiteLiteralTextKept: relm writes the text of an INSERT of literals
// over the previous one's only when the driver is modernc.org/sqlite's own,
// which copies it; a driver wrapped by another, which may keep the text (a
// tracing span, a log), gets text of its own for every statement — the text
// it kept of the first commit still reads as that commit's rows after the
// second. Without a logger in both cases, as reuse needs.
func TestSQLiteLiteralTextKept(t *testing.T) {
	for _, wrapped := range []bool{false, true} {
		t.Run(fmt.Sprintf("wrapped=%v", wrapped), func(t *testing.T) {
			_, dsn, err := relm.ParseDSN("sqlite:" + t.TempDir() + "/keep.db")
			must(t, err)
			keep := registerKeeping()
			driverName := "sqlite"
			if wrapped {
				driverName = "relm-test-keeping-sqlite"
			}
			sqldb, err := sql.Open(driverName, dsn)
			must(t, err)
			sqldb.SetMaxOpenConns(1)
			t.Cleanup(func() { sqldb.Close() })
			db := relm.New(sqldb, sqlite.New())
			reg := registry(t, &Item{})
			must(t, reg.CreateAll(ctx, db))

			commit := func(prefix string) {
				s := relm.NewSession(db, reg)
				defer s.Close()
				items := []*Item{{Name: prefix + "-a"}, {Name: prefix + "-b"}, {Name: prefix + "-c"}}
				must(t, s.AddAll(items))
				must(t, s.Commit(ctx))
				for i, it := range items {
					if it.ID == 0 {
						t.Fatalf("item %d of %s: no key", i, prefix)
					}
				}
			}
			keep.mu.Lock()
			keep.kept = nil
			keep.mu.Unlock()
			commit("first")
			commit("later")
			if !wrapped {
				return
			}
			keep.mu.Lock()
			defer keep.mu.Unlock()
			var first string
			for _, q := range keep.kept {
				if strings.HasPrefix(q, `INSERT INTO "items"`) {
					first = q
					break
				}
			}
			want := `INSERT INTO "items" ("name") VALUES ('first-a'), ('first-b'), ('first-c')`
			if first != want {
				t.Fatalf("the wrapping driver kept %q of the first INSERT; want %q", first, want)
			}
			var n int
			must(t, sqldb.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n))
			if n != 6 {
				t.Fatalf("%d rows, want 6", n)
			}
		})
	}
}
