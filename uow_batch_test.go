package relm_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// seedTutorial commits the tutorial's graph with n articles as the
// tutorial does (AddAll of users, categories and tags, Add of each article,
// one Commit) and returns the graph.
func seedTutorial(t *testing.T, s *relm.Session, n int) *graph {
	t.Helper()
	g := tutorial(n)
	must(t, s.AddAll(g.Users))
	must(t, s.AddAll(g.Categories))
	must(t, s.AddAll(g.Tags))
	for _, a := range g.Articles {
		must(t, s.Add(a))
	}
	must(t, s.Commit(ctx))
	return g
}

// TestUOWStatementCountIsConstant is the statement-count contract: the
// tutorial's commit issues the same statements for 100 and for 10,000
// articles — BEGIN, one INSERT per table, COMMIT — on every database, while
// each table's rows fit one statement's byte bounds. At 10,000 articles
// (40,000 values) and ~35,000 link rows (70,000 values) the rows no longer
// fit in one VALUES statement on SQLite, nor the link rows on PostgreSQL
// and MariaDB; they go through the bulk path. On SQLite the articles'
// contents (800 bytes on average, bound rather than written as literals) pass
// the 2 MB of bound values after which an INSERT of literals ends (four
// statements); the bound is raised here above them, and
// TestUOWPacketBound shows it splitting.
func TestUOWStatementCountIsConstant(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 articles per database")
	}
	defer relm.SetMaxInlineBound(64 << 20)()
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		counts := map[int][]string{}
		for _, n := range []int{100, 10000} {
			reg := blogRegistry(t)
			s := newSession(t, db, log, reg)
			g := seedTutorial(t, s, n)
			counts[n] = kinds(db, log.Statements())
			if n == 10000 {
				// The articles are one statement: arrays on PostgreSQL,
				// bound VALUES on MariaDB (RETURNING), literals on
				// SQLite, whose keys come from the last-insert-id. Link
				// rows need no order and are not sorted (350,000 of them
				// at the benchmark's size); on SQLite they are integer
				// literals in VALUES.
				for _, st := range log.Statements() {
					switch kind(st) {
					case "INSERT articles":
						pg := db.Dialect().Name() == "postgres"
						if strings.Contains(st, "VALUES") == pg || strings.Contains(st, "RETURNING") == (db.Dialect().Name() == "sqlite") {
							t.Errorf("the articles' INSERT: %.300s", st)
						}
					case "INSERT article_tag":
						sqlite := db.Dialect().Name() == "sqlite"
						if strings.Contains(st, "ORDER BY") || strings.Contains(st, "VALUES") != sqlite ||
							sqlite && (strings.Contains(st, "?") || !strings.Contains(st, "VALUES (1, ")) {
							t.Errorf("the link rows' INSERT: %.300s", st)
						}
					}
				}
			}
			t.Logf("%s, %d articles: %d statements %v", db.Dialect().Name(), n, len(counts[n]), counts[n])
			links := 0
			for _, a := range g.Articles {
				links += len(a.Tags)
			}
			if countRows(t, db, "articles") != n || linkCount(t, db) != links {
				t.Fatalf("%d articles, %d links; want %d, %d", countRows(t, db, "articles"), linkCount(t, db), n, links)
			}
			// The generated keys were assigned in row order.
			titles := map[int]string{}
			rows, err := db.SQL().QueryContext(ctx, "SELECT id, title FROM articles")
			must(t, err)
			for rows.Next() {
				var id int
				var title string
				must(t, rows.Scan(&id, &title))
				titles[id] = title
			}
			rows.Close()
			for _, a := range g.Articles {
				if titles[a.ID] != a.Title {
					t.Fatalf("article %d is %q in the database, %q in memory", a.ID, titles[a.ID], a.Title)
				}
			}
			if n := queryInt(t, db, "SELECT COUNT(*) FROM (SELECT article_id, tag_id FROM article_tag GROUP BY article_id, tag_id HAVING COUNT(*) > 1) d"); n != 0 {
				t.Fatalf("%d duplicate link rows", n)
			}
			s.Close()
			must(t, reg.DropAll(ctx, db))
		}
		want := tutorialCommit(db)
		for n, got := range counts {
			if !equalStrings(got, want) {
				t.Errorf("%d articles: %v, want %v", n, got, want)
			}
		}
	})
}

