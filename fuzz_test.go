package relm_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

var dsnSchemes = []string{"postgres", "postgresql", "mysql", "mariadb", "sqlite", "sqlite3", "file", "oracle", ""}

// FuzzParseDSN: any string is an error or a dialect with a driver DSN; and
// for a URL built around a password, the error — whatever the rest of the
// URL holds — never contains the password.
func FuzzParseDSN(f *testing.F) {
	for _, s := range []struct {
		raw              string
		scheme           uint8
		user, pass, rest string
	}{
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", 0, "postgres", "s3cret", "127.0.0.1:5432/test?sslmode=disable"},
		{"mysql://root:pw@127.0.0.1:3306/test", 2, "root", "hunter22", "127.0.0.1:3306/test?parseTime=1"},
		{"sqlite:blog.db", 4, "u", "pa/ss:w@rd", "host/db"},
		{"sqlite::memory:", 2, "root", "p@ss#frag", "h:99999/db"},
		{"sqlite:///rel.db?_pragma=foreign_keys(0)", 0, "a", "?query=1", "h/db/extra"},
		{"file:x.db?mode=ro", 5, "a", "secret", "host/db"},
		{"mariadb://u:p@h/d?tls=bogus", 3, "u", "t%6Fp%20secret", "h/d?tls=bogus"},
		{"oracle://x", 7, "", "password", ""},
		{"postgres://[::1", 1, "user", "pw[::1]", "[::1/db"},
		{"mysql://root:pw@/test", 2, "root", "long-password", "/test"},
		{"%zz", 8, "u", "p", "h"},
	} {
		f.Add(s.raw, s.scheme, s.user, s.pass, s.rest)
	}
	f.Fuzz(func(t *testing.T, raw string, scheme uint8, user, pass, rest string) {
		d, driverDSN, err := relm.ParseDSN(raw)
		if (err == nil) != (d != nil && driverDSN != "") {
			t.Fatalf("ParseDSN(%q) = %v, %q, %v", raw, d, driverDSN, err)
		}
		sch := dsnSchemes[int(scheme)%len(dsnSchemes)]
		dsn := sch + "://" + user + ":" + pass + "@" + rest
		_, _, err = relm.ParseDSN(dsn)
		if err == nil {
			return
		}
		msg := err.Error()
		for _, secret := range []string{pass, unescaped(pass)} {
			// A password that the rest of the URL also spells, or too short
			// to tell apart from the message's own words, proves nothing.
			if len(secret) < 4 || strings.Contains(sch+"://"+user+":@"+rest, secret) || strings.Contains(genericDSNText, secret) {
				continue
			}
			if strings.Contains(msg, secret) {
				t.Fatalf("ParseDSN(%q): the error repeats the password %q: %s", dsn, secret, msg)
			}
		}
	})
}

// genericDSNText is the wording of DSN errors, in which a short password
// such as "host" or "port" would be found by accident.
const genericDSNText = `relm: unknown DSN scheme DSN has no scheme; write sqlite:FILE, postgres://… or mysql://… in ; relm knows sqlite:, postgres:// and mysql:// sqlite DSN names a host; SQLite opens files: write sqlite:FILE or sqlite:///FILE postgres URL does not parse: mysql URL port is not a port number (1-65535) postgres://user@host:5432/db mysql://user:pass@host:3306/db xxxxx invalid port after host net/url: invalid userinfo invalid character in host name first path segment in URL cannot contain colon names more than a database; write /dbname query parameter the password contains; percent-encode it`

