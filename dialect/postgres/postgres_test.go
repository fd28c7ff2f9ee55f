package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/schema"
)

func TestDriverDSN(t *testing.T) {
	d := postgres.New()
	for _, dsn := range []string{
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"postgresql://user:pa%40ss@db.example/app",
		"postgres://[::1]:5433/x?application_name=relm&sslmode=require",
		"postgres:///test?host=/var/run/postgresql",
	} {
		got, err := d.DriverDSN(dsn)
		if err != nil {
			t.Errorf("DriverDSN(%q): %v", dsn, err)
		} else if got != dsn {
			t.Errorf("DriverDSN(%q) = %q, want it unchanged", dsn, got)
		}
	}
	bad := []struct{ in, fault string }{
		{"postgres://u:secret@host:abc/db", "invalid port"},
		{"postgres://u:secret@host:99999/db", `port "99999"`},
		{"mysql://host/db", `scheme "mysql"`},
		{"postgres:host/db", "must start with postgres://"},
		{"postgres://host/db/more", "names more than a database"},
		{"postgres://host/db?sslmode=%zz", "invalid URL escape"},
		{"postgres://host/db\x7f", "invalid control character"},
	}
	for _, tc := range bad {
		_, err := d.DriverDSN(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.fault) {
			t.Errorf("DriverDSN(%q) error = %v, want one mentioning %q", tc.in, err, tc.fault)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("DriverDSN(%q) error %q repeats the password", tc.in, err)
		}
	}
}

func TestQuotingAndPlaceholders(t *testing.T) {
	d := postgres.New()
	if got := d.Quote("user"); got != `"user"` {
		t.Errorf("Quote(user) = %s", got)
	}
	if got := d.Quote(`we"ird`); got != `"we""ird"` {
		t.Errorf("Quote = %s", got)
	}
	if got := string(d.AppendPlaceholder([]byte("x = "), 12)); got != "x = $12" {
		t.Errorf("AppendPlaceholder = %s", got)
	}
	if d.MaxParams() != 65535 || !d.Returning() || d.Name() != "postgres" || d.DriverName() != "pgx" {
		t.Errorf("capabilities: MaxParams=%d Returning=%v Name=%s DriverName=%s", d.MaxParams(), d.Returning(), d.Name(), d.DriverName())
	}
}

func TestNormalizeType(t *testing.T) {
	for in, want := range map[string]string{
		"integer":                     "INTEGER",
		"bigint":                      "BIGINT",
		"character varying(64)":       "VARCHAR(64)",
		"character varying":           "VARCHAR",
		"character(2)":                "CHAR(2)",
		"text":                        "TEXT",
		"boolean":                     "BOOLEAN",
		"double precision":            "DOUBLE PRECISION",
		"timestamp with time zone":    "TIMESTAMP WITH TIME ZONE",
		"timestamp(3) with time zone": "TIMESTAMP(3) WITH TIME ZONE",
		"bytea":                       "BYTEA",
		"numeric(10,2)":               "NUMERIC(10,2)",
		"bit varying(5)":              "VARBIT(5)",
	} {
		if got := postgres.NormalizeType(in); got != want {
			t.Errorf("NormalizeType(%q) = %q, want %q", in, got, want)
		}
	}
}

