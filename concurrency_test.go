package relm_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// TestConcurrentSessions runs 32 goroutines on one DB, each with its own
// session (and one registry shared by all), writing users with articles and tags (inserts, link rows, then
// updates) and reading them back, all at once; then it checks through plain
// SQL that every row arrived exactly once with the right foreign keys. Run
// it with -race.
func TestConcurrentSessions(t *testing.T) {
	const (
		workers  = 32
		rounds   = 3
		articles = 3
		tags     = 2
	)
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg, err := blog.NewRegistry()
		relMust(t, err)
		relMust(t, reg.CreateAll(ctx, db))

		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- concurrentWorker(ctx, db, reg, w, rounds, articles, tags)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if t.Failed() {
			return
		}

		// Every row exactly once, through SQL that bypasses relm.
		d := db.Dialect()
		q := d.Quote
		count := func(query string, args ...any) int {
			t.Helper()
			var n int
			relMust(t, db.SQL().QueryRowContext(ctx, query, args...).Scan(&n))
			return n
		}
		users := workers * rounds
		if n := count("SELECT COUNT(*) FROM " + q("users")); n != users {
			t.Errorf("%d users, want %d", n, users)
		}
		if n := count("SELECT COUNT(DISTINCT " + q("username") + ") FROM " + q("users")); n != users {
			t.Errorf("%d distinct usernames, want %d", n, users)
		}
		if n := count("SELECT COUNT(*) FROM " + q("articles")); n != users*articles {
			t.Errorf("%d articles, want %d", n, users*articles)
		}
		if n := count("SELECT COUNT(*) FROM " + q("tags")); n != users*tags {
			t.Errorf("%d tags, want %d", n, users*tags)
		}
		if n := count("SELECT COUNT(*) FROM " + q("article_tag")); n != users*articles*tags {
			t.Errorf("%d links, want %d", n, users*articles*tags)
		}
		if n := count("SELECT COUNT(*) FROM (SELECT " + q("article_id") + ", " + q("tag_id") + " FROM " + q("article_tag") +
			" GROUP BY " + q("article_id") + ", " + q("tag_id") + " HAVING COUNT(*) > 1) d"); n != 0 {
			t.Errorf("%d links are duplicated", n)
		}
		// Each article belongs to the user its title names, was updated by
		// the later round, and links only to tags of the same user.
		mismatched := count("SELECT COUNT(*) FROM " + q("articles") + " a JOIN " + q("users") + " u ON u." + q("id") + " = a." + q("user_id") +
			" WHERE a." + q("title") + " NOT LIKE " + concat(d, "u."+q("username"), "'/%'"))
		if mismatched != 0 {
			t.Errorf("%d articles point at the wrong user", mismatched)
		}
		if n := count("SELECT COUNT(*) FROM "+q("articles")+" WHERE "+q("content")+" = "+dialect.Placeholder(d, 1), "edited"); n != users*articles {
			t.Errorf("%d articles carry the update, want %d", n, users*articles)
		}
		crossed := count("SELECT COUNT(*) FROM " + q("article_tag") + " l JOIN " + q("articles") + " a ON a." + q("id") + " = l." + q("article_id") +
			" JOIN " + q("tags") + " g ON g." + q("id") + " = l." + q("tag_id") +
			" JOIN " + q("users") + " u ON u." + q("id") + " = a." + q("user_id") +
			" WHERE g." + q("name") + " NOT LIKE " + concat(d, "u."+q("username"), "'/%'"))
		if crossed != 0 {
			t.Errorf("%d links join an article to another user's tag", crossed)
		}
	})
}

// concat spells string concatenation in the dialect.
func concat(d dialect.Dialect, a, b string) string {
	if d.Name() == "mysql" {
		return "CONCAT(" + a + ", " + b + ")"
	}
	return a + " || " + b
}

// concurrentWorker writes, through the shared registry, rounds users, each with articles sharing tags,
// through one session, then edits every article in a second commit and
// reads its own rows back.
func concurrentWorker(ctx context.Context, db *relm.DB, reg *mapping.Registry, w, rounds, articles, tags int) error {
	s := relm.NewSession(db, reg)
	defer s.Close()
	var mine []*blog.Article
	for r := range rounds {
		name := fmt.Sprintf("w%02d-r%d", w, r)
		u := &blog.User{Username: name, Password: "x", Email: name + "@example.com"}
		var ts []*blog.Tag
		for i := range tags {
			ts = append(ts, &blog.Tag{Name: fmt.Sprintf("%s/tag%d", name, i)})
		}
		for i := range articles {
			a := &blog.Article{Title: fmt.Sprintf("%s/article%d", name, i), Author: u, Tags: ts}
			u.Articles = append(u.Articles, a)
			mine = append(mine, a)
		}
		if err := s.Add(u); err != nil {
			return err
		}
		if err := s.Commit(ctx); err != nil {
			return fmt.Errorf("worker %d round %d: insert: %w", w, r, err)
		}
	}
	edited := "edited"
	for _, a := range mine {
		a.Content = &edited
	}
	if err := s.Commit(ctx); err != nil {
		return fmt.Errorf("worker %d: update: %w", w, err)
	}
	// Read back in a fresh session: the worker's users, articles and tags.
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	users, err := relm.Select[blog.User](s2).Where(relm.Like("Username", fmt.Sprintf("w%02d-%%", w))).
		SelectIn("Articles", "Articles.Tags").All(ctx)
	if err != nil {
		return fmt.Errorf("worker %d: read back: %w", w, err)
	}
	if len(users) != rounds {
		return fmt.Errorf("worker %d: read back %d users, want %d", w, len(users), rounds)
	}
	for _, u := range users {
		if len(u.Articles) != articles {
			return fmt.Errorf("worker %d: %s has %d articles, want %d", w, u.Username, len(u.Articles), articles)
		}
		for _, a := range u.Articles {
			if len(a.Tags) != tags || a.Content == nil || *a.Content != edited {
				return fmt.Errorf("worker %d: article %q read back with %d tags, content %v", w, a.Title, len(a.Tags), a.Content)
			}
		}
	}
	return nil
}

