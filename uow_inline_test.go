package relm_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// Counters has integer columns only, as a link table has: on SQLite its rows
// travel as integer literals in one VALUES statement, however many.
type Counters struct {
	ID int64 `relm:"pk"`
	A  int64
	B  *int64
}

func (Counters) TableName() string { return "zz_counters" }

// TestUOWIntegerRowsInline: 70,000 rows of integers (more than one VALUES
// statement binds on any database) are INSERTs of literals on SQLite with
// no parameter, NULLs included, split at 131,072 values (65,536 rows, then
// the rest), and the generated keys follow the rows across both
// statements; every database stores the same values.
func TestUOWIntegerRowsInline(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Counters{})
		s := newSession(t, db, log, reg)
		const n = 70000
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
			if len(ins) != 2 || strings.Contains(ins[0], "?") || !strings.Contains(ins[0], "VALUES (-7, NULL), (-4, -8589934592)") {
				t.Fatalf("%d statements; the first: %.200s", len(ins), ins[0])
			}
			for i, want := range []int{1 << 16, n - 1<<16} {
				if got := strings.Count(ins[i], "), (") + 1; got != want || strings.Contains(ins[i], "?") {
					t.Fatalf("statement %d: %d rows, want %d: %.200s", i, got, want, ins[i])
				}
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

// Plain has a column of every kind SQLite writes as a literal (all but
// floats), nullable and not.
type Plain struct {
	ID  int `relm:"pk"`
	S   string
	SP  *string `relm:"size:300"`
	T   *string `relm:"type:text"`
	I   int64
	IP  *int
	B   bool
	BP  *bool
	TM  time.Time
	TP  *time.Time
	BY  []byte
	Tag string `relm:"size:20"`
}

func (Plain) TableName() string { return "plain" }

// plainRows is hostileRows without the floats, plus, on SQLite, a string
// that is not UTF-8 (SQLite stores its bytes as they are).
func plainRows(dialect string, n int) []*Plain {
	out := make([]*Plain, n)
	for i, k := range hostileRows(dialect, n) {
		out[i] = &Plain{S: k.S, SP: k.SP, T: k.T, I: k.I, IP: k.IP, B: k.B, BP: k.BP, TM: k.TM, TP: k.TP, BY: k.BY, Tag: k.Tag}
		if dialect == "sqlite" && i%97 == 5 {
			out[i].S = "not \xff\xfe utf-8 'quoted'"
		}
	}
	return out
}

// TestUOWLiteralRowsInline: 6,000 rows of strings, times, blobs and
// booleans (more than one VALUES statement binds on SQLite) are one INSERT
// of literals on SQLite, with no RETURNING (the keys come from the
// last-insert-id) and a placeholder only for strings holding a NUL or
// longer than 256 bytes and for empty blobs; what
// SQLite stores is exactly what binding the same values stores (typeof and
// quote of every column), the keys follow the rows even when the table's
// rowids do not start at 1, and every database reads the same values back.
func TestUOWLiteralRowsInline(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		name := db.Dialect().Name()
		reg := registry(t, &Plain{})
		s := newSession(t, db, log, reg)
		// Rowids that do not start at 1: three rows, the last deleted.
		first := plainRows(name, 3)
		must(t, s.AddAll(first))
		must(t, s.Commit(ctx))
		must(t, s.Delete(first[2]))
		must(t, s.Commit(ctx))

		const n = 6000
		big := plainRows(name, n)
		log.Reset()
		must(t, s.AddAll(big))
		must(t, s.Commit(ctx))
		ins := writes(log)
		if name == "sqlite" {
			// Bound: strings holding a NUL or longer than 256 bytes,
			// and blobs empty or longer than 256 bytes.
			bound, long := 0, 0
			for _, p := range big {
				for _, s := range []*string{&p.S, p.SP, p.T} {
					if s != nil && (strings.Contains(*s, "\x00") || len(*s) > 256) {
						bound++
					}
					if s != nil && len(*s) > 256 {
						long++
					}
				}
				if p.BY != nil && (len(p.BY) == 0 || len(p.BY) > 256) {
					bound++
				}
			}
			if long == 0 {
				t.Fatal("no string longer than 256 bytes among the rows: the test checks nothing about them")
			}
			if len(ins) != 1 || strings.Contains(ins[0], "RETURNING") || placeholders(ins[0]) != bound ||
				!strings.Contains(ins[0], `VALUES ('', NULL, NULL, 0, NULL, 1, NULL, '2024-01-02 03:04:05.123456+00:00', NULL, NULL, '0')`) ||
				!strings.Contains(ins[0], `'''; DROP TABLE kinds; --'`) || !strings.Contains(ins[0], `X'ff00275c22'`) {
				t.Fatalf("%d statements; the first: %.300s", len(ins), ins[0])
			}
		}
		small := plainRows(name, 40) // one VALUES statement
		log.Reset()
		must(t, s.AddAll(small))
		must(t, s.Commit(ctx))
		if ins := writes(log); name == "sqlite" {
			// Rows that fit in bound statements keep the driver's own
			// text for times (relm.New may wrap a *sql.DB opened with
			// another _time_format): every time is bound, the rest is
			// inlined as above.
			times := 0
			for _, p := range small {
				times++ // TM
				if p.TP != nil {
					times++
				}
			}
			if len(ins) != 1 || placeholders(ins[0]) < times || strings.Contains(ins[0], "'2024-01-02 03:04:05.123456+00:00'") ||
				!strings.Contains(ins[0], `'''; DROP TABLE kinds; --'`) {
				t.Fatalf("%d statements for 40 rows; the first (%d placeholders, %d times): %.300s", len(ins), placeholders(ins[0]), times, ins[0])
			}
		}

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Select[Plain](s2).All(ctx)
		must(t, err)
		if len(got) != 2+n+40 {
			t.Fatalf("%d rows read back, want %d", len(got), 2+n+40)
		}
		byID := map[int]*Plain{}
		for _, p := range got {
			byID[p.ID] = p
		}
		for i, want := range append(big, small...) {
			read := byID[want.ID]
			if read == nil {
				t.Fatalf("row %d: key %d not in the table", i, want.ID)
			}
			if diff := samePlain(read, want); diff != "" {
				t.Fatalf("row %d (key %d, tag %s): %s", i, want.ID, want.Tag, diff)
			}
		}
		if name != "sqlite" {
			return
		}
		// The literal rows and the bound rows of the same index are stored
		// alike, byte for byte and type for type.
		cols := []string{"s", "sp", "t", "i", "ip", "b", "bp", "tm", "tp", "by"}
		stored := func(id int) string {
			var parts []string
			for _, c := range cols {
				parts = append(parts, queryStrings(t, db, "SELECT typeof("+q(db, c)+") || ':' || quote("+q(db, c)+") FROM plain WHERE id = ?", id)...)
			}
			return strings.Join(parts, " ")
		}
		for i := range small {
			if a, b := stored(big[i].ID), stored(small[i].ID); a != b {
				t.Fatalf("row %d: literal %s\nbound %s", i, a, b)
			}
		}
	})
}

