package relm_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
)

// indexOf returns the position of the first statement of kind k, or -1.
func indexOf(ks []string, k string) int { return slices.Index(ks, k) }

func lastIndexOf(ks []string, k string) int {
	for i := len(ks) - 1; i >= 0; i-- {
		if ks[i] == k {
			return i
		}
	}
	return -1
}

func TestUOWFlushOrderParentsFirstLinksLast(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		g := tutorial(5)
		info := &blog.UserInfo{Name: ptr("Ada")}
		g.Users[0].UserInfo = info
		// Only the articles are added: the rest follows by cascade.
		must(t, s.AddAll(g.Articles, g.Users[0]))
		must(t, s.Commit(ctx))
		ks := kinds(db, log.Statements())
		// Each table once, every parent before its children, link rows
		// after both their ends.
		for _, pair := range [][2]string{
			{"INSERT users", "INSERT articles"}, {"INSERT categories", "INSERT articles"},
			{"INSERT users", "INSERT userinfos"}, {"INSERT articles", "INSERT article_tag"},
			{"INSERT tags", "INSERT article_tag"},
		} {
			i, j := indexOf(ks, pair[0]), indexOf(ks, pair[1])
			if i < 0 || j < 0 || i > j {
				t.Errorf("%s must come before %s: %v", pair[0], pair[1], ks)
			}
		}
		if ks[len(ks)-2] != "INSERT article_tag" {
			t.Errorf("link rows are not written last: %v", ks)
		}
		// The keys: generated keys read back with RETURNING — except on
		// SQLite, whose INSERTs give their rows consecutive rowids ending
		// at the last-insert-id, read from the statement's result, and
		// for a one-row INSERT on MariaDB, whose last-insert-id is the
		// row's key (dialect.OneRowKeyer) — foreign keys filled from the
		// related objects.
		sqlite, maria := db.Dialect().Name() == "sqlite", db.Dialect().Name() == "mysql"
		for _, st := range log.Statements() {
			if !strings.HasPrefix(st, "INSERT") || strings.Contains(st, "article_tag") {
				continue
			}
			oneRow := !strings.Contains(st, "), (")
			want := !sqlite && !(maria && oneRow)
			if strings.Contains(st, "RETURNING") != want {
				t.Errorf("RETURNING %v expected: %.80s", want, st)
			}
		}
		if info.ID == 0 {
			t.Fatal("the user info's key was not read back")
		}
		if got := queryStrings(t, db, "SELECT name FROM userinfos WHERE id = ? AND user_id = ?", info.ID, g.Users[0].ID); len(got) != 1 || got[0] != "Ada" {
			t.Fatalf("user info %d: %v in the database", info.ID, got)
		}
		seen := map[int]bool{}
		for _, u := range g.Users {
			if u.ID == 0 && u.Articles == nil {
				continue // no article names this user: not saved
			}
			if u.ID == 0 || seen[u.ID] {
				t.Fatalf("user key %d not read back or repeated", u.ID)
			}
			seen[u.ID] = true
			if got := queryStrings(t, db, "SELECT username FROM users WHERE id = ?", u.ID); len(got) != 1 || got[0] != u.Username {
				t.Fatalf("user %d is %v in the database, %q in memory", u.ID, got, u.Username)
			}
		}
		for _, a := range g.Articles {
			if a.UserID == nil || *a.UserID != a.Author.ID || *a.CateID != a.Category.ID {
				t.Fatalf("article.UserID/CateID not filled from Author/Category: %+v", a)
			}
			if got := queryStrings(t, db, "SELECT title FROM articles WHERE id = ?", a.ID); len(got) != 1 || got[0] != a.Title {
				t.Fatalf("article %d is %v in the database, %q in memory", a.ID, got, a.Title)
			}
		}
		if info.UserID == nil || *info.UserID != g.Users[0].ID || info.User != g.Users[0] {
			t.Fatalf("userinfo not tied to its user: %+v", info)
		}

		// Deletes go children first: link rows, then articles, then their
		// authors and tags.
		log.Reset()
		a := g.Articles[0]
		must(t, s.Delete(a))
		must(t, s.Delete(a.Author))
		must(t, s.Delete(a.Tags[0]))
		must(t, s.Commit(ctx))
		ks = kinds(db, log.Statements())
		links, arts, users, tags := indexOf(ks, "DELETE article_tag"), indexOf(ks, "DELETE articles"), indexOf(ks, "DELETE users"), indexOf(ks, "DELETE tags")
		if links < 0 || arts < 0 || users < 0 || tags < 0 || !(links < arts && arts < users && lastIndexOf(ks, "DELETE article_tag") < tags) {
			t.Errorf("deletes not children first: %v", ks)
		}
		if queryInt(t, db, "SELECT COUNT(*) FROM articles WHERE id = ?", a.ID) != 0 ||
			queryInt(t, db, "SELECT COUNT(*) FROM article_tag WHERE article_id = ?", a.ID) != 0 {
			t.Error("the deleted article or its link rows remain")
		}
	})
}

