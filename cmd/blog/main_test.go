package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/relmorm/relm/internal/testdb"
)

// runBlog runs the program with args and returns its exit status and output.
func runBlog(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustRun runs the program and fails the test unless it succeeds quietly.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runBlog(t, args...)
	if code != 0 || errOut != "" {
		t.Fatalf("blog %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
	}
	return out
}

var tableRow = regexp.MustCompile(`(?m)^\| (\w+)\s+\|\s+([\d,]+) \|$`)

// tableCounts reads the table the program prints.
func tableCounts(out string) map[string]string {
	m := map[string]string{}
	for _, r := range tableRow.FindAllStringSubmatch(out, -1) {
		m[r[1]] = r[2]
	}
	return m
}

// TestDefaultRun is `go run ./cmd/blog` on a fresh checkout: no arguments
// create blog.db in the working directory, seeded as the tutorial does, and
// print the six tables with their rows.
func TestDefaultRun(t *testing.T) {
	t.Chdir(t.TempDir())
	out := mustRun(t)
	if _, err := os.Stat("blog.db"); err != nil {
		t.Fatalf("no blog.db after the default run: %v", err)
	}
	got := tableCounts(out)
	want := map[string]string{"users": "10", "userinfos": "10", "categories": "5", "tags": "20", "articles": "100"}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("%s: %q rows, want %s\n%s", table, got[table], n, out)
		}
	}
	if len(got) != 6 || !strings.Contains(out, "| Tables_in_blog") || !strings.Contains(out, "6 tables") {
		t.Errorf("output does not list the six tables as show tables does:\n%s", out)
	}
	if !regexp.MustCompile(`seeded [\d,]+ rows in \S+: [\d,]+ rows/s\n$`).MatchString(out) {
		t.Errorf("output does not end with the throughput:\n%s", out)
	}
	// tables on the same database lists the same counts.
	if again := tableCounts(mustRun(t, "tables")); len(again) != 6 || again["article_tag"] != got["article_tag"] {
		t.Errorf("tables = %v, want %v", again, got)
	}
}

func TestSeedFlags(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "b.db")
	out := mustRun(t, "seed", "--dsn", dsn, "--users", "4", "--categories", "2", "--tags", "6",
		"--articles", "33", "--min-tags", "3", "--max-tags", "3", "--batch", "7", "--seed", "9")
	got := tableCounts(out)
	want := map[string]string{"users": "4", "userinfos": "4", "categories": "2", "tags": "6", "articles": "33", "article_tag": "99"}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("%s: %q rows, want %s\n%s", table, got[table], n, out)
		}
	}
	// Without --reset a second run appends; with it the tables start over.
	mustRun(t, "seed", "--dsn", dsn, "--articles", "10", "--tags", "6")
	if got := tableCounts(mustRun(t, "tables", "--dsn", dsn)); got["articles"] != "43" {
		t.Errorf("after a second seed: %s articles, want 43", got["articles"])
	}
	got = tableCounts(mustRun(t, "seed", "--dsn", dsn, "--reset", "--articles", "10", "--tags", "6"))
	if got["articles"] != "10" || got["users"] != "10" {
		t.Errorf("after --reset: %v, want 10 articles and 10 users", got)
	}

	// Same seed, same data.
	other := "sqlite:" + filepath.Join(dir, "c.db")
	mustRun(t, "seed", "--dsn", other, "--articles", "10", "--tags", "6")
	if a, b := titles(t, dsn), titles(t, other); a != b {
		t.Errorf("same seed, different titles:\n%s\n%s", a, b)
	}
}

// TestEcho: --echo logs every statement to stderr, with batched INSERTs cut
// short, and nothing else goes there.
func TestEcho(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	code, out, errOut := runBlog(t, "seed", "--dsn", dsn, "--echo", "--articles", "50")
	if code != 0 || !strings.Contains(out, "rows/s") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{`level=DEBUG msg=sql sql="CREATE TABLE`, `sql="INSERT INTO \"articles\"`, " more]", "chars)", "sql=BEGIN", "sql=COMMIT"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("echo output lacks %q", want)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if !strings.HasPrefix(line, "level=DEBUG msg=sql ") || len(line) > 2000 {
			t.Errorf("echo line is not a short statement log: %.300s", line)
		}
	}
}

