package mapping_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// One to many: the foreign key is on the child table, the collection on the
// parent.
//
//	class Parent(Base):
//	    __tablename__ = 'parent'
//	    id = Column(Integer, primary_key=True)
//	    children = relationship("Child")
//
//	class Child(Base):
//	    __tablename__ = 'child'
//	    id = Column(Integer, primary_key=True)
//	    parent_id = Column(Integer, ForeignKey('parent.id'))
type Parent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*Child
}

type Child struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func ExampleRegistry_oneToMany() {
	reg := mapping.NewRegistry()
	check(reg.Register(&Parent{}, &Child{}))
	check(reg.Configure())
	printRelationships(reg, &Parent{}, &Child{})

	db := openMemory()
	defer db.Close()
	check(reg.CreateAll(context.Background(), db))
	printTables(db)
	// Output:
	// Parent.Children: one-to-many on parent.id = child.parent_id, []*Child
	// child
	//   id INTEGER NOT NULL PK
	//   parent_id BIGINT -> parent(id)
	// parent
	//   id INTEGER NOT NULL PK
}

// Bidirectional, with back_populates: the reverse side of a one-to-many is a
// many-to-one.
//
//	class Parent(Base):
//	    children = relationship("Child", back_populates="parent")
//
//	class Child(Base):
//	    parent_id = Column(Integer, ForeignKey('parent.id'))
//	    parent = relationship("Parent", back_populates="children")
type BiParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*BiChild `relm:"back_populates:Parent"`
}

type BiChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int      `relm:"fk:parent.id"`
	Parent   *BiParent `relm:"back_populates:Children"`
}

func ExampleRegistry_manyToOne() {
	reg := mapping.NewRegistry()
	check(reg.Register(&BiParent{}, &BiChild{}))
	check(reg.Configure())
	printRelationships(reg, &BiParent{}, &BiChild{})

	db := openMemory()
	defer db.Close()
	check(reg.CreateAll(context.Background(), db))
	printTables(db)
	// Output:
	// BiParent.Children: one-to-many on parent.id = child.parent_id, []*BiChild, reverse BiChild.Parent
	// BiChild.Parent: many-to-one on child.parent_id = parent.id, *BiParent, reverse BiParent.Children
	// child
	//   id INTEGER NOT NULL PK
	//   parent_id BIGINT -> parent(id)
	// parent
	//   id INTEGER NOT NULL PK
}

// Bidirectional with backref on one side only: Child gets a Parent
// relationship. BrChild has no field of that name, so the relationship lives
// in the mapper alone (usable for loading and queries); with an untagged
// `Parent *BrParent` field it would be bound to that field.
//
//	class Parent(Base):
//	    children = relationship("Child", backref="parent")
type BrParent struct {
	_        struct{} `relm:"table:parent"`
	ID       int
	Children []*BrChild `relm:"backref:Parent"`
}

type BrChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func ExampleRegistry_backref() {
	reg := mapping.NewRegistry()
	check(reg.Register(&BrParent{}, &BrChild{}))
	check(reg.Configure())
	printRelationships(reg, &BrParent{}, &BrChild{})

	child, _ := reg.Mapper(&BrChild{})
	back := child.Relationship("Parent")
	fmt.Println("IsBackref:", back.IsBackref, "HasField:", back.HasField)
	// Output:
	// BrParent.Children: one-to-many on parent.id = child.parent_id, []*BrChild, reverse BrChild.Parent
	// BrChild.Parent: many-to-one on child.parent_id = parent.id, *BrParent, backref (no field), reverse BrParent.Children
	// IsBackref: true HasField: false
}

// One to one is a bidirectional relationship with a scalar on both sides: a
// pointer field instead of a slice is SQLAlchemy's uselist=False.
//
// From one-to-many (the foreign key on child):
//
//	class Parent(Base):
//	    child = relationship("Child", uselist=False, back_populates="parent")
//	class Child(Base):
//	    parent_id = Column(Integer, ForeignKey('parent.id'))
//	    parent = relationship("Parent", back_populates="child")
//
// From many-to-one (the foreign key on parent):
//
//	class Parent(Base):
//	    child_id = Column(Integer, ForeignKey('child.id'))
//	    child = relationship("Child", back_populates="parent")
//	class Child(Base):
//	    parent = relationship("Parent", back_populates="child", uselist=False)
type O2OParent struct {
	_     struct{} `relm:"table:parent"`
	ID    int
	Child *O2OChild `relm:"back_populates:Parent"`
}