func TestUOWCycleResolvedWithPostUpdate(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &CycA{}, &CycB{}))
		a := &CycA{Name: "a"}
		b := &CycB{Name: "b"}
		a.B, b.A = b, a
		must(t, s.Add(a))
		must(t, s.Commit(ctx))
		if a.ID == 0 || b.ID == 0 || a.BID == nil || *a.BID != b.ID || b.AID == nil || *b.AID != a.ID {
			t.Fatalf("keys after the cycle's flush: a=%+v b=%+v", a, b)
		}
		if got := nullableInt(t, db, "SELECT b_id FROM cyc_a WHERE id = ?", a.ID); got != b.ID {
			t.Errorf("cyc_a.b_id = %d, want %d", got, b.ID)
		}
		if got := nullableInt(t, db, "SELECT a_id FROM cyc_b WHERE id = ?", b.ID); got != a.ID {
			t.Errorf("cyc_b.a_id = %d, want %d", got, a.ID)
		}
		want := []string{"BEGIN", "INSERT cyc_a", "INSERT cyc_b", "UPDATE cyc_a", "COMMIT"}
		if got := kinds(db, log.Statements()); !equalStrings(got, want) {
			t.Errorf("statements %v, want %v", got, want)
		}
		// Nothing left to do: the post-update is remembered as flushed, and
		// an empty commit sends nothing.
		log.Reset()
		must(t, s.Commit(ctx))
		if got := kinds(db, log.Statements()); len(got) != 0 {
			t.Errorf("second commit: %v", got)
		}
	})
}

// Deleting both rows of a cycle between tables in one flush: the key of the
// table deleted last is set to NULL first (SQLAlchemy's post_update), then
// each DELETE finds nothing referring to its row.
func TestUOWCycleDeletedInOneFlush(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &CycA{}, &CycB{}))
		a := &CycA{Name: "a"}
		b := &CycB{Name: "b"}
		a.B, b.A = b, a
		keep := &CycA{Name: "kept"}
		must(t, s.AddAll(a, keep))
		must(t, s.Commit(ctx))
		must(t, s.Delete(a))
		must(t, s.Delete(b))
		log.Reset()
		must(t, s.Commit(ctx))
		want := []string{"BEGIN", "UPDATE cyc_a", "DELETE cyc_b", "DELETE cyc_a", "COMMIT"}
		if got := kinds(db, log.Statements()); !equalStrings(got, want) {
			t.Errorf("statements %v, want %v", got, want)
		}
		if countRows(t, db, "cyc_a") != 1 || countRows(t, db, "cyc_b") != 0 {
			t.Fatalf("rows left: cyc_a %d, cyc_b %d; want 1, 0", countRows(t, db, "cyc_a"), countRows(t, db, "cyc_b"))
		}
	})
}

func TestUOWCycleWithOneNotNullSide(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &HalfA{}, &HalfB{}))
		a := &HalfA{}
		b := &HalfB{}
		a.B, b.A = b, a
		must(t, s.Add(a))
		must(t, s.Commit(ctx))
		if got := nullableInt(t, db, "SELECT b_id FROM half_a WHERE id = ?", a.ID); got != b.ID {
			t.Errorf("half_a.b_id = %d, want %d", got, b.ID)
		}
		if got := nullableInt(t, db, "SELECT a_id FROM half_b WHERE id = ?", b.ID); got != a.ID {
			t.Errorf("half_b.a_id = %d, want %d", got, a.ID)
		}
		// half_b, whose key is nullable, goes first.
		want := []string{"BEGIN", "INSERT half_b", "INSERT half_a", "UPDATE half_b", "COMMIT"}
		if got := kinds(db, log.Statements()); !equalStrings(got, want) {
			t.Errorf("statements %v, want %v", got, want)
		}
	})
}

func TestUOWCycleNotNullRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &StrictA{}, &StrictB{}))
		a := &StrictA{}
		b := &StrictB{}
		a.B, b.A = b, a
		must(t, s.Add(a))
		err := s.Commit(ctx)
		if err == nil {
			t.Fatal("a cycle of NOT NULL keys committed")
		}
		for _, want := range []string{"cycle", "NOT NULL", "strict_a.b_id"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		var se *relm.StatementError
		if errors.As(err, &se) {
			t.Errorf("the cycle is refused before any statement, got %v", se)
		}
		if countRows(t, db, "strict_a")+countRows(t, db, "strict_b") != 0 {
			t.Error("rows written")
		}
		if a.ID != 0 || b.ID != 0 || a.BID != nil || b.AID != nil {
			t.Errorf("objects changed by the refused flush: %+v %+v", a, b)
		}
	})
}

