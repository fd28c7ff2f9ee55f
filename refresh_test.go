package relm_test

import (
	"errors"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// Refresh reads the row again into the same pointer, discarding changes
// not flushed, and reloads the named relationships.
func TestRefresh(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Email: "ada@example.com"}
		a := &blog.Article{Title: "one", Author: u}
		must(t, s.Add(a))
		must(t, s.Commit(ctx))

		// Another session changes the row and adds an article.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		u2, err := relm.Get[blog.User](ctx, s2, u.ID)
		must(t, err)
		u2.Email = "ada@new.example"
		must(t, s2.Add(&blog.Article{Title: "two", Author: u2}))
		must(t, s2.Commit(ctx))

		u.Username = "unsaved"
		must(t, s.Refresh(ctx, u, "Articles"))
		if u.Email != "ada@new.example" || u.Username != "ada" {
			t.Fatalf("after Refresh %q %q, want ada ada@new.example", u.Username, u.Email)
		}
		if len(u.Articles) != 2 {
			t.Fatalf("after Refresh of Articles: %d articles, want 2", len(u.Articles))
		}
		if u.Articles[0] != a {
			t.Fatal("the article the session held is not the same pointer")
		}
		log.Reset()
		must(t, s.Commit(ctx)) // nothing to write: the snapshot is the row
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("a commit after Refresh sent %v", log.Statements())
		}

		// A row deleted meanwhile.
		must(t, s2.Delete(u2))
		must(t, s2.Commit(ctx))
		if err := s.Refresh(ctx, u); !errors.Is(err, relm.ErrNotFound) {
			t.Fatalf("Refresh of a deleted row: %v, want ErrNotFound", err)
		}
		if err := s.Refresh(ctx, &blog.User{}); err == nil {
			t.Fatal("Refresh of an object not in the session: no error")
		}
		if err := s.Refresh(ctx, a, "Nope"); err == nil {
			t.Fatal("Refresh of an unknown relationship: no error")
		}
	})
}

// Expire makes the next Get or query overwrite the object from the
// database; ExpireOnCommit expires everything after each commit.
func TestExpire(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Email: "a@x"}
		must(t, s.Add(u))
		must(t, s.Commit(ctx))
		other := relm.NewSession(db, s.Registry())
		defer other.Close()
		change := func(email string) {
			t.Helper()
			o, err := relm.Get[blog.User](ctx, other, u.ID)
			must(t, err)
			must(t, other.Refresh(ctx, o))
			o.Email = email
			must(t, other.Commit(ctx))
		}
		change("b@x")

		got, err := relm.Get[blog.User](ctx, s, u.ID)
		must(t, err)
		if got != u || u.Email != "a@x" {
			t.Fatalf("without Expire the identity map answers: %q", u.Email)
		}
		u.Username = "unsaved"
		must(t, s.Expire(u))
		if u.Username != "ada" {
			t.Fatalf("Expire kept the unflushed change %q", u.Username)
		}
		log.Reset()
		got, err = relm.Get[blog.User](ctx, s, u.ID)
		must(t, err)
		if got != u || u.Email != "b@x" || log.Count("SELECT") != 1 {
			t.Fatalf("after Expire, Get: same %v, email %q, %d SELECTs", got == u, u.Email, log.Count("SELECT"))
		}
		change("c@x")
		s.ExpireAll()
		all, err := relm.Select[blog.User](s).All(ctx)
		must(t, err)
		if len(all) != 1 || all[0] != u || u.Email != "c@x" {
			t.Fatalf("after ExpireAll, a query: %q", u.Email)
		}

		// ExpireOnCommit.
		s3 := relm.NewSession(db, s.Registry(), relm.ExpireOnCommit())
		defer s3.Close()
		u3, err := relm.Get[blog.User](ctx, s3, u.ID)
		must(t, err)
		u3.Username = "ada3"
		must(t, s3.Commit(ctx))
		change("d@x")
		again, err := relm.Get[blog.User](ctx, s3, u.ID)
		must(t, err)
		if again != u3 || u3.Email != "d@x" || u3.Username != "ada3" {
			t.Fatalf("ExpireOnCommit: %q %q", u3.Username, u3.Email)
		}
	})
}
