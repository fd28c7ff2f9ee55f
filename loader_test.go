package relm_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// Item 2: loading relationships.

func TestLoaderLoadOneAndSlice(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		a, err := relm.Get[blog.Article](qtCtx, s, b.ids["article:Generics in Go"])
		qtMust(t, err)
		if ok, err := s.IsLoaded(a, "Author"); ok || err != nil {
			t.Errorf("IsLoaded before: %v %v", ok, err)
		}
		if a.Author != nil {
			t.Error("Author set before any load")
		}
		// One object, one relationship: one SELECT.
		log.Reset()
		qtMust(t, relm.Load(qtCtx, s, a, "Author"))
		if n := len(log.Statements()); n != 1 {
			t.Errorf("Load one: %d statements: %q", n, log.Statements())
		}
		if a.Author == nil || a.Author.Username != "ada" {
			t.Fatalf("Author after Load: %+v", a.Author)
		}
		if ok, _ := s.IsLoaded(a, "Author"); !ok {
			t.Error("IsLoaded after Load: false")
		}
		// Loaded relationships are not loaded again.
		log.Reset()
		qtMust(t, relm.Load(qtCtx, s, a, "Author"))
		if n := len(log.Statements()); n != 0 {
			t.Errorf("second Load: %d statements", n)
		}

		// A slice, a collection: one SELECT for all of them.
		arts, err := relm.Select[blog.Article](s).OrderBy("Title").All(qtCtx)
		qtMust(t, err)
		for _, x := range arts {
			if ok, _ := s.IsLoaded(x, "Tags"); ok {
				t.Errorf("%q: Tags loaded before Load", x.Title)
			}
		}
		log.Reset()
		qtMust(t, relm.Load(qtCtx, s, arts, "Tags"))
		if st := selects(log); len(st) != 1 {
			t.Errorf("Load slice: %d SELECTs: %q", len(st), st)
		}
		want := map[string][]string{
			"Channels": {"go"}, "Generics in Go": {"go", "orm"}, "Indexes": {"sql"},
			"Select-in loading": {"orm", "sql"}, "Untitled draft": {},
		}
		for _, x := range arts {
			qtEqual(t, x.Title+" tags", tagNames(x.Tags), want[x.Title])
			if ok, _ := s.IsLoaded(x, "Tags"); !ok {
				t.Errorf("%q: Tags not loaded", x.Title)
			}
		}
		// Loaded and empty is not the same as not loaded.
		draft := arts[4]
		if draft.Title != "Untitled draft" || draft.Tags == nil || len(draft.Tags) != 0 {
			t.Errorf("loaded empty collection: %#v (want empty, non-nil)", draft.Tags)
		}
		// Tags shared by articles are one object each.
		var orm1, orm2 *blog.Tag
		for _, tg := range arts[1].Tags {
			if tg.Name == "orm" {
				orm1 = tg
			}
		}
		for _, tg := range arts[3].Tags {
			if tg.Name == "orm" {
				orm2 = tg
			}
		}
		if orm1 == nil || orm1 != orm2 {
			t.Error("tag orm loaded as two objects")
		}

		// Several paths, nested: one SELECT per segment.
		users, err := relm.Select[blog.User](s).OrderBy("Username").All(qtCtx)
		qtMust(t, err)
		log.Reset()
		qtMust(t, relm.Load(qtCtx, s, users, "Articles.Category", "UserInfo"))
		// Articles, Category (go and db were not in the session yet),
		// UserInfo.
		if st := selects(log); len(st) != 3 {
			t.Errorf("Load nested: %d SELECTs: %q", len(st), st)
		}
		if len(users[0].Articles) != 3 || users[0].UserInfo == nil || users[1].UserInfo != nil {
			t.Errorf("ada/bob after Load: %d articles, info %v / %v", len(users[0].Articles), users[0].UserInfo, users[1].UserInfo)
		}
		if cyd := users[2]; cyd.Articles == nil || len(cyd.Articles) != 0 {
			t.Errorf("cyd's loaded-empty Articles: %#v", cyd.Articles)
		}
		for _, u := range users {
			for _, rel := range []string{"Articles", "UserInfo"} {
				if ok, _ := s.IsLoaded(u, rel); !ok {
					t.Errorf("%s.%s not loaded", u.Username, rel)
				}
			}
			for _, x := range u.Articles {
				if x.Author != u {
					t.Errorf("%q: Author not set to the loading user", x.Title)
				}
				if ok, _ := s.IsLoaded(x, "Category"); !ok {
					t.Errorf("%q: Category not loaded", x.Title)
				}
			}
		}
		// The articles are the ones already in the session.
		for _, x := range users[0].Articles {
			if x.Title == "Generics in Go" && x != a {
				t.Error("Load returned a second object for an article in the session")
			}
		}
	})
}