// TestSessionSharedByTwoGoroutines uses one session from two goroutines at
// once, against its documentation: every call either works or returns
// ErrConcurrentUse having changed nothing — never a crash, a race (under
// -race) or a row written twice or lost. Each goroutine adds users and
// commits, retrying a call refused for concurrent use; at the end every
// user added is in the database exactly once.
func TestSessionSharedByTwoGoroutines(t *testing.T) {
	const perWorker = 50
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg, err := blog.NewRegistry()
		relMust(t, err)
		relMust(t, reg.CreateAll(ctx, db))
		s := relm.NewSession(db, reg)
		defer s.Close()
		var refused sync.Map // operation name → count, to see both kinds of call collide
		retry := func(op string, f func() error) error {
			for {
				err := f()
				if !errors.Is(err, relm.ErrConcurrentUse) {
					return err
				}
				n, _ := refused.LoadOrStore(op, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				runtime.Gosched()
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					u := &blog.User{Username: fmt.Sprintf("w%d-%d", w, i), Password: "p", Email: "e"}
					if err := retry("Add", func() error { return s.Add(u) }); err != nil {
						errs <- err
						return
					}
					if err := retry("Commit", func() error { return s.Commit(ctx) }); err != nil {
						errs <- err
						return
					}
					_ = s.Len() + boolInt(s.Contains(u)) // waits rather than fails
					if _, err := relm.Select[blog.User](s).Where(relm.Eq("Username", u.Username)).All(ctx); err != nil && !errors.Is(err, relm.ErrConcurrentUse) {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			relMust(t, err)
		}
		relMust(t, s.Commit(ctx))
		var n, distinct int
		relMust(t, db.SQL().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT username) FROM users").Scan(&n, &distinct))
		if n != 2*perWorker || distinct != 2*perWorker {
			t.Fatalf("%d users (%d distinct) in the database, want %d", n, distinct, 2*perWorker)
		}
		refused.Range(func(k, v any) bool {
			t.Logf("%s refused %d times for concurrent use", k, v.(*atomic.Int64).Load())
			return true
		})
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A session refuses a second goroutine's call while an operation runs,
// deterministically: the program's Iter loop body runs outside the
// session's hold, so a call from another goroutine made while the first
// holds it (here inside a commit, through a statement that waits) is
// refused with ErrConcurrentUse.
func TestSessionConcurrentUseRefused(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg, err := blog.NewRegistry()
		relMust(t, err)
		relMust(t, reg.CreateAll(ctx, db))
		s := relm.NewSession(db, reg)
		defer s.Close()
		relMust(t, s.Add(&blog.User{Username: "a"}))
		// The commit is held inside its first statement's log record
		// until the calls below have been made.
		started := make(chan struct{})
		release := make(chan struct{})
		blocking := relm.NewSession(relm.New(db.SQL(), db.Dialect(), relm.WithLogger(slog.New(&blockHandler{started: started, release: release}))), reg)
		relMust(t, blocking.Add(&blog.User{Username: "b"}))
		done := make(chan error, 1)
		go func() { done <- blocking.Commit(ctx) }()
		<-started
		for _, call := range []func() error{
			func() error { return blocking.Add(&blog.User{Username: "c"}) },
			func() error { return blocking.Commit(ctx) },
			func() error { _, err := relm.Get[blog.User](ctx, blocking, 1); return err },
			func() error { _, err := relm.Select[blog.User](blocking).All(ctx); return err },
			func() error { return blocking.Rollback(ctx) },
			func() error { return blocking.Close() },
		} {
			if err := call(); !errors.Is(err, relm.ErrConcurrentUse) {
				t.Errorf("a call during another goroutine's commit returned %v, want ErrConcurrentUse", err)
			}
		}
		close(release)
		relMust(t, <-done)
		relMust(t, s.Commit(ctx))
		var n int
		relMust(t, db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n))
		if n != 2 {
			t.Fatalf("%d users, want 2 (a and b; c was refused)", n)
		}
	})
}

// blockHandler is a slog handler whose first record signals started and
// waits for release: it holds a session's operation mid-statement.
type blockHandler struct {
	once             sync.Once
	started, release chan struct{}
}

func (h *blockHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *blockHandler) Handle(context.Context, slog.Record) error {
	h.once.Do(func() {
		close(h.started)
		<-h.release
	})
	return nil
}
func (h *blockHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *blockHandler) WithGroup(string) slog.Handler      { return h }
