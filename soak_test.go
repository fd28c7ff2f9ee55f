package relm_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// soakCounter is a row every worker's updates increment, so that some
// transactions conflict on every database; the sum of the counters is
// the number of updates committed, each counted once.
type soakCounter struct {
	ID int `relm:"pk"`
	N  int
}

func (soakCounter) TableName() string { return "soak_counters" }

const (
	soakWorkers     = 32
	soakSharedTags  = 8
	soakCounters    = 16 // two workers to a counter
	soakRenewEvery  = 20 // inserts before a worker's long-lived session is replaced
	soakMaxAttempts = 20
)

// TestSoak runs, on each database, 32 goroutines for RELM_SOAK_DURATION
// (default 5m), each with its own sessions, doing inserts, updates and
// deletes of users with articles and tags (many-to-many through
// article_tag, partly shared between workers), and records what each
// committed. Then it checks through plain SQL that every committed row is
// in the database exactly once and every deleted one is gone, that no
// connection is left checked out, and that the heap is back within 10 % of
// what it was after the warm-up. Skipped unless RELM_SOAK=1:
//
//	RELM_SOAK=1 RELM_SOAK_DURATION=30s go test -run '^TestSoak$' -v -timeout 30m .
//
// Inserts go through a worker's long-lived session, and a commit the
// database aborts for a conflict (relm.IsConflict: a deadlock, a
// serialization failure, SQLITE_BUSY) is committed again from the same
// session, which the rollback left with the same pending changes. Updates
// and deletes go through db.Retry. Either way a unit of work is recorded
// only once it committed, never once per attempt. One that still
// conflicted after soakMaxAttempts attempts (errors.Is
// relm.ErrRetriesExhausted, or the session's commit) was rolled back: it is
// not recorded, and the verification finds none of its rows.
func TestSoak(t *testing.T) {
	if os.Getenv("RELM_SOAK") != "1" {
		t.Skip("the soak test runs with RELM_SOAK=1 (and RELM_SOAK_DURATION, default 5m)")
	}
	duration := 5 * time.Minute
	if v := os.Getenv("RELM_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("RELM_SOAK_DURATION=%q: %v", v, err)
		}
		duration = d
	}
	warmup := min(max(duration/10, 2*time.Second), 30*time.Second)
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := mapping.NewRegistry()
		relMust(t, reg.Register(&blog.User{}, &blog.UserInfo{}, &blog.Article{}, &blog.Category{}, &blog.Tag{}, &soakCounter{}))
		relMust(t, reg.AddTable(blog.ArticleTag()))
		relMust(t, reg.Configure())
		relMust(t, reg.CreateAll(ctx, db))

		// The rows every worker shares: tags its articles link to, and
		// the counters its updates increment.
		shared := &soakShared{}
		{
			s := relm.NewSession(db, reg)
			for i := range soakSharedTags {
				tag := &blog.Tag{Name: fmt.Sprintf("shared/%d", i)}
				relMust(t, s.Add(tag))
				shared.tags = append(shared.tags, tag)
			}
			for range soakCounters {
				c := &soakCounter{}
				relMust(t, s.Add(c))
				shared.counters = append(shared.counters, c)
			}
			relMust(t, s.Commit(ctx))
			relMust(t, s.Close())
			for _, tag := range shared.tags {
				shared.tagIDs = append(shared.tagIDs, tag.ID)
			}
			for _, c := range shared.counters {
				shared.counterIDs = append(shared.counterIDs, c.ID)
			}
			shared.tags, shared.counters = nil, nil
		}

		newWorkers := func() []*soakWorker {
			ws := make([]*soakWorker, soakWorkers)
			for w := range ws {
				ws[w] = newSoakWorker(w, db, reg, shared)
			}
			return ws
		}
		run := func(workers []*soakWorker, phase string, d time.Duration) {
			t.Helper()
			end := time.Now().Add(d)
			var wg sync.WaitGroup
			for _, w := range workers {
				wg.Go(func() { w.run(ctx, phase, end) })
			}
			wg.Wait()
			for _, w := range workers {
				w.close()
				if w.err != nil {
					t.Errorf("%s: worker %d: %v", phase, w.id, w.err)
				}
			}
		}
		// Warm-up: the pool's connections, the registry's and the
		// drivers' caches. Its rows are checked like the soak's, then
		// removed, so that the heap measured next holds no ledger of the
		// test's and the soak starts from empty tables.
		warm := newWorkers()
		run(warm, "warm", warmup)
		if t.Failed() {
			return
		}
		soakVerify(t, db, warm, shared)
		if t.Failed() {
			return
		}
		warm = nil
		for _, stmt := range []string{
			"DELETE FROM article_tag", "DELETE FROM articles", "DELETE FROM users",
			"DELETE FROM tags WHERE name NOT LIKE 'shared/%'", "UPDATE soak_counters SET n = 0",
		} {
			_, err := db.SQL().ExecContext(ctx, stmt)
			relMust(t, err)
		}
		workers := newWorkers()
		heapStart := soakHeap()
		run(workers, "soak", duration)
		if t.Failed() {
			return
		}
		if st := db.SQL().Stats(); st.InUse != 0 {
			t.Errorf("%d connections still checked out after every session closed (%+v)", st.InUse, st)
		}

		// Every committed row exactly once, every deleted one gone.
		var total soakTotals
		for _, w := range workers {
			total.add(w)
		}
		soakVerify(t, db, workers, shared)
		for _, op := range []string{"insert", "update", "delete article", "delete user", "read"} {
			if total.ops[op] == 0 {
				t.Errorf("no %s committed: the soak tested nothing of it", op)
			}
		}
		t.Logf("%s: %s in %v after a %v warm-up", db.Dialect().Name(), &total, duration, warmup)
		if st := db.SQL().Stats(); st.InUse != 0 {
			t.Errorf("%d connections checked out after the verification", st.InUse)
		}

		// The test's own ledger is no part of relm's heap: drop it first,
		// as it was empty when the heap was first measured.
		workers = nil
		heapEnd := soakHeap()
		growth := float64(heapEnd)/float64(heapStart) - 1
		t.Logf("%s: heap after warm-up %d B, at the end %d B (%+.1f %%)", db.Dialect().Name(), heapStart, heapEnd, 100*growth)
		if growth > 0.10 {
			t.Errorf("the heap grew %.1f %% (from %d to %d bytes), more than 10 %%", 100*growth, heapStart, heapEnd)
		}
	})
}

