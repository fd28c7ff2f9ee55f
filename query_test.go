package relm_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// Item 1: conditions, ordering, limit and offset, All/First/One, Count,
// Exists, Iter.

func TestQueryConditionsBindValues(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		ph := placeholder(db)
		adaID, bobID := b.ids["user:ada"], b.ids["user:bob"]
		cases := []struct {
			name   string
			cond   relm.Cond
			want   []string
			values []string // literal values that must not appear in the SQL
		}{
			{"Eq", relm.Eq("Title", "Indexes"), []string{"Indexes"}, []string{"Indexes"}},
			{"Eq injection", relm.Eq("Title", "x' OR '1'='1"), nil, []string{"OR '1'='1"}},
			{"Eq column name", relm.Eq("user_id", bobID), []string{"Channels", "Indexes"}, nil},
			{"Ne", relm.Ne("Title", "Indexes"), []string{"Channels", "Generics in Go", "Select-in loading", "Untitled draft"}, []string{"Indexes"}},
			{"Lt", relm.Lt("Title", "Generics"), []string{"Channels"}, []string{"Generics"}},
			{"Le", relm.Le("Title", "Generics in Go"), []string{"Channels", "Generics in Go"}, []string{"Generics in Go"}},
			{"Gt", relm.Gt("Title", "Select"), []string{"Select-in loading", "Untitled draft"}, []string{"Select"}},
			{"Ge", relm.Ge("Title", "Untitled draft"), []string{"Untitled draft"}, []string{"Untitled draft"}},
			{"Like", relm.Like("Title", "%in %"), []string{"Generics in Go", "Select-in loading"}, []string{"%in %"}},
			{"In", relm.In("Title", "Indexes", "Channels", "nope"), []string{"Channels", "Indexes"}, []string{"Indexes", "Channels", "nope"}},
			{"In slice", relm.In("UserID", []int{bobID}), []string{"Channels", "Indexes"}, nil},
			{"In empty", relm.In("Title"), nil, nil},
			{"NotIn", relm.NotIn("Title", "Indexes", "Channels"), []string{"Generics in Go", "Select-in loading", "Untitled draft"}, []string{"Indexes", "Channels"}},
			{"NotIn empty", relm.NotIn("Title"), []string{"Channels", "Generics in Go", "Indexes", "Select-in loading", "Untitled draft"}, nil},
			{"IsNull", relm.IsNull("CateID"), []string{"Untitled draft"}, nil},
			{"Eq nil", relm.Eq("CateID", nil), []string{"Untitled draft"}, nil},
			{"NotNull", relm.NotNull("Content"), []string{"Generics in Go"}, nil},
			{"And", relm.And(relm.Eq("UserID", adaID), relm.Like("Title", "S%")), []string{"Select-in loading"}, []string{"S%"}},
			{"Or", relm.Or(relm.Eq("Title", "Indexes"), relm.Eq("Title", "Channels")), []string{"Channels", "Indexes"}, []string{"Indexes", "Channels"}},
			{"Not", relm.Not(relm.Eq("UserID", adaID)), []string{"Channels", "Indexes"}, nil},
			{"pointer value", relm.Eq("Title", qtPtr("Indexes")), []string{"Indexes"}, []string{"Indexes"}},
		}
		for _, c := range cases {
			log.Reset()
			got, err := relm.Select[blog.Article](s).Where(c.cond).OrderBy("Title").All(qtCtx)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			qtEqual(t, c.name, titles(got), c.want)
			stmts := log.Statements()
			if len(stmts) != 1 {
				t.Errorf("%s: %d statements, want 1: %q", c.name, len(stmts), stmts)
				continue
			}
			sql := stmts[0]
			if len(c.values) > 0 && !strings.Contains(sql, ph) {
				t.Errorf("%s: no placeholder %s in %s", c.name, ph, sql)
			}
			for _, v := range c.values {
				if strings.Contains(sql, v) {
					t.Errorf("%s: value %q written into the SQL: %s", c.name, v, sql)
				}
			}
		}
	})
}

func TestQueryOrderLimitOffset(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		all := []string{"Channels", "Generics in Go", "Indexes", "Select-in loading", "Untitled draft"}
		run := func(name string, q *relm.Query[blog.Article], want []string) {
			t.Helper()
			got, err := q.All(qtCtx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			qtEqual(t, name, titles(got), want)
		}
		run("asc", relm.Select[blog.Article](s).OrderBy("Title"), all)
		run("asc explicit", relm.Select[blog.Article](s).OrderBy("Title ASC"), all)
		rev := slices.Clone(all)
		slices.Reverse(rev)
		run("desc", relm.Select[blog.Article](s).OrderBy("Title desc"), rev)
		run("two terms", relm.Select[blog.Article](s).OrderBy("UserID desc", "Title"),
			[]string{"Channels", "Indexes", "Generics in Go", "Select-in loading", "Untitled draft"})
		run("by column name", relm.Select[blog.Article](s).OrderBy("title"), all)
		run("limit", relm.Select[blog.Article](s).OrderBy("Title").Limit(2), all[:2])
		run("limit 0", relm.Select[blog.Article](s).OrderBy("Title").Limit(0), []string{})
		run("limit offset", relm.Select[blog.Article](s).OrderBy("Title").Limit(2).Offset(2), all[2:4])
		run("offset only", relm.Select[blog.Article](s).OrderBy("Title").Offset(3), all[3:])
		run("offset past end", relm.Select[blog.Article](s).OrderBy("Title").Offset(10), []string{})
		run("joined field", relm.Select[blog.Article](s).Join("Author").OrderBy("Author.Username desc", "Title"),
			[]string{"Channels", "Indexes", "Generics in Go", "Select-in loading", "Untitled draft"})
		log.Reset()
		if _, err := relm.Select[blog.Article](s).OrderBy("Title").Limit(2).Offset(1).All(qtCtx); err != nil {
			t.Fatal(err)
		}
		sql := log.Statements()[0]
		// LIMIT and OFFSET are integer literals, as GORM and Bun write them.
		for _, frag := range []string{"ORDER BY", " LIMIT 2 OFFSET 1"} {
			if !strings.Contains(sql, frag) {
				t.Errorf("no %q in %s", frag, sql)
			}
		}
	})
}

