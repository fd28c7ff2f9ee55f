package relm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Stamped's version is a timestamp.
type Stamped struct {
	ID      int `relm:"pk"`
	Title   string
	Version time.Time `relm:"version"`
}

// A version on a time.Time is the time of the flush that wrote the row
// (UTC, to the microsecond): each UPDATE matches the time read exactly and
// writes a later one, so the second of two sessions that read the same
// row fails with the time it expected (StaleObjectError.VersionTime).
func ExampleStaleObjectError_timestamp() {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	defer db.Close()
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&Stamped{}))
	exCheck(reg.CreateAll(ctx, db))

	s1 := relm.NewSession(db, reg)
	defer s1.Close()
	doc := &Stamped{Title: "draft"}
	exCheck(s1.Add(doc))
	exCheck(s1.Commit(ctx))
	written := doc.Version

	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	other, err := relm.Get[Stamped](ctx, s2, doc.ID)
	exCheck(err)

	doc.Title = "first"
	exCheck(s1.Commit(ctx))
	fmt.Println("version moved on:", doc.Version.After(written))

	other.Title = "second"
	err = s2.Commit(ctx)
	var stale *relm.StaleObjectError
	fmt.Println("stale:", errors.Is(err, relm.ErrStaleObject), errors.As(err, &stale) && stale.VersionTime.Equal(written))
	// Output:
	// version moved on: true
	// stale: true true
}
