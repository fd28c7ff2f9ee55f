package relm_test

import (
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Soft delete models: authors and posts are soft-deleted (sql.NullTime and
// *time.Time), comments are not; posts have soft-deleted tags through a
// link table.
type SDAuthor struct {
	ID        int `relm:"pk"`
	Name      string
	DeletedAt sql.NullTime `relm:"softdelete"`
	Posts     []*SDPost    `relm:"back_populates:Author;cascade:all,delete-orphan"`
}

func (SDAuthor) TableName() string { return "sd_authors" }

type SDPost struct {
	ID        int `relm:"pk"`
	Title     string
	AuthorID  *int         `relm:"fk:sd_authors.id"`
	Author    *SDAuthor    `relm:"back_populates:Posts"`
	DeletedAt *time.Time   `relm:"softdelete"`
	Comments  []*SDComment `relm:"back_populates:Post;cascade:all,delete-orphan"`
	Tags      []*SDTag     `relm:"secondary:sd_post_tags"`
}

func (SDPost) TableName() string { return "sd_posts" }

type SDComment struct {
	ID     int `relm:"pk"`
	Body   string
	PostID *int    `relm:"fk:sd_posts.id"`
	Post   *SDPost `relm:"back_populates:Comments"`
}

func (SDComment) TableName() string { return "sd_comments" }

type SDTag struct {
	ID        int `relm:"pk"`
	Name      string
	DeletedAt *time.Time `relm:"softdelete"`
}

func (SDTag) TableName() string { return "sd_tags" }

// SDVDoc is soft-deleted and versioned.
type SDVDoc struct {
	ID        int `relm:"pk"`
	Title     string
	Version   int        `relm:"version"`
	DeletedAt *time.Time `relm:"softdelete"`
}

func (SDVDoc) TableName() string { return "sd_vdocs" }

func sdRegistry(t *testing.T) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	must(t, reg.Register(&SDAuthor{}, &SDPost{}, &SDComment{}, &SDTag{}, &SDVDoc{}))
	must(t, reg.AddTable(&schema.Table{Name: "sd_post_tags", Columns: []*schema.Column{
		{Name: "sd_post_id", Type: schema.Integer, NotNull: true, PrimaryKey: true, References: "sd_posts.id"},
		{Name: "sd_tag_id", Type: schema.Integer, NotNull: true, PrimaryKey: true, References: "sd_tags.id"},
	}}))
	must(t, reg.Configure())
	return reg
}

// sdSeed writes two authors: ann with posts p1 (comments c1, c2; tags go,
// sql) and p2; bob with p3.
func sdSeed(t *testing.T, db *relm.DB, log *testdb.Log) (*mapping.Registry, *SDAuthor) {
	t.Helper()
	reg := sdRegistry(t)
	s := newSession(t, db, nil, reg)
	goTag, sqlTag := &SDTag{Name: "go"}, &SDTag{Name: "sql"}
	ann := &SDAuthor{Name: "ann", Posts: []*SDPost{
		{Title: "p1", Comments: []*SDComment{{Body: "c1"}, {Body: "c2"}}, Tags: []*SDTag{goTag, sqlTag}},
		{Title: "p2"},
	}}
	bob := &SDAuthor{Name: "bob", Posts: []*SDPost{{Title: "p3"}}}
	must(t, s.AddAll(ann, bob))
	must(t, s.Commit(ctx))
	log.Reset()
	return reg, ann
}

// nullCount counts the rows of table whose deleted_at is NULL.
func nullCount(t *testing.T, db *relm.DB, table string) int {
	t.Helper()
	return queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, table)+" WHERE "+q(db, "deleted_at")+" IS NULL")
}