type O2OChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int       `relm:"fk:parent.id"`
	Parent   *O2OParent `relm:"back_populates:Child"`
}

type M2OParent struct {
	_       struct{} `relm:"table:parent"`
	ID      int
	ChildID *int      `relm:"fk:child.id"`
	Child   *M2OChild `relm:"back_populates:Parent"`
}

type M2OChild struct {
	_      struct{} `relm:"table:child"`
	ID     int
	Parent *M2OParent `relm:"back_populates:Child"`
}

func ExampleRegistry_oneToOne() {
	fromOneToMany := mapping.NewRegistry()
	check(fromOneToMany.Register(&O2OParent{}, &O2OChild{}))
	check(fromOneToMany.Configure())
	printRelationships(fromOneToMany, &O2OParent{}, &O2OChild{})

	fromManyToOne := mapping.NewRegistry()
	check(fromManyToOne.Register(&M2OParent{}, &M2OChild{}))
	check(fromManyToOne.Configure())
	printRelationships(fromManyToOne, &M2OParent{}, &M2OChild{})

	db := openMemory()
	defer db.Close()
	check(fromManyToOne.CreateAll(context.Background(), db))
	printTables(db)
	// Output:
	// O2OParent.Child: one-to-many on parent.id = child.parent_id, *O2OChild, reverse O2OChild.Parent
	// O2OChild.Parent: many-to-one on child.parent_id = parent.id, *O2OParent, reverse O2OParent.Child
	// M2OParent.Child: many-to-one on parent.child_id = child.id, *M2OChild, reverse M2OChild.Parent
	// M2OChild.Parent: one-to-many on child.id = parent.child_id, *M2OParent, reverse M2OParent.Child
	// child
	//   id INTEGER NOT NULL PK
	// parent
	//   id INTEGER NOT NULL PK
	//   child_id BIGINT -> child(id)
}

// One to one through backref(..., uselist=False). As the specification
// prints it, parent.child_id and child.parent_id both join the two tables,
// so relm (like SQLAlchemy) asks which one: foreign_keys chooses.
//
//	class Parent(Base):
//	    child_id = Column(Integer, ForeignKey('child.id'))
//	    child = relationship("Child", backref=backref("parent", uselist=False))
//	class Child(Base):
//	    parent_id = Column(Integer, ForeignKey('parent.id'))
type AsPrintedParent struct {
	_       struct{} `relm:"table:parent"`
	ID      int
	ChildID *int            `relm:"fk:child.id"`
	Child   *AsPrintedChild `relm:"backref:Parent;backref_uselist:false"`
}

type AsPrintedChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

type OBParent struct {
	_       struct{} `relm:"table:parent"`
	ID      int
	ChildID *int     `relm:"fk:child.id"`
	Child   *OBChild `relm:"backref:Parent;backref_uselist:false;foreign_keys:child_id"`
}

