// Command crashcheck is the checker of scripts/crash.sh: it creates and
// drops the crash test's database, and checks that a blog database written
// by `blog seed` runs, some of them killed with SIGKILL, holds only whole
// units of work.
//
//	crashcheck createdb --dsn DSN   create the database of DSN afresh (dropping it first)
//	crashcheck dropdb   --dsn DSN   drop it (delete the file, for SQLite)
//	crashcheck check    --dsn DSN --users U --categories C --tags T --articles A --batch B
//	                    [--min-tags 2] [--max-tags 5] [--complete]
//
// The database holds the rows of several seeds run one after the other
// with the same sizes, each committing its users, userinfos, categories and
// tags in one transaction and then its articles B at a time. check groups
// the rows by seed (the i-th U users by key, the i-th C categories and the
// i-th T tags belong to the i-th seed that committed its first
// transaction) and fails, naming the check, unless:
//
//   - on SQLite, PRAGMA integrity_check says ok;
//   - users, categories and tags come in whole seeds (U, C and T each), as
//     many seeds of each; every user has exactly one userinfo and every
//     userinfo a user;
//   - every article has an author, a category and MinTags to MaxTags
//     distinct tags, all of its own seed;
//   - no article_tag row lacks its article or its tag, or repeats another;
//   - every seed holds a whole number of batches of articles (a multiple
//     of B, at most A), and with --complete the last seed holds all A.
//
// It prints one line saying what it found, and exits with status 1 and a
// line starting "check failed:" when a check fails, 2 on any other error.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/relmorm/relm"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crashcheck createdb|dropdb|check --dsn DSN [flags]")
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet("crashcheck "+cmd, flag.ExitOnError)
	dsn := fs.String("dsn", "", "the database: sqlite:FILE, postgres://… or mysql://…")
	var o options
	fs.IntVar(&o.users, "users", 10, "users per seed")
	fs.IntVar(&o.categories, "categories", 5, "categories per seed")
	fs.IntVar(&o.tags, "tags", 20, "tags per seed")
	fs.IntVar(&o.articles, "articles", 100, "articles per seed")
	fs.IntVar(&o.batch, "batch", 10000, "articles per transaction")
	fs.IntVar(&o.minTags, "min-tags", 2, "tags per article, at least")
	fs.IntVar(&o.maxTags, "max-tags", 5, "tags per article, at most")
	fs.BoolVar(&o.complete, "complete", false, "the last seed ran to its end: it must hold all its articles")
	fs.Parse(args)
	if *dsn == "" {
		fmt.Fprintf(os.Stderr, "crashcheck %s: --dsn is required\n", cmd)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	switch cmd {
	case "createdb":
		err = database(ctx, *dsn, true)
	case "dropdb":
		err = database(ctx, *dsn, false)
	case "check":
		var summary string
		summary, err = check(ctx, *dsn, o)
		if err == nil {
			fmt.Println(summary)
		}
	default:
		err = fmt.Errorf("unknown command %q: createdb, dropdb or check", cmd)
	}
	if err != nil {
		var f failure
		if errors.As(err, &f) {
			fmt.Fprintf(os.Stderr, "check failed: %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "crashcheck %s: %v\n", cmd, err)
		os.Exit(2)
	}
}

type options struct {
	users, categories, tags, articles, batch, minTags, maxTags int
	complete                                                   bool
}

// failure is a check that failed, as opposed to an error reading the
// database.
type failure struct{ check, detail string }

func (f failure) Error() string { return f.check + ": " + f.detail }

func fail(check, format string, args ...any) error {
	return failure{check, fmt.Sprintf(format, args...)}
}

// database creates (create) or drops the database dsn names: a file for
// SQLite (with its journal), a database on the server otherwise, through a
// connection to the server's maintenance database.
func database(ctx context.Context, dsn string, create bool) error {
	scheme, rest, _ := strings.Cut(dsn, ":")
	if scheme == "sqlite" {
		path, _, _ := strings.Cut(strings.TrimPrefix(rest, "file:"), "?")
		for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
			if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsAny(name, "`\"/ ") {
		return fmt.Errorf("DSN %s: want a plain database name in its path", dsn)
	}
	quote, force := "`", ""
	switch u.Scheme {
	case "postgres", "postgresql":
		// FORCE: the backend of a client just killed may not have gone yet.
		u.Path, quote, force = "/postgres", `"`, " WITH (FORCE)"
	case "mysql":
		u.Path = "/mysql"
	default:
		return fmt.Errorf("DSN %s: want sqlite:, postgres:// or mysql://", dsn)
	}
	d, drv, err := relm.ParseDSN(u.String())
	if err != nil {
		return err
	}
	admin, err := sql.Open(d.DriverName(), drv)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote+name+quote+force); err != nil {
		return err
	}
	if create {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+quote+name+quote); err != nil {
			return err
		}
	}
	return nil
}

// check reads the blog tables of dsn and returns an error naming the first
// invariant a crashed seed broke, or a summary of what the database holds.
func check(ctx context.Context, dsn string, o options) (string, error) {
	if o.batch <= 0 || o.articles%o.batch != 0 {
		return "", fmt.Errorf("--articles (%d) must be a multiple of --batch (%d)", o.articles, o.batch)
	}
	d, drv, err := relm.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	db, err := sql.Open(d.DriverName(), drv)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return "", err
	}
	if d.Name() == "sqlite" {
		if err := integrityCheck(ctx, db); err != nil {
			return "", err
		}
	}
	if err := noStrays(ctx, db); err != nil {
		return "", err
	}
	sd, err := readSeeds(ctx, db, o)
	if err != nil {
		return "", err
	}
	if err := sd.readArticles(ctx, db); err != nil {
		return "", err
	}
	links, err := sd.checkLinks(ctx, db, o)
	if err != nil {
		return "", err
	}
	last, err := sd.checkBatches(o)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d seeds, %d articles, %d article_tag rows; the last seed holds %s", sd.seeds, len(sd.articleSeed), links, last), nil
}

