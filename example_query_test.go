package relm_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/mapping"
)

// exBlog opens an in-memory SQLite database holding a small blog:
//
//	Generics in Go     ada  go   go, orm
//	Select-in loading  ada  db   sql, orm
//	Indexes            bob  db   sql
//	Channels           bob  go   go
//
// and cyd, who wrote nothing; ada has a user info.
func exBlog() (*relm.DB, *mapping.Registry) {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	reg, err := blog.NewRegistry()
	exCheck(err)
	exCheck(reg.CreateAll(ctx, db))
	ada := &blog.User{Username: "ada", Email: "ada@example.com"}
	bob := &blog.User{Username: "bob", Email: "bob@example.com"}
	cyd := &blog.User{Username: "cyd", Email: "cyd@example.com"}
	ada.UserInfo = &blog.UserInfo{Name: qtPtr("Ada Lovelace")}
	cGo, cDB := &blog.Category{Name: "go"}, &blog.Category{Name: "db"}
	tGo, tSQL, tORM := &blog.Tag{Name: "go"}, &blog.Tag{Name: "sql"}, &blog.Tag{Name: "orm"}
	s := relm.NewSession(db, reg)
	defer s.Close()
	exCheck(s.AddAll(cyd,
		&blog.Article{Title: "Generics in Go", Author: ada, Category: cGo, Tags: []*blog.Tag{tGo, tORM}},
		&blog.Article{Title: "Select-in loading", Author: ada, Category: cDB, Tags: []*blog.Tag{tSQL, tORM}},
		&blog.Article{Title: "Indexes", Author: bob, Category: cDB, Tags: []*blog.Tag{tSQL}},
		&blog.Article{Title: "Channels", Author: bob, Category: cGo, Tags: []*blog.Tag{tGo}},
	))
	exCheck(s.Commit(ctx))
	return db, reg
}

// exLogged returns db with a logger that prints each statement's SQL (and
// nothing else, so that the output is stable): a second relm.DB over the
// same *sql.DB.
func exLogged(db *relm.DB) *relm.DB {
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "sql" {
				return a
			}
			return slog.Attr{}
		},
	})
	return relm.New(db.SQL(), db.Dialect(), relm.WithLogger(slog.New(h)))
}

func exCheck(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func exTags(tags []*blog.Tag) string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	// Article.Tags has no order_by: the database returns the tags in no
	// particular order.
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// Select-in eager loading: one extra SELECT per relationship, whatever the
// number of articles, with the keys bound as one parameter.
func ExampleQuery_SelectIn() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(exLogged(db), reg)
	defer s.Close()

	articles, err := relm.Select[blog.Article](s).
		SelectIn("Author", "Tags").
		OrderBy("Title").
		All(ctx)
	exCheck(err)
	for _, a := range articles {
		fmt.Printf("%s by %s [%s]\n", a.Title, a.Author.Username, exTags(a.Tags))
	}
	// Output:
	// sql="SELECT t0.\"id\", t0.\"title\", t0.\"content\", t0.\"user_id\", t0.\"cate_id\" FROM \"articles\" t0 ORDER BY t0.\"title\""
	// sql="SELECT t0.\"id\", t0.\"username\", t0.\"password\", t0.\"email\" FROM \"users\" t0 WHERE t0.\"id\" IN (SELECT value FROM json_each(?))"
	// sql="SELECT s.\"article_id\", t0.\"id\", t0.\"name\" FROM \"tags\" t0 JOIN \"article_tag\" s ON t0.\"id\" = s.\"tag_id\" WHERE s.\"article_id\" IN (SELECT value FROM json_each(?))"
	// Channels by bob [go]
	// Generics in Go by ada [go, orm]
	// Indexes by bob [sql]
	// Select-in loading by ada [orm, sql]
}

