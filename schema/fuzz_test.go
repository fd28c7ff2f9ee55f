package schema_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/schema"
)

// unquote reverses a dialect's Quote: it checks that q is one quoted name
// (quote characters inside doubled) and returns the name.
func unquote(q string, quote byte) (string, bool) {
	if len(q) < 2 || q[0] != quote || q[len(q)-1] != quote {
		return "", false
	}
	inner := q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		if inner[i] == quote {
			if i+1 >= len(inner) || inner[i+1] != quote {
				return "", false // an undoubled quote would end the name early
			}
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String(), true
}

func openSQLite(f *testing.F) *sql.DB {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	f.Cleanup(func() { db.Close() })
	return db
}

// FuzzIdentifier: a name ValidateIdentifier accepts is quoted by every
// dialect as exactly one identifier, and SQLite creates a table and a column
// of exactly that name; a name it refuses gets an error that quotes it.
func FuzzIdentifier(f *testing.F) {
	for _, s := range []string{"users", "order", "select", "a b", `a"b`, "a`b", "it's", "a\x00b", "Straße", "表", "x;DROP TABLE y", strings.Repeat("n", 64), "\xff", ""} {
		f.Add(s)
	}
	db := openSQLite(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, name string) {
		if err := schema.ValidateIdentifier(name); err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, d := range []struct {
			quote func(string) string
			q     byte
		}{{sqlite.New().Quote, '"'}, {postgres.New().Quote, '"'}, {mysql.New().Quote, '`'}} {
			if got, ok := unquote(d.quote(name), d.q); !ok || got != name {
				t.Fatalf("Quote(%q) = %s, which is not that one name", name, d.quote(name))
			}
		}
		q := sqlite.New().Quote(name)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "CREATE TABLE "+q+" ("+q+" INTEGER)"); err != nil {
			if strings.HasPrefix(strings.ToLower(name), "sqlite_") {
				return // SQLite reserves these names for itself
			}
			t.Fatalf("CREATE TABLE %s: %v", q, err)
		}
		var tbl, col string
		if err := tx.QueryRowContext(ctx, "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p").Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		if tbl != name || col != name {
			t.Fatalf("created table %q column %q for name %q", tbl, col, name)
		}
	})
}

// FuzzDefault: a DEFAULT literal ValidateDefault accepts is one SQL literal:
// SQLite creates exactly one table with it and fills the column with it.
func FuzzDefault(f *testing.F) {
	for _, s := range []string{"0", "-1.5", "'draft'", "'it''s'", "true", "NULL", "current_timestamp", "'a'); DROP TABLE t; --'", "1; DROP TABLE t", "'\\'", "''", "'a''", "1e5", "0x10", "'\x00'"} {
		f.Add(s)
	}
	db := openSQLite(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, lit string) {
		if err := schema.ValidateDefault(lit); err != nil {
			return
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `CREATE TABLE "t" ("id" INTEGER, "c" TEXT DEFAULT `+lit+`)`); err != nil {
			t.Fatalf("default %q accepted but SQLite refuses it: %v", lit, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO "t" ("id") VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master").Scan(&n); err != nil || n != 1 {
			t.Fatalf("default %q: %d schema objects, %v", lit, n, err)
		}
		var got sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT "c" FROM "t"`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if len(lit) >= 2 && lit[0] == '\'' {
			if want := strings.ReplaceAll(lit[1:len(lit)-1], "''", "'"); got.String != want {
				t.Fatalf("default %s filled %q, want %q", lit, got.String, want)
			}
		}
	})
}
