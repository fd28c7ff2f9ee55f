package relm_test

import (
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// TestCreateAllInOneTransaction: where DDL is transactional (PostgreSQL,
// SQLite) CreateAll and DropAll run in one transaction — BEGIN, the
// catalog query, every CREATE, COMMIT — and a CreateAll that fails half way
// leaves no table behind, as SQLAlchemy's create_all does. MySQL and
// MariaDB commit around each DDL statement: no BEGIN there.
func TestCreateAllInOneTransaction(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		transactional := db.Dialect().Name() != "mysql"
		reg := blogRegistry(t)
		log.Reset()
		must(t, reg.CreateAll(ctx, db))
		st := log.Statements()
		first, last := kind(st[0]), kind(st[len(st)-1])
		if transactional && (first != "BEGIN" || last != "COMMIT" || log.Count("BEGIN") != 1) {
			t.Fatalf("CreateAll: %v, want one BEGIN … COMMIT", kinds(db, st))
		}
		if !transactional && log.Count("BEGIN") != 0 {
			t.Fatalf("CreateAll on MySQL began a transaction: %v", kinds(db, st))
		}
		if n := log.Count("CREATE TABLE"); n != 6 {
			t.Fatalf("%d CREATE TABLE, want 6", n)
		}
		log.Reset()
		must(t, reg.DropAll(ctx, db))
		if st := log.Statements(); transactional && (kind(st[0]) != "BEGIN" || kind(st[len(st)-1]) != "COMMIT") {
			t.Fatalf("DropAll: %v, want one BEGIN … COMMIT", kinds(db, st))
		}

		if !transactional {
			return // MySQL's index names are per table: nothing to collide with
		}
		// An index of another table already holds the name of the tags'
		// index (index names are per schema here): CREATE INDEX
		// ix_tags_name fails after categories and tags were created.
		for _, stmt := range []string{"CREATE TABLE other (x INTEGER)", "CREATE INDEX ix_tags_name ON other (x)"} {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		log.Reset()
		err := reg.CreateAll(ctx, db)
		if err == nil || !strings.Contains(err.Error(), "ix_tags_name") {
			t.Fatalf("CreateAll over a taken index name: %v", err)
		}
		if log.Count("ROLLBACK") != 1 || log.Count("COMMIT") != 0 {
			t.Fatalf("the failed CreateAll was not rolled back: %v", kinds(db, log.Statements()))
		}
		for _, table := range []string{"categories", "tags"} {
			if n := queryInt(t, db, "SELECT COUNT(*) FROM "+map[string]string{
				"sqlite":   "sqlite_master WHERE type = 'table' AND name = ?",
				"postgres": "pg_tables WHERE schemaname = current_schema() AND tablename = ?",
			}[db.Dialect().Name()], table); n != 0 {
				t.Errorf("table %s was left behind by the failed CreateAll", table)
			}
		}
	})
}

// TestCreateAllInCallersTransaction: a relm.Tx is a mapping.DB, so the
// schema can be created inside a transaction of one's own (and rolled back
// with it where DDL is transactional).
func TestCreateAllInCallersTransaction(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := blogRegistry(t)
		tx, err := db.BeginTx(ctx, nil)
		must(t, err)
		must(t, reg.CreateAll(ctx, tx))
		if _, err := tx.ExecContext(ctx, "INSERT INTO categories (name) VALUES ('inside')"); err != nil {
			t.Fatal(err)
		}
		must(t, tx.Commit())
		if got := queryStrings(t, db, "SELECT name FROM categories"); len(got) != 1 || got[0] != "inside" {
			t.Fatalf("categories: %v", got)
		}
	})
}
