package relm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Page stamps itself: BeforeInsert sets its slug, BeforeUpdate counts its
// revisions; both are written by the flush that runs them.
type Page struct {
	ID       int `relm:"pk"`
	Title    string
	Slug     string
	Revision int
}

func (p *Page) BeforeInsert(ctx context.Context, s *relm.Session) error {
	p.Slug = strings.ToLower(strings.ReplaceAll(p.Title, " ", "-"))
	return nil
}

func (p *Page) BeforeUpdate(ctx context.Context, s *relm.Session) error {
	if p.Title == "" {
		return fmt.Errorf("a page needs a title")
	}
	p.Revision++
	return nil
}

// exhOpen opens an in-memory SQLite database with the pages table,
// printing each statement.
func exhOpen() (*relm.DB, *mapping.Registry) {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&Page{}))
	exCheck(reg.CreateAll(ctx, db))
	return relm.New(db.SQL(), db.Dialect(), relm.WithLogger(slog.New(exsHandler{full: true}))), reg
}

// A model's hooks are methods on its pointer type. What a Before hook
// changes goes into the same statement; its error aborts the flush before
// anything is written, naming the object.
func ExampleBeforeUpdater() {
	ctx := context.Background()
	db, reg := exhOpen()
	s := relm.NewSession(db, reg)
	defer s.Close()

	p := &Page{Title: "Hello World"}
	exCheck(s.Add(p))
	exCheck(s.Commit(ctx))
	p.Title = "Hello, World"
	exCheck(s.Commit(ctx))
	fmt.Println(p.Slug, p.Revision)

	p.Title = ""
	fmt.Println(s.Commit(ctx))
	// Output:
	//   SQL: INSERT INTO "pages" ("title", "slug", "revision") VALUES (?, ?, ?)
	//   SQL: UPDATE "pages" SET "title" = ?, "revision" = ? WHERE "id" = ?
	// hello-world 1
	// relm: BeforeUpdate of Page 1: a page needs a title
}

// A flush listener hears of every object the session writes — an audit
// log — after the object's own hooks.
func ExampleOnFlush() {
	ctx := context.Background()
	db, reg := exhOpen()
	audit := relm.OnFlush(func(ctx context.Context, s *relm.Session, ev relm.Event, obj any) error {
		if p, ok := obj.(*Page); ok && ev >= relm.EventAfterInsert && ev%2 == 0 {
			fmt.Printf("audit: %s page %d %q\n", ev, p.ID, p.Title)
		}
		return nil
	})
	s := relm.NewSession(db, reg, audit)
	defer s.Close()

	p := &Page{Title: "Draft"}
	exCheck(s.Add(p))
	exCheck(s.Commit(ctx))
	p.Title = "Final"
	exCheck(s.Commit(ctx))
	exCheck(s.Delete(p))
	exCheck(s.Commit(ctx))
	// Output:
	//   SQL: BEGIN
	//   SQL: INSERT INTO "pages" ("title", "slug", "revision") VALUES (?, ?, ?)
	// audit: AfterInsert page 1 "Draft"
	//   SQL: COMMIT
	//   SQL: BEGIN
	//   SQL: UPDATE "pages" SET "title" = ?, "revision" = ? WHERE "id" = ?
	// audit: AfterUpdate page 1 "Final"
	//   SQL: COMMIT
	//   SQL: BEGIN
	//   SQL: DELETE FROM "pages" WHERE "id" IN (?)
	// audit: AfterDelete page 1 "Final"
	//   SQL: COMMIT
}

// Memo is versioned: `relm:"version"` makes every UPDATE match the version
// the session read.
type Memo struct {
	ID      int `relm:"pk"`
	Text    string
	Version int `relm:"version"`
}

