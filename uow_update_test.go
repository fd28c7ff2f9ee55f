package relm_test

import (
	"fmt"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// TestUOWUpdateTextFollowsColumns: relm keeps the text of a mapper's last
// UPDATE for the next one that changes the same columns; commits that
// change one column, another, both, then the first again each send the
// UPDATE of exactly their columns, and the row holds every value written.
func TestUOWUpdateTextFollowsColumns(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Password: "pw", Email: "ada@example.com"}
		must(t, s.Add(u))
		must(t, s.Commit(ctx))
		q := func(c string) string { return db.Dialect().Quote(c) }
		steps := []struct {
			change func()
			set    string
			n      int // columns set
		}{
			{func() { u.Email = "a1@example.com" }, q("email") + " = " + ph(db, 1), 1},
			{func() { u.Password = "pw2" }, q("password") + " = " + ph(db, 1), 1},
			{func() { u.Password, u.Email = "pw3", "a2@example.com" }, q("password") + " = " + ph(db, 1) + ", " + q("email") + " = " + ph(db, 2), 2},
			{func() { u.Email = "a3@example.com" }, q("email") + " = " + ph(db, 1), 1},
			{func() { u.Email = "a4@example.com" }, q("email") + " = " + ph(db, 1), 1},
		}
		for i, step := range steps {
			log.Reset()
			step.change()
			must(t, s.Commit(ctx))
			want := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", q("users"), step.set, q("id"), ph(db, step.n+1))
			if w := writes(log); len(w) != 1 || w[0] != want {
				t.Fatalf("step %d: %q, want %q", i, w, want)
			}
			got := queryStrings(t, db, "SELECT password FROM users WHERE id = ?", u.ID)
			got = append(got, queryStrings(t, db, "SELECT email FROM users WHERE id = ?", u.ID)...)
			if len(got) != 2 || got[0] != u.Password || got[1] != u.Email {
				t.Fatalf("step %d: the row holds %q, the object %q %q", i, got, u.Password, u.Email)
			}
		}
	})
}