// TestUOWPacketBound: on MariaDB a table's rows are split by
// max_allowed_packet (the statement-count contract holds while a table's
// rows fit in one packet); on SQLite, whose INSERT of literals binds the
// contents (longer than 256 bytes), by 2 MB of bound values; on PostgreSQL
// they go in one statement (arrays, bounded at 8 MB per column).
func TestUOWPacketBound(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 18 MB per database")
	}
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		g := tutorialGraph(3, 2, 1, 2, 300)
		big := strings.Repeat("0123456789", 6000) // 60 kB: fits TEXT everywhere
		for _, a := range g.Articles {
			a.Content = ptr(big)
		}
		must(t, s.AddAll(g.Articles))
		must(t, s.Commit(ctx))
		n := countKind(log, "INSERT articles")
		switch db.Dialect().Name() {
		case "mysql":
			packet := queryInt(t, db, "SELECT @@max_allowed_packet")
			if min := 300 * 60000 / packet; n <= min {
				t.Errorf("%d INSERTs for 18 MB under a %d-byte packet", n, packet)
			}
		case "sqlite":
			// Each statement ends with the row that crosses 2 MB.
			if want := 300 * 60000 / (2<<20 + 60000); n < want || n > want+1 {
				t.Errorf("%d INSERTs for 18 MB of bound contents, want %d or %d", n, want, want+1)
			}
		default:
			if n != 1 {
				t.Errorf("%d INSERTs into articles, want 1", n)
			}
		}
		if got := queryInt(t, db, "SELECT COUNT(*) FROM articles WHERE content = ?", big); got != 300 {
			t.Errorf("%d articles hold their content, want 300", got)
		}
		for _, a := range g.Articles {
			if got := queryStrings(t, db, "SELECT title FROM articles WHERE id = ?", a.ID); got[0] != a.Title {
				t.Fatalf("article %d: title %q, want %q", a.ID, got[0], a.Title)
			}
		}
	})
}

// TestUOWBulkTooLongFails: a value too long for its column fails the
// bulk statement as it fails VALUES (MariaDB would otherwise truncate it).
func TestUOWBulkTooLongFails(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		if db.Dialect().Name() == "sqlite" {
			t.Skip("SQLite does not enforce VARCHAR lengths")
		}
		s := newSession(t, db, log, registry(t, &Kinds{}))
		rows := hostileRows(db.Dialect().Name(), 6000)
		rows[5000].Tag = strings.Repeat("x", 21) // size:20
		must(t, s.AddAll(rows))
		err := s.Commit(ctx)
		var se *relm.StatementError
		if !errors.As(err, &se) || !strings.Contains(se.SQL, map[string]string{"postgres": "unnest", "mysql": "JSON_TABLE"}[db.Dialect().Name()]) {
			t.Fatalf("commit: %v, want the bulk statement's error", err)
		}
		if n := countRows(t, db, "kinds"); n != 0 {
			t.Fatalf("%d rows written", n)
		}
	})
}

// Kinds has a column of every kind, nullable and not.
type Kinds struct {
	ID  int `relm:"pk"`
	S   string
	SP  *string `relm:"size:300"`
	T   *string `relm:"type:text"`
	I   int64
	IP  *int
	B   bool
	BP  *bool
	F   float64
	FP  *float64
	TM  time.Time
	TP  *time.Time
	BY  []byte
	Tag string `relm:"size:20"`
}

func (Kinds) TableName() string { return "kinds" }

// readBackKinds reads the kinds table in a new session and checks it holds
// exactly rows, each as written.
func readBackKinds(t *testing.T, db *relm.DB, reg *mapping.Registry, rows []*Kinds) {
	t.Helper()
	readBack(t, db, reg, rows, func(k *Kinds) int { return k.ID }, sameKinds)
}