func TestQueryFirstOne(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		first, err := relm.Select[blog.Article](s).OrderBy("Title desc").First(qtCtx)
		qtMust(t, err)
		if first.Title != "Untitled draft" {
			t.Errorf("First: %q", first.Title)
		}
		if sql := log.Statements()[0]; !strings.Contains(sql, "LIMIT") {
			t.Errorf("First without LIMIT: %s", sql)
		}
		_, err = relm.Select[blog.Article](s).Where(relm.Eq("Title", "nope")).First(qtCtx)
		if !errors.Is(err, relm.ErrNotFound) || errors.Is(err, relm.ErrMultipleResults) {
			t.Errorf("First of none: %v, want ErrNotFound", err)
		}

		one, err := relm.Select[blog.Article](s).Where(relm.Eq("Title", "Indexes")).One(qtCtx)
		qtMust(t, err)
		if one.ID != b.ids["article:Indexes"] {
			t.Errorf("One: %+v", one)
		}
		if one != first && one.Title == first.Title {
			t.Error("unreachable")
		}
		_, err = relm.Select[blog.Article](s).Where(relm.Eq("Title", "nope")).One(qtCtx)
		if !errors.Is(err, relm.ErrNotFound) || errors.Is(err, relm.ErrMultipleResults) {
			t.Errorf("One of none: %v, want ErrNotFound", err)
		}
		_, err = relm.Select[blog.Article](s).Where(relm.Eq("UserID", b.ids["user:bob"])).One(qtCtx)
		if !errors.Is(err, relm.ErrMultipleResults) || errors.Is(err, relm.ErrNotFound) {
			t.Errorf("One of two: %v, want ErrMultipleResults", err)
		}
		// A collection join repeats bob's row once per article: One still
		// counts users, not joined rows.
		u, err := relm.Select[blog.User](s).Join("Articles").Where(relm.Eq("Articles.UserID", b.ids["user:bob"])).One(qtCtx)
		qtMust(t, err)
		if u.Username != "bob" {
			t.Errorf("One over a collection join: %q", u.Username)
		}
		// The same row twice is the same object (identity map).
		again, err := relm.Select[blog.Article](s).Where(relm.Eq("ID", b.ids["article:Indexes"])).First(qtCtx)
		qtMust(t, err)
		if again != one {
			t.Error("the same row loaded twice gave two objects")
		}
	})
}

func TestQueryCountExists(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		count := func(name string, q *relm.Query[blog.Article], want int64) {
			t.Helper()
			log.Reset()
			n, err := q.Count(qtCtx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			if n != want {
				t.Errorf("%s: Count = %d, want %d", name, n, want)
			}
			if st := log.Statements(); len(st) != 1 || !strings.Contains(strings.ToUpper(st[0]), "COUNT(") {
				t.Errorf("%s: statements %q, want one COUNT", name, st)
			}
		}
		count("all", relm.Select[blog.Article](s), 5)
		count("where", relm.Select[blog.Article](s).Where(relm.Eq("UserID", b.ids["user:ada"])), 3)
		count("none", relm.Select[blog.Article](s).Where(relm.Eq("Title", "nope")), 0)
		count("limit", relm.Select[blog.Article](s).Limit(2), 2)
		count("offset", relm.Select[blog.Article](s).OrderBy("Title").Offset(4), 1)
		count("collection join", relm.Select[blog.Article](s).Join("Tags").Where(relm.In("Tags.Name", "go", "orm", "sql")), 4)
		count("any", relm.Select[blog.Article](s).Where(relm.Any("Tags", relm.Eq("Name", "orm"))), 2)
		count("eager paths ignored", relm.Select[blog.Article](s).Joined("Author.UserInfo").SelectIn("Tags"), 5)
		if st := log.Statements(); len(st) == 1 && strings.Contains(st[0], "JOIN") {
			t.Errorf("Count joined an eager path: %s", st[0])
		}
		if s.Len() != 0 {
			t.Errorf("Count loaded %d objects into the session", s.Len())
		}

		users, err := relm.Select[blog.User](s).Join("Articles.Tags").Where(relm.Eq("Articles.Tags.Name", "orm")).Count(qtCtx)
		qtMust(t, err)
		if users != 1 {
			t.Errorf("users with an orm article: %d, want 1 (ada, once)", users)
		}

		exists := func(name string, q *relm.Query[blog.Article], want bool) {
			t.Helper()
			log.Reset()
			ok, err := q.Exists(qtCtx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			if ok != want {
				t.Errorf("%s: Exists = %v, want %v", name, ok, want)
			}
			if st := log.Statements(); len(st) != 1 || !strings.Contains(st[0], "LIMIT") {
				t.Errorf("%s: statements %q, want one SELECT … LIMIT", name, st)
			}
		}
		exists("some", relm.Select[blog.Article](s).Where(relm.Like("Title", "Gen%")), true)
		exists("none", relm.Select[blog.Article](s).Where(relm.Like("Title", "Zzz%")), false)
		exists("join", relm.Select[blog.Article](s).Join("Author").Where(relm.Eq("Author.Username", "cyd")), false)
		exists("has", relm.Select[blog.Article](s).Where(relm.Has("Author", relm.Eq("Username", "bob"))), true)
		if s.Len() != 0 {
			t.Errorf("Exists loaded %d objects into the session", s.Len())
		}
	})
}