func cycle(t *testing.T) (*schema.MetaData, *schema.Table, *schema.Table) {
	t.Helper()
	md := schema.NewMetaData()
	a := &schema.Table{Name: "a", Columns: []*schema.Column{
		{Name: "id", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true},
		{Name: "b_id", Type: schema.BigInt, References: "b.id", OnDelete: schema.SetNull},
		{Name: "at", Type: schema.Time, NotNull: true, Default: "CURRENT_TIMESTAMP"},
	}}
	b := &schema.Table{Name: "b", Columns: []*schema.Column{
		{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
		{Name: "a_id", Type: schema.Integer, References: "a.id", Unique: true},
	}}
	for _, tbl := range []*schema.Table{a, b} {
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
	}
	if err := md.Resolve(); err != nil {
		t.Fatal(err)
	}
	return md, a, b
}

func TestDDL(t *testing.T) {
	md, a, b := cycle(t)
	d := postgres.New()
	want := `CREATE TABLE "a" (
	"id" SERIAL NOT NULL,
	"b_id" BIGINT,
	"at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY ("id")
)`
	if got := d.CreateTable(md, a); got != want {
		t.Errorf("CreateTable(a) =\n%s\nwant\n%s", got, want)
	}
	want = `CREATE TABLE "b" (
	"id" BIGSERIAL NOT NULL,
	"a_id" INTEGER,
	PRIMARY KEY ("id"),
	UNIQUE ("a_id"),
	FOREIGN KEY("a_id") REFERENCES "a" ("id")
)`
	if got := d.CreateTable(md, b); got != want {
		t.Errorf("CreateTable(b) =\n%s\nwant\n%s", got, want)
	}
	fk := a.ForeignKeys()[0]
	if got, want := d.AddForeignKey(a, fk), `ALTER TABLE "a" ADD CONSTRAINT "fk_a_b_id_b" FOREIGN KEY("b_id") REFERENCES "b" ("id") ON DELETE SET NULL`; got != want {
		t.Errorf("AddForeignKey = %s\nwant %s", got, want)
	}
	if got, want := d.DropForeignKey(a, fk), `ALTER TABLE "a" DROP CONSTRAINT IF EXISTS "fk_a_b_id_b"`; got != want {
		t.Errorf("DropForeignKey = %s\nwant %s", got, want)
	}
	ix := &schema.Index{Name: "ix_a", Columns: []*schema.Column{a.Columns[2]}}
	if got, want := d.CreateIndex(a, ix), `CREATE INDEX "ix_a" ON "a" ("at")`; got != want {
		t.Errorf("CreateIndex = %s", got)
	}
	if got, want := d.DropTable(b), `DROP TABLE "b"`; got != want {
		t.Errorf("DropTable = %s", got)
	}
}

func TestForeignKeyNameIsShortened(t *testing.T) {
	long := strings.Repeat("t", 40)
	md := schema.NewMetaData()
	parent := &schema.Table{Name: long + "_parent", Columns: []*schema.Column{{Name: "id", Type: schema.Integer, PrimaryKey: true}}}
	c1 := &schema.Table{Name: long + "_child", Columns: []*schema.Column{
		{Name: "id", Type: schema.Integer, PrimaryKey: true},
		{Name: "parent_id_one", Type: schema.Integer, References: parent.Name + ".id"},
		{Name: "parent_id_two", Type: schema.Integer, References: parent.Name + ".id"},
	}}
	for _, tbl := range []*schema.Table{parent, c1} {
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
	}
	if err := md.Resolve(); err != nil {
		t.Fatal(err)
	}
	n1 := postgres.ForeignKeyName(c1, c1.ForeignKeys()[0])
	n2 := postgres.ForeignKeyName(c1, c1.ForeignKeys()[1])
	if len(n1) > 63 || len(n2) > 63 || n1 == n2 || !strings.HasPrefix(n1, "fk_"+long) {
		t.Errorf("names %q (%d bytes) and %q (%d bytes): want distinct, at most 63 bytes", n1, len(n1), n2, len(n2))
	}
}

// TestInspector covers what the ddl tests do not: constraint-backed indexes,
// other schemas, expression-free composite indexes and every action code.
func TestInspector(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "postgres")
	d := postgres.New()
	for _, stmt := range []string{
		`CREATE SCHEMA other`,
		`CREATE TABLE other.hidden (id INTEGER)`,
		`CREATE TABLE p (a VARCHAR(10), b INTEGER, u TEXT UNIQUE, PRIMARY KEY (a, b))`,
		`CREATE TABLE c (id BIGSERIAL PRIMARY KEY, pa VARCHAR(10), pb INTEGER, n NUMERIC(10, 2), flag BOOLEAN NOT NULL,
			CONSTRAINT fk_c_p FOREIGN KEY (pa, pb) REFERENCES p (a, b) ON DELETE RESTRICT ON UPDATE SET DEFAULT)`,
		`CREATE UNIQUE INDEX ux_c_pb_pa ON c (pb, pa)`,
		`CREATE INDEX ix_c_lower ON c (lower(pa))`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	names, err := d.TableNames(ctx, db)
	if err != nil || strings.Join(names, ",") != "c,p" {
		t.Errorf("TableNames = %v, %v; want [c p]", names, err)
	}
	ix, err := d.Indexes(ctx, db, "p")
	if err != nil || len(ix) != 0 {
		t.Errorf("p indexes = %+v, %v; want none (PK and UNIQUE constraints are not indexes)", ix, err)
	}
	ix, err = d.Indexes(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	want := []dialect.IndexInfo{
		{Name: "ix_c_lower", Columns: []string{""}},
		{Name: "ux_c_pb_pa", Columns: []string{"pb", "pa"}, Unique: true},
	}
	if len(ix) != 2 || ix[0].Name != want[0].Name || strings.Join(ix[0].Columns, ",") != "" ||
		ix[1].Name != want[1].Name || strings.Join(ix[1].Columns, ",") != "pb,pa" || !ix[1].Unique {
		t.Errorf("c indexes = %+v, want %+v", ix, want)
	}
	cols, err := d.Columns(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, c.Name+" "+c.Type)
		if c.Name == "flag" && c.Nullable || c.Name == "n" && !c.Nullable || c.Name == "id" && !c.PrimaryKey {
			t.Errorf("column %+v", c)
		}
	}
	if strings.Join(got, ", ") != "id BIGINT, pa VARCHAR(10), pb INTEGER, n NUMERIC(10,2), flag BOOLEAN" {
		t.Errorf("c columns = %s", strings.Join(got, ", "))
	}
	fks, err := d.ForeignKeys(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(fks) != 1 || strings.Join(fks[0].Columns, ",") != "pa,pb" || strings.Join(fks[0].RefColumns, ",") != "a,b" ||
		fks[0].RefTable != "p" || fks[0].OnDelete != "RESTRICT" || fks[0].OnUpdate != "SET DEFAULT" {
		t.Errorf("c foreign keys = %+v", fks)
	}
	cols, err = d.Columns(ctx, db, "hidden")
	if err != nil || len(cols) != 0 {
		t.Errorf("Columns(hidden) = %+v, %v; want none: the table is in another schema", cols, err)
	}
}
