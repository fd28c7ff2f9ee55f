package migrate_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/migrate"
)

// Version 1 of a small schema.
type author1 struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:64"`
}

func (author1) TableName() string { return "authors" }

type post1 struct {
	ID       int     `relm:"pk"`
	Title    string  `relm:"size:64"`
	Body     *string `relm:"type:text"`
	Summary  string  `relm:"size:64"`
	Status   string  `relm:"size:16"`
	Hits     int
	Legacy   *string `relm:"size:32"`
	Slug     string  `relm:"size:64;index"`
	Code     string  `relm:"size:16"`
	AuthorID *int
	EditorID *int   `relm:"fk:authors.id"`
	Handle   string `relm:"size:32;unique"`
	Rank     int    `relm:"default:5"`
	Score    string `relm:"size:16"`
	Level    string `relm:"size:8;default:'3'"`
}

func (post1) TableName() string { return "posts" }

type legacyNote1 struct {
	ID   int    `relm:"pk"`
	Text string `relm:"size:64"`
}

func (legacyNote1) TableName() string { return "legacy_notes" }

// Version 2: every kind of change from version 1.
type author2 author1

func (author2) TableName() string { return "authors" }

type post2 struct {
	ID       int     `relm:"pk"`
	Title    string  `relm:"size:128;index"` // widened (not on SQLite), indexed
	Body     string  `relm:"type:text"`      // NOT NULL
	Summary  *string `relm:"size:64"`        // nullable
	Status   string  `relm:"size:16;default:'draft'"`
	Visits   int     `relm:"renamed_from:hits"`
	Slug     string  `relm:"size:64"`        // index dropped
	Code     string  `relm:"size:16;unique"` // unique added
	AuthorID *int    `relm:"fk:authors.id"`  // foreign key added
	EditorID *int    //                            foreign key dropped
	Views    int     //                            added, NOT NULL
	Note     *string `relm:"size:32"` //            added, nullable
	Handle   string  `relm:"size:32"` //            unique dropped
	Rank     int     //                            default dropped
	Score    int     //                            type changed, from a string
	Level    int     `relm:"default:3"` //          type and default changed
	// Legacy dropped
}

func (post2) TableName() string { return "posts" }

type category2 struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:64"`
}

func (category2) TableName() string { return "categories" }

// post2Kept is version 2 without the destructive changes: Legacy kept, and
// legacy_notes still mapped.
type post2Kept struct {
	ID       int     `relm:"pk"`
	Title    string  `relm:"size:128;index"`
	Body     string  `relm:"type:text"`
	Summary  *string `relm:"size:64"`
	Status   string  `relm:"size:16;default:'draft'"`
	Visits   int     `relm:"renamed_from:hits"`
	Legacy   *string `relm:"size:32"`
	Slug     string  `relm:"size:64"`
	Code     string  `relm:"size:16;unique"`
	AuthorID *int    `relm:"fk:authors.id"`
	EditorID *int
	Views    int
	Note     *string `relm:"size:32"`
	Handle   string  `relm:"size:32"`
	Rank     int
	Score    string `relm:"size:16"`
	Level    string `relm:"size:8;default:'3'"`
}

func (post2Kept) TableName() string { return "posts" }

func registry(t *testing.T, models ...any) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	if err := reg.Register(models...); err != nil {
		t.Fatal(err)
	}
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	return reg
}

const seedRows = 50