// Joined eager loading of many-to-one and one-to-one relationships, nested:
// one SELECT with LEFT OUTER JOINs.
func ExampleQuery_Joined() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(exLogged(db), reg)
	defer s.Close()

	articles, err := relm.Select[blog.Article](s).
		Joined("Author.UserInfo").
		Where(relm.Like("Title", "%in%")).
		OrderBy("Title").
		All(ctx)
	exCheck(err)
	for _, a := range articles {
		name := "(no info)"
		if a.Author.UserInfo != nil {
			name = *a.Author.UserInfo.Name
		}
		fmt.Printf("%s by %s, %s\n", a.Title, a.Author.Username, name)
	}
	// Output:
	// sql="SELECT t0.\"id\", t0.\"title\", t0.\"content\", t0.\"user_id\", t0.\"cate_id\", t1.\"id\", t1.\"username\", t1.\"password\", t1.\"email\", t2.\"id\", t2.\"name\", t2.\"qq\", t2.\"phone\", t2.\"link\", t2.\"user_id\" FROM \"articles\" t0 LEFT OUTER JOIN \"users\" t1 ON t1.\"id\" = t0.\"user_id\" LEFT OUTER JOIN \"userinfos\" t2 ON t2.\"user_id\" = t1.\"id\" WHERE t0.\"title\" LIKE ? ORDER BY t0.\"title\""
	// Generics in Go by ada, Ada Lovelace
	// Indexes by bob, (no info)
	// Select-in loading by ada, Ada Lovelace
}

// Load loads relationships of objects already in the session: one SELECT
// per relationship for the whole slice. IsLoaded tells "not loaded" from
// "loaded and empty".
func ExampleLoad() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	users, err := relm.Select[blog.User](s).OrderBy("Username").All(ctx)
	exCheck(err)
	loaded, _ := s.IsLoaded(users[2], "Articles")
	fmt.Println("before:", loaded)

	exCheck(relm.Load(ctx, s, users, "Articles.Tags"))
	for _, u := range users {
		loaded, _ := s.IsLoaded(u, "Articles")
		fmt.Printf("%s: loaded=%v, %d articles\n", u.Username, loaded, len(u.Articles))
		for _, a := range u.Articles {
			fmt.Printf("  %s [%s]\n", a.Title, exTags(a.Tags))
		}
	}
	// Output:
	// before: false
	// ada: loaded=true, 2 articles
	//   Generics in Go [go, orm]
	//   Select-in loading [orm, sql]
	// bob: loaded=true, 2 articles
	//   Indexes [sql]
	//   Channels [go]
	// cyd: loaded=true, 0 articles
}

// Related returns what one relationship of one object holds, loading it
// with one SELECT the first time.
func ExampleRelated() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	orm, err := relm.Select[blog.Tag](s).Where(relm.Eq("Name", "orm")).One(ctx)
	exCheck(err)
	// Tag.Articles is the backref of Article.Tags.
	articles, err := relm.Related[blog.Article](ctx, s, orm, "Articles")
	exCheck(err)
	for _, a := range articles {
		author, err := relm.Related[blog.User](ctx, s, a, "Author")
		exCheck(err)
		fmt.Println(a.Title, "by", author[0].Username)
	}
	// Output:
	// Generics in Go by ada
	// Select-in loading by ada
}

// In a session with RaiseOnUnloaded, reaching a relationship that was not
// loaded is an error instead of a hidden query: the guard against N+1.
// The `lazy:raise` tag does the same for one relationship.
func ExampleRaiseOnUnloaded() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg, relm.RaiseOnUnloaded())
	defer s.Close()

	a, err := relm.Select[blog.Article](s).Where(relm.Eq("Title", "Indexes")).One(ctx)
	exCheck(err)
	_, err = relm.Related[blog.User](ctx, s, a, "Author")
	fmt.Println(errors.Is(err, relm.ErrNotLoaded))
	fmt.Println(err)

	a, err = relm.Select[blog.Article](s).Where(relm.Eq("Title", "Indexes")).SelectIn("Author").One(ctx)
	exCheck(err)
	author, err := relm.Related[blog.User](ctx, s, a, "Author")
	exCheck(err)
	fmt.Println(author[0].Username)
	// Output:
	// true
	// relm: relationship not loaded: Article.Author of Article 3; eager-load it (Select[Article](s).SelectIn("Author")) or call relm.Load(ctx, s, obj, "Author") first
	// bob
}

