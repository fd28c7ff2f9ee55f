package relm_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// zonedEvent is a row whose time the program holds in some zone.
type zonedEvent struct {
	ID  int `relm:"pk"`
	N   int
	At  time.Time
	AtP *time.Time
}

func (zonedEvent) TableName() string { return "zoned_events" }

var (
	zoneKolkata = time.FixedZone("+05:30", 5*3600+30*60)
	zoneLA      = time.FixedZone("-08:00", -8*3600)
	zoneSet     = []*time.Location{time.UTC, zoneKolkata, zoneLA}
)

// zonedInstants are the instants of TestTimeZonesCompareAlike: one every
// 50 minutes and a few nanoseconds, so that an instant's wall-clock text in
// its zone sorts differently from the instants themselves (row 1 at
// 12:50 UTC reads "18:20+05:30", row 2 at 13:40 UTC "05:40-08:00").
func zonedInstants() []time.Time {
	base := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	out := make([]time.Time, 9)
	for i := range out {
		out[i] = base.Add(time.Duration(i)*50*time.Minute + time.Duration(i)*time.Microsecond)
	}
	return out
}

// TestTimeZonesCompareAlike: rows written with times in three zones, and
// conditions whose times are in yet other zones, select the same rows in
// the same order on SQLite, PostgreSQL and MariaDB — the rows the instants
// select, whatever zone either side was written in (SQLite stores every time
// as UTC text, so its text comparison is the instants' order).
func TestTimeZonesCompareAlike(t *testing.T) {
	ctx := context.Background()
	instants := zonedInstants()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := mapping.NewRegistry()
		relMust(t, reg.Register(&zonedEvent{}))
		relMust(t, reg.CreateAll(ctx, db))
		s := relm.NewSession(db, reg)
		defer s.Close()
		// Rows one commit each (one bound INSERT) and the rest in one
		// multi-row INSERT (literals where the dialect writes them).
		for i, at := range instants {
			at = at.In(zoneSet[i%3])
			p := at.In(zoneSet[(i+1)%3])
			relMust(t, s.Add(&zonedEvent{N: i, At: at, AtP: &p}))
			if i < 3 {
				relMust(t, s.Commit(ctx))
			}
		}
		relMust(t, s.Commit(ctx))

		// An UPDATE writes a time in a zone too: row 8 moves to row 0's
		// instant minus a microsecond, written in -08:00.
		moved := instants[0].Add(-time.Microsecond)
		e8, err := relm.Select[zonedEvent](s).Where(relm.Eq("N", 8)).One(ctx)
		relMust(t, err)
		e8.At = moved.In(zoneLA)
		relMust(t, s.Commit(ctx))
		want := slices.Clone(instants)
		want[8] = moved

		// What each condition must select, computed from the instants.
		sel := func(pred func(time.Time) bool) []int {
			var ns []int
			for i, at := range want {
				if pred(at) {
					ns = append(ns, i)
				}
			}
			// In the order of the instants, as ORDER BY at gives them.
			slices.SortFunc(ns, func(a, b int) int { return want[a].Compare(want[b]) })
			return ns
		}
		pivot := instants[4] // 15:20 UTC, row 4's own instant
		cases := []struct {
			name string
			cond relm.Cond
			want []int
		}{
			{"Eq in +05:30", relm.Eq("At", pivot.In(zoneKolkata)), sel(func(at time.Time) bool { return at.Equal(pivot) })},
			{"Eq in -08:00", relm.Eq("At", pivot.In(zoneLA)), sel(func(at time.Time) bool { return at.Equal(pivot) })},
			{"Eq of a moved row in UTC", relm.Eq("At", moved), []int{8}},
			{"Lt in -08:00", relm.Lt("At", pivot.In(zoneLA)), sel(func(at time.Time) bool { return at.Before(pivot) })},
			{"Gt in +05:30", relm.Gt("At", pivot.In(zoneKolkata)), sel(func(at time.Time) bool { return at.After(pivot) })},
			{"Le in UTC", relm.Le("At", pivot), sel(func(at time.Time) bool { return !at.After(pivot) })},
			{"Ge in -08:00", relm.Ge("At", pivot.In(zoneLA)), sel(func(at time.Time) bool { return !at.Before(pivot) })},
			{"Ne in +05:30", relm.Ne("At", pivot.In(zoneKolkata)), sel(func(at time.Time) bool { return !at.Equal(pivot) })},
			{"between in two zones", relm.And(relm.Gt("At", instants[1].In(zoneLA)), relm.Lt("At", instants[6].In(zoneKolkata))),
				sel(func(at time.Time) bool { return at.After(instants[1]) && at.Before(instants[6]) })},
			{"In, three zones", relm.In("At", instants[2].In(zoneKolkata), instants[3].In(zoneLA), instants[5]),
				sel(func(at time.Time) bool {
					return at.Equal(instants[2]) || at.Equal(instants[3]) || at.Equal(instants[5])
				})},
			{"pointer Lt in +05:30", relm.Lt("AtP", pivot.In(zoneKolkata)), func() []int {
				ns := sel(func(at time.Time) bool { return at.Before(pivot) })
				// AtP was not moved: row 8's AtP is its original instant.
				ns = slices.DeleteFunc(ns, func(n int) bool { return n == 8 })
				return ns
			}()},
		}
		for _, tc := range cases {
			got, err := relm.Select[zonedEvent](s).Where(tc.cond).OrderBy("At").All(ctx)
			relMust(t, err)
			ns := make([]int, len(got))
			for i, e := range got {
				ns[i] = e.N
			}
			if !slices.Equal(ns, tc.want) {
				t.Errorf("%s: rows %v, want %v", tc.name, ns, tc.want)
			}
		}

		// ORDER BY the time is the instants' order, and each reads back as
		// its instant, from a session that never saw it.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		all, err := relm.Select[zonedEvent](s2).OrderBy("At").All(ctx)
		relMust(t, err)
		order := sel(func(time.Time) bool { return true })
		if len(all) != len(order) {
			t.Fatalf("%d rows, want %d", len(all), len(order))
		}
		for i, e := range all {
			if e.N != order[i] {
				t.Errorf("ORDER BY at: row %d is N=%d, want %d", i, e.N, order[i])
			}
			if !e.At.Equal(want[e.N]) {
				t.Errorf("N=%d: At read back %v, want %v", e.N, e.At, want[e.N])
			}
			if e.AtP == nil || !e.AtP.Equal(instants[e.N]) {
				t.Errorf("N=%d: AtP read back %v, want %v", e.N, e.AtP, instants[e.N])
			}
		}
		// On SQLite every stored time is UTC text, one text per instant.
		if db.Dialect().Name() == "sqlite" {
			texts := queryStrings(t, db, "SELECT CAST(at AS TEXT) FROM zoned_events UNION ALL SELECT CAST(at_p AS TEXT) FROM zoned_events")
			for _, x := range texts {
				if !strings.HasSuffix(x, "+00:00") {
					t.Errorf("SQLite stored %q, want a UTC text", x)
				}
			}
		}
	})
}