type OBChild struct {
	_        struct{} `relm:"table:child"`
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func ExampleRegistry_oneToOneBackref() {
	asPrinted := mapping.NewRegistry()
	check(asPrinted.Register(&AsPrintedParent{}, &AsPrintedChild{}))
	err := asPrinted.Configure()
	fmt.Println(errors.Is(err, mapping.ErrAmbiguousForeignKeys))
	fmt.Println(strings.ReplaceAll(err.Error(), "; ", ";\n  "))

	reg := mapping.NewRegistry()
	check(reg.Register(&OBParent{}, &OBChild{}))
	check(reg.Configure())
	printRelationships(reg, &OBParent{}, &OBChild{})

	db := openMemory()
	defer db.Close()
	check(reg.CreateAll(context.Background(), db))
	printTables(db)
	// Output:
	// true
	// mapping: AsPrintedParent.Child: more than one foreign key could join "parent" and "child": child.parent_id → parent.id, parent.child_id → child.id;
	//   choose one with foreign_keys (tag `foreign_keys:parent_id`, or RelationshipSpec.ForeignKeys)
	// OBParent.Child: many-to-one on parent.child_id = child.id, *OBChild, reverse OBChild.Parent
	// OBChild.Parent: one-to-many on child.id = parent.child_id, *OBParent, backref (no field), reverse OBParent.Child
	// child
	//   id INTEGER NOT NULL PK
	//   parent_id BIGINT -> parent(id)
	// parent
	//   id INTEGER NOT NULL PK
	//   child_id BIGINT -> child(id)
}

// Many to many through an association table given as a value, on both sides
// of a bidirectional relationship (back_populates). The programmatic form
// (ModelSpec) takes the *schema.Table itself.
//
//	association_table = Table('association', Base.metadata,
//	    Column('left_id', Integer, ForeignKey('left.id')),
//	    Column('right_id', Integer, ForeignKey('right.id')))
//	class Parent(Base):
//	    __tablename__ = 'left'
//	    children = relationship("Child", secondary=association_table, back_populates="parents")
//	class Child(Base):
//	    __tablename__ = 'right'
//	    parents = relationship("Parent", secondary=association_table, back_populates="children")
type Left struct {
	ID       int
	Children []*Right
}

type Right struct {
	ID      int
	Parents []*Left
}

func ExampleRegistry_manyToMany() {
	association := &schema.Table{Name: "association", Columns: []*schema.Column{
		{Name: "left_id", Type: schema.BigInt, References: "left.id"},
		{Name: "right_id", Type: schema.BigInt, References: "right.id"},
	}}
	reg := mapping.NewRegistry()
	_, err := reg.Map(mapping.ModelSpec{
		Model: (*Left)(nil), Table: "left",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{
			Field: "Children", Secondary: mapping.SecondaryTable(association), BackPopulates: "Parents",
		}},
	})
	check(err)
	_, err = reg.Map(mapping.ModelSpec{
		Model: (*Right)(nil), Table: "right",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{
			Field: "Parents", Secondary: mapping.SecondaryTable(association), BackPopulates: "Children",
		}},
	})
	check(err)
	check(reg.Configure())
	printRelationships(reg, &Left{}, &Right{})

	db := openMemory()
	defer db.Close()
	check(reg.CreateAll(context.Background(), db))
	printTables(db)
	// Output:
	// Left.Children: many-to-many on left.id = association.left_id, association.right_id = right.id, []*Right, reverse Right.Parents
	// Right.Parents: many-to-many on right.id = association.right_id, association.left_id = left.id, []*Left, reverse Left.Children
	// association
	//   left_id BIGINT -> left(id)
	//   right_id BIGINT -> right(id)
	// left
	//   id INTEGER NOT NULL PK
	// right
	//   id INTEGER NOT NULL PK
}

// Many to many with the secondary table given as a function, called when the
// registry is configured — so the table may be declared after the models,
// as SQLAlchemy's secondary=lambda: association_table allows. The backref
// gives the other side the same secondary table.
//
//	class Parent(Base):
//	    __tablename__ = 'left'
//	    children = relationship("Child", secondary=lambda: association_table, backref="parents")
type FnLeft struct {
	ID       int
	Children []*FnRight
}

type FnRight struct {
	ID int
}

func ExampleRegistry_manyToManyFunc() {
	var association *schema.Table

	reg := mapping.NewRegistry()
	_, err := reg.Map(mapping.ModelSpec{
		Model: (*FnLeft)(nil), Table: "left",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{
			Field:     "Children",
			Secondary: mapping.SecondaryFunc(func() *schema.Table { return association }),
			Backref:   "Parents",
		}},
	})
	check(err)
	_, err = reg.Map(mapping.ModelSpec{Model: (*FnRight)(nil), Table: "right",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}}})
	check(err)

	// Declared after the models, before the registry is configured.
	association = &schema.Table{Name: "association", Columns: []*schema.Column{
		{Name: "left_id", Type: schema.BigInt, References: "left.id"},
		{Name: "right_id", Type: schema.BigInt, References: "right.id"},
	}}
	check(reg.Configure())
	printRelationships(reg, &FnLeft{}, &FnRight{})

	db := openMemory()
	defer db.Close()
	check(reg.CreateAll(context.Background(), db))
	names, err := db.Dialect().TableNames(context.Background(), db)
	check(err)
	fmt.Println(names)
	// Output:
	// FnLeft.Children: many-to-many on left.id = association.left_id, association.right_id = right.id, []*FnRight, reverse FnRight.Parents
	// FnRight.Parents: many-to-many on right.id = association.right_id, association.left_id = left.id, []*FnLeft, backref (no field), reverse FnLeft.Children
	// [association left right]
}

// Many to many with the secondary table named, looked up in the registry's
// metadata when it is configured — the tag form.
//
//	class Parent(Base):
//	    __tablename__ = 'left'
//	    children = relationship("Child", secondary="association", backref="parents")
type NmLeft struct {
	_        struct{} `relm:"table:left"`
	ID       int
	Children []*NmRight `relm:"secondary:association;backref:Parents"`
}

type NmRight struct {
	_       struct{} `relm:"table:right"`
	ID      int
	Parents []*NmLeft // bound by the backref
}