// readBack reads every T in a new session and checks that it holds exactly
// rows, each under its key (id) and as written (same returns "" when two
// are alike).
func readBack[T any](t *testing.T, db *relm.DB, reg *mapping.Registry, rows []*T, id func(*T) int, same func(got, want *T) string) {
	t.Helper()
	s := relm.NewSession(db, reg)
	defer s.Close()
	got, err := relm.Select[T](s).All(ctx)
	must(t, err)
	byID := make(map[int]*T, len(got))
	for _, g := range got {
		byID[id(g)] = g
	}
	if len(got) != len(rows) || len(byID) != len(rows) {
		t.Fatalf("%d rows read back (%d keys), want %d", len(got), len(byID), len(rows))
	}
	for i, want := range rows {
		if diff := same(byID[id(want)], want); diff != "" {
			t.Fatalf("row %d (key %d): %s", i, id(want), diff)
		}
	}
}

// hostileRows returns rows whose values are the hard cases of each kind,
// cycled so that every value meets every other.
func hostileRows(dialect string, n int) []*Kinds {
	strs := []string{
		"", " ", "'", "''", `"`, `\`, `\\`, `\'`, `\"`, "'; DROP TABLE kinds; --", "a'b\"c\\d",
		"é", "日本語", "😀 emoji", "\u2028\u2029", "\t\n\r\b\f", "\x01\x1f\x7f", "$1", "?", "%s %d",
		`{"json": [1, 2]}`, "[[1]]", "null", "true", "0x00ff", "trailing  ", strings.Repeat("x", 255),
		"\\u0000", `C:\path\to\file`, "multi\nline\ntext",
	}
	if dialect != "postgres" {
		strs = append(strs, "nul\x00inside") // PostgreSQL text cannot hold NUL
	}
	ints := []int64{0, -1, 1, math.MaxInt64, math.MinInt64, 1 << 53, -(1 << 53) - 1}
	smalls := []*int{nil, ptr(0), ptr(math.MaxInt32), ptr(math.MinInt32)}
	floats := []float64{0, 0.1, -1.5, math.Pi, 1e308, -1e-308, 5e-324, math.MaxFloat64, 1.0 / 3, 123456789.123456789, 3}
	times := []time.Time{
		time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2038, 1, 19, 3, 14, 8, 999999000, time.UTC),
		time.Date(2000, 2, 29, 23, 59, 59, 0, time.FixedZone("", 5*3600+1800)),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(1901, 12, 13, 20, 45, 51, 123456000, time.FixedZone("", -8*3600)), // before the Unix epoch
	}
	blobs := [][]byte{nil, {}, {0}, {0xff, 0, '\'', '\\', '"'}, []byte("text"), func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}()}
	out := make([]*Kinds, n)
	for i := range out {
		k := &Kinds{
			S:   strs[i%len(strs)],
			I:   ints[i%len(ints)],
			IP:  smalls[i%len(smalls)],
			B:   i%2 == 0,
			F:   floats[i%len(floats)],
			TM:  times[i%len(times)],
			BY:  blobs[i%len(blobs)],
			Tag: fmt.Sprint(i),
		}
		if i%3 != 0 {
			k.SP = ptr(strs[(i+7)%len(strs)])
			k.T = ptr(strings.Repeat(strs[(i+3)%len(strs)], 3))
			k.BP = ptr(i%5 == 0)
			k.FP = ptr(floats[(i+1)%len(floats)])
			k.TP = ptr(times[(i+2)%len(times)])
		}
		out[i] = k
	}
	return out
}

