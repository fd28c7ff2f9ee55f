package relm_test

import (
	"slices"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// Both sides of every bidirectional relationship agree in memory after a
// flush (see "How relm keeps both sides in step" in doc.go).

func TestUOWBothSidesAuthorAndArticles(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		// A pending author: its Articles is authoritative (loaded).
		u := &blog.User{Username: "ada", Password: "pw", Email: "e"}
		a1 := &blog.Article{Title: "one", Author: u}
		a2 := &blog.Article{Title: "two", Author: u}
		must(t, s.AddAll(a1, a2))
		if len(u.Articles) != 0 {
			t.Fatal("relm syncs at flush, not before")
		}
		must(t, s.Flush(ctx))
		if !slices.Equal(u.Articles, []*blog.Article{a1, a2}) {
			t.Fatalf("u.Articles after flush: %v", u.Articles)
		}
		// A persistent author whose Articles is known (it was flushed).
		a3 := &blog.Article{Title: "three", Author: u}
		must(t, s.Add(a3))
		must(t, s.Commit(ctx))
		if !slices.Equal(u.Articles, []*blog.Article{a1, a2, a3}) {
			t.Fatalf("u.Articles: %v", u.Articles)
		}
		// Reassigned: the article moves to the new author's Articles and
		// leaves the old one's.
		v := &blog.User{Username: "bob", Password: "pw", Email: "e"}
		a2.Author = v
		must(t, s.Commit(ctx))
		if !slices.Equal(u.Articles, []*blog.Article{a1, a3}) || !slices.Equal(v.Articles, []*blog.Article{a2}) {
			t.Fatalf("after moving a2: u.Articles %v, v.Articles %v", u.Articles, v.Articles)
		}
		// From the collection's side: appending sets Author, and takes
		// the article out of its previous author's Articles.
		v.Articles = append(v.Articles, a1)
		must(t, s.Commit(ctx))
		if a1.Author != v || !slices.Equal(u.Articles, []*blog.Article{a3}) {
			t.Fatalf("after appending a1 to v: a1.Author %v, u.Articles %v", a1.Author, u.Articles)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", a1.ID); got != v.ID {
			t.Fatalf("a1.user_id %d, want %d", got, v.ID)
		}
		// Cleared: the article leaves the collection.
		a3.Author = nil
		must(t, s.Commit(ctx))
		if len(u.Articles) != 0 || a3.UserID != nil {
			t.Fatalf("after clearing a3.Author: u.Articles %v, a3.UserID %v", u.Articles, a3.UserID)
		}
		// Both sides set and disagreeing: the child's own reference wins,
		// in the database and in memory.
		a3.Author = u
		v.Articles = append(v.Articles, a3)
		must(t, s.Commit(ctx))
		if a3.Author != u || slices.Contains(v.Articles, a3) || !slices.Contains(u.Articles, a3) {
			t.Fatalf("conflict: a3.Author %p (u %p), v.Articles %v, u.Articles %v", a3.Author, u, v.Articles, u.Articles)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", a3.ID); got != u.ID {
			t.Fatalf("a3.user_id %d, want %d", got, u.ID)
		}
	})
}

func TestUOWBothSidesLoadedObjects(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s0 := blogSession(t, db, log)
		b := seedSmallBlog(t, s0)
		s := relm.NewSession(db, s0.Registry())
		defer s.Close()
		u1, err := relm.Get[blog.User](ctx, s, b.u1.ID)
		must(t, err)
		u2, err := relm.Get[blog.User](ctx, s, b.u2.ID)
		must(t, err)
		must(t, relm.Load(ctx, s, []*blog.User{u1, u2}, "Articles"))
		if len(u1.Articles) != 1 || len(u2.Articles) != 1 {
			t.Fatalf("loaded Articles: %v %v", u1.Articles, u2.Articles)
		}
		a := u1.Articles[0]
		// A loaded article whose Author was never loaded: setting it moves
		// the article between the loaded collections.
		a.Author = u2
		must(t, s.Commit(ctx))
		if len(u1.Articles) != 0 || len(u2.Articles) != 2 || !slices.Contains(u2.Articles, a) {
			t.Fatalf("after a.Author = u2: u1.Articles %v, u2.Articles %v", u1.Articles, u2.Articles)
		}
		// A user whose Articles is not loaded is left alone (relm does not
		// load it to add to it).
		s2 := relm.NewSession(db, s0.Registry())
		defer s2.Close()
		lu, err := relm.Get[blog.User](ctx, s2, b.u1.ID)
		must(t, err)
		la, err := relm.Get[blog.Article](ctx, s2, a.ID)
		must(t, err)
		la.Author = lu
		must(t, s2.Commit(ctx))
		if len(lu.Articles) != 0 {
			t.Fatalf("an unloaded collection was filled: %v", lu.Articles)
		}
		if loaded, _ := s2.IsLoaded(lu, "Articles"); loaded {
			t.Fatal("an unloaded collection became loaded")
		}
	})
}