func ExampleRegistry_manyToManyName() {
	reg := mapping.NewRegistry()
	check(reg.Register(&NmLeft{}, &NmRight{}))
	check(reg.AddTable(&schema.Table{Name: "association", Columns: []*schema.Column{
		{Name: "left_id", Type: schema.BigInt, References: "left.id"},
		{Name: "right_id", Type: schema.BigInt, References: "right.id"},
	}}))
	check(reg.Configure())
	printRelationships(reg, &NmLeft{}, &NmRight{})
	// Output:
	// NmLeft.Children: many-to-many on left.id = association.left_id, association.right_id = right.id, []*NmRight, reverse NmRight.Parents
	// NmRight.Parents: many-to-many on right.id = association.right_id, association.left_id = left.id, []*NmLeft, backref, reverse NmLeft.Children
}

// The tutorial's blog (package blog): users with articles and a one-to-one
// user info, articles with a category and tags. CreateAll gives the six
// tables the tutorial's `show tables` lists.
func ExampleRegistry_blog() {
	reg, err := blog.NewRegistry()
	check(err)
	printRelationships(reg, &blog.User{}, &blog.UserInfo{}, &blog.Article{}, &blog.Category{}, &blog.Tag{})

	db := openMemory()
	defer db.Close()
	ctx := context.Background()
	check(reg.CreateAll(ctx, db))
	names, err := db.Dialect().TableNames(ctx, db)
	check(err)
	fmt.Println("+----------------+")
	fmt.Println("| Tables_in_blog |")
	fmt.Println("+----------------+")
	for _, n := range names {
		fmt.Printf("| %-14s |\n", n)
	}
	fmt.Println("+----------------+")
	fmt.Printf("%d rows in set\n", len(names))
	// Output:
	// User.Articles: one-to-many on users.id = articles.user_id, []*Article, reverse Article.Author
	// User.UserInfo: one-to-many on users.id = userinfos.user_id, *UserInfo, reverse UserInfo.User
	// UserInfo.User: many-to-one on userinfos.user_id = users.id, *User, backref, reverse User.UserInfo
	// Article.Tags: many-to-many on articles.id = article_tag.article_id, article_tag.tag_id = tags.id, []*Tag, reverse Tag.Articles
	// Article.Author: many-to-one on articles.user_id = users.id, *User, backref, reverse User.Articles
	// Article.Category: many-to-one on articles.cate_id = categories.id, *Category, backref, reverse Category.Articles
	// Category.Articles: one-to-many on categories.id = articles.cate_id, []*Article, reverse Article.Category
	// Tag.Articles: many-to-many on tags.id = article_tag.tag_id, article_tag.article_id = articles.id, []*Article, backref, reverse Article.Tags
	// +----------------+
	// | Tables_in_blog |
	// +----------------+
	// | article_tag    |
	// | articles       |
	// | categories     |
	// | tags           |
	// | userinfos      |
	// | users          |
	// +----------------+
	// 6 rows in set
}

// Diagram renders the registry as an entity-relationship diagram, here the
// one-to-many of the specification in Mermaid and in Graphviz DOT.
func ExampleRegistry_Diagram() {
	reg := mapping.NewRegistry()
	check(reg.Register(&BiParent{}, &BiChild{}))

	mermaid, err := reg.Diagram(mapping.Mermaid)
	check(err)
	fmt.Print(mermaid)

	dot, err := reg.Diagram(mapping.DOT)
	check(err)
	fmt.Print(dot)
	// Output:
	// erDiagram
	//     parent {
	//         bigint id PK
	//     }
	//     child {
	//         bigint id PK
	//         bigint parent_id FK
	//     }
	//     parent |o--}o child : "BiChild.Parent / BiParent.Children"
	// digraph schema {
	//     rankdir=LR;
	//     node [shape=plaintext, fontname="Helvetica"];
	//     "parent" [label=<<table border="0" cellborder="1" cellspacing="0">
	//         <tr><td bgcolor="lightgrey"><b>parent</b></td></tr>
	//         <tr><td port="id" align="left">id : bigint PK</td></tr>
	//     </table>>];
	//     "child" [label=<<table border="0" cellborder="1" cellspacing="0">
	//         <tr><td bgcolor="lightgrey"><b>child</b></td></tr>
	//         <tr><td port="id" align="left">id : bigint PK</td></tr>
	//         <tr><td port="parent_id" align="left">parent_id : bigint FK</td></tr>
	//     </table>>];
	//     "child":"parent_id" -> "parent":"id" [label="BiChild.Parent\nBiParent.Children", arrowhead=none, arrowtail=crow, dir=both];
	// }
}
