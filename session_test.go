package relm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// seedUsers commits n users in a session of their own and returns their keys.
func seedUsers(t *testing.T, db *relm.DB, s *relm.Session, n int) []int {
	t.Helper()
	var ids []int
	var users []*blog.User
	for i := range n {
		users = append(users, &blog.User{Username: "u" + string(rune('a'+i)), Password: "pw", Email: "e"})
	}
	must(t, s.AddAll(users))
	must(t, s.Commit(ctx))
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	return ids
}

func TestSessionGetUsesIdentityMap(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s0 := blogSession(t, db, log)
		ids := seedUsers(t, db, s0, 2)
		s := relm.NewSession(db, s0.Registry())
		defer s.Close()
		log.Reset()

		u1, err := relm.Get[blog.User](ctx, s, ids[0])
		must(t, err)
		if u1.ID != ids[0] || u1.Username != "ua" {
			t.Fatalf("Get loaded %+v", u1)
		}
		if n := log.Count("SELECT"); n != 1 {
			t.Fatalf("first Get: %d SELECTs, want 1:\n%s", n, log)
		}
		// The same key, in any integer type, answers from the identity map.
		again, err := relm.Get[blog.User](ctx, s, int64(ids[0]))
		must(t, err)
		if again != u1 {
			t.Fatal("Get twice returned two objects for one row")
		}
		if n := len(log.Statements()); n != 1 {
			t.Fatalf("second Get issued SQL:\n%s", log)
		}
		if !s.Contains(u1) || s.Len() != 1 {
			t.Fatalf("Contains %v, Len %d", s.Contains(u1), s.Len())
		}
		// Another row is another object.
		u2, err := relm.Get[blog.User](ctx, s, ids[1])
		must(t, err)
		if u2 == u1 || u2.ID != ids[1] {
			t.Fatalf("Get(%d) = %+v", ids[1], u2)
		}
		// A missing row is ErrNotFound.
		_, err = relm.Get[blog.User](ctx, s, 999999)
		if !errors.Is(err, relm.ErrNotFound) {
			t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
		}
	})
}

func TestSessionAddedAndLoadedAreOnePointer(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Password: "pw", Email: "ada@example.com"}
		a := &blog.Article{Title: "Hello", Author: u}
		must(t, s.Add(a))
		must(t, s.Commit(ctx))
		log.Reset()

		// Objects the session inserted are in its identity map: Get answers
		// with them, without SQL.
		got, err := relm.Get[blog.User](ctx, s, u.ID)
		must(t, err)
		if got != u {
			t.Fatal("Get returned a copy of an object the session inserted")
		}
		ga, err := relm.Get[blog.Article](ctx, s, a.ID)
		must(t, err)
		if ga != a {
			t.Fatal("Get returned a copy of an article reached by cascade")
		}
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("Get of session objects issued SQL:\n%s", log)
		}

		// A second object claiming the same row is refused when added.
		dup := &blog.User{ID: u.ID, Username: "impostor", Password: "x", Email: "x"}
		err = s.Add(dup)
		if !errors.Is(err, relm.ErrIdentityConflict) {
			t.Fatalf("Add of a second object for one row: %v, want an error", err)
		}
		if s.Contains(dup) {
			t.Fatal("the refused object is in the session")
		}

		// In a new session, a loaded object and the objects reached from
		// it by later loads are one pointer per row.
		s2 := relm.NewSession(db, s.Registry())
		defer s2.Close()
		l1, err := relm.Get[blog.User](ctx, s2, u.ID)
		must(t, err)
		l2, err := relm.Get[blog.User](ctx, s2, u.ID)
		must(t, err)
		if l1 != l2 || l1 == u {
			t.Fatal("identity map is per session and one pointer per row")
		}
	})
}

