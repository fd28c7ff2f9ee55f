package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/schema"
)

const defaults = "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_time_format=sqlite&_timezone=UTC"

func TestDriverDSN(t *testing.T) {
	d := sqlite.New()
	good := []struct{ in, want string }{
		{"sqlite:blog.db", "blog.db?" + defaults},
		{"sqlite:/abs/path.db", "/abs/path.db?" + defaults},
		{"sqlite::memory:", ":memory:?" + defaults},
		{"sqlite3:blog.db", "blog.db?" + defaults},
		{"SQLite:blog.db", "blog.db?" + defaults},
		{"sqlite:///blog.db", "blog.db?" + defaults},
		{"sqlite:////abs/blog.db", "/abs/blog.db?" + defaults},
		{"sqlite://", ":memory:?" + defaults},
		{"file:blog.db", "file:blog.db?" + defaults},
		{"file:blog.db?mode=ro", "file:blog.db?mode=ro&" + defaults},
		// SQLite URI parameters need the file: form to reach SQLite.
		{"sqlite:blog.db?cache=shared", "file:blog.db?cache=shared&" + defaults},
		// Settings the DSN chooses are kept.
		{"sqlite:blog.db?_pragma=foreign_keys(0)", "blog.db?_pragma=foreign_keys(0)&_pragma=busy_timeout(5000)&_time_format=sqlite&_timezone=UTC"},
		{"sqlite:blog.db?_busy_timeout=100&_fk=0&_time_format=sqlite&_timezone=Local", "blog.db?_busy_timeout=100&_fk=0&_time_format=sqlite&_timezone=Local"},
	}
	for _, tc := range good {
		got, err := d.DriverDSN(tc.in)
		if err != nil {
			t.Errorf("DriverDSN(%q): %v", tc.in, err)
		} else if got != tc.want {
			t.Errorf("DriverDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	bad := []struct{ in, fault string }{
		{"sqlite:", "names no database file"},
		{"sqlite:?_fk=1", "names no database file"},
		{"file:", "names no database file"},
		{"blog.db", "has no scheme"},
		{"postgres://localhost/db", `scheme "postgres"`},
		{"sqlite://host/blog.db", `names a host "host"`},
		{"sqlite:blog.db?x=%zz", "invalid URL escape"},
	}
	for _, tc := range bad {
		_, err := d.DriverDSN(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.fault) {
			t.Errorf("DriverDSN(%q) error = %v, want one mentioning %q", tc.in, err, tc.fault)
		}
	}
}

// open opens dsn the way relm.Open does, with one connection.
func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	d := sqlite.New()
	driverDSN, err := d.DriverDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(d.DriverName(), driverDSN)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestConnectionSettings checks that a connection has the settings
// DriverDSN adds.
func TestConnectionSettings(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{"sqlite:" + filepath.Join(t.TempDir(), "x.db"), "sqlite::memory:"} {
		db := open(t, dsn)
		var fk, busy int
		if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || busy != 5000 {
			t.Errorf("%s: foreign_keys=%d busy_timeout=%d, want 1 and 5000", dsn, fk, busy)
		}
		var version string
		if err := db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE r (id INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		var id int
		if err := db.QueryRowContext(ctx, "INSERT INTO r DEFAULT VALUES RETURNING id").Scan(&id); err != nil || id != 1 {
			t.Errorf("SQLite %s: INSERT … RETURNING gave %d, %v", version, id, err)
		}
	}
}

func TestQuotingAndPlaceholders(t *testing.T) {
	d := sqlite.New()
	if got := d.Quote("order"); got != `"order"` {
		t.Errorf("Quote(order) = %s", got)
	}
	if got := d.Quote(`we"ird`); got != `"we""ird"` {
		t.Errorf("Quote(we\"ird) = %s", got)
	}
	if got := dialect.Placeholder(d, 3); got != "?" {
		t.Errorf("placeholder 3 = %s", got)
	}
	if d.MaxParams() != 32766 || !d.Returning() || d.Name() != "sqlite" || d.DriverName() != "sqlite" {
		t.Errorf("capabilities: MaxParams=%d Returning=%v Name=%s DriverName=%s", d.MaxParams(), d.Returning(), d.Name(), d.DriverName())
	}
}

func TestCreateTableSQL(t *testing.T) {
	md := schema.NewMetaData()
	a := &schema.Table{Name: "a", Columns: []*schema.Column{
		{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
		{Name: "b_id", Type: schema.Integer, References: "b.id", OnDelete: schema.SetNull},
		{Name: "code", Type: schema.String(8), NotNull: true, Unique: true, Default: "'x'"},
	}}
	b := &schema.Table{Name: "b", Columns: []*schema.Column{
		{Name: "id", Type: schema.Integer, PrimaryKey: true},
		{Name: "a_id", Type: schema.BigInt, References: "a.id", OnDelete: schema.Cascade, OnUpdate: schema.Restrict},
	}}
	for _, tbl := range []*schema.Table{a, b} {
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
	}
	if err := md.Resolve(); err != nil {
		t.Fatal(err)
	}
	d := sqlite.New()
	want := `CREATE TABLE "a" (
	"id" INTEGER NOT NULL,
	"b_id" INTEGER,
	"code" VARCHAR(8) NOT NULL DEFAULT 'x',
	PRIMARY KEY ("id"),
	UNIQUE ("code"),
	FOREIGN KEY("b_id") REFERENCES "b" ("id") ON DELETE SET NULL
)`
	// a's key to b closes the cycle, and SQLite still writes it inline.
	if !md.CyclicForeignKey(a.ForeignKeys()[0]) {
		t.Fatal("expected a.b_id to be the cyclic foreign key")
	}
	if got := d.CreateTable(md, a); got != want {
		t.Errorf("CreateTable(a) =\n%s\nwant\n%s", got, want)
	}
	if got := d.AddForeignKey(a, a.ForeignKeys()[0]); got != "" {
		t.Errorf("AddForeignKey = %q, want \"\"", got)
	}
	if got := d.DropForeignKey(a, a.ForeignKeys()[0]); got != "" {
		t.Errorf("DropForeignKey = %q, want \"\"", got)
	}
	want = `CREATE TABLE "b" (
	"id" INTEGER NOT NULL,
	"a_id" BIGINT,
	PRIMARY KEY ("id"),
	FOREIGN KEY("a_id") REFERENCES "a" ("id") ON DELETE CASCADE ON UPDATE RESTRICT
)`
	if got := d.CreateTable(md, b); got != want {
		t.Errorf("CreateTable(b) =\n%s\nwant\n%s", got, want)
	}
	ix := &schema.Index{Name: "uq_a", Columns: []*schema.Column{a.Columns[2], a.Columns[1]}, Unique: true}
	if got, want := d.CreateIndex(a, ix), `CREATE UNIQUE INDEX "uq_a" ON "a" ("code", "b_id")`; got != want {
		t.Errorf("CreateIndex = %s, want %s", got, want)
	}
	if got, want := d.DropTable(a), `DROP TABLE "a"`; got != want {
		t.Errorf("DropTable = %s, want %s", got, want)
	}
}

// TestInspector covers what the blog does not: composite keys, the indexes
// SQLite makes itself, referential actions and a missing table.
func TestInspector(t *testing.T) {
	ctx := context.Background()
	db := open(t, "sqlite::memory:")
	d := sqlite.New()
	for _, stmt := range []string{
		`CREATE TABLE p (a VARCHAR(10) NOT NULL, b INTEGER NOT NULL, u TEXT UNIQUE, PRIMARY KEY (a, b))`,
		`CREATE TABLE c (id INTEGER PRIMARY KEY, x integer, pa VARCHAR(10), pb INTEGER,
			FOREIGN KEY (pa, pb) REFERENCES p (a, b) ON DELETE CASCADE ON UPDATE SET NULL,
			FOREIGN KEY (x) REFERENCES c (id))`,
		`CREATE INDEX ix_c_pb_pa ON c (pb, pa)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := d.Indexes(ctx, db, "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(ix) != 0 {
		t.Errorf("p indexes = %+v, want none (autoindexes are hidden)", ix)
	}
	cols, err := d.Columns(ctx, db, "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 3 || !cols[0].PrimaryKey || !cols[1].PrimaryKey || cols[2].PrimaryKey || !cols[2].Nullable {
		t.Errorf("p columns = %+v", cols)
	}
	ix, err = d.Indexes(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(ix) != 1 || ix[0].Name != "ix_c_pb_pa" || strings.Join(ix[0].Columns, ",") != "pb,pa" || ix[0].Unique {
		t.Errorf("c indexes = %+v", ix)
	}
	cols, err = d.Columns(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	if cols[1].Type != "INTEGER" {
		t.Errorf("a type declared lower case is reported %q, want INTEGER", cols[1].Type)
	}
	fks, err := d.ForeignKeys(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(fks) != 2 {
		t.Fatalf("c foreign keys = %+v", fks)
	}
	// Ordered by first column: x (column 2) before pa (column 3).
	if fks[0].RefTable != "c" || fks[0].OnDelete != "NO ACTION" || fks[0].OnUpdate != "NO ACTION" {
		t.Errorf("first foreign key = %+v", fks[0])
	}
	if strings.Join(fks[1].Columns, ",") != "pa,pb" || strings.Join(fks[1].RefColumns, ",") != "a,b" ||
		fks[1].OnDelete != "CASCADE" || fks[1].OnUpdate != "SET NULL" {
		t.Errorf("second foreign key = %+v", fks[1])
	}
	cols, err = d.Columns(ctx, db, "missing")
	if err != nil || len(cols) != 0 {
		t.Errorf("Columns(missing) = %v, %v; want none", cols, err)
	}
	names, err := d.TableNames(ctx, db)
	if err != nil || strings.Join(names, ",") != "c,p" {
		t.Errorf("TableNames = %v, %v", names, err)
	}
}
