package migrate_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/migrate"
)

// TestDiffAfterCreateAll: a database made by CreateAll diffs as empty,
// with no notes.
func TestDiffAfterCreateAll(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg, err := blog.NewRegistry()
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		plan, err := migrate.Diff(ctx, db, reg, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Empty() || len(plan.Notes) != 0 {
			t.Errorf("plan after CreateAll:\n%s\n%s", plan, plan.SQL())
		}
	})
}

// TestDiffSQLAlchemyTables: the tables SQLAlchemy's create_all made for the
// tutorial diff as empty; the 32-bit INTEGER keys (PostgreSQL, MariaDB)
// where the blog declares BIGINT are notes, and with Options.Widen
// non-destructive AlterType steps.
func TestDiffSQLAlchemyTables(t *testing.T) {
	ctx := context.Background()
	refFile := map[string]string{"sqlite": "ddl_sqlite.sql", "postgres": "ddl_postgresql.sql", "mysql": "ddl_mariadb.sql"}
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		name := db.Dialect().Name()
		execFile(t, db, filepath.Join("..", "ddl", "testdata", refFile[name]))
		reg, err := blog.NewRegistry()
		if err != nil {
			t.Fatal(err)
		}
		plan, err := migrate.Diff(ctx, db, reg, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Empty() {
			t.Errorf("plan on SQLAlchemy's tables:\n%s\n%s", plan, plan.SQL())
		}
		wantNotes := 10
		if name == "sqlite" {
			wantNotes = 0
		}
		if len(plan.Notes) != wantNotes {
			t.Errorf("%d notes, want %d:\n%s", len(plan.Notes), wantNotes, strings.Join(plan.Notes, "\n"))
		}
		widen, err := migrate.Diff(ctx, db, reg, migrate.Options{Widen: true})
		if err != nil {
			t.Fatal(err)
		}
		types := 0
		for _, s := range widen.Steps {
			switch {
			case s.Kind == migrate.AlterType && strings.HasPrefix(s.Description, "widen column "):
				types++
			case name == "mysql" && (s.Kind == migrate.DropForeignKey || s.Kind == migrate.AddForeignKey):
				// InnoDB changes no column a foreign key uses.
			default:
				t.Errorf("widening step %q is %s", s.Description, s.Kind)
			}
		}
		if types != wantNotes || len(widen.Destructive()) != 0 {
			t.Errorf("widening plan has %d widening steps (%d destructive), want %d non-destructive:\n%s", types, len(widen.Destructive()), wantNotes, widen)
		}
		// Widening a seeded database keeps its rows and leaves nothing to
		// note. (On MariaDB the widening drops the foreign keys around it.)
		if _, err := blog.Seed(ctx, db, reg, blog.SeedOptions{Users: 7, Categories: 3, Tags: 9, Articles: 45, MinTags: 2, MaxTags: 5, Seed: 42, BatchSize: 10}); err != nil {
			t.Fatal(err)
		}
		tables := []string{"users", "userinfos", "articles", "categories", "tags", "article_tag"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = count(t, db, "SELECT COUNT(*) FROM "+tb)
		}
		widen, err = migrate.Diff(ctx, db, reg, migrate.Options{Widen: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := migrate.Apply(ctx, db, widen, migrate.Options{}); err != nil {
			t.Fatalf("widen: %v\n%s", err, widen.SQL())
		}
		after, err := migrate.Diff(ctx, db, reg, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !after.Empty() || len(after.Notes) != 0 {
			t.Errorf("after widening:\n%s", after)
		}
		for _, tb := range tables {
			if n := count(t, db, "SELECT COUNT(*) FROM "+tb); n != before[tb] {
				t.Errorf("%s has %d rows after widening, had %d", tb, n, before[tb])
			}
		}
	})
}

// execFile runs the statements of an SQL file, skipping comment lines.
func execFile(t *testing.T, db *relm.DB, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.SQL().ExecContext(context.Background(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

type commentV struct {
	ID        int    `relm:"pk"`
	ArticleID *int   `relm:"fk:articles.id"`
	Body      string `relm:"size:200"`
}

func (commentV) TableName() string { return "comments" }

// TestNewTableOnSQLAlchemyTables: a table added beside SQLAlchemy's, with a
// foreign key to its INTEGER articles.id. MariaDB refuses a BIGINT foreign
// key to an INTEGER key, so there the plan widens articles.id, and the
// foreign-key column joined to it, even without Options.Widen.
func TestNewTableOnSQLAlchemyTables(t *testing.T) {
	ctx := context.Background()
	refFile := map[string]string{"sqlite": "ddl_sqlite.sql", "postgres": "ddl_postgresql.sql", "mysql": "ddl_mariadb.sql"}
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		name := db.Dialect().Name()
		execFile(t, db, filepath.Join("..", "ddl", "testdata", refFile[name]))
		reg, err := blog.NewRegistry()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := blog.Seed(ctx, db, reg, blog.SeedOptions{Users: 3, Categories: 2, Tags: 4, Articles: 10, MinTags: 1, MaxTags: 2, Seed: 1, BatchSize: 10}); err != nil {
			t.Fatal(err)
		}
		reg2 := blogWithViews(t)
		if err := reg2.Register(&commentV{}); err != nil {
			t.Fatal(err)
		}
		plan := diff(t, db, reg2)
		widened := map[string]bool{}
		for _, s := range plan.Steps {
			if s.Kind == migrate.AlterType {
				widened[s.Table+"."+s.Name] = true
			}
		}
		if name == "mysql" && (len(widened) != 2 || !widened["articles.id"] || !widened["article_tag.article_id"]) {
			t.Errorf("widened %v, want articles.id and article_tag.article_id:\n%s", widened, plan)
		}
		if name != "mysql" && len(widened) != 0 {
			t.Errorf("widened %v, want nothing:\n%s", widened, plan)
		}
		if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, plan.SQL())
		}
		wantEmpty(t, db, reg2, "after the plan")
		if n := count(t, db, "SELECT COUNT(*) FROM articles"); n != 10 {
			t.Errorf("%d articles, want 10", n)
		}
		mustExec(t, db, "INSERT INTO comments (article_id, body) VALUES (1, 'first')")
	})
}