func TestLoaderRelated(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		a, err := relm.Get[blog.Article](qtCtx, s, b.ids["article:Select-in loading"])
		qtMust(t, err)
		log.Reset()
		tags, err := relm.Related[blog.Tag](qtCtx, s, a, "Tags")
		qtMust(t, err)
		qtEqual(t, "Related Tags", tagNames(tags), []string{"orm", "sql"})
		if n := len(log.Statements()); n != 1 {
			t.Errorf("Related unloaded: %d statements", n)
		}
		if len(a.Tags) != 2 {
			t.Errorf("Related did not set the field: %d", len(a.Tags))
		}
		log.Reset()
		tags2, err := relm.Related[blog.Tag](qtCtx, s, a, "Tags")
		qtMust(t, err)
		if len(tags2) != 2 || len(log.Statements()) != 0 {
			t.Errorf("Related loaded: %d tags, %d statements", len(tags2), len(log.Statements()))
		}
		author, err := relm.Related[blog.User](qtCtx, s, a, "Author")
		qtMust(t, err)
		if len(author) != 1 || author[0].Username != "ada" || a.Author != author[0] {
			t.Errorf("Related Author: %+v", author)
		}
		// A scalar that is NULL: none, and loaded.
		draft, err := relm.Get[blog.Article](qtCtx, s, b.ids["article:Untitled draft"])
		qtMust(t, err)
		cat, err := relm.Related[blog.Category](qtCtx, s, draft, "Category")
		qtMust(t, err)
		if len(cat) != 0 {
			t.Errorf("Related NULL Category: %+v", cat)
		}
		if ok, _ := s.IsLoaded(draft, "Category"); !ok {
			t.Error("NULL Category not marked loaded")
		}
		// A backref bound to a field: Tag.Articles.
		orm, err := relm.Select[blog.Tag](s).Where(relm.Eq("Name", "orm")).One(qtCtx)
		qtMust(t, err)
		arts, err := relm.Related[blog.Article](qtCtx, s, orm, "Articles")
		qtMust(t, err)
		if got := sorted(titles(arts)); len(got) != 2 || got[0] != "Generics in Go" || got[1] != "Select-in loading" {
			t.Errorf("orm's articles: %q", got)
		}
		for _, x := range arts {
			if x.Title == a.Title && x != a {
				t.Error("Related returned a second object for an article in the session")
			}
		}
		// An object that is not in the session.
		if _, err := relm.Related[blog.Tag](qtCtx, s, &blog.Article{ID: 1}, "Tags"); err == nil {
			t.Error("Related on an object outside the session: no error")
		}
	})
}

