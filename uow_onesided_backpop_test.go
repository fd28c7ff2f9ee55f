package relm_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// back_populates on one side only (issue 36, item 5): Children names
// Parent, Parent names nothing back.
type osParent struct {
	_        struct{}   `relm:"table:os_parents"`
	ID       int        `relm:"pk"`
	Children []*osChild `relm:"back_populates:Parent"`
}

type osChild struct {
	_        struct{} `relm:"table:os_children"`
	ID       int      `relm:"pk"`
	Name     string   `relm:"size:16"`
	ParentID *int     `relm:"fk:os_parents.id"`
	Parent   *osParent
}

// As in SQLAlchemy, back_populates declared on one side is accepted, with a
// warning naming both sides and how to make it two-sided, and that one
// direction is kept in step: a child appended to Parent.Children gets its
// Parent at flush; setting Child.Parent writes the foreign key but leaves
// the parent's loaded collection as it was (a fresh load shows the row).
func TestBackPopulatesOneSided(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		log := &rtLog{}
		reg := mapping.NewRegistry()
		reg.SetLogger(slog.New(log))
		must(t, reg.Register(&osParent{}, &osChild{}))
		s := newSession(t, db, nil, reg)
		var warned []string
		for _, m := range log.messages() {
			if strings.Contains(m, "back_populates") {
				warned = append(warned, m)
			}
		}
		want := "WARN mapping: osParent.Children names osChild.Parent with back_populates, but osChild.Parent does not name osParent.Children back"
		if len(warned) != 1 || !strings.HasPrefix(warned[0], want) || !strings.Contains(warned[0], "add back_populates:Children to osChild.Parent") {
			t.Fatalf("Configure logged %q, want one warning %q… saying how to make it two-sided", warned, want)
		}

		c1 := &osChild{Name: "c1"}
		p := &osParent{Children: []*osChild{c1}}
		must(t, s.Add(p))
		must(t, s.Commit(ctx))
		if c1.Parent != p || c1.ParentID == nil || *c1.ParentID != p.ID {
			t.Fatalf("after the flush c1.Parent = %v, ParentID %v; want the parent %d", c1.Parent, c1.ParentID, p.ID)
		}

		// A loaded parent: an append is brought into step on the child.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		p2, err := relm.Get[osParent](ctx, s2, p.ID)
		must(t, err)
		must(t, relm.Load(ctx, s2, p2, "Children"))
		c2 := &osChild{Name: "c2"}
		p2.Children = append(p2.Children, c2)
		must(t, s2.Commit(ctx))
		if c2.Parent != p2 {
			t.Fatalf("after the flush c2.Parent = %v, want the parent", c2.Parent)
		}

		// The other direction is written, not brought into step.
		c3 := &osChild{Name: "c3", Parent: p2}
		must(t, s2.Add(c3))
		must(t, s2.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM os_children WHERE parent_id = ?", p.ID); n != 3 {
			t.Fatalf("%d children of the parent in the database, want 3", n)
		}
		if len(p2.Children) != 2 {
			t.Errorf("p2.Children holds %d after setting c3.Parent, want the 2 it held (one direction only)", len(p2.Children))
		}
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		p3, err := relm.Get[osParent](ctx, s3, p.ID)
		must(t, err)
		must(t, relm.Load(ctx, s3, p3, "Children"))
		if len(p3.Children) != 3 {
			t.Errorf("a fresh load of Children holds %d, want 3", len(p3.Children))
		}
	})
}