func TestQueryIter(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		var got []string
		for a, err := range relm.Select[blog.Article](s).OrderBy("Title").Iter(qtCtx) {
			qtMust(t, err)
			got = append(got, a.Title)
		}
		qtEqual(t, "Iter", got, []string{"Channels", "Generics in Go", "Indexes", "Select-in loading", "Untitled draft"})
		if s.Len() != 0 {
			t.Errorf("Iter kept %d objects in the session; it streams", s.Len())
		}
		if n := len(log.Statements()); n != 1 {
			t.Errorf("Iter: %d statements", n)
		}

		// An object the session holds is yielded as that object.
		held, err := relm.Get[blog.Article](qtCtx, s, b.ids["article:Indexes"])
		qtMust(t, err)
		found := false
		for a, err := range relm.Select[blog.Article](s).Where(relm.Like("Title", "I%")).Iter(qtCtx) {
			qtMust(t, err)
			found = a == held
		}
		if !found {
			t.Error("Iter did not yield the session's object for a row it holds")
		}

		// A collection join yields each object once.
		var names []string
		for u, err := range relm.Select[blog.User](s).Join("Articles").OrderBy("Username").Iter(qtCtx) {
			qtMust(t, err)
			names = append(names, u.Username)
		}
		qtEqual(t, "Iter over a collection join", names, []string{"ada", "bob"})

		// Breaking early closes the rows and gives the connection back.
		n := 0
		for _, err := range relm.Select[blog.Article](s).OrderBy("Title").Iter(qtCtx) {
			qtMust(t, err)
			n++
			if n == 2 {
				break
			}
		}
		if n != 2 {
			t.Fatalf("iterated %d", n)
		}
		if inUse := db.SQL().Stats().InUse; inUse != 0 {
			t.Errorf("after break: %d connections still in use (rows not closed)", inUse)
		}
		// On SQLite (one connection) this would block if the rows were open.
		tctx, cancel := context.WithTimeout(qtCtx, 10e9)
		defer cancel()
		if _, err := relm.Select[blog.Article](s).Count(tctx); err != nil {
			t.Errorf("query after break: %v", err)
		}

		// Errors surface as the second value and end the iteration.
		expectIterErr := func(name string, seq func(func(*blog.Article, error) bool), check func(error)) {
			t.Helper()
			calls := 0
			var last error
			for a, err := range seq {
				calls++
				if err != nil && a != nil {
					t.Errorf("%s: object with an error", name)
				}
				last = err
			}
			if calls != 1 || last == nil {
				t.Errorf("%s: %d yields, last error %v; want one yield with an error", name, calls, last)
				return
			}
			check(last)
		}
		log.Reset()
		expectIterErr("bad field", relm.Select[blog.Article](s).Where(relm.Eq("Titel", "x")).Iter(qtCtx), func(err error) {
			expectBadQuery(t, err, "Article", "Titel", "Title")
		})
		expectIterErr("eager", relm.Select[blog.Article](s).SelectIn("Tags").Iter(qtCtx), func(err error) {
			expectBadQuery(t, err, "relm.Load")
		})
		if st := log.Statements(); len(st) != 0 {
			t.Errorf("bad Iter reached the database: %q", st)
		}
		cancelled, cancelNow := context.WithCancel(qtCtx)
		cancelNow()
		expectIterErr("cancelled", relm.Select[blog.Article](s).Iter(cancelled), func(err error) {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled: %v", err)
			}
		})
		// A row that cannot be scanned: the same table mapped with an int
		// Title.
		reg2 := mapping.NewRegistry()
		qtMust(t, reg2.Register(&qtArticleAsInt{}))
		s2 := qtSession(t, db, reg2)
		calls := 0
		var scanErr error
		for _, err := range relm.Select[qtArticleAsInt](s2).Where(relm.Eq("ID", b.ids["article:Indexes"])).Iter(qtCtx) {
			calls++
			scanErr = err
		}
		if calls != 1 || scanErr == nil {
			t.Errorf("scan error: %d yields, err %v", calls, scanErr)
		}
		var se *relm.StatementError
		if !errors.As(scanErr, &se) {
			t.Errorf("scan error %v is not a StatementError", scanErr)
		}
		if inUse := db.SQL().Stats().InUse; inUse != 0 {
			t.Errorf("after a scan error: %d connections in use", inUse)
		}
	})
}

// Item 4: filters across relationships.

