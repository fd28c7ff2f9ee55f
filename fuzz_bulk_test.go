package relm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// FuzzBulkUpdate runs a bulk Update with the fuzzed conditions of
// FuzzCondition over rows near the fuzzed values, held by the session, on
// SQLite in memory. Any input is a bad-query error with no SQL, or runs;
// and the objects the session holds then agree with the database, row by
// row — whether the condition was evaluated in memory or read back — and a
// bulk Delete of them all leaves none in the session. A projection with
// the fuzzed field and value is a bad-query error or runs, its SQL the
// same whatever the value.
func FuzzBulkUpdate(f *testing.F) {
	for _, s := range []struct {
		field, value string
		n            int64
		op           uint8
	}{
		{"Name", "it's", 1, 0},
		{"N", "x", -9223372036854775808, 3},
		{"Note", "a\x00b", 9223372036854775807, 4},
		{"N", "", 2, 5},
		{"Name", "b", 3, 6},
		{"N", "", 5, 7},
		{"Nope", "?", 3, 0},
		{"Author.Name", "x", 7, 2},
	} {
		f.Add(s.field, s.value, s.n, s.op)
	}
	log := &testdb.Log{}
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:", log.Option())
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&fzItem{}); err != nil {
		f.Fatal(err)
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		f.Fatal(err)
	}
	type fzAgg struct {
		K any // whatever the fuzzed field's type, NULL included
		C int64
	}
	f.Fuzz(func(t *testing.T, field, value string, n int64, op uint8) {
		s := relm.NewSession(db, reg)
		defer s.Close()
		note := value
		rows := []*fzItem{
			{Name: value, N: n, Note: &note},
			{Name: value + "x", N: n + 1},
			{Name: "", N: n - 1, Note: &note},
			{Name: value, N: 0},
		}
		for _, r := range rows {
			if err := s.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		_, err := relm.Update[fzItem](s).Where(fzCond(op, field, value, n)).Set("Name", "marked").Set("N", int64(42)).Exec(ctx)
		if err != nil {
			if !errors.Is(err, relm.ErrBadQuery) {
				t.Fatalf("field %q value %q op %d: %v", field, value, op, err)
			}
			if st := log.Statements(); len(st) != 0 {
				t.Fatalf("a bad update issued SQL: %q", st)
			}
		}
		fresh := relm.NewSession(db, reg)
		defer fresh.Close()
		for _, r := range rows {
			got, err := relm.Get[fzItem](ctx, fresh, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != r.Name || got.N != r.N {
				t.Fatalf("field %q value %q n %d op %d: held row %d is (%q, %d), the database has (%q, %d)", field, value, n, op, r.ID, r.Name, r.N, got.Name, got.N)
			}
		}
		log.Reset()
		if _, err := s.Commit(ctx), error(nil); err != nil {
			t.Fatal(err)
		}
		if st := log.Statements(); len(st) != 0 {
			t.Fatalf("Commit after the bulk update wrote %q", st)
		}

		// A projection of the fuzzed field, named by the fuzzed value.
		proj := func(name string, v int64) ([]string, error) {
			log.Reset()
			_, err := relm.Scan[fzAgg](ctx, relm.Select[fzItem](s).Columns(relm.Col(field).As("K"), relm.Count("ID").As(name)).
				GroupBy(field).Having(relm.Count(field).Ge(v)).OrderBy(name+" desc"))
			return log.Statements(), err
		}
		st, err := proj("C", n)
		if err != nil {
			if !errors.Is(err, relm.ErrBadQuery) {
				t.Fatalf("projection of %q: %v", field, err)
			}
			if len(st) != 0 {
				t.Fatalf("a bad projection issued SQL: %q", st)
			}
		} else if canon, err := proj("C", 7); err != nil || len(canon) != 1 || canon[0] != st[0] {
			t.Fatalf("the projection's SQL depends on the value: %q %q %v", st, canon, err)
		}
		if _, err := proj(value, n); err == nil && value != "C" {
			t.Fatalf("column named %q, which R has no field of, was accepted", value)
		} else if err != nil && !errors.Is(err, relm.ErrBadQuery) {
			t.Fatalf("projection named %q: %v", value, err)
		}

		if _, err := relm.Delete[fzItem](s).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if s.Contains(r) {
				t.Fatalf("row %d still held after the bulk delete of every row", r.ID)
			}
		}
	})
}
