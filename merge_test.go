package relm_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// MgParent and MgKid: a collection with delete-orphan, and a version.
type MgParent struct {
	ID      int `relm:"pk"`
	Name    string
	Version int      `relm:"version"`
	Kids    []*MgKid `relm:"back_populates:Parent;cascade:all,delete-orphan"`
}

type MgKid struct {
	ID       int `relm:"pk"`
	Name     string
	ParentID *int      `relm:"fk:mg_parents.id"`
	Parent   *MgParent `relm:"back_populates:Kids"`
}

func (MgParent) TableName() string { return "mg_parents" }
func (MgKid) TableName() string    { return "mg_kids" }

// Merge copies a detached object's columns onto the persistent one (loaded
// by one SELECT, or the identity map's), merges its collection (changed,
// new and removed members), and returns the persistent object; a new key
// becomes an insert.
func TestMerge(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &MgParent{}, &MgKid{})
		s0 := newSession(t, db, log, reg)
		p := &MgParent{Name: "p", Kids: []*MgKid{{Name: "k1"}, {Name: "k2"}}}
		must(t, s0.Add(p))
		must(t, s0.Commit(ctx))
		k1, k2 := p.Kids[0].ID, p.Kids[1].ID

		// As if decoded from a request: k1 renamed, k2 gone, one new.
		detached := &MgParent{ID: p.ID, Name: "renamed", Version: 1, Kids: []*MgKid{{ID: k1, Name: "k1 renamed"}, {Name: "k3"}}}
		s := relm.NewSession(db, reg)
		defer s.Close()
		log.Reset()
		got, err := relm.Merge(ctx, s, detached)
		must(t, err)
		if got == detached || got.Name != "renamed" || len(got.Kids) != 2 || s.Contains(detached) || !s.Contains(got) {
			t.Fatalf("Merge returned %+v (same as detached: %v)", got, got == detached)
		}
		if n := log.Count("SELECT"); n != 2 {
			t.Fatalf("%d SELECTs, want 2 (the row, its collection):\n%s", n, log)
		}
		again, err := relm.Merge(ctx, s, &MgParent{ID: p.ID, Name: "renamed", Version: 1}) // nil Kids: not given
		must(t, err)
		if again != got {
			t.Fatal("a second Merge did not return the identity map's object")
		}
		must(t, s.Commit(ctx))
		if names := queryStrings(t, db, "SELECT name FROM mg_kids ORDER BY id"); !slices.Equal(names, []string{"k1 renamed", "k3"}) {
			t.Fatalf("kids %v, want k1 renamed, k3 (k2 deleted as an orphan)", names)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM mg_kids WHERE id = ?", k2); n != 0 {
			t.Fatal("k2 is still there")
		}
		if got.Version != 2 {
			t.Fatalf("version %d, want 2", got.Version)
		}

		// A stale version is refused.
		old := &MgParent{ID: p.ID, Name: "late", Version: 1}
		if _, err := relm.Merge(ctx, relm.NewSession(db, reg), old); !errors.Is(err, relm.ErrStaleObject) {
			t.Fatalf("Merge of version 1 over 2: %v, want ErrStaleObject", err)
		}

		// No key, or a key no row has: an insert.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		n1, err := relm.Merge(ctx, s2, &MgParent{Name: "new"})
		must(t, err)
		n2, err := relm.Merge(ctx, s2, &MgParent{ID: 1000, Name: "keyed"})
		must(t, err)
		must(t, s2.Commit(ctx))
		if n1.ID == 0 || n2.ID != 1000 || countRows(t, db, "mg_parents") != 3 {
			t.Fatalf("new objects: ids %d %d, %d rows", n1.ID, n2.ID, countRows(t, db, "mg_parents"))
		}
	})
}
