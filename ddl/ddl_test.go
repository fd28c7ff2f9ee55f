package ddl_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/schema"
)

func TestCreateAllIsIdempotent(t *testing.T) {
	ctx := context.Background()
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			var log testdb.Log
			db := testdb.Open(t, name, log.Option())
			md := blogMetaData(t)
			if err := ddl.CreateAll(ctx, db, db.Dialect(), md); err != nil {
				t.Fatal(err)
			}
			// 6 tables and 5 indexes; MySQL declares the indexes inside
			// CREATE TABLE.
			want := 11
			if name == "mysql" {
				want = 6
			}
			if n := log.Count("CREATE"); n != want {
				t.Fatalf("first CreateAll issued %d CREATE statements, want %d:\n%s", n, want, log.String())
			}
			log.Reset()
			if err := ddl.CreateAll(ctx, db, db.Dialect(), md); err != nil {
				t.Fatal(err)
			}
			if n := log.Count("CREATE") + log.Count("ALTER"); n != 0 {
				t.Fatalf("second CreateAll issued %d CREATE/ALTER statements, want none:\n%s", n, log.String())
			}

			// A table dropped behind relm's back is the only one recreated.
			if _, err := db.ExecContext(ctx, "DROP TABLE "+db.Dialect().Quote("article_tag")); err != nil {
				t.Fatal(err)
			}
			log.Reset()
			if err := ddl.CreateAll(ctx, db, db.Dialect(), md); err != nil {
				t.Fatal(err)
			}
			stmts := log.Statements()
			if n := log.Count("CREATE"); n != 1 || !strings.Contains(log.String(), "article_tag") {
				t.Fatalf("CreateAll after dropping article_tag issued %d CREATE statements, want 1 for article_tag:\n%s", n, strings.Join(stmts, "\n"))
			}
		})
	}
}

func TestDropAll(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		d := db.Dialect()
		// A table outside the metadata survives DropAll.
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+d.Quote("other")+" (x INTEGER)"); err != nil {
			t.Fatal(err)
		}
		md := blogMetaData(t)
		// Nothing to drop yet: no error, no statements that fail.
		if err := ddl.DropAll(ctx, db, d, md); err != nil {
			t.Fatalf("DropAll on a database without the tables: %v", err)
		}
		if err := ddl.CreateAll(ctx, db, d, md); err != nil {
			t.Fatal(err)
		}
		// Rows in every table: children must go before parents.
		for _, stmt := range []string{
			"INSERT INTO users (username, password, email) VALUES ('u', 'p', 'e')",
			"INSERT INTO categories (name) VALUES ('c')",
			"INSERT INTO tags (name) VALUES ('t')",
			"INSERT INTO articles (title, user_id, cate_id) VALUES ('a', 1, 1)",
			"INSERT INTO article_tag (article_id, tag_id) VALUES (1, 1)",
			"INSERT INTO userinfos (name, user_id) VALUES ('n', 1)",
		} {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if err := ddl.DropAll(ctx, db, d, md); err != nil {
			t.Fatal(err)
		}
		names, err := d.TableNames(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 1 || names[0] != "other" {
			t.Fatalf("tables after DropAll = %v, want only [other]", names)
		}
	})
}

// cycleMetaData declares two tables that reference each other.
func cycleMetaData(t testing.TB) *schema.MetaData {
	t.Helper()
	md := schema.NewMetaData()
	for _, tbl := range []*schema.Table{
		{Name: "departments", Columns: []*schema.Column{
			{Name: "id", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true},
			{Name: "manager_id", Type: schema.Integer, References: "employees.id", OnDelete: schema.SetNull},
		}},
		{Name: "employees", Columns: []*schema.Column{
			{Name: "id", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true},
			{Name: "department_id", Type: schema.Integer, References: "departments.id", OnDelete: schema.Cascade, OnUpdate: schema.Cascade},
			{Name: "boss_id", Type: schema.Integer, References: "employees.id"}, // a self-reference is no cycle
		}},
	} {
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
	}
	return md
}