// A softdelete field that cannot hold NULL, of another type, or a second
// one, is refused at mapping, naming the struct and field.
func TestSoftDeleteMappingErrors(t *testing.T) {
	type sdPlain struct {
		ID        int       `relm:"pk"`
		DeletedAt time.Time `relm:"softdelete"`
	}
	type sdNotNull struct {
		ID        int        `relm:"pk"`
		DeletedAt *time.Time `relm:"softdelete;notnull"`
	}
	type sdTwo struct {
		ID        int          `relm:"pk"`
		DeletedAt *time.Time   `relm:"softdelete"`
		RemovedAt sql.NullTime `relm:"softdelete"`
	}
	type sdString struct {
		ID        int     `relm:"pk"`
		DeletedAt *string `relm:"softdelete"`
	}
	for _, c := range []struct {
		model any
		want  []string
	}{
		{&sdPlain{}, []string{"sdPlain.DeletedAt", "time.Time", "*time.Time or sql.NullTime"}},
		{&sdNotNull{}, []string{"sdNotNull.DeletedAt", "NOT NULL"}},
		{&sdTwo{}, []string{"sdTwo.DeletedAt", "sdTwo.RemovedAt", "both tagged softdelete"}},
		{&sdString{}, []string{"sdString.DeletedAt", "*string"}},
	} {
		err := mapping.NewRegistry().Register(c.model)
		if err == nil {
			t.Errorf("%T: registered", c.model)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%T: error %q does not say %q", c.model, err, w)
			}
		}
	}
}

// Delete of a soft delete object is an UPDATE of its deletion time, the
// flush's, UTC, the same for every row; its delete cascade soft-deletes
// posts and deletes comments; link rows stay; the objects leave the
// session.
func TestSoftDeleteFlush(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, ann := sdSeed(t, db, log)
		s := relm.NewSession(db, reg)
		defer s.Close()
		a, err := relm.Get[SDAuthor](ctx, s, ann.ID)
		must(t, err)
		must(t, relm.Load(ctx, s, a, "Posts.Comments"))
		log.Reset()
		must(t, s.Delete(a))
		before := time.Now().UTC().Add(-time.Second)
		must(t, s.Commit(ctx))
		var softs, deletes int
		for _, st := range log.Statements() {
			switch {
			case strings.HasPrefix(st, "UPDATE "+q(db, "sd_authors")+" SET "+q(db, "deleted_at")+" = "),
				strings.HasPrefix(st, "UPDATE "+q(db, "sd_posts")+" SET "+q(db, "deleted_at")+" = "):
				softs++
			case strings.HasPrefix(st, "DELETE FROM "+q(db, "sd_comments")):
				deletes++
			case strings.HasPrefix(st, "DELETE"):
				t.Errorf("unexpected DELETE: %s", st)
			}
		}
		if softs != 2 || deletes != 1 {
			t.Fatalf("statements %q: want an UPDATE of sd_authors and of sd_posts, a DELETE of sd_comments", log.Statements())
		}
		if countRows(t, db, "sd_authors") != 2 || nullCount(t, db, "sd_authors") != 1 {
			t.Errorf("authors: %d rows, %d not deleted; want 2, 1", countRows(t, db, "sd_authors"), nullCount(t, db, "sd_authors"))
		}
		if countRows(t, db, "sd_posts") != 3 || nullCount(t, db, "sd_posts") != 1 {
			t.Errorf("posts: %d rows, %d not deleted; want 3, 1", countRows(t, db, "sd_posts"), nullCount(t, db, "sd_posts"))
		}
		if n := countRows(t, db, "sd_comments"); n != 0 {
			t.Errorf("%d comments left; the cascade to a model without soft delete deletes", n)
		}
		if n := countRows(t, db, "sd_post_tags"); n != 2 {
			t.Errorf("%d link rows, want 2: a soft-deleted post keeps its links", n)
		}
		if !a.DeletedAt.Valid || a.DeletedAt.Time.Before(before) || a.DeletedAt.Time.Location() != time.UTC {
			t.Fatalf("author's DeletedAt %v: want the flush's time, UTC", a.DeletedAt)
		}
		for _, p := range a.Posts {
			if p.DeletedAt == nil || !p.DeletedAt.Equal(a.DeletedAt.Time) {
				t.Errorf("post %s DeletedAt %v, want the author's %v (one time per flush)", p.Title, p.DeletedAt, a.DeletedAt.Time)
			}
		}
		// What the objects hold is what the rows hold, to the microsecond.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Select[SDAuthor](s2).WithDeleted().Where(relm.Eq("ID", a.ID)).One(ctx)
		must(t, err)
		if !got.DeletedAt.Time.Equal(a.DeletedAt.Time) {
			t.Errorf("row's deleted_at %v, object's %v", got.DeletedAt.Time, a.DeletedAt.Time)
		}
		if s.Contains(a) || s.Contains(a.Posts[0]) {
			t.Error("soft-deleted objects are still in the session")
		}
		if _, err := relm.Get[SDAuthor](ctx, s, a.ID); !errors.Is(err, relm.ErrNotFound) {
			t.Errorf("Get of a soft-deleted author: %v, want ErrNotFound", err)
		}
	})
}

