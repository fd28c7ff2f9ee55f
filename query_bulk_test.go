package relm_test

import (
	"errors"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// Issue 31, item 4: bulk UPDATE and DELETE by condition.

var bulkGolden = map[string]map[string]string{
	"update": {
		"sqlite":   `UPDATE "articles" AS t0 SET "content" = ? WHERE t0."user_id" = ?`,
		"postgres": `UPDATE "articles" AS t0 SET "content" = $1 WHERE t0."user_id" = $2`,
		"mysql":    "UPDATE `articles` AS t0 SET `content` = ? WHERE t0.`user_id` = ?",
	},
	"update any": {
		"sqlite":   `UPDATE "articles" AS t0 SET "cate_id" = ?, "content" = ? WHERE EXISTS (SELECT 1 FROM "article_tag" t2 JOIN "tags" t1 ON t1."id" = t2."tag_id" WHERE t2."article_id" = t0."id" AND t1."name" = ?)`,
		"postgres": `UPDATE "articles" AS t0 SET "cate_id" = $1, "content" = $2 WHERE EXISTS (SELECT 1 FROM "article_tag" t2 JOIN "tags" t1 ON t1."id" = t2."tag_id" WHERE t2."article_id" = t0."id" AND t1."name" = $3)`,
		"mysql":    "UPDATE `articles` AS t0 SET `cate_id` = ?, `content` = ? WHERE EXISTS (SELECT 1 FROM `article_tag` t2 JOIN `tags` t1 ON t1.`id` = t2.`tag_id` WHERE t2.`article_id` = t0.`id` AND t1.`name` = ?)",
	},
	"delete": {
		"sqlite":   `DELETE FROM "articles" AS t0 WHERE t0."cate_id" IS NULL`,
		"postgres": `DELETE FROM "articles" AS t0 WHERE t0."cate_id" IS NULL`,
		"mysql":    "DELETE t0 FROM `articles` AS t0 WHERE t0.`cate_id` IS NULL",
	},
}

func bulkLoadAll(t *testing.T, s *relm.Session) map[string]*blog.Article {
	t.Helper()
	all, err := relm.Select[blog.Article](s).All(qtCtx)
	qtMust(t, err)
	out := map[string]*blog.Article{}
	for _, a := range all {
		out[a.Title] = a
	}
	return out
}

func content(a *blog.Article) string {
	if a.Content == nil {
		return "<nil>"
	}
	return *a.Content
}

// A bulk UPDATE with a simple condition is one statement; the objects the
// session holds are evaluated in memory and brought in step, so the next
// Commit writes nothing.
func TestBulkUpdateEvaluates(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		d := db.Dialect().Name()
		s := b.session(t, db)
		arts := bulkLoadAll(t, s)
		log.Reset()
		n, err := relm.Update[blog.Article](s).Where(relm.Eq("UserID", b.ids["user:bob"])).Set("Content", "reviewed").Exec(qtCtx)
		qtMust(t, err)
		if n != 2 {
			t.Errorf("rows affected %d, want 2", n)
		}
		if st := log.Statements(); len(st) != 1 || st[0] != bulkGolden["update"][d] {
			t.Errorf("statements %q, want only\n%s", st, bulkGolden["update"][d])
		}
		for title, want := range map[string]string{"Indexes": "reviewed", "Channels": "reviewed", "Generics in Go": "type parameters", "Untitled draft": "<nil>"} {
			if got := content(arts[title]); got != want {
				t.Errorf("held %q: Content %q, want %q", title, got, want)
			}
		}
		log.Reset()
		qtMust(t, s.Commit(qtCtx))
		if st := log.Statements(); len(st) != 0 {
			t.Errorf("Commit after the bulk update wrote %q; the objects should be in step", st)
		}
		fresh := bulkLoadAll(t, b.session(t, db))
		if content(fresh["Indexes"]) != "reviewed" || content(fresh["Select-in loading"]) != "<nil>" {
			t.Errorf("database: Indexes %q, Select-in loading %q", content(fresh["Indexes"]), content(fresh["Select-in loading"]))
		}
	})
}

// A condition the session cannot evaluate (Any) is one UPDATE and one
// SELECT of the held objects' changed columns.
func TestBulkUpdateFetches(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		d := db.Dialect().Name()
		s := b.session(t, db)
		arts := bulkLoadAll(t, s)
		arts["Generics in Go"].Title = "Generics, edited" // not flushed: kept
		misc := b.ids["category:misc"]
		log.Reset()
		n, err := relm.Update[blog.Article](s).Where(relm.Any("Tags", relm.Eq("Name", "sql"))).
			Set("CateID", misc).Set("Content", qtPtr("moved")).Exec(qtCtx)
		qtMust(t, err)
		if n != 2 {
			t.Errorf("rows affected %d, want 2", n)
		}
		st := log.Statements()
		if len(st) != 2 || st[0] != bulkGolden["update any"][d] || log.Count("SELECT") != 1 {
			t.Errorf("statements %q, want\n%s\nand one SELECT", st, bulkGolden["update any"][d])
		}
		for _, title := range []string{"Indexes", "Select-in loading"} {
			if a := arts[title]; a.CateID == nil || *a.CateID != misc || content(a) != "moved" {
				t.Errorf("held %q not in step: %v %q", title, a.CateID, content(a))
			}
		}
		if a := arts["Channels"]; a.CateID == nil || *a.CateID != b.ids["category:go"] {
			t.Errorf("Channels changed: %v", a.CateID)
		}
		log.Reset()
		qtMust(t, s.Commit(qtCtx))
		if log.Count("UPDATE") != 1 {
			t.Errorf("Commit: %q, want the one UPDATE of the edited title", log.Statements())
		}
		n2, err := relm.Select[blog.Article](b.session(t, db)).Where(relm.Eq("CateID", misc), relm.Eq("Content", "moved")).Count(qtCtx)
		qtMust(t, err)
		if n2 != 2 {
			t.Errorf("database: %d rows moved, want 2", n2)
		}
	})
}