// soakHeap returns HeapAlloc after a full collection.
func soakHeap() uint64 {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

type soakShared struct {
	tags       []*blog.Tag
	counters   []*soakCounter
	tagIDs     []int
	counterIDs []int
}

// What a worker committed: its live users, their articles and each
// article's tags by name; the names of what it deleted.
type soakUser struct {
	id       int
	name     string
	articles map[int]*soakArticle
}

type soakArticle struct {
	id      int
	title   string
	content string
	tags    map[string]bool
}

type soakWorker struct {
	id     int
	db     *relm.DB
	reg    *mapping.Registry
	shared *soakShared
	rng    *rand.Rand

	s        *relm.Session // the long-lived session inserts go through
	tagsIn   map[int]*blog.Tag
	inserted int // inserts through s

	seq             int
	users           map[int]*soakUser
	deletedUsers    []string
	deletedArticles []string
	ownTags         []string
	updates         int // committed, each incremented a counter once

	ops        map[string]int
	gaveUp     map[string]int // units of work still conflicting after soakMaxAttempts, rolled back
	attempts   int            // attempts of Retry's functions beyond the first
	recommits  int            // commits of the long-lived session run again after a conflict
	lost       bool           // the current unit of work gave up
	rolledBack []string       // names of the users and articles of inserts that gave up
	err        error
}

func newSoakWorker(id int, db *relm.DB, reg *mapping.Registry, shared *soakShared) *soakWorker {
	return &soakWorker{
		id: id, db: db, reg: reg, shared: shared,
		rng:    rand.New(rand.NewPCG(uint64(id), 27)),
		users:  map[int]*soakUser{},
		ops:    map[string]int{},
		gaveUp: map[string]int{},
	}
}

func (w *soakWorker) run(ctx context.Context, phase string, end time.Time) {
	for w.err == nil && time.Now().Before(end) {
		var op string
		var err error
		w.lost = false
		switch r := w.rng.IntN(100); {
		case r < 35 || len(w.users) < 3:
			op, err = "insert", w.insert(ctx, phase)
		case r < 65:
			op, err = "update", w.update(ctx)
		case r < 80:
			op, err = "delete article", w.deleteArticle(ctx)
		case r < 90:
			op, err = "delete user", w.deleteUser(ctx)
		default:
			op, err = "read", w.read(ctx)
		}
		if err != nil {
			w.err = fmt.Errorf("%s: %w", op, err)
			return
		}
		if w.lost {
			w.gaveUp[op]++
			continue
		}
		w.ops[op]++
	}
}

func (w *soakWorker) renew() {
	if w.s != nil {
		w.s.Close()
	}
	w.s, w.tagsIn, w.inserted = nil, nil, 0
}

func (w *soakWorker) close() { w.renew() }

// commit commits the long-lived session, again after a conflict, as
// db.Retry would: the failed commit rolled back and kept the changes. After
// soakMaxAttempts conflicts it rolls back, discarding them, and sets w.lost.
func (w *soakWorker) commit(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		err := w.s.Commit(ctx)
		if err == nil {
			return nil
		}
		if relm.IsConflict(err) && attempt == soakMaxAttempts {
			w.lost = true
			if err := w.s.Rollback(ctx); err != nil {
				return fmt.Errorf("rollback after %d conflicting commits: %w", attempt, err)
			}
			w.renew()
			return nil
		}
		if !relm.IsConflict(err) {
			return fmt.Errorf("commit (attempt %d): %w", attempt, err)
		}
		w.recommits++
		time.Sleep(time.Duration(1+w.rng.IntN(attempt*2)) * time.Millisecond)
	}
}

