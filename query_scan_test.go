package relm_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// Issue 31, item 1: projections and aggregates scanned into a struct.

type perCategory struct {
	Category string
	N        int
	MinTitle string
}

type perTag struct {
	Tag      string
	Articles int64
}

type userTotals struct {
	Username string
	N        int
	SumID    sql.NullInt64
	AvgID    float64
	Extra    string // no column: left zero
}

var scanGolden = map[string]map[string]string{
	"per category": {
		"sqlite":   `SELECT t1."name" AS "Category", COUNT(t0."id") AS "N", MIN(t0."title") AS "MinTitle" FROM "articles" t0 JOIN "categories" t1 ON t1."id" = t0."cate_id" GROUP BY t1."name" HAVING COUNT(t0."id") >= ? ORDER BY "N" DESC, "Category"`,
		"postgres": `SELECT t1."name" AS "Category", COUNT(t0."id") AS "N", MIN(t0."title") AS "MinTitle" FROM "articles" t0 JOIN "categories" t1 ON t1."id" = t0."cate_id" GROUP BY t1."name" HAVING COUNT(t0."id") >= $1 ORDER BY "N" DESC, "Category"`,
		"mysql":    "SELECT t1.`name` AS `Category`, COUNT(t0.`id`) AS `N`, MIN(t0.`title`) AS `MinTitle` FROM `articles` t0 JOIN `categories` t1 ON t1.`id` = t0.`cate_id` GROUP BY t1.`name` HAVING COUNT(t0.`id`) >= ? ORDER BY `N` DESC, `Category`",
	},
}

func TestScanAggregates(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		d := db.Dialect().Name()
		s := b.session(t, db)

		// Articles per category, through a many-to-one Join.
		cats, err := relm.Scan[perCategory](qtCtx, relm.Select[blog.Article](s).Join("Category").
			Columns(relm.Col("Category.Name").As("Category"), relm.Count("ID").As("N"), relm.Min("Title")).
			GroupBy("Category.Name").Having(relm.Count("ID").Ge(1)).OrderBy("N desc", "Category"))
		qtMust(t, err)
		if got, want := fmt.Sprint(cats), "[{db 2 Indexes} {go 2 Channels}]"; got != want {
			t.Errorf("per category: %s, want %s", got, want)
		}
		if st := log.Statements(); len(st) != 1 || st[0] != scanGolden["per category"][d] {
			t.Errorf("SQL %q\nwant %s", st, scanGolden["per category"][d])
		}

		// Articles per tag, through a many-to-many: every link counted.
		tags, err := relm.Scan[perTag](qtCtx, relm.Select[blog.Article](s).Join("Tags").
			Columns(relm.Col("Tags.Name").As("Tag"), relm.Count("ID").As("Articles")).
			GroupBy("Tags.Name").OrderBy("Articles desc", "Tag"))
		qtMust(t, err)
		if got, want := fmt.Sprint(tags), "[{go 2} {orm 2} {sql 2}]"; got != want {
			t.Errorf("per tag: %s, want %s", got, want)
		}

		// Top authors, Sum and Avg, Where and Limit.
		log.Reset()
		tops, err := relm.Scan[userTotals](qtCtx, relm.Select[blog.Article](s).Join("Author").
			Where(relm.NotNull("CateID")).
			Columns(relm.Col("Author.Username").As("Username"), relm.CountAll().As("N"), relm.Sum("ID"), relm.Avg("ID")).
			GroupBy("Author.Username").OrderBy("Username").Limit(1))
		qtMust(t, err)
		ada1, ada2 := b.ids["article:Generics in Go"], b.ids["article:Select-in loading"]
		if len(tops) != 1 || tops[0].Username != "ada" || tops[0].N != 2 || !tops[0].SumID.Valid ||
			tops[0].SumID.Int64 != int64(ada1+ada2) || tops[0].AvgID != float64(ada1+ada2)/2 {
			t.Errorf("top authors: %+v (ids %d, %d)", tops, ada1, ada2)
		}

		// No group: one row of aggregates over everything.
		all, err := relm.Scan[struct{ Count int }](qtCtx, relm.Select[blog.Article](s).Columns(relm.CountAll()))
		qtMust(t, err)
		if len(all) != 1 || all[0].Count != 5 {
			t.Errorf("CountAll: %+v", all)
		}
		none, err := relm.Scan[perTag](qtCtx, relm.Select[blog.Article](s).Join("Tags").Where(relm.Eq("Tags.Name", "web")).
			Columns(relm.Col("Tags.Name").As("Tag"), relm.Count("ID").As("Articles")).GroupBy("Tags.Name"))
		qtMust(t, err)
		if none == nil || len(none) != 0 {
			t.Errorf("no rows: %#v, want an empty slice", none)
		}
	})
}

func TestScanBadInput(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		art := func() *relm.Query[blog.Article] { return relm.Select[blog.Article](s).Join("Category") }
		check := func(err error, fragments ...string) {
			t.Helper()
			expectBadQuery(t, err, fragments...)
			if n := len(log.Statements()); n != 0 {
				t.Errorf("%d statements sent: %q", n, log.Statements())
			}
			log.Reset()
		}
		_, err := relm.Scan[perCategory](qtCtx, art().Columns(relm.Col("Category.Nam").As("Category")))
		check(err, "Name")
		_, err = relm.Scan[perCategory](qtCtx, art().Columns(relm.Count("Titel").As("N")))
		check(err, "Title")
		_, err = relm.Scan[perCategory](qtCtx, art().Columns(relm.Col("Category.Name").As("Categroy")))
		check(err, "did you mean Category")
		_, err = relm.Scan[perCategory](qtCtx, art().Columns(relm.Col("Category.Name"), relm.Count("ID").As("N")))
		check(err, `"CategoryName"`, "perCategory")
		_, err = relm.Scan[perCategory](qtCtx, art().Columns(relm.Col("Category.Name").As("Category"), relm.Count("ID").As("N")))
		check(err, "not grouped", `GroupBy("Category.Name")`)
		_, err = relm.Scan[perCategory](qtCtx, art().Columns(relm.Sum("Title").As("N")))
		check(err, "not a number")
		_, err = relm.Scan[perCategory](qtCtx, art().Where(relm.Count("ID").Gt(1)).Columns(relm.Count("ID").As("N")))
		check(err, "in Where", "Having")
		_, err = relm.Scan[perCategory](qtCtx, art().Columns(relm.Count("ID").As("N; DROP TABLE x")))
		check(err, "Go identifier")
		_, err = relm.Scan[perCategory](qtCtx, art().Columns(relm.Count("ID").As("N")).OrderBy("Nn desc"))
		check(err, "OrderBy")
		_, err = relm.Scan[perCategory](qtCtx, art())
		check(err, "no Columns")
		_, err = relm.Scan[perCategory](qtCtx, relm.Select[blog.Article](s).Columns(relm.Col("Category.Name").As("Category")))
		check(err, "Join")
		_, err = art().Columns(relm.Count("ID")).All(qtCtx)
		check(err, "relm.Scan")
		_, err = relm.Scan[int](qtCtx, art().Columns(relm.Count("ID")))
		check(err, "struct")
		_, err = relm.Scan[perCategory](qtCtx, art().Columns(relm.Count("ID").As("N")).Having(relm.Count("ID").Gt("two")))
		check(err, "not a number")
	})
}
