package blog_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// smallOptions seeds enough to cross several batches and exercise every
// relationship, quickly.
func smallOptions() blog.SeedOptions {
	return blog.SeedOptions{Users: 7, Categories: 3, Tags: 9, Articles: 45, MinTags: 2, MaxTags: 5, Seed: 42, BatchSize: 10}
}

// TestSeedInvariants seeds each database and checks from SQL what the
// tutorial's program guarantees: the counts, every article with an author,
// a category and between MinTags and MaxTags distinct tags, one userinfo
// per user, no orphaned foreign key and no duplicate link row.
func TestSeedInvariants(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := newRegistry(t)
		opts := smallOptions()
		var calls [][2]int
		opts.Progress = func(done, total int) { calls = append(calls, [2]int{done, total}) }
		stats, err := blog.Seed(ctx, db, reg, opts)
		if err != nil {
			t.Fatal(err)
		}
		wantCalls := [][2]int{{0, 45}, {10, 45}, {20, 45}, {30, 45}, {40, 45}, {45, 45}}
		if !slices.Equal(calls, wantCalls) {
			t.Errorf("progress calls = %v, want %v", calls, wantCalls)
		}

		counts, err := blog.Counts(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"users": 7, "userinfos": 7, "categories": 3, "tags": 9, "articles": 45}
		for table, n := range want {
			if counts[table] != n {
				t.Errorf("%s has %d rows, want %d", table, counts[table], n)
			}
		}
		if len(counts) != 6 {
			t.Errorf("Counts = %v, want the six tables", counts)
		}
		if links := counts["article_tag"]; links < 45*2 || links > 45*5 {
			t.Errorf("article_tag has %d rows, want between %d and %d", links, 45*2, 45*5)
		}
		for table, n := range counts {
			if stats.Rows[table] != n {
				t.Errorf("Stats.Rows[%s] = %d, the table has %d", table, stats.Rows[table], n)
			}
		}
		if stats.Total() != sum(counts) || stats.Elapsed <= 0 || stats.RowsPerSecond() <= 0 {
			t.Errorf("stats = %+v (total %d), want total %d and a positive time", stats, stats.Total(), sum(counts))
		}

		zero := map[string]string{
			"articles without an author":   "SELECT COUNT(*) FROM articles WHERE user_id IS NULL",
			"articles without a category":  "SELECT COUNT(*) FROM articles WHERE cate_id IS NULL",
			"articles of no user":          "SELECT COUNT(*) FROM articles a LEFT JOIN users u ON u.id = a.user_id WHERE u.id IS NULL",
			"articles of no category":      "SELECT COUNT(*) FROM articles a LEFT JOIN categories c ON c.id = a.cate_id WHERE c.id IS NULL",
			"userinfos of no user":         "SELECT COUNT(*) FROM userinfos i LEFT JOIN users u ON u.id = i.user_id WHERE u.id IS NULL",
			"link rows of no article":      "SELECT COUNT(*) FROM article_tag l LEFT JOIN articles a ON a.id = l.article_id WHERE a.id IS NULL",
			"link rows of no tag":          "SELECT COUNT(*) FROM article_tag l LEFT JOIN tags g ON g.id = l.tag_id WHERE g.id IS NULL",
			"duplicate link rows":          "SELECT COUNT(*) FROM (SELECT article_id, tag_id FROM article_tag GROUP BY article_id, tag_id HAVING COUNT(*) > 1) d",
			"users without one userinfo":   "SELECT COUNT(*) FROM (SELECT u.id FROM users u LEFT JOIN userinfos i ON i.user_id = u.id GROUP BY u.id HAVING COUNT(i.id) <> 1) d",
			"articles with too few tags":   "SELECT COUNT(*) FROM (SELECT a.id FROM articles a LEFT JOIN article_tag l ON l.article_id = a.id GROUP BY a.id HAVING COUNT(DISTINCT l.tag_id) < 2) d",
			"articles with too many tags":  "SELECT COUNT(*) FROM (SELECT article_id FROM article_tag GROUP BY article_id HAVING COUNT(DISTINCT tag_id) > 5) d",
			"empty titles or contents":     "SELECT COUNT(*) FROM articles WHERE title = '' OR content IS NULL OR content = ''",
			"userinfos with missing parts": "SELECT COUNT(*) FROM userinfos WHERE name IS NULL OR qq IS NULL OR phone IS NULL OR link IS NULL",
		}
		for what, q := range zero {
			if n := queryInt(t, db, q); n != 0 {
				t.Errorf("%d %s (%s)", n, what, q)
			}
		}
		// The tutorial's content is 10 to 20 sentences; the qq a number.
		rows, err := db.QueryContext(ctx, "SELECT qq, phone, link FROM userinfos")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var qq, phone, link string
			if err := rows.Scan(&qq, &phone, &link); err != nil {
				t.Fatal(err)
			}
			if len(qq) < 5 || len(qq) > 11 || strings.Trim(qq, "0123456789") != "" || qq[0] == '0' {
				t.Errorf("qq %q is not a 5 to 11 digit number", qq)
			}
			if len(phone) > 11 || len(link) > 64 || !strings.HasPrefix(link, "https://") {
				t.Errorf("phone %q or link %q does not fit", phone, link)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}

		// A second run on the same database appends: the schema is kept.
		opts = smallOptions()
		opts.Articles = 5
		if _, err := blog.Seed(ctx, db, reg, opts); err != nil {
			t.Fatalf("second Seed: %v", err)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM articles"); n != 50 {
			t.Errorf("after a second Seed of 5 articles: %d articles, want 50", n)
		}
	})
}

