package relm_test

import (
	"errors"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

type SingleAcct struct {
	ID    int    `relm:"pk"`
	Email string `relm:"size:64;unique"`
}

func (SingleAcct) TableName() string { return "single_accts" }

// A commit whose changes are one statement sends it without BEGIN and
// COMMIT; when that statement fails nothing is written, the object is as
// before (pending, no key) and the session commits again once it is fixed.
// Changes spanning tables keep their transaction.
func TestUOWSingleStatementCommit(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &SingleAcct{}))
		a := &SingleAcct{Email: "a@x"}
		must(t, s.Add(a))
		must(t, s.Commit(ctx))
		if got := kinds(db, log.Statements()); !equalStrings(got, []string{"INSERT single_accts"}) {
			t.Fatalf("one insert: statements %v", got)
		}

		log.Reset()
		a.Email = "b@x"
		must(t, s.Commit(ctx))
		if got := kinds(db, log.Statements()); !equalStrings(got, []string{"UPDATE single_accts"}) {
			t.Fatalf("one update: statements %v", got)
		}

		log.Reset()
		dup := &SingleAcct{Email: "b@x"}
		must(t, s.Add(dup))
		err := s.Commit(ctx)
		if !errors.Is(err, relm.ErrUnique) {
			t.Fatalf("a duplicate email: got %v, want a unique violation", err)
		}
		if dup.ID != 0 || countRows(t, db, "single_accts") != 1 {
			t.Fatalf("after the failed commit: key %d, %d rows; want 0 and 1", dup.ID, countRows(t, db, "single_accts"))
		}
		dup.Email = "c@x"
		must(t, s.Commit(ctx))
		if dup.ID == 0 || countRows(t, db, "single_accts") != 2 {
			t.Fatalf("after fixing: key %d, %d rows", dup.ID, countRows(t, db, "single_accts"))
		}
	})
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		must(t, s.Add(&blog.Article{Title: "t", Author: &blog.User{Username: "u", Password: "p", Email: "e"}}))
		must(t, s.Commit(ctx))
		want := []string{"BEGIN", "INSERT users", "INSERT articles", "COMMIT"}
		if got := kinds(db, log.Statements()); !equalStrings(got, want) {
			t.Fatalf("two tables: statements %v, want %v", got, want)
		}
	})
	// What a flush records on the states it syncs and fills (a foreign
	// key to copy, objects to add to a collection) is its own: the next
	// commit of the same objects sees none of it.
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "u", Password: "p", Email: "e"}
		a := &blog.Article{Title: "t", Author: u}
		must(t, s.Add(a))
		must(t, s.Commit(ctx))
		log.Reset()
		a.Title = "t2"
		must(t, s.Commit(ctx))
		if got := kinds(db, log.Statements()); !equalStrings(got, []string{"UPDATE articles"}) {
			t.Fatalf("an update after the synced insert: statements %v", got)
		}
		b := &blog.Article{Title: "b", Author: u}
		must(t, s.Add(b))
		must(t, s.Commit(ctx))
		if len(u.Articles) != 2 || u.Articles[0] != a || u.Articles[1] != b {
			t.Fatalf("u.Articles after the second flush: %v, want [a b] once each", u.Articles)
		}
		log.Reset()
		u.Email = "e2"
		must(t, s.Commit(ctx))
		if got := kinds(db, log.Statements()); !equalStrings(got, []string{"UPDATE users"}) {
			t.Fatalf("an update of the filled parent: statements %v", got)
		}
		if len(u.Articles) != 2 {
			t.Fatalf("u.Articles after a flush that added none: %v", u.Articles)
		}
	})
}

type SingleOwner struct {
	ID    int `relm:"pk"`
	Name  string
	Items []*SingleItem `relm:"backref:Owner"`
}

func (SingleOwner) TableName() string { return "single_owners" }

type SingleItem struct {
	ID      int    `relm:"pk"`
	Code    string `relm:"size:16;unique"`
	OwnerID *int   `relm:"fk:single_owners.id"`
	Owner   *SingleOwner
}

func (SingleItem) TableName() string { return "single_items" }

// TestUOWSingleStatementForeignKey: a one-statement commit whose row takes
// its foreign key from a persistent parent fills the key before the
// statement; when the statement fails the key is taken back with the rest
// (the object is as it was), and after a success the object is persistent
// and tracked (a later change is an UPDATE), though the commit journalled
// nothing after its statement.
func TestUOWSingleStatementForeignKey(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &SingleOwner{}, &SingleItem{}))
		o := &SingleOwner{Name: "o"}
		must(t, s.Add(o))
		must(t, s.Commit(ctx))
		first := &SingleItem{Code: "x", Owner: o}
		must(t, s.Add(first))
		log.Reset()
		must(t, s.Commit(ctx))
		if got := kinds(db, log.Statements()); !equalStrings(got, []string{"INSERT single_items"}) {
			t.Fatalf("one insert: statements %v", got)
		}
		if first.ID == 0 || first.OwnerID == nil || *first.OwnerID != o.ID {
			t.Fatalf("after the insert: key %d, owner key %v", first.ID, first.OwnerID)
		}
		dup := &SingleItem{Code: "x", Owner: o}
		must(t, s.Add(dup))
		if err := s.Commit(ctx); !errors.Is(err, relm.ErrUnique) {
			t.Fatalf("a duplicate code: got %v, want a unique violation", err)
		}
		if dup.ID != 0 || dup.OwnerID != nil {
			t.Fatalf("after the failed commit: key %d, owner key %v; want 0 and nil", dup.ID, dup.OwnerID)
		}
		s.Expunge(dup)
		log.Reset()
		first.Code = "y"
		must(t, s.Commit(ctx))
		if got := kinds(db, log.Statements()); !equalStrings(got, []string{"UPDATE single_items"}) {
			t.Fatalf("a change after the one-statement insert: statements %v", got)
		}
	})
}
