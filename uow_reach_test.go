package relm_test

import (
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// A nil element in a collection is an error naming the struct, the field
// and the index, and the commit writes nothing (it used to be skipped, and
// the commit returned nil).
func TestNilInCollectionIsAnError(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		a := &blog.Article{Title: "t", Tags: []*blog.Tag{{Name: "go"}, nil}}
		must(t, s.Add(&blog.User{Username: "ada", Articles: []*blog.Article{a}}))
		err := s.Commit(ctx)
		if err == nil || !strings.Contains(err.Error(), "Article.Tags[1] is nil") {
			t.Fatalf("commit with a nil tag returned %v, want an error naming Article.Tags[1]", err)
		}
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("the refused commit sent %v", log.Statements())
		}
		a.Tags = a.Tags[:1]
		must(t, s.Commit(ctx))
		if countRows(t, db, "article_tag") != 1 {
			t.Fatal("the commit after removing the nil did not write the link row")
		}
	})
}

// Shelf's books have no save-update cascade.
type Shelf struct {
	ID    int `relm:"pk"`
	Name  string
	Books []*Book `relm:"cascade:none;backref:Shelf"`
}

// TableName spells the plural.
func (Shelf) TableName() string { return "shelves" }

// Book is on a shelf.
type Book struct {
	ID      int `relm:"pk"`
	Title   string
	ShelfID *int `relm:"fk:shelves.id"`
	Shelf   *Shelf
}

// A new object in a relationship without the save-update cascade would not
// be saved: the commit says so, naming where it is (SQLAlchemy warns and
// drops it). An existing row there is fine: its foreign key is written.
func TestNewObjectWithoutCascadeIsAnError(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Shelf{}, &Book{})
		s := newSession(t, db, log, reg)
		shelf := &Shelf{Name: "fiction", Books: []*Book{{Title: "new"}}}
		must(t, s.Add(shelf))
		err := s.Commit(ctx)
		if err == nil || !strings.Contains(err.Error(), "Shelf.Books[0] holds a new Book that is not in the session") {
			t.Fatalf("commit returned %v, want an error naming Shelf.Books[0]", err)
		}
		if n := countRows(t, db, "shelves"); n != 0 {
			t.Fatalf("%d shelves after the refused commit", n)
		}
		must(t, s.Add(shelf.Books[0])) // added: saved with its shelf
		must(t, s.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM books WHERE shelf_id = ?", shelf.ID); n != 1 {
			t.Fatalf("%d books on the shelf, want 1", n)
		}
	})
}
