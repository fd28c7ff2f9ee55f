package relm_test

import (
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// TestUOWCascadeSaveUpdateOnce adds only the articles: their authors,
// categories and tags are saved by the save-update cascade, each once
// however many articles reach them.
func TestUOWCascadeSaveUpdateOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		g := tutorialGraph(7, 3, 2, 6, 40) // few parents, many paths to each
		for _, a := range g.Articles {
			must(t, s.Add(a))
		}
		// The same tag reached twice from one article, and an author also
		// reached through a user info's User.
		g.Articles[0].Tags = append(g.Articles[0].Tags, g.Articles[0].Tags[0])
		must(t, s.Add(&blog.UserInfo{Name: ptr("x"), User: g.Users[0]}))
		must(t, s.Commit(ctx))
		reached := func(f func(a *blog.Article) []any) int {
			set := map[any]bool{}
			for _, a := range g.Articles {
				for _, x := range f(a) {
					set[x] = true
				}
			}
			return len(set)
		}
		want := map[string]int{
			"users":      reached(func(a *blog.Article) []any { return []any{a.Author} }),
			"categories": reached(func(a *blog.Article) []any { return []any{a.Category} }),
			"tags": reached(func(a *blog.Article) []any {
				var out []any
				for _, t := range a.Tags {
					out = append(out, t)
				}
				return out
			}),
			"articles":  len(g.Articles),
			"userinfos": 1,
		}
		for table, n := range want {
			if got := countRows(t, db, table); got != n {
				t.Errorf("%s: %d rows, want %d (each reached object once)", table, got, n)
			}
		}
		// One INSERT per table.
		for _, table := range []string{"users", "categories", "tags", "articles", "userinfos", "article_tag"} {
			if n := countKind(log, "INSERT "+table); n != 1 {
				t.Errorf("%d INSERTs into %s", n, table)
			}
		}
		// The duplicate tag made one link row.
		if n := queryInt(t, db, "SELECT COUNT(*) FROM article_tag WHERE article_id = ? AND tag_id = ?", g.Articles[0].ID, g.Articles[0].Tags[0].ID); n != 1 {
			t.Errorf("%d link rows for a tag listed twice", n)
		}
		// Every object reached is in the session now.
		for _, u := range g.Users {
			if u.ID != 0 && !s.Contains(u) {
				t.Error("a saved author is not in the session")
			}
		}
		// A second commit writes nothing.
		log.Reset()
		must(t, s.Commit(ctx))
		if w := writes(log); len(w) != 0 {
			t.Errorf("second commit wrote %v", w)
		}
	})
}

func countKind(log *testdb.Log, k string) int {
	n := 0
	for _, s := range log.Statements() {
		if kind(s) == k {
			n++
		}
	}
	return n
}

func TestUOWCascadeDelete(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &Post{}, &Comment{}))
		p := &Post{Title: "p", Comments: []*Comment{{Body: "a"}, {Body: "b"}}}
		p2 := &Post{Title: "q", Comments: []*Comment{{Body: "c"}}}
		must(t, s.AddAll(p, p2))
		must(t, s.Commit(ctx))
		// In the session: the comments in memory go with the post.
		must(t, s.Delete(p))
		log.Reset()
		must(t, s.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"DELETE comments", "DELETE posts"}) {
			t.Errorf("statements %v", got)
		}
		if countRows(t, db, "comments") != 1 || countRows(t, db, "posts") != 1 {
			t.Fatalf("comments %d, posts %d; want 1, 1", countRows(t, db, "comments"), countRows(t, db, "posts"))
		}
		// A loaded post whose comments were never loaded: they are
		// selected, then deleted with it.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		lq, err := relm.Get[Post](ctx, s2, p2.ID)
		must(t, err)
		must(t, s2.Delete(lq))
		log.Reset()
		must(t, s2.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"SELECT comments", "DELETE comments", "DELETE posts"}) {
			t.Errorf("statements %v", got)
		}
		if countRows(t, db, "comments") != 0 || countRows(t, db, "posts") != 0 {
			t.Fatal("rows left")
		}
	})
}

func TestUOWDeleteArticleDeletesLinks(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		// In a new session, by Get: the links were never loaded.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		a, err := relm.Get[blog.Article](ctx, s2, b.a1.ID)
		must(t, err)
		must(t, s2.Delete(a))
		log.Reset()
		must(t, s2.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"DELETE article_tag", "DELETE articles"}) {
			t.Errorf("statements %v", got)
		}
		if n := linkCount(t, db); n != 0 {
			t.Errorf("%d link rows left", n)
		}
		if countRows(t, db, "tags") != 3 {
			t.Error("tags deleted with the article (no delete cascade on Tags)")
		}
		// Deleting a tag deletes its links too, from the tag's side.
		b.a2.Tags = []*blog.Tag{b.tags[2]}
		must(t, s.Commit(ctx))
		must(t, s.Delete(b.tags[2]))
		must(t, s.Commit(ctx))
		if n := linkCount(t, db); n != 0 {
			t.Errorf("%d link rows left after deleting the tag", n)
		}
	})
}

func TestUOWDeleteUserSetsArticlesNull(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		a1 := b.a1
		must(t, s.Delete(b.u1))
		log.Reset()
		must(t, s.Commit(ctx))
		// The default cascade (save-update) does not delete the
		// articles (nor the user info): their user_id is set to NULL,
		// before the user goes.
		want := []string{"UPDATE articles", "UPDATE userinfos", "DELETE users"}
		if got := kinds(db, writes(log)); !equalStrings(got, want) {
			t.Errorf("statements %v, want %v", got, want)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", a1.ID); got != -1 {
			t.Errorf("article user_id %d, want NULL", got)
		}
		if countRows(t, db, "articles") != 2 || countRows(t, db, "users") != 1 {
			t.Error("rows deleted beyond the user")
		}
		// And in memory.
		if a1.UserID != nil || a1.Author != nil {
			t.Errorf("in memory: UserID %v, Author %v", a1.UserID, a1.Author)
		}
		if s.Contains(b.u1) {
			t.Error("the deleted user is still in the session")
		}
		// Nothing left to write.
		log.Reset()
		must(t, s.Commit(ctx))
		if w := writes(log); len(w) != 0 {
			t.Errorf("second commit wrote %v", w)
		}
	})
}