// TestSQLiteTimeLiteralsInUTC: a batch too large for bound statements is
// written as literals (or, with a float column, as one JSON document) by
// relm rather than the driver; its times are the same UTC text as the
// driver's bound ones, whatever zone the program held them in.
func TestSQLiteTimeLiteralsInUTC(t *testing.T) {
	db := testdb.Open(t, "sqlite")
	reg := registry(t, &Stamp{}, &StampF{})
	s := newSession(t, db, nil, reg)
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456000, zoneKolkata)
	// One row bound by the driver.
	must(t, s.Add(&Stamp{At: at.In(zoneLA)}))
	must(t, s.Add(&StampF{At: at.In(zoneLA)}))
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
	want := at.UTC().Format("2006-01-02 15:04:05.999999999-07:00")
	for _, table := range []string{"stamps", "stampfs"} {
		texts := queryStrings(t, db, "SELECT DISTINCT CAST(at AS TEXT) FROM "+table)
		if len(texts) != 1 || texts[0] != want {
			t.Errorf("%s: one instant stored as %q, want only %q", table, texts, want)
		}
		if c := queryInt(t, db, "SELECT COUNT(*) FROM "+table+" WHERE at = ?", at.In(zoneLA)); c != n+1 {
			t.Errorf("%s: Eq in another zone matched %d rows, want %d", table, c, n+1)
		}
	}
}

