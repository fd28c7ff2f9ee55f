package relm_test

import (
	"context"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

type osLeft struct {
	ID       int        `relm:"pk"`
	Children []*osRight `relm:"secondary:os_assoc"`
}

func (osLeft) TableName() string { return "os_left" }

type osRight struct {
	ID int `relm:"pk"`
}

func (osRight) TableName() string { return "os_right" }

// Deleting an object reached only through a many-to-many declared on the
// other side (no backref) deletes its link rows first, so the foreign key
// from the link table does not stop the delete.
func TestUOWDeleteThroughOneSidedManyToMany(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		ctx := context.Background()
		reg := mapping.NewRegistry()
		must(t, reg.Register(&osLeft{}, &osRight{}))
		must(t, reg.AddTable(&schema.Table{Name: "os_assoc", Columns: []*schema.Column{
			{Name: "left_id", Type: schema.Integer, References: "os_left.id"},
			{Name: "right_id", Type: schema.Integer, References: "os_right.id"},
		}}))
		s := newSession(t, db, log, reg)
		r1, r2 := &osRight{}, &osRight{}
		must(t, s.Add(&osLeft{Children: []*osRight{r1, r2}}))
		must(t, s.Commit(ctx))
		must(t, s.Delete(r1))
		must(t, s.Commit(ctx))
		if n := countRows(t, db, "os_assoc"); n != 1 {
			t.Fatalf("link rows after deleting one child: %d, want 1", n)
		}
		if n := countRows(t, db, "os_right"); n != 1 {
			t.Fatalf("os_right rows: %d, want 1", n)
		}
	})
}
