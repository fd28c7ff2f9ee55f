package relm_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// JSONAddress is a struct stored whole in a JSON column.
type JSONAddress struct {
	City  string   `json:"city"`
	Lines []string `json:"lines,omitempty"`
}

// Profile has JSON columns of every shape: a map, a slice, a struct and a
// pointer to one.
type Profile struct {
	ID       int            `relm:"pk"`
	Name     string         `relm:"size:40"`
	Settings map[string]any `relm:"type:json"`
	Tags     []string       `relm:"type:json"`
	Home     JSONAddress    `relm:"type:json"`
	Work     *JSONAddress   `relm:"type:json"`
}

// A type:json field is encoded with encoding/json into JSONB (PostgreSQL),
// JSON (MariaDB) or TEXT (SQLite), decoded on the way out, and compared by
// content: a map or slice changed in place is written.
func TestJSONColumns(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Profile{})
		must(t, reg.CreateAll(ctx, db))
		wantType := map[string]string{"sqlite": `"settings" TEXT`, "postgres": `"settings" JSONB`, "mysql": "`settings` JSON"}[db.Dialect().Name()]
		if ddl := strings.Join(log.Statements(), "\n"); !strings.Contains(ddl, wantType) {
			t.Fatalf("DDL lacks %s:\n%s", wantType, ddl)
		}
		if db.Dialect().Name() == "postgres" {
			if got := queryStrings(t, db, "SELECT data_type FROM information_schema.columns WHERE table_name = 'profiles' AND column_name = 'tags'"); len(got) != 1 || got[0] != "jsonb" {
				t.Fatalf("tags column is %v, want jsonb", got)
			}
		}
		if db.Dialect().Name() != "sqlite" {
			// JSONB and MariaDB's JSON (a LONGTEXT with a JSON_VALID check)
			// refuse what is not JSON.
			if _, err := db.SQL().ExecContext(ctx, "INSERT INTO "+q(db, "profiles")+" ("+q(db, "name")+", "+q(db, "tags")+", "+q(db, "home")+") VALUES ('x', 'not json', '{}')"); err == nil {
				t.Fatal("the json column took text that is not JSON")
			}
		}
		s := relm.NewSession(db, reg)
		defer s.Close()
		p := &Profile{Name: "ann", Settings: map[string]any{"theme": "dark", "size": 12.0},
			Tags: []string{"a", "b"}, Home: JSONAddress{City: "Oslo", Lines: []string{"1 Main St"}}}
		must(t, s.Add(p))
		must(t, s.Commit(ctx))

		// What the row holds is JSON, whatever the database wrote it as.
		raw := queryStrings(t, db, "SELECT "+q(db, "home")+" FROM "+q(db, "profiles"))
		if len(raw) != 1 || !strings.Contains(strings.ReplaceAll(raw[0], " ", ""), `"city":"Oslo"`) {
			t.Fatalf("home column holds %q", raw)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "profiles")+" WHERE "+q(db, "work")+" IS NULL"); n != 1 {
			t.Fatalf("a nil *JSONAddress is not NULL (%d rows)", n)
		}

		load := func() *Profile {
			t.Helper()
			s2 := relm.NewSession(db, reg)
			defer s2.Close()
			got, err := relm.Get[Profile](ctx, s2, p.ID)
			must(t, err)
			return got
		}
		got := load()
		if !reflect.DeepEqual(got.Settings, p.Settings) || !reflect.DeepEqual(got.Tags, p.Tags) || !reflect.DeepEqual(got.Home, p.Home) || got.Work != nil {
			t.Fatalf("read back %+v, want %+v", got, p)
		}

		// In place, on the object the session inserted: one UPDATE.
		p.Settings["theme"] = "light"
		p.Tags[1] = "c"
		p.Home.Lines[0] = "2 Side St"
		log.Reset()
		must(t, s.Commit(ctx))
		if n := log.Count("UPDATE"); n != 1 {
			t.Fatalf("in-place JSON changes sent %v, want one UPDATE", log.Statements())
		}
		got = load()
		if got.Settings["theme"] != "light" || got.Tags[1] != "c" || got.Home.Lines[0] != "2 Side St" {
			t.Fatalf("in-place changes not written: %+v", got)
		}

		// In place, on a loaded object; and nothing when nothing changed.
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		l, err := relm.Get[Profile](ctx, s3, p.ID)
		must(t, err)
		log.Reset()
		must(t, s3.Commit(ctx))
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("an unchanged loaded JSON object sent %v", log.Statements())
		}
		l.Settings["new"] = []any{1.0, "x"}
		l.Work = &JSONAddress{City: "Bergen"}
		must(t, s3.Commit(ctx))
		got = load()
		if !reflect.DeepEqual(got.Settings["new"], []any{1.0, "x"}) || got.Work == nil || got.Work.City != "Bergen" {
			t.Fatalf("loaded object's changes not written: %+v", got)
		}

		// A value that does not encode fails the commit, naming the model,
		// field and value; nothing is written.
		l.Settings["bad"] = math.NaN()
		l.Name = "changed"
		err = s3.Commit(ctx)
		var je *mapping.JSONError
		if !errors.As(err, &je) || je.Model != "Profile" || je.Field != "Settings" || !strings.Contains(err.Error(), "Profile.Settings") || !strings.Contains(err.Error(), "NaN") {
			t.Fatalf("commit of a NaN: %v, want a JSONError naming Profile.Settings and the value", err)
		}
		if got := load(); got.Name != "ann" || got.Settings["bad"] != nil {
			t.Fatalf("a failed commit wrote %+v", got)
		}
		delete(l.Settings, "bad")
		l.Settings["ch"] = make(chan int)
		if err := s3.Commit(ctx); !errors.As(err, &je) || je.Field != "Settings" || !strings.Contains(err.Error(), "chan int") {
			t.Fatalf("commit of a channel in a map: %v, want a JSONError naming chan int", err)
		}
		if got := load(); got.Name != "ann" || got.Settings["ch"] != nil {
			t.Fatalf("a failed commit wrote %+v", got)
		}
		s4 := relm.NewSession(db, reg)
		defer s4.Close()
		must(t, s4.Add(&Profile{Name: "ok"}))
		must(t, s4.Add(&Profile{Name: "bad", Settings: map[string]any{"f": math.Inf(1)}}))
		if err := s4.Commit(ctx); !errors.As(err, &je) {
			t.Fatalf("insert of +Inf: %v, want a JSONError", err)
		}
		if n := countRows(t, db, "profiles"); n != 1 {
			t.Fatalf("a failed insert left %d rows, want 1", n)
		}
	})
}

// A type:json field whose type encoding/json cannot encode is refused when
// the model is mapped, naming the struct and the field.
func TestJSONColumnRefusesUnencodableType(t *testing.T) {
	type Chans struct {
		ID int               `relm:"pk"`
		C  map[string]func() `relm:"type:json"`
	}
	reg := mapping.NewRegistry()
	err := reg.Register(&Chans{})
	if err == nil {
		err = reg.Configure()
	}
	if err == nil || !strings.Contains(err.Error(), "Chans.C") || !strings.Contains(err.Error(), "func()") {
		t.Fatalf("mapping a func in a json column: %v, want an error naming Chans.C", err)
	}
}
