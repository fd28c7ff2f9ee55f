package relm_test

import (
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// Issue 31, item 2: row locking.

// lockGolden is the SELECT each locking query sends, per dialect.
var lockGolden = map[string]map[string]string{
	"ForUpdate": {
		"sqlite":   `SELECT t0."id", t0."title", t0."content", t0."user_id", t0."cate_id" FROM "articles" t0 WHERE t0."title" = ? LIMIT 2`,
		"postgres": `SELECT t0."id", t0."title", t0."content", t0."user_id", t0."cate_id" FROM "articles" t0 WHERE t0."title" = $1 LIMIT 2 FOR UPDATE`,
		"mysql":    "SELECT t0.`id`, t0.`title`, t0.`content`, t0.`user_id`, t0.`cate_id` FROM `articles` t0 WHERE t0.`title` = ? LIMIT 2 FOR UPDATE",
	},
	"ForShare": {
		"sqlite":   `SELECT t0."id", t0."title", t0."content", t0."user_id", t0."cate_id" FROM "articles" t0 WHERE t0."title" = ? LIMIT 2`,
		"postgres": `SELECT t0."id", t0."title", t0."content", t0."user_id", t0."cate_id" FROM "articles" t0 WHERE t0."title" = $1 LIMIT 2 FOR SHARE`,
		"mysql":    "SELECT t0.`id`, t0.`title`, t0.`content`, t0.`user_id`, t0.`cate_id` FROM `articles` t0 WHERE t0.`title` = ? LIMIT 2 LOCK IN SHARE MODE",
	},
	"Join SkipLocked": {
		"postgres": `SELECT t0."id", t0."title", t0."content", t0."user_id", t0."cate_id" FROM "articles" t0 JOIN "users" t1 ON t1."id" = t0."user_id" WHERE t1."username" = $1 ORDER BY t0."title" FOR UPDATE OF t0 SKIP LOCKED`,
		"mysql":    "SELECT t0.`id`, t0.`title`, t0.`content`, t0.`user_id`, t0.`cate_id` FROM `articles` t0 JOIN `users` t1 ON t1.`id` = t0.`user_id` WHERE t1.`username` = ? ORDER BY t0.`title` FOR UPDATE SKIP LOCKED",
	},
	"NoWait": {
		"postgres": `SELECT t0."id", t0."title", t0."content", t0."user_id", t0."cate_id" FROM "articles" t0 WHERE t0."title" = $1 LIMIT 2 FOR SHARE NOWAIT`,
		"mysql":    "SELECT t0.`id`, t0.`title`, t0.`content`, t0.`user_id`, t0.`cate_id` FROM `articles` t0 WHERE t0.`title` = ? LIMIT 2 LOCK IN SHARE MODE NOWAIT",
	},
}

func lockSelect(t *testing.T, log *testdb.Log) string {
	t.Helper()
	sel := selects(log)
	if len(sel) != 1 {
		t.Fatalf("%d SELECTs, want 1: %q", len(sel), log.Statements())
	}
	return sel[0]
}

// A locking query sends the dialect's clause (none on SQLite), begins the
// session's transaction, and holds its locks until Commit: another
// session's NOWAIT on the row fails meanwhile and succeeds after.
func TestQueryLockSQLAndTransaction(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		d := db.Dialect().Name()
		s := b.session(t, db)
		a, err := relm.Select[blog.Article](s).Where(relm.Eq("Title", "Indexes")).ForUpdate().One(qtCtx)
		qtMust(t, err)
		if got, want := lockSelect(t, log), lockGolden["ForUpdate"][d]; got != want {
			t.Errorf("ForUpdate SQL\n got %s\nwant %s", got, want)
		}
		if st := log.Statements(); len(st) != 2 || st[0] != "BEGIN" {
			t.Errorf("a locking query outside a transaction: %q, want BEGIN then the SELECT", st)
		}
		a.Title = "Indexes, revised"
		log.Reset()
		if d == "sqlite" {
			// No row locks: the transaction the query began holds the
			// only connection, and Commit writes and ends it.
			qtMust(t, s.Commit(qtCtx))
		} else {
			// The row is locked by s's transaction: NOWAIT from another
			// session fails, at once.
			s2 := b.session(t, db)
			_, err := relm.Select[blog.Article](s2).Where(relm.Eq("Title", "Indexes")).ForShare().NoWait().One(qtCtx)
			if err == nil {
				t.Fatal("NOWAIT on a row locked FOR UPDATE by another transaction succeeded")
			}
			if got, want := selects(log)[0], lockGolden["NoWait"][d]; got != want {
				t.Errorf("NoWait SQL\n got %s\nwant %s", got, want)
			}
			// The failed query rolled back the transaction it began: s2
			// runs statements again (PostgreSQL would refuse them in an
			// aborted transaction).
			if _, err := relm.Select[blog.Article](s2).Count(qtCtx); err != nil {
				t.Fatalf("after a failed NOWAIT: %v", err)
			}
			// So does Iter's.
			var iterErr error
			for _, err := range relm.Select[blog.Article](s2).Where(relm.Eq("Title", "Indexes")).ForShare().NoWait().Iter(qtCtx) {
				if err != nil {
					iterErr = err
					break
				}
			}
			if iterErr == nil {
				t.Fatal("Iter with NOWAIT on a row locked FOR UPDATE by another transaction succeeded")
			}
			if _, err := relm.Select[blog.Article](s2).Count(qtCtx); err != nil {
				t.Fatalf("after a failed NOWAIT in Iter: %v", err)
			}
			qtMust(t, s.Commit(qtCtx)) // writes the title, releases the lock
			log.Reset()
			got, err := relm.Select[blog.Article](s2).Where(relm.Eq("Title", "Indexes, revised")).ForShare().NoWait().One(qtCtx)
			qtMust(t, err)
			if got.ID != a.ID {
				t.Errorf("after Commit: got article %d, want %d", got.ID, a.ID)
			}
			qtMust(t, s2.Commit(qtCtx))
		}
		// ForShare's spelling.
		s3 := b.session(t, db)
		log.Reset()
		_, err = relm.Select[blog.Article](s3).Where(relm.Eq("Title", "Channels")).ForShare().One(qtCtx)
		qtMust(t, err)
		want := lockGolden["ForShare"][d]
		if got := lockSelect(t, log); got != want {
			t.Errorf("ForShare SQL\n got %s\nwant %s", got, want)
		}
		qtMust(t, s3.Rollback(qtCtx))
		n, err := relm.Select[blog.Article](b.session(t, db)).Where(relm.Eq("Title", "Indexes, revised")).Count(qtCtx)
		qtMust(t, err)
		if n != 1 {
			t.Errorf("the change made under the lock: %d rows, want 1", n)
		}
	})
}

