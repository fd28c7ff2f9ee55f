package relm_test

import (
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// Issue has columns with defaults: a zero value leaves them to the
// database, whose value is read back.
type Issue struct {
	ID       int       `relm:"pk"`
	Title    string    `relm:"size:64"`
	Status   string    `relm:"size:1;default:'N'"`
	Priority int       `relm:"default:3"`
	Opened   time.Time `relm:"default:current_timestamp"`
	Note     *string   `relm:"size:16;notnull;default:'none'"`
	Count    int       `relm:"default:1;keepzero"`
}

// Column defaults apply when the Go value is zero (SQLAlchemy's
// server_default): the INSERT leaves the column out and the object gets
// what the database stored; a value set is written; keepzero writes the
// zero. A rollback clears what was read back.
func TestColumnDefaultsApply(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Issue{})
		s := newSession(t, db, log, reg)
		before := time.Now().Add(-time.Minute)
		note := "set"
		zero := &Issue{Title: "all defaults"}
		set := &Issue{Title: "set", Status: "Y", Priority: 9, Opened: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), Note: &note, Count: 5}
		must(t, s.AddAll(zero, set))
		must(t, s.Commit(ctx))
		if zero.Status != "N" || zero.Priority != 3 || zero.Note == nil || *zero.Note != "none" || zero.Count != 0 {
			t.Fatalf("defaults read back: status %q priority %d note %v count %d; want N 3 none 0", zero.Status, zero.Priority, zero.Note, zero.Count)
		}
		if zero.Opened.Before(before) || zero.Opened.After(time.Now().Add(time.Minute)) {
			t.Fatalf("opened %v, want the time of the insert", zero.Opened)
		}
		if set.Status != "Y" || set.Priority != 9 || *set.Note != "set" || !set.Opened.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Fatalf("the values set were not kept: %+v", set)
		}
		if got := queryStrings(t, db, "SELECT "+q(db, "status")+" FROM issues ORDER BY id"); len(got) != 2 || got[0] != "N" || got[1] != "Y" {
			t.Fatalf("status column %v, want [N Y]", got)
		}
		if n := queryInt(t, db, "SELECT "+q(db, "count")+" FROM issues WHERE id = ?", zero.ID); n != 0 {
			t.Fatalf("keepzero count is %d in the database, want 0", n)
		}
		// Read back, the objects are clean: nothing to write.
		log.Reset()
		must(t, s.Commit(ctx))
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("a commit after the insert sent %v", log.Statements())
		}
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Get[Issue](ctx, s2, zero.ID)
		must(t, err)
		if got.Status != "N" || got.Opened.IsZero() {
			t.Fatalf("reloaded: %+v", got)
		}

		// Rolled back, the values read back are zero again.
		r := &Issue{Title: "rolled back"}
		must(t, s.Add(r))
		must(t, s.Flush(ctx))
		if r.Status != "N" {
			t.Fatalf("flush did not read the default back: %q", r.Status)
		}
		must(t, s.Rollback(ctx))
		if r.Status != "" || r.Priority != 0 || !r.Opened.IsZero() || r.Note != nil || r.ID != 0 {
			t.Fatalf("after rollback: %+v, want the zero values back", r)
		}
	})
}