func TestSessionAddAllDeleteExpunge(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u1 := &blog.User{Username: "one", Password: "pw", Email: "e"}
		u2 := &blog.User{Username: "two", Password: "pw", Email: "e"}
		u3 := &blog.User{Username: "three", Password: "pw", Email: "e"}
		tag := &blog.Tag{Name: "go"}
		// AddAll takes objects and slices; adding twice is a no-op.
		must(t, s.AddAll([]*blog.User{u1, u2}, u3, tag))
		must(t, s.Add(u1))
		if s.Len() != 4 || !s.Contains(u1) || !s.Contains(tag) {
			t.Fatalf("Len %d after adding 4 objects", s.Len())
		}
		// Errors name what is wrong.
		if err := s.Add(blog.User{}); err == nil {
			t.Error("Add of a struct value: no error")
		}
		type Unmapped struct{ ID int }
		if err := s.Add(&Unmapped{}); err == nil || !strings.Contains(err.Error(), "not mapped") {
			t.Errorf("Add of an unmapped type: %v", err)
		}
		if err := s.AddAll([]any{u1, 3}); err == nil || !strings.Contains(err.Error(), "element 1") {
			t.Errorf("AddAll with a bad element: %v", err)
		}
		// Delete of a pending object just forgets it; Expunge forgets.
		must(t, s.Delete(u3))
		s.Expunge(tag)
		if s.Contains(u3) || s.Contains(tag) || s.Len() != 2 {
			t.Fatalf("after Delete/Expunge of pending objects: Len %d", s.Len())
		}
		must(t, s.Commit(ctx))
		if countRows(t, db, "users") != 2 || countRows(t, db, "tags") != 0 {
			t.Fatalf("users %d, tags %d; want 2, 0", countRows(t, db, "users"), countRows(t, db, "tags"))
		}
		if u3.ID != 0 || tag.ID != 0 {
			t.Fatal("forgotten objects got keys")
		}

		// Delete of a persistent object: DELETE at the next flush, then it
		// leaves the session and the identity map.
		log.Reset()
		must(t, s.Delete(u2))
		if !s.Contains(u2) {
			t.Fatal("a deleted object leaves the session at flush, not before")
		}
		must(t, s.Commit(ctx))
		if s.Contains(u2) || countRows(t, db, "users") != 1 {
			t.Fatalf("after deleting: Contains %v, %d users", s.Contains(u2), countRows(t, db, "users"))
		}
		if _, err := relm.Get[blog.User](ctx, s, u2.ID); !errors.Is(err, relm.ErrNotFound) {
			t.Fatalf("Get of a deleted row: %v", err)
		}
		// Delete then Add before the flush restores the object.
		must(t, s.Delete(u1))
		must(t, s.Add(u1))
		must(t, s.Commit(ctx))
		if countRows(t, db, "users") != 1 {
			t.Fatal("Delete then Add deleted the row")
		}
		// Delete of another object for a row the session holds is
		// refused; once that one is expunged, an object carrying just the
		// key deletes the row.
		if err := s.Delete(&blog.User{ID: u1.ID}); !errors.Is(err, relm.ErrIdentityConflict) {
			t.Fatalf("Delete of a second object for one row: %v, want ErrIdentityConflict", err)
		}
		s.Expunge(u1)
		must(t, s.Delete(&blog.User{ID: u1.ID}))
		must(t, s.Commit(ctx))
		if countRows(t, db, "users") != 0 {
			t.Fatal("Delete of a detached object with a key did not delete the row")
		}
		if err := s.Delete(&blog.User{}); err == nil {
			t.Fatal("Delete of an object with no key and not in the session: no error")
		}
		// ExpungeAll empties the session and leaves it usable.
		u4 := &blog.User{Username: "four", Password: "pw", Email: "e"}
		must(t, s.Add(u4))
		s.ExpungeAll()
		if s.Len() != 0 {
			t.Fatal("ExpungeAll left objects")
		}
		must(t, s.Commit(ctx))
		if countRows(t, db, "users") != 0 {
			t.Fatal("an expunged object was written")
		}
	})
}

func TestSessionFlushRollbackCommit(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Password: "pw", Email: "e"}
		must(t, s.Add(u))
		// Flush writes inside the session's transaction without committing.
		must(t, s.Flush(ctx))
		if u.ID == 0 {
			t.Fatal("Flush did not read the generated key back")
		}
		if got := kinds(db, log.Statements()); !equalStrings(got, []string{"BEGIN", "INSERT users"}) {
			t.Fatalf("Flush issued %v", got)
		}
		// (SQLite has one connection, held by the transaction.)
		if db.Dialect().Name() != "sqlite" && countRows(t, db, "users") != 0 {
			t.Fatal("a flushed row is visible outside the transaction")
		}
		// Get inside the transaction answers from the identity map.
		got, err := relm.Get[blog.User](ctx, s, u.ID)
		must(t, err)
		if got != u {
			t.Fatal("Get after Flush returned another object")
		}
		// Rollback: nothing written; the object, added since the last
		// commit, leaves the session without its generated key.
		must(t, s.Rollback(ctx))
		if u.ID != 0 || s.Contains(u) {
			t.Fatalf("after Rollback: ID %d (want 0), Contains %v (want false)", u.ID, s.Contains(u))
		}
		if n := countRows(t, db, "users"); n != 0 {
			t.Fatalf("%d users after Rollback", n)
		}
		// The same object, added again, commits afterwards.
		u.Username = "ada lovelace"
		must(t, s.Add(u))
		must(t, s.Commit(ctx))
		if u.ID == 0 || countRows(t, db, "users") != 1 {
			t.Fatal("Commit after Rollback did not insert")
		}
		// A second Commit with nothing changed writes nothing.
		log.Reset()
		must(t, s.Commit(ctx))
		for _, st := range log.Statements() {
			if k := kind(st); k != "BEGIN" && k != "COMMIT" {
				t.Fatalf("a Commit with no change issued %s", st)
			}
		}
		// Rollback with no transaction is a no-op.
		must(t, s.Rollback(ctx))
	})
}

