package relm_test

import (
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// Counters has integer columns only, as a link table has: on SQLite its rows
// travel as integer literals in one VALUES statement, however many.
type Counters struct {
	ID int64 `relm:"pk"`
	A  int64
	B  *int64
}

func (Counters) TableName() string { return "zz_counters" }

// TestUOWIntegerRowsInline: 40,000 rows of integers (more than one VALUES
// statement binds on any database) are one INSERT on SQLite with no
// parameter, NULLs included, and the generated keys follow the rows; every
// database stores the same values.
func TestUOWIntegerRowsInline(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Counters{})
		s := newSession(t, db, log, reg)
		const n = 40000
		rows := make([]*Counters, n)
		for i := range rows {
			rows[i] = &Counters{A: int64(i)*3 - 7}
			if i%2 == 1 {
				b := -int64(i) << 33
				rows[i].B = &b
			}
		}
		must(t, s.AddAll(rows))
		must(t, s.Commit(ctx))
		ins := writes(log)
		if db.Dialect().Name() == "sqlite" {
			if len(ins) != 1 || strings.Contains(ins[0], "?") || !strings.Contains(ins[0], "VALUES (-7, NULL), (-4, -8589934592)") {
				t.Fatalf("%d statements; the first: %.200s", len(ins), ins[0])
			}
		}
		if got := countRows(t, db, "zz_counters"); got != n {
			t.Fatalf("%d rows, want %d", got, n)
		}
		byID := map[int64]*Counters{}
		for _, c := range rows {
			byID[c.ID] = c
		}
		r, err := db.SQL().QueryContext(ctx, "SELECT id, a, b FROM zz_counters")
		must(t, err)
		defer r.Close()
		for r.Next() {
			var id, a int64
			var b *int64
			must(t, r.Scan(&id, &a, &b))
			want := byID[id]
			if want == nil || want.A != a || (want.B == nil) != (b == nil) || b != nil && *b != *want.B {
				t.Fatalf("row %d: a=%d b=%v; in memory %+v", id, a, b, want)
			}
		}
		must(t, r.Err())
	})
}
