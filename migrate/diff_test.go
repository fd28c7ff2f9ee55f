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
		if len(widen.Steps) != wantNotes || len(widen.Destructive()) != 0 {
			t.Errorf("widening plan has %d steps (%d destructive), want %d non-destructive:\n%s", len(widen.Steps), len(widen.Destructive()), wantNotes, widen)
		}
		for _, s := range widen.Steps {
			if s.Kind != migrate.AlterType || !strings.HasPrefix(s.Description, "widen column ") {
				t.Errorf("widening step %q is %s", s.Description, s.Kind)
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
