// One to many: a foreign key on the child table references the parent, and
// the parent holds the collection of children. The specification's first
// pattern, and the same with backref, which gives Child a many-to-one
// Parent relationship without declaring it.
//
//	class Parent(Base):
//	    __tablename__ = 'parent'
//	    id = Column(Integer, primary_key=True)
//	    children = relationship("Child")            # or relationship("Child", backref="parent")
//
//	class Child(Base):
//	    __tablename__ = 'child'
//	    id = Column(Integer, primary_key=True)
//	    parent_id = Column(Integer, ForeignKey('parent.id'))
//
// Run it with: go run ./examples/one-to-many
package main

import (
	"fmt"
	"os"

	"github.com/relmorm/relm/examples/internal/show"
	"github.com/relmorm/relm/mapping"
)

// Parent holds its children: a []*Child field is the collection.
type Parent struct {
	ID       int
	Children []*Child
}

func (Parent) TableName() string { return "parent" }

// Child carries the foreign key.
type Child struct {
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func (Child) TableName() string { return "child" }

// BackrefParent is Parent with backref="parent": BackrefChild gets a Parent
// relationship. BackrefChild has no field of that name, so the relationship
// lives in the mapper only (add an untagged `Parent *BackrefParent` field to
// bind it).
type BackrefParent struct {
	ID       int
	Children []*BackrefChild `relm:"backref:Parent"`
}

func (BackrefParent) TableName() string { return "parent" }

type BackrefChild struct {
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func (BackrefChild) TableName() string { return "child" }

func main() {
	plain := mapping.NewRegistry()
	if err := plain.Register(&Parent{}, &Child{}); err != nil {
		fail(err)
	}
	if err := show.Run(`children = relationship("Child")`, plain); err != nil {
		fail(err)
	}

	withBackref := mapping.NewRegistry()
	if err := withBackref.Register(&BackrefParent{}, &BackrefChild{}); err != nil {
		fail(err)
	}
	fmt.Println()
	if err := show.Run(`children = relationship("Child", backref="parent")`, withBackref); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
