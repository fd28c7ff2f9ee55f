package relm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// Joined loading of collections (issue 36, item 8): one statement with
// LEFT OUTER JOINs, each parent once (the identity map), each collection in
// its target's key order and marked loaded (empty for a parent without
// children), and Limit, Offset, First and One counting parents through a
// limited subquery, as SQLAlchemy's joinedload does.
func TestJoinedCollection(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		goTag, sqlTag, ormTag := &blog.Tag{Name: "go"}, &blog.Tag{Name: "sql"}, &blog.Tag{Name: "orm"}
		ada := &blog.User{Username: "ada", Articles: []*blog.Article{
			{Title: "a1", Tags: []*blog.Tag{ormTag, goTag}},
			{Title: "a2", Tags: []*blog.Tag{sqlTag}},
		}}
		bob := &blog.User{Username: "bob", Articles: []*blog.Article{{Title: "b1", Tags: []*blog.Tag{goTag, sqlTag, ormTag}}}}
		cyd := &blog.User{Username: "cyd"}
		must(t, s.AddAll(cyd, bob, ada))
		must(t, s.Commit(ctx))
		reg := s.Registry()

		// describe renders users as "name[title(tag tag) …]".
		describe := func(us []*blog.User) string {
			var b strings.Builder
			for _, u := range us {
				b.WriteString(u.Username + "[")
				for i, a := range u.Articles {
					if i > 0 {
						b.WriteByte(' ')
					}
					b.WriteString(a.Title)
					if a.Author != u {
						b.WriteString("!author")
					}
					if a.Tags != nil {
						var names []string
						for _, tg := range a.Tags {
							names = append(names, tg.Name)
						}
						b.WriteString("(" + strings.Join(names, " ") + ")")
					}
				}
				b.WriteString("] ")
			}
			return b.String()
		}
		// run runs a query in a fresh session, wants one statement joining
		// the collections, and returns its users.
		run := func(what string, query func(f *relm.Session) ([]*blog.User, error), frags ...string) []*blog.User {
			t.Helper()
			f := relm.NewSession(db, reg)
			t.Cleanup(func() { f.Close() })
			log.Reset()
			us, err := query(f)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			st := log.Statements()
			if len(st) != 1 {
				t.Fatalf("%s sent %d statements, want one: %q", what, len(st), st)
			}
			for _, frag := range append([]string{"LEFT OUTER JOIN " + q(db, "articles")}, frags...) {
				if !strings.Contains(st[0], frag) {
					t.Errorf("%s: %q lacks %q", what, st[0], frag)
				}
			}
			for _, u := range us {
				if ok, err := f.IsLoaded(u, "Articles"); err != nil || !ok {
					t.Errorf("%s: %s.Articles not loaded (%v)", what, u.Username, err)
				}
				if u.Articles == nil {
					t.Errorf("%s: %s.Articles is nil, want an empty loaded collection", what, u.Username)
				}
			}
			return us
		}
		users := func(f *relm.Session) *relm.Query[blog.User] { return relm.Select[blog.User](f) }
		check := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s: %q, want %q", what, got, want)
			}
		}

		us := run("Joined(Articles)", func(f *relm.Session) ([]*blog.User, error) {
			return users(f).Joined("Articles").OrderBy("Username").All(ctx)
		})
		check("Joined(Articles)", describe(us), "ada[a1 a2] bob[b1] cyd[] ")

		us = run("Joined(Articles.Tags)", func(f *relm.Session) ([]*blog.User, error) {
			return users(f).Joined("Articles.Tags").OrderBy("Username desc").All(ctx)
		}, "LEFT OUTER JOIN "+q(db, "article_tag"), "LEFT OUTER JOIN "+q(db, "tags"))
		check("Joined(Articles.Tags)", describe(us), "cyd[] bob[b1(go sql orm)] ada[a1(go orm) a2(sql)] ")

		// No OrderBy: the parents in key order (cyd was added first).
		us = run("Joined, no order", func(f *relm.Session) ([]*blog.User, error) {
			return users(f).Joined("Articles").All(ctx)
		})
		check("Joined, no order", describe(us), "cyd[] bob[b1] ada[a1 a2] ")

		// Limit counts users, not rows: ada's two articles are one user.
		us = run("Limit", func(f *relm.Session) ([]*blog.User, error) {
			return users(f).Joined("Articles").OrderBy("Username").Limit(2).All(ctx)
		}, ") lim ON ", " LIMIT 2")
		check("Limit", describe(us), "ada[a1 a2] bob[b1] ")
		us = run("Offset", func(f *relm.Session) ([]*blog.User, error) {
			return users(f).Joined("Articles.Tags").OrderBy("Username").Offset(1).Limit(1).All(ctx)
		}, ") lim ON ", " OFFSET 1")
		check("Offset", describe(us), "bob[b1(go sql orm)] ")
		// Conditions (bound) and a filter join stay in the subquery.
		us = run("Where, Join, Limit", func(f *relm.Session) ([]*blog.User, error) {
			return users(f).Join("Articles.Tags").Where(relm.Eq("Articles.Tags.Name", "sql"), relm.Like("Username", "%")).
				Joined("Articles.Tags").OrderBy("Username desc").Limit(5).All(ctx)
		}, ") lim ON ")
		check("Where, Join, Limit", describe(us), "bob[b1(go sql orm)] ada[a1(go orm) a2(sql)] ")
		us = run("Where, Join", func(f *relm.Session) ([]*blog.User, error) {
			return users(f).Join("Articles.Tags").Where(relm.Eq("Articles.Tags.Name", "sql")).
				Joined("Articles").OrderBy("Username").All(ctx)
		}, " IN (SELECT ")
		check("Where, Join", describe(us), "ada[a1 a2] bob[b1] ")
		us = run("First", func(f *relm.Session) ([]*blog.User, error) {
			u, err := users(f).Joined("Articles").Where(relm.Eq("Username", "ada")).First(ctx)
			return []*blog.User{u}, err
		}, " LIMIT 1")
		check("First", describe(us), "ada[a1 a2] ")
		us = run("One", func(f *relm.Session) ([]*blog.User, error) {
			u, err := users(f).Joined("Articles").Where(relm.Eq("Username", "ada")).One(ctx)
			return []*blog.User{u}, err
		}, " LIMIT 2")
		check("One", describe(us), "ada[a1 a2] ")

		// From the many-to-many side (articles in key order: bob's came first),
		// and Count ignoring the eager path.
		f := relm.NewSession(db, reg)
		defer f.Close()
		log.Reset()
		tags, err := relm.Select[blog.Tag](f).Joined("Articles").OrderBy("Name").All(ctx)
		must(t, err)
		var got []string
		for _, tg := range tags {
			var titles []string
			for _, a := range tg.Articles {
				titles = append(titles, a.Title)
			}
			got = append(got, fmt.Sprintf("%s%v", tg.Name, titles))
		}
		check("Tag Joined(Articles)", strings.Join(got, " "), "go[b1 a1] orm[b1 a1] sql[b1 a2]")
		if n := len(log.Statements()); n != 1 {
			t.Errorf("Tag Joined(Articles) sent %d statements, want one", n)
		}
		n, err := relm.Select[blog.User](f).Joined("Articles.Tags").Count(ctx)
		must(t, err)
		if n != 3 {
			t.Errorf("Count with Joined(Articles.Tags) = %d, want 3 users", n)
		}
	})
}
