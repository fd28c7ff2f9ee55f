package relm_test

import (
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// Account is a balance to transfer between.
type Account struct {
	ID      int `relm:"pk"`
	Name    string
	Balance int
}

// Rollback discards what the rolled-back transaction changed, and what was
// not flushed yet: an unrelated commit afterwards writes none of it (it
// used to write the rolled-back transfer again), and the objects show what
// the database holds.
func TestRollbackDiscardsPendingChanges(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Account{})
		s := newSession(t, db, log, reg)
		a, b := &Account{Name: "a", Balance: 100}, &Account{Name: "b"}
		must(t, s.AddAll(a, b))
		must(t, s.Commit(ctx))

		a.Balance -= 500
		b.Balance += 500
		must(t, s.Flush(ctx))
		stray := &Account{Name: "stray"}
		must(t, s.Add(stray)) // added in the transaction, not flushed
		must(t, s.Rollback(ctx))
		if a.Balance != 100 || b.Balance != 0 {
			t.Fatalf("after Rollback a=%d b=%d, want the committed 100 and 0", a.Balance, b.Balance)
		}
		if s.Contains(stray) {
			t.Fatal("an object added in the rolled-back transaction is still in the session")
		}

		must(t, s.Add(&Account{Name: "unrelated", Balance: 1}))
		must(t, s.Commit(ctx))
		got := queryStrings(t, db, "SELECT "+q(db, "name")+" FROM accounts ORDER BY id")
		if len(got) != 3 || got[2] != "unrelated" {
			t.Fatalf("accounts %v, want a, b, unrelated", got)
		}
		if n := queryInt(t, db, "SELECT balance FROM accounts WHERE id = ?", a.ID); n != 100 {
			t.Fatalf("a's balance is %d in the database, want 100", n)
		}
		if n := queryInt(t, db, "SELECT balance FROM accounts WHERE id = ?", b.ID); n != 0 {
			t.Fatalf("b's balance is %d in the database, want 0", n)
		}

		// A deletion, and a change not flushed: discarded too, no
		// transaction open.
		must(t, s.Delete(b))
		a.Name = "renamed"
		must(t, s.Rollback(ctx))
		if a.Name != "a" {
			t.Fatalf("a's unflushed change survived Rollback: %q", a.Name)
		}
		log.Reset()
		must(t, s.Commit(ctx))
		if n := len(log.Statements()); n != 0 || countRows(t, db, "accounts") != 3 {
			t.Fatalf("the commit after Rollback sent %v", log.Statements())
		}
	})
}

// Relationships go back too: a collection appended to and a reference
// changed, flushed and rolled back, hold what the database holds, and the
// next commit writes no link row or foreign key.
func TestRollbackRestoresRelationships(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		ada, bob := &blog.User{Username: "ada"}, &blog.User{Username: "bob"}
		golang := &blog.Tag{Name: "go"}
		art := &blog.Article{Title: "t", Author: ada, Tags: []*blog.Tag{golang}}
		must(t, s.AddAll(bob, art))
		must(t, s.Commit(ctx))

		art.Tags = append(art.Tags, &blog.Tag{Name: "new"})
		art.Author = bob
		body := "changed"
		art.Content = &body
		must(t, s.Flush(ctx))
		must(t, s.Rollback(ctx))
		if art.Content != nil || len(art.Tags) != 1 || art.Tags[0] != golang || art.Author != ada || len(ada.Articles) != 1 || len(bob.Articles) != 0 {
			t.Fatalf("after Rollback: %d tags, author %v, ada %d articles, bob %d; want as committed", len(art.Tags), art.Author.Username, len(ada.Articles), len(bob.Articles))
		}
		log.Reset()
		must(t, s.Commit(ctx))
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("the commit after Rollback sent %v", log.Statements())
		}
		if countRows(t, db, "tags") != 1 || countRows(t, db, "article_tag") != 1 {
			t.Fatal("rolled-back rows are in the database")
		}
	})
}
