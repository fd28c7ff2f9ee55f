package relm_test

import (
	"fmt"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// leftGolden holds the SQL of each LeftJoin case per dialect.
var leftGolden = map[string]map[string]string{
	"per category": {
		"sqlite":   `SELECT t0."name" AS "Category", COUNT(t1."id") AS "N" FROM "categories" t0 LEFT OUTER JOIN "articles" t1 ON t1."cate_id" = t0."id" GROUP BY t0."name" ORDER BY "Category"`,
		"postgres": `SELECT t0."name" AS "Category", COUNT(t1."id") AS "N" FROM "categories" t0 LEFT OUTER JOIN "articles" t1 ON t1."cate_id" = t0."id" GROUP BY t0."name" ORDER BY "Category"`,
		"mysql":    "SELECT t0.`name` AS `Category`, COUNT(t1.`id`) AS `N` FROM `categories` t0 LEFT OUTER JOIN `articles` t1 ON t1.`cate_id` = t0.`id` GROUP BY t0.`name` ORDER BY `Category`",
	},
	"without articles": {
		"sqlite":   `SELECT t0."id", t0."username", t0."password", t0."email" FROM "users" t0 WHERE t0."id" IN (SELECT t0."id" FROM "users" t0 LEFT OUTER JOIN "articles" t1 ON t1."user_id" = t0."id" WHERE t1."id" IS NULL) ORDER BY t0."username"`,
		"postgres": `SELECT t0."id", t0."username", t0."password", t0."email" FROM "users" t0 WHERE t0."id" IN (SELECT t0."id" FROM "users" t0 LEFT OUTER JOIN "articles" t1 ON t1."user_id" = t0."id" WHERE t1."id" IS NULL) ORDER BY t0."username"`,
		"mysql":    "SELECT t0.`id`, t0.`username`, t0.`password`, t0.`email` FROM `users` t0 WHERE t0.`id` IN (SELECT t0.`id` FROM `users` t0 LEFT OUTER JOIN `articles` t1 ON t1.`user_id` = t0.`id` WHERE t1.`id` IS NULL) ORDER BY t0.`username`",
	},
}

// LeftJoin keeps the rows with no related row: a count per category that
// shows the category without articles, the users who wrote none (IS NULL
// on the joined key, through a collection: a semi-join), the articles
// without a category (a many-to-one). The same path joined by Join too is
// an inner join.
func TestLeftJoin(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		d := db.Dialect().Name()
		s := b.session(t, db)

		type perCat struct {
			Category string
			N        int64
		}
		cats, err := relm.Scan[perCat](qtCtx, relm.Select[blog.Category](s).LeftJoin("Articles").
			Columns(relm.Col("Name").As("Category"), relm.Count("Articles.ID").As("N")).
			GroupBy("Name").OrderBy("Category"))
		qtMust(t, err)
		if got, want := fmt.Sprint(cats), "[{db 2} {go 2} {misc 0}]"; got != want {
			t.Errorf("per category: %s, want %s", got, want)
		}
		if st := log.Statements(); len(st) != 1 || st[0] != leftGolden["per category"][d] {
			t.Errorf("per category SQL %q\nwant %s", st, leftGolden["per category"][d])
		}

		log.Reset()
		idle, err := relm.Select[blog.User](s).LeftJoin("Articles").Where(relm.IsNull("Articles.ID")).OrderBy("Username").All(qtCtx)
		qtMust(t, err)
		if len(idle) != 1 || idle[0].Username != "cyd" {
			t.Errorf("users without articles: %v, want cyd", usernames(idle))
		}
		if st := log.Statements(); len(st) != 1 || st[0] != leftGolden["without articles"][d] {
			t.Errorf("without articles SQL %q\nwant %s", st, leftGolden["without articles"][d])
		}
		n, err := relm.Select[blog.User](s).LeftJoin("Articles").Where(relm.IsNull("Articles.ID")).Count(qtCtx)
		qtMust(t, err)
		if n != 1 {
			t.Errorf("Count of users without articles: %d, want 1", n)
		}

		loose, err := relm.Select[blog.Article](s).LeftJoin("Category").Where(relm.IsNull("Category.Name")).All(qtCtx)
		qtMust(t, err)
		if len(loose) != 1 || loose[0].Title != "Untitled draft" {
			t.Errorf("articles without a category: %d, want the draft", len(loose))
		}
		all, err := relm.Select[blog.Article](s).LeftJoin("Category").OrderBy("Category.Name", "Title").All(qtCtx)
		qtMust(t, err)
		if len(all) != 5 {
			t.Errorf("LeftJoin to a many-to-one dropped rows: %d articles, want 5", len(all))
		}

		// Join and LeftJoin of one path: an inner join, misc left out.
		log.Reset()
		inner, err := relm.Scan[perCat](qtCtx, relm.Select[blog.Category](s).LeftJoin("Articles").Join("Articles").
			Columns(relm.Col("Name").As("Category"), relm.Count("Articles.ID").As("N")).
			GroupBy("Name").OrderBy("Category"))
		qtMust(t, err)
		if got, want := fmt.Sprint(inner), "[{db 2} {go 2}]"; got != want {
			t.Errorf("Join and LeftJoin of one path: %s, want %s (an inner join)", got, want)
		}
	})
}