// TestSeedDeterministic: the same seed gives the same data on every
// database; another seed gives other data.
func TestSeedDeterministic(t *testing.T) {
	ctx := context.Background()
	var first []string
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		opts := smallOptions()
		if _, err := blog.Seed(ctx, db, newRegistry(t), opts); err != nil {
			t.Fatal(err)
		}
		again := testdb.Open(t, db.Dialect().Name())
		if _, err := blog.Seed(ctx, again, newRegistry(t), opts); err != nil {
			t.Fatal(err)
		}
		other := testdb.Open(t, db.Dialect().Name())
		opts.Seed = 43
		if _, err := blog.Seed(ctx, other, newRegistry(t), opts); err != nil {
			t.Fatal(err)
		}
		a, b, c := titles(t, db), titles(t, again), titles(t, other)
		if len(a) != 45 {
			t.Fatalf("%d titles, want 45", len(a))
		}
		if !slices.Equal(a, b) {
			t.Errorf("same seed, different titles:\n%q\n%q", a[:3], b[:3])
		}
		if slices.Equal(a, c) {
			t.Error("seeds 42 and 43 gave the same titles")
		}
		if l1, l2 := links(t, db), links(t, again); !slices.Equal(l1, l2) {
			t.Error("same seed, different article tags")
		}
		if first == nil {
			first = a
		} else if !slices.Equal(first, a) {
			t.Errorf("seed 42 gives other titles on %s than on the first database", db.Dialect().Name())
		}
	})
}