// TestSQLiteTimesWrittenBefore: rows an earlier relm wrote on SQLite hold
// each time as text in the program's zone — "2024-07-01 17:30:00.25+05:30"
// under _time_format=sqlite, or Go's time.String layout over a driver left
// at its default. They read back as the same instants. Conditions compare
// them as text, so they match UTC arguments only once
// sqlite.Dialect.RewriteTimesUTC rewrote the column, which keeps every
// fraction's digits and leaves UTC and foreign texts alone.
func TestSQLiteTimesWrittenBefore(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	reg := mapping.NewRegistry()
	relMust(t, reg.Register(&zonedEvent{}))
	relMust(t, reg.CreateAll(ctx, db))
	old := []struct {
		text string
		want time.Time
	}{
		{"2024-07-01 17:30:00.25+05:30", time.Date(2024, 7, 1, 12, 0, 0, 250000000, time.UTC)},
		{"2024-07-01 04:01:00-08:00", time.Date(2024, 7, 1, 12, 1, 0, 0, time.UTC)},
		{"2024-07-01 12:02:00.000000001+00:00", time.Date(2024, 7, 1, 12, 2, 0, 1, time.UTC)},
		{"2024-07-01 23:33:00.123456789+11:30", time.Date(2024, 7, 1, 12, 3, 0, 123456789, time.UTC)},
		{"2024-06-30 23:04:00.5-13:00", time.Date(2024, 7, 1, 12, 4, 0, 500000000, time.UTC)},
		// modernc's default layout, over a *sql.DB relm did not open.
		{"2024-07-01 14:05:00.75 +0200 CEST", time.Date(2024, 7, 1, 12, 5, 0, 750000000, time.UTC)},
	}
	for i, o := range old {
		// The text as it is, bound as a string: what the file holds.
		if _, err := db.SQL().ExecContext(ctx, "INSERT INTO zoned_events (id, n, at, at_p) VALUES (?, ?, ?, ?)", i+1, i, o.text, o.text); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		s := relm.NewSession(db, reg)
		defer s.Close()
		for i, o := range old {
			e, err := relm.Get[zonedEvent](ctx, s, i+1)
			relMust(t, err)
			if e == nil || !e.At.Equal(o.want) || e.AtP == nil || !e.AtP.Equal(o.want) {
				t.Errorf("%s: %q read back as %+v, want %v", when, o.text, e, o.want)
			}
		}
	}
	matches := func(at time.Time) []int {
		t.Helper()
		s := relm.NewSession(db, reg)
		defer s.Close()
		got, err := relm.Select[zonedEvent](s).Where(relm.Eq("At", at)).All(ctx)
		relMust(t, err)
		var ns []int
		for _, e := range got {
			ns = append(ns, e.N)
		}
		return ns
	}
	check("before the rewrite")
	// As documented: an old non-UTC row compares as its own text, so Eq
	// with its instant misses it; a UTC row matches.
	if got := matches(old[0].want.In(zoneKolkata)); len(got) != 0 {
		t.Errorf("Eq matched old row(s) %v before the rewrite; README says they compare as text", got)
	}
	if got := matches(old[2].want.In(zoneLA)); !slices.Equal(got, []int{2}) {
		t.Errorf("Eq with a UTC row's instant matched %v, want [2]", got)
	}

	rewrite := sqlite.New()
	for _, col := range []string{"at", "at_p"} {
		res, err := db.SQL().ExecContext(ctx, rewrite.RewriteTimesUTC("zoned_events", col))
		relMust(t, err)
		if n, _ := res.RowsAffected(); n != 4 {
			t.Errorf("rewrite of %s changed %d rows, want the 4 non-UTC texts of relm's layout", col, n)
		}
		// Running it again changes nothing.
		res, err = db.SQL().ExecContext(ctx, rewrite.RewriteTimesUTC("zoned_events", col))
		relMust(t, err)
		if n, _ := res.RowsAffected(); n != 0 {
			t.Errorf("second rewrite of %s changed %d rows, want 0", col, n)
		}
	}
	texts := queryStrings(t, db, "SELECT CAST(at AS TEXT) FROM zoned_events ORDER BY id")
	wantTexts := []string{
		"2024-07-01 12:00:00.25+00:00",
		"2024-07-01 12:01:00+00:00",
		"2024-07-01 12:02:00.000000001+00:00",
		"2024-07-01 12:03:00.123456789+00:00",
		"2024-07-01 12:04:00.5+00:00",
		"2024-07-01 14:05:00.75 +0200 CEST",
	}
	if !slices.Equal(texts, wantTexts) {
		t.Errorf("after the rewrite the texts are\n%q\nwant\n%q", texts, wantTexts)
	}
	// Each rewritten text is the one relm writes now for that instant.
	for i, o := range old[:5] {
		if w := o.want.Format("2006-01-02 15:04:05.999999999-07:00"); texts[i] != w {
			t.Errorf("row %d rewritten to %q, relm writes %q", i, texts[i], w)
		}
	}
	check("after the rewrite")
	for i, o := range old[:5] {
		if got := matches(o.want.In(zoneSet[i%3])); !slices.Equal(got, []int{i}) {
			t.Errorf("after the rewrite Eq(%v) matched %v, want [%d]", o.want, got, i)
		}
	}
	// And relm's new writes land among them in order.
	s := relm.NewSession(db, reg)
	defer s.Close()
	mid := time.Date(2024, 7, 1, 12, 3, 30, 0, time.UTC).In(zoneKolkata)
	relMust(t, s.Add(&zonedEvent{ID: 100, N: 100, At: mid}))
	relMust(t, s.Commit(ctx))
	got, err := relm.Select[zonedEvent](s).Where(relm.Lt("At", old[5].want)).OrderBy("At").All(ctx)
	relMust(t, err)
	var ns []string
	for _, e := range got {
		ns = append(ns, fmt.Sprint(e.N))
	}
	if strings.Join(ns, ",") != "0,1,2,3,100,4" {
		t.Errorf("Lt 12:05 UTC ordered by at: N = %s, want 0,1,2,3,100,4", strings.Join(ns, ","))
	}
}