// retry runs fn through db.Retry and counts the attempts beyond the first;
// when every attempt conflicted it sets w.lost and returns nil.
func (w *soakWorker) retry(ctx context.Context, fn func(ctx context.Context, s *relm.Session) error) error {
	n := 0
	err := w.db.Retry(ctx, w.reg, soakMaxAttempts, func(ctx context.Context, s *relm.Session) error {
		n++
		return fn(ctx, s)
	})
	w.attempts += n - 1
	if errors.Is(err, relm.ErrRetriesExhausted) {
		w.lost = true
		return nil
	}
	return err
}

// insert adds a user with one to three articles, each linked to one to
// three tags: shared ones and new tags of the worker's own.
func (w *soakWorker) insert(ctx context.Context, phase string) error {
	if w.s == nil || w.inserted >= soakRenewEvery {
		w.renew()
		w.s = relm.NewSession(w.db, w.reg)
		w.tagsIn = map[int]*blog.Tag{}
	}
	w.inserted++
	w.seq++
	name := fmt.Sprintf("%s/w%02d/u%d", phase, w.id, w.seq)
	u := &blog.User{Username: name, Password: "p", Email: name + "@example.com"}
	var newTags []string
	for i := range 1 + w.rng.IntN(3) {
		content := "v0"
		a := &blog.Article{Title: fmt.Sprintf("%s/a%d", name, i), Content: &content, Author: u}
		for j := range 1 + w.rng.IntN(3) {
			if w.rng.IntN(2) == 0 {
				tn := fmt.Sprintf("%s/a%d/t%d", name, i, j)
				a.Tags = append(a.Tags, &blog.Tag{Name: tn})
				newTags = append(newTags, tn)
				continue
			}
			tag, err := w.sharedTag(ctx, w.rng.IntN(soakSharedTags))
			if err != nil {
				return err
			}
			if !slices.Contains(a.Tags, tag) {
				a.Tags = append(a.Tags, tag)
			}
		}
		u.Articles = append(u.Articles, a)
	}
	if err := w.s.Add(u); err != nil {
		return err
	}
	if err := w.commit(ctx); err != nil || w.lost {
		if w.lost { // rolled back: none of it may be in the database
			w.rolledBack = append(w.rolledBack, name)
			for _, a := range u.Articles {
				w.rolledBack = append(w.rolledBack, a.Title)
			}
		}
		return err
	}
	su := &soakUser{id: u.ID, name: name, articles: map[int]*soakArticle{}}
	for _, a := range u.Articles {
		if a.ID == 0 {
			return fmt.Errorf("article %q has no key after its commit", a.Title)
		}
		su.articles[a.ID] = &soakArticle{id: a.ID, title: a.Title, content: *a.Content, tags: soakTagNames(a.Tags)}
	}
	w.users[u.ID] = su
	w.ownTags = append(w.ownTags, newTags...)
	return nil
}

