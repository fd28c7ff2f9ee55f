package relm_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// This file holds what the session tests share: a database per dialect with
// a statement log, the blog schema, SQL helpers that bypass relm (so that
// they never appear in the log) and the tutorial's object graph.

var ctx = context.Background()

// eachDB runs f on every dialect with a fresh database whose statements are
// recorded in log.
func eachDB(t *testing.T, f func(t *testing.T, db *relm.DB, log *testdb.Log)) {
	t.Helper()
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			log := &testdb.Log{}
			db := testdb.Open(t, name, log.Option())
			f(t, db, log)
		})
	}
}

// blogSession creates the blog's tables on db and returns a session on them;
// the log is reset so that it holds only what the test does next.
func blogSession(t *testing.T, db *relm.DB, log *testdb.Log) *relm.Session {
	t.Helper()
	reg, err := blog.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return newSession(t, db, log, reg)
}

// newSession creates reg's tables on db and opens a session, closed when the
// test ends.
func newSession(t *testing.T, db *relm.DB, log *testdb.Log, reg *mapping.Registry) *relm.Session {
	t.Helper()
	if err := reg.CreateAll(ctx, db); err != nil {
		t.Fatalf("create all: %v", err)
	}
	s := relm.NewSession(db, reg)
	t.Cleanup(func() { s.Close() })
	if log != nil {
		log.Reset()
	}
	return s
}

// must fails the test on a non-nil error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// q quotes a table or column name for db's dialect.
func q(db *relm.DB, name string) string { return db.Dialect().Quote(name) }

// rebind turns ? placeholders into the dialect's.
func rebind(db *relm.DB, query string) string {
	if db.Dialect().Name() != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// queryInt runs a query returning one integer, outside relm (unlogged).
func queryInt(t *testing.T, db *relm.DB, query string, args ...any) int {
	t.Helper()
	var n sql.NullInt64
	if err := db.SQL().QueryRowContext(ctx, rebind(db, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return int(n.Int64)
}

// countRows returns the number of rows of table.
func countRows(t *testing.T, db *relm.DB, table string) int {
	t.Helper()
	return queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, table))
}

// queryStrings runs a query returning one text column per row.
func queryStrings(t *testing.T, db *relm.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx, rebind(db, query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s.Valid {
			out = append(out, s.String)
		} else {
			out = append(out, "NULL")
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// nullableInt reads one nullable integer: -1 for NULL.
func nullableInt(t *testing.T, db *relm.DB, query string, args ...any) int {
	t.Helper()
	var n sql.NullInt64
	if err := db.SQL().QueryRowContext(ctx, rebind(db, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if !n.Valid {
		return -1
	}
	return int(n.Int64)
}

// kinds summarises a statement log as the verb and table of each statement
// ("INSERT users", "UPDATE articles", "DELETE article_tag", "BEGIN"), for
// assertions on order.
func kinds(db *relm.DB, stmts []string) []string {
	out := make([]string, 0, len(stmts))
	for _, s := range stmts {
		out = append(out, kind(s))
	}
	return out
}

func kind(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	verb := strings.ToUpper(f[0])
	unq := func(x string) string { return strings.Trim(x, "\"`") }
	switch verb {
	case "INSERT", "DELETE":
		if len(f) > 2 {
			return verb + " " + unq(f[2])
		}
	case "UPDATE":
		if len(f) > 1 {
			return verb + " " + unq(f[1])
		}
	case "SELECT":
		for i, w := range f {
			if strings.EqualFold(w, "FROM") && i+1 < len(f) {
				return verb + " " + unq(f[i+1])
			}
		}
	}
	return verb
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// graph is the tutorial's object graph.
type graph struct {
	Users      []*blog.User
	Categories []*blog.Category
	Tags       []*blog.Tag
	Articles   []*blog.Article
}

var words = strings.Fields(`lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod
tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation
ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit`)

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.IntN(len(words))]
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// tutorialGraph builds the tutorial's data in memory: users, categories and
// tags, and n articles, each with a random author and category and 2–5
// distinct random tags, as the tutorial's loop does. Nothing is saved.
func tutorialGraph(seed uint64, nUsers, nCategories, nTags, nArticles int) *graph {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &graph{}
	for i := range nUsers {
		g.Users = append(g.Users, &blog.User{
			Username: fmt.Sprintf("%s %s %d", words[r.IntN(len(words))], words[r.IntN(len(words))], i),
			Password: words[r.IntN(len(words))],
			Email:    fmt.Sprintf("user%d@example.com", i),
		})
	}
	for i := range nCategories {
		g.Categories = append(g.Categories, &blog.Category{Name: fmt.Sprintf("%s-%d", words[r.IntN(len(words))], i)})
	}
	for i := range nTags {
		g.Tags = append(g.Tags, &blog.Tag{Name: fmt.Sprintf("%s-%d", words[r.IntN(len(words))], i)})
	}
	for range nArticles {
		var content []string
		for range 10 + r.IntN(11) {
			content = append(content, sentence(r, 4+r.IntN(6)))
		}
		a := &blog.Article{
			Title:    sentence(r, 6),
			Content:  ptr(strings.Join(content, " ")),
			Author:   g.Users[r.IntN(len(g.Users))],
			Category: g.Categories[r.IntN(len(g.Categories))],
		}
		for _, i := range r.Perm(len(g.Tags))[:min(2+r.IntN(4), len(g.Tags))] {
			a.Tags = append(a.Tags, g.Tags[i])
		}
		g.Articles = append(g.Articles, a)
	}
	return g
}

// tutorial builds the tutorial's graph with its sizes: 10 users, 5
// categories, 20 tags and n articles.
func tutorial(n int) *graph { return tutorialGraph(1, 10, 5, 20, n) }

// linkCount returns the number of article_tag rows.
func linkCount(t *testing.T, db *relm.DB) int { return countRows(t, db, "article_tag") }

// blogRegistry returns the blog's configured registry.
func blogRegistry(t *testing.T) *mapping.Registry {
	t.Helper()
	reg, err := blog.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}