func TestCycle(t *testing.T) {
	ctx := context.Background()
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			var log testdb.Log
			db := testdb.Open(t, name, log.Option())
			d := db.Dialect()
			md := cycleMetaData(t)
			if err := ddl.CreateAll(ctx, db, d, md); err != nil {
				t.Fatal(err)
			}
			alters := log.Count("ALTER")
			if name == "sqlite" && alters != 0 || name != "sqlite" && alters != 1 {
				t.Errorf("CreateAll issued %d ALTER statements:\n%s", alters, log.String())
			}

			dep, err := ddl.InspectTable(ctx, db, d, "departments")
			if err != nil {
				t.Fatal(err)
			}
			emp, err := ddl.InspectTable(ctx, db, d, "employees")
			if err != nil {
				t.Fatal(err)
			}
			wantDep := []dialect.ForeignKeyInfo{{Columns: []string{"manager_id"}, RefTable: "employees", RefColumns: []string{"id"}, OnDelete: "SET NULL", OnUpdate: "NO ACTION"}}
			wantEmp := []dialect.ForeignKeyInfo{
				{Columns: []string{"department_id"}, RefTable: "departments", RefColumns: []string{"id"}, OnDelete: "CASCADE", OnUpdate: "CASCADE"},
				{Columns: []string{"boss_id"}, RefTable: "employees", RefColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
			}
			if !equalFKs(dep.ForeignKeys, wantDep) {
				t.Errorf("departments foreign keys = %+v, want %+v", dep.ForeignKeys, wantDep)
			}
			if !equalFKs(emp.ForeignKeys, wantEmp) {
				t.Errorf("employees foreign keys = %+v, want %+v", emp.ForeignKeys, wantEmp)
			}
			if len(dep.Indexes)+len(emp.Indexes) != 0 {
				t.Errorf("indexes = %+v %+v, want none (FK support indexes are hidden)", dep.Indexes, emp.Indexes)
			}

			// Both constraints are enforced.
			if _, err := db.ExecContext(ctx, "INSERT INTO departments (id, manager_id) VALUES (1, 42)"); err == nil {
				t.Error("inserting a department whose manager does not exist succeeded")
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO employees (id, department_id) VALUES (1, 42)"); err == nil {
				t.Error("inserting an employee whose department does not exist succeeded")
			}
			// With rows pointing both ways, DropAll still gets through.
			for _, stmt := range []string{
				"INSERT INTO departments (id) VALUES (1)",
				"INSERT INTO employees (id, department_id) VALUES (1, 1)",
				"UPDATE departments SET manager_id = 1 WHERE id = 1",
			} {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if name == "sqlite" {
				// SQLite checks foreign keys while DROP TABLE deletes the
				// rows; clear them first as SQLAlchemy's users do.
				for _, stmt := range []string{"UPDATE departments SET manager_id = NULL", "DELETE FROM employees", "DELETE FROM departments"} {
					if _, err := db.ExecContext(ctx, stmt); err != nil {
						t.Fatalf("%s: %v", stmt, err)
					}
				}
			}
			if err := ddl.CreateAll(ctx, db, d, md); err != nil {
				t.Fatal(err)
			}
			log.Reset()
			if err := ddl.DropAll(ctx, db, d, md); err != nil {
				t.Fatal(err)
			}
			if n := log.Count("DROP TABLE"); n != 2 {
				t.Errorf("DropAll issued %d DROP TABLE, want 2:\n%s", n, log.String())
			}
			names, err := d.TableNames(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(names) != 0 {
				t.Fatalf("tables after DropAll = %v, want none", names)
			}
		})
	}
}

func TestReservedWords(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		d := db.Dialect()
		order := &schema.Table{Name: "order", Columns: []*schema.Column{
			{Name: "select", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true},
			{Name: "from", Type: schema.String(20), NotNull: true, Index: true},
			{Name: "where", Type: schema.Text, Default: "'x'"},
		}}
		key := &schema.Column{Name: "key", Type: schema.Integer, PrimaryKey: true}
		ref := &schema.Column{Name: "order", Type: schema.Integer, References: "order.select", Unique: true}
		group := &schema.Table{Name: "group", Columns: []*schema.Column{key, ref},
			Indexes: []*schema.Index{{Name: "table", Columns: []*schema.Column{ref, key}}}}
		md := schema.NewMetaData()
		for _, tbl := range []*schema.Table{group, order} {
			if err := md.Add(tbl); err != nil {
				t.Fatal(err)
			}
		}
		if err := ddl.CreateAll(ctx, db, d, md); err != nil {
			t.Fatal(err)
		}
		q := d.Quote
		ins := "INSERT INTO " + q("order") + " (" + q("from") + ") VALUES (" + dialect.Placeholder(d, 1) + ")"
		if _, err := db.ExecContext(ctx, ins, "here"); err != nil {
			t.Fatal(err)
		}
		var (
			sel   int64
			where string
		)
		err := db.SQL().QueryRowContext(ctx, "SELECT "+q("select")+", "+q("where")+" FROM "+q("order")).Scan(&sel, &where)
		if err != nil {
			t.Fatal(err)
		}
		if sel != 1 || where != "x" {
			t.Errorf("row = (%d, %q), want (1, \"x\")", sel, where)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO "+q("group")+" ("+q("key")+", "+q("order")+") VALUES (1, 1)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO "+q("group")+" ("+q("key")+", "+q("order")+") VALUES (2, 1)"); err == nil {
			t.Error("UNIQUE (order) did not reject a duplicate")
		}

		ti, err := ddl.InspectTable(ctx, db, d, "order")
		if err != nil {
			t.Fatal(err)
		}
		assertColumns(t, ti, []col{{"select", "INTEGER", false, true}, {"from", "VARCHAR(20)", false, false}, {"where", "TEXT", true, false}})
		if want := []dialect.IndexInfo{{Name: "ix_order_from", Columns: []string{"from"}}}; !equalIndexes(ti.Indexes, want) {
			t.Errorf("order indexes = %+v, want %+v", ti.Indexes, want)
		}
		gi, err := ddl.InspectTable(ctx, db, d, "group")
		if err != nil {
			t.Fatal(err)
		}
		wantIx := []dialect.IndexInfo{{Name: "table", Columns: []string{"order", "key"}}}
		if name := d.Name(); name == "mysql" {
			// A UNIQUE constraint is a unique index on MySQL, named after its column.
			wantIx = []dialect.IndexInfo{{Name: "order", Columns: []string{"order"}, Unique: true}, wantIx[0]}
		}
		if !equalIndexes(gi.Indexes, wantIx) {
			t.Errorf("group indexes = %+v, want %+v", gi.Indexes, wantIx)
		}
		wantFK := []dialect.ForeignKeyInfo{{Columns: []string{"order"}, RefTable: "order", RefColumns: []string{"select"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}}
		if !equalFKs(gi.ForeignKeys, wantFK) {
			t.Errorf("group foreign keys = %+v, want %+v", gi.ForeignKeys, wantFK)
		}

		if err := ddl.DropAll(ctx, db, d, md); err != nil {
			t.Fatal(err)
		}
		if _, err := ddl.InspectTable(ctx, db, d, "order"); !errors.Is(err, ddl.ErrNoTable) {
			t.Errorf("InspectTable after DropAll: err = %v, want ErrNoTable", err)
		}
	})
}