// TestShow: a user with their articles, categories and tags, and an article
// with its author, category and tags, each in a fixed number of statements.
func TestShow(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	mustRun(t, "seed", "--dsn", dsn, "--users", "3", "--articles", "40")
	checkShow(t, dsn)
}

// TestAllDatabases seeds and shows on PostgreSQL and MariaDB too.
func TestAllDatabases(t *testing.T) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			dsn := testdb.NewDatabase(t, name)
			out := mustRun(t, "seed", "--dsn", dsn, "--users", "3", "--articles", "40", "--batch", "15")
			if got := tableCounts(out); got["articles"] != "40" || got["userinfos"] != "3" {
				t.Errorf("seed on %s printed %v", name, got)
			}
			checkShow(t, dsn)
		})
	}
}

func checkShow(t *testing.T, dsn string) {
	t.Helper()
	code, out, errOut := runBlog(t, "show", "--dsn", dsn, "--user", "2", "--echo")
	if code != 0 {
		t.Fatalf("show --user: exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "User 2: ") || !strings.Contains(out, " · qq ") ||
		!strings.Contains(out, "category: ") || !strings.Contains(out, "tags:     ") {
		t.Errorf("show --user 2 printed:\n%s", out)
	}
	articles := strings.Count(out, "\n  #")
	if articles == 0 || !strings.Contains(out, "\n  "+plural(articles, "article")+"\n") {
		t.Errorf("show --user 2: %d articles listed:\n%s", articles, out)
	}
	// The user with its userinfo joined; select-in: the articles, their
	// categories, their tags.
	if n := strings.Count(errOut, "msg=sql"); n != 4 {
		t.Errorf("show --user issued %d statements, want 4:\n%s", n, errOut)
	}

	code, out, errOut = runBlog(t, "show", "--dsn", dsn, "--article", "7", "--echo")
	if code != 0 {
		t.Fatalf("show --article: exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "Article 7: ") || !strings.Contains(out, "author:   ") ||
		!strings.Contains(out, "category: ") || !regexp.MustCompile(`tags: +\w+ \(#\d+\), \w+ \(#\d+\)`).MatchString(out) {
		t.Errorf("show --article 7 printed:\n%s", out)
	}
	// The article with its author and category joined; select-in: its tags.
	if n := strings.Count(errOut, "msg=sql"); n != 2 {
		t.Errorf("show --article issued %d statements, want 2:\n%s", n, errOut)
	}
}

func TestDiagram(t *testing.T) {
	out := mustRun(t, "diagram")
	if !strings.HasPrefix(out, "erDiagram\n") || !strings.Contains(out, "article_tag") || !strings.Contains(out, "userinfos") {
		t.Errorf("diagram:\n%s", out)
	}
	out = mustRun(t, "diagram", "--format", "dot")
	if !strings.HasPrefix(out, "digraph") {
		t.Errorf("diagram --format dot:\n%s", out)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"seed", "-h"}, {"show", "--help"}} {
		code, out, errOut := runBlog(t, args...)
		if code != 0 || !strings.Contains(out, "usage: blog") || errOut != "" {
			t.Errorf("blog %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// TestBadInput: each mistake ends with one line on stderr, exit status 1,
// nothing on stdout, and nothing written.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	clash := filepath.Join(dir, "clash.db")
	db, err := sql.Open("sqlite", clash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	seeded := "sqlite:" + filepath.Join(dir, "seeded.db")
	mustRun(t, "seed", "--dsn", seeded, "--articles", "3")
	fresh := filepath.Join(dir, "fresh.db")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--dsn", "blog.db"}, "has no scheme"},
		{[]string{"--dsn", "oracle://x/y"}, `unknown DSN scheme "oracle"`},
		{[]string{"--dsn", "postgres://postgres@127.0.0.1:1/test?sslmode=disable"}, "connect to postgres://"},
		{[]string{"--dsn", "mysql://root@127.0.0.1:1/test"}, "connect to mysql://"},
		{[]string{"--dsn", "sqlite:" + clash}, "table users exists without column username (model blog.User field Username)"},
		{[]string{"--dsn", "sqlite:" + clash, "--reset"}, "table users exists without column username"},
		{[]string{"--dsn", "sqlite:" + fresh, "--users", "-3"}, "--users (-3) is negative"},
		{[]string{"--dsn", "sqlite:" + fresh, "--min-tags", "5", "--max-tags", "3"}, "--min-tags (5) is above --max-tags (3)"},
		{[]string{"--dsn", "sqlite:" + fresh, "--max-tags", "8", "--tags", "6"}, "--max-tags (8) is above --tags (6)"},
		{[]string{"--dsn", "sqlite:" + fresh, "--tags", "0"}, "but --tags is 0"},
		{[]string{"--dsn", "sqlite:" + fresh, "--batch", "0"}, "--batch is 0"},
		{[]string{"--dsn", "sqlite:" + fresh, "--users", "many"}, `invalid value "many" for flag -users`},
		{[]string{"seed", "--dsn", "sqlite:" + fresh, "--colour"}, "flag provided but not defined: -colour"},
		{[]string{"seed", "--dsn", "sqlite:" + fresh, "now"}, `unexpected argument "now"`},
		{[]string{"publish"}, `unknown command "publish"`},
		{[]string{"tables", "--dsn", "sqlite:" + fresh}, "no database at"},
		{[]string{"show", "--dsn", seeded}, "give one of --user ID or --article ID"},
		{[]string{"show", "--dsn", seeded, "--user", "1", "--article", "1"}, "give one of --user ID or --article ID"},
		{[]string{"show", "--dsn", seeded, "--user", "99"}, "no user with id 99"},
		{[]string{"show", "--dsn", seeded, "--article", "99"}, "no article with id 99"},
		{[]string{"show", "--dsn", "sqlite:" + fresh, "--user", "1"}, "no database at"},
		{[]string{"diagram", "--format", "png"}, `--format "png": want mermaid or dot`},
	} {
		code, out, errOut := runBlog(t, c.args...)
		if code != 1 || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("blog %s: exit %d, stdout %q, stderr %q; want exit 1 and one line containing %q",
				strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Error("a refused command created " + fresh)
	}
	if tables := tableCounts(mustRun(t, "tables", "--dsn", "sqlite:"+clash)); len(tables) != 1 || tables["users"] != "0" {
		t.Errorf("after the refused seeds the clashing database holds %v, want only its empty users", tables)
	}
}

func titles(t *testing.T, dsn string) string {
	t.Helper()
	db, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT title FROM articles ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}

// TestMigrate: blog migrate on a seeded database finds nothing to do, and
// its mistakes are one line on stderr.
func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	seeded := "sqlite:" + filepath.Join(dir, "seeded.db")
	mustRun(t, "seed", "--dsn", seeded, "--articles", "3")
	migrations := filepath.Join(dir, "migrations")
	if out := mustRun(t, "migrate", "diff", "--dsn", seeded); out != "-- the database matches the models\n" {
		t.Errorf("diff: %q", out)
	}
	if out := mustRun(t, "migrate", "new", "nothing", "--dsn", seeded, "--dir", migrations); !strings.HasPrefix(out, "nothing to migrate") {
		t.Errorf("new: %q", out)
	}
	if out := mustRun(t, "migrate", "status", "--dsn", seeded, "--dir", migrations); !strings.HasPrefix(out, "no migrations in") {
		t.Errorf("status: %q", out)
	}
	if out := mustRun(t, "migrate", "up", "--dsn", seeded, "--dir", migrations); !strings.HasPrefix(out, "nothing to apply") {
		t.Errorf("up: %q", out)
	}
	if out := mustRun(t, "migrate", "help"); !strings.Contains(out, "usage: blog migrate") {
		t.Errorf("help: %q", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "frobnicate"}, `blog migrate: unknown subcommand "frobnicate"`},
		{[]string{"migrate", "new", "--dsn", seeded}, "blog migrate: new: name the migration"},
		{[]string{"migrate", "down", "many", "--dsn", seeded}, `"many" is not a number`},
		{[]string{"migrate", "diff", "--dsn", "oracle://x/y"}, `unknown DSN scheme "oracle"`},
	} {
		code, out, errOut := runBlog(t, c.args...)
		if code != 1 || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("blog %v: exit %d, stdout %q, stderr %q, want %q", c.args, code, out, errOut, c.want)
		}
	}
}
