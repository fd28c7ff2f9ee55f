package relm_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// This file holds what the query and loader tests share. Its names start
// with qt so that they never collide with the session tests' helpers.

var qtCtx = context.Background()

// qtEach runs f on every dialect with a fresh database whose statements are
// recorded in log.
func qtEach(t *testing.T, f func(t *testing.T, db *relm.DB, log *testdb.Log)) {
	t.Helper()
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			log := &testdb.Log{}
			db := testdb.Open(t, name, log.Option())
			f(t, db, log)
		})
	}
}

func qtMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func qtPtr[T any](v T) *T { return &v }

// qtSession opens a session on db for reg, closed when the test ends.
func qtSession(t *testing.T, db *relm.DB, reg *mapping.Registry, opts ...relm.SessionOption) *relm.Session {
	t.Helper()
	s := relm.NewSession(db, reg, opts...)
	t.Cleanup(func() { s.Close() })
	return s
}

// qtBlog is the small blog every query test reads: users ada (with a user
// info), bob and cyd (no articles); categories go, db and misc (empty);
// tags go, sql, orm and web (unused); and five articles:
//
//	Generics in Go     ada  go   go, orm
//	Select-in loading  ada  db   sql, orm
//	Indexes            bob  db   sql
//	Channels           bob  go   go
//	Untitled draft     ada  -    -
type qtBlog struct {
	reg *mapping.Registry
	ids map[string]int // "user:ada", "article:Indexes", "tag:go", "category:db"
}

// qtSeed creates the blog's tables on db and saves the small blog through a
// session of its own; the log is reset afterwards.
func qtSeed(t *testing.T, db *relm.DB, log *testdb.Log) *qtBlog {
	t.Helper()
	reg, err := blog.NewRegistry()
	qtMust(t, err)
	qtMust(t, reg.CreateAll(qtCtx, db))
	ada := &blog.User{Username: "ada", Password: "pw", Email: "ada@example.com"}
	bob := &blog.User{Username: "bob", Password: "pw", Email: "bob@example.com"}
	cyd := &blog.User{Username: "cyd", Password: "pw", Email: "cyd@example.com"}
	ada.UserInfo = &blog.UserInfo{Name: qtPtr("Ada Lovelace"), Phone: qtPtr("555")}
	cGo, cDB, cMisc := &blog.Category{Name: "go"}, &blog.Category{Name: "db"}, &blog.Category{Name: "misc"}
	tGo, tSQL, tORM, tWeb := &blog.Tag{Name: "go"}, &blog.Tag{Name: "sql"}, &blog.Tag{Name: "orm"}, &blog.Tag{Name: "web"}
	arts := []*blog.Article{
		{Title: "Generics in Go", Content: qtPtr("type parameters"), Author: ada, Category: cGo, Tags: []*blog.Tag{tGo, tORM}},
		{Title: "Select-in loading", Author: ada, Category: cDB, Tags: []*blog.Tag{tSQL, tORM}},
		{Title: "Indexes", Author: bob, Category: cDB, Tags: []*blog.Tag{tSQL}},
		{Title: "Channels", Author: bob, Category: cGo, Tags: []*blog.Tag{tGo}},
		{Title: "Untitled draft", Author: ada},
	}
	s := relm.NewSession(db, reg)
	defer s.Close()
	qtMust(t, s.AddAll(ada, bob, cyd, cGo, cDB, cMisc, tGo, tSQL, tORM, tWeb, arts))
	qtMust(t, s.Commit(qtCtx))
	b := &qtBlog{reg: reg, ids: map[string]int{}}
	for _, u := range []*blog.User{ada, bob, cyd} {
		b.ids["user:"+u.Username] = u.ID
	}
	for _, c := range []*blog.Category{cGo, cDB, cMisc} {
		b.ids["category:"+c.Name] = c.ID
	}
	for _, tg := range []*blog.Tag{tGo, tSQL, tORM, tWeb} {
		b.ids["tag:"+tg.Name] = tg.ID
	}
	for _, a := range arts {
		b.ids["article:"+a.Title] = a.ID
	}
	log.Reset()
	return b
}

// session opens a fresh session (empty identity map) on the small blog.
func (b *qtBlog) session(t *testing.T, db *relm.DB, opts ...relm.SessionOption) *relm.Session {
	t.Helper()
	return qtSession(t, db, b.reg, opts...)
}

func titles(arts []*blog.Article) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = a.Title
	}
	return out
}

func usernames(us []*blog.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Username
	}
	return out
}