// Two workers take jobs from the same rows: SKIP LOCKED leaves out the rows
// the other's transaction holds, so each gets distinct ones.
func TestQuerySkipLockedSkipsLockedRows(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"postgres", "mysql"} {
		t.Run(name, func(t *testing.T) {
			log := &testdb.Log{}
			db := testdb.Open(t, name, log.Option())
			b := qtSeed(t, db, log)
			bob := b.ids["user:bob"]
			jobs := func(s *relm.Session) *relm.Query[blog.Article] {
				return relm.Select[blog.Article](s).Where(relm.Eq("UserID", bob)).OrderBy("Title").ForUpdate().SkipLocked()
			}
			w1, w2 := b.session(t, db), b.session(t, db)
			// Worker 1 locks one job by its key: with ORDER BY … LIMIT, InnoDB
			// locks every row the statement reads, and which it reads
			// depends on the plan (on the Galera cluster, both of bob's).
			first, err := jobs(w1).Where(relm.Eq("ID", b.ids["article:Channels"])).All(qtCtx)
			qtMust(t, err)
			qtEqual(t, "worker 1", titles(first), []string{"Channels"})
			rest, err := jobs(w2).All(qtCtx)
			qtMust(t, err)
			qtEqual(t, "worker 2, Channels locked by worker 1", titles(rest), []string{"Indexes"})
			qtMust(t, w2.Rollback(qtCtx))
			// Through a join: PostgreSQL locks the articles only (OF t0);
			// MySQL and MariaDB lock bob's users row too, which worker 1
			// did not lock, so the rows are those above.
			log.Reset()
			rest, err = relm.Select[blog.Article](w2).Join("Author").Where(relm.Eq("Author.Username", "bob")).
				OrderBy("Title").ForUpdate().SkipLocked().All(qtCtx)
			qtMust(t, err)
			qtEqual(t, "worker 2 through a join", titles(rest), []string{"Indexes"})
			if got, want := lockSelect(t, log), lockGolden["Join SkipLocked"][name]; got != want {
				t.Errorf("SkipLocked SQL\n got %s\nwant %s", got, want)
			}
			// Worker 2 now holds bob's users row on MySQL: a third worker's
			// join skips every row there, on PostgreSQL only Channels and
			// Indexes, both locked.
			w4 := b.session(t, db)
			none, err := relm.Select[blog.Article](w4).Join("Author").Where(relm.Eq("Author.Username", "bob")).
				OrderBy("Title").ForUpdate().SkipLocked().All(qtCtx)
			qtMust(t, err)
			qtEqual(t, "worker 4, everything locked", titles(none), nil)
			qtMust(t, w4.Rollback(qtCtx))
			qtMust(t, w1.Commit(qtCtx))
			qtMust(t, w2.Rollback(qtCtx))
			// Locks released: a third worker gets both.
			w3 := b.session(t, db)
			all, err := relm.Select[blog.Article](w3).Join("Author").Where(relm.Eq("Author.Username", "bob")).
				OrderBy("Title").ForUpdate().SkipLocked().All(qtCtx)
			qtMust(t, err)
			qtEqual(t, "worker 3, after both ended", titles(all), []string{"Channels", "Indexes"})
			qtMust(t, w3.Commit(qtCtx))
		})
	}
}

