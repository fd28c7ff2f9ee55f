package relm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// TestSessionCommitFailsAtomically makes the last statement of a commit
// fail — a NOT NULL violation in zz_notes, the last table written — and
// checks that nothing of the commit is in the database, that the error
// names the object, table and statement and wraps the driver's error, that
// the objects are pending again without their generated keys, and that the
// same session commits once the value is fixed.
func TestSessionCommitFailsAtomically(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, err := blog.NewRegistry()
		must(t, err)
		must(t, reg.Register(&Note{}))
		s := newSession(t, db, log, reg)

		g := tutorial(20)
		for _, a := range g.Articles {
			a.Tags = nil // no link rows: zz_notes is the last table written
		}
		note := &Note{Article: g.Articles[0]} // Body nil: NULL in a NOT NULL column
		must(t, s.AddAll(g.Articles))
		must(t, s.Add(note))
		err = s.Commit(ctx)
		if err == nil {
			t.Fatal("a commit with a NULL in a NOT NULL column succeeded")
		}

		// The failing statement was the last of the flush.
		stmts := log.Statements()
		if len(stmts) < 3 || kind(stmts[len(stmts)-1]) != "ROLLBACK" || kind(stmts[len(stmts)-2]) != "INSERT zz_notes" {
			t.Fatalf("statements: %v", kinds(db, stmts))
		}
		// The error: a *StatementError naming the object, its table and
		// the statement, wrapping the driver's error.
		var se *relm.StatementError
		if !errors.As(err, &se) {
			t.Fatalf("error %T %v is not a *relm.StatementError", err, err)
		}
		if se.Op != "insert" || se.Type != "Note" || se.Object != note || !strings.Contains(se.SQL, "zz_notes") {
			t.Errorf("StatementError{Op %q, Type %q, Object %v, SQL %q}", se.Op, se.Type, se.Object, se.SQL)
		}
		for _, want := range []string{"Note", "zz_notes", "insert"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		switch db.Dialect().Name() {
		case "postgres":
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "23502" {
				t.Errorf("driver error: %v, want a *pgconn.PgError 23502", err)
			}
		case "mysql":
			var me *mysql.MySQLError
			if !errors.As(err, &me) || me.Number != 1048 {
				t.Errorf("driver error: %v, want a *mysql.MySQLError 1048", err)
			}
		case "sqlite":
			var le *sqlite.Error
			if !errors.As(err, &le) || !strings.Contains(le.Error(), "NOT NULL") {
				t.Errorf("driver error: %v, want a *sqlite.Error on NOT NULL", err)
			}
		}

		// Nothing of the commit is in the database.
		for _, table := range []string{"users", "categories", "tags", "articles", "article_tag", "zz_notes"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("%s: %d rows after the failed commit", table, n)
			}
		}
		// The objects are pending again, without generated keys.
		for _, a := range g.Articles {
			if a.ID != 0 || a.UserID != nil || a.CateID != nil || !s.Contains(a) {
				t.Fatalf("article after rollback: %+v (in session %v)", a, s.Contains(a))
			}
			if a.Author.ID != 0 || a.Category.ID != 0 {
				t.Fatal("related objects kept their generated keys")
			}
		}
		if note.ID != 0 || note.ArticleID != nil {
			t.Fatalf("note after rollback: %+v", note)
		}
		if _, err := relm.Get[blog.User](ctx, s, 1); !errors.Is(err, relm.ErrNotFound) {
			t.Errorf("the identity map still holds a rolled-back row: %v", err)
		}

		// Fixed, the same session commits.
		note.Body = ptr("fixed")
		must(t, s.Commit(ctx))
		if n := countRows(t, db, "articles"); n != len(g.Articles) {
			t.Errorf("%d articles after the second commit, want %d", n, len(g.Articles))
		}
		if got := nullableInt(t, db, "SELECT article_id FROM zz_notes WHERE id = ?", note.ID); got != g.Articles[0].ID {
			t.Errorf("note article_id %d, want %d", got, g.Articles[0].ID)
		}
		for _, a := range g.Articles {
			if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", a.ID); got != a.Author.ID {
				t.Fatalf("article %d user_id %d, want %d", a.ID, got, a.Author.ID)
			}
		}
		// Nothing was written twice.
		if n := countRows(t, db, "users"); n > 10 {
			t.Errorf("%d users", n)
		}
	})
}

// TestSessionRollbackRestoresUpdates: an update rolled back is discarded
// — in the database, in the objects, and for the next commit, which writes
// nothing of it (SQLAlchemy's rollback; it used to be written again).
func TestSessionRollbackRestoresUpdates(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		b.a1.Title = "changed"
		b.a1.Tags = append(b.a1.Tags, b.tags[2])
		must(t, s.Flush(ctx))
		must(t, s.Rollback(ctx))
		if got := queryStrings(t, db, "SELECT title FROM articles WHERE id = ?", b.a1.ID); got[0] != "first" {
			t.Fatalf("title %q after rollback", got[0])
		}
		if b.a1.Title != "first" || len(b.a1.Tags) != 2 {
			t.Fatalf("the object holds %q and %d tags after rollback, want first and 2", b.a1.Title, len(b.a1.Tags))
		}
		log.Reset()
		must(t, s.Commit(ctx))
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("the commit after rollback sent %v", log.Statements())
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM article_tag WHERE article_id = ?", b.a1.ID); n != 2 {
			t.Fatalf("%d links after commit, want 2", n)
		}
		if slicesContain(b.tags[2].Articles, b.a1) {
			t.Fatal("the tag's Articles keeps the rolled-back link")
		}
	})
}

func slicesContain(as []*blog.Article, a *blog.Article) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