func TestValidate(t *testing.T) {
	ok := blog.DefaultSeedOptions()
	if err := ok.Validate(); err != nil {
		t.Fatalf("default options: %v", err)
	}
	for _, c := range []struct {
		change func(*blog.SeedOptions)
		want   string
	}{
		{func(o *blog.SeedOptions) { o.Users = -1 }, "--users (-1) is negative"},
		{func(o *blog.SeedOptions) { o.Categories = -2 }, "--categories (-2) is negative"},
		{func(o *blog.SeedOptions) { o.Tags = -3 }, "--tags (-3) is negative"},
		{func(o *blog.SeedOptions) { o.Articles = -4 }, "--articles (-4) is negative"},
		{func(o *blog.SeedOptions) { o.MinTags = -1 }, "--min-tags (-1) is negative"},
		{func(o *blog.SeedOptions) { o.BatchSize = -1 }, "--batch (-1) is negative"},
		{func(o *blog.SeedOptions) { o.MinTags, o.MaxTags = 5, 3 }, "--min-tags (5) is above --max-tags (3)"},
		{func(o *blog.SeedOptions) { o.MaxTags = 21 }, "--max-tags (21) is above --tags (20)"},
		{func(o *blog.SeedOptions) { o.Tags = 0 }, "but --tags is 0"},
		{func(o *blog.SeedOptions) { o.Users = 0 }, "--articles (100) needs authors, but --users is 0"},
		{func(o *blog.SeedOptions) { o.Categories = 0 }, "--articles (100) needs categories, but --categories is 0"},
	} {
		o := ok
		c.change(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Validate(%+v) = %v, want one line containing %q", o, err, c.want)
		}
		// Seed refuses them before touching the database.
		if _, serr := blog.Seed(context.Background(), nil, nil, o); serr == nil || serr.Error() != err.Error() {
			t.Errorf("Seed with %+v: %v, want %v", o, serr, err)
		}
	}
	for _, o := range []blog.SeedOptions{
		{},                                     // nothing at all
		{Users: 3},                             // users only
		{Users: 1, Categories: 1, Articles: 4}, // articles with no tags
		{Users: 1, Categories: 1, Tags: 2, Articles: 4, MinTags: 2, MaxTags: 2},
	} {
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", o, err)
		}
	}
}

// TestSeedClash: a users table that is not the blog's stops Seed before it
// writes anything, with an error naming the table and the difference.
func TestSeedClash(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		if _, err := db.ExecContext(ctx, "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(20), email TEXT)"); err != nil {
			t.Fatal(err)
		}
		_, err := blog.Seed(ctx, db, newRegistry(t), smallOptions())
		if !errors.Is(err, blog.ErrClash) {
			t.Fatalf("Seed = %v, want an error wrapping ErrClash", err)
		}
		msg := err.Error()
		// Its name column, nullable, is no clash: the blog does not
		// write it, and it does not stop an INSERT.
		for _, want := range []string{
			"table users exists without column username (model blog.User field Username)",
			"table users exists without column password (model blog.User field Password)",
			"table users column email accepts NULL where the schema's is NOT NULL (model blog.User field Email)",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("error is not one line: %q", msg)
		}
		if strings.Contains(msg, "column name") {
			t.Errorf("error %q reports the nullable column name, which the blog can live with", msg)
		}
		if !errors.Is(err, ddl.ErrSchemaMismatch) {
			t.Errorf("Seed = %v, want an error wrapping ddl.ErrSchemaMismatch too", err)
		}
		names, err := db.Dialect().TableNames(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, []string{"users"}) {
			t.Errorf("after the clash the database has tables %v, want only the hand-made users", names)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM users"); n != 0 {
			t.Errorf("users has %d rows after the clash, want 0", n)
		}
	})
}

// TestSeedAcceptsBlogTables: tables the blog made itself (or SQLAlchemy's
// create_all of the tutorial, which inspects the same) are no clash.
func TestSeedAcceptsBlogTables(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := newRegistry(t)
		if err := reg.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := blog.CheckSchema(ctx, db, reg); err != nil {
			t.Fatalf("CheckSchema on the blog's own tables: %v", err)
		}
	})
}

func newRegistry(t *testing.T) *mapping.Registry {
	t.Helper()
	reg, err := blog.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func queryInt(t *testing.T, db *relm.DB, q string) int64 {
	t.Helper()
	var n int64
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("%s: no row", q)
	}
	if err := rows.Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func titles(t *testing.T, db *relm.DB) []string {
	t.Helper()
	return queryStrings(t, db, "SELECT title FROM articles ORDER BY id")
}

func links(t *testing.T, db *relm.DB) [][2]int64 {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SELECT article_id, tag_id FROM article_tag ORDER BY article_id, tag_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var l [2]int64
		if err := rows.Scan(&l[0], &l[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func queryStrings(t *testing.T, db *relm.DB, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
