// Many to one, as the reverse side of a bidirectional one-to-many: each side
// names the other with back_populates.
//
//	class Parent(Base):
//	    __tablename__ = 'parent'
//	    id = Column(Integer, primary_key=True)
//	    children = relationship("Child", back_populates="parent")
//
//	class Child(Base):
//	    __tablename__ = 'child'
//	    id = Column(Integer, primary_key=True)
//	    parent_id = Column(Integer, ForeignKey('parent.id'))
//	    parent = relationship("Parent", back_populates="children")
//
// Run it with: go run ./examples/many-to-one
package main

import (
	"fmt"
	"os"

	"github.com/relmorm/relm/examples/internal/show"
	"github.com/relmorm/relm/mapping"
)

type Parent struct {
	ID       int
	Children []*Child `relm:"back_populates:Parent"`
}

func (Parent) TableName() string { return "parent" }

// Child.Parent is a pointer: the many-to-one side holds one object.
type Child struct {
	ID       int
	ParentID *int    `relm:"fk:parent.id"`
	Parent   *Parent `relm:"back_populates:Children"`
}

func (Child) TableName() string { return "child" }

func main() {
	reg := mapping.NewRegistry()
	if err := reg.Register(&Parent{}, &Child{}); err != nil {
		fail(err)
	}
	if err := show.Run(`parent = relationship("Parent", back_populates="children")`, reg); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
