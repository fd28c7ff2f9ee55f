package relm_test

import (
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// With interpolateParams=true the MySQL driver escapes arguments into the
// statement text, which can take up to twice their bytes; the bulk path's
// batches must still fit max_allowed_packet (this failed with "Got a packet
// bigger than 'max_allowed_packet'" before the bound allowed for it).
func TestUOWPacketBoundInterpolated(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 18 MB")
	}
	db, err := relm.Open(ctx, testdb.NewDatabase(t, "mysql")+"?interpolateParams=true")
	must(t, err)
	t.Cleanup(func() { db.Close() })
	s := blogSession(t, db, nil)
	g := tutorialGraph(3, 2, 1, 2, 300)
	// Quotes and backslashes are what escaping doubles.
	big := strings.Repeat(`"\`, 30000)
	for _, a := range g.Articles {
		a.Content = ptr(big)
	}
	must(t, s.AddAll(g.Articles))
	must(t, s.Commit(ctx))
	if got := queryInt(t, db, "SELECT COUNT(*) FROM articles WHERE content = ?", big); got != 300 {
		t.Fatalf("%d articles hold their content, want 300", got)
	}
}

// TestUOWInterpolatedValues: when the driver interpolates arguments, no
// placeholder reaches the server, so a batch past its 65,535-placeholder
// limit still goes as multi-row VALUES (faster on MariaDB than JSON_TABLE),
// in one statement while it fits the packet, and stores the same hostile
// values as the other paths.
func TestUOWInterpolatedValues(t *testing.T) {
	log := &testdb.Log{}
	db, err := relm.Open(ctx, testdb.NewDatabase(t, "mysql")+"?interpolateParams=true", log.Option())
	must(t, err)
	t.Cleanup(func() { db.Close() })
	reg := registry(t, &Kinds{})
	s := newSession(t, db, log, reg)
	const n = 6000 // 13 columns: 78,000 values
	rows := hostileRows("mysql", n)
	must(t, s.AddAll(rows))
	must(t, s.Commit(ctx))
	var inserts []string
	for _, st := range log.Statements() {
		if kind(st) == "INSERT kinds" {
			inserts = append(inserts, st)
		}
	}
	if len(inserts) != 1 || !strings.Contains(inserts[0], "VALUES") || strings.Contains(inserts[0], "JSON_TABLE") {
		t.Fatalf("%d INSERTs; the first: %.200s", len(inserts), inserts[0])
	}
	readBackKinds(t, db, reg, rows)
}

// TestLoaderInterpolatedInList: with interpolateParams=true no placeholder
// reaches MariaDB, so select-in loading binds 70,000 keys (past the
// server's 65,535-placeholder limit) in one IN list: loading the articles
// with their tags is two SELECTs however many articles there are.
func TestLoaderInterpolatedInList(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 70,000 articles")
	}
	log := &testdb.Log{}
	db, err := relm.Open(ctx, testdb.NewDatabase(t, "mysql")+"?interpolateParams=true", log.Option())
	must(t, err)
	t.Cleanup(func() { db.Close() })
	s := blogSession(t, db, log)
	const n = 70000
	g := tutorialGraph(5, 10, 3, 20, n)
	must(t, s.AddAll(g.Articles))
	must(t, s.Commit(ctx))
	links := 0
	for _, a := range g.Articles {
		links += len(a.Tags)
	}

	s2 := relm.NewSession(db, s.Registry())
	defer s2.Close()
	log.Reset()
	arts, err := relm.Select[blog.Article](s2).SelectIn("Tags").All(ctx)
	must(t, err)
	got := 0
	for _, a := range arts {
		got += len(a.Tags)
	}
	if st := log.Statements(); len(arts) != n || got != links || len(st) != 2 {
		t.Fatalf("%d articles, %d tag links in %d statements; want %d, %d in 2", len(arts), got, len(st), n, links)
	}
}

// TestUOWInterpolatedLiterals: with interpolateParams=true relm writes an
// INSERT's values into its text itself (dialect.LiteralInliner), binding
// only what the driver must escape per connection (backslashes, NUL,
// times); the rows read back the same under the default sql_mode and under
// NO_BACKSLASH_ESCAPES, set through the DSN. Without interpolation every
// value stays bound.
func TestUOWInterpolatedLiterals(t *testing.T) {
	for _, c := range []struct {
		name, query string
		literals    bool
	}{
		{"bound", "", false},
		{"interpolated", "?interpolateParams=true", true},
		{"no-backslash-escapes", "?interpolateParams=true&sql_mode=%27NO_BACKSLASH_ESCAPES%27", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &testdb.Log{}
			db, err := relm.Open(ctx, testdb.NewDatabase(t, "mysql")+c.query, log.Option())
			must(t, err)
			t.Cleanup(func() { db.Close() })
			var mode string
			must(t, db.SQL().QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode))
			if want := strings.HasPrefix(c.name, "no-"); strings.Contains(mode, "NO_BACKSLASH_ESCAPES") != want {
				t.Fatalf("sql_mode %q", mode)
			}
			reg := registry(t, &Kinds{})
			s := newSession(t, db, log, reg)
			const n = 300
			rows := hostileRows("mysql", n)
			must(t, s.AddAll(rows))
			log.Reset()
			must(t, s.Commit(ctx))
			var insert string
			for _, st := range log.Statements() {
				if kind(st) == "INSERT kinds" {
					if insert != "" {
						t.Fatalf("two INSERTs for %d rows:\n%.300s\n%.300s", n, insert, st)
					}
					insert = st
				}
			}
			// Row 9 holds "'; DROP TABLE kinds; --", row 10 "a'b\"c\\d".
			literal := strings.Contains(insert, `'''; DROP TABLE kinds; --'`)
			if literal != c.literals {
				t.Fatalf("values written as literals: %v, want %v; the INSERT: %.600s", literal, c.literals, insert)
			}
			if got := strings.Count(insert, "?"); c.literals && got >= n*4 || !c.literals && got < n*10 {
				t.Fatalf("%d placeholders in the INSERT of %d rows (literals %v)", got, n, c.literals)
			}
			readBackKinds(t, db, reg, rows)
		})
	}
}
