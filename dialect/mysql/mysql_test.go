package mysql_test

import (
	"context"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/schema"
)

// parse runs DriverDSN and parses its result back with the driver.
func parse(t *testing.T, dsn string) *driver.Config {
	t.Helper()
	out, err := mysql.New().DriverDSN(dsn)
	if err != nil {
		t.Fatalf("DriverDSN(%q): %v", dsn, err)
	}
	cfg, err := driver.ParseDSN(out)
	if err != nil {
		t.Fatalf("DriverDSN(%q) = %q, which the driver rejects: %v", dsn, out, err)
	}
	return cfg
}

func TestDriverDSN(t *testing.T) {
	cfg := parse(t, "mysql://root@127.0.0.1/test")
	if cfg.User != "root" || cfg.Passwd != "" || cfg.Net != "tcp" || cfg.Addr != "127.0.0.1:3306" || cfg.DBName != "test" ||
		!cfg.ParseTime || cfg.Loc != time.UTC || cfg.Collation != "utf8mb4_unicode_ci" {
		t.Errorf("mysql://root@127.0.0.1/test gave %+v", cfg)
	}

	cfg = parse(t, "mariadb://app:p%40ss%2Fw%3Ard@db.example:3307/blog?interpolateParams=true&wsrep_sync_wait=1&timeout=5s&parseTime=false&loc=Local")
	if cfg.User != "app" || cfg.Passwd != "p@ss/w:rd" || cfg.Addr != "db.example:3307" || cfg.DBName != "blog" {
		t.Errorf("user, password, address or database lost: %+v", cfg)
	}
	if !cfg.InterpolateParams || cfg.Timeout != 5*time.Second || cfg.Params["wsrep_sync_wait"] != "1" {
		t.Errorf("query parameters not passed through: interpolateParams=%v timeout=%v params=%v", cfg.InterpolateParams, cfg.Timeout, cfg.Params)
	}
	if !cfg.ParseTime || cfg.Loc != time.UTC {
		t.Errorf("parseTime=%v loc=%v; relm needs parseTime=true and loc=UTC whatever the URL says", cfg.ParseTime, cfg.Loc)
	}

	cfg = parse(t, "mysql://root@[::1]:3308/x?charset=latin1")
	if cfg.Addr != "[::1]:3308" || cfg.Collation != "" {
		t.Errorf("IPv6 address or chosen charset mishandled: %+v", cfg)
	}
	if out, _ := mysql.New().DriverDSN("mysql://root@h/x?charset=latin1"); !strings.Contains(out, "charset=latin1") {
		t.Errorf("charset not passed through: %s", out)
	}

	bad := []struct{ in, fault string }{
		{"mysql://root:secret@127.0.0.1:abc/test", "invalid port"},
		{"mysql://root:secret@127.0.0.1:0/test", `port "0"`},
		{"mysql://root:secret@:3306/test", "names no host"},
		{"mysql:root@host/test", "must start with mysql://"},
		{"postgres://host/test", `scheme "postgres"`},
		{"mysql://host/test/more", "names more than a database"},
		{"mysql://host/test?parseTime=maybe", "invalid bool value: maybe"},
		{"mysql://host/test?x=%zz", "invalid URL escape"},
		{"mysql://host/test?timeout=5s&tls=nonsense", "parameter tls=nonsense"},
	}
	for _, tc := range bad {
		_, err := mysql.New().DriverDSN(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.fault) {
			t.Errorf("DriverDSN(%q) error = %v, want one mentioning %q", tc.in, err, tc.fault)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("DriverDSN(%q) error %q repeats the password", tc.in, err)
		}
	}
}

func TestQuotingAndPlaceholders(t *testing.T) {
	d := mysql.New()
	if got := d.Quote("select"); got != "`select`" {
		t.Errorf("Quote(select) = %s", got)
	}
	if got := d.Quote("we`ird"); got != "`we``ird`" {
		t.Errorf("Quote = %s", got)
	}
	if got := dialect.Placeholder(d, 7); got != "?" {
		t.Errorf("placeholder = %s", got)
	}
	if d.MaxParams() != 65535 || d.Name() != "mysql" || d.DriverName() != "mysql" {
		t.Errorf("capabilities: MaxParams=%d Name=%s DriverName=%s", d.MaxParams(), d.Name(), d.DriverName())
	}
	if d.Returning() || d.MariaDB() || d.ServerVersion() != "" {
		t.Error("before Detect the dialect must assume MySQL without RETURNING")
	}
}

