package relm_test

import (
	"slices"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
)

// smallBlog commits two users, a category, three tags and two articles
// (the first by u1 with tags t0 and t1, the second by u2 with none).
type smallBlog struct {
	u1, u2 *blog.User
	cat    *blog.Category
	tags   []*blog.Tag
	a1, a2 *blog.Article
}

func seedSmallBlog(t *testing.T, s *relm.Session) *smallBlog {
	t.Helper()
	b := &smallBlog{
		u1:  &blog.User{Username: "one", Password: "pw", Email: "one@example.com"},
		u2:  &blog.User{Username: "two", Password: "pw", Email: "two@example.com"},
		cat: &blog.Category{Name: "go"},
	}
	for _, n := range []string{"t0", "t1", "t2"} {
		b.tags = append(b.tags, &blog.Tag{Name: n})
	}
	b.a1 = &blog.Article{Title: "first", Author: b.u1, Category: b.cat, Tags: []*blog.Tag{b.tags[0], b.tags[1]}}
	b.a2 = &blog.Article{Title: "second", Author: b.u2, Category: b.cat}
	must(t, s.AddAll(b.a1, b.a2, b.tags))
	must(t, s.Commit(ctx))
	return b
}

// ph returns the n-th placeholder of db's dialect.
func ph(db *relm.DB, n int) string { return dialect.Placeholder(db.Dialect(), n) }

// writes returns the statements of the log that are not BEGIN or COMMIT.
func writes(log *testdb.Log) []string {
	var out []string
	for _, s := range log.Statements() {
		if k := kind(s); k != "BEGIN" && k != "COMMIT" {
			out = append(out, s)
		}
	}
	return out
}

func TestUOWUpdateChangedColumnOnly(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		// A loaded object, in a new session.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		a, err := relm.Get[blog.Article](ctx, s2, b.a1.ID)
		must(t, err)
		log.Reset()
		a.Title = "changed"
		must(t, s2.Commit(ctx))
		want := []string{"UPDATE " + q(db, "articles") + " SET " + q(db, "title") + " = " + ph(db, 1) + " WHERE " + q(db, "id") + " = " + ph(db, 2)}
		if got := writes(log); !equalStrings(got, want) {
			t.Errorf("statements\n%q\nwant\n%q", got, want)
		}
		if got := queryStrings(t, db, "SELECT title FROM articles WHERE id = ?", a.ID); got[0] != "changed" {
			t.Errorf("title %q", got[0])
		}
		// Nothing changed: nothing written.
		log.Reset()
		must(t, s2.Commit(ctx))
		if got := writes(log); len(got) != 0 {
			t.Errorf("a commit without changes wrote %q", got)
		}
		// Two columns.
		a.Title, a.Content = "again", ptr("body")
		b.a1.Content = ptr("x") // another session's copy: not this session's business
		log.Reset()
		must(t, s2.Commit(ctx))
		want = []string{"UPDATE " + q(db, "articles") + " SET " + q(db, "title") + " = " + ph(db, 1) + ", " + q(db, "content") + " = " + ph(db, 2) + " WHERE " + q(db, "id") + " = " + ph(db, 3)}
		if got := writes(log); !equalStrings(got, want) {
			t.Errorf("statements\n%q\nwant\n%q", got, want)
		}
		// Back to NULL.
		a.Content = nil
		log.Reset()
		must(t, s2.Commit(ctx))
		want = []string{"UPDATE " + q(db, "articles") + " SET " + q(db, "content") + " = " + ph(db, 1) + " WHERE " + q(db, "id") + " = " + ph(db, 2)}
		if got := writes(log); !equalStrings(got, want) {
			t.Errorf("statements\n%q\nwant\n%q", got, want)
		}
		if got := nullableInt(t, db, "SELECT COUNT(content) FROM articles WHERE id = ?", a.ID); got != 0 {
			t.Error("content not NULL")
		}
	})
}

