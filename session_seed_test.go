package relm_test

import (
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// TestSessionTutorialSeed runs the tutorial's whole seeding — 10 users, 5
// categories, 20 tags, 100 articles with 2–5 random distinct tags each,
// AddAll of each list and Add of each article, one Commit — and then checks
// the database from SQL alone.
func TestSessionTutorialSeed(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		g := tutorial(100)
		must(t, s.AddAll(g.Users))
		must(t, s.AddAll(g.Categories))
		must(t, s.AddAll(g.Tags))
		for _, a := range g.Articles {
			must(t, s.Add(a))
		}
		must(t, s.Commit(ctx))

		wantLinks := 0
		for _, a := range g.Articles {
			wantLinks += len(a.Tags)
		}
		for table, want := range map[string]int{"users": 10, "categories": 5, "tags": 20, "articles": 100, "article_tag": wantLinks, "userinfos": 0} {
			if got := countRows(t, db, table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
		// Every article has 2–5 distinct tags, an author and a category.
		if n := queryInt(t, db, `SELECT COUNT(*) FROM articles a WHERE
			(SELECT COUNT(DISTINCT tag_id) FROM article_tag l WHERE l.article_id = a.id) NOT BETWEEN 2 AND 5
			OR (SELECT COUNT(*) FROM article_tag l WHERE l.article_id = a.id) <> (SELECT COUNT(DISTINCT tag_id) FROM article_tag l WHERE l.article_id = a.id)
			OR a.user_id IS NULL OR a.cate_id IS NULL`); n != 0 {
			t.Errorf("%d articles without 2–5 distinct tags, an author and a category", n)
		}
		// No orphaned foreign key.
		for _, check := range []string{
			`SELECT COUNT(*) FROM articles a LEFT JOIN users u ON u.id = a.user_id WHERE u.id IS NULL`,
			`SELECT COUNT(*) FROM articles a LEFT JOIN categories c ON c.id = a.cate_id WHERE c.id IS NULL`,
			`SELECT COUNT(*) FROM article_tag l LEFT JOIN articles a ON a.id = l.article_id WHERE a.id IS NULL`,
			`SELECT COUNT(*) FROM article_tag l LEFT JOIN tags t ON t.id = l.tag_id WHERE t.id IS NULL`,
			`SELECT COUNT(*) FROM article_tag WHERE article_id IS NULL OR tag_id IS NULL`,
		} {
			if n := queryInt(t, db, check); n != 0 {
				t.Errorf("%s: %d", check, n)
			}
		}
		// No duplicate link row.
		if n := queryInt(t, db, `SELECT COUNT(*) FROM (SELECT article_id, tag_id FROM article_tag GROUP BY article_id, tag_id HAVING COUNT(*) > 1) d`); n != 0 {
			t.Errorf("%d duplicate link rows", n)
		}
		// The rows say what the objects say: each article's author, category
		// and tags, by the keys read back.
		for _, a := range g.Articles {
			if a.ID == 0 || a.UserID == nil || *a.UserID != a.Author.ID || a.CateID == nil || *a.CateID != a.Category.ID {
				t.Fatalf("article %+v: keys not filled from its author and category", a)
			}
			if got := queryInt(t, db, "SELECT user_id FROM articles WHERE id = ?", a.ID); got != a.Author.ID {
				t.Fatalf("article %d: user_id %d, want %d", a.ID, got, a.Author.ID)
			}
			if got := queryInt(t, db, "SELECT COUNT(*) FROM article_tag WHERE article_id = ?", a.ID); got != len(a.Tags) {
				t.Fatalf("article %d: %d link rows, want %d", a.ID, got, len(a.Tags))
			}
		}
		// One commit: BEGIN, one INSERT per table, parents first (the
		// tables without dependencies by name), COMMIT.
		want := tutorialCommit(db)
		if got := kinds(db, log.Statements()); !equalStrings(got, want) {
			t.Errorf("statements:\n%v\nwant\n%v", got, want)
		}
	})
}

// tutorialCommit is the statements of the tutorial's first commit in a
// registry: BEGIN, one INSERT per table, parents first, COMMIT; on
// PostgreSQL the articles go in arrays (100 rows of four columns), after
// the one query of their table's column types (dialect.BulkTypeChecker).
func tutorialCommit(db *relm.DB) []string {
	if db.Dialect().Name() == "postgres" {
		return []string{"BEGIN", "INSERT categories", "INSERT tags", "INSERT users", "SELECT pg_catalog.pg_attribute", "INSERT articles", "INSERT article_tag", "COMMIT"}
	}
	return []string{"BEGIN", "INSERT categories", "INSERT tags", "INSERT users", "INSERT articles", "INSERT article_tag", "COMMIT"}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
