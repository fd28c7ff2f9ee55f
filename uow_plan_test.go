package relm_test

import (
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// PlanParent and PlanChild are mapped one after the other, the child after
// the registry has served a commit.
type PlanParent struct {
	ID       int `relm:"pk"`
	Name     string
	Children []*PlanChild `relm:"back_populates:Parent"`
}

type PlanChild struct {
	ID       int         `relm:"pk"`
	ParentID int         `relm:"fk:plan_parents.id"`
	Parent   *PlanParent `relm:"back_populates:Children"`
}

func (PlanParent) TableName() string { return "plan_parents" }
func (PlanChild) TableName() string  { return "plan_children" }

type PlanSolo struct {
	ID   int `relm:"pk"`
	Name string
}

func (PlanSolo) TableName() string { return "plan_solos" }

// TestFlushPlanFollowsRegistry: a DB keeps the order in which a flush
// writes a registry's tables, and makes it again when the registry grows —
// models registered after a first commit are written, parents first, by
// the next one.
func TestFlushPlanFollowsRegistry(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := mapping.NewRegistry()
		must(t, reg.Register(&PlanSolo{}))
		s := newSession(t, db, log, reg)
		must(t, s.Add(&PlanSolo{Name: "first"}))
		must(t, s.Commit(ctx))
		v := reg.Version()

		must(t, reg.Register(&PlanChild{}, &PlanParent{}))
		must(t, reg.CreateAll(ctx, db))
		if reg.Version() != v+1 {
			t.Fatalf("Version %d after configuring again, want %d", reg.Version(), v+1)
		}
		p := &PlanParent{Name: "p"}
		p.Children = []*PlanChild{{}, {}}
		must(t, s.Add(p))
		must(t, s.Add(&PlanSolo{Name: "second"}))
		log.Reset()
		must(t, s.Commit(ctx))
		if got := countRows(t, db, "plan_parents") + countRows(t, db, "plan_children") + countRows(t, db, "plan_solos"); got != 5 {
			t.Fatalf("%d rows after the second commit, want 5:\n%s", got, log)
		}
		for _, c := range p.Children {
			if c.ParentID != p.ID || c.ID == 0 {
				t.Fatalf("child %+v of parent %d", c, p.ID)
			}
		}
		var order []string
		for _, st := range log.Statements() {
			if k := kind(st); len(k) > 7 && k[:7] == "INSERT " {
				order = append(order, k[7:])
			}
		}
		// Parents first; tables of one rank by name.
		if len(order) != 3 || order[0] != "plan_parents" || order[1] != "plan_solos" || order[2] != "plan_children" {
			t.Fatalf("INSERTs into %v, want plan_parents, plan_solos, plan_children", order)
		}
	})
}
