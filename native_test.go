package relm_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
)

// nativeProbe stands between relm and a dialect's NativeRunner: it counts
// the statements relm hands it and, by mode, runs them ("run"), declines
// them as a runner does a connection that is not its driver's ("decline"),
// or reports a connection broken before anything was sent ("badconn").
type nativeProbe struct {
	dialect.NativeRunner
	mode           string
	execs, queries int
}

func (p *nativeProbe) NativeExec(ctx context.Context, dc any, query string, args []any) (int64, bool, error) {
	p.execs++
	switch p.mode {
	case "decline":
		return 0, false, nil
	case "badconn":
		return 0, true, driver.ErrBadConn
	}
	return p.NativeRunner.NativeExec(ctx, dc, query, args)
}

func (p *nativeProbe) NativeQuery(ctx context.Context, dc any, query string, args []any, consume func(dialect.Rows) error) (bool, error) {
	p.queries++
	switch p.mode {
	case "decline":
		return false, nil
	case "badconn":
		return true, driver.ErrBadConn
	}
	return p.NativeRunner.NativeQuery(ctx, dc, query, args, consume)
}

// TestNativeRunnerChosen: relm runs statements natively on PostgreSQL
// through pgx's stdlib driver, and on no other database.
func TestNativeRunnerChosen(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		got := relm.NativeRunnerOf(db) != nil
		if want := db.Dialect().Name() == "postgres"; got != want {
			t.Fatalf("native runner on %s: %v, want %v", db.Dialect().Name(), got, want)
		}
	})
}

// TestNativeStatements: on PostgreSQL, what relm sends outside a
// transaction and reads the result of itself goes through pgx's own
// interface, logged as every statement is, with the results database/sql
// gives; a runner that declines the connection, or finds it broken before
// sending, leaves the statement to database/sql with the same results.
// Inside a transaction everything goes through database/sql.
func TestNativeStatements(t *testing.T) {
	for _, mode := range []string{"run", "decline", "badconn"} {
		t.Run(mode, func(t *testing.T) {
			log := &testdb.Log{}
			db := testdb.Open(t, "postgres", log.Option())
			s := blogSession(t, db, log)
			p := &nativeProbe{NativeRunner: relm.NativeRunnerOf(db), mode: mode}
			if p.NativeRunner == nil {
				t.Fatal("no native runner on PostgreSQL")
			}
			defer relm.SetNativeRunner(db, p)()

			// A one-statement commit: INSERT … RETURNING, its key read back.
			u := &blog.User{Username: "ann", Password: "pw", Email: "ann@example.com"}
			must(t, s.Add(u))
			must(t, s.Commit(ctx))
			if got := kinds(db, log.Statements()); fmt.Sprint(got) != "[INSERT users]" {
				t.Fatalf("insert: statements %v, want [INSERT users]", got)
			}
			if u.ID == 0 || p.queries != 1 {
				t.Fatalf("insert: key %d, native queries %d; want a key and 1", u.ID, p.queries)
			}
			if n := queryInt(t, db, "SELECT COUNT(*) FROM users WHERE id = $1 AND username = 'ann'", u.ID); n != 1 {
				t.Fatalf("insert: %d rows for user %d", n, u.ID)
			}

			// A one-statement UPDATE, its row count checked.
			u.Email = "ann@example.org"
			must(t, s.Commit(ctx))
			if p.execs != 1 {
				t.Fatalf("update: native execs %d, want 1", p.execs)
			}
			if got := queryStrings(t, db, "SELECT email FROM users WHERE id = $1", u.ID); fmt.Sprint(got) != "[ann@example.org]" {
				t.Fatalf("update: email %v", got)
			}

			// An article of hers, with a tag: a commit of several
			// statements, in a transaction, not native.
			a := &blog.Article{Title: "first", Author: u, Tags: []*blog.Tag{{Name: "go"}}}
			must(t, s.Add(a))
			q0, e0 := p.queries, p.execs
			must(t, s.Commit(ctx))
			if p.queries != q0 || p.execs != e0 {
				t.Fatalf("a commit in a transaction went native: queries %d→%d, execs %d→%d", q0, p.queries, e0, p.execs)
			}

			// Loads in a new session: the user, her articles by SELECT IN
			// and their tags, a count and an exists.
			s2 := relm.NewSession(db, s.Registry())
			defer s2.Close()
			q0 = p.queries
			users, err := relm.Select[blog.User](s2).Where(relm.Eq("ID", u.ID)).SelectIn("Articles.Tags").All(ctx)
			must(t, err)
			if len(users) != 1 || users[0].Email != "ann@example.org" || len(users[0].Articles) != 1 ||
				users[0].Articles[0].Title != "first" || len(users[0].Articles[0].Tags) != 1 || users[0].Articles[0].Tags[0].Name != "go" {
				t.Fatalf("load: got %+v", users)
			}
			if got := *users[0].Articles[0].UserID; got != u.ID {
				t.Fatalf("load: article's user_id %d, want %d", got, u.ID)
			}
			n, err := relm.Select[blog.Article](s2).Count(ctx)
			must(t, err)
			ok, err := relm.Select[blog.Tag](s2).Where(relm.Eq("Name", "rust")).Exists(ctx)
			must(t, err)
			if n != 1 || ok {
				t.Fatalf("count %d, exists %v; want 1, false", n, ok)
			}
			if p.queries-q0 != 5 {
				t.Fatalf("load, count, exists: %d native queries, want 5", p.queries-q0)
			}

			// A joined load reads the author's columns from the same rows.
			joined := func() *blog.Article {
				s := relm.NewSession(db, s.Registry())
				defer s.Close()
				arts, err := relm.Select[blog.Article](s).Joined("Author").All(ctx)
				must(t, err)
				if len(arts) != 1 || arts[0].Author == nil {
					t.Fatalf("joined load: %+v", arts)
				}
				return arts[0]
			}
			q0 = p.queries
			nat := joined()
			if p.queries != q0+1 {
				t.Fatalf("joined load: %d native queries, want 1", p.queries-q0)
			}
			restore := relm.SetNativeRunner(db, nil)
			viaSQL := joined()
			restore()
			if nat.Title != viaSQL.Title || nat.Author.ID != viaSQL.Author.ID || nat.Author.Username != viaSQL.Author.Username ||
				nat.Author.Email != viaSQL.Author.Email || nat.Author.Email != "ann@example.org" {
				t.Fatalf("joined load: natively %+v by %+v, through database/sql %+v by %+v", *nat, *nat.Author, *viaSQL, *viaSQL.Author)
			}

			// Inside a transaction (after Flush), queries go to it.
			u2 := users[0]
			u2.Password = "new"
			must(t, s2.Flush(ctx))
			q0 = p.queries
			if _, err := relm.Select[blog.Category](s2).All(ctx); err != nil {
				t.Fatal(err)
			}
			if p.queries != q0 {
				t.Fatal("a query inside a transaction went native")
			}
			must(t, s2.Commit(ctx))

			// A row deleted behind the session's back: the UPDATE's row
			// count says so.
			if _, err := db.SQL().ExecContext(ctx, "DELETE FROM article_tag; DELETE FROM articles; DELETE FROM users"); err != nil {
				t.Fatal(err)
			}
			u2.Email = "gone@example.org"
			if err := s2.Commit(ctx); !errors.Is(err, relm.ErrStaleObject) {
				t.Fatalf("update of a deleted row: %v, want ErrStaleObject", err)
			}
			if mode != "run" && (p.execs == 0 || p.queries == 0) {
				t.Fatalf("the probe was not asked: execs %d, queries %d", p.execs, p.queries)
			}
		})
	}
}