// seedV1 creates version 1 and fills it: authors, posts (half with a NULL
// body, each with a distinct code), legacy notes.
func seedV1(t *testing.T, db *relm.DB) *mapping.Registry {
	t.Helper()
	ctx := context.Background()
	reg := registry(t, &author1{}, &post1{}, &legacyNote1{})
	if err := reg.CreateAll(ctx, db); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= seedRows; i++ {
		mustExec(t, db, "INSERT INTO authors (id, name) VALUES (?, ?)", i, "author")
		var body any
		if i%2 == 0 {
			body = "body"
		}
		mustExec(t, db, "INSERT INTO posts (id, title, body, summary, status, hits, legacy, slug, code, author_id, editor_id, handle, rank, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			i, "title", body, "sum", "live", i*10, "old", "slug", "c"+itoa(i), i, i, "h"+itoa(i), 5, itoa(i))
		mustExec(t, db, "INSERT INTO legacy_notes (id, text) VALUES (?, ?)", i, "note")
	}
	return reg
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func mustExec(t *testing.T, db *relm.DB, q string, args ...any) {
	t.Helper()
	q = rebind(db, q)
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func rebind(db *relm.DB, q string) string {
	if db.Dialect().Name() != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func count(t *testing.T, db *relm.DB, q string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func diff(t *testing.T, db *relm.DB, reg *mapping.Registry) *migrate.Plan {
	t.Helper()
	plan, err := migrate.Diff(context.Background(), db, reg, migrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func wantEmpty(t *testing.T, db *relm.DB, reg *mapping.Registry, when string) {
	t.Helper()
	if plan := diff(t, db, reg); !plan.Empty() {
		t.Errorf("%s, the diff is not empty:\n%s\n%s", when, plan, plan.SQL())
	}
}

// TestEveryChange applies a plan with every kind of change to a seeded
// database: refused while destructive steps are not allowed, then applied;
// the diff is then empty and every row is still there.
func TestEveryChange(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg1 := seedV1(t, db)
		reg2 := registry(t, &author2{}, &post2{}, &category2{})
		plan := diff(t, db, reg2)
		kinds := map[migrate.Kind]int{}
		for _, s := range plan.Steps {
			kinds[s.Kind]++
		}
		want := []migrate.Kind{migrate.CreateTable, migrate.DropTable, migrate.RenameColumn, migrate.AddColumn,
			migrate.DropColumn, migrate.AlterNull, migrate.AlterDefault, migrate.CreateIndex, migrate.DropIndex,
			migrate.AddUnique, migrate.DropUnique, migrate.AddForeignKey, migrate.DropForeignKey, migrate.AlterType}
		for _, k := range want {
			if kinds[k] == 0 {
				t.Errorf("the plan has no %s step", k)
			}
		}
		if t.Failed() {
			t.Fatalf("plan:\n%s", plan)
		}
		err := migrate.Apply(ctx, db, plan, migrate.Options{})
		var de *migrate.DestructiveError
		if !errors.As(err, &de) || !errors.Is(err, migrate.ErrDestructive) || len(de.Steps) != 4 {
			t.Fatalf("Apply of a destructive plan: %v, want a DestructiveError naming the 2 drops and the type change", err)
		}
		for _, want := range []string{"drop column posts.legacy", "drop table legacy_notes", "change column posts.score from VARCHAR(16) to BIGINT"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not name %q: %v", want, err)
			}
		}
		if again := diff(t, db, reg2); len(again.Steps) != len(plan.Steps) {
			t.Errorf("the refused Apply changed the database: %d steps, then %d", len(plan.Steps), len(again.Steps))
		}
		if err := migrate.Apply(ctx, db, plan, migrate.Options{AllowDestructive: true}); err != nil {
			t.Fatalf("Apply: %v\n%s", err, plan.SQL())
		}
		wantEmpty(t, db, reg2, "after Apply")
		if n := count(t, db, "SELECT COUNT(*) FROM posts"); n != seedRows {
			t.Errorf("%d posts, want %d", n, seedRows)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM authors"); n != seedRows {
			t.Errorf("%d authors, want %d", n, seedRows)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM posts WHERE visits = id * 10 AND views = 0 AND body IS NOT NULL AND status = 'live' AND author_id = id"); n != seedRows {
			t.Errorf("%d posts kept their values (reads from hits, views 0, body filled), want %d", n, seedRows)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM posts WHERE level = 3"); n != seedRows {
			t.Errorf("%d posts have level 3 converted from the string, want %d", n, seedRows)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM posts WHERE score = id AND rank = 5 AND handle = 'h1'"); n != 1 {
			t.Errorf("%d posts have their score converted to an integer, their rank and handle, want 1", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM posts WHERE body = ''"); n != seedRows/2 {
			t.Errorf("%d posts have the empty body that replaced NULL, want %d", n, seedRows/2)
		}
		// The new constraints hold: a duplicate code and a missing author fail.
		if _, err := db.ExecContext(ctx, rebind(db, "INSERT INTO posts (id, title, body, visits, slug, code, views) VALUES (1000, 't', 'b', 0, 's', 'c1', 0)")); err == nil {
			t.Error("a duplicate code was accepted: no unique constraint")
		}
		if _, err := db.ExecContext(ctx, rebind(db, "INSERT INTO posts (id, title, body, visits, slug, code, views, author_id) VALUES (1001, 't', 'b', 0, 's', 'new', 0, 9999)")); err == nil {
			t.Error("a missing author was accepted: no foreign key")
		}
		mustExec(t, db, "INSERT INTO posts (id, title, body, visits, slug, code, views, handle, rank, score) VALUES (1002, 't', 'b', 0, 's', 'new2', 0, 'h1002', 1, 2)")
		if n := count(t, db, "SELECT COUNT(*) FROM posts WHERE id = 1002 AND status = 'draft' AND level = 3"); n != 1 {
			t.Error("the new defaults did not apply")
		}
		if _, err := db.ExecContext(ctx, rebind(db, "INSERT INTO posts (id, title, body, visits, slug, code, views, handle, score) VALUES (1003, 't', 'b', 0, 's', 'new3', 0, 'h1', 2)")); err == nil {
			t.Error("a post without a rank was accepted: the default is still there")
		}
		// Down and up again: the shapes come back, the rows stay (the
		// dropped column's values and table's rows excepted).
		if err := migrate.Revert(ctx, db, plan, migrate.Options{AllowDestructive: true}); err != nil {
			t.Fatalf("down: %v\n%s", err, plan.DownSQL())
		}
		wantEmpty(t, db, reg1, "after down")
		if n := count(t, db, "SELECT COUNT(*) FROM posts WHERE hits = id * 10"); n != seedRows {
			t.Errorf("after down, %d posts kept their hits, want %d", n, seedRows)
		}
		if err := migrate.Apply(ctx, db, plan, migrate.Options{AllowDestructive: true}); err != nil {
			t.Fatalf("up again: %v", err)
		}
		wantEmpty(t, db, reg2, "after up, down, up")
		if n := count(t, db, "SELECT COUNT(*) FROM posts"); n != seedRows+1 {
			t.Errorf("%d posts after up, down, up, want %d", n, seedRows+1)
		}
	})
}

// TestRoundTrip applies a non-destructive plan, undoes it and applies it
// again; after each the diff against the matching models is empty and the
// rows are all there.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg1 := seedV1(t, db)
		reg2 := registry(t, &author2{}, &post2Kept{}, &legacyNote1{}, &category2{})
		plan := diff(t, db, reg2)
		if len(plan.Destructive()) != 0 {
			t.Fatalf("plan has destructive steps:\n%s", plan)
		}
		for round := 1; round <= 2; round++ {
			if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
				t.Fatalf("up %d: %v\n%s", round, err, plan.SQL())
			}
			wantEmpty(t, db, reg2, "after up")
			if round == 2 {
				break
			}
			err := migrate.Revert(ctx, db, plan, migrate.Options{})
			if !errors.Is(err, migrate.ErrDestructive) {
				t.Fatalf("Revert, which drops the added columns: %v, want ErrDestructive", err)
			}
			if err := migrate.Revert(ctx, db, plan, migrate.Options{AllowDestructive: true}); err != nil {
				t.Fatalf("down: %v\n%s", err, plan.DownSQL())
			}
			wantEmpty(t, db, reg1, "after down")
			if n := count(t, db, "SELECT COUNT(*) FROM posts WHERE hits = id * 10 AND legacy = 'old' AND rank = 5"); n != seedRows {
				t.Errorf("after down, %d posts kept their values, want %d", n, seedRows)
			}
		}
		for _, table := range []string{"posts", "authors", "legacy_notes"} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != seedRows {
				t.Errorf("%d rows in %s, want %d", n, table, seedRows)
			}
		}
	})
}