// sharedTag returns shared tag i in the long-lived session.
func (w *soakWorker) sharedTag(ctx context.Context, i int) (*blog.Tag, error) {
	if tag := w.tagsIn[i]; tag != nil {
		return tag, nil
	}
	for attempt := 1; ; attempt++ {
		tag, err := relm.Get[blog.Tag](ctx, w.s, w.shared.tagIDs[i])
		if err == nil && tag == nil {
			err = errors.New("shared tag is missing")
		}
		if err == nil {
			w.tagsIn[i] = tag
			return tag, nil
		}
		if !relm.IsConflict(err) || attempt == soakMaxAttempts {
			return nil, fmt.Errorf("get shared tag %d: %w", i, err)
		}
		time.Sleep(time.Duration(1+w.rng.IntN(attempt*2)) * time.Millisecond)
	}
}

func soakTagNames(tags []*blog.Tag) map[string]bool {
	m := make(map[string]bool, len(tags))
	for _, tag := range tags {
		m[tag.Name] = true
	}
	return m
}

// pickUser returns one of the worker's live users, nil if it has none.
func (w *soakWorker) pickUser() *soakUser {
	if len(w.users) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(w.users))
	return w.users[ids[w.rng.IntN(len(ids))]]
}

// loadUser reads a user of the worker's with its articles and their tags.
func loadUser(ctx context.Context, s *relm.Session, id int) (*blog.User, error) {
	u, err := relm.Select[blog.User](s).Where(relm.Eq("ID", id)).SelectIn("Articles", "Articles.Tags").One(ctx)
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return u, nil
}

// update changes an article's content and tags (one dropped, a shared one
// added) or adds an article to a user, and increments a shared counter,
// in one transaction through db.Retry.
func (w *soakWorker) update(ctx context.Context) error {
	su := w.pickUser()
	if su == nil {
		return nil
	}
	w.seq++
	seq, counter := w.seq, w.shared.counterIDs[w.rng.IntN(soakCounters)]
	choice, tagPick := w.rng.IntN(3), w.rng.IntN(soakSharedTags)
	var changed *blog.Article
	err := w.retry(ctx, func(ctx context.Context, s *relm.Session) error {
		changed = nil
		u, err := loadUser(ctx, s, su.id)
		if err != nil {
			return err
		}
		tag, err := relm.Get[blog.Tag](ctx, s, w.shared.tagIDs[tagPick])
		if err != nil {
			return err
		}
		if choice == 0 || len(u.Articles) == 0 {
			content := "v0"
			a := &blog.Article{Title: fmt.Sprintf("%s/a+%d", su.name, seq), Content: &content, Author: u, Tags: []*blog.Tag{tag}}
			u.Articles = append(u.Articles, a)
			changed = a
		} else {
			slices.SortFunc(u.Articles, func(a, b *blog.Article) int { return a.ID - b.ID })
			a := u.Articles[seq%len(u.Articles)]
			content := fmt.Sprintf("v%d", seq)
			a.Content = &content
			tags := slices.Clone(a.Tags)
			if len(tags) > 0 {
				tags = tags[1:]
			}
			if !slices.Contains(tags, tag) {
				tags = append(tags, tag)
			}
			a.Tags = tags
			changed = a
		}
		c, err := relm.Get[soakCounter](ctx, s, counter)
		if err != nil {
			return err
		}
		c.N++
		return nil
	})
	if err != nil || w.lost {
		return err
	}
	su.articles[changed.ID] = &soakArticle{id: changed.ID, title: changed.Title, content: *changed.Content, tags: soakTagNames(changed.Tags)}
	w.updates++
	return nil
}

