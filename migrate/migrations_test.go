package migrate_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/migrate"
)

// TestVersionedRoundTrip writes the plan from version 1 to version 2 as a
// numbered file pair, applies it, undoes it and applies it again; each
// time the diff against the matching models is empty and every row is
// there.
func TestVersionedRoundTrip(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg1 := seedV1(t, db)
		reg2 := registry(t, &author2{}, &post2Kept{}, &legacyNote1{}, &category2{})
		dir := t.TempDir()
		m, err := migrate.WritePlan(dir, "Add article views", diff(t, db, reg2))
		if err != nil {
			t.Fatal(err)
		}
		if m.UpFile != "0001_add_article_views.up.sql" || m.DownFile != "0001_add_article_views.down.sql" {
			t.Errorf("files %s, %s", m.UpFile, m.DownFile)
		}
		fsys := os.DirFS(dir)
		for round := 1; round <= 2; round++ {
			done, err := migrate.Up(ctx, db, fsys, migrate.Options{})
			if err != nil || len(done) != 1 {
				t.Fatalf("up %d: %v (%d applied)", round, err, len(done))
			}
			wantEmpty(t, db, reg2, "after up")
			if done, err := migrate.Up(ctx, db, fsys, migrate.Options{}); err != nil || len(done) != 0 {
				t.Errorf("a second up: %v (%d applied), want nothing to do", err, len(done))
			}
			st, err := migrate.Status(ctx, db, fsys)
			if err != nil || len(st) != 1 || !st[0].Applied || st[0].Changed {
				t.Errorf("status: %v %v", st, err)
			}
			if round == 2 {
				break
			}
			if _, err := migrate.Down(ctx, db, fsys, 1, migrate.Options{}); !errors.Is(err, migrate.ErrDestructive) {
				t.Fatalf("down, which drops the added columns: %v, want ErrDestructive", err)
			}
			if done, err := migrate.Down(ctx, db, fsys, 1, migrate.Options{AllowDestructive: true}); err != nil || len(done) != 1 {
				t.Fatalf("down: %v (%d undone)", err, len(done))
			}
			wantEmpty(t, db, reg1, "after down")
			st, err = migrate.Status(ctx, db, fsys)
			if err != nil || len(st) != 1 || st[0].Applied {
				t.Errorf("status after down: %v %v", st, err)
			}
		}
		for _, table := range []string{"posts", "authors", "legacy_notes"} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != seedRows {
				t.Errorf("%d rows in %s, want %d", n, table, seedRows)
			}
		}
	})
}

// TestBadInput: a migration file changed after it ran, the down of a
// destructive migration, a database that cannot be inspected — each a
// clear error, with nothing applied.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg1 := seedV1(t, db)
		dir := t.TempDir()
		fsys := os.DirFS(dir)
		reg2 := registry(t, &author2{}, &post2{}, &category2{})
		m, err := migrate.WritePlan(dir, "v2", diff(t, db, reg2))
		if err != nil {
			t.Fatal(err)
		}
		// Destructive up: refused unless allowed.
		if _, err := migrate.Up(ctx, db, fsys, migrate.Options{}); !errors.Is(err, migrate.ErrDestructive) || !strings.Contains(err.Error(), m.UpFile) {
			t.Fatalf("up of a destructive migration: %v", err)
		}
		wantEmpty(t, db, reg1, "after the refused up")
		if _, err := migrate.Up(ctx, db, fsys, migrate.Options{AllowDestructive: true}); err != nil {
			t.Fatal(err)
		}
		wantEmpty(t, db, reg2, "after up")
		// Its down cannot restore the dropped column's values.
		_, err = migrate.Down(ctx, db, fsys, 1, migrate.Options{})
		if !errors.Is(err, migrate.ErrDestructive) || !strings.Contains(err.Error(), "irreversible") {
			t.Fatalf("down of a destructive migration: %v", err)
		}
		wantEmpty(t, db, reg2, "after the refused down")
		// A file changed after it ran stops Up, Down, and shows in Status.
		path := filepath.Join(dir, m.UpFile)
		raw, _ := os.ReadFile(path)
		if err := os.WriteFile(path, append(raw, []byte("\n-- edited\n")...), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := migrate.WritePlan(dir, "more", &migrate.Plan{Dialect: db.Dialect().Name(), Steps: []migrate.Step{{Kind: migrate.CreateTable, Table: "t2", Description: "create table t2",
			Up: []string{"CREATE TABLE t2 (id INTEGER PRIMARY KEY)"}, Down: []string{"DROP TABLE t2"}}}}); err != nil {
			t.Fatal(err)
		}
		_, err = migrate.Up(ctx, db, fsys, migrate.Options{AllowDestructive: true})
		var ce *migrate.ChecksumError
		if !errors.As(err, &ce) || !errors.Is(err, migrate.ErrChecksum) || ce.Version != 1 || !strings.Contains(err.Error(), m.UpFile) {
			t.Fatalf("up after editing an applied file: %v", err)
		}
		if names, _ := db.Dialect().TableNames(ctx, db); contains(names, "t2") {
			t.Error("migration 2 ran despite the checksum error")
		}
		if _, err := migrate.Down(ctx, db, fsys, 1, migrate.Options{AllowDestructive: true}); !errors.Is(err, migrate.ErrChecksum) {
			t.Errorf("down after editing an applied file: %v", err)
		}
		st, err := migrate.Status(ctx, db, fsys)
		if err != nil || len(st) != 2 || !st[0].Changed || st[1].Applied {
			t.Errorf("status: %v %v", st, err)
		}
	})
	// A database relm cannot inspect: a file that is not SQLite.
	path := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	d, dsn, err := relm.ParseDSN("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open(d.DriverName(), dsn) // relm.Open would refuse it already
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_, err = migrate.Diff(ctx, rawDB{raw, d}, registry(t, &author1{}), migrate.Options{})
	var ie *migrate.InspectError
	if !errors.Is(err, migrate.ErrInspect) || !errors.As(err, &ie) {
		t.Errorf("diff against a file that is not a database: %v, want ErrInspect", err)
	} else {
		t.Log(err)
	}
}

// rawDB is a *sql.DB with its dialect.
type rawDB struct {
	*sql.DB
	d dialect.Dialect
}

func (r rawDB) Dialect() dialect.Dialect { return r.d }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestConcurrentUp: two processes starting Up at once apply each
// migration once.
func TestConcurrentUp(t *testing.T) {
	ctx := context.Background()
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			dsn := testdb.NewDatabase(t, name)
			var dbs [2]*relm.DB
			for i := range dbs {
				db, err := relm.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				dbs[i] = db
			}
			seedV1(t, dbs[0])
			dir := t.TempDir()
			reg2 := registry(t, &author2{}, &post2Kept{}, &legacyNote1{}, &category2{})
			if _, err := migrate.WritePlan(dir, "v2", diff(t, dbs[0], reg2)); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var applied [2]int
			var errs [2]error
			for i := range dbs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					done, err := migrate.Up(ctx, dbs[i], os.DirFS(dir), migrate.Options{})
					applied[i], errs[i] = len(done), err
				}()
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil || applied[0]+applied[1] != 1 {
				t.Errorf("concurrent ups: applied %v, errors %v", applied, errs)
			}
			if n := count(t, dbs[0], "SELECT COUNT(*) FROM relm_migrations"); n != 1 {
				t.Errorf("%d migrations recorded, want 1", n)
			}
			wantEmpty(t, dbs[0], reg2, "after the concurrent ups")
		})
	}
}
