package relm

import (
	"context"
	"testing"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// noReturning is a dialect without RETURNING (MySQL, MariaDB before 10.5).
type noReturning struct{ dialect.Dialect }

func (noReturning) Returning() bool { return false }

type upInRow struct {
	ID    int
	Email string `relm:"size:64;unique"`
	Name  string `relm:"size:64"`
}

// TestUpsertWithoutReturning: where the dialect has no RETURNING, one
// SELECT on the conflict columns reads every row back, so each object gets
// its key (the existing row's for a conflict) and its row.
func TestUpsertWithoutReturning(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&upInRow{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO up_in_rows (id, email, name) VALUES (40, 'ada', 'Ada')`); err != nil {
		t.Fatal(err)
	}
	db.dialect = noReturning{db.dialect}
	s := NewSession(db, reg)
	defer s.Close()
	ada, bob := &upInRow{Email: "ada", Name: "Ada L."}, &upInRow{Email: "bob", Name: "Bob"}
	if err := Insert[upInRow](s).OnConflict("Email").DoNothing().Exec(ctx, ada, bob); err != nil {
		t.Fatal(err)
	}
	if ada.ID != 40 || ada.Name != "Ada" || bob.ID == 0 || bob.ID == 40 || !s.Contains(ada) || !s.Contains(bob) {
		t.Errorf("without RETURNING: %+v %+v (in the session: %v %v)", ada, bob, s.Contains(ada), s.Contains(bob))
	}
}
