package relm_test

import (
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// Rank is a type defined on int.
type Rank int

// Gauge has int columns of each shape relm scans: a plain int, an int64
// and a type defined on int.
type Gauge struct {
	ID   int `relm:"pk"`
	N    int
	Big  int64
	Rank Rank
}

func (Gauge) TableName() string { return "zz_gauges" }

// TestScanIntFields: int fields read back through every load path (Select,
// Get, Iter, Raw; SelectIn's loaders share the scan) hold the stored
// values, extremes included; a NULL for an int field is an error naming
// the column, as database/sql's is.
func TestScanIntFields(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Gauge{})
		newSession(t, db, log, reg)
		ins := rebind(db, "INSERT INTO zz_gauges (id, n, big, "+db.Dialect().Quote("rank")+") VALUES (?, ?, ?, ?)")
		rows := [][]any{{1, -7, int64(-1) << 62, 3}, {2, 1<<30 + 5, int64(1)<<62 + 9, -2}}
		for _, r := range rows {
			// Through the DB, not its *sql.DB: on PostgreSQL standbys the
			// reads below wait for what the DB itself committed.
			if _, err := db.ExecContext(ctx, ins, r...); err != nil {
				t.Fatal(err)
			}
		}
		check := func(how string, got []*Gauge) {
			t.Helper()
			if len(got) != 2 {
				t.Fatalf("%s: %d rows", how, len(got))
			}
			for i, g := range got {
				r := rows[i]
				if g.ID != r[0].(int) || g.N != r[1].(int) || g.Big != r[2].(int64) || int(g.Rank) != r[3].(int) {
					t.Fatalf("%s: row %d is %+v, stored %v", how, i, *g, r)
				}
			}
		}
		s1 := relm.NewSession(db, reg)
		defer s1.Close()
		got, err := relm.Select[Gauge](s1).OrderBy("ID").All(ctx)
		must(t, err)
		check("Select", got)

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		var viaGet []*Gauge
		for _, id := range []int{1, 2} {
			g, err := relm.Get[Gauge](ctx, s2, id)
			must(t, err)
			viaGet = append(viaGet, g)
		}
		check("Get", viaGet)

		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		var viaIter []*Gauge
		for g, err := range relm.Select[Gauge](s3).OrderBy("ID").Iter(ctx) {
			must(t, err)
			viaIter = append(viaIter, g)
		}
		check("Iter", viaIter)

		s4 := relm.NewSession(db, reg)
		defer s4.Close()
		viaRaw, err := relm.Raw[Gauge](ctx, s4, "SELECT id, n, big, "+db.Dialect().Quote("rank")+" FROM zz_gauges ORDER BY id")
		must(t, err)
		check("Raw", viaRaw)

		s5 := relm.NewSession(db, reg)
		defer s5.Close()
		_, err = relm.Raw[Gauge](ctx, s5, "SELECT id, NULL AS n, big, "+db.Dialect().Quote("rank")+" FROM zz_gauges ORDER BY id")
		if err == nil || !strings.Contains(err.Error(), "NULL") || !strings.Contains(err.Error(), `"n"`) {
			t.Fatalf("a NULL for an int field: %v", err)
		}
	})
}