// Two sessions change the same row: the second commit finds the version
// moved on and fails with a *StaleObjectError, writing nothing — the first
// change is not lost.
func ExampleStaleObjectError() {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&Memo{}))
	exCheck(reg.CreateAll(ctx, db))
	s := relm.NewSession(db, reg)
	defer s.Close()
	exCheck(s.Add(&Memo{Text: "draft"}))
	exCheck(s.Commit(ctx))

	alice, bob := relm.NewSession(db, reg), relm.NewSession(db, reg)
	a, err := relm.Get[Memo](ctx, alice, 1)
	exCheck(err)
	b, err := relm.Get[Memo](ctx, bob, 1)
	exCheck(err)
	a.Text = "alice's"
	exCheck(alice.Commit(ctx))
	b.Text = "bob's"
	err = bob.Commit(ctx)
	var stale *relm.StaleObjectError
	fmt.Println(errors.As(err, &stale), stale.Type, stale.Key, stale.Version)
	fmt.Println(a.Version, b.Version)
	// Output:
	// true Memo 1 1
	// 2 1
}

// After a stale commit, Refresh reads the row again into the same object —
// its new version included — and the change applied again commits.
func ExampleSession_Refresh() {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&Memo{}))
	exCheck(reg.CreateAll(ctx, db))
	alice, bob := relm.NewSession(db, reg), relm.NewSession(db, reg)
	exCheck(alice.Add(&Memo{Text: "draft"}))
	exCheck(alice.Commit(ctx))
	a, err := relm.Get[Memo](ctx, alice, 1)
	exCheck(err)
	b, err := relm.Get[Memo](ctx, bob, 1)
	exCheck(err)
	a.Text += ", by alice"
	exCheck(alice.Commit(ctx))

	b.Text += ", by bob"
	if err := bob.Commit(ctx); errors.Is(err, relm.ErrStaleObject) {
		exCheck(bob.Refresh(ctx, b))
		fmt.Println("refreshed:", b.Text, b.Version)
		b.Text += ", by bob"
		exCheck(bob.Commit(ctx))
	}
	fmt.Println(b.Text, b.Version)
	// Output:
	// refreshed: draft, by alice 2
	// draft, by alice, by bob 3
}

// Expire makes the next read of the row overwrite the object: Get goes to
// the database instead of answering from the identity map.
func ExampleSession_Expire() {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&Memo{}))
	exCheck(reg.CreateAll(ctx, db))
	s := relm.NewSession(db, reg)
	m := &Memo{Text: "mine"}
	exCheck(s.Add(m))
	exCheck(s.Commit(ctx))
	_, err = db.SQL().ExecContext(ctx, `UPDATE memos SET text = 'theirs'`)
	exCheck(err)

	got, _ := relm.Get[Memo](ctx, s, m.ID)
	fmt.Println(got.Text)
	exCheck(s.Expire(m))
	got, _ = relm.Get[Memo](ctx, s, m.ID)
	fmt.Println(got.Text, got == m)
	// Output:
	// mine
	// theirs true
}

// Merge takes an object decoded from a request into the session: the
// persistent object of its key is loaded, the request's columns are copied
// onto it, and the commit writes what differs.
func ExampleMerge() {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&Memo{}))
	exCheck(reg.CreateAll(ctx, db))
	s := relm.NewSession(db, reg)
	exCheck(s.Add(&Memo{Text: "draft"}))
	exCheck(s.Commit(ctx))

	var fromRequest Memo
	exCheck(json.Unmarshal([]byte(`{"ID": 1, "Text": "final", "Version": 1}`), &fromRequest))
	web := relm.NewSession(relm.New(db.SQL(), db.Dialect(), relm.WithLogger(slog.New(exsHandler{full: true}))), reg)
	m, err := relm.Merge(ctx, web, &fromRequest)
	exCheck(err)
	exCheck(web.Commit(ctx))
	fmt.Println(m.Text, m.Version, m == &fromRequest)
	// Output:
	//   SQL: SELECT "id", "text", "version" FROM "memos" WHERE "id" = ?
	//   SQL: UPDATE "memos" SET "text" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
	// final 2 false
}
