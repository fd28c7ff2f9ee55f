package relm_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Self-referential many-to-many (issue 29, item 6): users follow users
// through sr_follows(follower_id, followed_id), SQLAlchemy's
// "Self-Referential Many-to-Many Relationship". The two sides are kept in
// step, saved, loaded (select-in and joined, the users table twice) and
// filtered on.

type srUser struct {
	_         struct{}  `relm:"table:sr_users"`
	ID        int64     `relm:"pk"`
	Name      string    `relm:"size:32"`
	Following []*srUser `relm:"secondary:sr_follows;secondary_local:follower_id;secondary_remote:followed_id;back_populates:Followers;order_by:Name"`
	Followers []*srUser `relm:"secondary:sr_follows;secondary_local:followed_id;back_populates:Following;order_by:Name"`
}

func srFollows(users string) *schema.Table {
	return &schema.Table{Name: "sr_follows", Columns: []*schema.Column{
		{Name: "follower_id", Type: schema.BigInt, References: users + ".id", PrimaryKey: true},
		{Name: "followed_id", Type: schema.BigInt, References: users + ".id", PrimaryKey: true},
	}}
}

func srRegistry(t *testing.T) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	must(t, reg.AddTable(srFollows("sr_users")))
	must(t, reg.Register(&srUser{}))
	return reg
}

// srPairs reads the link rows as "follower>followed" names, sorted.
func srPairs(t *testing.T, db *relm.DB, users string) []string {
	t.Helper()
	got := queryStrings(t, db, "SELECT "+concat(db.Dialect(), concat(db.Dialect(), "a.name", "'>'"), "b.name")+" FROM sr_follows f JOIN "+users+" a ON a.id = f.follower_id JOIN "+users+" b ON b.id = f.followed_id")
	slices.Sort(got)
	return got
}

// srNames lists users' names in order.
func srNames(us []*srUser) string {
	var s []string
	for _, u := range us {
		s = append(s, u.Name)
	}
	return strings.Join(s, ",")
}

// srSortedNames lists users' names sorted (the in-memory side is appended
// in flush order).
func srSortedNames(us []*srUser) string {
	var s []string
	for _, u := range us {
		s = append(s, u.Name)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func srWant(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// Saving: link rows inserted after the users in one statement, a user
// following themself and a cycle (ada → bob → ada) included; the other
// side's collection brought into step at flush; removals from either side
// delete the link row; a pair changed on both sides is written once.
func TestSelfReferentialManyToManySave(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, srRegistry(t))
		ada, bob, cyd := &srUser{Name: "ada"}, &srUser{Name: "bob"}, &srUser{Name: "cyd"}
		ada.Following = []*srUser{bob, cyd}
		bob.Following = []*srUser{ada}
		cyd.Following = []*srUser{cyd}
		must(t, s.Add(ada))
		must(t, s.Commit(ctx))
		k := kinds(db, log.Statements())
		if n := slices.Index(k, "INSERT sr_follows"); n < 0 || slices.Index(k, "INSERT sr_users") > n ||
			strings.Count(strings.Join(k, ";"), "INSERT sr_follows") != 1 {
			t.Errorf("statements %q: want the users inserted, then the link rows in one INSERT", k)
		}
		srWant(t, "link rows", strings.Join(srPairs(t, db, "sr_users"), " "), "ada>bob ada>cyd bob>ada cyd>cyd")
		srWant(t, "ada.Followers", srSortedNames(ada.Followers), "bob")
		srWant(t, "bob.Followers", srSortedNames(bob.Followers), "ada")
		srWant(t, "cyd.Followers", srSortedNames(cyd.Followers), "ada,cyd")
		srWant(t, "cyd.Following", srSortedNames(cyd.Following), "cyd")

		// Removing from Following deletes the row and leaves the other's
		// Followers; removing from Followers deletes the row it names.
		log.Reset()
		ada.Following = []*srUser{cyd}
		cyd.Followers = slices.DeleteFunc(cyd.Followers, func(u *srUser) bool { return u == cyd })
		must(t, s.Commit(ctx))
		if k := kinds(db, log.Statements()); strings.Join(k, ",") != "BEGIN,DELETE sr_follows,COMMIT" {
			t.Errorf("removal statements %q", log.Statements())
		}
		srWant(t, "link rows after removal", strings.Join(srPairs(t, db, "sr_users"), " "), "ada>cyd bob>ada")
		srWant(t, "bob.Followers", srSortedNames(bob.Followers), "")
		srWant(t, "cyd.Following", srSortedNames(cyd.Following), "")
		srWant(t, "cyd.Followers", srSortedNames(cyd.Followers), "ada")

		// Both sides of one pair changed in one flush: one row.
		log.Reset()
		bob.Following = append(bob.Following, cyd)
		cyd.Followers = append(cyd.Followers, bob)
		must(t, s.Commit(ctx))
		if n := log.Count("INSERT"); n != 1 {
			t.Errorf("a pair appended on both sides: %d INSERTs: %q", n, log.Statements())
		}
		srWant(t, "link rows after both sides", strings.Join(srPairs(t, db, "sr_users"), " "), "ada>cyd bob>ada bob>cyd")

		// Removed on one side while the other still holds it: the change
		// is what is written, and the other side follows.
		log.Reset()
		bob.Following = slices.DeleteFunc(bob.Following, func(u *srUser) bool { return u == cyd })
		must(t, s.Commit(ctx))
		srWant(t, "link rows after removing bob>cyd", strings.Join(srPairs(t, db, "sr_users"), " "), "ada>cyd bob>ada")
		srWant(t, "cyd.Followers", srSortedNames(cyd.Followers), "ada")

		// Deleting a user deletes its link rows on both columns first.
		log.Reset()
		must(t, s.Delete(bob))
		must(t, s.Commit(ctx))
		k = kinds(db, log.Statements())
		if i, j := slices.Index(k, "DELETE sr_follows"), slices.Index(k, "DELETE sr_users"); i < 0 || j < i {
			t.Errorf("deleting bob: %q, want the link rows deleted before the user", log.Statements())
		}
		srWant(t, "link rows after deleting bob", strings.Join(srPairs(t, db, "sr_users"), " "), "ada>cyd")
		srWant(t, "ada.Followers", srSortedNames(ada.Followers), "")
	})
}

