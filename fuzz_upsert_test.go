package relm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// FuzzUpsert upserts objects holding fuzzed values, on a fuzzed conflict
// field and action, against SQLite in memory. Any input is a bad-query
// error with no SQL, or runs; the SQL is the same whatever the values
// (they are bound, never written into it); and every object then holds
// its row as a fresh session reads it.
func FuzzUpsert(f *testing.F) {
	for _, s := range []struct {
		email, name, field string
		update             bool
	}{
		{"ada@example.com", "it's", "Email", true},
		{"'); DROP TABLE up_accounts; --", "$1 ?", "Email", false},
		{"a\x00b", "\xff", "email", true},
		{"x", "y", "Name", true},
		{"x", "y", "Emial", false},
		{"", "", "ID", true},
	} {
		f.Add(s.email, s.name, s.field, s.update)
	}
	log := &testdb.Log{}
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:", log.Option())
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&upAccount{}); err != nil {
		f.Fatal(err)
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		f.Fatal(err)
	}
	run := func(s *relm.Session, field string, update bool, objs ...*upAccount) ([]string, error) {
		log.Reset()
		ins := relm.Insert[upAccount](s).OnConflict(field)
		if update {
			ins = ins.DoUpdate("Name")
		} else {
			ins = ins.DoNothing()
		}
		err := ins.Exec(ctx, objs...)
		return log.Statements(), err
	}
	f.Fuzz(func(t *testing.T, email, name, field string, update bool) {
		s := relm.NewSession(db, reg)
		defer s.Close()
		defer func() {
			if _, err := db.ExecContext(ctx, "DELETE FROM up_accounts"); err != nil {
				t.Fatal(err)
			}
		}()
		objs := []*upAccount{{Email: email, Name: name}, {Email: email + "'", Name: name + "?"}}
		stmts, err := run(s, field, update, objs...)
		if err != nil {
			if !errors.Is(err, relm.ErrBadQuery) {
				t.Fatalf("email %q name %q field %q: not a bad-query error: %v", email, name, field, err)
			}
			if len(stmts) != 0 {
				t.Fatalf("a refused upsert issued SQL: %q", stmts)
			}
			return
		}
		// Again, every row a conflict, and with other values: the
		// same statement text.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		more := []*upAccount{{Email: email, Name: "n"}, {Email: email + "'", Name: "m"}}
		again, err := run(s2, field, update, more...)
		if err != nil {
			t.Fatal(err)
		}
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		canon, err := run(s3, field, update, &upAccount{Email: "v1", Name: "n"}, &upAccount{Email: "v2", Name: "m"})
		if err != nil || len(canon) == 0 || canon[0] != stmts[0] || (update && canon[0] != again[0]) {
			t.Fatalf("the SQL depends on the values:\n%q\n%q\n%q (%v)", stmts, again, canon, err)
		}
		rows, err := relm.Select[upAccount](relm.NewSession(db, reg)).Where(relm.In("Email", email, email+"'")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{name, name + "?"}
		if update {
			want = []string{"n", "m"}
		}
		for i, r := range rows {
			if len(rows) != 2 || r.ID != objs[i].ID || r.ID != more[i].ID || r.Name != more[i].Name || r.Name != want[i] {
				t.Fatalf("row %d of %d: %+v; objects %+v then %+v, name %q", i, len(rows), r, objs[i], more[i], want[i])
			}
		}
	})
}