func TestLoaderSelectIn(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		arts, err := relm.Select[blog.Article](s).SelectIn("Author", "Category", "Tags").OrderBy("Title").All(qtCtx)
		qtMust(t, err)
		st := selects(log)
		if len(st) != 4 || len(log.Statements()) != 4 {
			t.Fatalf("SelectIn of three: %q, want 4 SELECTs", log.Statements())
		}
		// The keys are bound, never written.
		for _, q := range st[1:] {
			if !strings.Contains(q, placeholder(db)) {
				t.Errorf("select-in without a placeholder: %s", q)
			}
			if strings.Contains(q, fmt.Sprint(" IN (", b.ids["user:ada"])) {
				t.Errorf("select-in wrote a key into the SQL: %s", q)
			}
		}
		byTitle := map[string]*blog.Article{}
		for _, a := range arts {
			byTitle[a.Title] = a
			for _, rel := range []string{"Author", "Category", "Tags"} {
				if ok, _ := s.IsLoaded(a, rel); !ok {
					t.Errorf("%q.%s not loaded", a.Title, rel)
				}
			}
		}
		if a := byTitle["Indexes"]; a.Author.Username != "bob" || a.Category.Name != "db" || len(a.Tags) != 1 || a.Tags[0].Name != "sql" {
			t.Errorf("Indexes: %+v %+v %+v", a.Author, a.Category, a.Tags)
		}
		if d := byTitle["Untitled draft"]; d.Category != nil || d.Tags == nil || len(d.Tags) != 0 {
			t.Errorf("draft: %+v %#v", d.Category, d.Tags)
		}
		if byTitle["Generics in Go"].Author != byTitle["Select-in loading"].Author {
			t.Error("ada loaded as two objects")
		}
		// Nothing more to load: Related and Load issue nothing.
		log.Reset()
		for _, a := range arts {
			_, err := relm.Related[blog.Tag](qtCtx, s, a, "Tags")
			qtMust(t, err)
		}
		qtMust(t, relm.Load(qtCtx, s, arts, "Author", "Category", "Tags"))
		if n := len(log.Statements()); n != 0 {
			t.Errorf("after SelectIn: %d statements", n)
		}

		// Nested: User Articles.Tags.
		s2 := b.session(t, db)
		log.Reset()
		users, err := relm.Select[blog.User](s2).SelectIn("Articles.Tags").OrderBy("Username").All(qtCtx)
		qtMust(t, err)
		if n := len(selects(log)); n != 3 {
			t.Errorf("SelectIn Articles.Tags: %d SELECTs: %q", n, log.Statements())
		}
		qtEqual(t, "users", usernames(users), []string{"ada", "bob", "cyd"})
		got := map[string][]string{}
		var orm []*blog.Tag
		for _, u := range users {
			if ok, _ := s2.IsLoaded(u, "Articles"); !ok {
				t.Errorf("%s.Articles not loaded", u.Username)
			}
			for _, a := range u.Articles {
				got[a.Title] = tagNames(a.Tags)
				if ok, _ := s2.IsLoaded(a, "Tags"); !ok {
					t.Errorf("%q.Tags not loaded", a.Title)
				}
				if a.Author != u {
					t.Errorf("%q.Author not the loading user", a.Title)
				}
				for _, tg := range a.Tags {
					if tg.Name == "orm" {
						orm = append(orm, tg)
					}
				}
			}
		}
		if len(got) != 5 || strings.Join(got["Generics in Go"], ",") != "go,orm" || len(got["Untitled draft"]) != 0 {
			t.Errorf("nested tags: %v", got)
		}
		if len(orm) != 2 || orm[0] != orm[1] {
			t.Errorf("tag orm: %d references, not one object", len(orm))
		}
		if len(users[2].Articles) != 0 || users[2].Articles == nil {
			t.Errorf("cyd: %#v", users[2].Articles)
		}
		// A collection loaded with a relationship order_by-less default:
		// by primary key.
		ada := users[0]
		for i := 1; i < len(ada.Articles); i++ {
			if ada.Articles[i-1].ID > ada.Articles[i].ID {
				t.Error("collection not in key order")
			}
		}

		// A path that ends in a collection of an empty set issues no
		// further SELECT.
		s3 := b.session(t, db)
		log.Reset()
		none, err := relm.Select[blog.User](s3).Where(relm.Eq("Username", "nobody")).SelectIn("Articles.Tags").All(qtCtx)
		qtMust(t, err)
		if len(none) != 0 || len(log.Statements()) != 1 {
			t.Errorf("SelectIn on no rows: %d rows, %q", len(none), log.Statements())
		}
	})
}