// The link table CreateAll makes: both foreign keys to the users table and
// a composite primary key (a second identical row is refused).
func TestSelfReferentialManyToManyDDL(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		newSession(t, db, log, srRegistry(t))
		_, err := db.ExecContext(ctx, rebind(db, "INSERT INTO sr_users (id, name) VALUES (?, ?)"), 1, "ada")
		must(t, err)
		_, err = db.ExecContext(ctx, rebind(db, "INSERT INTO sr_follows (follower_id, followed_id) VALUES (?, ?)"), 1, 1)
		must(t, err)
		if _, err = db.ExecContext(ctx, rebind(db, "INSERT INTO sr_follows (follower_id, followed_id) VALUES (?, ?)"), 1, 1); err == nil {
			t.Error("a duplicate link row was accepted: no composite primary key")
		}
		if db.Dialect().Name() != "sqlite" {
			if _, err = db.ExecContext(ctx, rebind(db, "INSERT INTO sr_follows (follower_id, followed_id) VALUES (?, ?)"), 1, 99); err == nil {
				t.Error("a link row to no user was accepted: no foreign key on followed_id")
			}
			if _, err = db.ExecContext(ctx, rebind(db, "INSERT INTO sr_follows (follower_id, followed_id) VALUES (?, ?)"), 99, 1); err == nil {
				t.Error("a link row from no user was accepted: no foreign key on follower_id")
			}
		}
	})
}

// srSeed saves ada → bob, ada → cyd, bob → ada, cyd → cyd, dan alone, and
// returns a function that opens a fresh session and empties the log.
func srSeed(t *testing.T, db *relm.DB, log *testdb.Log) func() *relm.Session {
	t.Helper()
	reg := srRegistry(t)
	s := newSession(t, db, log, reg)
	ada, bob, cyd, dan := &srUser{Name: "ada"}, &srUser{Name: "bob"}, &srUser{Name: "cyd"}, &srUser{Name: "dan"}
	ada.Following = []*srUser{bob, cyd}
	bob.Following = []*srUser{ada}
	cyd.Following = []*srUser{cyd}
	must(t, s.AddAll(ada, dan))
	must(t, s.Commit(ctx))
	return func() *relm.Session {
		s2 := relm.NewSession(db, reg)
		t.Cleanup(func() { s2.Close() })
		log.Reset()
		return s2
	}
}

