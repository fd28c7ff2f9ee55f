package relm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// What Add of an object with its key set means, on every dialect: a new
// object, inserted with that key, as SQLAlchemy's Session.add does. An
// existing row is never overwritten: the INSERT fails with ErrUnique and the
// row keeps every column (an UPDATE of every column with the new object's
// zero values used to destroy them).
func TestAddWithKeySetInserts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		must(t, s.Add(&blog.User{Username: "ada", Password: "secret", Email: "ada@example.com"}))
		must(t, s.Commit(ctx))

		// A key that is free: the row is inserted with it.
		c := &blog.Category{ID: 7, Name: "go"}
		must(t, s.Add(c))
		log.Reset()
		must(t, s.Commit(ctx))
		if got := log.Count("INSERT"); got != 1 || log.Count("UPDATE") != 0 {
			t.Fatalf("Add of a new object with its key set sent %v, want one INSERT", log.Statements())
		}
		if got := queryStrings(t, db, "SELECT name FROM categories WHERE id = 7"); len(got) != 1 || got[0] != "go" {
			t.Fatalf("category 7 is %v, want [go]", got)
		}

		// A key that is taken: the INSERT fails, nothing changes.
		other := relm.NewSession(db, s.Registry())
		defer other.Close()
		imposter := &blog.User{ID: 1, Username: "Robert"}
		must(t, other.Add(imposter))
		err := other.Commit(ctx)
		if !errors.Is(err, relm.ErrUnique) {
			t.Fatalf("Add of an object whose key is an existing row's: Commit returned %v, want ErrUnique", err)
		}
		if got := queryStrings(t, db, "SELECT username || '|' || password || '|' || email FROM users WHERE id = 1"); db.Dialect().Name() != "mysql" && (len(got) != 1 || got[0] != "ada|secret|ada@example.com") {
			t.Fatalf("user 1 is %v after a refused Add, want it unchanged", got)
		}
		if got := queryStrings(t, db, "SELECT CONCAT(username, '|', password, '|', email) FROM users WHERE id = 1"); db.Dialect().Name() == "mysql" && (len(got) != 1 || got[0] != "ada|secret|ada@example.com") {
			t.Fatalf("user 1 is %v after a refused Add, want it unchanged", got)
		}
		if imposter.ID != 1 || other.Contains(imposter) != true {
			t.Fatalf("the refused object changed: ID %d, in the session %v", imposter.ID, other.Contains(imposter))
		}
	})
}

// An UPDATE that matches no row says which row it looked for: here an
// article reached from a new user's collection with its key set is taken as
// an existing row, and taking it into the user's articles is an UPDATE of
// article 99, which is not there. The commit fails whole.
func TestUpdateOfMissingRowNamesTheKey(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Articles: []*blog.Article{{ID: 99, Title: "lost"}}}
		must(t, s.Add(u))
		err := s.Commit(ctx)
		if !errors.Is(err, relm.ErrStaleObject) {
			t.Fatalf("err = %v, want ErrStaleObject", err)
		}
		if !strings.Contains(err.Error(), "no row with key 99 in articles") {
			t.Fatalf("err = %v, want it to name the key and the table", err)
		}
		if n := countRows(t, db, "users"); n != 0 {
			t.Fatalf("%d users after the failed commit, want 0", n)
		}
		if u.ID != 0 {
			t.Fatalf("the user kept the key %d of the rolled-back insert", u.ID)
		}
	})
}

// Save is the explicit way to write a row from an object held outside any
// session: every column, by an UPDATE; ErrStaleObject naming the key when
// the row is not there; an INSERT when the key is not set.
func TestSaveWritesEveryColumn(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		must(t, s.Add(&blog.User{Username: "ada", Password: "secret", Email: "ada@example.com"}))
		must(t, s.Commit(ctx))

		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		must(t, s2.Save(&blog.User{ID: 1, Username: "ada", Password: "new", Email: "ada@example.org"}))
		log.Reset()
		must(t, s2.Commit(ctx))
		if st := log.Statements(); len(st) != 1 || !strings.HasPrefix(st[0], "UPDATE") || strings.Count(st[0], "=") != 4 {
			t.Fatalf("Save sent %v, want one UPDATE of the three columns by key", st)
		}
		if got := queryStrings(t, db, "SELECT password FROM users WHERE id = 1"); len(got) != 1 || got[0] != "new" {
			t.Fatalf("password is %v after Save, want [new]", got)
		}

		err := s2.Save(&blog.User{ID: 5, Username: "ghost"})
		must(t, err)
		err = s2.Commit(ctx)
		if !errors.Is(err, relm.ErrStaleObject) || !strings.Contains(err.Error(), "no row with key 5 in users") {
			t.Fatalf("Save of a missing row: %v, want ErrStaleObject naming key 5", err)
		}
		s2.ExpungeAll()
		fresh := &blog.User{Username: "bob"}
		must(t, s2.Save(fresh))
		must(t, s2.Commit(ctx))
		if fresh.ID == 0 || countRows(t, db, "users") != 2 {
			t.Fatalf("Save of an object without a key: ID %d, %d users; want it inserted", fresh.ID, countRows(t, db, "users"))
		}
	})
}