// What a locking query cannot do is an error before any SQL.
func TestQueryLockBadInput(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		sel := func() *relm.Query[blog.Article] { return relm.Select[blog.Article](s) }
		check := func(err error, fragments ...string) {
			t.Helper()
			expectBadQuery(t, err, fragments...)
			if n := len(log.Statements()); n != 0 {
				t.Errorf("%d statements sent: %q", n, log.Statements())
			}
			log.Reset()
		}
		_, err := sel().SkipLocked().All(qtCtx)
		check(err, "SkipLocked without ForUpdate or ForShare")
		_, err = sel().ForUpdate().ForShare().All(qtCtx)
		check(err, "ForUpdate and ForShare on the same query")
		_, err = sel().ForUpdate().SkipLocked().NoWait().All(qtCtx)
		check(err, "SkipLocked and NoWait on the same query")
		_, err = sel().ForUpdate().Count(qtCtx)
		check(err, "ForUpdate with Count on Article")
		_, err = sel().Joined("Author").ForUpdate().All(qtCtx)
		check(err, `ForUpdate with Joined("Author")`, "SelectIn")
		_, err = sel().Where(relm.Eq("Titel", "x")).ForUpdate().All(qtCtx)
		check(err, "Title")
		if db.Dialect().Name() == "sqlite" {
			_, err = sel().ForUpdate().SkipLocked().All(qtCtx)
			check(err, "SkipLocked on Article", "the sqlite dialect has no row locks")
			_, err = sel().ForShare().NoWait().First(qtCtx)
			check(err, "NoWait on Article", "sqlite")
		}
	})
}