func unescaped(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// fzItem is the tiny model FuzzCondition queries.
type fzItem struct {
	ID   int     `relm:"pk"`
	Name string  `relm:"size:64;index"`
	Note *string `relm:"type:text"`
	N    int64
	B    []byte
	At   time.Time
}

func (fzItem) TableName() string { return "fz_items" }

// fzCond builds the condition op selects from a field name and values.
func fzCond(op uint8, field, value string, n int64) relm.Cond {
	switch op % 8 {
	case 0:
		return relm.Eq(field, value)
	case 1:
		return relm.Like(field, value)
	case 2:
		return relm.In(field, value, value+"'", "\\"+value)
	case 3:
		return relm.Eq(field, n)
	case 4:
		return relm.Ne(field, value)
	case 5:
		return relm.And(relm.Eq("Name", value), relm.Or(relm.Eq(field, n), relm.NotIn("N", n, n+1)))
	case 6:
		return relm.Not(relm.Or(relm.Gt(field, value), relm.Le(field, value)))
	default:
		return relm.In(field, n, n-1)
	}
}

// fzQuery is the query FuzzCondition runs for op: Where(fzCond) for the
// first eight, then an Expr with a field reference and a bound value, In
// over a subquery projecting the field, a correlated Exists, NotIn over a
// grouped subquery, and keyset pagination After a value of the field.
func fzQuery(s *relm.Session, op uint8, field, value string, n int64) *relm.Query[fzItem] {
	q := relm.Select[fzItem](s)
	sub := func() *relm.Query[fzItem] { return relm.Select[fzItem](s) }
	switch op % 13 {
	case 8:
		return q.Where(relm.Expr("lower(?) <> ? OR ? = ?", relm.F(field), value, relm.F("N"), n))
	case 9:
		return q.Where(relm.In("Name", sub().Columns(relm.Col(field)).Where(relm.Ne(field, value))))
	case 10:
		return q.Where(relm.Exists(sub().Where(relm.Eq(field, relm.Outer(field)), relm.Ne("N", n), relm.Expr("? <> ?", relm.F(field), value))))
	case 11:
		return q.Where(relm.NotIn("N", sub().Columns(relm.Max("N")).GroupBy(field).Having(relm.Count("ID").Gt(n))))
	case 12:
		return q.OrderBy(field+" desc", "ID").After(value, n)
	}
	return q.Where(fzCond(op, field, value, n))
}

// FuzzCondition builds conditions from fuzzed field names and values with
// Select[T].Where against SQLite in memory — the builders of fzCond, and
// Expr, subqueries and After of fzQuery. Any input is a bad-query error
// (and then no SQL at all) or SQL that runs; the SQL text is the same
// whatever the values (they are bound parameters, never written into it);
// and a row stored with the fuzzed value is found by Eq on it.
func FuzzCondition(f *testing.F) {
	for _, s := range []struct {
		field, value string
		n            int64
		op           uint8
	}{
		{"Name", "it's", 1, 0},
		{"name", `%_\`, -1, 1},
		{"Name", "'); DROP TABLE fz_items; --", 0, 2},
		{"N", "x", -9223372036854775808, 3},
		{"Note", "a\x00b", 9223372036854775807, 4},
		{"B", "\xff\xfe", 2, 5},
		{"Nope", "?", 3, 0},
		{`Name" OR 1=1 --`, "$1", 4, 0},
		{"id", "👩‍💻", 5, 7},
		{"At", "2024-01-01", 6, 6},
		{"Author.Name", "x", 7, 0},
		{"", "", 0, 2},
		{"Name", "it's", 1, 8},
		{"Nme", "?", 1, 8},
		{"Name", "'); --", -1, 9},
		{"name", "$1", 2, 10},
		{"Name", "x", 3, 11},
		{"Name", "a\x00b", 4, 12},
		{"N", "x", 5, 12},
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
	known := map[string]bool{}
	m, _ := reg.Mapper(&fzItem{})
	for _, fl := range m.Fields {
		known[fl.Name], known[fl.Column.Name] = true, true
	}

	// run returns the statements a query with cond issues, and its error.
	run := func(s *relm.Session, q *relm.Query[fzItem]) ([]string, []*fzItem, error) {
		log.Reset()
		rows, err := q.All(ctx)
		return log.Statements(), rows, err
	}

	f.Fuzz(func(t *testing.T, field, value string, n int64, op uint8) {
		s := relm.NewSession(db, reg)
		defer s.Close()

		stmts, _, err := run(s, fzQuery(s, op, field, value, n))
		if err != nil {
			if !errors.Is(err, relm.ErrBadQuery) {
				t.Fatalf("field %q value %q op %d: not a bad-query error, so the builder wrote SQL the database refuses: %v", field, value, op, err)
			}
			if len(stmts) != 0 {
				t.Fatalf("a bad query issued SQL: %q", stmts)
			}
			return
		}
		if !known[field] {
			t.Fatalf("field %q is no field or column of fzItem, yet the query ran: %q", field, stmts)
		}
		if len(stmts) != 1 {
			t.Fatalf("one query issued %d statements: %q", len(stmts), stmts)
		}
		// The same condition with other values has the very same SQL.
		canon, _, err := run(s, fzQuery(s, op, field, "v", 7))
		if err != nil || len(canon) != 1 || canon[0] != stmts[0] {
			t.Fatalf("the SQL depends on the values:\n%q\n%q (%v)", stmts, canon, err)
		}
		if len(value) >= 3 && !strings.Contains(canon[0], value) && strings.Contains(stmts[0], value) {
			t.Fatalf("the value %q appears in the SQL %q", value, stmts[0])
		}

		// A row holding the value is found by Eq on each column.
		// A time between years 1 and 9999 (SQLite cannot read back a later one).
		const first, last = -62135596800, 253402300799
		secs := first + int64(uint64(n)%uint64(last-first+1))
		row := &fzItem{Name: value, Note: &value, N: n, B: []byte(value), At: time.Unix(secs, int64(uint64(n)%1e9)).UTC()}
		if err := s.Add(row); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("insert of %q: %v", value, err)
		}
		defer func() {
			s.Delete(row)
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}()
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Select[fzItem](s2).Where(relm.Eq("Name", value), relm.Eq("Note", value), relm.Eq("N", n), relm.Eq("B", []byte(value)), relm.Eq("At", row.At)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != row.ID || got[0].Name != value || *got[0].Note != value || string(got[0].B) != value {
			t.Fatalf("Eq on %q found %+v, want row %d", value, got, row.ID)
		}
	})
}
