// One to one: a bidirectional relationship with a scalar on both sides. A
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
// Through backref(..., uselist=False) from many-to-one (the foreign key on
// parent). The specification's version also gives child a parent_id, so two
// foreign keys join the tables; foreign_keys says which one this
// relationship uses:
//
//	class Parent(Base):
//	    child_id = Column(Integer, ForeignKey('child.id'))
//	    child = relationship("Child", backref=backref("parent", uselist=False))
//	class Child(Base):
//	    parent_id = Column(Integer, ForeignKey('parent.id'))
//
// Run it with: go run ./examples/one-to-one
package main

import (
	"fmt"
	"os"

	"github.com/relmorm/relm/examples/internal/show"
	"github.com/relmorm/relm/mapping"
)

type Parent struct {
	ID    int
	Child *Child `relm:"back_populates:Parent"` // *Child, not []*Child: uselist=False
}

func (Parent) TableName() string { return "parent" }

type Child struct {
	ID       int
	ParentID *int    `relm:"fk:parent.id"`
	Parent   *Parent `relm:"back_populates:Child"`
}

func (Child) TableName() string { return "child" }

type BackrefParent struct {
	ID      int
	ChildID *int          `relm:"fk:child.id"`
	Child   *BackrefChild `relm:"backref:Parent;backref_uselist:false;foreign_keys:child_id"`
}

func (BackrefParent) TableName() string { return "parent" }

type BackrefChild struct {
	ID       int
	ParentID *int `relm:"fk:parent.id"`
}

func (BackrefChild) TableName() string { return "child" }

func main() {
	fromOneToMany := mapping.NewRegistry()
	if err := fromOneToMany.Register(&Parent{}, &Child{}); err != nil {
		fail(err)
	}
	if err := show.Run(`child = relationship("Child", uselist=False, back_populates="parent")`, fromOneToMany); err != nil {
		fail(err)
	}

	viaBackref := mapping.NewRegistry()
	if err := viaBackref.Register(&BackrefParent{}, &BackrefChild{}); err != nil {
		fail(err)
	}
	fmt.Println()
	if err := show.Run(`child = relationship("Child", backref=backref("parent", uselist=False))`, viaBackref); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