// TestUOWLiteralRowsSplitAtBoundArgs: the values an INSERT of literals
// still binds (on SQLite strings over 256 bytes, on MariaDB with
// interpolateParams strings holding a backslash) end the statement once
// they pass the bound on bound bytes, and the rows go on in the next one,
// every key still following its row. PostgreSQL writes no literals.
func TestUOWLiteralRowsSplitAtBoundArgs(t *testing.T) {
	const bound, long = 16 << 10, 1000
	defer relm.SetMaxInlineBound(bound)()
	for _, name := range []string{"sqlite", "mysql"} {
		t.Run(name, func(t *testing.T) {
			log := &testdb.Log{}
			var db *relm.DB
			if name == "sqlite" {
				db = testdb.Open(t, name, log.Option())
			} else {
				var err error
				db, err = relm.Open(ctx, testdb.NewDatabase(t, name)+"?interpolateParams=true", log.Option())
				must(t, err)
				t.Cleanup(func() { db.Close() })
			}
			reg := registry(t, &Plain{})
			s := newSession(t, db, log, reg)
			rows := plainRows(name, 300)
			for i, r := range rows {
				r.T = ptr(fmt.Sprintf("%04d %s", i, strings.Repeat(`a'\c`, long/4))) // a TEXT column
			}
			must(t, s.AddAll(rows))
			log.Reset()
			must(t, s.Commit(ctx))
			ins := writes(log)
			// Each row binds more than long bytes: a statement ends by the
			// row that crosses the bound.
			perStmt := bound/long + 1
			if want := (len(rows) + perStmt - 1) / perStmt; len(ins) < want {
				t.Fatalf("%d INSERTs for %d rows binding over %d bytes each under a bound of %d, want %d or more", len(ins), len(rows), long, bound, want)
			}
			for _, st := range ins {
				if !strings.HasPrefix(st, "INSERT") || !strings.Contains(st, "'") {
					t.Fatalf("not an INSERT of literals: %.200s", st)
				}
			}
			readBackPlain(t, db, reg, rows)
		})
	}
}

// readBackPlain reads every Plain in a new session and checks that each
// of rows is there under its key, with its values.
func readBackPlain(t *testing.T, db *relm.DB, reg *mapping.Registry, rows []*Plain) {
	t.Helper()
	readBack(t, db, reg, rows, func(p *Plain) int { return p.ID }, samePlain)
}

// samePlain compares a Plain read back with the one written (times as
// instants to the microsecond).
func samePlain(a, b *Plain) string {
	ka := &Kinds{S: a.S, SP: a.SP, T: a.T, I: a.I, IP: a.IP, B: a.B, BP: a.BP, TM: a.TM, TP: a.TP, BY: a.BY, Tag: a.Tag}
	kb := &Kinds{S: b.S, SP: b.SP, T: b.T, I: b.I, IP: b.IP, B: b.B, BP: b.BP, TM: b.TM, TP: b.TP, BY: b.BY, Tag: b.Tag}
	return sameKinds(ka, kb)
}

// placeholders counts the ? of query outside its quoted literals.
func placeholders(query string) int {
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		switch query[i] {
		case '\'':
			quoted = !quoted // a doubled quote toggles twice
		case '?':
			if !quoted {
				n++
			}
		}
	}
	return n
}

// TestUOWLiteralRowsSplitAtBound: past the bound on one statement's text,
// the literal rows go on in a second INSERT, and every key still follows
// its row.
func TestUOWLiteralRowsSplitAtBound(t *testing.T) {
	log := &testdb.Log{}
	db := testdb.Open(t, "sqlite", log.Option())
	defer relm.SetMaxInlineSQL(200 << 10)()
	reg := registry(t, &Plain{})
	s := newSession(t, db, log, reg)
	rows := plainRows("sqlite", 6000)
	must(t, s.AddAll(rows))
	must(t, s.Commit(ctx))
	ins := writes(log)
	if len(ins) < 2 {
		t.Fatalf("%d INSERTs for %d rows past the bound", len(ins), len(rows))
	}
	for _, st := range ins {
		if len(st) > 200<<10+64<<10 || strings.Contains(st, "RETURNING") {
			t.Fatalf("a statement of %d bytes: %.200s", len(st), st)
		}
	}
	readBackPlain(t, db, reg, rows)
}
