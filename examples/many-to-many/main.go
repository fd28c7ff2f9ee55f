// Many to many: an association table between two classes, given as
// secondary — here in the three forms the specification shows: the table
// value, a function returning it (evaluated when the registry is
// configured), and its name.
//
//	association_table = Table('association', Base.metadata,
//	    Column('left_id', Integer, ForeignKey('left.id')),
//	    Column('right_id', Integer, ForeignKey('right.id')))
//
//	class Parent(Base):
//	    __tablename__ = 'left'
//	    children = relationship("Child", secondary=association_table, back_populates="parents")
//	class Child(Base):
//	    __tablename__ = 'right'
//	    parents = relationship("Parent", secondary=association_table, back_populates="children")
//
//	children = relationship("Child", secondary=lambda: association_table, backref="parents")
//	children = relationship("Child", secondary="association", backref="parents")
//
// Run it with: go run ./examples/many-to-many
package main

import (
	"fmt"
	"os"

	"github.com/relmorm/relm/examples/internal/show"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Parent and Child are mapped with the programmatic form (mapping.ModelSpec),
// which accepts the association table as a value or as a function.
type Parent struct {
	ID       int
	Children []*Child
}

type Child struct {
	ID      int
	Parents []*Parent
}

// NamedParent and NamedChild use tags: secondary names the table.
type NamedParent struct {
	ID       int
	Children []*NamedChild `relm:"secondary:association;backref:Parents"`
}

func (NamedParent) TableName() string { return "left" }

type NamedChild struct {
	ID      int
	Parents []*NamedParent // bound by the backref
}

func (NamedChild) TableName() string { return "right" }

func associationTable() *schema.Table {
	return &schema.Table{Name: "association", Columns: []*schema.Column{
		{Name: "left_id", Type: schema.BigInt, References: "left.id"},
		{Name: "right_id", Type: schema.BigInt, References: "right.id"},
	}}
}

func main() {
	// secondary=association_table, back_populates on both sides.
	association := associationTable()
	byValue := mapping.NewRegistry()
	mustMap(byValue, mapping.ModelSpec{Model: (*Parent)(nil), Table: "left",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Children", BackPopulates: "Parents",
			Secondary: mapping.SecondaryTable(association)}},
	})
	mustMap(byValue, mapping.ModelSpec{Model: (*Child)(nil), Table: "right",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Parents", BackPopulates: "Children",
			Secondary: mapping.SecondaryTable(association)}},
	})
	if err := show.Run("secondary=association_table, back_populates", byValue); err != nil {
		fail(err)
	}

	// secondary=lambda: association_table, backref="parents": the table
	// is declared after the models.
	var late *schema.Table
	byFunc := mapping.NewRegistry()
	mustMap(byFunc, mapping.ModelSpec{Model: (*Parent)(nil), Table: "left",
		Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Children", Backref: "Parents",
			Secondary: mapping.SecondaryFunc(func() *schema.Table { return late })}},
	})
	mustMap(byFunc, mapping.ModelSpec{Model: (*Child)(nil), Table: "right",
		Columns:       []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}},
		Relationships: []mapping.RelationshipSpec{{Field: "Parents"}}, // the backref binds here
	})
	late = associationTable()
	fmt.Println()
	if err := show.Run("secondary=lambda: association_table, backref", byFunc); err != nil {
		fail(err)
	}

	// secondary="association", backref="parents", with tags.
	byName := mapping.NewRegistry()
	if err := byName.Register(&NamedParent{}, &NamedChild{}); err != nil {
		fail(err)
	}
	if err := byName.AddTable(associationTable()); err != nil {
		fail(err)
	}
	fmt.Println()
	if err := show.Run(`secondary="association", backref="parents"`, byName); err != nil {
		fail(err)
	}
}

func mustMap(reg *mapping.Registry, spec mapping.ModelSpec) {
	if _, err := reg.Map(spec); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
