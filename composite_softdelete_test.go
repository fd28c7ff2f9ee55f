package relm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// CSOrder has a composite key and soft delete; its lines refer to it by a
// composite foreign key and are soft-deleted too.
type CSOrder struct {
	Shop      string `relm:"pk;size:8"`
	No        int    `relm:"pk"`
	Note      string
	DeletedAt *time.Time `relm:"softdelete"`
	Lines     []*CSLine  `relm:"back_populates:Order"`
}

func (CSOrder) TableName() string { return "cs_orders" }

type CSLine struct {
	ID        int     `relm:"pk"`
	Shop      *string `relm:"size:8;fk:cs_orders.shop"`
	No        *int    `relm:"fk:cs_orders.no"`
	Item      string
	Order     *CSOrder   `relm:"back_populates:Lines"`
	DeletedAt *time.Time `relm:"softdelete"`
}

func (CSLine) TableName() string { return "cs_lines" }

// Soft delete on a composite key: Delete is an UPDATE by the whole key;
// Get by relm.Key, select-in both ways over the composite foreign key, and
// a bulk Delete with held objects leave deleted rows out.
func TestCompositeKeySoftDelete(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &CSOrder{}, &CSLine{})
		s := newSession(t, db, log, reg)
		o1 := &CSOrder{Shop: "a", No: 1, Lines: []*CSLine{{Item: "pen"}, {Item: "ink"}}}
		o2 := &CSOrder{Shop: "a", No: 2, Lines: []*CSLine{{Item: "pad"}}}
		must(t, s.AddAll(o1, o2))
		must(t, s.Commit(ctx))
		must(t, s.Delete(o1.Lines[1]))
		must(t, s.Delete(o2))
		log.Reset()
		must(t, s.Commit(ctx))
		want := rebind(db, "UPDATE "+q(db, "cs_orders")+" SET "+q(db, "deleted_at")+" = ? WHERE "+q(db, "shop")+" = ? AND "+q(db, "no")+" = ?")
		found := false
		for _, st := range log.Statements() {
			found = found || st == want
		}
		if !found {
			t.Fatalf("statements %q, want %q among them", log.Statements(), want)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM cs_orders"); n != 2 {
			t.Fatalf("%d orders in the table, want 2 (one soft-deleted)", n)
		}

		r := newSession(t, db, log, reg)
		if _, err := relm.Get[CSOrder](ctx, r, relm.Key{"a", 2}); !errors.Is(err, relm.ErrNotFound) {
			t.Errorf("Get of the soft-deleted order: %v, want ErrNotFound", err)
		}
		got, err := relm.Get[CSOrder](ctx, r, relm.Key{"a", 1})
		must(t, err)
		if err := relm.Load(ctx, r, got, "Lines"); err != nil {
			t.Fatal(err)
		}
		if len(got.Lines) != 1 || got.Lines[0].Item != "pen" {
			t.Errorf("order a/1's lines: %d, want only pen", len(got.Lines))
		}
		orders, err := relm.Select[CSOrder](r).SelectIn("Lines").All(ctx)
		must(t, err)
		if len(orders) != 1 || len(orders[0].Lines) != 1 {
			t.Errorf("Select with SelectIn: %d orders, want 1 with 1 line", len(orders))
		}
		// The line of the deleted order: its order is left out of the load.
		lines, err := relm.Select[CSLine](r).Where(relm.Eq("Item", "pad")).SelectIn("Order").All(ctx)
		must(t, err)
		if len(lines) != 1 {
			t.Fatalf("the pad line: %d rows", len(lines))
		}
		if lines[0].Order != nil {
			t.Errorf("the pad line's order: %+v, want nil (soft-deleted)", lines[0].Order)
		}
		withDeleted, err := relm.Select[CSLine](newSession(t, db, log, reg)).WithDeleted().Where(relm.Eq("Item", "pad")).SelectIn("Order").One(ctx)
		must(t, err)
		if withDeleted.Order == nil || withDeleted.Order.No != 2 {
			t.Errorf("WithDeleted: the pad line's order %+v, want a/2", withDeleted.Order)
		}

		// A bulk soft delete by a condition relm cannot evaluate in memory:
		// the held order a/1 is read back by its whole key and leaves the
		// session.
		n, err := relm.Delete[CSOrder](r).Where(relm.Expr("lower(?) = ?", relm.F("Shop"), "a")).Exec(ctx)
		must(t, err)
		if n != 1 {
			t.Errorf("bulk soft delete: %d rows, want 1", n)
		}
		if _, err := relm.Get[CSOrder](ctx, r, relm.Key{"a", 1}); !errors.Is(err, relm.ErrNotFound) {
			t.Errorf("Get after the bulk soft delete: %v, want ErrNotFound", err)
		}
	})
}