func TestUOWSelfReferentialTreeInWaves(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &Node{}))
		root := &Node{Name: "root"}
		var mids, leaves []*Node
		for i := range 3 {
			// Mixed on purpose: a middle node names its parent (Parent),
			// and lists its children (Children).
			mid := &Node{Name: "mid" + string(rune('0'+i)), Parent: root}
			for j := range 2 {
				leaf := &Node{Name: mid.Name + "-" + string(rune('0'+j))}
				mid.Children = append(mid.Children, leaf)
				leaves = append(leaves, leaf)
			}
			mids = append(mids, mid)
		}
		// Only the middle nodes are added: the root and the leaves follow
		// by cascade.
		must(t, s.AddAll(mids))
		must(t, s.Commit(ctx))
		// Three waves: the root, its children, theirs.
		want := []string{"BEGIN", "INSERT nodes", "INSERT nodes", "INSERT nodes", "COMMIT"}
		if got := kinds(db, log.Statements()); !equalStrings(got, want) {
			t.Errorf("statements %v, want %v", got, want)
		}
		if countRows(t, db, "nodes") != len(mids)+len(leaves)+1 {
			t.Fatalf("%d nodes, want %d", countRows(t, db, "nodes"), len(mids)+len(leaves)+1)
		}
		if got := nullableInt(t, db, "SELECT parent_id FROM nodes WHERE id = ?", root.ID); got != -1 {
			t.Errorf("root parent_id %d", got)
		}
		for _, leaf := range leaves {
			mid := leaf.Parent
			if mid == nil || mid.Parent != root {
				t.Fatalf("leaf %s: Parent not kept in step", leaf.Name)
			}
			if got := nullableInt(t, db, "SELECT parent_id FROM nodes WHERE id = ?", leaf.ID); got != mid.ID {
				t.Errorf("leaf %s parent_id %d, want %d", leaf.Name, got, mid.ID)
			}
			if got := nullableInt(t, db, "SELECT parent_id FROM nodes WHERE id = ?", mid.ID); got != root.ID {
				t.Errorf("%s parent_id %d, want %d", mid.Name, got, root.ID)
			}
		}
		if len(root.Children) != 3 {
			t.Errorf("root.Children has %d nodes after the flush, want 3", len(root.Children))
		}
	})
}

func TestUOWSelfReferentialCycle(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &Node{}))
		// Two nodes, each the other's parent.
		a, b := &Node{Name: "a"}, &Node{Name: "b"}
		a.Parent, b.Parent = b, a
		must(t, s.Add(a))
		must(t, s.Commit(ctx))
		if got := nullableInt(t, db, "SELECT parent_id FROM nodes WHERE id = ?", a.ID); got != b.ID {
			t.Errorf("a.parent_id %d, want %d", got, b.ID)
		}
		if got := nullableInt(t, db, "SELECT parent_id FROM nodes WHERE id = ?", b.ID); got != a.ID {
			t.Errorf("b.parent_id %d, want %d", got, a.ID)
		}
		// Both rows in one INSERT with NULL parents, then their keys.
		if ks := kinds(db, log.Statements()); countKind(log, "INSERT nodes") != 1 || countKind(log, "UPDATE nodes") != 2 {
			t.Errorf("statements %v: want one INSERT and two post-updates", ks)
		}
		if len(a.Children) != 1 || a.Children[0] != b || len(b.Children) != 1 || b.Children[0] != a {
			t.Errorf("children not in step: %v %v", a.Children, b.Children)
		}
	})
}

func TestUOWRollbackRestoresDeletes(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		b := seedSmallBlog(t, s)
		must(t, s.Delete(b.u1))
		must(t, s.Delete(b.a2))
		must(t, s.Flush(ctx))
		if s.Contains(b.u1) || b.a1.UserID != nil {
			t.Fatal("flush did not apply the delete in memory")
		}
		must(t, s.Rollback(ctx))
		// Back as they were: in the session, keys and references intact.
		if !s.Contains(b.u1) || !s.Contains(b.a2) || b.a1.UserID == nil || *b.a1.UserID != b.u1.ID || b.a1.Author != b.u1 {
			t.Fatalf("after rollback: contains %v %v, a1 %+v", s.Contains(b.u1), s.Contains(b.a2), b.a1)
		}
		if got, err := relm.Get[blog.User](ctx, s, b.u1.ID); err != nil || got != b.u1 {
			t.Fatalf("Get after rollback: %v, %v", got, err)
		}
		if countRows(t, db, "users") != 2 || countRows(t, db, "articles") != 2 {
			t.Fatal("rows gone after rollback")
		}
		// The deletions were discarded with the transaction: the next
		// commit writes nothing; deleting again sends the same statements.
		log.Reset()
		must(t, s.Commit(ctx))
		if got := writes(log); len(got) != 0 {
			t.Fatalf("the commit after rollback wrote %v", got)
		}
		must(t, s.Delete(b.u1))
		must(t, s.Delete(b.a2))
		log.Reset()
		must(t, s.Commit(ctx))
		if got := kinds(db, writes(log)); !equalStrings(got, []string{"DELETE article_tag", "DELETE articles", "UPDATE articles", "UPDATE userinfos", "DELETE users"}) {
			t.Errorf("commit after rollback: %v", got)
		}
		if countRows(t, db, "users") != 1 || countRows(t, db, "articles") != 1 || b.a1.UserID != nil {
			t.Error("the deletes were not applied by the second commit")
		}
	})
}