func TestNormalizeType(t *testing.T) {
	for in, want := range map[string]string{
		"int(11)":             "INTEGER",
		"int":                 "INTEGER",
		"int(10) unsigned":    "INTEGER UNSIGNED",
		"bigint(20)":          "BIGINT",
		"bigint":              "BIGINT",
		"smallint(6)":         "SMALLINT",
		"tinyint(1)":          "BOOL",
		"tinyint(4)":          "TINYINT",
		"varchar(64)":         "VARCHAR(64)",
		"text":                "TEXT",
		"double":              "DOUBLE",
		"datetime(6)":         "DATETIME(6)",
		"longblob":            "LONGBLOB",
		"decimal(10,2)":       "DECIMAL(10,2)",
		"enum('a','b')":       "ENUM('A','B')",
		"int(5) zerofill":     "INTEGER ZEROFILL",
		"INT(11)":             "INTEGER",
		"bigint(20) unsigned": "BIGINT UNSIGNED",
	} {
		if got := mysql.NormalizeType(in); got != want {
			t.Errorf("NormalizeType(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDDL(t *testing.T) {
	md := schema.NewMetaData()
	a := &schema.Table{Name: "a", Columns: []*schema.Column{
		{Name: "id", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true},
		{Name: "b_id", Type: schema.Integer, References: "b.id"},
		{Name: "at", Type: schema.Time, NotNull: true, Default: "current_timestamp"},
		{Name: "ok", Type: schema.Bool, Default: "FALSE"},
	}}
	b := &schema.Table{Name: "b", Columns: []*schema.Column{
		{Name: "id", Type: schema.Integer, PrimaryKey: true},
		{Name: "a_id", Type: schema.Integer, References: "a.id", OnDelete: schema.Cascade},
		{Name: "code", Type: schema.String(10), Unique: true},
	}}
	for _, tbl := range []*schema.Table{a, b} {
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
	}
	if err := md.Resolve(); err != nil {
		t.Fatal(err)
	}
	d := mysql.New()
	want := "CREATE TABLE `a` (\n" +
		"\t`id` INTEGER NOT NULL AUTO_INCREMENT,\n" +
		"\t`b_id` INTEGER,\n" +
		"\t`at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n" +
		"\t`ok` BOOL DEFAULT FALSE,\n" +
		"\tPRIMARY KEY (`id`)\n) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
	if got := d.CreateTable(md, a); got != want {
		t.Errorf("CreateTable(a) =\n%s\nwant\n%s", got, want)
	}
	want = "CREATE TABLE `b` (\n" +
		"\t`id` INTEGER NOT NULL,\n" +
		"\t`a_id` INTEGER,\n" +
		"\t`code` VARCHAR(10),\n" +
		"\tPRIMARY KEY (`id`),\n" +
		"\tUNIQUE (`code`),\n" +
		"\tFOREIGN KEY(`a_id`) REFERENCES `a` (`id`) ON DELETE CASCADE\n) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
	if got := d.CreateTable(md, b); got != want {
		t.Errorf("CreateTable(b) =\n%s\nwant\n%s", got, want)
	}
	fk := a.ForeignKeys()[0]
	if got, want := d.AddForeignKey(a, fk), "ALTER TABLE `a` ADD CONSTRAINT `fk_a_b_id_b` FOREIGN KEY(`b_id`) REFERENCES `b` (`id`)"; got != want {
		t.Errorf("AddForeignKey = %s\nwant %s", got, want)
	}
	if got, want := d.DropForeignKey(a, fk), "ALTER TABLE `a` DROP FOREIGN KEY `fk_a_b_id_b`"; got != want {
		t.Errorf("DropForeignKey (MySQL) = %s\nwant %s", got, want)
	}
	ix := &schema.Index{Name: "ux", Unique: true, Columns: []*schema.Column{b.Columns[2], b.Columns[1]}}
	if got, want := d.CreateIndex(b, ix), "CREATE UNIQUE INDEX `ux` ON `b` (`code`, `a_id`)"; got != want {
		t.Errorf("CreateIndex = %s", got)
	}
	if got, want := d.DropTable(b), "DROP TABLE `b`"; got != want {
		t.Errorf("DropTable = %s", got)
	}
}

// TestDetect runs against the real server: on MariaDB 10.5 or later
// RETURNING is available and works.
func TestDetect(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "mysql")
	d := mysql.New()
	if err := d.Detect(ctx, db.SQL()); err != nil {
		t.Fatal(err)
	}
	v := d.ServerVersion()
	if v == "" || d.MariaDB() != strings.Contains(v, "MariaDB") {
		t.Fatalf("version %q, MariaDB() = %v", v, d.MariaDB())
	}
	t.Logf("server %s: MariaDB=%v Returning=%v", v, d.MariaDB(), d.Returning())
	if !d.Returning() {
		return
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE r (id INTEGER NOT NULL AUTO_INCREMENT, PRIMARY KEY (id))"); err != nil {
		t.Fatal(err)
	}
	var id int
	if err := db.SQL().QueryRowContext(ctx, "INSERT INTO r () VALUES () RETURNING id").Scan(&id); err != nil || id != 1 {
		t.Errorf("INSERT … RETURNING gave %d, %v", id, err)
	}
	md := schema.NewMetaData()
	tbl := &schema.Table{Name: "p", Columns: []*schema.Column{{Name: "id", Type: schema.Integer, PrimaryKey: true}}}
	if err := md.Add(tbl); err != nil {
		t.Fatal(err)
	}
	c := &schema.Table{Name: "c", Columns: []*schema.Column{{Name: "p_id", Type: schema.Integer, References: "p.id"}}}
	if err := md.Add(c); err != nil {
		t.Fatal(err)
	}
	if err := md.Resolve(); err != nil {
		t.Fatal(err)
	}
	if got := d.DropForeignKey(c, c.ForeignKeys()[0]); d.MariaDB() && !strings.Contains(got, "DROP FOREIGN KEY IF EXISTS") {
		t.Errorf("DropForeignKey on MariaDB = %s, want IF EXISTS", got)
	}
}

// TestInspector covers the indexes InnoDB adds for foreign keys, UNIQUE
// constraints and MariaDB's way of reporting types and actions.
func TestInspector(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "mysql")
	d := mysql.New()
	for _, stmt := range []string{
		"CREATE TABLE p (a VARCHAR(10) NOT NULL, b INTEGER NOT NULL, u VARCHAR(20) UNIQUE, PRIMARY KEY (a, b))",
		"CREATE TABLE c (id BIGINT NOT NULL AUTO_INCREMENT, pa VARCHAR(10), pb INTEGER, q BIGINT, r BIGINT, flag BOOL NOT NULL, n DECIMAL(10,2), PRIMARY KEY (id)," +
			" FOREIGN KEY (pa, pb) REFERENCES p (a, b) ON DELETE CASCADE," +
			" CONSTRAINT named_fk FOREIGN KEY (q) REFERENCES c (id) ON UPDATE SET NULL," +
			" FOREIGN KEY (r) REFERENCES c (id) ON DELETE RESTRICT)",
		"CREATE INDEX ix_c_q ON c (q)",
		"CREATE UNIQUE INDEX ux_c_n ON c (n, flag)",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	ix, err := d.Indexes(ctx, db, "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(ix) != 1 || ix[0].Name != "u" || !ix[0].Unique || strings.Join(ix[0].Columns, ",") != "u" {
		t.Errorf("p indexes = %+v, want the UNIQUE constraint's index u", ix)
	}
	ix, err = d.Indexes(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range ix {
		names = append(names, i.Name+"("+strings.Join(i.Columns, ",")+")")
	}
	// pa (for the unnamed composite key), r (unnamed) and named_fk are
	// InnoDB's own; ix_c_q made named_fk's index unnecessary or shadows it.
	if got := strings.Join(names, " "); got != "ix_c_q(q) ux_c_n(n,flag)" {
		t.Errorf("c indexes = %s, want ix_c_q(q) ux_c_n(n,flag)", got)
	}
	cols, err := d.Columns(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, c := range cols {
		types = append(types, c.Type)
	}
	if got := strings.Join(types, ","); got != "BIGINT,VARCHAR(10),INTEGER,BIGINT,BIGINT,BOOL,DECIMAL(10,2)" {
		t.Errorf("c column types = %s", got)
	}
	if !cols[0].PrimaryKey || cols[0].Nullable || cols[1].PrimaryKey || !cols[1].Nullable || cols[5].Nullable {
		t.Errorf("c columns = %+v", cols)
	}
	fks, err := d.ForeignKeys(ctx, db, "c")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fk := range fks {
		got = append(got, strings.Join(fk.Columns, ",")+"->"+fk.RefTable+"("+strings.Join(fk.RefColumns, ",")+") "+fk.OnDelete+"/"+fk.OnUpdate)
	}
	want := "pa,pb->p(a,b) CASCADE/NO ACTION; q->c(id) NO ACTION/SET NULL; r->c(id) NO ACTION/NO ACTION"
	if strings.Join(got, "; ") != want {
		t.Errorf("c foreign keys =\n%s\nwant\n%s", strings.Join(got, "; "), want)
	}
	names2, err := d.TableNames(ctx, db)
	if err != nil || strings.Join(names2, ",") != "c,p" {
		t.Errorf("TableNames = %v, %v", names2, err)
	}
}

// TestTableOptions: every table is utf8mb4, with the DSN's utf8mb4
// collation when it names one and utf8mb4_unicode_ci (the connection's
// default) otherwise.
func TestTableOptions(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"}, // DriverDSN not called
		{"mysql://root@h/x", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"},
		{"mysql://root@h/x?collation=utf8mb4_bin", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"},
		{"mysql://root@h/x?collation=latin1_swedish_ci", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"},
		{"mysql://root@h/x?charset=utf8mb4", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"},
	} {
		d := mysql.New()
		if c.url != "" {
			if _, err := d.DriverDSN(c.url); err != nil {
				t.Fatal(err)
			}
		}
		if got := d.TableOptions(); got != c.want {
			t.Errorf("%q: TableOptions = %q, want %q", c.url, got, c.want)
		}
	}
}