// integrityCheck runs SQLite's PRAGMA integrity_check, which must say ok.
func integrityCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return err
	}
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return err
		}
		msgs = append(msgs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fail("sqlite integrity_check", "%q, want ok", msgs)
	}
	return nil
}

// noStrays checks the invariants SQL states directly, each a count that
// must be 0. (Tags per article and repeated links are counted by
// checkLinks, from the link rows read anyway: SQLite's GROUP BY over an
// unindexed article_tag took seconds once the database held 20 seeds.)
func noStrays(ctx context.Context, db *sql.DB) error {
	for _, c := range []struct{ check, query string }{
		{"article without author", `SELECT COUNT(*) FROM articles a LEFT JOIN users u ON u.id = a.user_id WHERE u.id IS NULL`},
		{"article without category", `SELECT COUNT(*) FROM articles a LEFT JOIN categories c ON c.id = a.cate_id WHERE c.id IS NULL`},
		{"orphan article_tag row (no article)", `SELECT COUNT(*) FROM article_tag l LEFT JOIN articles a ON a.id = l.article_id WHERE a.id IS NULL`},
		{"orphan article_tag row (no tag)", `SELECT COUNT(*) FROM article_tag l LEFT JOIN tags t ON t.id = l.tag_id WHERE t.id IS NULL`},
		{"user without exactly one userinfo", `SELECT COUNT(*) FROM users u LEFT JOIN (SELECT user_id, COUNT(*) n FROM userinfos GROUP BY user_id) i ON i.user_id = u.id
			 WHERE COALESCE(i.n, 0) <> 1`},
		{"userinfo without user", `SELECT COUNT(*) FROM userinfos i LEFT JOIN users u ON u.id = i.user_id WHERE u.id IS NULL`},
	} {
		var n int64
		if err := db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", c.check, err)
		}
		if n != 0 {
			return fail(c.check, "%d rows", n)
		}
	}
	return nil
}

// seeding is what the database holds, grouped by the seed that wrote it.
type seeding struct {
	seeds                      int
	userSeed, catSeed, tagSeed map[int64]int // key → seed
	articleSeed                map[int64]int
	perSeed                    []int // articles of each seed
}

