package relm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// An UPDATE of a row deleted by someone else fails with ErrStaleObject on
// every dialect (MySQL included: the dialect counts matched rows), and the
// error names the object by type and key without printing its fields.
func TestSessionStaleUpdate(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		ctx := context.Background()
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Password: "s3cret-pw", Email: "a@x"}
		must(t, s.Add(u))
		must(t, s.Commit(ctx))

		// An UPDATE that matches the row but changes nothing in it (someone
		// wrote the same value first) is not staleness.
		if _, err := db.SQL().ExecContext(ctx, rebind(db, "UPDATE "+q(db, "users")+" SET email = ? WHERE id = ?"), "c@x", u.ID); err != nil {
			t.Fatal(err)
		}
		u.Email = "c@x"
		must(t, s.Commit(ctx))

		if _, err := db.SQL().ExecContext(ctx, rebind(db, "DELETE FROM "+q(db, "users")+" WHERE id = ?"), u.ID); err != nil {
			t.Fatal(err)
		}
		u.Email = "b@x"
		err := s.Commit(ctx)
		if !errors.Is(err, relm.ErrStaleObject) {
			t.Fatalf("commit after the row was deleted: got %v, want ErrStaleObject", err)
		}
		var se *relm.StatementError
		if !errors.As(err, &se) || se.Op != "update" || se.Key == nil {
			t.Fatalf("want a *StatementError for the update naming the key, got %#v", err)
		}
		if msg := err.Error(); strings.Contains(msg, "s3cret-pw") || !strings.Contains(msg, "blog.User with key") {
			t.Fatalf("error text must name the object by type and key, never print its fields: %s", msg)
		}
	})
}
