package relm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// This file checks that hostile values — quotes, backslashes, LIKE
// wildcards, NUL bytes, invalid UTF-8, emoji, 1 MiB of text, NULLs, integer
// and time boundaries — are stored and read back exactly through every path
// (insert, update of a changed column, where-conditions, link rows) on every
// dialect, and that identifiers which are reserved words are quoted while
// identifiers with quotes are refused.

// hvRow carries one hostile value in every kind of column, and links to
// tags keyed by the same hostile string (link rows hold it as a foreign key).
type hvRow struct {
	ID   int        `relm:"pk"`
	S    string     `relm:"size:255"`
	T    *string    `relm:"type:longtext"`
	B    []byte     //
	I64  int64      //
	I32  int32      //
	F    float64    //
	At   time.Time  //
	AtP  *time.Time //
	Tags []*hvTag   `relm:"secondary:hv_links"`
}

func (hvRow) TableName() string { return "hv_rows" }

// hvTag has a string primary key, so that link rows carry hostile strings.
type hvTag struct {
	Name string `relm:"pk;size:255"`
}

func (hvTag) TableName() string { return "hv_tags" }

func hvRegistry(t *testing.T) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	relMust(t, reg.Register(&hvRow{}, &hvTag{}))
	relMust(t, reg.AddTable(&schema.Table{Name: "hv_links", Columns: []*schema.Column{
		{Name: "row_id", Type: schema.Integer, NotNull: true, References: "hv_rows.id"},
		{Name: "tag_name", Type: schema.String(255), NotNull: true, References: "hv_tags.name"},
	}}))
	relMust(t, reg.Configure())
	return reg
}