// srCheckGraph checks the seeded graph as loaded, and that each user is
// one object.
func srCheckGraph(t *testing.T, users []*srUser) {
	t.Helper()
	srWant(t, "users", srNames(users), "ada,bob,cyd,dan")
	want := map[string][2]string{
		"ada": {"bob,cyd", "bob"}, "bob": {"ada", "ada"}, "cyd": {"cyd", "ada,cyd"}, "dan": {"", ""},
	}
	by := map[string]*srUser{}
	for _, u := range users {
		by[u.Name] = u
	}
	for _, u := range users {
		srWant(t, u.Name+".Following", srNames(u.Following), want[u.Name][0])
		srWant(t, u.Name+".Followers", srNames(u.Followers), want[u.Name][1])
		for _, f := range append(slices.Clone(u.Following), u.Followers...) {
			if by[f.Name] != f {
				t.Errorf("%s is loaded as two objects", f.Name)
			}
		}
	}
}

func TestSelfReferentialManyToManySelectIn(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		fresh := srSeed(t, db, log)
		s := fresh()
		users, err := relm.Select[srUser](s).SelectIn("Following", "Followers").OrderBy("Name").All(ctx)
		must(t, err)
		if n := len(log.Statements()); n != 3 {
			t.Errorf("SelectIn Following, Followers: %d statements, want 3: %q", n, log.Statements())
		}
		srCheckGraph(t, users)

		// Nested: the people those I follow follow, one statement a step.
		s2 := fresh()
		users, err = relm.Select[srUser](s2).Where(relm.Eq("Name", "ada")).SelectIn("Following.Following").All(ctx)
		must(t, err)
		if n := len(log.Statements()); n != 3 {
			t.Errorf("SelectIn Following.Following: %d statements, want 3: %q", n, log.Statements())
		}
		if len(users) != 1 {
			t.Fatalf("%d users", len(users))
		}
		var got []string
		for _, f := range users[0].Following {
			got = append(got, f.Name+":"+srNames(f.Following))
		}
		srWant(t, "ada's following's following", strings.Join(got, " "), "bob:ada cyd:cyd")
		if users[0].Following[0].Following[0] != users[0] {
			t.Error("bob's Following[0] is not the ada already loaded")
		}

		// Load on objects already there.
		s3 := fresh()
		users, err = relm.Select[srUser](s3).OrderBy("Name").All(ctx)
		must(t, err)
		log.Reset()
		must(t, relm.Load(ctx, s3, users, "Followers", "Following"))
		if n := len(log.Statements()); n != 2 {
			t.Errorf("Load Followers, Following: %d statements, want 2", n)
		}
		srCheckGraph(t, users)
	})
}

func TestSelfReferentialManyToManyJoined(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		fresh := srSeed(t, db, log)
		s := fresh()
		users, err := relm.Select[srUser](s).Joined("Following", "Followers").OrderBy("Name").All(ctx)
		must(t, err)
		st := log.Statements()
		if len(st) != 1 {
			t.Fatalf("Joined Following, Followers: %q, want one SELECT", st)
		}
		// The users table three times (the root, and the target of each
		// side, each after its link table), each under its own alias.
		if n := strings.Count(st[0], q(db, "sr_users")+" "); n != 3 {
			t.Errorf("the users table appears %d times, want 3: %s", n, st[0])
		}
		srCheckGraph(t, users)

		// With a limit, the parents are limited, not the rows.
		s2 := fresh()
		users, err = relm.Select[srUser](s2).Joined("Following.Followers").OrderBy("Name").Limit(1).All(ctx)
		must(t, err)
		if len(users) != 1 || srNames(users[0].Following) != "bob,cyd" ||
			srNames(users[0].Following[0].Followers) != "ada" || srNames(users[0].Following[1].Followers) != "ada,cyd" {
			t.Errorf("Joined Following.Followers limit 1: %+v", users)
		}
		if n := len(log.Statements()); n != 1 {
			t.Errorf("%d statements, want 1", n)
		}
	})
}

func TestSelfReferentialManyToManyFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := srSeed(t, db, log)()
		names := func(conds ...relm.Cond) string {
			t.Helper()
			us, err := relm.Select[srUser](s).Where(conds...).OrderBy("Name").All(ctx)
			must(t, err)
			return srNames(us)
		}
		srWant(t, "who follows bob", names(relm.Any("Following", relm.Eq("Name", "bob"))), "ada")
		srWant(t, "whom ada follows", names(relm.Any("Followers", relm.Eq("Name", "ada"))), "bob,cyd")
		srWant(t, "who follows anyone", names(relm.Any("Following")), "ada,bob,cyd")
		srWant(t, "who has no followers", names(relm.Not(relm.Any("Followers"))), "dan")
		srWant(t, "who follows themself", names(relm.Any("Following", relm.Eq("Name", "cyd")), relm.Eq("Name", "cyd")), "cyd")
		srWant(t, "who follows someone who follows ada",
			names(relm.Any("Following", relm.Any("Following", relm.Eq("Name", "ada")))), "ada")
		n, err := relm.Select[srUser](s).Where(relm.Any("Followers")).Count(ctx)
		must(t, err)
		if n != 3 {
			t.Errorf("Count of users with followers = %d, want 3", n)
		}
		// A join over the relationship: the users who follow someone other
		// than cyd, each once.
		n, err = relm.Select[srUser](s).Join("Following").Where(relm.Ne("Following.Name", "cyd")).Count(ctx)
		must(t, err)
		if n != 2 {
			t.Errorf("Count joined on Following, not cyd = %d, want 2 (ada, bob)", n)
		}
		us, err := relm.Select[srUser](s).Join("Followers").Where(relm.Eq("Followers.Name", "ada")).OrderBy("Name").All(ctx)
		must(t, err)
		srWant(t, "joined: whom ada follows", srNames(us), "bob,cyd")
	})
}

// The backref form: Followers created from Following, bound to the field.
type srbUser struct {
	_         struct{}   `relm:"table:sr_busers"`
	ID        int64      `relm:"pk"`
	Name      string     `relm:"size:32"`
	Following []*srbUser `relm:"secondary:sr_follows;secondary_local:follower_id;backref:Followers"`
	Followers []*srbUser
}

func TestSelfReferentialManyToManyBackref(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := mapping.NewRegistry()
		must(t, reg.AddTable(srFollows("sr_busers")))
		must(t, reg.Register(&srbUser{}))
		s := newSession(t, db, log, reg)
		ada, bob := &srbUser{Name: "ada"}, &srbUser{Name: "bob"}
		ada.Following = []*srbUser{ada, bob}
		bob.Followers = append(bob.Followers, ada) // both sides: one row
		ada.Followers = []*srbUser{ada}            // herself, from both sides too
		must(t, s.Add(ada))
		must(t, s.Commit(ctx))
		if n := log.Count("INSERT INTO " + q(db, "sr_follows")); n != 1 {
			t.Errorf("%d link INSERTs: %q", n, log.Statements())
		}
		if len(bob.Followers) != 1 || len(ada.Followers) != 1 || ada.Followers[0] != ada {
			t.Errorf("in memory: bob.Followers %d, ada.Followers %v", len(bob.Followers), ada.Followers)
		}
		got := queryStrings(t, db, "SELECT "+concat(db.Dialect(), concat(db.Dialect(), "a.name", "'>'"), "b.name")+" FROM sr_follows f JOIN sr_busers a ON a.id = f.follower_id JOIN sr_busers b ON b.id = f.followed_id ORDER BY 1")
		srWant(t, "link rows", strings.Join(got, " "), "ada>ada ada>bob")

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		log.Reset()
		us, err := relm.Select[srbUser](s2).SelectIn("Followers").Joined("Following").OrderBy("Name").All(ctx)
		must(t, err)
		if n := len(log.Statements()); n != 2 {
			t.Errorf("%d statements, want 2", n)
		}
		if len(us) != 2 || len(us[0].Following) != 2 || len(us[1].Followers) != 1 || us[1].Followers[0] != us[0] {
			t.Errorf("loaded: %+v", us)
		}
	})
}

// A self-referential association object: the link table mapped to
// srFollow, with a column of its own, and two one-to-many relationships
// from the same users table told apart by their foreign key.
type srAUser struct {
	_              struct{}    `relm:"table:sr_ausers"`
	ID             int64       `relm:"pk"`
	Name           string      `relm:"size:32"`
	FollowingLinks []*srFollow `relm:"foreign_keys:follower_id;back_populates:Follower;cascade:all,delete-orphan;order_by:FollowedID"`
	FollowerLinks  []*srFollow `relm:"foreign_keys:followed_id;back_populates:Followed;cascade:all,delete-orphan;order_by:FollowerID"`
}