// readSeeds groups users, categories and tags by seed: keys are given in
// increasing order, one seed after the other, so the i-th U users are the
// i-th seed's; each seed commits its users, categories and tags at once.
func readSeeds(ctx context.Context, db *sql.DB, o options) (*seeding, error) {
	users, err := keys(ctx, db, "SELECT id FROM users ORDER BY id")
	if err != nil {
		return nil, err
	}
	cats, err := keys(ctx, db, "SELECT id FROM categories ORDER BY id")
	if err != nil {
		return nil, err
	}
	tags, err := keys(ctx, db, "SELECT id FROM tags ORDER BY id")
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		table string
		n     int
		per   int
	}{{"users", len(users), o.users}, {"categories", len(cats), o.categories}, {"tags", len(tags), o.tags}} {
		if c.n%c.per != 0 {
			return nil, fail("whole seeds of "+c.table, "%d rows, not a multiple of the %d one seed commits at once", c.n, c.per)
		}
	}
	seeds := len(users) / o.users
	if len(cats)/o.categories != seeds || len(tags)/o.tags != seeds {
		return nil, fail("whole first transactions", "%d users, %d categories and %d tags: not the same number of seeds (%d, %d, %d)",
			len(users), len(cats), len(tags), seeds, len(cats)/o.categories, len(tags)/o.tags)
	}
	seedOf := func(ks []int64, per int) map[int64]int {
		m := make(map[int64]int, len(ks))
		for i, k := range ks {
			m[k] = i / per
		}
		return m
	}
	return &seeding{
		seeds:    seeds,
		userSeed: seedOf(users, o.users), catSeed: seedOf(cats, o.categories), tagSeed: seedOf(tags, o.tags),
		articleSeed: map[int64]int{},
		perSeed:     make([]int, seeds),
	}, nil
}

// readArticles assigns each article to its author's seed and checks that
// its category is of the same seed.
func (sd *seeding) readArticles(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT id, user_id, cate_id FROM articles")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, user, cat int64
		if err := rows.Scan(&id, &user, &cat); err != nil {
			return err
		}
		s, ok := sd.userSeed[user]
		if !ok {
			return fail("article without author", "article %d: user %d", id, user)
		}
		if cs, ok := sd.catSeed[cat]; !ok || cs != s {
			return fail("article of one seed", "article %d has the author of seed %d and the category %d of seed %d", id, s+1, cat, cs+1)
		}
		sd.perSeed[s]++
		sd.articleSeed[id] = s
	}
	return rows.Err()
}

// checkLinks reads article_tag: no repeated row, every link between an
// article and a tag of one seed, every article with minTags to maxTags
// tags. It returns the number of link rows.
func (sd *seeding) checkLinks(ctx context.Context, db *sql.DB, o options) (int, error) {
	rows, err := db.QueryContext(ctx, "SELECT article_id, tag_id FROM article_tag")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	links := 0
	perArticle := make(map[int64]int, len(sd.articleSeed))
	type link struct{ a, t int64 }
	seen := make(map[link]bool, 4*len(sd.articleSeed))
	for rows.Next() {
		var a, t int64
		if err := rows.Scan(&a, &t); err != nil {
			return 0, err
		}
		links++
		perArticle[a]++
		if seen[link{a, t}] {
			return 0, fail("duplicate article_tag row", "article %d, tag %d", a, t)
		}
		seen[link{a, t}] = true
		if as, ts := sd.articleSeed[a], sd.tagSeed[t]; as != ts {
			return 0, fail("article of one seed", "article %d of seed %d has tag %d of seed %d", a, as+1, t, ts+1)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for id := range sd.articleSeed {
		if n := perArticle[id]; n < o.minTags || n > o.maxTags {
			return 0, fail(fmt.Sprintf("article without %d to %d tags", o.minTags, o.maxTags), "article %d has %d", id, n)
		}
	}
	return links, nil
}

// checkBatches checks that every seed holds whole batches of articles and,
// after a rerun (o.complete), that the last seed holds all of them. It
// returns how many batches the last seed holds, for the report.
func (sd *seeding) checkBatches(o options) (string, error) {
	for s, n := range sd.perSeed {
		if n%o.batch != 0 || n > o.articles {
			return "", fail("whole batches", "seed %d of %d holds %d articles: not a whole number of batches of %d (at most %d)",
				s+1, sd.seeds, n, o.batch, o.articles)
		}
	}
	if sd.seeds == 0 {
		if o.complete {
			return "", fail("rerun complete", "no seed committed anything")
		}
		return "none", nil
	}
	n := sd.perSeed[sd.seeds-1]
	last := fmt.Sprintf("%d of %d batches", n/o.batch, o.articles/o.batch)
	if o.complete && n != o.articles {
		return "", fail("rerun complete", "the last seed holds %d articles (%s), want all %d", n, last, o.articles)
	}
	return last, nil
}

func keys(ctx context.Context, db *sql.DB, query string) ([]int64, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	if !slices.IsSorted(out) {
		return nil, fmt.Errorf("%s: keys out of order", query)
	}
	return out, rows.Err()
}
