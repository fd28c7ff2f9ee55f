// Upsert: insert objects, or, where a row with the same unique email is
// there already, update some of its columns (or leave it) — in one
// statement per batch, each object then holding its row and key.
//
// The SQLAlchemy it mirrors (PostgreSQL's and SQLite's dialect insert):
//
//	stmt = insert(Subscriber).values(rows)
//	session.execute(stmt.on_conflict_do_update(
//	    index_elements=[Subscriber.email], set_={"name": stmt.excluded.name}))
//	session.execute(insert(Subscriber).values(rows).on_conflict_do_nothing(
//	    index_elements=[Subscriber.email]))
//
// Run it with: go run ./examples/upsert
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Subscriber has a unique email: the conflict target.
type Subscriber struct {
	ID     int
	Email  string `relm:"size:64;unique"`
	Name   string `relm:"size:64"`
	Visits int
}

func (Subscriber) TableName() string { return "subscribers" }

func run(ctx context.Context) error {
	db, err := relm.Open(ctx, "sqlite::memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&Subscriber{}); err != nil {
		return err
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		return err
	}
	s := relm.NewSession(db, reg)
	defer s.Close()
	ada := &Subscriber{Email: "ada@example.com", Name: "Ada", Visits: 5}
	if err := s.Add(ada); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}

	fmt.Println("DO UPDATE of the name: ada's row renamed, bob's inserted")
	renamed := &Subscriber{Email: "ada@example.com", Name: "Ada Lovelace", Visits: 99}
	bob := &Subscriber{Email: "bob@example.com", Name: "Bob", Visits: 1}
	if err := relm.Insert[Subscriber](s).OnConflict("Email").DoUpdate("Name").Exec(ctx, renamed, bob); err != nil {
		return err
	}
	// ada, held by the session, is that row: brought in step in place.
	fmt.Printf("  held ada: %s, %d visits (the update left visits)\n", ada.Name, ada.Visits)
	fmt.Printf("  given object: key of ada's row: %v; bob has a key: %v\n", renamed.ID == ada.ID, bob.ID != 0)

	fmt.Println("DO NOTHING: the conflicting object gets the row that was there")
	impostor := &Subscriber{Email: "bob@example.com", Name: "Impostor"}
	cyd := &Subscriber{Email: "cyd@example.com", Name: "Cyd"}
	if err := relm.Insert[Subscriber](s).OnConflict("Email").DoNothing().Exec(ctx, impostor, cyd); err != nil {
		return err
	}
	fmt.Printf("  %s (bob's key: %v), %s inserted\n", impostor.Name, impostor.ID == bob.ID, cyd.Name)

	fmt.Println("a conflict target without a unique constraint is refused before any SQL:")
	err = relm.Insert[Subscriber](s).OnConflict("Name").DoNothing().Exec(ctx, &Subscriber{Name: "x"})
	fmt.Println(" ", err)

	all, err := relm.Select[Subscriber](s).OrderBy("Email").All(ctx)
	if err != nil {
		return err
	}
	fmt.Println("rows:")
	for _, x := range all {
		fmt.Printf("  %s %s %d\n", x.Email, x.Name, x.Visits)
	}
	return s.Commit(ctx)
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
