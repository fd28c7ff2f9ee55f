package relm_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// VDoc has a version counter.
type VDoc struct {
	ID      int `relm:"pk"`
	Title   string
	Counter int
	Version int `relm:"version"`
}

func (VDoc) TableName() string { return "v_docs" }

func versionSession(t *testing.T, db *relm.DB, log *testdb.Log) (*relm.Session, *mapping.Registry) {
	t.Helper()
	reg := registry(t, &VDoc{})
	return newSession(t, db, log, reg), reg
}

// INSERT writes version 1; an UPDATE matches the version read and
// increments it; a DELETE matches it.
func TestVersionStatements(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s, _ := versionSession(t, db, log)
		d := &VDoc{Title: "a", Version: 7}
		must(t, s.Add(d))
		must(t, s.Commit(ctx))
		if d.Version != 1 || queryInt(t, db, "SELECT "+q(db, "version")+" FROM v_docs WHERE id = ?", d.ID) != 1 {
			t.Fatalf("after INSERT version %d, want 1", d.Version)
		}
		d.Title = "b"
		log.Reset()
		must(t, s.Commit(ctx))
		want := rebind(db, "UPDATE "+q(db, "v_docs")+" SET "+q(db, "title")+" = ?, "+q(db, "version")+" = ? WHERE "+q(db, "id")+" = ? AND "+q(db, "version")+" = ?")
		if st := log.Statements(); len(st) != 1 || st[0] != want {
			t.Fatalf("statements %q, want %q", st, want)
		}
		if d.Version != 2 || queryInt(t, db, "SELECT "+q(db, "version")+" FROM v_docs WHERE id = ?", d.ID) != 2 {
			t.Fatalf("after UPDATE version %d, want 2", d.Version)
		}
		must(t, s.Commit(ctx)) // nothing changed: no UPDATE, no new version
		if d.Version != 2 {
			t.Fatalf("a commit with nothing to write moved the version to %d", d.Version)
		}
		must(t, s.Delete(d))
		log.Reset()
		must(t, s.Commit(ctx))
		want = rebind(db, "DELETE FROM "+q(db, "v_docs")+" WHERE "+q(db, "id")+" = ? AND "+q(db, "version")+" = ?")
		found := false
		for _, st := range log.Statements() {
			found = found || st == want
		}
		if !found {
			t.Fatalf("statements %q, want %q", log.Statements(), want)
		}
	})
}

// Two sessions read the same row; the second to commit its change fails
// with a *StaleObjectError naming the model, key and version, its whole
// flush is rolled back (the new object it also added is not written), and
// its objects are as before the commit. The first session's change stays:
// no lost update. The same holds for a DELETE.
func TestVersionStaleRollsBack(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s, reg := versionSession(t, db, log)
		d, e := &VDoc{Title: "d"}, &VDoc{Title: "e"}
		must(t, s.AddAll(d, e))
		must(t, s.Commit(ctx))

		s1, s2 := relm.NewSession(db, reg), relm.NewSession(db, reg)
		defer s1.Close()
		defer s2.Close()
		d1, err := relm.Get[VDoc](ctx, s1, d.ID)
		must(t, err)
		d2, err := relm.Get[VDoc](ctx, s2, d.ID)
		must(t, err)
		e2, err := relm.Get[VDoc](ctx, s2, e.ID)
		must(t, err)

		d1.Title = "first"
		must(t, s1.Commit(ctx))

		d2.Title = "second"
		e2.Title = "e changed" // written before d2's stale UPDATE, rolled back
		extra := &VDoc{Title: "extra"}
		must(t, s2.Add(extra))
		err = s2.Commit(ctx)
		var se *relm.StaleObjectError
		if !errors.Is(err, relm.ErrStaleObject) || !errors.As(err, &se) {
			t.Fatalf("commit of a stale version: %v, want a *StaleObjectError", err)
		}
		if se.Type != "VDoc" || fmt.Sprint(se.Key) != fmt.Sprint(d.ID) || se.Version != 1 || se.Op != "update" {
			t.Fatalf("StaleObjectError %+v, want VDoc key %d version 1", se, d.ID)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("VDoc %d: no row with key %d and version 1 in v_docs", d.ID, d.ID)) {
			t.Fatalf("error %q", err)
		}
		if got := queryStrings(t, db, "SELECT title FROM v_docs ORDER BY id"); strings.Join(got, ",") != "first,e" {
			t.Fatalf("titles %v, want first,e: the first commit kept, nothing of the failed one", got)
		}
		if d2.Version != 1 || e2.Version != 1 || extra.ID != 0 || extra.Version != 0 {
			t.Fatalf("after the failed commit: d2 v%d, e2 v%d, extra id %d v%d; want v1, v1, 0 v0", d2.Version, e2.Version, extra.ID, extra.Version)
		}

		// A DELETE of a stale version, among others in one flush: none
		// is deleted.
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		all, err := relm.Select[VDoc](s3).All(ctx)
		must(t, err)
		d1.Title = "third"
		must(t, s1.Commit(ctx))
		for _, x := range all {
			must(t, s3.Delete(x))
		}
		err = s3.Commit(ctx)
		if !errors.As(err, &se) || se.Op != "delete" {
			t.Fatalf("delete of a stale version: %v, want a *StaleObjectError", err)
		}
		if n := countRows(t, db, "v_docs"); n != 2 {
			t.Fatalf("%d rows after the failed delete, want 2", n)
		}
	})
}

