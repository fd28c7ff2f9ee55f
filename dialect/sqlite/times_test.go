package sqlite_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/schema"
)

// TestTimeTextIsTheDriversText: a time relm writes itself — as a literal
// (AppendLiteral) or in a bulk insert's JSON document (BulkRows) — is the
// very text the driver stores for the same time bound as a parameter, in
// the zone of the DSN's _timezone: UTC by default, whatever the time's own
// zone, so one instant is one text.
func TestTimeTextIsTheDriversText(t *testing.T) {
	at := time.Date(2024, 7, 1, 8, 0, 0, 120000000, time.FixedZone("+05:30", 5*3600+30*60))
	col := &schema.Column{Name: "at", Type: schema.Type{Kind: schema.KindTime}}
	for _, tc := range []struct{ dsn, want string }{
		{"sqlite::memory:", "2024-07-01 02:30:00.12+00:00"},
		{"sqlite::memory:?_timezone=America/New_York", "2024-06-30 22:30:00.12-04:00"},
	} {
		d := sqlite.New()
		dsn, err := d.DriverDSN(tc.dsn)
		if err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open(d.DriverName(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var bound string
		if err := db.QueryRow("SELECT CAST(? AS TEXT)", at).Scan(&bound); err != nil {
			t.Fatal(err)
		}
		lit, ok := d.AppendLiteral(nil, col, at)
		if !ok {
			t.Fatalf("%s: a time literal refused", tc.dsn)
		}
		rows := d.BulkRows([]*schema.Column{col}, 1<<20, 1)
		if err := rows.Add([]any{at}); err != nil {
			t.Fatal(err)
		}
		doc, _ := rows.Args()[0].(string)
		if bound != tc.want || string(lit) != "'"+tc.want+"'" || !strings.Contains(doc, `"`+tc.want+`"`) {
			t.Errorf("%s: the driver bound %q, the literal is %s, the JSON %s; want %q in each", tc.dsn, bound, lit, doc, tc.want)
		}
	}
}

// TestTimeTextRefusedElsewhere: where the driver would not write the text
// relm writes — another _time_format, times as integers
// (_time_integer_format), or a DSN relm never saw — AppendLiteral refuses
// a time, so it is bound and one column never holds two forms of it.
func TestTimeTextRefusedElsewhere(t *testing.T) {
	col := &schema.Column{Name: "at", Type: schema.Type{Kind: schema.KindTime}}
	at := time.Date(2024, 7, 1, 8, 0, 0, 0, time.UTC)
	for _, dsn := range []string{
		"sqlite::memory:?_time_format=datetime",
		"sqlite::memory:?_time_integer_format=unix",
		"sqlite::memory:?_time_format=sqlite&_time_integer_format=unix_nano",
		"",
	} {
		d := sqlite.New()
		if dsn != "" {
			if _, err := d.DriverDSN(dsn); err != nil {
				t.Fatal(err)
			}
		}
		if lit, ok := d.AppendLiteral(nil, col, at); ok {
			t.Errorf("%q: a time written as the literal %s", dsn, lit)
		}
		rows := d.BulkRows([]*schema.Column{col}, 1<<20, 1)
		if err := rows.Add([]any{at}); err == nil {
			t.Errorf("%q: a time written into a JSON document", dsn)
		}
	}
}