func TestQueryJoinAnyHas(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		arts := func(name string, q *relm.Query[blog.Article], want []string, sqlFrag string) {
			t.Helper()
			log.Reset()
			got, err := q.OrderBy("Title").All(qtCtx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			qtEqual(t, name, titles(got), want)
			if st := log.Statements(); len(st) != 1 || !strings.Contains(st[0], sqlFrag) {
				t.Errorf("%s: statements %q, want one containing %q", name, st, sqlFrag)
			}
		}
		users := func(name string, q *relm.Query[blog.User], want []string, sqlFrag string) {
			t.Helper()
			log.Reset()
			got, err := q.OrderBy("Username").All(qtCtx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			qtEqual(t, name, usernames(got), want)
			if st := log.Statements(); len(st) != 1 || !strings.Contains(st[0], sqlFrag) {
				t.Errorf("%s: statements %q, want one containing %q", name, st, sqlFrag)
			}
		}
		// Join along many-to-one, one-to-many, many-to-many and a path.
		arts("join author", relm.Select[blog.Article](s).Join("Author").Where(relm.Eq("Author.Username", "bob")),
			[]string{"Channels", "Indexes"}, " JOIN ")
		arts("join tags", relm.Select[blog.Article](s).Join("Tags").Where(relm.Eq("Tags.Name", "sql")),
			[]string{"Indexes", "Select-in loading"}, " JOIN ")
		arts("join tags, several match", relm.Select[blog.Article](s).Join("Tags").Where(relm.In("Tags.Name", "go", "orm")),
			[]string{"Channels", "Generics in Go", "Select-in loading"}, " JOIN ")
		arts("join two", relm.Select[blog.Article](s).Join("Author").Join("Category").
			Where(relm.Eq("Author.Username", "ada"), relm.Eq("Category.Name", "db")),
			[]string{"Select-in loading"}, " JOIN ")
		users("join path", relm.Select[blog.User](s).Join("Articles.Category").Where(relm.Eq("Articles.Category.Name", "go")),
			[]string{"ada", "bob"}, " JOIN ")
		users("join one-to-one", relm.Select[blog.User](s).Join("UserInfo").Where(relm.Eq("UserInfo.Phone", "555")),
			[]string{"ada"}, " JOIN ")
		// A collection join with a limit counts users, not joined rows:
		// ada has three articles and must not take every slot.
		users("join collection limit", relm.Select[blog.User](s).Join("Articles").Where(relm.Like("Articles.Title", "%")).Limit(2),
			[]string{"ada", "bob"}, " JOIN ")
		users("join collection offset", relm.Select[blog.User](s).Join("Articles").Where(relm.Like("Articles.Title", "%")).Offset(1),
			[]string{"bob"}, " JOIN ")

		// Any / Has as EXISTS.
		arts("any tag", relm.Select[blog.Article](s).Where(relm.Any("Tags", relm.Eq("Name", "go"))),
			[]string{"Channels", "Generics in Go"}, "EXISTS (SELECT")
		arts("any tag at all", relm.Select[blog.Article](s).Where(relm.Any("Tags")),
			[]string{"Channels", "Generics in Go", "Indexes", "Select-in loading"}, "EXISTS (SELECT")
		arts("no tag", relm.Select[blog.Article](s).Where(relm.Not(relm.Any("Tags"))),
			[]string{"Untitled draft"}, "NOT (EXISTS")
		arts("has author", relm.Select[blog.Article](s).Where(relm.Has("Author", relm.Eq("Username", "bob"))),
			[]string{"Channels", "Indexes"}, "EXISTS (SELECT")
		arts("has category none", relm.Select[blog.Article](s).Where(relm.Not(relm.Has("Category"))),
			[]string{"Untitled draft"}, "EXISTS (SELECT")
		arts("has nested", relm.Select[blog.Article](s).Where(relm.Has("Author", relm.Has("UserInfo", relm.Eq("Name", "Ada Lovelace")))),
			[]string{"Generics in Go", "Select-in loading", "Untitled draft"}, "EXISTS (SELECT")
		users("users with an article in category db",
			relm.Select[blog.User](s).Where(relm.Any("Articles", relm.Has("Category", relm.Eq("Name", "db")))),
			[]string{"ada", "bob"}, "EXISTS (SELECT")
		users("users with an article in category misc",
			relm.Select[blog.User](s).Where(relm.Any("Articles", relm.Has("Category", relm.Eq("Name", "misc")))),
			[]string{}, "EXISTS (SELECT")
		users("users with an orm article by tag",
			relm.Select[blog.User](s).Where(relm.Any("Articles", relm.Any("Tags", relm.Eq("Name", "orm")))),
			[]string{"ada"}, "EXISTS (SELECT")
		users("users without articles", relm.Select[blog.User](s).Where(relm.Not(relm.Any("Articles"))),
			[]string{"cyd"}, "EXISTS (SELECT")
		// The backrefs of the blog (bound to fields): Tag.Articles,
		// Category.Articles, UserInfo.User.
		tags, err := relm.Select[blog.Tag](s).Where(relm.Any("Articles", relm.Has("Author", relm.Eq("Username", "bob")))).OrderBy("Name").All(qtCtx)
		qtMust(t, err)
		qtEqual(t, "tags of bob's articles", tagNames(tags), []string{"go", "sql"})
		cats, err := relm.Select[blog.Category](s).Where(relm.Not(relm.Any("Articles"))).All(qtCtx)
		qtMust(t, err)
		if len(cats) != 1 || cats[0].Name != "misc" {
			t.Errorf("empty categories: %+v", cats)
		}
		infos, err := relm.Select[blog.UserInfo](s).Where(relm.Has("User", relm.Eq("Username", "ada"))).All(qtCtx)
		qtMust(t, err)
		if len(infos) != 1 || *infos[0].Name != "Ada Lovelace" {
			t.Errorf("info of ada: %+v", infos)
		}
		// Values in EXISTS are bound too.
		log.Reset()
		_, err = relm.Select[blog.Article](s).Where(relm.Any("Tags", relm.Eq("Name", "secret-tag"))).All(qtCtx)
		qtMust(t, err)
		if sql := log.Statements()[0]; strings.Contains(sql, "secret-tag") || !strings.Contains(sql, placeholder(db)) {
			t.Errorf("Any did not bind its value: %s", sql)
		}
	})
}