// TestNativeScansAsDatabaseSQL: rows loaded through pgx's own interface are
// the rows database/sql gives — every kind, NULL or not, the hard values
// of each (hostileRows), fields with their own Scanner and Valuer
// (Ticket) — and a NULL for a field that cannot hold one fails either way.
func TestNativeScansAsDatabaseSQL(t *testing.T) {
	log := &testdb.Log{}
	db := testdb.Open(t, "postgres", log.Option())
	reg := registry(t, &Kinds{}, &Ticket{})
	s := newSession(t, db, log, reg)
	rows := hostileRows("postgres", 40)
	must(t, s.AddAll(rows))
	high := LevelHigh
	must(t, s.AddAll([]*Ticket{{Level: LevelLow, Next: &high, Note: "Mixed Case"}, {Level: LevelHigh, Note: "b"}}))
	must(t, s.Commit(ctx))

	load := func(native bool) ([]*Kinds, []*Ticket) {
		t.Helper()
		if !native {
			defer relm.SetNativeRunner(db, nil)()
		}
		s := relm.NewSession(db, reg)
		defer s.Close()
		ks, err := relm.Select[Kinds](s).OrderBy("ID").All(ctx)
		must(t, err)
		ts, err := relm.Select[Ticket](s).OrderBy("ID").All(ctx)
		must(t, err)
		return ks, ts
	}
	nk, nt := load(true)
	sk, st := load(false)
	if len(nk) != len(rows) || len(sk) != len(rows) {
		t.Fatalf("%d rows natively, %d through database/sql; want %d", len(nk), len(sk), len(rows))
	}
	for i := range nk {
		if !reflect.DeepEqual(nk[i], sk[i]) {
			t.Fatalf("row %d natively\n%+v\nthrough database/sql\n%+v", i, *nk[i], *sk[i])
		}
		if diff := sameKinds(nk[i], rows[i]); diff != "" {
			t.Fatalf("row %d: %s", i, diff)
		}
	}
	if !reflect.DeepEqual(nt, st) || len(nt) != 2 || nt[0].Note != "mixed case" || *nt[0].Next != LevelHigh {
		t.Fatalf("tickets natively %+v, through database/sql %+v", nt, st)
	}

	// NULL into a plain int: an error either way, naming the column.
	reg2 := registry(t, &kindsNullInt{})
	for _, native := range []bool{true, false} {
		func() {
			if !native {
				defer relm.SetNativeRunner(db, nil)()
			}
			s := relm.NewSession(db, reg2)
			defer s.Close()
			_, err := relm.Select[kindsNullInt](s).All(ctx)
			if err == nil || !strings.Contains(err.Error(), `"ip"`) && !strings.Contains(err.Error(), "col: ip") {
				t.Fatalf("native %v: a NULL for an int field: %v", native, err)
			}
		}()
	}
}

// kindsNullInt reads the kinds table with IP as an int, which cannot hold
// the NULLs hostileRows stores there.
type kindsNullInt struct {
	ID int `relm:"pk"`
	IP int
}

func (kindsNullInt) TableName() string { return "kinds" }
