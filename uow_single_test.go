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
}