// A backref creates the reverse relationship even when the struct has no
// field of its name; it works in Any/Has, Load, Related and SelectIn.
func TestQueryBackrefWithoutField(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := qtExtraRegistry(t)
		qtMust(t, reg.CreateAll(qtCtx, db))
		w := qtSession(t, db, reg)
		p1, p2 := &qtPost{Title: "first"}, &qtPost{Title: "second"}
		p1.Comments = []*qtComment{{Body: "nice"}, {Body: "meh"}}
		p2.Comments = []*qtComment{{Body: "great"}}
		orphan := &qtComment{Body: "orphan"}
		ann, bea := &qtWriter{Name: "ann"}, &qtWriter{Name: "bea"}
		books := []*qtBook{{Title: "alpha", Writer: ann}, {Title: "beta", Writer: ann}, {Title: "gamma", Writer: bea}}
		lRed, lBlue := &qtLabel{Name: "red"}, &qtLabel{Name: "blue"}
		notes := []*qtNote{{Title: "n1", Labels: []*qtLabel{lRed, lBlue}}, {Title: "n2", Labels: []*qtLabel{lRed}}}
		qtMust(t, w.AddAll(p1, p2, orphan, books, notes, &qtWriter{Name: "cat"}))
		qtMust(t, w.Commit(qtCtx))

		s := qtSession(t, db, reg)
		// Comment.Post is scalar (many-to-one): Has.
		cs, err := relm.Select[qtComment](s).Where(relm.Has("Post", relm.Eq("Title", "first"))).OrderBy("Body").All(qtCtx)
		qtMust(t, err)
		var bodies []string
		for _, c := range cs {
			bodies = append(bodies, c.Body)
		}
		qtEqual(t, "comments of first", bodies, []string{"meh", "nice"})
		n, err := relm.Select[qtComment](s).Where(relm.Not(relm.Has("Post"))).Count(qtCtx)
		qtMust(t, err)
		if n != 1 {
			t.Errorf("comments without a post: %d", n)
		}
		_, err = relm.Select[qtComment](s).Where(relm.Any("Post")).All(qtCtx)
		expectBadQuery(t, err, "qtComment.Post", "Has")
		// Join along it.
		cs, err = relm.Select[qtComment](s).Join("Post").Where(relm.Eq("Post.Title", "second")).All(qtCtx)
		qtMust(t, err)
		if len(cs) != 1 || cs[0].Body != "great" {
			t.Errorf("join Post: %+v", cs)
		}
		// Related and Load.
		log.Reset()
		post, err := relm.Related[qtPost](qtCtx, s, cs[0], "Post")
		qtMust(t, err)
		if len(post) != 1 || post[0].Title != "second" || len(selects(log)) != 1 {
			t.Errorf("Related Post: %+v after %q", post, log.Statements())
		}
		if ok, _ := s.IsLoaded(cs[0], "Post"); !ok {
			t.Error("Related did not mark Post loaded")
		}
		all, err := relm.Select[qtComment](s).OrderBy("Body").All(qtCtx)
		qtMust(t, err)
		log.Reset()
		qtMust(t, relm.Load(qtCtx, s, all, "Post"))
		if n := len(selects(log)); n != 1 {
			t.Errorf("Load Post on %d comments: %d SELECTs, want 1", len(all), n)
		}
		log.Reset()
		want := map[string]string{"great": "second", "meh": "first", "nice": "first", "orphan": ""}
		for _, c := range all {
			ps, err := relm.Related[qtPost](qtCtx, s, c, "Post")
			qtMust(t, err)
			got := ""
			if len(ps) == 1 {
				got = ps[0].Title
			}
			if got != want[c.Body] {
				t.Errorf("post of %q: %q, want %q", c.Body, got, want[c.Body])
			}
		}
		if st := log.Statements(); len(st) != 0 {
			t.Errorf("Related after Load issued %q", st)
		}

		// Writer.Books is a collection without a field: Any.
		ws, err := relm.Select[qtWriter](s).Where(relm.Any("Books", relm.Like("Title", "%a"))).OrderBy("Name").All(qtCtx)
		qtMust(t, err)
		if len(ws) != 2 || ws[0].Name != "ann" || ws[1].Name != "bea" {
			t.Errorf("writers with a book ending in a: %+v", ws)
		}
		ws, err = relm.Select[qtWriter](s).Where(relm.Not(relm.Any("Books"))).All(qtCtx)
		qtMust(t, err)
		if len(ws) != 1 || ws[0].Name != "cat" {
			t.Errorf("writers without books: %+v", ws)
		}
		_, err = relm.Select[qtWriter](s).Where(relm.Has("Books")).All(qtCtx)
		expectBadQuery(t, err, "qtWriter.Books", "Any")
		ws, err = relm.Select[qtWriter](s).SelectIn("Books").OrderBy("Name").All(qtCtx)
		qtMust(t, err)
		log.Reset()
		for i, wantBooks := range [][]string{{"alpha", "beta"}, {"gamma"}, {}} {
			bs, err := relm.Related[qtBook](qtCtx, s, ws[i], "Books")
			qtMust(t, err)
			var got []string
			for _, bk := range bs {
				got = append(got, bk.Title)
				if bk.Writer != ws[i] {
					t.Errorf("book %q: Writer not set to the loaded writer", bk.Title)
				}
			}
			qtEqual(t, "books of "+ws[i].Name, sorted(got), wantBooks)
			if ok, _ := s.IsLoaded(ws[i], "Books"); !ok {
				t.Errorf("Books of %s not loaded", ws[i].Name)
			}
		}
		if st := log.Statements(); len(st) != 0 {
			t.Errorf("Related after SelectIn issued %q", st)
		}

		// Label.Notes is a many-to-many backref without a field.
		ls, err := relm.Select[qtLabel](s).Where(relm.Any("Notes", relm.Eq("Title", "n2"))).All(qtCtx)
		qtMust(t, err)
		if len(ls) != 1 || ls[0].Name != "red" {
			t.Errorf("labels of n2: %+v", ls)
		}
		log.Reset()
		ns, err := relm.Related[qtNote](qtCtx, s, ls[0], "Notes")
		qtMust(t, err)
		if len(ns) != 2 || len(selects(log)) != 1 {
			t.Errorf("notes of red: %d after %q", len(ns), log.Statements())
		}
		// Select-in and joined loading of field-less backrefs.
		s2 := qtSession(t, db, reg)
		labels, err := relm.Select[qtLabel](s2).SelectIn("Notes.Labels").OrderBy("Name").All(qtCtx)
		qtMust(t, err)
		log.Reset()
		for i, want := range []int{1, 2} { // blue: n1; red: n1, n2
			ns, err := relm.Related[qtNote](qtCtx, s2, labels[i], "Notes")
			qtMust(t, err)
			if len(ns) != want {
				t.Errorf("notes of %s: %d, want %d", labels[i].Name, len(ns), want)
			}
			for _, n := range ns {
				if ok, _ := s2.IsLoaded(n, "Labels"); !ok || len(n.Labels) == 0 {
					t.Errorf("note %s: Labels not loaded by the nested path", n.Title)
				}
			}
		}
		comments, err := relm.Select[qtComment](s2).Joined("Post").OrderBy("Body").All(qtCtx)
		qtMust(t, err)
		for _, c := range comments {
			ps, err := relm.Related[qtPost](qtCtx, s2, c, "Post")
			qtMust(t, err)
			if (len(ps) == 1) != (c.Body != "orphan") {
				t.Errorf("joined Post of %q: %v", c.Body, ps)
			}
		}
		if st := log.Statements(); len(st) != 1 {
			t.Errorf("after SelectIn/Joined of field-less backrefs: %q, want only the Joined SELECT", st)
		}
	})
}