func TestUOWBothSidesTags(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		t1, t2 := &blog.Tag{Name: "go"}, &blog.Tag{Name: "sql"}
		// A tag listed twice is one link and one entry on the other side;
		// a tag whose own side lists the article already keeps one entry.
		t3 := &blog.Tag{Name: "orm"}
		a := &blog.Article{Title: "a", Tags: []*blog.Tag{t1, t2, t1}}
		b := &blog.Article{Title: "b", Tags: []*blog.Tag{t1, t3}}
		t3.Articles = []*blog.Article{b}
		must(t, s.AddAll(a, b))
		must(t, s.Commit(ctx))
		if !slices.Equal(t1.Articles, []*blog.Article{a, b}) || !slices.Equal(t2.Articles, []*blog.Article{a}) || !slices.Equal(t3.Articles, []*blog.Article{b}) {
			t.Fatalf("t1.Articles %v, t2.Articles %v, t3.Articles %v", t1.Articles, t2.Articles, t3.Articles)
		}
		if n := linkCount(t, db); n != 4 {
			t.Fatalf("%d link rows, want 4", n)
		}
		// Removing from one side removes from the other.
		a.Tags = []*blog.Tag{t2}
		must(t, s.Commit(ctx))
		if !slices.Equal(t1.Articles, []*blog.Article{b}) {
			t.Fatalf("after removing t1 from a: t1.Articles %v", t1.Articles)
		}
		// Appending on the tag's side adds to the article's Tags.
		t2.Articles = append(t2.Articles, b)
		must(t, s.Commit(ctx))
		if !slices.Equal(b.Tags, []*blog.Tag{t1, t3, t2}) {
			t.Fatalf("after t2.Articles += b: b.Tags %v", b.Tags)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM article_tag WHERE article_id = ? AND tag_id = ?", b.ID, t2.ID); n != 1 {
			t.Fatalf("%d link rows", n)
		}
	})
}

func TestUOWBothSidesOneToOne(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Password: "pw", Email: "e"}
		i1 := &blog.UserInfo{Name: ptr("one"), User: u}
		must(t, s.Add(i1))
		must(t, s.Commit(ctx))
		if u.UserInfo != i1 {
			t.Fatalf("u.UserInfo %v, want the info that named u", u.UserInfo)
		}
		// Another info claims the user: the user's UserInfo follows, and
		// the old info is detached.
		i2 := &blog.UserInfo{Name: ptr("two"), User: u}
		must(t, s.Add(i2))
		must(t, s.Commit(ctx))
		if u.UserInfo != i2 || i1.User != nil || i1.UserID != nil {
			t.Fatalf("u.UserInfo %v, i1 %+v", u.UserInfo, i1)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM userinfos WHERE id = ?", i1.ID); got != -1 {
			t.Fatalf("old info user_id %d, want NULL", got)
		}
	})
}

// A one-to-one set from the child's side, on a parent whose side was never
// loaded: after the commit the parent's field holds the child, and only
// then counts as loaded (it used to count as loaded while nil, so Load did
// nothing and the program saw no user info).
func TestOneToOneSetFromChildSideIsSeen(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u1, u2 := &blog.User{Username: "u1"}, &blog.User{Username: "u2"}
		must(t, s.AddAll(u1, u2, &blog.UserInfo{User: u1}))
		must(t, s.Commit(ctx))

		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		infos, err := relm.Select[blog.UserInfo](s2).All(ctx)
		must(t, err)
		v2, err := relm.Get[blog.User](ctx, s2, u2.ID)
		must(t, err)
		infos[0].User = v2
		must(t, s2.Commit(ctx))
		loaded, err := s2.IsLoaded(v2, "UserInfo")
		must(t, err)
		if v2.UserInfo != infos[0] || !loaded {
			t.Fatalf("after the commit u2.UserInfo is %p (want %p), loaded %v", v2.UserInfo, infos[0], loaded)
		}
		log.Reset()
		must(t, s2.Commit(ctx))
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("a second commit sent %v", log.Statements())
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM userinfos WHERE user_id = ?", u2.ID); n != 1 {
			t.Fatalf("%d user infos of u2 in the database, want 1", n)
		}
	})
}
