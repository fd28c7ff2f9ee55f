package mysql_test

import (
	"bytes"
	"context"
	"database/sql"
	"math"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/schema"
)

// TestInlineOnlyWhenInterpolating: values become literals only when the
// driver would interpolate them anyway (interpolateParams=true) and the
// connection's character set keeps quote and backslash bytes whole.
func TestInlineOnlyWhenInterpolating(t *testing.T) {
	for _, c := range []struct {
		query string
		want  bool
	}{
		{"", false},
		{"interpolateParams=false", false},
		{"interpolateParams=true", true},
		{"interpolateParams=true&charset=latin1", true},
		{"interpolateParams=true&charset=utf8mb4,utf8", true},
		{"interpolateParams=true&collation=utf8mb4_general_ci", true},
		{"interpolateParams=true&collation=latin1_swedish_ci", true},
		{"interpolateParams=true&charset=gbk", false},
		{"interpolateParams=true&charset=utf8mb4,big5", false},
		{"interpolateParams=true&collation=cp1250_general_ci", false},
	} {
		d := mysql.New()
		if _, err := d.DriverDSN("mysql://root@127.0.0.1/test?" + c.query); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		for _, k := range []schema.Kind{schema.KindInteger, schema.KindText, schema.KindBytes, schema.KindFloat} {
			if got := d.InlineKind(k); got != c.want {
				t.Errorf("?%s: InlineKind(%s) = %v, want %v", c.query, k, got, c.want)
			}
		}
	}
	if mysql.New().InlineKind(schema.KindInteger) {
		t.Error("a dialect that never saw a DSN (relm.New) inlines values")
	}
}

// FuzzAppendLiteral: a value relm writes into the text of an INSERT on
// MySQL/MariaDB (interpolateParams=true, dialect.LiteralInliner) reads back
// exactly as the same value bound by the server — same bytes — under the
// default sql_mode and under NO_BACKSLASH_ESCAPES, and never becomes SQL:
// the literal is one expression, whatever the string holds.
func FuzzAppendLiteral(f *testing.F) {
	for _, s := range []string{
		"", "'", "''", "a'b", "'; DROP TABLE t; --", "--", "-- x", "#", "/*", "*/", ";", "\\", `\'`, `'\`,
		"é", "日本語", "😀", "\x01\x1f\x7f\x1a", "?", "??", "'?'", "$1", ":name", "@x", "`", `"`, `"'"`,
		"X'00'", "NULL", "multi\nline", "\r\n\t", "\x00", "a\x00b",
	} {
		f.Add(s, int64(len(s))-3, float64(len(s))/3, []byte(s))
	}
	f.Add("x", int64(math.MinInt64), math.MaxFloat64, []byte{0})
	f.Add("y", int64(math.MaxInt64), math.SmallestNonzeroFloat64, []byte{0xff, 0x5c, 0x27})
	f.Add("z", int64(0), math.Inf(1), []byte(nil))
	f.Add("w", int64(-1), -0.0, []byte{})

	ctx := context.Background()
	d := mysql.New()
	server := firstHost(testdb.ServerDSN("mysql"))
	dsn, err := d.DriverDSN(server)
	if err != nil {
		f.Fatal(err)
	}
	db, err := sql.Open(d.DriverName(), dsn) // bound by the server: the reference
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		f.Fatalf("MariaDB at %s: %v", server, err)
	}
	modes := map[string]*sql.Conn{}
	for _, mode := range []string{"default", "NO_BACKSLASH_ESCAPES"} {
		conn, err := db.Conn(ctx)
		if err != nil {
			f.Fatal(err)
		}
		defer conn.Close()
		if mode != "default" {
			if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"); err != nil {
				f.Fatal(err)
			}
		}
		modes[mode] = conn
	}
	text := &schema.Column{Name: "c", Type: schema.Type{Kind: schema.KindText}}
	blob := &schema.Column{Name: "c", Type: schema.Type{Kind: schema.KindBytes}}
	num := &schema.Column{Name: "c", Type: schema.Type{Kind: schema.KindBigInt}}
	dbl := &schema.Column{Name: "c", Type: schema.Type{Kind: schema.KindFloat}}
	f.Fuzz(func(t *testing.T, s string, n int64, x float64, bs []byte) {
		for _, c := range []struct {
			col *schema.Column
			v   any
		}{{text, s}, {num, n}, {dbl, x}, {blob, bs}, {num, n > 0}, {text, time.Unix(n%1e10, 0)}} {
			lit, ok := d.AppendLiteral(nil, c.col, c.v)
			if !ok {
				// Refused values are bound instead; only these are refused.
				switch v := c.v.(type) {
				case string:
					if !strings.ContainsAny(v, "\\\x00") {
						t.Fatalf("%q refused", v)
					}
				case []byte:
					if len(v) > 0 {
						t.Fatalf("%x refused", v)
					}
				case float64:
					if !math.IsNaN(v) && !math.IsInf(v, 0) {
						t.Fatalf("%v refused", v)
					}
				case time.Time:
				default:
					t.Fatalf("%#v refused", v)
				}
				continue
			}
			if _, isTime := c.v.(time.Time); isTime {
				t.Fatalf("time %v inlined as %s: the driver converts times to the DSN's loc", c.v, lit)
			}
			for mode, conn := range modes {
				var got, want []byte
				var count int
				q := "SELECT " + string(lit) + ", ?, (SELECT COUNT(*) FROM (SELECT " + string(lit) + " AS v) AS t)"
				if err := conn.QueryRowContext(ctx, q, c.v).Scan(&got, &want, &count); err != nil {
					t.Fatalf("%s: %#v as %s: %v", mode, c.v, lit, err)
				}
				if !bytes.Equal(got, want) || count != 1 {
					t.Fatalf("%s: %#v as %s reads back %q (%d rows), bound %q", mode, c.v, lit, got, count, want)
				}
			}
		}
	})
}

// otherDriver stands for a driver that wraps go-sql-driver/mysql (tracing,
// metrics): relm cannot know what it keeps.
type otherDriver struct{ driver.MySQLDriver }

// TestCopiesText: only go-sql-driver/mysql's own driver is trusted to keep
// no reference to a statement's text (dialect.TextCopier).
func TestCopiesText(t *testing.T) {
	d := mysql.New()
	if !d.CopiesText(&driver.MySQLDriver{}) {
		t.Error("go-sql-driver/mysql's driver not recognised")
	}
	if d.CopiesText(&otherDriver{}) {
		t.Error("a wrapping driver is taken to copy the text")
	}
}

// firstHost keeps the first node of a DSN that names several
// (mysql://u@h1:3306,h2:3306/db, as the Galera stage of .ci/run sets):
// relm.Open spreads over them, DriverDSN takes one host.
func firstHost(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	hostStart := strings.LastIndex(rest[:strings.IndexByte(rest+"/", '/')], "@") + 1
	hostEnd := hostStart + strings.IndexByte(rest[hostStart:]+"/", '/')
	hosts := rest[hostStart:hostEnd]
	if i := strings.IndexByte(hosts, ','); i >= 0 {
		hosts = hosts[:i]
	}
	return scheme + "://" + rest[:hostStart] + hosts + rest[hostEnd:]
}
