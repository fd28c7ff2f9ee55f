package relm_test

import (
	"testing"

	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/mapping"
)

// Models for the unit-of-work tests beyond the blog: a cycle between two
// tables, a self-referential tree, a parent owning its children
// (cascade all,delete-orphan), and a table that sorts last with a NOT NULL
// column the tests leave NULL.

// CycA and CycB refer to each other: cyc_a.b_id → cyc_b, cyc_b.a_id → cyc_a.
type CycA struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:20"`
	BID  *int   `relm:"column:b_id;fk:cyc_b.id"`
	B    *CycB  `relm:"foreign_keys:b_id"`
}

func (CycA) TableName() string { return "cyc_a" }

type CycB struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:20"`
	AID  *int   `relm:"column:a_id;fk:cyc_a.id"`
	A    *CycA  `relm:"foreign_keys:a_id"`
}

func (CycB) TableName() string { return "cyc_b" }

// StrictA and StrictB are the same cycle with both keys NOT NULL: no order
// of inserts can satisfy it.
type StrictA struct {
	ID  int      `relm:"pk"`
	BID *int     `relm:"column:b_id;fk:strict_b.id;notnull"`
	B   *StrictB `relm:"foreign_keys:b_id"`
}

func (StrictA) TableName() string { return "strict_a" }

type StrictB struct {
	ID  int      `relm:"pk"`
	AID *int     `relm:"column:a_id;fk:strict_a.id;notnull"`
	A   *StrictA `relm:"foreign_keys:a_id"`
}

func (StrictB) TableName() string { return "strict_b" }

// HalfA and HalfB: the cycle with one NOT NULL side, which an insert order
// (HalfB first, its half_a key set after) satisfies.
type HalfA struct {
	ID  int    `relm:"pk"`
	BID *int   `relm:"column:b_id;fk:half_b.id;notnull"`
	B   *HalfB `relm:"foreign_keys:b_id"`
}

func (HalfA) TableName() string { return "half_a" }

type HalfB struct {
	ID  int    `relm:"pk"`
	AID *int   `relm:"column:a_id;fk:half_a.id"`
	A   *HalfA `relm:"foreign_keys:a_id"`
}

func (HalfB) TableName() string { return "half_b" }

// Node is a self-referential tree (a category tree): Children is
// one-to-many, Parent its backref.
type Node struct {
	ID       int    `relm:"pk"`
	Name     string `relm:"size:20"`
	ParentID *int   `relm:"fk:nodes.id"`
	Parent   *Node
	Children []*Node `relm:"backref:Parent;order_by:ID"`
}

// Post owns its comments: deleting a post deletes them, and a comment
// removed from Comments is deleted.
type Post struct {
	ID       int        `relm:"pk"`
	Title    string     `relm:"size:50"`
	Comments []*Comment `relm:"backref:Post;cascade:all,delete-orphan"`
}

type Comment struct {
	ID     int    `relm:"pk"`
	Body   string `relm:"size:50"`
	PostID *int   `relm:"fk:posts.id"`
	Post   *Post
}

// Note is written after every blog table (it refers to articles and its
// name sorts after article_tag) and has a NOT NULL column that a nil
// pointer leaves NULL.
type Note struct {
	ID        int     `relm:"pk"`
	Body      *string `relm:"type:text;notnull"`
	ArticleID *int    `relm:"fk:articles.id"`
	Article   *blog.Article
}

func (Note) TableName() string { return "zz_notes" }

// registry returns a configured registry of models.
func registry(t *testing.T, models ...any) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	if err := reg.Register(models...); err != nil {
		t.Fatal(err)
	}
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	return reg
}