// Any filters on a collection relationship with an EXISTS subquery.
func ExampleAny() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	// Articles having the tag orm.
	articles, err := relm.Select[blog.Article](s).
		Where(relm.Any("Tags", relm.Eq("Name", "orm"))).
		OrderBy("Title").All(ctx)
	exCheck(err)
	for _, a := range articles {
		fmt.Println(a.Title)
	}
	// Users with an article in category db; Has nests inside Any.
	users, err := relm.Select[blog.User](s).
		Where(relm.Any("Articles", relm.Has("Category", relm.Eq("Name", "db")))).
		OrderBy("Username").All(ctx)
	exCheck(err)
	for _, u := range users {
		fmt.Println(u.Username)
	}
	// Users without any article.
	idle, err := relm.Select[blog.User](s).Where(relm.Not(relm.Any("Articles"))).All(ctx)
	exCheck(err)
	fmt.Println(idle[0].Username)
	// Output:
	// Generics in Go
	// Select-in loading
	// ada
	// bob
	// cyd
}

// Has filters on a many-to-one or one-to-one relationship with an EXISTS
// subquery.
func ExampleHas() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	articles, err := relm.Select[blog.Article](s).
		Where(relm.Has("Author", relm.Has("UserInfo", relm.Eq("Name", "Ada Lovelace")))).
		OrderBy("Title").All(ctx)
	exCheck(err)
	for _, a := range articles {
		fmt.Println(a.Title)
	}
	// Output:
	// Generics in Go
	// Select-in loading
}

// Join joins a relationship so that conditions and ordering can name its
// fields. A join through a collection still returns each object once.
func ExampleQuery_Join() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	articles, err := relm.Select[blog.Article](s).
		Join("Author").
		Join("Category").
		Where(relm.Eq("Category.Name", "db")).
		OrderBy("Author.Username desc", "Title").
		All(ctx)
	exCheck(err)
	for _, a := range articles {
		fmt.Println(a.Title)
	}
	users, err := relm.Select[blog.User](s).
		Join("Articles.Tags").
		Where(relm.In("Articles.Tags.Name", "go", "sql")).
		OrderBy("Username").
		All(ctx)
	exCheck(err)
	for _, u := range users {
		fmt.Println(u.Username)
	}
	// Output:
	// Indexes
	// Select-in loading
	// ada
	// bob
}

// Raw maps the rows of hand-written SQL onto a mapped struct by column
// name. Rows with every column go through the identity map; rows with some
// columns are returned untracked.
func ExampleRaw() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	users, err := relm.Raw[blog.User](ctx, s, `
		SELECT u.id, u.username, u.password, u.email
		FROM users u JOIN articles a ON a.user_id = u.id
		GROUP BY u.id, u.username, u.password, u.email
		HAVING COUNT(*) >= ?
		ORDER BY u.username`, 2)
	exCheck(err)
	for _, u := range users {
		fmt.Println(u.Username, s.Contains(u))
	}
	ada, err := relm.Get[blog.User](ctx, s, users[0].ID)
	exCheck(err)
	fmt.Println(ada == users[0])

	names, err := relm.Raw[blog.User](ctx, s, "SELECT id, username FROM users ORDER BY id")
	exCheck(err)
	fmt.Println(len(names), s.Contains(names[0]))

	_, err = relm.Raw[blog.User](ctx, s, "SELECT id, username AS nick FROM users")
	fmt.Println(err)
	// Output:
	// ada true
	// bob true
	// true
	// 3 false
	// relm: bad query: Raw: result column "nick" maps to no field of User: mapping: User has no mapped field or column "nick"
}

// Iter streams rows one at a time without keeping them in the session.
func ExampleQuery_Iter() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	for a, err := range relm.Select[blog.Article](s).OrderBy("Title").Iter(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.Title)
		if a.Title == "Indexes" {
			break // closes the rows
		}
	}
	fmt.Println("in session:", s.Len())
	// Output:
	// Channels
	// Generics in Go
	// Indexes
	// in session: 0
}

// Count and Exists run a SELECT COUNT(*) and a SELECT … LIMIT 1.
func ExampleQuery_Count() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	n, err := relm.Select[blog.Article](s).Where(relm.Any("Tags", relm.Eq("Name", "sql"))).Count(ctx)
	exCheck(err)
	fmt.Println(n)
	n, err = relm.Select[blog.User](s).Join("Articles").Count(ctx)
	exCheck(err)
	fmt.Println(n)
	ok, err := relm.Select[blog.User](s).Where(relm.Eq("Username", "dan")).Exists(ctx)
	exCheck(err)
	fmt.Println(ok)
	// Output:
	// 2
	// 2
	// false
}