func TestSessionClose(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{Username: "ada", Password: "pw", Email: "e"}
		must(t, s.Add(u))
		must(t, s.Flush(ctx))
		// Close rolls back the open transaction and releases the objects.
		must(t, s.Close())
		if n := countRows(t, db, "users"); n != 0 {
			t.Fatalf("Close committed: %d users", n)
		}
		if s.Len() != 0 || s.Contains(u) {
			t.Fatal("Close kept objects")
		}
		must(t, s.Close()) // twice is fine
		for name, err := range map[string]error{
			"Add":      s.Add(&blog.User{}),
			"AddAll":   s.AddAll(&blog.User{}),
			"Delete":   s.Delete(u),
			"Flush":    s.Flush(ctx),
			"Commit":   s.Commit(ctx),
			"Rollback": s.Rollback(ctx),
		} {
			if !errors.Is(err, relm.ErrSessionClosed) {
				t.Errorf("%s after Close: %v, want ErrSessionClosed", name, err)
			}
		}
		if _, err := relm.Get[blog.User](ctx, s, 1); !errors.Is(err, relm.ErrSessionClosed) {
			t.Errorf("Get after Close: %v, want ErrSessionClosed", err)
		}
	})
}

// TestSessionFirstQueryObjectsAreTracked: the objects of a fresh session's
// first query join its maps only when the session is next used; every use
// sees them as loaded objects: Get answers from the identity map, a second
// query yields the same pointers, a change is an UPDATE of that column, a
// changed primary key is refused, Delete deletes.
func TestSessionFirstQueryObjectsAreTracked(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s0 := blogSession(t, db, log)
		ids := seedUsers(t, db, s0, 3)
		s := relm.NewSession(db, s0.Registry())
		defer s.Close()
		users, err := relm.Select[blog.User](s).OrderBy("ID").All(ctx)
		must(t, err)
		if len(users) != 3 || s.Len() != 3 || !s.Contains(users[1]) {
			t.Fatalf("%d users, Len %d, Contains %v", len(users), s.Len(), s.Contains(users[1]))
		}
		log.Reset()
		got, err := relm.Get[blog.User](ctx, s, ids[1])
		must(t, err)
		if got != users[1] || len(log.Statements()) != 0 {
			t.Fatalf("Get after the query: same object %v, statements:\n%s", got == users[1], log)
		}
		again, err := relm.Select[blog.User](s).Where(relm.Eq("ID", ids[2])).All(ctx)
		must(t, err)
		if len(again) != 1 || again[0] != users[2] {
			t.Fatal("a second query returned another object for a row the session holds")
		}
		log.Reset()
		users[0].Email = "new@example.com"
		must(t, s.Commit(ctx))
		if w := writes(log); len(w) != 1 || !strings.HasPrefix(w[0], "UPDATE") || !strings.Contains(w[0], "email") || strings.Contains(w[0], "username") {
			t.Fatalf("commit of one changed column: %v", w)
		}
		users[2].ID += 1000
		if err := s.Commit(ctx); err == nil || !strings.Contains(err.Error(), "primary key") {
			t.Fatalf("commit of a changed key: %v", err)
		}
		users[2].ID -= 1000
		must(t, s.Delete(users[1]))
		must(t, s.Commit(ctx))
		if n := countRows(t, db, "users"); n != 2 {
			t.Fatalf("%d users after Delete, want 2", n)
		}
		if _, err := relm.Get[blog.User](ctx, s, ids[1]); !errors.Is(err, relm.ErrNotFound) {
			t.Fatalf("Get of the deleted user: %v", err)
		}
	})
}