func TestLoaderJoined(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		// Many-to-one.
		arts, err := relm.Select[blog.Article](s).Joined("Author").OrderBy("Title").All(qtCtx)
		qtMust(t, err)
		st := log.Statements()
		if len(st) != 1 || !strings.Contains(st[0], "LEFT OUTER JOIN") {
			t.Fatalf("Joined Author: %q", st)
		}
		if len(arts) != 5 {
			t.Fatalf("%d articles", len(arts))
		}
		var ada *blog.User
		for _, a := range arts {
			if ok, _ := s.IsLoaded(a, "Author"); !ok || a.Author == nil {
				t.Errorf("%q: Author not loaded", a.Title)
				continue
			}
			if a.Author.Username == "ada" {
				if ada != nil && ada != a.Author {
					t.Error("ada joined as two objects")
				}
				ada = a.Author
			}
			if ok, _ := s.IsLoaded(a, "Category"); ok {
				t.Errorf("%q: Category loaded without being asked", a.Title)
			}
		}
		log.Reset()
		got, err := relm.Get[blog.User](qtCtx, s, b.ids["user:ada"])
		qtMust(t, err)
		if got != ada || len(log.Statements()) != 0 {
			t.Error("joined user not in the identity map")
		}

		// One-to-one, from the parent side: ada has an info, bob none.
		s2 := b.session(t, db)
		log.Reset()
		users, err := relm.Select[blog.User](s2).Joined("UserInfo").OrderBy("Username").All(qtCtx)
		qtMust(t, err)
		if len(log.Statements()) != 1 || len(users) != 3 {
			t.Fatalf("Joined UserInfo: %d users, %q", len(users), log.Statements())
		}
		if users[0].UserInfo == nil || *users[0].UserInfo.Name != "Ada Lovelace" || users[1].UserInfo != nil {
			t.Errorf("infos: %+v %+v", users[0].UserInfo, users[1].UserInfo)
		}
		for _, u := range users {
			if ok, _ := s2.IsLoaded(u, "UserInfo"); !ok {
				t.Errorf("%s.UserInfo not loaded (nil must be a loaded nil)", u.Username)
			}
		}
		// The other direction of the one-to-one: UserInfo.User.
		infos, err := relm.Select[blog.UserInfo](s2).Joined("User").All(qtCtx)
		qtMust(t, err)
		if len(infos) != 1 || infos[0].User != users[0] || infos[0] != users[0].UserInfo {
			t.Error("UserInfo.User not the session's ada")
		}

		// Nested: Article Author.UserInfo, still one statement.
		s3 := b.session(t, db)
		log.Reset()
		arts, err = relm.Select[blog.Article](s3).Joined("Author.UserInfo", "Category").OrderBy("Title").All(qtCtx)
		qtMust(t, err)
		if st := log.Statements(); len(st) != 1 || strings.Count(st[0], "LEFT OUTER JOIN") != 3 {
			t.Fatalf("Joined Author.UserInfo, Category: %q", st)
		}
		for _, a := range arts {
			if a.Author == nil {
				t.Fatalf("%q: no author", a.Title)
			}
			if ok, _ := s3.IsLoaded(a.Author, "UserInfo"); !ok {
				t.Errorf("%q: Author.UserInfo not loaded", a.Title)
			}
			wantInfo := a.Author.Username == "ada"
			if (a.Author.UserInfo != nil) != wantInfo {
				t.Errorf("%q: Author.UserInfo = %v", a.Title, a.Author.UserInfo)
			}
			if a.Title == "Untitled draft" {
				if a.Category != nil {
					t.Error("draft has a category")
				}
				if ok, _ := s3.IsLoaded(a, "Category"); !ok {
					t.Error("draft's NULL Category not loaded")
				}
			} else if a.Category == nil {
				t.Errorf("%q: no category", a.Title)
			}
		}
		// Joined loading with a filter join on the same path and a limit.
		s4 := b.session(t, db)
		arts, err = relm.Select[blog.Article](s4).Join("Author").Joined("Author").
			Where(relm.Eq("Author.Username", "bob")).OrderBy("Title").Limit(1).All(qtCtx)
		qtMust(t, err)
		if len(arts) != 1 || arts[0].Title != "Channels" || arts[0].Author == nil || arts[0].Author.Username != "bob" {
			t.Errorf("join + joined: %+v", arts)
		}
		// Joined with a collection filter join (semi-join) and SelectIn.
		log.Reset()
		arts, err = relm.Select[blog.Article](s4).Join("Tags").Joined("Category").SelectIn("Tags").
			Where(relm.Eq("Tags.Name", "go")).OrderBy("Title").All(qtCtx)
		qtMust(t, err)
		qtEqual(t, "go articles", titles(arts), []string{"Channels", "Generics in Go"})
		if len(arts) == 2 && (arts[0].Category == nil || arts[0].Category.Name != "go" || len(arts[1].Tags) != 2) {
			t.Errorf("go articles loaded: %+v %+v", arts[0].Category, arts[1].Tags)
		}
		if n := len(selects(log)); n != 2 {
			t.Errorf("join+joined+selectin: %d SELECTs: %q", n, log.Statements())
		}
	})
}

