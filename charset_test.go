package relm_test

import (
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// Polyglot has text beyond Latin-1 in every kind of string column.
type Polyglot struct {
	ID   int
	Name string  `relm:"size:64;index"`
	Body *string `relm:"type:text"`
	Note string  `relm:"type:longtext"`
}

func (Polyglot) TableName() string { return "polyglots" }

// polyglotTexts are the values TestMySQLLatin1Server round-trips.
var polyglotTexts = []string{
	"中文汉字",                         // Chinese
	"日本語のテキスト",                     // Japanese
	"👩‍💻 emoji 🎉 beyond the BMP 𝄞", // four-byte UTF-8, a ZWJ sequence
	"Ελληνικά и кириллица",         // Greek, Cyrillic
	"Latin-1 too: café, Größe, ñ",
}

// TestMySQLLatin1Server: on a MariaDB server whose default character set
// is latin1 (scripts/mariadb-latin1.sh starts one), relm's connection is
// utf8mb4 and the tables CreateAll makes are utf8mb4 (issue 35.5), so text
// beyond Latin-1 — Chinese, Japanese, emoji — round-trips through bound
// INSERTs and UPDATEs, through the INSERT whose values relm writes as
// literals itself (interpolateParams=true), and through a WHERE. It runs
// when RELM_TEST_MYSQL_LATIN1 names that server
// (RELM_TEST_MYSQL_LATIN1=$(scripts/mariadb-latin1.sh dsn)); then an
// unreachable server, or one whose default is not latin1, fails it.
func TestMySQLLatin1Server(t *testing.T) {
	server := os.Getenv("RELM_TEST_MYSQL_LATIN1")
	if server == "" {
		if os.Getenv("CI") == "true" {
			t.Log("RELM_TEST_MYSQL_LATIN1 is not set; .ci/run sets it to the server of scripts/mariadb-latin1.sh")
		}
		t.Skip("RELM_TEST_MYSQL_LATIN1 is not set: start a latin1 MariaDB with scripts/mariadb-latin1.sh start and set RELM_TEST_MYSQL_LATIN1=$(scripts/mariadb-latin1.sh dsn) to run this test")
	}
	_, driverDSN, err := relm.ParseDSN(server)
	if err != nil {
		t.Fatalf("RELM_TEST_MYSQL_LATIN1=%q: %v", server, err)
	}
	admin, err := sql.Open("mysql", driverDSN)
	if err == nil {
		defer admin.Close()
		err = admin.PingContext(ctx)
	}
	if err != nil {
		t.Fatalf("RELM_TEST_MYSQL_LATIN1 names %s, which does not answer: %v (scripts/mariadb-latin1.sh start)", server, err)
	}
	var serverCharset string
	must(t, admin.QueryRowContext(ctx, "SELECT @@character_set_server").Scan(&serverCharset))
	if serverCharset != "latin1" {
		t.Fatalf("the server at RELM_TEST_MYSQL_LATIN1 defaults to %s, not latin1; this test would prove nothing there", serverCharset)
	}

	for _, c := range []struct {
		name, query string
		literals    bool // relm writes the INSERT's values itself
	}{
		{"bound", "", false},
		{"literals", "?interpolateParams=true", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dsn := testdb.NewDatabaseAt(t, "mysql", server)
			var dbCharset string
			must(t, admin.QueryRowContext(ctx, "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
				strings.TrimPrefix(dsn[strings.LastIndex(dsn, "/"):], "/")).Scan(&dbCharset))
			if dbCharset != "latin1" {
				t.Fatalf("the test database defaults to %s, want the server's latin1", dbCharset)
			}
			log := &testdb.Log{}
			db, err := relm.Open(ctx, dsn+c.query, log.Option())
			must(t, err)
			t.Cleanup(func() { db.Close() })

			var client, conn, results string
			must(t, db.SQL().QueryRowContext(ctx, "SELECT @@character_set_client, @@character_set_connection, @@character_set_results").
				Scan(&client, &conn, &results))
			if client != "utf8mb4" || conn != "utf8mb4" || results != "utf8mb4" {
				t.Errorf("connection character sets client %s, connection %s, results %s; want utf8mb4", client, conn, results)
			}

			reg := registry(t, &Polyglot{})
			s := newSession(t, db, log, reg)
			var rows []*Polyglot
			for _, text := range polyglotTexts {
				body := text + " — body"
				rows = append(rows, &Polyglot{Name: text, Body: &body, Note: strings.Repeat(text, 3)})
			}
			must(t, s.AddAll(rows))
			must(t, s.Commit(ctx))
			var insert string
			for _, st := range log.Statements() {
				if strings.HasPrefix(st, "INSERT") {
					insert = st
				}
			}
			if got := strings.Contains(insert, "'"+polyglotTexts[0]+"'"); got != c.literals {
				t.Errorf("INSERT holds the text as a literal: %v, want %v:\n%.300s", got, c.literals, insert)
			}
			var coll string
			must(t, db.SQL().QueryRowContext(ctx, "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'polyglots'").Scan(&coll))
			if coll != "utf8mb4_unicode_ci" {
				t.Errorf("polyglots has collation %s, want utf8mb4_unicode_ci", coll)
			}

			// An UPDATE, bound, of one of them.
			rows[1].Name = polyglotTexts[2]
			rows[1].Note = "更新 ✅"
			must(t, s.Commit(ctx))

			s2 := relm.NewSession(db, reg)
			t.Cleanup(func() { s2.Close() })
			got, err := relm.Select[Polyglot](s2).OrderBy("ID").All(ctx)
			must(t, err)
			if len(got) != len(rows) {
				t.Fatalf("read %d rows back, want %d", len(got), len(rows))
			}
			for i, r := range rows {
				g := got[i]
				if g.Name != r.Name || g.Body == nil || *g.Body != *r.Body || g.Note != r.Note {
					t.Errorf("row %d read back as %q / %v / %q, want %q / %q / %q", i, g.Name, g.Body, g.Note, r.Name, *r.Body, r.Note)
				}
			}
			n, err := relm.Select[Polyglot](s2).Where(relm.Eq("Name", polyglotTexts[0])).Count(ctx)
			must(t, err)
			if n != 1 {
				t.Errorf("WHERE name = %q found %d rows, want 1", polyglotTexts[0], n)
			}
		})
	}
}
