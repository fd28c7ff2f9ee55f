package relm_test

import (
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// The models of TestBackrefBindsExistingFieldInBothForms: each backref is
// declared on one side only, and the other side has a field of the
// backref's name that nothing else declares.
type bfParent struct {
	_        struct{}   `relm:"table:bf_parents"`
	ID       int        `relm:"pk"`
	Name     string     `relm:"size:32"`
	Children []*bfChild `relm:"secondary:bf_links;backref:Parents"`
	Pets     []*bfPet   `relm:"backref:Owner"`
}

type bfChild struct {
	_       struct{} `relm:"table:bf_children"`
	ID      int      `relm:"pk"`
	Name    string   `relm:"size:32"`
	Parents []*bfParent
}

type bfPet struct {
	_       struct{} `relm:"table:bf_pets"`
	ID      int      `relm:"pk"`
	Name    string   `relm:"size:32"`
	OwnerID *int     `relm:"fk:bf_parents.id"`
	Owner   *bfParent
}

func bfLinks() *schema.Table {
	return &schema.Table{Name: "bf_links", Columns: []*schema.Column{
		{Name: "parent_id", Type: schema.BigInt, References: "bf_parents.id", PrimaryKey: true},
		{Name: "child_id", Type: schema.BigInt, References: "bf_children.id", PrimaryKey: true},
	}}
}

// bfRegistry declares the models with their tags, or with ModelSpec and
// the relationships listed on the declaring side only (issue 36, item 2:
// the programmatic form did not bind bfChild.Parents and bfPet.Owner).
func bfRegistry(t *testing.T, form string) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	must(t, reg.AddTable(bfLinks()))
	if form == "tags" {
		must(t, reg.Register(&bfParent{}, &bfChild{}, &bfPet{}))
		return reg
	}
	specs := []mapping.ModelSpec{
		{Model: (*bfParent)(nil), Table: "bf_parents",
			Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}, {Field: "Name", Size: 32}},
			Relationships: []mapping.RelationshipSpec{
				{Field: "Children", Secondary: mapping.SecondaryName("bf_links"), Backref: "Parents"},
				{Field: "Pets", Backref: "Owner"},
			}},
		{Model: (*bfChild)(nil), Table: "bf_children",
			Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}, {Field: "Name", Size: 32}}},
		{Model: (*bfPet)(nil), Table: "bf_pets",
			Columns: []mapping.ColumnSpec{{Field: "ID", PrimaryKey: true}, {Field: "Name", Size: 32},
				{Field: "OwnerID", References: "bf_parents.id"}}},
	}
	for _, spec := range specs {
		if _, err := reg.Map(spec); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

// A backref binds to the target's field of its name whether the models are
// declared with tags or with ModelSpec: after the flush the other side's
// field holds the object, and a fresh session's Load fills it.
func TestBackrefBindsExistingFieldInBothForms(t *testing.T) {
	for _, form := range []string{"tags", "spec"} {
		t.Run(form, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *relm.DB) {
				reg := bfRegistry(t, form)
				s := newSession(t, db, nil, reg)
				c := &bfChild{Name: "c"}
				pet := &bfPet{Name: "rex"}
				p := &bfParent{Name: "p", Children: []*bfChild{c}, Pets: []*bfPet{pet}}
				must(t, s.Add(p))
				must(t, s.Commit(ctx))
				if len(c.Parents) != 1 || c.Parents[0] != p {
					t.Fatalf("%s: after the flush child.Parents = %v, want [parent]", form, c.Parents)
				}
				if pet.Owner != p {
					t.Fatalf("%s: after the flush pet.Owner = %v, want the parent", form, pet.Owner)
				}
				for _, r := range []struct{ model any }{{&bfChild{}}, {&bfPet{}}} {
					m, err := reg.Mapper(r.model)
					must(t, err)
					for _, rel := range m.Relationships {
						if !rel.HasField {
							t.Errorf("%s: %s is not bound to its field", form, rel)
						}
					}
				}

				s2 := relm.NewSession(db, reg)
				defer s2.Close()
				c2, err := relm.Get[bfChild](ctx, s2, c.ID)
				must(t, err)
				pet2, err := relm.Get[bfPet](ctx, s2, pet.ID)
				must(t, err)
				must(t, relm.Load(ctx, s2, c2, "Parents"))
				must(t, relm.Load(ctx, s2, pet2, "Owner"))
				if len(c2.Parents) != 1 || c2.Parents[0].ID != p.ID {
					t.Fatalf("%s: after Load child.Parents = %v, want the parent %d", form, c2.Parents, p.ID)
				}
				if pet2.Owner == nil || pet2.Owner != c2.Parents[0] {
					t.Fatalf("%s: after Load pet.Owner = %v, want the parent (one object)", form, pet2.Owner)
				}
			})
		})
	}
}