// deleteArticle deletes one article of a user (its link rows with it).
func (w *soakWorker) deleteArticle(ctx context.Context) error {
	su := w.pickUser()
	if su == nil || len(su.articles) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(su.articles))
	sa := su.articles[ids[w.rng.IntN(len(ids))]]
	err := w.retry(ctx, func(ctx context.Context, s *relm.Session) error {
		a, err := relm.Get[blog.Article](ctx, s, sa.id)
		if err != nil {
			return err
		}
		if a == nil {
			return fmt.Errorf("article %q (%d), committed, is not in the database", sa.title, sa.id)
		}
		return s.Delete(a)
	})
	if err != nil || w.lost {
		return err
	}
	delete(su.articles, sa.id)
	w.deletedArticles = append(w.deletedArticles, sa.title)
	return nil
}

// deleteUser deletes a user and all its articles.
func (w *soakWorker) deleteUser(ctx context.Context) error {
	su := w.pickUser()
	if su == nil {
		return nil
	}
	err := w.retry(ctx, func(ctx context.Context, s *relm.Session) error {
		u, err := loadUser(ctx, s, su.id)
		if err != nil {
			return err
		}
		for _, a := range u.Articles {
			if err := s.Delete(a); err != nil {
				return err
			}
		}
		return s.Delete(u)
	})
	if err != nil || w.lost {
		return err
	}
	delete(w.users, su.id)
	w.deletedUsers = append(w.deletedUsers, su.name)
	for _, a := range su.articles {
		w.deletedArticles = append(w.deletedArticles, a.title)
	}
	return nil
}

// read loads one of the worker's users in a fresh session and compares it
// with what the worker committed (nobody else writes its rows).
func (w *soakWorker) read(ctx context.Context) error {
	su := w.pickUser()
	if su == nil {
		return nil
	}
	s := relm.NewSession(w.db, w.reg)
	defer s.Close()
	var u *blog.User
	var err error
	for attempt := 1; ; attempt++ {
		if u, err = loadUser(ctx, s, su.id); err == nil || !relm.IsConflict(err) || attempt == soakMaxAttempts {
			break
		}
		time.Sleep(time.Duration(1+w.rng.IntN(attempt*2)) * time.Millisecond)
	}
	if err != nil {
		return err
	}
	got := map[string]string{}
	for _, a := range u.Articles {
		got[a.Title] = soakArticleString(*a.Content, soakTagNames(a.Tags))
	}
	want := map[string]string{}
	for _, a := range su.articles {
		want[a.title] = soakArticleString(a.content, a.tags)
	}
	if !maps.Equal(got, want) {
		return fmt.Errorf("user %s read back as %v, committed %v", su.name, got, want)
	}
	return nil
}

func soakArticleString(content string, tags map[string]bool) string {
	return content + " " + strings.Join(slices.Sorted(maps.Keys(tags)), ",")
}

type soakTotals struct {
	ops, gaveUp                    map[string]int
	attempts, recommits, liveUsers int
}

func (t *soakTotals) add(w *soakWorker) {
	if t.ops == nil {
		t.ops, t.gaveUp = map[string]int{}, map[string]int{}
	}
	for k, v := range w.ops {
		t.ops[k] += v
	}
	for k, v := range w.gaveUp {
		t.gaveUp[k] += v
	}
	t.attempts += w.attempts
	t.recommits += w.recommits
	t.liveUsers += len(w.users)
}

func (t *soakTotals) String() string {
	var parts []string
	sum := 0
	for _, k := range slices.Sorted(maps.Keys(t.ops)) {
		parts = append(parts, fmt.Sprintf("%d %s", t.ops[k], k))
		sum += t.ops[k]
	}
	var lost []string
	for _, k := range slices.Sorted(maps.Keys(t.gaveUp)) {
		lost = append(lost, fmt.Sprintf("%d %s", t.gaveUp[k], k))
	}
	return fmt.Sprintf("%d operations committed (%s); %d Retry attempts run again, %d commits run again after a conflict; gave up after %d conflicting attempts and rolled back: [%s]; %d users alive",
		sum, strings.Join(parts, ", "), t.attempts, t.recommits, soakMaxAttempts, strings.Join(lost, ", "), t.liveUsers)
}