func TestLoaderRaise(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db, relm.RaiseOnUnloaded())
		a, err := relm.Get[blog.Article](qtCtx, s, b.ids["article:Indexes"])
		qtMust(t, err)
		log.Reset()
		_, err = relm.Related[blog.User](qtCtx, s, a, "Author")
		if !errors.Is(err, relm.ErrNotLoaded) {
			t.Fatalf("raise mode: %v, want ErrNotLoaded", err)
		}
		for _, frag := range []string{"Article.Author", "SelectIn(\"Author\")", "relm.Load"} {
			if !strings.Contains(err.Error(), frag) {
				t.Errorf("raise error %q does not mention %q", err, frag)
			}
		}
		if n := len(log.Statements()); n != 0 {
			t.Errorf("raise mode issued %d statements", n)
		}
		_, err = relm.Related[blog.Tag](qtCtx, s, a, "Tags")
		if !errors.Is(err, relm.ErrNotLoaded) || !strings.Contains(err.Error(), "Article.Tags") {
			t.Errorf("raise mode Tags: %v", err)
		}
		// Explicit loading is allowed, and then access works.
		qtMust(t, relm.Load(qtCtx, s, a, "Author"))
		u, err := relm.Related[blog.User](qtCtx, s, a, "Author")
		qtMust(t, err)
		if len(u) != 1 || u[0].Username != "bob" {
			t.Errorf("after Load: %+v", u)
		}
		// Eager loading too.
		arts, err := relm.Select[blog.Article](s).SelectIn("Tags").Joined("Category").All(qtCtx)
		qtMust(t, err)
		for _, x := range arts {
			if _, err := relm.Related[blog.Tag](qtCtx, s, x, "Tags"); err != nil {
				t.Errorf("%q Tags after SelectIn: %v", x.Title, err)
			}
			if _, err := relm.Related[blog.Category](qtCtx, s, x, "Category"); err != nil {
				t.Errorf("%q Category after Joined: %v", x.Title, err)
			}
			_, err := relm.Related[blog.User](qtCtx, s, x, "Author")
			if x != a && !errors.Is(err, relm.ErrNotLoaded) {
				t.Errorf("%q Author never loaded: %v", x.Title, err)
			}
		}
		// A new object's relationships are known (pending objects are
		// loaded by definition).
		n := &blog.Article{Title: "new"}
		qtMust(t, s.Add(n))
		if _, err := relm.Related[blog.Tag](qtCtx, s, n, "Tags"); err != nil {
			t.Errorf("pending object in raise mode: %v", err)
		}

		// lazy:raise on one relationship, in a normal session.
		reg := qtExtraRegistry(t)
		qtMust(t, reg.CreateAll(qtCtx, db))
		w := qtSession(t, db, reg)
		f := &qtFolder{Name: "docs", Files: []*qtFile{{Name: "a.txt"}, {Name: "b.txt"}}}
		qtMust(t, w.Add(f))
		qtMust(t, w.Commit(qtCtx))
		s2 := qtSession(t, db, reg)
		folder, err := relm.Select[qtFolder](s2).One(qtCtx)
		qtMust(t, err)
		log.Reset()
		_, err = relm.Related[qtFile](qtCtx, s2, folder, "Files")
		if !errors.Is(err, relm.ErrNotLoaded) || !strings.Contains(err.Error(), "qtFolder.Files") {
			t.Errorf("lazy:raise: %v", err)
		}
		if n := len(log.Statements()); n != 0 {
			t.Errorf("lazy:raise issued %d statements", n)
		}
		// The other side is not lazy:raise.
		file, err := relm.Select[qtFile](s2).Where(relm.Eq("Name", "a.txt")).One(qtCtx)
		qtMust(t, err)
		fs, err := relm.Related[qtFolder](qtCtx, s2, file, "Folder")
		qtMust(t, err)
		if len(fs) != 1 || fs[0] != folder {
			t.Errorf("file's folder: %+v", fs)
		}
		// Eager-loaded, it is reachable.
		folders, err := relm.Select[qtFolder](s2).SelectIn("Files").All(qtCtx)
		qtMust(t, err)
		files, err := relm.Related[qtFile](qtCtx, s2, folders[0], "Files")
		qtMust(t, err)
		if len(files) != 2 || folders[0] != folder {
			t.Errorf("files after SelectIn: %d", len(files))
		}
	})
}