// A bulk DELETE is one statement; the deleted objects leave the session.
// Relationship cascades do not run: the database's foreign keys decide.
func TestBulkDelete(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		d := db.Dialect().Name()
		s := b.session(t, db)
		arts := bulkLoadAll(t, s)
		log.Reset()
		n, err := relm.Delete[blog.Article](s).Where(relm.IsNull("CateID")).Exec(qtCtx)
		qtMust(t, err)
		if n != 1 {
			t.Errorf("rows affected %d, want 1", n)
		}
		if st := log.Statements(); len(st) != 1 || st[0] != bulkGolden["delete"][d] {
			t.Errorf("statements %q, want only\n%s", st, bulkGolden["delete"][d])
		}
		if s.Contains(arts["Untitled draft"]) || !s.Contains(arts["Indexes"]) {
			t.Errorf("session: draft held %v (want false), Indexes held %v (want true)", s.Contains(arts["Untitled draft"]), s.Contains(arts["Indexes"]))
		}
		// A string condition: evaluated on SQLite and PostgreSQL, read
		// back on MySQL, whose collation ignores case.
		log.Reset()
		n, err = relm.Delete[blog.Tag](s).Where(relm.Eq("Name", "WEB")).Exec(qtCtx)
		qtMust(t, err)
		want, selects := int64(0), 0
		if d == "mysql" {
			want, selects = 1, 0 // no Tag held: nothing to read back
		}
		if n != want || log.Count("SELECT") != selects {
			t.Errorf("Delete Name = WEB: %d rows, %q; want %d rows", n, log.Statements(), want)
		}
		// Rows referred to by others: no cascade, the database refuses.
		cats, err := relm.Select[blog.Category](s).All(qtCtx)
		qtMust(t, err)
		_, err = relm.Delete[blog.Category](s).Where(relm.Eq("Name", "db")).Exec(qtCtx)
		var se *relm.StatementError
		if !errors.As(err, &se) || se.Op != "delete" {
			t.Fatalf("deleting a category its articles refer to: %v, want the database's refusal", err)
		}
		for _, c := range cats {
			if !s.Contains(c) {
				t.Errorf("category %s left the session after a refused delete", c.Name)
			}
		}
		left, err := relm.Select[blog.Article](b.session(t, db)).Count(qtCtx)
		qtMust(t, err)
		if left != 4 {
			t.Errorf("%d articles left, want 4", left)
		}
	})
}

// In the session's transaction, a Rollback undoes the bulk statement and
// puts the held objects back.
func TestBulkUpdateRollback(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		a, err := relm.Select[blog.Article](s).Where(relm.Eq("Title", "Indexes")).ForUpdate().One(qtCtx) // begins the transaction
		qtMust(t, err)
		_, err = relm.Update[blog.Article](s).Where(relm.Eq("ID", a.ID)).Set("Content", "gone soon").Exec(qtCtx)
		qtMust(t, err)
		if content(a) != "gone soon" {
			t.Fatalf("held object not updated: %q", content(a))
		}
		qtMust(t, s.Rollback(qtCtx))
		if content(a) != "<nil>" {
			t.Errorf("after Rollback the object has %q, want <nil>", content(a))
		}
		fresh := bulkLoadAll(t, b.session(t, db))
		if content(fresh["Indexes"]) != "<nil>" {
			t.Errorf("after Rollback the database has %q", content(fresh["Indexes"]))
		}
	})
}

func TestBulkBadInput(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		check := func(err error, fragments ...string) {
			t.Helper()
			expectBadQuery(t, err, fragments...)
			if n := len(log.Statements()); n != 0 {
				t.Errorf("%d statements sent: %q", n, log.Statements())
			}
			log.Reset()
		}
		up := func() *relm.BulkUpdate[blog.Article] { return relm.Update[blog.Article](s) }
		_, err := up().Set("Titel", "x").Exec(qtCtx)
		check(err, `Set("Titel")`, "Title")
		_, err = up().Set("ID", 3).Exec(qtCtx)
		check(err, "primary key")
		_, err = up().Set("Title", 3).Exec(qtCtx)
		check(err, "Title", "int")
		_, err = up().Set("Title", nil).Exec(qtCtx)
		check(err, "cannot hold NULL")
		_, err = up().Where(relm.Eq("Title", "x")).Exec(qtCtx)
		check(err, "no Set")
		_, err = up().Where(relm.Eq("Author.Username", "ada")).Set("Title", "x").Exec(qtCtx)
		check(err, "Author.Username", "Has")
		_, err = relm.Delete[blog.Article](s).Where(relm.Eq("Titel", "x")).Exec(qtCtx)
		check(err, "Title")
		_, err = relm.Delete[blog.Article](s).Where(relm.Lt("UserID", "one")).Exec(qtCtx)
		check(err, "UserID")
	})
}
