package relm_test

import (
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

type I64Owner struct {
	ID    int64      `relm:"pk"`
	Name  string     `relm:"size:32"`
	Items []*I64Item `relm:"backref:Owner"`
}

func (I64Owner) TableName() string { return "i64_owners" }

type I64Item struct {
	ID      int64     `relm:"pk"`
	OwnerID *int64    `relm:"fk:i64_owners.id"`
	Owner   *I64Owner // bound by the backref
}

func (I64Item) TableName() string { return "i64_items" }

// A nullable int64 foreign key (*int64, the usual Go spelling) is filled
// from its parent, compared without spurious UPDATEs, cleared to NULL and
// grouped by the select-in loader, on every dialect.
func TestUOWInt64ForeignKey(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &I64Owner{}, &I64Item{}))
		o := &I64Owner{Name: "o"}
		a, b := &I64Item{Owner: o}, &I64Item{Owner: o}
		must(t, s.AddAll(a, b))
		must(t, s.Commit(ctx))
		if a.OwnerID == nil || *a.OwnerID != o.ID {
			t.Fatalf("OwnerID %v, want %d", a.OwnerID, o.ID)
		}
		log.Reset()
		must(t, s.Commit(ctx))
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("a commit with no change sent %d statements: %v", n, log.Statements())
		}
		b.Owner = nil
		must(t, s.Commit(ctx))
		if b.OwnerID != nil || nullableInt(t, db, "SELECT COUNT(*) FROM i64_items WHERE owner_id IS NULL") != 1 {
			t.Fatalf("clearing Owner: OwnerID %v", b.OwnerID)
		}
		s2 := relm.NewSession(db, s.Registry())
		owners, err := relm.Select[I64Owner](s2).SelectIn("Items").All(ctx)
		must(t, err)
		if len(owners) != 1 || len(owners[0].Items) != 1 || owners[0].Items[0].ID != a.ID {
			t.Fatalf("select-in through *int64: %+v", owners)
		}
	})
}