// sameKinds compares a row read back with the one written; times to the
// microsecond (what PostgreSQL and MariaDB keep), as instants.
func sameKinds(a, b *Kinds) string {
	sp := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return fmt.Sprintf("%q", *p)
	}
	tm := func(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano) }
	tp := func(p *time.Time) string {
		if p == nil {
			return "<nil>"
		}
		return tm(*p)
	}
	for _, c := range []struct {
		name string
		x, y any
	}{
		{"S", fmt.Sprintf("%q", a.S), fmt.Sprintf("%q", b.S)},
		{"SP", sp(a.SP), sp(b.SP)},
		{"T", sp(a.T), sp(b.T)},
		{"I", a.I, b.I},
		{"IP", fmt.Sprint(deref(a.IP)), fmt.Sprint(deref(b.IP))},
		{"B", a.B, b.B},
		{"BP", fmt.Sprint(deref(a.BP)), fmt.Sprint(deref(b.BP))},
		{"F", a.F, b.F},
		{"FP", fmt.Sprint(deref(a.FP)), fmt.Sprint(deref(b.FP))},
		{"TM", tm(a.TM), tm(b.TM)},
		{"TP", tp(a.TP), tp(b.TP)},
		{"Tag", a.Tag, b.Tag},
	} {
		if c.x != c.y {
			return fmt.Sprintf("%s: %v, want %v", c.name, c.x, c.y)
		}
	}
	if !bytes.Equal(a.BY, b.BY) || (a.BY == nil) != (b.BY == nil) && len(b.BY) > 0 {
		return fmt.Sprintf("BY: %x (nil %v), want %x (nil %v)", a.BY, a.BY == nil, b.BY, b.BY == nil)
	}
	return ""
}

// kindsByID indexes rows read back by their key.
func kindsByID(ks []*Kinds) map[int]*Kinds {
	byID := make(map[int]*Kinds, len(ks))
	for _, k := range ks {
		byID[k.ID] = k
	}
	return byID
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestUOWBulkRoundTrip writes hard values of every kind through the bulk
// path (too many rows for one VALUES statement) and through VALUES, and
// reads them back: both paths store the same values, equal to the ones
// written.
func TestUOWBulkRoundTrip(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Kinds{})
		s := newSession(t, db, log, reg)
		// 13 columns: 2,521 rows fit in one VALUES on SQLite, 5,041 on
		// PostgreSQL and MariaDB.
		n := 6000
		bulkRows := hostileRows(db.Dialect().Name(), n)
		must(t, s.AddAll(bulkRows))
		must(t, s.Commit(ctx))
		var insert string
		for _, st := range log.Statements() {
			if kind(st) == "INSERT kinds" {
				if insert != "" {
					t.Fatalf("more than one INSERT for %d rows", n)
				}
				insert = st
			}
		}
		if !strings.Contains(insert, map[string]string{"sqlite": "json_each", "postgres": "unnest", "mysql": "JSON_TABLE"}[db.Dialect().Name()]) {
			t.Fatalf("the rows did not take the bulk path: %.200s", insert)
		}
		// The same values, 40 rows, in VALUES: one statement, or on
		// PostgreSQL, which takes 128 values or more in arrays
		// (postgres.Dialect.PrefersBulk), statements of 9 rows.
		valueRows := hostileRows(db.Dialect().Name(), 40)
		chunk := len(valueRows)
		if db.Dialect().Name() == "postgres" {
			chunk = 9 // 117 values
		}
		for start := 0; start < len(valueRows); start += chunk {
			log.Reset()
			must(t, s.AddAll(valueRows[start:min(start+chunk, len(valueRows))]))
			must(t, s.Commit(ctx))
			if st := writes(log); len(st) != 1 || !strings.Contains(st[0], "VALUES") {
				t.Fatalf("small batch: %v", st)
			}
		}

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Select[Kinds](s2).OrderBy("ID").All(ctx)
		must(t, err)
		if len(got) != n+40 {
			t.Fatalf("%d rows read back", len(got))
		}
		byID := kindsByID(got)
		for i, want := range bulkRows {
			if diff := sameKinds(byID[want.ID], want); diff != "" {
				t.Fatalf("bulk row %d (key %d): %s", i, want.ID, diff)
			}
		}
		for i, want := range valueRows {
			read := byID[want.ID]
			if diff := sameKinds(read, want); diff != "" {
				t.Fatalf("VALUES row %d: %s", i, diff)
			}
			// Both paths store exactly the same thing (blobs' nil-ness
			// and times' zones included).
			other := byID[bulkRows[i].ID]
			if diff := sameKinds(read, other); diff != "" || (read.BY == nil) != (other.BY == nil) || !read.TM.Equal(other.TM) || read.TM.Location().String() != other.TM.Location().String() {
				t.Fatalf("row %d: the bulk path stored %+v, VALUES %+v (%s)", i, other, read, diff)
			}
		}
	})
}