// Loaded rows go through the identity map: a user referenced by 50
// articles is one pointer, whichever loader brings it.
func TestLoaderIdentityMap(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, err := blog.NewRegistry()
		qtMust(t, err)
		qtMust(t, reg.CreateAll(qtCtx, db))
		w := qtSession(t, db, reg)
		u := &blog.User{Username: "prolific", Password: "pw", Email: "p@example.com"}
		other := &blog.User{Username: "other", Password: "pw", Email: "o@example.com"}
		for i := range 50 {
			qtMust(t, w.Add(&blog.Article{Title: fmt.Sprintf("post %02d", i), Author: u}))
		}
		qtMust(t, w.Add(&blog.Article{Title: "elsewhere", Author: other}))
		qtMust(t, w.Commit(qtCtx))

		for _, mode := range []string{"SelectIn", "Joined", "Load", "Related"} {
			s := qtSession(t, db, reg)
			q := relm.Select[blog.Article](s).Where(relm.Like("Title", "post%"))
			switch mode {
			case "SelectIn":
				q = q.SelectIn("Author")
			case "Joined":
				q = q.Joined("Author")
			}
			arts, err := q.All(qtCtx)
			qtMust(t, err)
			if len(arts) != 50 {
				t.Fatalf("%s: %d articles", mode, len(arts))
			}
			switch mode {
			case "Load":
				qtMust(t, relm.Load(qtCtx, s, arts, "Author"))
			case "Related":
				log.Reset()
				for _, a := range arts {
					_, err := relm.Related[blog.User](qtCtx, s, a, "Author")
					qtMust(t, err)
				}
				// The first loads the user; the other 49 find it in the
				// identity map.
				if n := len(log.Statements()); n != 1 {
					t.Errorf("Related on 50 articles of one user: %d statements, want 1", n)
				}
			}
			first := arts[0].Author
			if first == nil || first.Username != "prolific" {
				t.Fatalf("%s: author %+v", mode, first)
			}
			distinct := map[*blog.User]bool{}
			for _, a := range arts {
				distinct[a.Author] = true
			}
			if len(distinct) != 1 {
				t.Errorf("%s: 50 articles of one user hold %d distinct pointers", mode, len(distinct))
			}
			log.Reset()
			again, err := relm.Select[blog.User](s).Where(relm.Eq("Username", "prolific")).One(qtCtx)
			qtMust(t, err)
			byKey, err := relm.Get[blog.User](qtCtx, s, u.ID)
			qtMust(t, err)
			if again != first || byKey != first {
				t.Errorf("%s: the user queried again is another object", mode)
			}
			if n := len(log.Statements()); n != 1 {
				t.Errorf("%s: Get after load issued SQL (%d statements)", mode, n)
			}
		}
	})
}

