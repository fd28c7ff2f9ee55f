package migrate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/migrate"
)

type noteV1 struct {
	ID   int    `relm:"pk"`
	Text string `relm:"size:64"`
	Hits int
}

func (noteV1) TableName() string { return "notes" }

type noteV2 struct {
	ID     int     `relm:"pk"`
	Text   string  `relm:"size:64;index"`
	Visits int     `relm:"renamed_from:hits"`
	Tag    *string `relm:"size:16"`
}

func (noteV2) TableName() string { return "notes" }

// Diff a changed model against the database, then apply the plan.
func ExampleDiff() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "relm-example")
	defer os.RemoveAll(dir)
	db, err := relm.Open(ctx, "sqlite:"+filepath.Join(dir, "notes.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	if err := mapping.NewRegistry().MustRegister(&noteV1{}).CreateAll(ctx, db); err != nil {
		fmt.Println(err)
		return
	}

	reg := mapping.NewRegistry().MustRegister(&noteV2{})
	plan, err := migrate.Diff(ctx, db, reg, migrate.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(plan)
	if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	again, _ := migrate.Diff(ctx, db, reg, migrate.Options{})
	fmt.Println("empty after apply:", again.Empty())
	// Output:
	// rename column notes.hits to visits (renamed_from)
	// add column notes.tag VARCHAR(16)
	// create index ix_notes_text on notes (text)
	// empty after apply: true
}
