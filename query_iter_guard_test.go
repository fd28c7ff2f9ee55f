package relm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// A statement issued inside an Iter loop, where the loop's rows hold the
// connection it would need (SQLite's only one, or the open transaction's),
// is refused with ErrIterating instead of waiting forever; after the loop
// the session works again.
func TestQueryIterGuard(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		ctx := context.Background()
		s := blogSession(t, db, log)
		must(t, s.AddAll(&blog.Tag{Name: "a"}, &blog.Tag{Name: "b"}))
		must(t, s.Flush(ctx)) // leaves the transaction open
		n := 0
		for tag, err := range relm.Select[blog.Tag](s).OrderBy("Name").Iter(ctx) {
			must(t, err)
			n++
			_, err := relm.Select[blog.Tag](s).Where(relm.Eq("Name", tag.Name)).Count(ctx)
			if !errors.Is(err, relm.ErrIterating) {
				t.Fatalf("a query inside Iter within a transaction: got %v, want ErrIterating", err)
			}
		}
		if n != 2 {
			t.Fatalf("Iter yielded %d tags, want 2", n)
		}
		must(t, s.Commit(ctx))
		if db.Dialect().Name() == "sqlite" {
			for range relm.Select[blog.Tag](s).Iter(ctx) {
				if err := s.Commit(ctx); !errors.Is(err, relm.ErrIterating) {
					t.Fatalf("Commit inside Iter on SQLite: got %v, want ErrIterating", err)
				}
				break
			}
		}
		if c, err := relm.Select[blog.Tag](s).Count(ctx); err != nil || c != 2 {
			t.Fatalf("after the loop: count %d, %v", c, err)
		}
	})
}
