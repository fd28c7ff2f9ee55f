package ddl_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/schema"
)

// checkCase is a table made by hand and the metadata's view of it.
type checkCase struct {
	name string
	ddl  string           // CREATE TABLE t (…), portable to the three databases
	cols []*schema.Column // the metadata's table t
	// fatal lists the fragments of the error, nil when Check passes;
	// notes the columns of the compatible differences, per dialect.
	fatal []string
	notes map[string][]string
}

func checkCases() []checkCase {
	key := func() *schema.Column { return &schema.Column{Name: "id", Type: schema.BigInt, PrimaryKey: true} }
	name := func() *schema.Column { return &schema.Column{Name: "name", Type: schema.String(64), NotNull: true} }
	return []checkCase{
		{name: "same", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL)",
			cols: []*schema.Column{key(), name()}},
		{name: "missing column", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY)",
			cols:  []*schema.Column{key(), name()},
			fatal: []string{"table t exists without column name"}},
		{name: "another family", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name INTEGER NOT NULL)",
			cols:  []*schema.Column{key(), name()},
			fatal: []string{"table t column name is INTEGER, not the schema's VARCHAR(64)"}},
		{name: "text holds a varchar", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL)",
			cols: []*schema.Column{key(), name()}},
		{name: "accepts NULL where NOT NULL", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64))",
			cols:  []*schema.Column{key(), name()},
			fatal: []string{"table t column name accepts NULL where the schema's is NOT NULL", "pointer or sql.Null"}},
		{name: "NOT NULL where nullable", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL)",
			cols:  []*schema.Column{key(), {Name: "name", Type: schema.String(64)}},
			fatal: []string{"table t column name is NOT NULL without a default where the schema's accepts NULL"}},
		{name: "NOT NULL with a default where nullable", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) DEFAULT 'x' NOT NULL)",
			cols: []*schema.Column{key(), {Name: "name", Type: schema.String(64)}}},
		{name: "extra NOT NULL column", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, secret VARCHAR(64) NOT NULL)",
			cols:  []*schema.Column{key(), name()},
			fatal: []string{"table t has column secret, NOT NULL without a default, which the schema does not write", "every INSERT would fail"}},
		{name: "extra columns that an INSERT can leave out", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, note TEXT, n INTEGER DEFAULT 0 NOT NULL)",
			cols: []*schema.Column{key(), name()}},
		{name: "key not generated", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL)",
			cols:  []*schema.Column{{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true}, name()},
			fatal: []string{"table t column id, which the schema leaves to the database to generate, is not generated there"}},
		{name: "narrower", ddl: "CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL)",
			cols: []*schema.Column{key(), name()},
			// SQLite's integers are all 64 bits, and it does not
			// enforce a VARCHAR's length.
			notes: map[string][]string{"postgres": {"id", "name"}, "mysql": {"id", "name"}}},
		{name: "several at once", ddl: "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, name BIGINT, secret TEXT NOT NULL)",
			cols: []*schema.Column{key(), name(), {Name: "email", Type: schema.String(64), NotNull: true}},
			fatal: []string{"table t column name is BIGINT, not the schema's VARCHAR(64)",
				"; table t column name accepts NULL", "; table t exists without column email",
				"; table t has column secret", "; nothing was created"}},
	}
}

// TestCheckExistingTable: Check and CreateAll compare an existing table
// with the metadata's — columns, type family, nullability, generated keys,
// NOT NULL columns the metadata does not write — and report each
// difference that would fail writes or reads, on one line, or pass the
// compatible ones to Options.Note.
func TestCheckExistingTable(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		d := db.Dialect()
		for _, c := range checkCases() {
			t.Run(c.name, func(t *testing.T) {
				if _, err := db.ExecContext(ctx, c.ddl); err != nil {
					t.Fatal(err)
				}
				defer db.ExecContext(ctx, "DROP TABLE t")
				md := schema.NewMetaData()
				if err := md.Add(&schema.Table{Name: "t", Columns: c.cols}); err != nil {
					t.Fatal(err)
				}
				var notes []string
				opts := ddl.Options{
					Describe: func(table, column string) string { return "from " + table + "." + column },
					Note:     func(d ddl.Difference) { notes = append(notes, d.Column) },
				}
				err := ddl.Check(ctx, db, d, md, opts)
				if c.fatal == nil {
					if err != nil {
						t.Fatalf("Check: %v, want nil", err)
					}
				} else {
					if !errors.Is(err, ddl.ErrSchemaMismatch) {
						t.Fatalf("Check = %v, want an error matching ErrSchemaMismatch", err)
					}
					msg := err.Error()
					for _, f := range c.fatal {
						if !strings.Contains(msg, f) {
							t.Errorf("error %q does not say %q", msg, f)
						}
					}
					if strings.Contains(msg, "\n") {
						t.Errorf("error is not one line: %q", msg)
					}
					var me *ddl.MismatchError
					if !errors.As(err, &me) || len(me.Differences) == 0 || me.Differences[0].Table != "t" ||
						me.Differences[0].Source != "from t."+me.Differences[0].Column {
						t.Errorf("MismatchError = %+v, want differences of table t with their Source", me)
					}
					if len(notes) > 0 {
						t.Errorf("a failing check noted %v; it should report only its error", notes)
					}
				}
				if want := c.notes[d.Name()]; !slices.Equal(notes, want) {
					t.Errorf("notes for columns %v, want %v", notes, want)
				}
				// CreateAll agrees with Check.
				if cerr := ddl.CreateAll(ctx, db, d, md); (cerr == nil) != (err == nil) || cerr != nil && !errors.Is(cerr, ddl.ErrSchemaMismatch) {
					t.Errorf("CreateAll = %v, Check = %v; want the same verdict", cerr, err)
				}
			})
		}
	})
}