// wantTypes is each dialect's spelling of every kind, as inspection reports it.
var wantTypes = map[string][]string{
	"sqlite":   {"INTEGER", "INTEGER", "BIGINT", "VARCHAR(20)", "TEXT", "BOOLEAN", "FLOAT", "DATETIME", "BLOB"},
	"postgres": {"BIGINT", "INTEGER", "BIGINT", "VARCHAR(20)", "TEXT", "BOOLEAN", "DOUBLE PRECISION", "TIMESTAMP WITH TIME ZONE", "BYTEA"},
	"mysql":    {"BIGINT", "INTEGER", "BIGINT", "VARCHAR(20)", "TEXT", "BOOL", "DOUBLE", "DATETIME(6)", "LONGBLOB"},
}

func TestTypesRoundTrip(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		d := db.Dialect()
		tbl := &schema.Table{Name: "kinds", Columns: []*schema.Column{
			{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
			{Name: "i", Type: schema.Integer, NotNull: true, Default: "7"},
			{Name: "b", Type: schema.BigInt},
			{Name: "s", Type: schema.String(20), Default: "'it''s'"},
			{Name: "t", Type: schema.Text},
			{Name: "ok", Type: schema.Bool, NotNull: true, Default: "TRUE"},
			{Name: "f", Type: schema.Float},
			{Name: "ts", Type: schema.Time, NotNull: true, Default: "CURRENT_TIMESTAMP"},
			{Name: "raw", Type: schema.Bytes},
		}}
		md := schema.NewMetaData()
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
		if err := ddl.CreateAll(ctx, db, d, md); err != nil {
			t.Fatal(err)
		}
		ti, err := ddl.InspectTable(ctx, db, d, "kinds")
		if err != nil {
			t.Fatal(err)
		}
		want := wantTypes[d.Name()]
		for i, c := range ti.Columns {
			if c.Type != want[i] {
				t.Errorf("column %s: type %q, want %q", c.Name, c.Type, want[i])
			}
			// Inspection gives back what ColumnType wrote, serial types aside.
			if sc := tbl.Columns[i]; !sc.AutoIncrement && d.ColumnType(sc) != c.Type {
				t.Errorf("column %s: ColumnType %q, inspected %q", c.Name, d.ColumnType(sc), c.Type)
			}
		}
		if len(ti.Columns) != len(want) {
			t.Fatalf("%d columns, want %d", len(ti.Columns), len(want))
		}

		// Defaults fill in what the INSERT leaves out.
		if _, err := db.ExecContext(ctx, "INSERT INTO kinds (b) VALUES (NULL)"); err != nil {
			t.Fatal(err)
		}
		var (
			i  int64
			s  string
			ok bool
			ts time.Time
		)
		if err := db.SQL().QueryRowContext(ctx, "SELECT i, s, ok, ts FROM kinds").Scan(&i, &s, &ok, &ts); err != nil {
			t.Fatal(err)
		}
		if i != 7 || s != "it's" || !ok || ts.Year() < 2024 {
			t.Errorf("defaults = (%d, %q, %v, %v), want (7, \"it's\", true, about now)", i, s, ok, ts)
		}

		// Values of every kind come back as written.
		now := time.Date(2024, 5, 1, 12, 30, 45, 123456000, time.UTC)
		ph := func(n int) string { return dialect.Placeholder(d, n) }
		ins := "INSERT INTO kinds (i, b, s, t, ok, f, ts, raw) VALUES (" +
			strings.Join([]string{ph(1), ph(2), ph(3), ph(4), ph(5), ph(6), ph(7), ph(8)}, ", ") + ")"
		if _, err := db.ExecContext(ctx, ins, int64(-5), int64(1)<<40, "héllo", strings.Repeat("x", 60000), false, 2.5, now, []byte{0, 1, 255}); err != nil {
			t.Fatal(err)
		}
		var (
			b   int64
			txt string
			f   float64
			raw []byte
		)
		row := db.SQL().QueryRowContext(ctx, "SELECT i, b, s, t, ok, f, ts, raw FROM kinds WHERE b IS NOT NULL")
		if err := row.Scan(&i, &b, &s, &txt, &ok, &f, &ts, &raw); err != nil {
			t.Fatal(err)
		}
		if i != -5 || b != 1<<40 || s != "héllo" || len(txt) != 60000 || ok || f != 2.5 || !ts.Equal(now) || !bytes.Equal(raw, []byte{0, 1, 255}) {
			t.Errorf("row = (%d, %d, %q, len %d, %v, %v, %v, %v)", i, b, s, len(txt), ok, f, ts, raw)
		}
	})
}