// TestUOWBulkFallsBack: a value the bulk form cannot carry (a string that
// is not UTF-8, on SQLite which stores it) sends its rows through VALUES;
// every row is written all the same.
func TestUOWBulkFallsBack(t *testing.T) {
	log := &testdb.Log{}
	db := testdb.Open(t, "sqlite", log.Option())
	reg := registry(t, &Kinds{})
	s := newSession(t, db, log, reg)
	rows := hostileRows("sqlite", 6000)
	rows[3000].S = "bad \xff utf-8"
	must(t, s.AddAll(rows))
	must(t, s.Commit(ctx))
	if n := countKind(log, "INSERT kinds"); n < 2 {
		t.Errorf("%d INSERTs: the bad row did not go by VALUES", n)
	}
	if got := countRows(t, db, "kinds"); got != len(rows) {
		t.Fatalf("%d rows, want %d", got, len(rows))
	}
	if got := queryStrings(t, db, "SELECT s FROM kinds WHERE id = ?", rows[3000].ID); got[0] != rows[3000].S {
		t.Fatalf("bad row stored %q", got[0])
	}
	for _, i := range []int{0, 2999, 3001, 5999} {
		if got := queryStrings(t, db, "SELECT tag FROM kinds WHERE id = ?", rows[i].ID); got[0] != rows[i].Tag {
			t.Fatalf("row %d: tag %q, want %q", i, got[0], rows[i].Tag)
		}
	}
}

// TestUOWPostgresBulkBytes: on PostgreSQL a table's rows past one VALUES
// statement go in INSERT … SELECT unnest(…) statements of at most
// Dialect.BulkBytes of arrays each (here lowered to 64 kB), streamed from
// the select list rather than stored by a function scan in FROM; every row
// gets its own key, in row order, across the statements.
func TestUOWPostgresBulkBytes(t *testing.T) {
	log := &testdb.Log{}
	base := testdb.Open(t, "postgres")
	db := relm.New(base.SQL(), &postgres.Dialect{BulkBytes: 64 << 10}, log.Option())
	reg := registry(t, &Kinds{})
	s := newSession(t, db, log, reg)
	rows := hostileRows("postgres", 6000) // past 5,041 rows: the bulk path
	must(t, s.AddAll(rows))
	must(t, s.Commit(ctx))
	inserts := 0
	for _, st := range log.Statements() {
		if kind(st) != "INSERT kinds" {
			continue
		}
		inserts++
		if !strings.Contains(st, `SELECT unnest($1::text[]), unnest($2::text[])`) || strings.Contains(st, "FROM unnest") {
			t.Fatalf("the bulk INSERT: %.300s", st)
		}
	}
	// About 1.1 MB of arrays (hostile strings, 256-byte blobs): well over
	// ten statements of 64 kB, and far fewer than one per row.
	if inserts < 10 || inserts > 100 {
		t.Fatalf("%d INSERTs for 6,000 rows under 64 kB each", inserts)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].ID <= rows[i-1].ID {
			t.Fatalf("row %d has key %d after %d: keys not in row order", i, rows[i].ID, rows[i-1].ID)
		}
	}
	readBackKinds(t, db, reg, rows)
}

// Flags is a table of integers and bools only, which PostgreSQL takes in
// arrays from 128 values on (postgres.Dialect.PrefersBulk).
type Flags struct {
	ID int `relm:"pk"`
	N  int64
	NP *int
	B  bool
	BP *bool
	W  int32
}