// TestCreateAllChecksBeforeWriting: when an existing table does not fit,
// CreateAll creates none of the missing tables, on MySQL and MariaDB too,
// where each CREATE commits by itself.
func TestCreateAllChecksBeforeWriting(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		if _, err := db.ExecContext(ctx, "CREATE TABLE users (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(20))"); err != nil {
			t.Fatal(err)
		}
		md := blogMetaData(t) // users, checked first, is a parent of most
		err := ddl.CreateAll(ctx, db, db.Dialect(), md)
		if !errors.Is(err, ddl.ErrSchemaMismatch) {
			t.Fatalf("CreateAll = %v, want ErrSchemaMismatch", err)
		}
		for _, want := range []string{"table users exists without column username", "table users exists without column password", "table users exists without column email"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		names, err := db.Dialect().TableNames(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, []string{"users"}) {
			t.Errorf("after the refused CreateAll the database has %v, want only the hand-made users", names)
		}
	})
}

// TestInspectDefaultsAndGenerated: the inspectors report a column's
// default and whether the database generates it.
func TestInspectDefaultsAndGenerated(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		d := db.Dialect()
		md := schema.NewMetaData()
		if err := md.Add(&schema.Table{Name: "g", Columns: []*schema.Column{
			{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
			{Name: "n", Type: schema.Integer, NotNull: true, Default: "7"},
			{Name: "s", Type: schema.String(8), NotNull: true, Default: "'N'"},
			{Name: "plain", Type: schema.Integer},
		}}); err != nil {
			t.Fatal(err)
		}
		if err := ddl.CreateAll(ctx, db, d, md); err != nil {
			t.Fatal(err)
		}
		ti, err := ddl.InspectTable(ctx, db, d, "g")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			def       string
			generated bool
		}{"id": {"", true}, "n": {"7", false}, "s": {"'N'", false}, "plain": {"", false}}
		for _, c := range ti.Columns {
			w := want[c.Name]
			if c.Name == "id" {
				if !c.Generated {
					t.Errorf("id: Generated false, want true (default %q)", c.Default)
				}
				continue // PostgreSQL reports its sequence as the default
			}
			// PostgreSQL adds the type: 'N'::character varying.
			if !strings.HasPrefix(c.Default, w.def) || (w.def == "") != (c.Default == "") || c.Generated != w.generated {
				t.Errorf("%s: default %q generated %v, want %q %v", c.Name, c.Default, c.Generated, w.def, w.generated)
			}
		}
	})
}

// TestNewForeignKeyIntoNarrowKey: a table to be created whose BIGINT
// foreign key refers to an existing INTEGER key (made by an earlier relm)
// is refused on MySQL and MariaDB before anything is created, with the
// fix named — the database would refuse the constraint ("incorrectly
// formed") — and created elsewhere, where the types need not match.
func TestNewForeignKeyIntoNarrowKey(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		d := db.Dialect()
		if _, err := db.ExecContext(ctx, "CREATE TABLE owners (id INTEGER NOT NULL PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		md := schema.NewMetaData()
		for _, tbl := range []*schema.Table{
			{Name: "owners", Columns: []*schema.Column{{Name: "id", Type: schema.BigInt, PrimaryKey: true}}},
			{Name: "pets", Columns: []*schema.Column{
				{Name: "id", Type: schema.BigInt, PrimaryKey: true},
				{Name: "owner_id", Type: schema.BigInt, References: "owners.id"},
			}},
		} {
			if err := md.Add(tbl); err != nil {
				t.Fatal(err)
			}
		}
		err := ddl.CreateAll(ctx, db, d, md)
		names, nerr := d.TableNames(ctx, db)
		if nerr != nil {
			t.Fatal(nerr)
		}
		if d.Name() != "mysql" {
			if err != nil {
				t.Fatalf("CreateAll: %v", err)
			}
			if !slices.Equal(names, []string{"owners", "pets"}) {
				t.Errorf("tables %v, want owners and pets", names)
			}
			return
		}
		want := "table pets would be created with column owner_id BIGINT referencing owners.id, which is INTEGER in the database: the database refuses a foreign key whose type differs from its key's, so widen owners.id to BIGINT or declare the column INTEGER (the tag type:integer)"
		if !errors.Is(err, ddl.ErrSchemaMismatch) || !strings.Contains(err.Error(), want) {
			t.Fatalf("CreateAll = %v, want an error saying %q", err, want)
		}
		if !slices.Equal(names, []string{"owners"}) {
			t.Errorf("after the refused CreateAll the database has %v, want only owners", names)
		}
	})
}