// Sessions racing to increment one counter, each retrying on
// ErrStaleObject with a fresh read, lose no increment.
func TestVersionRace(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s, reg := versionSession(t, db, log)
		d := &VDoc{Title: "counter"}
		must(t, s.Add(d))
		must(t, s.Commit(ctx))
		const workers, each = 4, 10
		var wg sync.WaitGroup
		var stale sync.Map
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; {
					s := relm.NewSession(db, reg)
					x, err := relm.Get[VDoc](ctx, s, d.ID)
					if err != nil {
						errs <- err
						s.Close()
						return
					}
					x.Counter++
					err = s.Commit(ctx)
					s.Close()
					switch {
					case err == nil:
						i++
					case errors.Is(err, relm.ErrStaleObject):
						stale.Store(w, true)
					default:
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := queryInt(t, db, "SELECT counter FROM v_docs WHERE id = ?", d.ID); n != workers*each {
			t.Fatalf("counter %d, want %d: an update was lost", n, workers*each)
		}
		if n := queryInt(t, db, "SELECT "+q(db, "version")+" FROM v_docs WHERE id = ?", d.ID); n != workers*each+1 {
			t.Fatalf("version %d, want %d", n, workers*each+1)
		}
	})
}

type vBadType struct {
	ID      int    `relm:"pk"`
	Version string `relm:"version"`
}

type vTwo struct {
	ID int `relm:"pk"`
	A  int `relm:"version"`
	B  int `relm:"version"`
}

// A version tag on a field that is not an integer, or on two fields, is a
// mapping error naming them.
func TestVersionMappingErrors(t *testing.T) {
	err := mapping.NewRegistry().Register(&vBadType{})
	if err == nil || !strings.Contains(err.Error(), "vBadType.Version is string and tagged version") {
		t.Fatalf("string version: %v", err)
	}
	err = mapping.NewRegistry().Register(&vTwo{})
	if err == nil || !strings.Contains(err.Error(), "vTwo.A and vTwo.B are both tagged version") {
		t.Fatalf("two versions: %v", err)
	}
}

// Save of a whole object from outside the session matches the version it
// carries: the version read when the form was rendered, say.
func TestVersionSave(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s, reg := versionSession(t, db, log)
		d := &VDoc{Title: "d"}
		must(t, s.Add(d))
		must(t, s.Commit(ctx))
		d.Title = "d2"
		must(t, s.Commit(ctx)) // version 2

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		form := &VDoc{ID: d.ID, Title: "from an old form", Version: 1}
		must(t, s2.Save(form))
		if err := s2.Commit(ctx); !errors.Is(err, relm.ErrStaleObject) {
			t.Fatalf("Save of version 1 over 2: %v, want ErrStaleObject", err)
		}
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		form = &VDoc{ID: d.ID, Title: "from a fresh form", Version: 2}
		must(t, s3.Save(form))
		must(t, s3.Commit(ctx))
		if form.Version != 3 || queryStrings(t, db, "SELECT title FROM v_docs")[0] != "from a fresh form" {
			t.Fatalf("Save of the current version: v%d", form.Version)
		}
	})
}
