package sqlite_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/schema"
)

// FuzzAppendLiteral: a value relm writes into the text of an INSERT (the
// rows of a large INSERT on SQLite, dialect.LiteralInliner) is read back
// exactly as the same value bound as a parameter — same type, same bytes —
// and never becomes SQL: the literal is one expression, whatever the
// string holds (quotes, comment markers, semicolons, invalid UTF-8).
func FuzzAppendLiteral(f *testing.F) {
	for _, s := range []string{
		"", "'", "''", "a'b", "'; DROP TABLE t; --", "--", "/*", "*/", ";", "\\", `\'`,
		"é", "日本語", "😀", "\xff\xfe", "\x01\x1f\x7f", "?", "?1", "$1", ":name", "@x",
		"X'00'", "NULL", "multi\nline", "\r\n\t",
	} {
		f.Add(s, int64(len(s)), []byte(s))
	}
	d := sqlite.New()
	dsn, err := d.DriverDSN("sqlite::memory:")
	if err != nil {
		f.Fatal(err)
	}
	db, err := sql.Open(d.DriverName(), dsn)
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	text := &schema.Column{Name: "c", Type: schema.Type{Kind: schema.KindText}}
	blob := &schema.Column{Name: "c", Type: schema.Type{Kind: schema.KindBytes}}
	f.Fuzz(func(t *testing.T, s string, n int64, bs []byte) {
		for _, c := range []struct {
			col *schema.Column
			v   any
		}{{text, s}, {text, n}, {blob, bs}} {
			lit, ok := d.AppendLiteral(nil, c.col, c.v)
			if !ok {
				// Refused values are bound instead; only these are
				// refused: NUL in a string, empty or long blobs, long
				// strings.
				if str, isStr := c.v.(string); isStr && !strings.ContainsRune(str, 0) && len(str) <= 256 {
					t.Fatalf("%q refused", str)
				}
				if b, isBytes := c.v.([]byte); isBytes && len(b) > 0 && len(b) <= 256 {
					t.Fatalf("%x refused", b)
				}
				continue
			}
			var litType, boundType string
			var same, count int
			q := "SELECT typeof(" + string(lit) + "), typeof(?1), " + string(lit) + " IS ?1, (SELECT COUNT(*) FROM (SELECT " + string(lit) + "))"
			if err := db.QueryRow(q, c.v).Scan(&litType, &boundType, &same, &count); err != nil {
				t.Fatalf("%#v as %s: %v", c.v, lit, err)
			}
			if litType != boundType || same != 1 || count != 1 {
				t.Fatalf("%#v as %s: literal %s, bound %s, equal %d, rows %d", c.v, lit, litType, boundType, same, count)
			}
		}
	})
}