// TestSQLiteForeignDBTimes: over a *sql.DB relm did not open, times go as
// its driver writes them; with _timezone=UTC in its DSN (as relm's own
// DSN has) they compare as instants too.
func TestSQLiteForeignDBTimes(t *testing.T) {
	ctx := context.Background()
	dsn := t.TempDir() + "/own.db?_time_format=sqlite&_timezone=UTC&_pragma=foreign_keys(1)"
	sqldb, err := sql.Open("sqlite", dsn)
	relMust(t, err)
	t.Cleanup(func() { sqldb.Close() })
	db := relm.New(sqldb, sqlite.New())
	reg := mapping.NewRegistry()
	relMust(t, reg.Register(&zonedEvent{}))
	relMust(t, reg.CreateAll(ctx, db))
	s := relm.NewSession(db, reg)
	defer s.Close()
	at := time.Date(2024, 7, 1, 8, 0, 0, 0, zoneKolkata)
	relMust(t, s.AddAll([]*zonedEvent{{N: 1, At: at}, {N: 2, At: at.Add(time.Hour).In(zoneLA)}}))
	relMust(t, s.Commit(ctx))
	for _, cond := range []relm.Cond{relm.Eq("At", at.UTC()), relm.Eq("At", at.In(zoneLA)), relm.Lt("At", at.Add(time.Minute).UTC())} {
		n, err := relm.Select[zonedEvent](s).Where(cond).Count(ctx)
		relMust(t, err)
		if n != 1 {
			t.Errorf("%v matched %d rows, want 1", cond, n)
		}
	}
}