// ForUpdate locks the rows it reads until the session's transaction ends:
// the query begins that transaction, and Commit writes the change and
// releases the lock. PostgreSQL and MySQL/MariaDB get
// `... WHERE t0."title" = $1 LIMIT 2 FOR UPDATE`; SQLite, which locks the
// whole database instead of rows, gets no clause but the same transaction.
func ExampleQuery_ForUpdate() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(exLogged(db), reg)
	defer s.Close()

	a, err := relm.Select[blog.Article](s).Where(relm.Eq("Title", "Indexes")).ForUpdate().One(ctx)
	exCheck(err)
	a.Title = "Indexes, revised"
	exCheck(s.Commit(ctx))

	// SkipLocked and NoWait need row locks: on SQLite they are an error,
	// before any SQL.
	_, err = relm.Select[blog.Article](s).ForUpdate().SkipLocked().All(ctx)
	fmt.Println(errors.Is(err, relm.ErrBadQuery))
	// Output:
	// sql=BEGIN
	// sql="SELECT t0.\"id\", t0.\"title\", t0.\"content\", t0.\"user_id\", t0.\"cate_id\" FROM \"articles\" t0 WHERE t0.\"title\" = ? LIMIT 2"
	// sql="UPDATE \"articles\" SET \"title\" = ? WHERE \"id\" = ?"
	// sql=COMMIT
	// true
}

// Update changes every matching row in one statement and returns the count;
// the objects the session holds are brought in step (here evaluated in
// memory: the condition is a simple comparison), so Commit has nothing to
// write. Delete is the same for DELETE; relationship cascades do not run.
func ExampleUpdate() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	bob, err := relm.Select[blog.User](s).Where(relm.Eq("Username", "bob")).One(ctx)
	exCheck(err)
	indexes, err := relm.Select[blog.Article](s).Where(relm.Eq("Title", "Indexes")).One(ctx)
	exCheck(err)
	n, err := relm.Update[blog.Article](s).Where(relm.Eq("UserID", bob.ID)).Set("Content", "reviewed").Exec(ctx)
	exCheck(err)
	fmt.Println(n, *indexes.Content)

	n, err = relm.Delete[blog.Tag](s).Where(relm.Not(relm.Any("Articles"))).Exec(ctx)
	exCheck(err)
	fmt.Println(n)
	// Output:
	// 2 reviewed
	// 0
}

// Scan runs a projection: chosen columns and aggregates, grouped, each row
// scanned into a struct by field name (the mapping of the struct is
// computed once per type).
func ExampleScan() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	type perTag struct {
		Tag      string
		Articles int
		First    string
	}
	rows, err := relm.Scan[perTag](ctx, relm.Select[blog.Article](s).
		Join("Tags").
		Columns(relm.Col("Tags.Name").As("Tag"), relm.Count("ID").As("Articles"), relm.Min("Title").As("First")).
		GroupBy("Tags.Name").
		Having(relm.Count("ID").Ge(2)).
		OrderBy("Articles desc", "Tag"))
	exCheck(err)
	for _, r := range rows {
		fmt.Println(r.Tag, r.Articles, r.First)
	}
	// Output:
	// go 2 Channels
	// orm 2 Generics in Go
	// sql 2 Indexes
}

// LeftJoin keeps the rows with nothing at the end of the path: articles per
// author, cyd with none (SQLAlchemy's outerjoin); with IsNull on the joined
// key, the authors who wrote nothing.
func ExampleQuery_LeftJoin() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	type perAuthor struct {
		Username string
		Articles int
	}
	rows, err := relm.Scan[perAuthor](ctx, relm.Select[blog.User](s).LeftJoin("Articles").
		Columns(relm.Col("Username"), relm.Count("Articles.ID").As("Articles")).
		GroupBy("Username").OrderBy("Username"))
	exCheck(err)
	for _, r := range rows {
		fmt.Println(r.Username, r.Articles)
	}
	idle, err := relm.Select[blog.User](s).LeftJoin("Articles").Where(relm.IsNull("Articles.ID")).All(ctx)
	exCheck(err)
	fmt.Println("no articles:", idle[0].Username)
	// Output:
	// ada 2
	// bob 2
	// cyd 0
	// no articles: cyd
}

