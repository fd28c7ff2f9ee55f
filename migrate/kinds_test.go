package migrate_test

import (
	"context"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/migrate"
)

// everyKind has a column of every kind, with and without NULL, defaults
// of each sort, a unique column, a composite unique index and a named
// composite index.
type everyKind struct {
	ID       int64      `relm:"pk"`
	Small    int32      `relm:"default:7"`
	Big      *int64     `relm:"index"`
	Name     string     `relm:"size:40;unique"`
	Label    *string    `relm:"size:20;default:'it''s'"`
	Body     string     `relm:"type:text"`
	Long     *string    `relm:"type:longtext"`
	Flag     bool       `relm:"default:true"`
	Off      *bool      `relm:"default:false"`
	Ratio    float64    `relm:"default:1.5"`
	Created  time.Time  `relm:"default:current_timestamp"`
	Seen     *time.Time //
	Blob     []byte     //
	GroupA   string     `relm:"size:10;unique:uq_pair"`
	GroupB   int        `relm:"unique:uq_pair"`
	SortA    string     `relm:"size:10;index:ix_sort"`
	SortB    *int       `relm:"index:ix_sort"`
	ParentID *int64     `relm:"fk:every_kinds.id;ondelete:set null"`
}

func (everyKind) TableName() string { return "every_kinds" }

// TestEveryKindDiffsEmpty: CreateAll's tables diff as empty whatever the
// columns' kinds, defaults, constraints and indexes.
func TestEveryKindDiffsEmpty(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := registry(t, &everyKind{})
		if err := reg.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		plan, err := migrate.Diff(ctx, db, reg, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Empty() || len(plan.Notes) != 0 {
			t.Errorf("plan after CreateAll:\n%s\n%s", plan, plan.SQL())
		}
		// The same tables made by a plan instead.
		if err := reg.DropAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		plan = diff(t, db, reg)
		if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, plan.SQL())
		}
		wantEmpty(t, db, reg, "after the plan that creates them")
	})
}

// everyKind2 changes the defaults and nullability of everyKind's columns.
type everyKind2 struct {
	ID       int64     `relm:"pk"`
	Small    int32     `relm:"default:8"`
	Big      int64     `relm:"index"`
	Name     string    `relm:"size:40;unique"`
	Label    *string   `relm:"size:20"`
	Body     *string   `relm:"type:text"`
	Long     *string   `relm:"type:longtext"`
	Flag     bool      `relm:"default:false"`
	Off      bool      `relm:"default:false"`
	Ratio    float64   `relm:"default:2.5"`
	Created  time.Time `relm:"default:current_timestamp"`
	Seen     time.Time
	Blob     []byte
	GroupA   string `relm:"size:10;unique:uq_pair"`
	GroupB   int    `relm:"unique:uq_pair"`
	SortA    string `relm:"size:10;index:ix_sort"`
	SortB    int    `relm:"index:ix_sort"`
	ParentID *int64 `relm:"fk:every_kinds.id;ondelete:set null"`
}

func (everyKind2) TableName() string { return "every_kinds" }

// TestEveryKindAltered: defaults changed and dropped, columns made NOT
// NULL (their NULLs filled) and nullable, on rows of every kind; then the
// diff is empty, the rows are there, and undoing it gives the first
// version back.
func TestEveryKindAltered(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg1 := registry(t, &everyKind{})
		if err := reg1.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 20; i++ {
			mustExec(t, db, "INSERT INTO every_kinds (id, name, body, group_a, group_b, sort_a, parent_id) VALUES (?, ?, 'b', 'g', ?, 's', ?)", i, "n"+itoa(i), i, 1)
		}
		reg2 := registry(t, &everyKind2{})
		plan := diff(t, db, reg2)
		if len(plan.Destructive()) != 0 {
			t.Errorf("destructive steps:\n%s", plan)
		}
		if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, plan.SQL())
		}
		wantEmpty(t, db, reg2, "after the plan")
		if n := count(t, db, "SELECT COUNT(*) FROM every_kinds WHERE big = 0 AND sort_b = 0 AND small = 7 AND parent_id = 1"); n != 20 {
			t.Errorf("%d rows with their NULLs filled and values kept, want 20", n)
		}
		if err := migrate.Revert(ctx, db, plan, migrate.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, plan.DownSQL())
		}
		wantEmpty(t, db, reg1, "after undoing the plan")
		if n := count(t, db, "SELECT COUNT(*) FROM every_kinds"); n != 20 {
			t.Errorf("%d rows, want 20", n)
		}
	})
}