// sdHasNull reports whether every statement of the log that reads table
// names its deleted_at IS NULL.
func sdCheckNull(t *testing.T, db *relm.DB, log *testdb.Log, what string, alias string) {
	t.Helper()
	want := q(db, "deleted_at") + " IS NULL"
	if alias != "" {
		want = alias + "." + want
	}
	st := log.Statements()
	if len(st) == 0 {
		t.Fatalf("%s: no statement", what)
	}
	for _, x := range st {
		if !strings.Contains(x, want) {
			t.Errorf("%s: %s has no %s", what, x, want)
		}
	}
	log.Reset()
}

// Every read leaves soft-deleted rows out: Select and its Count, Exists,
// First, One, Scan; Get; joins; select-in, joined and explicit loads —
// unless WithDeleted, on every path of the query.
func TestSoftDeleteQueries(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, ann := sdSeed(t, db, log)
		// p2 and the tag sql soft-deleted, directly.
		must(t, func() error {
			s := relm.NewSession(db, reg)
			defer s.Close()
			p2, err := relm.Select[SDPost](s).Where(relm.Eq("Title", "p2")).One(ctx)
			if err != nil {
				return err
			}
			tag, err := relm.Select[SDTag](s).Where(relm.Eq("Name", "sql")).One(ctx)
			if err != nil {
				return err
			}
			must(t, s.Delete(p2))
			must(t, s.Delete(tag))
			return s.Commit(ctx)
		}())
		log.Reset()
		s := relm.NewSession(db, reg)
		defer s.Close()

		posts, err := relm.Select[SDPost](s).OrderBy("Title").All(ctx)
		must(t, err)
		qtEqual(t, "All", sdTitles(posts), []string{"p1", "p3"})
		sdCheckNull(t, db, log, "All", "t0")
		n, err := relm.Select[SDPost](s).Count(ctx)
		must(t, err)
		if n != 2 {
			t.Errorf("Count %d, want 2", n)
		}
		sdCheckNull(t, db, log, "Count", "t0")
		ok, err := relm.Select[SDPost](s).Where(relm.Eq("Title", "p2")).Exists(ctx)
		must(t, err)
		if ok {
			t.Error("Exists found the soft-deleted p2")
		}
		sdCheckNull(t, db, log, "Exists", "t0")
		if _, err := relm.Select[SDPost](s).Where(relm.Eq("Title", "p2")).First(ctx); !errors.Is(err, relm.ErrNotFound) {
			t.Errorf("First of p2: %v, want ErrNotFound", err)
		}
		sdCheckNull(t, db, log, "First", "t0")
		if _, err := relm.Select[SDPost](s).Where(relm.Eq("Title", "p2")).One(ctx); !errors.Is(err, relm.ErrNotFound) {
			t.Errorf("One of p2: %v, want ErrNotFound", err)
		}
		sdCheckNull(t, db, log, "One", "t0")
		type row struct{ N int64 }
		rows, err := relm.Scan[row](ctx, relm.Select[SDPost](s).Columns(relm.CountAll().As("N")))
		must(t, err)
		if len(rows) != 1 || rows[0].N != 2 {
			t.Errorf("Scan COUNT(*) %v, want 2", rows)
		}
		sdCheckNull(t, db, log, "Scan", "t0")
		p2id := queryInt(t, db, "SELECT id FROM sd_posts WHERE title = 'p2'")
		if _, err := relm.Get[SDPost](ctx, s, p2id); !errors.Is(err, relm.ErrNotFound) {
			t.Errorf("Get of p2: %v, want ErrNotFound", err)
		}
		sdCheckNull(t, db, log, "Get", "")
		// A join to a soft delete model leaves its deleted rows out.
		byTag, err := relm.Select[SDPost](s).Join("Tags").Where(relm.Eq("Tags.Name", "sql")).All(ctx)
		must(t, err)
		if len(byTag) != 0 {
			t.Errorf("Join through the soft-deleted tag found %v", sdTitles(byTag))
		}
		sdCheckNull(t, db, log, "Join", "t1")
		// So does Any.
		withSQL, err := relm.Select[SDPost](s).Where(relm.Any("Tags", relm.Eq("Name", "sql"))).All(ctx)
		must(t, err)
		if len(withSQL) != 0 {
			t.Errorf("Any through the soft-deleted tag found %v", sdTitles(withSQL))
		}
		sdCheckNull(t, db, log, "Any", "t1")
		withSQL, err = relm.Select[SDPost](s).WithDeleted().Where(relm.Any("Tags", relm.Eq("Name", "sql"))).All(ctx)
		must(t, err)
		qtEqual(t, "Any WithDeleted", sdTitles(withSQL), []string{"p1"})
		// A subquery over a soft delete model leaves its deleted rows out,
		// unless it is WithDeleted itself; the enclosing query's choice
		// is its own.
		log.Reset()
		authors, err := relm.Select[SDAuthor](s).Where(relm.In("ID",
			relm.Select[SDPost](s).Columns(relm.Col("AuthorID")).Where(relm.Eq("Title", "p2")))).All(ctx)
		must(t, err)
		if len(authors) != 0 {
			t.Errorf("In over a subquery found the author of the soft-deleted p2: %d authors", len(authors))
		}
		sdCheckNull(t, db, log, "In subquery", "t1")
		authors, err = relm.Select[SDAuthor](s).Where(relm.In("ID",
			relm.Select[SDPost](s).WithDeleted().Columns(relm.Col("AuthorID")).Where(relm.Eq("Title", "p2")))).All(ctx)
		must(t, err)
		if len(authors) != 1 {
			t.Errorf("In over a WithDeleted subquery: %d authors, want 1", len(authors))
		}
		log.Reset()

		// Loads: the soft-deleted post and tag are left out.
		a, err := relm.Select[SDAuthor](s).Where(relm.Eq("ID", ann.ID)).SelectIn("Posts.Tags").One(ctx)
		must(t, err)
		qtEqual(t, "SelectIn Posts", sdTitles(a.Posts), []string{"p1"})
		if len(a.Posts) == 1 && len(a.Posts[0].Tags) != 1 {
			t.Errorf("SelectIn Posts.Tags: %d tags, want 1 (go)", len(a.Posts[0].Tags))
		}
		sdCheckNull(t, db, log, "SelectIn", "t0")
		s.ExpungeAll()
		a, err = relm.Select[SDAuthor](s).Where(relm.Eq("ID", ann.ID)).Joined("Posts").One(ctx)
		must(t, err)
		qtEqual(t, "Joined Posts", sdTitles(a.Posts), []string{"p1"})
		sdCheckNull(t, db, log, "Joined", "t1")
		s.ExpungeAll()
		limited, err := relm.Select[SDAuthor](s).OrderBy("Name").Joined("Posts").Limit(1).All(ctx)
		must(t, err)
		if len(limited) != 1 || limited[0].Name != "ann" {
			t.Fatalf("Joined with Limit: %d authors", len(limited))
		}
		qtEqual(t, "Joined Posts with Limit", sdTitles(limited[0].Posts), []string{"p1"})
		sdCheckNull(t, db, log, "Joined with Limit", "t1")
		s.ExpungeAll()
		a, err = relm.Get[SDAuthor](ctx, s, ann.ID)
		must(t, err)
		log.Reset()
		must(t, relm.Load(ctx, s, a, "Posts"))
		qtEqual(t, "Load Posts", sdTitles(a.Posts), []string{"p1"})
		sdCheckNull(t, db, log, "Load", "t0")

		// WithDeleted: every path of the query sees the deleted rows.
		s.ExpungeAll()
		a, err = relm.Select[SDAuthor](s).WithDeleted().Where(relm.Eq("ID", ann.ID)).SelectIn("Posts.Tags").One(ctx)
		must(t, err)
		qtEqual(t, "WithDeleted SelectIn", sorted(sdTitles(a.Posts)), []string{"p1", "p2"})
		for _, p := range a.Posts {
			if p.Title == "p1" && len(p.Tags) != 2 {
				t.Errorf("WithDeleted SelectIn Posts.Tags: %d tags of p1, want 2", len(p.Tags))
			}
		}
		for _, st := range log.Statements() {
			if strings.Contains(st, "IS NULL") {
				t.Errorf("WithDeleted: %s", st)
			}
		}
		s.ExpungeAll()
		a, err = relm.Select[SDAuthor](s).WithDeleted().Where(relm.Eq("ID", ann.ID)).Joined("Posts").One(ctx)
		must(t, err)
		qtEqual(t, "WithDeleted Joined", sorted(sdTitles(a.Posts)), []string{"p1", "p2"})
		n, err = relm.Select[SDPost](s).WithDeleted().Count(ctx)
		must(t, err)
		if n != 3 {
			t.Errorf("WithDeleted Count %d, want 3", n)
		}
	})
}

