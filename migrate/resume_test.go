package migrate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/migrate"
)

// TestResume: a migration whose second statement fails. On PostgreSQL and
// SQLite nothing stays applied; on MariaDB, whose DDL commits, the first
// statement stays, is recorded, and the next Up resumes at the second —
// unless the statements already applied were edited since.
func TestResume(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		mysql := db.Dialect().Name() == "mysql"
		dir := t.TempDir()
		write := func(name, body string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("0001_partial.up.sql", "CREATE TABLE first_t (id INTEGER PRIMARY KEY);\nINSERT INTO second_t (id) VALUES (1);\nCREATE TABLE third_t (id INTEGER PRIMARY KEY);\n")
		write("0001_partial.down.sql", "DROP TABLE third_t;\nDROP TABLE first_t;\n")
		fsys := os.DirFS(dir)
		_, err := migrate.Up(ctx, db, fsys, migrate.Options{})
		var se *migrate.StatementError
		if !errors.As(err, &se) || se.Index != 2 || se.Count != 3 {
			t.Fatalf("up: %v, want statement 2 of 3 to fail", err)
		}
		names, _ := db.Dialect().TableNames(ctx, db)
		if got := contains(names, "first_t"); got != mysql {
			t.Errorf("after the failure, first_t exists: %v (tables %v)", got, names)
		}
		if mysql && se.Applied != 1 {
			t.Errorf("Applied = %d, want 1: %v", se.Applied, err)
		}
		st, err := migrate.Status(ctx, db, fsys)
		if err != nil || len(st) != 1 || st[0].Applied || mysql != (st[0].Partial == 1) {
			t.Errorf("status after the failure: %v %v", st, err)
		} else if mysql && !strings.Contains(st[0].String(), "FAILED PART WAY: 1 of its statements applied") {
			t.Errorf("status line %q", st[0])
		}
		mustExec(t, db, "CREATE TABLE second_t (id INTEGER PRIMARY KEY)")
		if done, err := migrate.Up(ctx, db, fsys, migrate.Options{}); err != nil || len(done) != 1 {
			t.Fatalf("up after the fix: %v (%d applied)", err, len(done))
		}
		if n := count(t, db, "SELECT COUNT(*) FROM second_t"); n != 1 {
			t.Errorf("second_t has %d rows, want 1", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM relm_migrations"); n != 1 {
			t.Errorf("%d migrations recorded, want 1", n)
		}
		if !mysql {
			return
		}
		write("0002_edited.up.sql", "CREATE TABLE fourth_t (id INTEGER PRIMARY KEY);\nINSERT INTO fifth_t (id) VALUES (1);\n")
		if _, err := migrate.Up(ctx, db, fsys, migrate.Options{}); !errors.As(err, &se) {
			t.Fatalf("up of 0002: %v", err)
		}
		write("0002_edited.up.sql", "CREATE TABLE fourth_t (id BIGINT PRIMARY KEY);\nINSERT INTO fourth_t (id) VALUES (1);\n")
		var pe *migrate.ProgressError
		if _, err := migrate.Up(ctx, db, fsys, migrate.Options{}); !errors.As(err, &pe) || pe.Done != 1 {
			t.Fatalf("up of 0002 with its applied statement edited: %v, want a ProgressError", err)
		}
	})
}