// Item 5: relm.Raw.

func TestQueryRaw(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		d := db.Dialect()
		held, err := relm.Get[blog.User](qtCtx, s, b.ids["user:bob"])
		qtMust(t, err)

		// Every column: tracked, through the identity map.
		log.Reset()
		users, err := relm.Raw[blog.User](qtCtx, s,
			"SELECT email, username, id, password FROM "+d.Quote("users")+" WHERE username <> "+placeholder(db)+" ORDER BY username", "cyd")
		qtMust(t, err)
		qtEqual(t, "raw users", usernames(users), []string{"ada", "bob"})
		if len(log.Statements()) != 1 {
			t.Errorf("Raw: %q", log.Statements())
		}
		if users[1] != held {
			t.Error("Raw returned a second object for a row the session holds")
		}
		if !s.Contains(users[0]) || users[0].Email != "ada@example.com" || users[0].Password != "pw" {
			t.Errorf("raw full row: %+v tracked=%v", users[0], s.Contains(users[0]))
		}
		log.Reset()
		ada, err := relm.Get[blog.User](qtCtx, s, b.ids["user:ada"])
		qtMust(t, err)
		if ada != users[0] || len(log.Statements()) != 0 {
			t.Error("Get after Raw did not come from the identity map")
		}
		// A tracked raw object is a normal session object: loaders work.
		arts, err := relm.Related[blog.Article](qtCtx, s, ada, "Articles")
		qtMust(t, err)
		if len(arts) != 3 {
			t.Errorf("ada's articles: %d", len(arts))
		}
		// Updating it is a change for the next commit.
		ada.Email = "ada@new.example"
		qtMust(t, s.Commit(qtCtx))
		check := b.session(t, db)
		again, err := relm.Get[blog.User](qtCtx, check, ada.ID)
		qtMust(t, err)
		if again.Email != "ada@new.example" {
			t.Errorf("change to a Raw object not saved: %q", again.Email)
		}

		// Some columns: untracked objects.
		part, err := relm.Raw[blog.User](qtCtx, s, "SELECT id, username FROM "+d.Quote("users")+" ORDER BY id")
		qtMust(t, err)
		if len(part) != 3 {
			t.Fatalf("partial: %d rows", len(part))
		}
		for _, u := range part {
			if s.Contains(u) {
				t.Errorf("partial row %q is tracked", u.Username)
			}
			if u.Password != "" || u.Username == "" || u.ID == 0 {
				t.Errorf("partial row: %+v", u)
			}
			if u == held || u == ada {
				t.Error("partial row returned the session's object")
			}
		}

		// An unknown column is an error naming it.
		_, err = relm.Raw[blog.User](qtCtx, s, "SELECT id, username AS nick FROM "+d.Quote("users"))
		expectBadQuery(t, err, "nick", "User")
		_, err = relm.Raw[blog.User](qtCtx, s, "SELECT id, usernam FROM "+d.Quote("users"))
		if err == nil {
			t.Error("Raw with a column the table lacks: no error")
		}
		// A duplicate column is an error too.
		_, err = relm.Raw[blog.User](qtCtx, s, "SELECT id, username, username FROM "+d.Quote("users"))
		expectBadQuery(t, err, "username")
		// A SQL error is a StatementError.
		_, err = relm.Raw[blog.User](qtCtx, s, "SELECT * FROM no_such_table")
		var se *relm.StatementError
		if !errors.As(err, &se) {
			t.Errorf("SQL error: %v", err)
		}
	})
}

// Item 6: bad input is an error wrapping ErrBadQuery naming the type, the
// path and the nearest valid name; no panic; nothing reaches the database.