// hostileStrings are the string values. They are distinct under MySQL's
// case-insensitive, pad-space collations, so that they can all be primary
// keys of one table.
var hostileStrings = []struct{ name, v string }{
	{"single quote", "it's"},
	{"double quote", `say "hi"`},
	{"backslashes", `C:\path\n\'x`},
	{"trailing backslash", `trailing\`},
	{"like wildcards", "100%_sure"},
	{"only wildcards", "%_%"},
	{"injection", "'); DROP TABLE hv_rows; --"},
	{"placeholders", "$1 ? :name @p1 %s %v"},
	{"emoji", "👩‍💻 ✓ 🎉"},
	{"other scripts", "Ünïcødé ß 中文 עברית"},
	{"empty", ""},
	{"padded", "  padded  "},
	{"control characters", "line1\r\nline2\ttab\x1b[0m"},
	{"NUL byte", "a\x00b"},
	{"invalid UTF-8", "\xff\xfe\xfd"},
}

// rejects reports whether the database refuses s in a text column, and
// why: PostgreSQL's text types hold neither NUL nor invalid UTF-8; MySQL's
// utf8mb4 columns refuse invalid UTF-8 (strict mode). SQLite stores both.
func rejects(dialect, s string) bool {
	switch dialect {
	case "postgres":
		return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)
	case "mysql":
		return !utf8.ValidString(s)
	}
	return false
}

var (
	utc       = time.UTC
	plus0530  = time.FixedZone("IST", 5*3600+30*60)
	minus0800 = time.FixedZone("PST", -8*3600)
	// hostileTimes are stored and read back as the same instant everywhere:
	// they are whole microseconds (PostgreSQL and MariaDB DATETIME(6) keep
	// microseconds). Sub-microsecond times are tested on their own.
	hostileTimes = []time.Time{
		{}, // the zero time, 0001-01-01 00:00:00 UTC
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, utc),
		time.Date(2024, 2, 29, 12, 34, 56, 123456000, utc),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, utc),
		time.Date(2024, 7, 1, 8, 0, 0, 1000, plus0530),
		time.Date(1000, 1, 1, 0, 0, 0, 0, minus0800),
	}
	hostileInt64s  = []int64{math.MinInt64, math.MaxInt64, 0, -1}
	hostileInt32s  = []int32{math.MinInt32, math.MaxInt32, 0, -1}
	hostileFloat64 = []float64{math.MaxFloat64, math.SmallestNonzeroFloat64, -math.MaxFloat64, 0.1, math.Pi, 1e-300, 0}
)

// bigText is 1 MiB of text mixing the hostile strings that every database
// accepts.
func bigText() string {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		h := hostileStrings[i%len(hostileStrings)].v
		if rejects("postgres", h) || rejects("mysql", h) {
			continue
		}
		b.WriteString(h)
		b.WriteByte(byte('a' + i%26))
	}
	return b.String()[:1<<20]
}

func relMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func relPtr[T any](v T) *T { return &v }

// hvFill sets every field of r from the i-th hostile values.
func hvFill(r *hvRow, i int, s string, big string) {
	r.S = s
	r.B = []byte(s)
	switch i % 3 {
	case 0:
		r.T = relPtr(s)
	case 1:
		r.T = nil
	case 2:
		r.T = relPtr(big)
	}
	r.I64 = hostileInt64s[i%len(hostileInt64s)]
	r.I32 = hostileInt32s[i%len(hostileInt32s)]
	r.F = hostileFloat64[i%len(hostileFloat64)]
	r.At = hostileTimes[i%len(hostileTimes)]
	if i%2 == 0 {
		r.AtP = nil
	} else {
		r.AtP = relPtr(hostileTimes[(i+1)%len(hostileTimes)])
	}
	r.Tags = []*hvTag{{Name: s}}
	if s == "" {
		r.Tags = nil // an empty string is no primary key to relm: a zero key means "not set"
	}
}

// hvSame compares a row read back with the one written: strings and bytes
// exactly, times as instants.
func hvSame(t *testing.T, what string, got, want *hvRow) {
	t.Helper()
	if got.S != want.S {
		t.Errorf("%s: S = %q, want %q", what, clip(got.S), clip(want.S))
	}
	if (got.T == nil) != (want.T == nil) || got.T != nil && *got.T != *want.T {
		t.Errorf("%s: T = %s, want %s", what, clipPtr(got.T), clipPtr(want.T))
	}
	if !bytes.Equal(got.B, want.B) || (got.B == nil) != (want.B == nil) && len(want.B) > 0 {
		t.Errorf("%s: B = %q, want %q", what, got.B, want.B)
	}
	if got.I64 != want.I64 || got.I32 != want.I32 {
		t.Errorf("%s: I64, I32 = %d, %d, want %d, %d", what, got.I64, got.I32, want.I64, want.I32)
	}
	if got.F != want.F {
		t.Errorf("%s: F = %v, want %v", what, got.F, want.F)
	}
	if !got.At.Equal(want.At) {
		t.Errorf("%s: At = %v, want %v", what, got.At, want.At)
	}
	if (got.AtP == nil) != (want.AtP == nil) || got.AtP != nil && !got.AtP.Equal(*want.AtP) {
		t.Errorf("%s: AtP = %v, want %v", what, got.AtP, want.AtP)
	}
	var gn, wn []string
	for _, tg := range got.Tags {
		gn = append(gn, tg.Name)
	}
	for _, tg := range want.Tags {
		wn = append(wn, tg.Name)
	}
	slices.Sort(gn)
	slices.Sort(wn)
	if !slices.Equal(gn, wn) {
		t.Errorf("%s: tags %q, want %q", what, gn, wn)
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q… (%d bytes)", s[:40], len(s))
	}
	return fmt.Sprintf("%q", s)
}

func clipPtr(s *string) string {
	if s == nil {
		return "nil"
	}
	return clip(*s)
}

// hvLoad reads every row with its tags in a fresh session, by ID.
func hvLoad(t *testing.T, db *relm.DB, reg *mapping.Registry) map[int]*hvRow {
	t.Helper()
	s := relm.NewSession(db, reg)
	defer s.Close()
	rows, err := relm.Select[hvRow](s).SelectIn("Tags").All(context.Background())
	relMust(t, err)
	out := map[int]*hvRow{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

func TestHostileValues(t *testing.T) {
	big := bigText()
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := hvRegistry(t)
		relMust(t, reg.CreateAll(ctx, db))
		name := db.Dialect().Name()

		// Insert: every accepted value in one commit.
		s := relm.NewSession(db, reg)
		defer s.Close()
		want := map[int]*hvRow{}
		var written []*hvRow
		for i, h := range hostileStrings {
			if rejects(name, h.v) {
				continue
			}
			r := &hvRow{}
			hvFill(r, i, h.v, big)
			written = append(written, r)
			relMust(t, s.Add(r))
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("commit of hostile values: %v", err)
		}
		for _, r := range written {
			want[r.ID] = &hvRow{}
			*want[r.ID] = *r
		}
		got := hvLoad(t, db, reg)
		if len(got) != len(want) {
			t.Fatalf("read back %d rows, wrote %d", len(got), len(want))
		}
		for id, w := range want {
			hvSame(t, fmt.Sprintf("insert %s", clip(w.S)), got[id], w)
		}

		// Where-conditions: Eq on each hostile value finds its row.
		t.Run("where", func(t *testing.T) {
			hvWhere(t, db, reg, want)
		})

		// Update: each row takes the next row's values (every column
		// changes, and the link rows are replaced).
		t.Run("update", func(t *testing.T) {
			s := relm.NewSession(db, reg)
			defer s.Close()
			rows, err := relm.Select[hvRow](s).SelectIn("Tags").OrderBy("ID").All(ctx)
			relMust(t, err)
			vals := make([]string, len(rows))
			for i, r := range rows {
				vals[i] = r.S
			}
			tags := map[string]*hvTag{}
			for _, r := range rows {
				for _, tg := range r.Tags {
					tags[tg.Name] = tg
				}
			}
			for i, r := range rows {
				j := (i + 1) % len(rows)
				hvFill(r, j+7, vals[j], big)
				r.Tags = nil // existing tags: link rows only
				for _, v := range []string{vals[j], vals[i]} {
					if tags[v] != nil {
						r.Tags = append(r.Tags, tags[v])
					}
				}
				if i == 0 {
					r.Tags = nil // every link of the row deleted
				}
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatalf("commit of updates: %v", err)
			}
			want := map[int]*hvRow{}
			for _, r := range rows {
				w := *r
				want[r.ID] = &w
			}
			got := hvLoad(t, db, reg)
			for id, w := range want {
				hvSame(t, fmt.Sprintf("update %s", clip(w.S)), got[id], w)
			}
			hvWhere(t, db, reg, want)
		})

		// Values the database refuses: a clear error, nothing written, and
		// the session usable afterwards.
		for _, h := range hostileStrings {
			if !rejects(name, h.v) {
				continue
			}
			t.Run("rejected "+h.name, func(t *testing.T) {
				before := hvCount(t, db)
				s := relm.NewSession(db, reg)
				defer s.Close()
				r := &hvRow{}
				hvFill(r, 0, h.v, big)
				r.Tags = nil
				relMust(t, s.Add(r))
				err := s.Commit(ctx)
				if err == nil {
					t.Fatalf("%s accepted %q; the test expects it to refuse it", name, h.v)
				}
				var se *relm.StatementError
				if !errors.As(err, &se) || se.Op != "insert" {
					t.Errorf("error %v is not a *StatementError of the insert", err)
				}
				msg := err.Error()
				if !strings.Contains(msg, "hvRow") || !(strings.Contains(msg, "UTF8") || strings.Contains(msg, "Incorrect string value") || strings.Contains(msg, "0x00")) {
					t.Errorf("error does not say what was refused: %v", err)
				}
				t.Logf("%s refuses %s: %v", name, h.name, se.Err)
				if n := hvCount(t, db); n != before {
					t.Errorf("%d rows after the failed commit, %d before", n, before)
				}
				// The session is usable: fix the value and commit again.
				r.S, r.B, r.T = "fixed", []byte(h.v), nil
				relMust(t, s.Commit(ctx))
				if n := hvCount(t, db); n != before+1 {
					t.Errorf("%d rows after the second commit, want %d", n, before+1)
				}
				back := hvLoad(t, db, reg)[r.ID]
				if back == nil || !bytes.Equal(back.B, []byte(h.v)) {
					t.Errorf("blob %q did not round-trip: %+v", h.v, back)
				}
			})
		}
	})
}

func hvCount(t *testing.T, db *relm.DB) int {
	t.Helper()
	var n int
	relMust(t, db.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+db.Dialect().Quote("hv_rows")).Scan(&n))
	return n
}

// hvWhere checks that Eq on each column's value finds the row (on MySQL,
// whose collations are case-, pad- and emoji-insensitive, possibly among
// others: those are logged), and that In and IS NULL do too.
func hvWhere(t *testing.T, db *relm.DB, reg *mapping.Registry, want map[int]*hvRow) {
	t.Helper()
	ctx := context.Background()
	s := relm.NewSession(db, reg)
	defer s.Close()
	find := func(what string, id int, conds ...relm.Cond) {
		t.Helper()
		rows, err := relm.Select[hvRow](s).Where(conds...).All(ctx)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		found := false
		var others []string
		for _, r := range rows {
			if r.ID == id {
				found = true
			} else {
				others = append(others, clip(r.S))
			}
		}
		if !found {
			t.Errorf("%s did not find row %d (found %d others)", what, id, len(rows))
		}
		if len(others) > 0 && db.Dialect().Name() != "mysql" {
			t.Errorf("%s also found %s", what, others)
		}
		if len(others) > 0 {
			t.Logf("%s: the collation also matches %s", what, others)
		}
	}
	for id, w := range want {
		find("Eq S "+clip(w.S), id, relm.Eq("S", w.S))
		find("In S "+clip(w.S), id, relm.In("S", w.S, "\x01never"))
		find("Eq B "+clip(w.S), id, relm.Eq("B", w.B), relm.Eq("ID", id))
		if w.T != nil {
			find("Eq T "+clipPtr(w.T), id, relm.Eq("T", *w.T), relm.Eq("ID", id))
		} else {
			find("Eq T nil", id, relm.Eq("T", nil), relm.Eq("ID", id))
		}
		find(fmt.Sprintf("Eq I64 %d", w.I64), id, relm.Eq("I64", w.I64), relm.Eq("ID", id))
		find(fmt.Sprintf("Eq I32 %d", w.I32), id, relm.Eq("I32", w.I32), relm.Eq("ID", id))
		find(fmt.Sprintf("Eq F %v", w.F), id, relm.Eq("F", w.F), relm.Eq("ID", id))
		find(fmt.Sprintf("Eq At %v", w.At), id, relm.Eq("At", w.At), relm.Eq("ID", id))
		if w.AtP == nil {
			find("Eq AtP nil", id, relm.Eq("AtP", nil), relm.Eq("ID", id))
		} else {
			find(fmt.Sprintf("Eq AtP %v", *w.AtP), id, relm.Eq("AtP", *w.AtP), relm.Eq("ID", id))
		}
		for _, tg := range w.Tags {
			find("Any Tags "+clip(tg.Name), id, relm.Any("Tags", relm.Eq("Name", tg.Name)), relm.Eq("ID", id))
		}
	}
}

// TestSubMicrosecondTimes documents what each database keeps of a time with
// nanoseconds: SQLite (relm stores times as text) keeps them; PostgreSQL and
// MariaDB DATETIME(6) keep microseconds, the rest truncated.
func TestSubMicrosecondTimes(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := hvRegistry(t)
		relMust(t, reg.CreateAll(ctx, db))
		s := relm.NewSession(db, reg)
		defer s.Close()
		at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, utc)
		r := &hvRow{S: "nanos", At: at}
		relMust(t, s.Add(r))
		relMust(t, s.Commit(ctx))
		got := hvLoad(t, db, reg)[r.ID]
		want := at
		if db.Dialect().Name() != "sqlite" {
			want = at.Truncate(time.Microsecond)
		}
		if !got.At.Equal(want) {
			t.Errorf("stored %v, read back %v, want %v", at, got.At, want)
		}
	})
}

// TestTimeZoneEquality: an instant written in one zone is found by Eq with
// the same instant in another zone.
func TestTimeZoneEquality(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := hvRegistry(t)
		relMust(t, reg.CreateAll(ctx, db))
		s := relm.NewSession(db, reg)
		defer s.Close()
		at := time.Date(2024, 7, 1, 8, 0, 0, 0, plus0530)
		r := &hvRow{S: "zoned", At: at}
		relMust(t, s.Add(r))
		relMust(t, s.Commit(ctx))
		n, err := relm.Select[hvRow](s).Where(relm.Eq("At", at.In(utc))).Count(ctx)
		relMust(t, err)
		if n != 1 {
			t.Errorf("Eq with the same instant in UTC found %d rows, want 1", n)
		}
	})
}

// TestGoIntBeyondInt32: a Go int column is BIGINT, 64 bits like the int,
// on every database (issue 35.4; SQLAlchemy's Integer is 32 bits on
// PostgreSQL and MySQL): math.MaxInt64 and math.MinInt64 come back
// exactly. An int32 field's column is INTEGER, and a value beyond int32
// there is refused with an error, not truncated.
func TestGoIntBeyondInt32(t *testing.T) {
	type wideInt struct {
		ID  int `relm:"pk"`
		N   int
		M   int
		N32 int32
	}
	type narrowInt struct {
		ID int `relm:"pk"`
		N  int `relm:"type:integer"`
	}
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := mapping.NewRegistry()
		relMust(t, reg.Register(&wideInt{}, &narrowInt{}))
		relMust(t, reg.CreateAll(ctx, db))
		s := relm.NewSession(db, reg)
		defer s.Close()
		w := &wideInt{N: math.MaxInt64, M: math.MinInt64, N32: math.MinInt32}
		relMust(t, s.Add(w))
		relMust(t, s.Commit(ctx))
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		back, err := relm.Get[wideInt](ctx, s2, w.ID)
		relMust(t, err)
		if back == nil || *back != *w {
			t.Fatalf("read back %+v, want %+v", back, w)
		}
		relMust(t, s.Add(&narrowInt{N: math.MaxInt64}))
		err = s.Commit(ctx)
		if db.Dialect().Name() == "sqlite" {
			relMust(t, err) // every SQLite integer is 64 bits
			return
		}
		if err == nil {
			t.Fatal("math.MaxInt64 in an INTEGER column was accepted")
		}
		t.Logf("%s: %v", db.Dialect().Name(), err)
	})
}

// orderRow and selectRow use reserved words as table and column names.
type orderRow struct {
	ID     int          `relm:"pk"`
	Select string       `relm:"column:select;size:64;index"`
	From   *int         `relm:"column:from"`
	Lines  []*lineRow   `relm:"back_populates:Order"`
	Groups []*groupWord `relm:"secondary:where"`
}

func (orderRow) TableName() string { return "order" }

type lineRow struct {
	ID      int       `relm:"pk"`
	OrderID *int      `relm:"column:table;fk:order.id"`
	Order   *orderRow `relm:"back_populates:Lines"`
	Desc    string    `relm:"column:desc;size:32;unique"`
}

func (lineRow) TableName() string { return "user" }

type groupWord struct {
	ID    int    `relm:"pk"`
	Group string `relm:"column:group;size:32"`
}

func (groupWord) TableName() string { return "group" }

func TestReservedWordIdentifiers(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := mapping.NewRegistry()
		relMust(t, reg.Register(&orderRow{}, &lineRow{}, &groupWord{}))
		relMust(t, reg.AddTable(&schema.Table{Name: "where", Columns: []*schema.Column{
			{Name: "order", Type: schema.Integer, References: "order.id"},
			{Name: "group", Type: schema.Integer, References: "group.id"},
		}}))
		relMust(t, reg.CreateAll(ctx, db))
		relMust(t, reg.CreateAll(ctx, db)) // idempotent: the inspector finds the quoted names
		s := relm.NewSession(db, reg)
		defer s.Close()
		g := &groupWord{Group: "by"}
		o := &orderRow{Select: "*", From: relPtr(1), Groups: []*groupWord{g}}
		o.Lines = []*lineRow{{Desc: "asc"}, {Desc: "desc"}}
		relMust(t, s.Add(o))
		relMust(t, s.Commit(ctx))
		o.Select = "distinct"
		o.Lines = o.Lines[:1]
		relMust(t, s.Commit(ctx))

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Select[orderRow](s2).Where(relm.Eq("select", "distinct"), relm.Any("Groups", relm.Eq("group", "by"))).
			SelectIn("Lines", "Groups").All(ctx)
		relMust(t, err)
		if len(got) != 1 || got[0].Select != "distinct" || len(got[0].Lines) != 1 || len(got[0].Groups) != 1 {
			t.Fatalf("read back %+v", got)
		}
		lines, err := relm.Select[lineRow](s2).Join("Order").Where(relm.Eq("Order.select", "distinct")).Joined("Order").All(ctx)
		relMust(t, err)
		if len(lines) != 1 || lines[0].Order == nil || lines[0].Order.Select != "distinct" {
			t.Errorf("join on order found %+v, want the one line left in the order", lines)
		}
		relMust(t, s2.Delete(got[0]))
		relMust(t, s2.Commit(ctx))
		if n, err := relm.Select[orderRow](s2).Count(ctx); err != nil || n != 0 {
			t.Errorf("after delete: %d rows, %v", n, err)
		}
	})
}

// Identifiers containing quotes are refused at mapping time with an error
// naming the field and the character; they never reach SQL.
func TestQuotedIdentifiersRejected(t *testing.T) {
	type badColumn struct {
		ID int    `relm:"pk"`
		X  string `relm:"column:a\"b"`
	}
	type badTable struct {
		_  struct{} "relm:\"table:x`y\""
		ID int      `relm:"pk"`
	}
	type singleQuote struct {
		ID int    `relm:"pk"`
		X  string `relm:"column:it's"`
	}
	for _, model := range []any{&badColumn{}, &badTable{}, &singleQuote{}} {
		err := mapping.NewRegistry().Register(model)
		if err == nil {
			t.Errorf("%T: registered", model)
			continue
		}
		if !strings.Contains(err.Error(), "does not accept in identifiers") {
			t.Errorf("%T: unclear error %v", model, err)
		}
	}
	for _, name := range []string{`a"b`, "a`b", "a'b", "a\x00b", "a\nb", "\xff"} {
		if err := schema.ValidateIdentifier(name); err == nil {
			t.Errorf("ValidateIdentifier(%q) accepted it", name)
		}
	}
	for _, name := range []string{"order", "select", "user", "group", "from", "Straße", "a b", "a;b", "a-b", "a.b"} {
		if err := schema.ValidateIdentifier(name); err != nil {
			t.Errorf("ValidateIdentifier(%q): %v", name, err)
		}
	}
}

