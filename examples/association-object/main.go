// The association object: a link table mapped to a struct of its own,
// because it carries columns beside the two foreign keys, with
// relationships from both ends through it — SQLAlchemy's
// Parent/Association/Child example. Its primary key is the pair of foreign
// keys (a composite key), so the session holds each link by the pair and
// relm.Get finds one with relm.Key{parentID, childID}.
//
// The SQLAlchemy it mirrors:
//
//	class Association(Base):
//	    __tablename__ = "association"
//	    left_id = mapped_column(ForeignKey("left.id"), primary_key=True)
//	    right_id = mapped_column(ForeignKey("right.id"), primary_key=True)
//	    extra_data = mapped_column(String(50))
//	    child = relationship(back_populates="parents")
//	    parent = relationship(back_populates="children")
//
//	class Parent(Base):
//	    __tablename__ = "left"
//	    id = mapped_column(primary_key=True)
//	    children = relationship(back_populates="parent", cascade="all, delete-orphan")
//
//	class Child(Base):
//	    __tablename__ = "right"
//	    id = mapped_column(primary_key=True)
//	    parents = relationship(back_populates="child")
//
// Run it with: go run ./examples/association-object
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Parent holds its links to children; removing a link from Children
// deletes its row (delete-orphan).
type Parent struct {
	ID       int
	Name     string         `relm:"size:20"`
	Children []*Association `relm:"back_populates:Parent;cascade:all,delete-orphan;order_by:RightID"`
}

func (Parent) TableName() string { return "left" }

// Child is linked to its parents through the same association objects.
type Child struct {
	ID      int
	Name    string         `relm:"size:20"`
	Parents []*Association `relm:"back_populates:Child"`
}

func (Child) TableName() string { return "right" }

// Association is the link row: its key is the pair of foreign keys, which
// relm fills from Parent and Child when it saves it.
type Association struct {
	LeftID    int     `relm:"pk;fk:left.id"`
	RightID   int     `relm:"pk;fk:right.id"`
	ExtraData string  `relm:"size:50"`
	Parent    *Parent `relm:"back_populates:Children"`
	Child     *Child  `relm:"back_populates:Parents"`
}

func (Association) TableName() string { return "association" }

// statements prints the statements relm sends.
type statements struct{}

func (statements) Enabled(context.Context, slog.Level) bool { return true }
func (statements) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if q := a.Value.String(); a.Key == "sql" && q != "BEGIN" && q != "COMMIT" {
			fmt.Println("  sql:", q)
		}
		return true
	})
	return nil
}
func (h statements) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h statements) WithGroup(string) slog.Handler      { return h }

func run(ctx context.Context) error {
	plain, err := relm.Open(ctx, "sqlite::memory:")
	if err != nil {
		return err
	}
	defer plain.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&Parent{}, &Child{}, &Association{}); err != nil {
		return err
	}
	if err := reg.CreateAll(ctx, plain); err != nil {
		return err
	}
	// The same database, printing the statements from here on.
	db := relm.New(plain.SQL(), plain.Dialect(), relm.WithLogger(slog.New(statements{})))
	m, err := reg.Mapper(&Association{})
	if err != nil {
		return err
	}
	keys := make([]string, len(m.PrimaryKey))
	for i, f := range m.PrimaryKey {
		keys[i] = f.Column.Name
	}
	fmt.Println("association primary key:", strings.Join(keys, ", "))

	fmt.Println("a parent linked to two children, with extra data on each link:")
	s := relm.NewSession(db, reg)
	defer s.Close()
	c1, c2 := &Child{Name: "c1"}, &Child{Name: "c2"}
	p := &Parent{Name: "p", Children: []*Association{
		{Child: c1, ExtraData: "first"},
		{Child: c2, ExtraData: "second"},
	}}
	if err := s.Add(p); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	fmt.Printf("  c2's parents: %d, through a link whose key is (%d, %d)\n", len(c2.Parents), c2.Parents[0].LeftID, c2.Parents[0].RightID)

	fmt.Println("one link found by its key, changed, and another removed:")
	a, err := relm.Get[Association](ctx, s, relm.Key{p.ID, c1.ID})
	if err != nil {
		return err
	}
	a.ExtraData = "changed"
	p.Children = p.Children[:1]
	if err := s.Commit(ctx); err != nil {
		return err
	}

	fmt.Println("loaded through the links in a new session, one SELECT per level:")
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	parents, err := relm.Select[Parent](s2).SelectIn("Children.Child").All(ctx)
	if err != nil {
		return err
	}
	for _, p := range parents {
		for _, a := range p.Children {
			fmt.Printf("  %s -> %s (%s)\n", p.Name, a.Child.Name, a.ExtraData)
		}
	}
	return nil
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
