package relm_test

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// Attrs is a JSON column: a map with its own Value and Scan.
type Attrs map[string]any

// Value encodes the map as JSON.
func (a Attrs) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	b, err := json.Marshal(map[string]any(a))
	return string(b), err
}

// Scan decodes JSON text.
func (a *Attrs) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*a = nil
		return nil
	case string:
		return json.Unmarshal([]byte(x), a)
	case []byte:
		return json.Unmarshal(x, a)
	}
	return errors.New("Attrs: cannot scan")
}

// Doc has fields whose values the program may change in place.
type Doc struct {
	ID    int     `relm:"pk"`
	Title *string `relm:"size:64"`
	Count *int
	Data  []byte
	Attrs Attrs `relm:"type:text"`
	Tags  Words `relm:"type:text"`
}

// Words is a JSON list column.
type Words []string

// Value encodes the list as JSON.
func (w Words) Value() (driver.Value, error) {
	b, err := json.Marshal([]string(w))
	return string(b), err
}

// Scan decodes JSON text.
func (w *Words) Scan(v any) error {
	switch x := v.(type) {
	case string:
		return json.Unmarshal([]byte(x), w)
	case []byte:
		return json.Unmarshal(x, w)
	case nil:
		*w = nil
		return nil
	}
	return errors.New("Words: cannot scan")
}

// A change made in place — through a pointer field, to a []byte's bytes,
// inside a JSON map or list — is a change like any other: the next commit
// writes it (it used to compare equal to the snapshot, which shared the
// memory, and was silently lost). Loaded objects and objects the session
// inserted alike.
func TestInPlaceChangesAreWritten(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Doc{})
		s := newSession(t, db, log, reg)
		title, n := "draft", 1
		d := &Doc{Title: &title, Count: &n, Data: []byte("abc"), Attrs: Attrs{"k": "v"}, Tags: Words{"a"}}
		must(t, s.Add(d))
		must(t, s.Commit(ctx))

		// On the object the session inserted.
		*d.Title = "final"
		*d.Count = 2
		d.Data[0] = 'X'
		d.Attrs["k"] = "w"
		d.Tags[0] = "b"
		log.Reset()
		must(t, s.Commit(ctx))
		if log.Count("UPDATE") != 1 {
			t.Fatalf("in-place changes sent %v, want one UPDATE", log.Statements())
		}
		check := func(wantTitle string, wantCount int, wantData, wantK, wantTag string) {
			t.Helper()
			s2 := relm.NewSession(db, reg)
			defer s2.Close()
			got, err := relm.Get[Doc](ctx, s2, d.ID)
			must(t, err)
			if *got.Title != wantTitle || *got.Count != wantCount || string(got.Data) != wantData || got.Attrs["k"] != wantK || len(got.Tags) != 1 || got.Tags[0] != wantTag {
				t.Fatalf("row holds %q %d %q %v %v, want %q %d %q k=%s [%s]", *got.Title, *got.Count, got.Data, got.Attrs, got.Tags, wantTitle, wantCount, wantData, wantK, wantTag)
			}
		}
		check("final", 2, "Xbc", "w", "b")

		// On an object loaded by another session.
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		l, err := relm.Get[Doc](ctx, s3, d.ID)
		must(t, err)
		*l.Title = "loaded"
		*l.Count = 3
		l.Data[1] = 'Y'
		l.Attrs["k"] = "z"
		l.Tags[0] = "c"
		must(t, s3.Commit(ctx))
		check("loaded", 3, "XYc", "z", "c")

		// No change: no statement.
		log.Reset()
		must(t, s3.Commit(ctx))
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("a commit without changes sent %v", log.Statements())
		}
	})
}