func sdTitles(ps []*SDPost) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Title)
	}
	return out
}

// A bulk Delete of a soft delete model is an UPDATE of the rows not yet
// deleted; the held objects it deletes leave the session. HardDelete[T]
// deletes rows, soft-deleted ones too. A bulk Update leaves deleted rows
// alone unless WithDeleted.
func TestSoftDeleteBulk(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, _ := sdSeed(t, db, log)
		s := relm.NewSession(db, reg)
		defer s.Close()
		p3, err := relm.Select[SDPost](s).Where(relm.Eq("Title", "p3")).One(ctx)
		must(t, err)
		log.Reset()
		n, err := relm.Delete[SDPost](s).Where(relm.In("Title", "p2", "p3")).Exec(ctx)
		must(t, err)
		if n != 2 {
			t.Errorf("bulk soft delete: %d rows, want 2", n)
		}
		st := log.Statements()
		// (MariaDB reads back which held rows it deleted: its
		// collations compare strings without case.)
		if len(st) == 0 || !strings.HasPrefix(st[0], "UPDATE "+q(db, "sd_posts")+" AS t0 SET "+q(db, "deleted_at")+" = ") ||
			!strings.Contains(st[0], "WHERE t0."+q(db, "deleted_at")+" IS NULL AND ") {
			t.Fatalf("bulk soft delete statements %q", st)
		}
		if s.Contains(p3) {
			t.Error("p3 is still in the session after its bulk soft delete")
		}
		if countRows(t, db, "sd_posts") != 3 || nullCount(t, db, "sd_posts") != 1 {
			t.Errorf("posts: %d rows, %d not deleted; want 3, 1", countRows(t, db, "sd_posts"), nullCount(t, db, "sd_posts"))
		}
		n, err = relm.Update[SDPost](s).Set("Title", "x").Exec(ctx)
		must(t, err)
		if n != 1 {
			t.Errorf("bulk Update changed %d rows, want 1 (the deleted ones left alone)", n)
		}
		n, err = relm.Update[SDPost](s).WithDeleted().Set("Title", "y").Exec(ctx)
		must(t, err)
		if n != 3 {
			t.Errorf("bulk Update WithDeleted changed %d rows, want 3", n)
		}
		must(t, s.Commit(ctx))
		log.Reset()
		// HardDelete of posts without comments or links: p2, p3.
		n, err = relm.HardDelete[SDPost](s).Where(relm.NotNull("DeletedAt")).Exec(ctx)
		must(t, err)
		if st := log.Statements(); n != 2 || len(st) != 1 || !strings.HasPrefix(st[0], "DELETE") || strings.Contains(st[0], "IS NULL") {
			t.Errorf("HardDelete: %d rows, statements %q; want 2 rows, one DELETE", n, st)
		}
		if c := countRows(t, db, "sd_posts"); c != 1 {
			t.Errorf("%d posts left, want 1", c)
		}
	})
}