func TestQueryBadInput(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		art, err := relm.Get[blog.Article](qtCtx, s, b.ids["article:Indexes"])
		qtMust(t, err)
		arts, err := relm.Select[blog.Article](s).All(qtCtx)
		qtMust(t, err)
		A := func() *relm.Query[blog.Article] { return relm.Select[blog.Article](s) }
		all := func(q *relm.Query[blog.Article]) func() error {
			return func() error { _, err := q.All(qtCtx); return err }
		}
		cases := []struct {
			name  string
			run   func() error
			frags []string
		}{
			// Unmapped fields.
			{"Where unknown field", all(A().Where(relm.Eq("Titel", "x"))), []string{"Article", "Titel", `"Title"`}},
			{"Where far-off field", all(A().Where(relm.Eq("Zzzzzzzz", "x"))), []string{"Article", "Zzzzzzzz", "Title", "UserID"}},
			{"Where relationship as field", all(A().Where(relm.Eq("Author", 1))), []string{"Article", "Author", "Has("}},
			{"Where joined unknown field", all(A().Join("Author").Where(relm.Eq("Author.Usernme", "x"))), []string{"User", "Author.Usernme", `"Username"`}},
			{"Where field of unjoined rel", all(A().Where(relm.Eq("Author.Username", "x"))), []string{"Article", "Author.Username", `Join("Author")`}},
			{"Where unknown rel in field path", all(A().Where(relm.Eq("Autor.Username", "x"))), []string{"Article", "Autor", `"Author"`}},
			{"In unknown field", all(A().Where(relm.In("Titl", "x"))), []string{"Article", "Titl", `"Title"`}},
			{"IsNull unknown field", all(A().Where(relm.IsNull("CatID"))), []string{"Article", "CatID", `"CateID"`}},
			{"OrderBy unknown field", all(A().OrderBy("Titel")), []string{"Article", "Titel", `"Title"`}},
			{"OrderBy bad direction", all(A().OrderBy("Title sideways")), []string{"Article", "sideways"}},
			{"OrderBy through a collection", all(A().Join("Tags").OrderBy("Tags.Name")), []string{"Article", "Tags.Name", "collection"}},
			{"Count unknown field", func() error { _, err := A().Where(relm.Eq("Titel", "x")).Count(qtCtx); return err }, []string{"Article", "Titel", `"Title"`}},
			{"Exists SelectIn typo", func() error { _, err := A().SelectIn("Tagz").Exists(qtCtx); return err }, []string{"SelectIn", `"Tags"`}},
			{"Exists unknown field", func() error { _, err := A().Where(relm.Eq("Titel", "x")).Exists(qtCtx); return err }, []string{"Article", "Titel", `"Title"`}},
			{"First unknown field", func() error { _, err := A().Where(relm.Eq("Titel", "x")).First(qtCtx); return err }, []string{"Titel", `"Title"`}},
			{"One unknown field", func() error { _, err := A().Where(relm.Eq("Titel", "x")).One(qtCtx); return err }, []string{"Titel", `"Title"`}},
			// Relationship paths that do not exist.
			{"Join", all(A().Join("Autor")), []string{"Join", "Article", `"Autor"`, `"Author"`}},
			{"Join nested", all(A().Join("Tags.Articls")), []string{"Join", "Tags.Articls", "Tag", `"Articles"`}},
			{"Join empty", all(A().Join("")), []string{"Join", "Article", "empty"}},
			{"SelectIn", all(A().SelectIn("Tagz")), []string{"SelectIn", "Article", `"Tagz"`, `"Tags"`}},
			{"SelectIn nested", all(A().SelectIn("Author.Articls")), []string{"SelectIn", "Author.Articls", "User", `"Articles"`}},
			{"SelectIn nested second", all(A().SelectIn("Tags", "Author.UserInf")), []string{"SelectIn", "Author.UserInf", `"UserInfo"`}},
			{"Joined", all(A().Joined("Authr")), []string{"Joined", "Article", `"Authr"`, `"Author"`}},
			{"Joined nested", all(A().Joined("Author.UserInf")), []string{"Joined", "Author.UserInf", "User", `"UserInfo"`}},
			{"Any", all(A().Where(relm.Any("Tagz", relm.Eq("Name", "go")))), []string{"Any", "Article", `"Tagz"`, `"Tags"`}},
			{"Any field", all(A().Where(relm.Any("Tags", relm.Eq("Nam", "go")))), []string{"Tag", `"Nam"`, `"Name"`}},
			{"Any on scalar", all(A().Where(relm.Any("Author"))), []string{"Any", "Article.Author", "Has("}},
			{"Any path", all(A().Where(relm.Any("Tags.Articles"))), []string{"Any", "Tags.Articles", "not a path"}},
			{"Has", all(A().Where(relm.Has("Authr", relm.Eq("Username", "ada")))), []string{"Has", "Article", `"Authr"`, `"Author"`}},
			{"Has on collection", all(A().Where(relm.Has("Tags"))), []string{"Has", "Article.Tags", "Any("}},
			{"Has nested field", all(A().Where(relm.Has("Author", relm.Has("UserInfo", relm.Eq("Nme", "x"))))), []string{"UserInfo", `"Nme"`, `"Name"`}},
			{"Load", func() error { return relm.Load(qtCtx, s, art, "Tagz") }, []string{"Load", "Article", `"Tagz"`, `"Tags"`}},
			{"Load slice nested", func() error { return relm.Load(qtCtx, s, arts, "Tags", "Author.UserInf") }, []string{"Load", "Author.UserInf", "User", `"UserInfo"`}},
			{"Load empty slice", func() error { return relm.Load(qtCtx, s, []*blog.Article{}, "Tagz") }, []string{"Load", `"Tags"`}},
			{"Load non-pointer", func() error { return relm.Load(qtCtx, s, *art, "Tags") }, []string{"Load", "blog.Article"}},
			{"Load nil", func() error { return relm.Load(qtCtx, s, nil, "Tags") }, []string{"Load"}},
			{"Load nil element", func() error { return relm.Load(qtCtx, s, []*blog.Article{art, nil}, "Tags") }, []string{"Load", "nil"}},
			{"Related", func() error { _, err := relm.Related[blog.User](qtCtx, s, art, "Autor"); return err }, []string{"Related", "Article", `"Autor"`, `"Author"`}},
			{"Related path", func() error { _, err := relm.Related[blog.User](qtCtx, s, art, "Author.UserInfo"); return err }, []string{"Related", "Author.UserInfo"}},
			{"Related wrong type", func() error { _, err := relm.Related[blog.Tag](qtCtx, s, art, "Author"); return err }, []string{"Article.Author", "User", "blog.Tag"}},
			{"IsLoaded", func() error { _, err := s.IsLoaded(art, "Tagz"); return err }, []string{"IsLoaded", "Article", `"Tags"`}},
			// Values of the wrong type.
			{"int field, string value", all(A().Where(relm.Eq("UserID", "ada"))), []string{"Article.UserID", "string", "integer"}},
			{"string field, int value", all(A().Where(relm.Gt("Title", 3))), []string{"Article.Title", "int", "string"}},
			{"In wrong element", all(A().Where(relm.In("ID", 1, "two"))), []string{"Article.ID", "string"}},
			{"In nil element", all(A().Where(relm.In("ID", 1, nil))), []string{"Article.ID", "nil"}},
			{"joined wrong type", all(A().Join("Tags").Where(relm.Eq("Tags.Name", 5))), []string{"Tag.Name", "int"}},
			{"Any wrong type", all(A().Where(relm.Any("Tags", relm.Eq("ID", "x")))), []string{"Tag.ID", "string"}},
			{"Like on int", all(A().Where(relm.Like("ID", "1%"))), []string{"Article.ID", "Like"}},
			{"Lt nil", all(A().Where(relm.Lt("UserID", nil))), []string{"Article.UserID", "IsNull"}},
			{"struct value", all(A().Where(relm.Eq("UserID", blog.User{}))), []string{"Article.UserID", "blog.User"}},
			// nil conditions and other shapes.
			{"Where nil", all(A().Where(nil)), []string{"nil"}},
			{"And nil", all(A().Where(relm.And(nil))), []string{"nil", "And"}},
			{"Or nil", all(A().Where(relm.Or(relm.Eq("ID", 1), nil))), []string{"nil", "Or"}},
			{"Not nil", all(A().Where(relm.Not(nil))), []string{"nil"}},
			{"Any nil", all(A().Where(relm.Any("Tags", nil))), []string{"nil"}},
			{"Offset negative", all(A().Offset(-1)), []string{"Offset", "-1"}},
			{"Select unmapped", func() error { _, err := relm.Select[struct{ X int }](s).All(qtCtx); return err }, []string{"Select", "not mapped"}},
			{"Raw unmapped", func() error { _, err := relm.Raw[string](qtCtx, s, "SELECT 1"); return err }, []string{"Raw", "string"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				log.Reset()
				err := noPanic(t, c.run)
				expectBadQuery(t, err, c.frags...)
				if st := log.Statements(); len(st) != 0 {
					t.Errorf("statements reached the database: %q", st)
				}
			})
		}
		// Iter reports the same errors without SQL.
		log.Reset()
		for _, err := range relm.Select[blog.Article](s).Joined("Autor").Iter(qtCtx) {
			expectBadQuery(t, err)
		}
		for _, err := range relm.Select[blog.Article](s).Join("Autor").Iter(qtCtx) {
			expectBadQuery(t, err, "Join", `"Author"`)
		}
		if st := log.Statements(); len(st) != 0 {
			t.Errorf("bad Iter reached the database: %q", st)
		}
		// The mapping's error stays reachable.
		_, err = relm.Select[blog.Article](s).Where(relm.Eq("Titel", 1)).All(qtCtx)
		var une *mapping.UnknownNameError
		if !errors.As(err, &une) || une.Name != "Titel" || une.Type != "Article" {
			t.Errorf("errors.As UnknownNameError: %v", err)
		}
	})
}

// A query is a value: running it twice gives the same result, and a build
// error does not stick to other queries.
func TestQueryReuse(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		q := relm.Select[blog.Article](s).Where(relm.Ne("Title", "Indexes")).OrderBy("Title")
		one, err := q.All(qtCtx)
		qtMust(t, err)
		two, err := q.All(qtCtx)
		qtMust(t, err)
		if !slices.Equal(one, two) || len(one) != 4 {
			t.Errorf("reuse: %q then %q", titles(one), titles(two))
		}
		n, err := q.Count(qtCtx)
		qtMust(t, err)
		if n != int64(len(one)) {
			t.Errorf("Count %d, All %d", n, len(one))
		}
		// A closed session refuses.
		qtMust(t, s.Close())
		if _, err := q.All(qtCtx); !errors.Is(err, relm.ErrSessionClosed) {
			t.Errorf("closed session: %v", err)
		}
	})
}

// qtArticleAsInt maps the articles table with an int Title, so that
// scanning a row fails.
type qtArticleAsInt struct {
	ID    int `relm:"pk"`
	Title int
}

func (qtArticleAsInt) TableName() string { return "articles" }