func (Flags) TableName() string { return "flags" }

// TestUOWPostgresArrays: on PostgreSQL a table's rows go in one INSERT …
// SELECT unnest(…) from 128 values on, and in VALUES below — integers and
// bools (link rows above all) without more ado, other columns after one
// query of the table's column types (see TestUOWPostgresBulkTypes). The
// arrays, chosen for speed, are one statement however low
// Dialect.BulkBytes is (VALUES would have been one), carry NULLs and
// extreme values exactly, and give keys in row order.
func TestUOWPostgresArrays(t *testing.T) {
	log := &testdb.Log{}
	base := testdb.Open(t, "postgres")
	db := relm.New(base.SQL(), &postgres.Dialect{BulkBytes: 64}, log.Option())

	reg := registry(t, &Flags{})
	s := newSession(t, db, log, reg)
	ints := []int64{0, -1, 1, math.MaxInt64, math.MinInt64}
	var rows []*Flags
	for i := range 40 { // 5 columns: 200 values
		f := &Flags{N: ints[i%len(ints)], B: i%2 == 0, W: int32(ints[i%len(ints)] >> 33)}
		if i%3 != 0 {
			f.NP, f.BP = ptr(i*1000), ptr(i%4 == 1)
		}
		rows = append(rows, f)
	}
	must(t, s.AddAll(rows))
	must(t, s.Commit(ctx))
	st := writes(log)
	if len(st) != 1 || !strings.Contains(st[0], `SELECT unnest($1::int8[]), unnest($2::int8[]), unnest($3::bool[]), unnest($4::bool[]), unnest($5::int8[]) RETURNING "id"`) {
		t.Fatalf("40 rows of integers and bools: %v", st)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].ID <= rows[i-1].ID {
			t.Fatalf("row %d has key %d after %d: keys not in row order", i, rows[i].ID, rows[i-1].ID)
		}
	}
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	got, err := relm.Select[Flags](s2).OrderBy("ID").All(ctx)
	must(t, err)
	if len(got) != len(rows) {
		t.Fatalf("%d rows read back, want %d", len(got), len(rows))
	}
	for i, g := range got {
		w := rows[i]
		if g.ID != w.ID || g.N != w.N || g.B != w.B || g.W != w.W || fmt.Sprint(deref(g.NP)) != fmt.Sprint(deref(w.NP)) || fmt.Sprint(deref(g.BP)) != fmt.Sprint(deref(w.BP)) {
			t.Fatalf("row %d: read %+v (NP %v, BP %v), wrote %+v (NP %v, BP %v)", i, g, deref(g.NP), deref(g.BP), w, deref(w.NP), deref(w.BP))
		}
	}

	// Below 128 values: VALUES.
	log.Reset()
	must(t, s.AddAll([]*Flags{{N: 1}, {N: 2}, {N: 3}}))
	must(t, s.Commit(ctx))
	if st := writes(log); len(st) != 1 || !strings.Contains(st[0], "VALUES") {
		t.Fatalf("3 rows: %v", st)
	}

	// The blog: 100 articles (400 values) and their link rows (two
	// integers each) in arrays, after one query of the articles' column
	// types; 10 articles and their link rows in VALUES, with no query.
	for _, n := range []int{100, 10} {
		reg := blogRegistry(t)
		s := newSession(t, db, log, reg)
		g := tutorial(n)
		must(t, s.AddAll(g.Articles))
		must(t, s.Commit(ctx))
		links := 0
		want := map[[2]int]bool{}
		for _, a := range g.Articles {
			for _, tag := range a.Tags {
				want[[2]int{a.ID, tag.ID}] = true
				links++
			}
		}
		for _, st := range writes(log) {
			switch kind(st) {
			case "INSERT articles":
				if strings.Contains(st, "unnest") != (4*n >= 128) {
					t.Errorf("%d articles: %.200s", n, st)
				}
			case "INSERT article_tag":
				if strings.Contains(st, "unnest") != (2*links >= 128) {
					t.Errorf("%d articles, %d link rows: %.200s", n, links, st)
				}
			}
		}
		if got := countKind(log, "INSERT article_tag"); got != 1 {
			t.Errorf("%d INSERTs into article_tag, want 1", got)
		}
		if got, want := countKind(log, "SELECT pg_catalog.pg_attribute"), map[bool]int{true: 1}[n == 100]; got != want {
			t.Errorf("%d articles: %d queries of column types, want %d", n, got, want)
		}
		pairs, err := db.SQL().QueryContext(ctx, "SELECT article_id, tag_id FROM article_tag")
		must(t, err)
		read := 0
		for pairs.Next() {
			var p [2]int
			must(t, pairs.Scan(&p[0], &p[1]))
			if !want[p] {
				t.Errorf("link row %v was not written", p)
			}
			read++
		}
		pairs.Close()
		if read != links {
			t.Errorf("%d link rows, want %d", read, links)
		}
		s.Close()
		must(t, reg.DropAll(ctx, db))
	}
}

