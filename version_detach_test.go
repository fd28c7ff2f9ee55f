package relm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// VDParent has children whose foreign keys its delete sets to NULL (no
// delete cascade); the children are versioned, by a counter and by a
// timestamp.
type VDParent struct {
	ID    int `relm:"pk"`
	Name  string
	Kids  []*VDKid  `relm:"back_populates:Parent"`
	TKids []*VDTKid `relm:"back_populates:Parent"`
}

func (VDParent) TableName() string { return "vd_parents" }

type VDKid struct {
	ID       int `relm:"pk"`
	Name     string
	ParentID *int      `relm:"fk:vd_parents.id"`
	Parent   *VDParent `relm:"back_populates:Kids"`
	Version  int       `relm:"version"`
}

func (VDKid) TableName() string { return "vd_kids" }

type VDTKid struct {
	ID       int `relm:"pk"`
	Name     string
	ParentID *int      `relm:"fk:vd_parents.id"`
	Parent   *VDParent `relm:"back_populates:TKids"`
	Version  time.Time `relm:"version"`
}

func (VDTKid) TableName() string { return "vd_tkids" }

// VDUser has a one-to-one, versioned profile.
type VDUser struct {
	ID      int `relm:"pk"`
	Name    string
	Profile *VDProfile `relm:"backref:User"`
}

func (VDUser) TableName() string { return "vd_users" }

type VDProfile struct {
	ID      int `relm:"pk"`
	Bio     string
	UserID  *int `relm:"fk:vd_users.id"`
	Version int  `relm:"version"`
}

func (VDProfile) TableName() string { return "vd_profiles" }

// Deleting a parent sets its children's foreign keys to NULL in one
// statement per table, children the session does not hold included; for
// a versioned child that statement moves the version too, so that a
// session that read a child before finds it stale instead of writing
// over it as if nothing had happened, and a child the deleting session
// holds keeps the version the row has (its next change commits).
func TestVersionMovedBySetNull(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &VDParent{}, &VDKid{}, &VDTKid{})
		s := newSession(t, db, log, reg)
		p := &VDParent{Name: "p", Kids: []*VDKid{{Name: "held"}, {Name: "read elsewhere"}}, TKids: []*VDTKid{{Name: "t"}}}
		must(t, s.Add(p))
		must(t, s.Commit(ctx))
		held, other, tkid := p.Kids[0], p.Kids[1], p.TKids[0]

		// Another session reads the second child and the timestamped one.
		b := newSession(t, db, log, reg)
		bOther, err := relm.Get[VDKid](ctx, b, other.ID)
		must(t, err)
		bT, err := relm.Get[VDTKid](ctx, b, tkid.ID)
		must(t, err)

		// The first session forgets the second child and deletes the parent.
		s.Expunge(other)
		must(t, s.Delete(p))
		log.Reset()
		must(t, s.Commit(ctx))
		want := rebind(db, "UPDATE "+q(db, "vd_kids")+" SET "+q(db, "parent_id")+" = NULL, "+q(db, "version")+" = "+q(db, "version")+" + 1 WHERE "+q(db, "parent_id")+" IN (?)")
		wantT := rebind(db, "UPDATE "+q(db, "vd_tkids")+" SET "+q(db, "parent_id")+" = NULL, "+q(db, "version")+" = ? WHERE "+q(db, "parent_id")+" IN (?)")
		var got, gotT bool
		for _, st := range log.Statements() {
			got = got || st == want
			gotT = gotT || st == wantT
		}
		if !got || !gotT {
			t.Fatalf("statements %q, want %q and %q among them", log.Statements(), want, wantT)
		}
		for _, id := range []int{held.ID, other.ID} {
			if v := queryInt(t, db, "SELECT "+q(db, "version")+" FROM vd_kids WHERE id = ?", id); v != 2 {
				t.Errorf("child %d: version %d in the database, want 2", id, v)
			}
		}
		if held.ParentID != nil || held.Version != 2 {
			t.Errorf("the held child: parent %v, version %d; want nil, 2", held.ParentID, held.Version)
		}
		held.Name = "changed"
		must(t, s.Commit(ctx))
		if held.Version != 3 {
			t.Errorf("the held child's next change: version %d, want 3", held.Version)
		}

		// The other session's children are stale, the counter's and the
		// timestamp's alike; nothing of its flush is written.
		bOther.Name = "lost?"
		if err := b.Commit(ctx); !errors.Is(err, relm.ErrStaleObject) {
			t.Fatalf("a change to a child read before its key was nulled: %v, want ErrStaleObject", err)
		}
		must(t, b.Rollback(ctx))
		b2 := newSession(t, db, log, reg)
		bT2, err := relm.Get[VDTKid](ctx, b2, tkid.ID)
		must(t, err)
		if bT2.ParentID != nil || !bT2.Version.After(bT.Version) {
			t.Errorf("timestamped child: parent %v, version %v after %v; want nil and a later version", bT2.ParentID, bT2.Version, bT.Version)
		}
		bT.Name = "lost?"
		if err := b.Commit(ctx); !errors.Is(err, relm.ErrStaleObject) {
			t.Fatalf("a change to a timestamped child read before its key was nulled: %v, want ErrStaleObject", err)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM vd_kids WHERE name = 'lost?'"); n != 0 {
			t.Errorf("%d stale changes written", n)
		}
	})
}

// A one-to-one replaced without the old child loaded: the statement that
// detaches the old row moves its version, so a session that read it
// finds it stale.
func TestVersionMovedByOneToOneDetach(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &VDUser{}, &VDProfile{})
		s := newSession(t, db, log, reg)
		u := &VDUser{Name: "u", Profile: &VDProfile{Bio: "old"}}
		must(t, s.Add(u))
		must(t, s.Commit(ctx))
		oldID := u.Profile.ID

		b := newSession(t, db, log, reg)
		bOld, err := relm.Get[VDProfile](ctx, b, oldID)
		must(t, err)

		s2 := newSession(t, db, log, reg)
		u2, err := relm.Get[VDUser](ctx, s2, u.ID) // its profile not loaded
		must(t, err)
		u2.Profile = &VDProfile{Bio: "new"}
		log.Reset()
		must(t, s2.Commit(ctx))
		want := "UPDATE " + q(db, "vd_profiles") + " SET " + q(db, "user_id") + " = NULL, " + q(db, "version") + " = " + q(db, "version") + " + 1 WHERE "
		got := false
		for _, st := range log.Statements() {
			got = got || len(st) > len(want) && st[:len(want)] == want
		}
		if !got {
			t.Fatalf("statements %q, want one starting %q", log.Statements(), want)
		}
		if v := queryInt(t, db, "SELECT "+q(db, "version")+" FROM vd_profiles WHERE id = ?", oldID); v != 2 {
			t.Errorf("the old profile: version %d, want 2", v)
		}
		bOld.Bio = "lost?"
		if err := b.Commit(ctx); !errors.Is(err, relm.ErrStaleObject) {
			t.Fatalf("a change to the detached profile read before: %v, want ErrStaleObject", err)
		}
	})
}
