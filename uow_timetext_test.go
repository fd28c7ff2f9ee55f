package relm_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/dialect/sqlite"
)

// Stamp has a time column and no float: a large batch goes as literals.
type Stamp struct {
	ID int `relm:"pk"`
	At time.Time
	N  int
}

func (Stamp) TableName() string { return "stamps" }

// StampF has a float column too: a large batch goes as a JSON document.
type StampF struct {
	ID int `relm:"pk"`
	At time.Time
	F  float64
}

func (StampF) TableName() string { return "stampfs" }

// TestSQLiteTimesOfAnotherLayout: relm.New over a *sql.DB that relm did
// not open stores times in whatever layout its driver was set to
// (modernc's default here, not relm's _time_format=sqlite). A batch past
// the parameter limit — written as literals, or as a JSON document when a
// column holds floats — leaves its times to the driver too, so one column
// never holds two layouts of the same instant.
func TestSQLiteTimesOfAnotherLayout(t *testing.T) {
	sqldb, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "own.db"))
	must(t, err)
	t.Cleanup(func() { sqldb.Close() })
	sqldb.SetMaxOpenConns(1)
	db := relm.New(sqldb, sqlite.New())
	reg := registry(t, &Stamp{}, &StampF{})
	s := newSession(t, db, nil, reg)
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)

	// One row first: bound by the driver, in its layout.
	must(t, s.Add(&Stamp{At: at}))
	must(t, s.Add(&StampF{At: at}))
	must(t, s.Commit(ctx))
	const n = 40000 // past 32,766 parameters
	stamps := make([]*Stamp, n)
	stampfs := make([]*StampF, n)
	for i := range stamps {
		stamps[i] = &Stamp{At: at, N: i}
		stampfs[i] = &StampF{At: at, F: float64(i) / 3}
	}
	must(t, s.AddAll(stamps, stampfs))
	must(t, s.Commit(ctx))
	for _, table := range []string{"stamps", "stampfs"} {
		texts := queryStrings(t, db, "SELECT DISTINCT CAST(at AS TEXT) FROM "+table)
		if len(texts) != 1 {
			t.Fatalf("%s: one instant stored as %d texts: %q", table, len(texts), texts)
		}
		if c := countRows(t, db, table); c != n+1 {
			t.Fatalf("%s: %d rows, want %d", table, c, n+1)
		}
	}
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	got, err := relm.Select[Stamp](s2).Where(relm.Eq("N", n-1)).All(ctx)
	must(t, err)
	if len(got) != 1 || !got[0].At.Equal(at) {
		t.Fatalf("read back %d stamps, the last at %v; want %v", len(got), got, at)
	}
}