// Foreign maps Go strings, floats and times onto a table made outside relm
// with column types of PostgreSQL's own (see TestUOWPostgresBulkTypes).
type Foreign struct {
	ID int `relm:"pk"`
	U  string
	J  string
	N  float64
	T  time.Time
}

func (Foreign) TableName() string { return "foreign_types" }

// TestUOWPostgresBulkTypes: rows past one VALUES statement go in arrays
// only when the table's columns take the arrays' elements as they take
// bound values. Into uuid, jsonb, numeric and timestamp columns they go in
// VALUES chunks — arrays would be refused (text[] into uuid) or store other
// values (float8[] rounded to 15 digits into numeric) — after one query of
// the table's column types, made once per table.
func TestUOWPostgresBulkTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("40,000 rows")
	}
	log := &testdb.Log{}
	db := testdb.Open(t, "postgres", log.Option())
	if _, err := db.ExecContext(ctx, `CREATE TABLE foreign_types (id SERIAL PRIMARY KEY, u UUID, j JSONB, n NUMERIC, t TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	reg := registry(t, &Foreign{})
	s := relm.NewSession(db, reg)
	defer s.Close()
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 5*3600))
	tenth := 0.1 // a variable: the constant 0.1 + 0.2 would be exactly 0.3
	rows := func() []*Foreign {
		out := make([]*Foreign, 20000) // 80,000 values: past 65,535 parameters
		for i := range out {
			out[i] = &Foreign{U: fmt.Sprintf("a0eebc99-9c0b-4ef8-bb6d-%012d", i), J: fmt.Sprintf(`{"i": %d}`, i), N: tenth + 0.2, T: when}
		}
		return out
	}
	for round := range 2 {
		log.Reset()
		batch := rows()
		must(t, s.AddAll(batch))
		must(t, s.Commit(ctx))
		inserts, typeQueries := 0, 0
		for _, st := range log.Statements() {
			switch {
			case kind(st) == "INSERT foreign_types":
				inserts++
				if strings.Contains(st, "unnest") {
					t.Fatalf("round %d: arrays into uuid/jsonb/numeric/timestamp columns: %.200s", round, st)
				}
			case strings.Contains(st, "pg_attribute"):
				typeQueries++
			}
		}
		if inserts < 2 || typeQueries != 1-round {
			t.Fatalf("round %d: %d INSERTs, %d column-type queries: %v", round, inserts, typeQueries, kinds(db, log.Statements()))
		}
		last := batch[len(batch)-1]
		got := queryStrings(t, db, "SELECT u::text || ' ' || j::text || ' ' || n::text || ' ' || t::text FROM foreign_types WHERE id = ?", last.ID)
		want := last.U + ` {"i": 19999} 0.30000000000000004 2024-01-02 03:04:05`
		if got[0] != want {
			t.Fatalf("round %d: stored %q, want %q", round, got[0], want)
		}
	}
	if n := countRows(t, db, "foreign_types"); n != 40000 {
		t.Fatalf("%d rows, want 40,000", n)
	}
}
