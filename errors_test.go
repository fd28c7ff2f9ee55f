package relm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// ceUser and cePost provoke unique, foreign-key and NOT NULL violations.
type ceUser struct {
	ID    int       `relm:"pk"`
	Email string    `relm:"size:64;unique"`
	Nick  *string   `relm:"size:32;notnull"` // a pointer, so that nil reaches the database
	Posts []*cePost `relm:"back_populates:Author"`
}

func (ceUser) TableName() string { return "ce_users" }

type cePost struct {
	ID     int     `relm:"pk"`
	Title  string  `relm:"size:64"`
	UserID int     `relm:"fk:ce_users.id"`
	Author *ceUser `relm:"back_populates:Posts"`
}

func (cePost) TableName() string { return "ce_posts" }

// constraintNames are the names each database gives the constraints above
// (SQLite names none: see dialect.ConstraintError).
var constraintNames = map[string]map[dialect.ConstraintKind]string{
	"sqlite":   {dialect.Unique: "ce_users.email", dialect.NotNull: "ce_users.nick", dialect.ForeignKey: ""},
	"postgres": {dialect.Unique: "ce_users_email_key", dialect.NotNull: "", dialect.ForeignKey: "ce_posts_user_id_fkey"},
	"mysql":    {dialect.Unique: "email", dialect.NotNull: "", dialect.ForeignKey: "ce_posts_ibfk_1"},
}

func TestConstraintErrors(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := mapping.NewRegistry()
		relMust(t, reg.Register(&ceUser{}, &cePost{}))
		relMust(t, reg.CreateAll(ctx, db))
		name := db.Dialect().Name()
		s := relm.NewSession(db, reg)
		defer s.Close()
		ada := &ceUser{Email: "ada@example.com", Nick: relPtr("ada")}
		relMust(t, s.Add(ada))
		relMust(t, s.Commit(ctx))

		// check asserts that err from a commit is a *ConstraintError of
		// kind on table, found by errors.As and errors.Is, and that the
		// *StatementError and the driver's error are still reachable.
		check := func(t *testing.T, err error, kind dialect.ConstraintKind, table, column string) {
			t.Helper()
			if err == nil {
				t.Fatalf("commit succeeded; want a %v violation", kind)
			}
			var ce *relm.ConstraintError
			if !errors.As(err, &ce) {
				t.Fatalf("errors.As(*ConstraintError) false for %v", err)
			}
			if ce.Kind != kind || ce.Table != table {
				t.Errorf("got %v on %q, want %v on %q (%v)", ce.Kind, ce.Table, kind, table, err)
			}
			if want := constraintNames[name][kind]; ce.Constraint != want {
				t.Errorf("constraint %q, want %q", ce.Constraint, want)
			}
			if column != "" && ce.Column != "" && ce.Column != column {
				t.Errorf("column %q, want %q", ce.Column, column)
			}
			if kind == dialect.NotNull && ce.Column != column {
				t.Errorf("NOT NULL violation names column %q, want %q", ce.Column, column)
			}
			if !errors.Is(err, kind.Sentinel()) {
				t.Errorf("errors.Is(err, %v) false", kind.Sentinel())
			}
			for _, other := range []error{relm.ErrUnique, relm.ErrForeignKey, relm.ErrNotNull, relm.ErrCheck} {
				if other != kind.Sentinel() && errors.Is(err, other) {
					t.Errorf("errors.Is(err, %v) true for a %v violation", other, kind)
				}
			}
			var se *relm.StatementError
			if !errors.As(err, &se) {
				t.Errorf("the *StatementError is not reachable from %v", err)
			}
			if errors.Unwrap(ce) == nil {
				t.Error("the driver's error is not reachable")
			}
			if !strings.Contains(ce.Error(), table) {
				t.Errorf("message %q does not name table %q", ce.Error(), table)
			}
			t.Logf("%v", ce)
		}

		t.Run("unique", func(t *testing.T) {
			dup := &ceUser{Email: "ada@example.com", Nick: relPtr("other")}
			relMust(t, s.Add(dup))
			check(t, s.Commit(ctx), dialect.Unique, "ce_users", "email")
			// The session is usable: correct the value and commit.
			dup.Email = "other@example.com"
			relMust(t, s.Commit(ctx))
		})
		t.Run("foreign key", func(t *testing.T) {
			orphan := &cePost{Title: "orphan", UserID: 999999}
			relMust(t, s.Add(orphan))
			check(t, s.Commit(ctx), dialect.ForeignKey, "ce_posts", "user_id")
			orphan.UserID = ada.ID
			relMust(t, s.Commit(ctx))
		})
		t.Run("not null", func(t *testing.T) {
			nameless := &ceUser{Email: "nil@example.com"}
			relMust(t, s.Add(nameless))
			check(t, s.Commit(ctx), dialect.NotNull, "ce_users", "nick")
			nameless.Nick = relPtr("nil")
			relMust(t, s.Commit(ctx))
		})
		t.Run("flush", func(t *testing.T) {
			dup := &ceUser{Email: "ada@example.com", Nick: relPtr("flushed")}
			relMust(t, s.Add(dup))
			check(t, s.Flush(ctx), dialect.Unique, "ce_users", "email")
			s.Expunge(dup)
			relMust(t, s.Commit(ctx))
		})
		t.Run("foreign key on delete", func(t *testing.T) {
			// Deleting a user whose posts still refer to it: the session
			// nulls the posts' foreign key first, which the NOT NULL
			// user_id refuses — or the database refuses the delete.
			s2 := relm.NewSession(db, reg)
			defer s2.Close()
			u, err := relm.Get[ceUser](ctx, s2, ada.ID)
			relMust(t, err)
			relMust(t, s2.Delete(u))
			err = s2.Commit(ctx)
			var ce *relm.ConstraintError
			if !errors.As(err, &ce) || ce.Kind != dialect.ForeignKey && ce.Kind != dialect.NotNull {
				t.Fatalf("deleting a referenced row: %v", err)
			}
			t.Logf("%v", ce)
		})
		t.Run("classify raw errors", func(t *testing.T) {
			q := db.Dialect().Quote
			_, err := db.ExecContext(ctx, "CREATE TABLE "+q("ce_checked")+" ("+q("n")+" INTEGER, CONSTRAINT "+q("positive_n")+" CHECK ("+q("n")+" > 0))")
			relMust(t, err)
			_, err = db.ExecContext(ctx, "INSERT INTO "+q("ce_checked")+" VALUES (-1)")
			ce := relm.ClassifyError(err)
			if ce == nil || ce.Kind != dialect.Check || ce.Constraint != "positive_n" || !errors.Is(ce, relm.ErrCheck) {
				t.Fatalf("CHECK violation %v classified as %+v", err, ce)
			}
			if relm.ClassifyError(errors.New("constraint failed")) != nil || relm.ClassifyError(nil) != nil {
				t.Error("ClassifyError classified a plain error")
			}
		})
	})
}