// Expr writes a condition the builder cannot spell: SQL text with ? for
// each argument, F naming a field (resolved to its quoted column, here
// through a Join), every other argument bound as a parameter.
func ExampleExpr() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	arts, err := relm.Select[blog.Article](s).Join("Author").
		Where(relm.Expr("upper(?) = ?", relm.F("Author.Username"), "BOB")).OrderBy("Title").All(ctx)
	exCheck(err)
	for _, a := range arts {
		fmt.Println(a.Title)
	}
	type lengths struct {
		Title string
		Len   int
	}
	rows, err := relm.Scan[lengths](ctx, relm.Select[blog.Article](s).
		Columns(relm.Col("Title"), relm.Expr("length(?)", relm.F("Title")).As("Len")).OrderBy("Len desc").Limit(1))
	exCheck(err)
	fmt.Println(rows[0].Title, rows[0].Len)
	// Output:
	// Channels
	// Indexes
	// Select-in loading 17
}

// In takes another typed query, projecting one column, as its list: a
// subquery written into the statement, its arguments bound with the rest.
func ExampleIn() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	writers := relm.Select[blog.Article](s).Join("Category").
		Columns(relm.Col("UserID")).Where(relm.Eq("Category.Name", "db"))
	users, err := relm.Select[blog.User](s).Where(relm.In("ID", writers)).OrderBy("Username").All(ctx)
	exCheck(err)
	for _, u := range users {
		fmt.Println(u.Username)
	}
	// Output:
	// ada
	// bob
}

// Exists is true when a subquery has a row; Outer makes it correlated with
// the enclosing query's row.
func ExampleExists() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	silent, err := relm.Select[blog.User](s).
		Where(relm.NotExists(relm.Select[blog.Article](s).Where(relm.Eq("UserID", relm.Outer("ID"))))).All(ctx)
	exCheck(err)
	fmt.Println(silent[0].Username)
	// Output:
	// cyd
}

// After continues an order after the last row of the previous page, by
// the values of its OrderBy fields: a condition the database answers from
// an index, where Offset reads and skips the rows before.
func ExampleQuery_After() {
	ctx := context.Background()
	db, reg := exBlog()
	defer db.Close()
	s := relm.NewSession(db, reg)
	defer s.Close()

	page := func() *relm.Query[blog.Article] {
		return relm.Select[blog.Article](s).OrderBy("Title desc", "ID").Limit(3)
	}
	arts, err := page().All(ctx)
	for err == nil && len(arts) > 0 {
		fmt.Println(titlesOf(arts))
		last := arts[len(arts)-1]
		arts, err = page().After(last.Title, last.ID).All(ctx)
	}
	exCheck(err)
	// Output:
	// [Select-in loading Indexes Generics in Go]
	// [Channels]
}

func titlesOf(arts []*blog.Article) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = a.Title
	}
	return out
}

// exSubscriber has a unique email, the conflict target of ExampleInsert.
type exSubscriber struct {
	ID    int
	Email string `relm:"size:64;unique"`
	Name  string `relm:"size:64"`
}

// Insert with OnConflict is an upsert: ON CONFLICT … DO UPDATE (or DO
// NOTHING) on PostgreSQL and SQLite, ON DUPLICATE KEY UPDATE on MariaDB;
// each object then holds its row, with its key, in the session.
func ExampleInsert() {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	defer db.Close()
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&exSubscriber{}))
	exCheck(reg.CreateAll(ctx, db))
	s := relm.NewSession(db, reg)
	defer s.Close()

	first := &exSubscriber{Email: "ada@example.com", Name: "Ada"}
	exCheck(relm.Insert[exSubscriber](s).OnConflict("Email").DoUpdate("Name").Exec(ctx, first))
	again := &exSubscriber{Email: "ada@example.com", Name: "Ada Lovelace"}
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	exCheck(relm.Insert[exSubscriber](s2).OnConflict("Email").DoUpdate("Name").Exec(ctx, again))
	fmt.Println(again.ID == first.ID, again.Name)
	// Output:
	// true Ada Lovelace
}