func tagNames(tags []*blog.Tag) []string {
	out := make([]string, len(tags))
	for i, tg := range tags {
		out[i] = tg.Name
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func qtEqual(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

// placeholder returns the dialect's first placeholder: ? or $1.
func placeholder(db *relm.DB) string { return string(db.Dialect().AppendPlaceholder(nil, 1)) }

// selects returns the SELECT statements of the log.
func selects(log *testdb.Log) []string {
	var out []string
	for _, s := range log.Statements() {
		if strings.HasPrefix(strings.ToUpper(s), "SELECT") {
			out = append(out, s)
		}
	}
	return out
}

// expectBadQuery checks that err wraps relm.ErrBadQuery and mentions every
// fragment (the type, the path, the nearest valid name).
func expectBadQuery(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error wrapping ErrBadQuery mentioning %q, got nil", fragments)
	}
	if !errors.Is(err, relm.ErrBadQuery) {
		t.Errorf("error %q does not wrap ErrBadQuery", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

// noPanic runs f and turns a panic into a test failure.
func noPanic(t *testing.T, f func() error) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("panic: %v", r)
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// qtGraph builds n articles over 10 users, 5 categories and 20 tags, each
// article with an author, a category and 2–5 distinct tags; with users etc.
// given, it reuses them.
type qtGraph struct {
	Users      []*blog.User
	Categories []*blog.Category
	Tags       []*blog.Tag
	Articles   []*blog.Article
	Links      int
}

func newQtGraph(seed uint64) *qtGraph {
	g := &qtGraph{}
	for i := range 10 {
		g.Users = append(g.Users, &blog.User{Username: fmt.Sprintf("user%02d", i), Password: "pw", Email: fmt.Sprintf("u%d@example.com", i)})
	}
	for i := range 5 {
		g.Categories = append(g.Categories, &blog.Category{Name: fmt.Sprintf("category%d", i)})
	}
	for i := range 20 {
		g.Tags = append(g.Tags, &blog.Tag{Name: fmt.Sprintf("tag%02d", i)})
	}
	_ = seed
	return g
}

// addArticles appends n articles to g (new objects only in the returned
// slice).
func (g *qtGraph) addArticles(r *rand.Rand, n int) []*blog.Article {
	out := make([]*blog.Article, 0, n)
	for range n {
		a := &blog.Article{
			Title:    fmt.Sprintf("article %06d", len(g.Articles)),
			Content:  qtPtr("lorem ipsum dolor sit amet"),
			Author:   g.Users[r.IntN(len(g.Users))],
			Category: g.Categories[r.IntN(len(g.Categories))],
		}
		for _, i := range r.Perm(len(g.Tags))[:2+r.IntN(4)] {
			a.Tags = append(a.Tags, g.Tags[i])
		}
		g.Links += len(a.Tags)
		g.Articles = append(g.Articles, a)
		out = append(out, a)
	}
	return out
}

// Models for backrefs without a struct field, lazy:raise and a
// many-to-many backref without a field.

// qtPost has comments; the backref Comment.Post has no field on qtComment.
type qtPost struct {
	ID       int          `relm:"pk"`
	Title    string       `relm:"size:64"`
	Comments []*qtComment `relm:"backref:Post"`
}

func (qtPost) TableName() string { return "qt_posts" }

type qtComment struct {
	ID     int    `relm:"pk"`
	Body   string `relm:"size:64"`
	PostID *int   `relm:"fk:qt_posts.id"`
	// no Post field: the backref "Post" lives only in the mapping
}

func (qtComment) TableName() string { return "qt_comments" }

// qtBook has an author; the backref Author.Books (a collection) has no
// field on qtWriter.
type qtWriter struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:64"`
}

func (qtWriter) TableName() string { return "qt_writers" }

type qtBook struct {
	ID       int       `relm:"pk"`
	Title    string    `relm:"size:64"`
	WriterID *int      `relm:"fk:qt_writers.id"`
	Writer   *qtWriter `relm:"backref:Books"`
}

func (qtBook) TableName() string { return "qt_books" }

// qtNote has labels through qt_note_label; the backref Label.Notes has no
// field on qtLabel.
type qtNote struct {
	ID     int        `relm:"pk"`
	Title  string     `relm:"size:64"`
	Labels []*qtLabel `relm:"secondary:qt_note_label;backref:Notes"`
}

func (qtNote) TableName() string { return "qt_notes" }

type qtLabel struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:64"`
}

func (qtLabel) TableName() string { return "qt_labels" }

// qtFolder.Files is lazy:raise.
type qtFolder struct {
	ID    int       `relm:"pk"`
	Name  string    `relm:"size:64"`
	Files []*qtFile `relm:"backref:Folder;lazy:raise"`
}

func (qtFolder) TableName() string { return "qt_folders" }

type qtFile struct {
	ID       int       `relm:"pk"`
	Name     string    `relm:"size:64"`
	FolderID *int      `relm:"fk:qt_folders.id"`
	Folder   *qtFolder // bound by the backref
}

func (qtFile) TableName() string { return "qt_files" }

// qtExtraRegistry maps the models above.
func qtExtraRegistry(t *testing.T) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	qtMust(t, reg.Register(&qtPost{}, &qtComment{}, &qtWriter{}, &qtBook{}, &qtNote{}, &qtLabel{}, &qtFolder{}, &qtFile{}))
	qtMust(t, reg.AddTable(&schema.Table{Name: "qt_note_label", Columns: []*schema.Column{
		{Name: "note_id", Type: schema.Integer, References: "qt_notes.id"},
		{Name: "label_id", Type: schema.Integer, References: "qt_labels.id"},
	}}))
	qtMust(t, reg.Configure())
	return reg
}