type srFollow struct {
	_          struct{} `relm:"table:sr_follow_links"`
	FollowerID int64    `relm:"pk;autoincrement:false;fk:sr_ausers.id"`
	FollowedID int64    `relm:"pk;autoincrement:false;fk:sr_ausers.id"`
	Note       string   `relm:"size:32"`
	Follower   *srAUser `relm:"foreign_keys:follower_id;back_populates:FollowingLinks"`
	Followed   *srAUser `relm:"foreign_keys:followed_id;back_populates:FollowerLinks"`
}

func srLinkRows(t *testing.T, db *relm.DB) string {
	t.Helper()
	got := queryStrings(t, db, "SELECT "+concat(db.Dialect(), concat(db.Dialect(), concat(db.Dialect(), concat(db.Dialect(), "a.name", "'>'"), "b.name"), "':'"), "f.note")+
		" FROM sr_follow_links f JOIN sr_ausers a ON a.id = f.follower_id JOIN sr_ausers b ON b.id = f.followed_id")
	slices.Sort(got)
	return strings.Join(got, " ")
}

func TestSelfReferentialAssociationObject(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := mapping.NewRegistry()
		must(t, reg.Register(&srAUser{}, &srFollow{}))
		s := newSession(t, db, log, reg)
		ada, bob, cyd := &srAUser{Name: "ada"}, &srAUser{Name: "bob"}, &srAUser{Name: "cyd"}
		ada.FollowingLinks = []*srFollow{{Followed: bob, Note: "met"}, {Followed: cyd, Note: "work"}}
		bob.FollowingLinks = []*srFollow{{Followed: ada, Note: "back"}}
		cyd.FollowingLinks = []*srFollow{{Followed: cyd, Note: "self"}}
		must(t, s.Add(ada))
		must(t, s.Commit(ctx))
		k := kinds(db, log.Statements())
		if i, j := slices.Index(k, "INSERT sr_ausers"), slices.Index(k, "INSERT sr_follow_links"); i < 0 || j < i ||
			strings.Count(strings.Join(k, ";"), "INSERT sr_follow_links") != 1 {
			t.Errorf("statements %q: want the users, then the links in one INSERT", k)
		}
		srWant(t, "links", srLinkRows(t, db), "ada>bob:met ada>cyd:work bob>ada:back cyd>cyd:self")
		// Both sides in step: each link's Follower, and the followed
		// user's FollowerLinks.
		if l := ada.FollowingLinks[0]; l.Follower != ada || l.FollowerID != ada.ID || l.FollowedID != bob.ID {
			t.Errorf("ada's first link: %+v", l)
		}
		if len(bob.FollowerLinks) != 1 || bob.FollowerLinks[0] != ada.FollowingLinks[0] {
			t.Errorf("bob.FollowerLinks %v", bob.FollowerLinks)
		}
		if len(cyd.FollowerLinks) != 2 {
			t.Errorf("cyd.FollowerLinks %v, want ada's and cyd's", cyd.FollowerLinks)
		}

		// Loading through it: ada, her links, the users she follows —
		// one statement a step.
		s1 := relm.NewSession(db, reg)
		defer s1.Close()
		log.Reset()
		one, err := relm.Select[srAUser](s1).Where(relm.Eq("Name", "ada")).SelectIn("FollowingLinks.Followed").All(ctx)
		must(t, err)
		if n := len(log.Statements()); n != 3 || len(one) != 1 || len(one[0].FollowingLinks) != 2 ||
			one[0].FollowingLinks[0].Followed.Name != "bob" || one[0].FollowingLinks[1].Followed.Name != "cyd" {
			t.Errorf("SelectIn FollowingLinks.Followed of ada: %q", log.Statements())
		}
		// Every user: the followed users are all in the identity map
		// already, so the last step needs no statement.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		log.Reset()
		users, err := relm.Select[srAUser](s2).SelectIn("FollowingLinks.Followed", "FollowerLinks").OrderBy("Name").All(ctx)
		must(t, err)
		if n := len(log.Statements()); n != 3 {
			t.Errorf("SelectIn FollowingLinks.Followed, FollowerLinks: %d statements, want 3: %q", n, log.Statements())
		}
		var got []string
		for _, u := range users {
			for _, l := range u.FollowingLinks {
				got = append(got, u.Name+">"+l.Followed.Name+":"+l.Note)
				if l.Follower != u {
					t.Errorf("%s's link: Follower not the loading user", u.Name)
				}
			}
		}
		srWant(t, "loaded links", strings.Join(got, " "), "ada>bob:met ada>cyd:work bob>ada:back cyd>cyd:self")
		if users[0].FollowingLinks[0].Followed != users[1] || len(users[2].FollowerLinks) != 2 {
			t.Error("the followed users are not the loaded users, or cyd's FollowerLinks are not loaded")
		}
		// Joined loading: the users table twice, aliased.
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		log.Reset()
		users, err = relm.Select[srAUser](s3).Joined("FollowingLinks.Followed").OrderBy("Name").All(ctx)
		must(t, err)
		if n := len(log.Statements()); n != 1 || len(users) != 3 || users[2].FollowingLinks[0].Followed != users[2] ||
			users[0].FollowingLinks[1].Followed != users[2] {
			t.Errorf("Joined FollowingLinks.Followed: %q", log.Statements())
		}
		// Filtering through it.
		us, err := relm.Select[srAUser](s3).Where(relm.Any("FollowerLinks", relm.Eq("Note", "self"))).All(ctx)
		must(t, err)
		if len(us) != 1 || us[0].Name != "cyd" {
			t.Errorf("followed with note self: %v", us)
		}
		links, err := relm.Select[srFollow](s3).Where(relm.Has("Followed", relm.Eq("Name", "ada")), relm.Has("Follower", relm.Ne("Name", "ada"))).All(ctx)
		must(t, err)
		if len(links) != 1 || links[0].Note != "back" {
			t.Errorf("links to ada from someone else: %+v", links)
		}

		// delete-orphan: a link taken out of FollowingLinks is deleted;
		// deleting a user deletes its links on both sides (cascade delete).
		log.Reset()
		ada.FollowingLinks = ada.FollowingLinks[1:]
		must(t, s.Commit(ctx))
		if k := kinds(db, log.Statements()); strings.Join(k, ",") != "BEGIN,DELETE sr_follow_links,COMMIT" {
			t.Errorf("orphan: %q", log.Statements())
		}
		srWant(t, "links after the orphan", srLinkRows(t, db), "ada>cyd:work bob>ada:back cyd>cyd:self")
		log.Reset()
		must(t, s.Delete(cyd))
		must(t, s.Commit(ctx))
		k = kinds(db, log.Statements())
		if i, j := slices.Index(k, "DELETE sr_follow_links"), slices.Index(k, "DELETE sr_ausers"); i < 0 || j < i {
			t.Errorf("deleting cyd: %q", log.Statements())
		}
		srWant(t, "links after deleting cyd", srLinkRows(t, db), "bob>ada:back")
	})
}

// A self-referential link table with two foreign keys to the users table
// and no link column named: CreateAll fails before any SQL, naming the
// relationship and the columns to choose from.
type srUnnamed struct {
	_         struct{}     `relm:"table:sr_users"`
	ID        int64        `relm:"pk"`
	Following []*srUnnamed `relm:"secondary:sr_follows"`
}

func TestSelfReferentialManyToManyAmbiguousBeforeSQL(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := mapping.NewRegistry()
		must(t, reg.AddTable(srFollows("sr_users")))
		must(t, reg.Register(&srUnnamed{}))
		log.Reset()
		err := reg.CreateAll(ctx, db)
		if err == nil || !errors.Is(err, mapping.ErrAmbiguousForeignKeys) ||
			!strings.Contains(err.Error(), "srUnnamed.Following") || !strings.Contains(err.Error(), "follower_id, followed_id") {
			t.Fatalf("CreateAll: %v", err)
		}
		if st := log.Statements(); len(st) != 0 {
			t.Errorf("statements before the error: %q", st)
		}
		names, err := db.Dialect().TableNames(ctx, db)
		must(t, err)
		if len(names) != 0 {
			t.Errorf("tables %v after a refused CreateAll", names)
		}
	})
}