func TestCreateAllReportsFailures(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		d := db.Dialect()
		md := schema.NewMetaData()
		if err := md.Add(&schema.Table{Name: "fresh", Columns: []*schema.Column{
			{Name: "id", Type: schema.Integer, PrimaryKey: true},
		}}); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := ddl.CreateAll(cctx, db, d, md)
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("CreateAll with a cancelled context: err = %v, want one wrapping context.Canceled", err)
		}

		// A statement the database rejects names the table and the statement.
		bad := schema.NewMetaData()
		if err := bad.Add(&schema.Table{Name: "bad", Columns: []*schema.Column{
			{Name: "id", Type: schema.Integer, PrimaryKey: true},
			{Name: "n", Type: schema.Integer, Default: "'not a number'"},
		}}); err != nil {
			t.Fatal(err)
		}
		err = ddl.CreateAll(ctx, db, d, bad)
		if d.Name() == "sqlite" {
			// SQLite accepts any default; nothing to report.
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		if err == nil {
			t.Fatal("CreateAll with an impossible default succeeded")
		}
		if msg := err.Error(); !strings.Contains(msg, `create table "bad"`) || !strings.Contains(msg, "CREATE TABLE") {
			t.Errorf("error %q does not name the table and the statement", msg)
		}
		if errors.Unwrap(err) == nil {
			t.Errorf("error %v does not wrap the driver's error", err)
		}
	})
}

// TestLinkTableTakesKeyWidth: a link table declared with schema.Integer
// that refers to BIGINT keys (those of Go int fields) is created with
// BIGINT foreign keys — MariaDB refuses an INTEGER one ("Foreign key
// constraint is incorrectly formed") — and holds keys past 2^31.
func TestLinkTableTakesKeyWidth(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		d := db.Dialect()
		md := schema.NewMetaData()
		for _, tbl := range []*schema.Table{
			{Name: "lefts", Columns: []*schema.Column{{Name: "id", Type: schema.BigInt, PrimaryKey: true}}},
			{Name: "rights", Columns: []*schema.Column{{Name: "id", Type: schema.BigInt, PrimaryKey: true}}},
			{Name: "left_right", Columns: []*schema.Column{
				{Name: "left_id", Type: schema.Integer, References: "lefts.id"},
				{Name: "right_id", Type: schema.Integer, References: "rights.id"},
			}},
		} {
			if err := md.Add(tbl); err != nil {
				t.Fatal(err)
			}
		}
		if err := ddl.CreateAll(ctx, db, d, md); err != nil {
			t.Fatal(err)
		}
		ti, err := ddl.InspectTable(ctx, db, d, "left_right")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ti.Columns {
			if c.Type != "BIGINT" {
				t.Errorf("left_right.%s is %s, want BIGINT", c.Name, c.Type)
			}
		}
		for _, stmt := range []string{
			"INSERT INTO lefts (id) VALUES (3000000000)",
			"INSERT INTO rights (id) VALUES (3000000001)",
			"INSERT INTO left_right (left_id, right_id) VALUES (3000000000, 3000000001)",
		} {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	})
}