func TestUOWManyToManyAppendRemove(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		a := b.a1
		links := func() []string {
			return queryStrings(t, db, "SELECT t.name FROM article_tag l JOIN tags t ON t.id = l.tag_id WHERE l.article_id = ? ORDER BY t.name", a.ID)
		}
		// Append: one link INSERT.
		log.Reset()
		a.Tags = append(a.Tags, b.tags[2])
		must(t, s.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"INSERT article_tag"}) {
			t.Errorf("append: %v", got)
		}
		if got := links(); !equalStrings(got, []string{"t0", "t1", "t2"}) {
			t.Errorf("links %v", got)
		}
		// Remove: one link DELETE.
		log.Reset()
		a.Tags = slices.DeleteFunc(a.Tags, func(x *blog.Tag) bool { return x == b.tags[0] })
		must(t, s.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"DELETE article_tag"}) {
			t.Errorf("remove: %v", got)
		}
		if got := links(); !equalStrings(got, []string{"t1", "t2"}) {
			t.Errorf("links %v", got)
		}
		// The same tag appended twice (and already there once): one row.
		a.Tags = append(a.Tags, b.tags[0], b.tags[0], b.tags[1])
		must(t, s.Commit(ctx))
		if got := links(); !equalStrings(got, []string{"t0", "t1", "t2"}) {
			t.Errorf("links after appending duplicates %v", got)
		}
		// From the other side: a tag's Articles.
		tag := b.tags[2]
		tag.Articles = append(tag.Articles, b.a2)
		must(t, s.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM article_tag WHERE article_id = ? AND tag_id = ?", b.a2.ID, tag.ID); n != 1 {
			t.Errorf("link from the tag's side: %d rows", n)
		}
		// Both sides appended in one flush: one row.
		a2 := b.a2
		a2.Tags = append(a2.Tags, b.tags[1])
		b.tags[1].Articles = append(b.tags[1].Articles, a2)
		must(t, s.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM article_tag WHERE article_id = ? AND tag_id = ?", a2.ID, b.tags[1].ID); n != 1 {
			t.Errorf("link appended on both sides: %d rows", n)
		}
		// A new session, a loaded article whose Tags were never loaded:
		// appending writes the one new link.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		la, err := relm.Get[blog.Article](ctx, s2, b.a2.ID)
		must(t, err)
		nt := &blog.Tag{Name: "t3"}
		la.Tags = append(la.Tags, nt)
		must(t, s2.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM article_tag WHERE article_id = ?", la.ID); n != 3 {
			t.Errorf("article %d has %d links, want 3", la.ID, n)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM (SELECT article_id, tag_id FROM article_tag GROUP BY article_id, tag_id HAVING COUNT(*) > 1) d"); n != 0 {
			t.Errorf("%d duplicate link rows", n)
		}
	})
}

func TestUOWDetachedObjectsDoNotRelink(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		must(t, s.Close())
		// The objects of a closed session, used in a new one: their
		// collections are taken as what the database holds.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		na := &blog.Article{Title: "third", Author: b.u1, Tags: []*blog.Tag{b.tags[0]}}
		must(t, s2.Add(na))
		log.Reset()
		must(t, s2.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"INSERT articles", "INSERT article_tag"}) {
			t.Errorf("statements %v, want the new article and its one link", got)
		}
		if n := linkCount(t, db); n != 3 {
			t.Errorf("%d link rows, want 3", n)
		}
		// Adding a detached article explicitly updates its row and keeps
		// its links.
		b.a1.Title = "first, edited"
		must(t, s2.Add(b.a1))
		must(t, s2.Commit(ctx))
		if n := linkCount(t, db); n != 3 {
			t.Errorf("%d link rows after re-adding a detached article, want 3", n)
		}
		if got := queryStrings(t, db, "SELECT title FROM articles WHERE id = ?", b.a1.ID); got[0] != "first, edited" {
			t.Errorf("title %q", got[0])
		}
	})
}

func TestUOWOneToManyRemoveSetsNull(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		u := b.u1
		if len(u.Articles) != 1 || u.Articles[0] != b.a1 {
			t.Fatalf("u1.Articles %v", u.Articles)
		}
		log.Reset()
		u.Articles = nil
		must(t, s.Commit(ctx))
		want := []string{"UPDATE " + q(db, "articles") + " SET " + q(db, "user_id") + " = " + ph(db, 1) + " WHERE " + q(db, "id") + " = " + ph(db, 2)}
		if got := writes(log); !equalStrings(got, want) {
			t.Errorf("statements %q, want %q", got, want)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", b.a1.ID); got != -1 {
			t.Errorf("user_id %d, want NULL", got)
		}
		if b.a1.UserID != nil || b.a1.Author != nil {
			t.Errorf("in memory: UserID %v, Author %v", b.a1.UserID, b.a1.Author)
		}
		// Moving a child between collections: the new parent wins.
		b.u2.Articles = append(b.u2.Articles, b.a1)
		must(t, s.Commit(ctx))
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", b.a1.ID); got != b.u2.ID {
			t.Errorf("user_id %d, want %d", got, b.u2.ID)
		}
		b.u1.Articles = append(b.u1.Articles, b.a1)
		b.u2.Articles = slices.DeleteFunc(b.u2.Articles, func(a *blog.Article) bool { return a == b.a1 })
		must(t, s.Commit(ctx))
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", b.a1.ID); got != b.u1.ID {
			t.Errorf("user_id %d, want %d", got, b.u1.ID)
		}
		if b.a1.Author != b.u1 {
			t.Error("Author not kept in step")
		}
	})
}