// Loading does not lose what the program changed before loading.
func TestLoaderKeepsUnsavedChanges(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		b := qtSeed(t, db, log)
		s := b.session(t, db)
		a, err := relm.Get[blog.Article](qtCtx, s, b.ids["article:Indexes"])
		qtMust(t, err)
		cyd, err := relm.Get[blog.User](qtCtx, s, b.ids["user:cyd"])
		qtMust(t, err)
		web := &blog.Tag{Name: "fresh"}
		// Changed while unloaded, then loaded.
		a.Author = cyd
		a.Tags = append(a.Tags, web)
		qtMust(t, relm.Load(qtCtx, s, a, "Author", "Tags"))
		if a.Author != cyd {
			t.Errorf("Load replaced the program's Author with %q", a.Author.Username)
		}
		qtEqual(t, "tags after load", tagNames(a.Tags), []string{"fresh", "sql"})
		qtMust(t, s.Commit(qtCtx))

		check := b.session(t, db)
		got, err := relm.Select[blog.Article](check).Where(relm.Eq("ID", a.ID)).SelectIn("Author", "Tags").One(qtCtx)
		qtMust(t, err)
		if got.Author == nil || got.Author.Username != "cyd" {
			t.Errorf("saved author: %+v", got.Author)
		}
		qtEqual(t, "saved tags", tagNames(got.Tags), []string{"fresh", "sql"})
	})
}

// Item 3: the statement-count contract. Loading N articles with Author,
// Category and Tags by select-in issues the same number of statements at
// N = 10 and N = 10,000.
func TestLoaderStatementCount(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("seeds 10,000 articles per dialect")
	}
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, err := blog.NewRegistry()
		qtMust(t, err)
		qtMust(t, reg.CreateAll(qtCtx, db))
		g := newQtGraph(1)
		r := rand.New(rand.NewPCG(1, 2))
		counts := map[int]int{}
		for _, n := range []int{10, 10_000} {
			// Grow the articles to n, saved through a session in one
			// commit.
			w := qtSession(t, db, reg)
			start := time.Now()
			fresh := g.addArticles(r, n-len(g.Articles))
			qtMust(t, w.AddAll(fresh))
			qtMust(t, w.Commit(qtCtx))
			qtMust(t, w.Close())
			seeded := time.Since(start)

			s := qtSession(t, db, reg)
			log.Reset()
			start = time.Now()
			arts, err := relm.Select[blog.Article](s).SelectIn("Author", "Category", "Tags").All(qtCtx)
			qtMust(t, err)
			loaded := time.Since(start)
			if len(arts) != n {
				t.Fatalf("N=%d: loaded %d articles", n, len(arts))
			}
			counts[n] = len(selects(log))
			if len(log.Statements()) != counts[n] {
				t.Errorf("N=%d: statements other than SELECT: %q", n, log.Statements())
			}
			t.Logf("N=%d: %d SELECTs (seed %v, load %v)", n, counts[n], seeded.Round(time.Millisecond), loaded.Round(time.Millisecond))
			// Everything was loaded: no further statement when reached.
			links := 0
			users := map[*blog.User]bool{}
			log.Reset()
			for _, a := range arts {
				if a.Author == nil || a.Category == nil || len(a.Tags) < 2 || len(a.Tags) > 5 {
					t.Fatalf("N=%d: article %d incomplete: %v %v %d tags", n, a.ID, a.Author, a.Category, len(a.Tags))
				}
				links += len(a.Tags)
				users[a.Author] = true
				if _, err := relm.Related[blog.Tag](qtCtx, s, a, "Tags"); err != nil {
					t.Fatal(err)
				}
			}
			if len(log.Statements()) != 0 {
				t.Errorf("N=%d: Related after SelectIn issued SQL", n)
			}
			if links != g.Links {
				t.Errorf("N=%d: %d tag links loaded, %d saved", n, links, g.Links)
			}
			if len(users) > len(g.Users) {
				t.Errorf("N=%d: %d distinct author objects for %d users", n, len(users), len(g.Users))
			}
			qtMust(t, s.Close())
		}
		if counts[10] != 4 || counts[10_000] != counts[10] {
			t.Errorf("SELECT statements: N=10: %d, N=10,000: %d; want 4 and 4", counts[10], counts[10_000])
		}
	})
}
