package relm_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// TDoc's version is a timestamp.
type TDoc struct {
	ID      int `relm:"pk"`
	Title   string
	Version time.Time `relm:"version"`
}

func (TDoc) TableName() string { return "t_docs" }

// A timestamp version: the INSERT writes the flush's time (UTC, to the
// microsecond); each UPDATE and DELETE matches the time read exactly and
// an UPDATE writes a later one; a row changed meanwhile fails the flush
// with ErrStaleObject naming the time expected, its transaction rolled
// back and the objects as before.
func TestVersionTimestamp(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &TDoc{})
		s := newSession(t, db, log, reg)
		before := time.Now().UTC().Truncate(time.Microsecond)
		d, e := &TDoc{Title: "d"}, &TDoc{Title: "e"}
		must(t, s.AddAll(d, e))
		must(t, s.Commit(ctx))
		v1 := d.Version
		if v1.Before(before) || v1.Location() != time.UTC || v1.Nanosecond()%1000 != 0 || !e.Version.Equal(v1) {
			t.Fatalf("after INSERT versions %v, %v: want the flush's time, UTC, to the microsecond, the same for both", v1, e.Version)
		}
		// What another session reads is what was written.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		d2, err := relm.Get[TDoc](ctx, s2, d.ID)
		must(t, err)
		if !d2.Version.Equal(v1) {
			t.Fatalf("row's version %v, object's %v", d2.Version, v1)
		}

		d.Title = "d changed"
		log.Reset()
		must(t, s.Commit(ctx))
		want := rebind(db, "UPDATE "+q(db, "t_docs")+" SET "+q(db, "title")+" = ?, "+q(db, "version")+" = ? WHERE "+q(db, "id")+" = ? AND "+q(db, "version")+" = ?")
		if st := log.Statements(); len(st) != 1 || st[0] != want {
			t.Fatalf("statements %q, want %q", st, want)
		}
		if !d.Version.After(v1) {
			t.Fatalf("after UPDATE version %v, want later than %v", d.Version, v1)
		}

		// The second session read v1: its UPDATE is stale, and the
		// change it made to e in the same flush is rolled back.
		e2, err := relm.Get[TDoc](ctx, s2, e.ID)
		must(t, err)
		d2.Title, e2.Title = "lost", "e changed"
		err = s2.Commit(ctx)
		var se *relm.StaleObjectError
		if !errors.Is(err, relm.ErrStaleObject) || !errors.As(err, &se) || !se.VersionTime.Equal(v1) {
			t.Fatalf("stale UPDATE: %v, want a StaleObjectError of version %v", err, v1)
		}
		if !strings.Contains(err.Error(), v1.Format(time.RFC3339Nano)) {
			t.Errorf("error %q does not name the version %s", err, v1.Format(time.RFC3339Nano))
		}
		if got := queryStrings(t, db, "SELECT title FROM t_docs ORDER BY id"); strings.Join(got, ",") != "d changed,e" {
			t.Fatalf("titles %v, want d changed,e", got)
		}
		if !d2.Version.Equal(v1) || !e2.Version.Equal(v1) {
			t.Fatalf("after the failed commit versions %v, %v; want %v restored", d2.Version, e2.Version, v1)
		}

		// A DELETE matches the version too: e2 read e's version, which
		// has not moved (deleted); d2 read v1, which has (stale).
		must(t, s2.Rollback(ctx))
		must(t, s2.Delete(e2))
		must(t, s2.Commit(ctx))
		if n := countRows(t, db, "t_docs"); n != 1 {
			t.Fatalf("%d rows after deleting e, want 1", n)
		}
		must(t, s2.Delete(d2))
		err = s2.Commit(ctx)
		if !errors.As(err, &se) || se.Op != "delete" || !se.VersionTime.Equal(v1) {
			t.Fatalf("stale DELETE: %v, want a StaleObjectError of version %v", err, v1)
		}
		if n := countRows(t, db, "t_docs"); n != 1 {
			t.Fatalf("%d rows, want 1", n)
		}
	})
}