func TestUOWDeleteOrphan(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &Post{}, &Comment{}))
		p := &Post{Title: "p"}
		c1, c2, c3 := &Comment{Body: "c1"}, &Comment{Body: "c2"}, &Comment{Body: "c3"}
		p.Comments = []*Comment{c1, c2, c3}
		must(t, s.Add(p))
		must(t, s.Commit(ctx))
		log.Reset()
		p.Comments = []*Comment{c1, c3}
		must(t, s.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"DELETE comments"}) {
			t.Errorf("statements %v", got)
		}
		if got := queryStrings(t, db, "SELECT body FROM comments ORDER BY body"); !equalStrings(got, []string{"c1", "c3"}) {
			t.Errorf("comments %v", got)
		}
		if s.Contains(c2) {
			t.Error("the orphan is still in the session")
		}
		// An orphan given a new parent in the same flush is moved, not
		// deleted.
		p2 := &Post{Title: "p2"}
		p.Comments = []*Comment{c1}
		p2.Comments = []*Comment{c3}
		must(t, s.Add(p2))
		must(t, s.Commit(ctx))
		if got := nullableInt(t, db, "SELECT post_id FROM comments WHERE id = ?", c3.ID); got != p2.ID {
			t.Errorf("moved comment post_id %d, want %d", got, p2.ID)
		}
		// A pending child removed before any flush is just not saved.
		c4 := &Comment{Body: "c4"}
		p.Comments = append(p.Comments, c4)
		p.Comments = p.Comments[:1]
		must(t, s.Commit(ctx))
		if countRows(t, db, "comments") != 2 {
			t.Errorf("%d comments, want 2", countRows(t, db, "comments"))
		}
	})
}

func TestUOWReplaceScalarReference(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		log.Reset()
		b.a1.Author = b.u2
		must(t, s.Commit(ctx))
		want := []string{"UPDATE " + q(db, "articles") + " SET " + q(db, "user_id") + " = " + ph(db, 1) + " WHERE " + q(db, "id") + " = " + ph(db, 2)}
		if got := writes(log); !equalStrings(got, want) {
			t.Errorf("statements %q, want %q", got, want)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", b.a1.ID); got != b.u2.ID {
			t.Errorf("user_id %d, want %d", got, b.u2.ID)
		}
		// To a new object: inserted first, then referenced.
		u3 := &blog.User{Username: "three", Password: "pw", Email: "e"}
		b.a1.Author = u3
		log.Reset()
		must(t, s.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"INSERT users", "UPDATE articles"}) {
			t.Errorf("statements %v", got)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", b.a1.ID); got != u3.ID {
			t.Errorf("user_id %d, want %d", got, u3.ID)
		}
		// To nil.
		b.a1.Author = nil
		must(t, s.Commit(ctx))
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", b.a1.ID); got != -1 {
			t.Errorf("user_id %d, want NULL", got)
		}
		// On a loaded article, in a new session.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		la, err := relm.Get[blog.Article](ctx, s2, b.a2.ID)
		must(t, err)
		lu, err := relm.Get[blog.User](ctx, s2, b.u1.ID)
		must(t, err)
		la.Author = lu
		must(t, s2.Commit(ctx))
		if got := nullableInt(t, db, "SELECT user_id FROM articles WHERE id = ?", la.ID); got != lu.ID {
			t.Errorf("user_id %d, want %d", got, lu.ID)
		}
	})
}

func TestUOWOneToOneReplaceDetachesOldChild(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Password: "pw", Email: "e"}
		old := &blog.UserInfo{Name: ptr("old")}
		u.UserInfo = old
		must(t, s.Add(u))
		must(t, s.Commit(ctx))
		if old.UserID == nil || *old.UserID != u.ID || old.User != u {
			t.Fatalf("userinfo not tied: %+v", old)
		}
		// Replaced in the session that saved it.
		repl := &blog.UserInfo{Name: ptr("new")}
		u.UserInfo = repl
		must(t, s.Commit(ctx))
		if got := nullableInt(t, db, "SELECT user_id FROM userinfos WHERE id = ?", old.ID); got != -1 {
			t.Errorf("old userinfo user_id %d, want NULL", got)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM userinfos WHERE id = ?", repl.ID); got != u.ID {
			t.Errorf("new userinfo user_id %d, want %d", got, u.ID)
		}
		if old.UserID != nil || old.User != nil || repl.User != u {
			t.Errorf("in memory: old %+v, new %+v", old, repl)
		}
		// Replaced on a loaded user whose UserInfo was never loaded: the
		// row that pointed at the user is detached all the same.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		lu, err := relm.Get[blog.User](ctx, s2, u.ID)
		must(t, err)
		third := &blog.UserInfo{Name: ptr("third")}
		lu.UserInfo = third
		must(t, s2.Commit(ctx))
		if got := queryInt(t, db, "SELECT COUNT(*) FROM userinfos WHERE user_id = ?", u.ID); got != 1 {
			t.Errorf("%d userinfos point at the user, want 1", got)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM userinfos WHERE id = ?", third.ID); got != u.ID {
			t.Errorf("third user_id %d, want %d", got, u.ID)
		}
		if got := nullableInt(t, db, "SELECT user_id FROM userinfos WHERE id = ?", repl.ID); got != -1 {
			t.Errorf("replaced userinfo user_id %d, want NULL", got)
		}
	})
}