// soakVerify compares the database, read through plain SQL, with what the
// workers recorded.
func soakVerify(t *testing.T, db *relm.DB, workers []*soakWorker, shared *soakShared) {
	t.Helper()
	ctx := context.Background()
	var wantUsers, wantArticles, wantLinks, wantTags, gone []string
	updates := 0
	for i := range soakSharedTags {
		wantTags = append(wantTags, fmt.Sprintf("shared/%d", i))
	}
	for _, w := range workers {
		updates += w.updates
		wantTags = append(wantTags, w.ownTags...)
		for _, u := range w.users {
			wantUsers = append(wantUsers, u.name)
			for _, a := range u.articles {
				wantArticles = append(wantArticles, u.name+" "+a.title+" "+a.content)
				for tag := range a.tags {
					wantLinks = append(wantLinks, a.title+" "+tag)
				}
			}
		}
		gone = append(gone, w.deletedUsers...)
		gone = append(gone, w.deletedArticles...)
		gone = append(gone, w.rolledBack...)
	}
	rows := func(query string) []string {
		t.Helper()
		r, err := db.SQL().QueryContext(ctx, query)
		relMust(t, err)
		defer r.Close()
		cols, err := r.Columns()
		relMust(t, err)
		var out []string
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			relMust(t, r.Scan(ptrs...))
			parts := make([]string, len(vals))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprint(v)
			}
			out = append(out, strings.Join(parts, " "))
		}
		relMust(t, r.Err())
		return out
	}
	compare := func(what string, got, want []string) {
		t.Helper()
		sort.Strings(got)
		sort.Strings(want)
		if slices.Equal(got, want) {
			return
		}
		gotSet := map[string]int{}
		for _, g := range got {
			gotSet[g]++
		}
		for _, x := range want {
			gotSet[x]--
		}
		var diffs []string
		for k, n := range gotSet {
			switch {
			case n > 0:
				diffs = append(diffs, fmt.Sprintf("%d extra %q", n, k))
			case n < 0:
				diffs = append(diffs, fmt.Sprintf("%d missing %q", -n, k))
			}
		}
		sort.Strings(diffs)
		if len(diffs) > 20 {
			diffs = append(diffs[:20], "…")
		}
		t.Errorf("%s: %d rows, want %d: %s", what, len(got), len(want), strings.Join(diffs, "; "))
	}
	compare("users", rows("SELECT username FROM users"), wantUsers)
	compare("articles", rows("SELECT u.username, a.title, a.content FROM articles a LEFT JOIN users u ON u.id = a.user_id"), wantArticles)
	compare("links", rows("SELECT a.title, g.name FROM article_tag l LEFT JOIN articles a ON a.id = l.article_id LEFT JOIN tags g ON g.id = l.tag_id"), wantLinks)
	compare("tags", rows("SELECT name FROM tags"), wantTags)
	if got := rows("SELECT SUM(n) FROM soak_counters"); len(got) != 1 || got[0] != fmt.Sprint(updates) {
		t.Errorf("the counters sum to %v, want %d: one per committed update", got, updates)
	}
	// Deleted rows are absent (the comparisons above say so too, as
	// their names are unique; this names them if not).
	present := map[string]bool{}
	for _, x := range rows("SELECT username FROM users UNION ALL SELECT title FROM articles") {
		present[x] = true
	}
	n := 0
	for _, g := range gone {
		if present[g] {
			n++
			if n <= 10 {
				t.Errorf("%q was deleted and committed, and is still in the database", g)
			}
		}
	}
	t.Logf("verified %d users, %d articles, %d links, %d tags, %d updates; %d deleted rows absent",
		len(wantUsers), len(wantArticles), len(wantLinks), len(wantTags), updates, len(gone))
}