// Session.HardDelete deletes the rows of a soft delete model and of its
// delete cascade, soft-deleted children included.
func TestSoftDeleteHardDelete(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, ann := sdSeed(t, db, log)
		s := relm.NewSession(db, reg)
		defer s.Close()
		// p2 soft-deleted first.
		_, err := relm.Delete[SDPost](s).Where(relm.Eq("Title", "p2")).Exec(ctx)
		must(t, err)
		// The link rows of p1 go with it (its hard delete detaches them).
		a, err := relm.Get[SDAuthor](ctx, s, ann.ID)
		must(t, err)
		log.Reset()
		must(t, s.HardDelete(a))
		must(t, s.Commit(ctx))
		for _, st := range log.Statements() {
			if strings.HasPrefix(st, "UPDATE") && strings.Contains(st, q(db, "deleted_at")) {
				t.Errorf("HardDelete soft-deleted: %s", st)
			}
		}
		if c := queryInt(t, db, "SELECT COUNT(*) FROM sd_authors WHERE id = ?", ann.ID); c != 0 {
			t.Errorf("ann's row is still there")
		}
		if c := countRows(t, db, "sd_posts"); c != 1 {
			t.Errorf("%d posts left, want 1 (bob's p3): the cascade deletes soft-deleted p2 too", c)
		}
		if c := countRows(t, db, "sd_comments") + countRows(t, db, "sd_post_tags"); c != 0 {
			t.Errorf("%d comments and links left, want 0", c)
		}
	})
}