// TestTextBeyond64KiB: a `type:text` column is TEXT everywhere, which on
// MySQL holds 65,535 bytes: a longer value is refused with an error (the
// server's strict mode; without it MySQL would truncate silently), and
// `type:longtext` holds it.
func TestTextBeyond64KiB(t *testing.T) {
	type shortText struct {
		ID   int    `relm:"pk"`
		Body string `relm:"type:text"`
	}
	ctx := context.Background()
	long := strings.Repeat("é", 40_000) // 80,000 bytes
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := mapping.NewRegistry()
		relMust(t, reg.Register(&shortText{}))
		relMust(t, reg.CreateAll(ctx, db))
		s := relm.NewSession(db, reg)
		defer s.Close()
		relMust(t, s.Add(&shortText{Body: long}))
		err := s.Commit(ctx)
		if db.Dialect().Name() != "mysql" {
			relMust(t, err)
			return
		}
		// MariaDB says "Data too long" for ASCII, but for multi-byte text sent
		// as a prepared-statement parameter "Incorrect string value".
		var se *relm.StatementError
		if !errors.As(err, &se) || !strings.Contains(se.Err.Error(), "Data too long") && !strings.Contains(se.Err.Error(), "Incorrect string value") {
			t.Fatalf("80,000 bytes in a MySQL TEXT column: %v, want a 'Data too long' error", err)
		}
		t.Logf("MySQL TEXT refuses 80,000 bytes: %v", se.Err)
	})
}