// A versioned soft delete matches the version read and increments it; a
// row changed meanwhile is ErrStaleObject and nothing is written.
func TestSoftDeleteVersioned(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := sdRegistry(t)
		s1 := newSession(t, db, log, reg)
		d := &SDVDoc{Title: "a"}
		must(t, s1.Add(d))
		must(t, s1.Commit(ctx))
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		d2, err := relm.Get[SDVDoc](ctx, s2, d.ID)
		must(t, err)
		d.Title = "b"
		must(t, s1.Commit(ctx)) // version 2
		must(t, s2.Delete(d2))
		log.Reset()
		err = s2.Commit(ctx)
		var se *relm.StaleObjectError
		if !errors.Is(err, relm.ErrStaleObject) || !errors.As(err, &se) || se.Version != 1 {
			t.Fatalf("soft delete of a changed row: %v, want a StaleObjectError of version 1", err)
		}
		want := rebind(db, "UPDATE "+q(db, "sd_vdocs")+" SET "+q(db, "deleted_at")+" = ?, "+q(db, "version")+" = ? WHERE "+q(db, "id")+" = ? AND "+q(db, "version")+" = ?")
		if !strings.Contains(strings.Join(log.Statements(), "\n"), want) {
			t.Errorf("statements %q, want %q", log.Statements(), want)
		}
		if d2.DeletedAt != nil || nullCount(t, db, "sd_vdocs") != 1 {
			t.Errorf("a failed soft delete left DeletedAt %v / the row deleted", d2.DeletedAt)
		}
		must(t, s1.Delete(d))
		must(t, s1.Commit(ctx))
		if nullCount(t, db, "sd_vdocs") != 0 || queryInt(t, db, "SELECT "+q(db, "version")+" FROM sd_vdocs") != 3 {
			t.Errorf("soft delete with the current version: not deleted, or version not 3")
		}
	})
}

// An orphan of a delete-orphan collection, of a soft delete model, is
// soft-deleted.
func TestSoftDeleteOrphan(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, ann := sdSeed(t, db, log)
		s := relm.NewSession(db, reg)
		defer s.Close()
		a, err := relm.Select[SDAuthor](s).Where(relm.Eq("ID", ann.ID)).SelectIn("Posts").One(ctx)
		must(t, err)
		var p2 *SDPost
		for i, p := range a.Posts {
			if p.Title == "p2" {
				p2 = p
				a.Posts = append(a.Posts[:i:i], a.Posts[i+1:]...)
				break
			}
		}
		if p2 == nil {
			t.Fatal("ann has no p2")
		}
		log.Reset()
		must(t, s.Commit(ctx))
		if p2.DeletedAt == nil || countRows(t, db, "sd_posts") != 3 || nullCount(t, db, "sd_posts") != 2 {
			t.Fatalf("orphan p2: DeletedAt %v, %d rows, %d not deleted; want set, 3, 2 (statements %q)", p2.DeletedAt, countRows(t, db, "sd_posts"), nullCount(t, db, "sd_posts"), log.Statements())
		}
	})
}
