package relm_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// The association object, as SQLAlchemy's Parent/Association/Child: the
// link table article_tags mapped to ArticleTag, whose composite primary key
// is its two foreign keys, with columns of its own; Article.TagLinks and
// Tag.ArticleLinks are one-to-many relationships to it. Article.Tags is a
// plain many-to-many through the same table.
type Article struct {
	ID       int
	Title    string        `relm:"size:40"`
	TagLinks []*ArticleTag `relm:"back_populates:Article;cascade:all,delete-orphan;order_by:Position"`
	Tags     []*Tag        `relm:"secondary:article_tags"`
}

type Tag struct {
	ID           int
	Name         string        `relm:"size:40"`
	ArticleLinks []*ArticleTag `relm:"back_populates:Tag"`
}

type ArticleTag struct {
	ArticleID int       `relm:"pk;fk:articles.id"`
	TagID     int       `relm:"pk;fk:tags.id"`
	Position  int       `relm:"default:0"`
	CreatedAt time.Time `relm:"default:CURRENT_TIMESTAMP"`
	Article   *Article  `relm:"back_populates:TagLinks"`
	Tag       *Tag      `relm:"back_populates:ArticleLinks"`
}

func associationRegistry(t *testing.T) *mapping.Registry {
	return registry(t, &Article{}, &Tag{}, &ArticleTag{})
}

var at0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// seedAssociation saves two articles, the first linked to go (position 1)
// and sql (2), the second to sql.
func seedAssociation(t *testing.T, s *relm.Session) (a, b *Article, goTag, sqlTag *Tag) {
	t.Helper()
	goTag, sqlTag = &Tag{Name: "go"}, &Tag{Name: "sql"}
	a = &Article{Title: "a", TagLinks: []*ArticleTag{
		{Tag: goTag, Position: 1, CreatedAt: at0},
		{Tag: sqlTag, Position: 2, CreatedAt: at0},
	}}
	b = &Article{Title: "b", TagLinks: []*ArticleTag{{Tag: sqlTag, Position: 1, CreatedAt: at0}}}
	must(t, s.Add(a))
	must(t, s.Add(b))
	must(t, s.Commit(ctx))
	return a, b, goTag, sqlTag
}

// linkRows reads article_tags as (article_id, tag_id, position) triples,
// outside relm.
func linkRows(t *testing.T, db *relm.DB) [][3]int {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx, "SELECT "+q(db, "article_id")+", "+q(db, "tag_id")+", "+q(db, "position")+" FROM "+q(db, "article_tags")+" ORDER BY 1, 2")
	must(t, err)
	defer rows.Close()
	var out [][3]int
	for rows.Next() {
		var r [3]int
		must(t, rows.Scan(&r[0], &r[1], &r[2]))
		out = append(out, r)
	}
	must(t, rows.Err())
	return out
}

func TestAssociationObjectSave(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, associationRegistry(t))
		a, b, goTag, sqlTag := seedAssociation(t, s)
		// One INSERT per table; the links' keys come from their ends.
		if n := log.Count("INSERT"); n != 3 {
			t.Fatalf("%d INSERTs, want 3:\n%s", n, log)
		}
		l := a.TagLinks[1]
		if l.ArticleID != a.ID || l.TagID != sqlTag.ID {
			t.Fatalf("link keys (%d, %d), want (%d, %d)", l.ArticleID, l.TagID, a.ID, sqlTag.ID)
		}
		// The other ends' collections were brought in step.
		if len(sqlTag.ArticleLinks) != 2 || len(goTag.ArticleLinks) != 1 || goTag.ArticleLinks[0] != a.TagLinks[0] {
			t.Fatalf("tag links: go %d, sql %d", len(goTag.ArticleLinks), len(sqlTag.ArticleLinks))
		}
		// The identity map holds the links by their composite key.
		got, err := relm.Get[ArticleTag](ctx, s, relm.Key{b.ID, sqlTag.ID})
		must(t, err)
		if got != b.TagLinks[0] {
			t.Fatalf("Get(link) = %p, want the session's %p", got, b.TagLinks[0])
		}

		// A change of a link's own column: one UPDATE by the whole key.
		log.Reset()
		a.TagLinks[0].Position = 5
		must(t, s.Commit(ctx))
		if st := log.Statements(); log.Count("UPDATE") != 1 || !strings.Contains(log.String(), q(db, "tag_id")+" = ") {
			t.Fatalf("want one UPDATE by both key columns:\n%s", strings.Join(st, "\n"))
		}

		// delete-orphan: a link removed from TagLinks is deleted, the tag kept.
		log.Reset()
		a.TagLinks = a.TagLinks[:1]
		must(t, s.Commit(ctx))
		if log.Count("DELETE") != 1 {
			t.Fatalf("want one DELETE:\n%s", log)
		}
		rows := linkRows(t, db)
		if want := [][3]int{{a.ID, goTag.ID, 5}, {b.ID, sqlTag.ID, 1}}; len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] || countRows(t, db, "tags") != 2 {
			t.Fatalf("link rows %v, want %v; %d tags", rows, want, countRows(t, db, "tags"))
		}
		if len(sqlTag.ArticleLinks) != 1 {
			t.Fatalf("the orphan is still in sql's links: %d", len(sqlTag.ArticleLinks))
		}

		// Deleting an article deletes its links (cascade delete), loading
		// them first when they are not loaded.
		s2 := relm.NewSession(db, associationRegistry(t))
		defer s2.Close()
		a2, err := relm.Get[Article](ctx, s2, a.ID)
		must(t, err)
		must(t, s2.Delete(a2))
		must(t, s2.Commit(ctx))
		if rows := linkRows(t, db); len(rows) != 1 || rows[0] != [3]int{b.ID, sqlTag.ID, 1} {
			t.Fatalf("link rows after deleting a: %v, want b's only", rows)
		}
	})
}

// Loading through the association object: select-in in one statement per
// level, whatever the number of articles; joined loading in one.
func TestAssociationObjectLoad(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := associationRegistry(t)
		_, _, _, _ = seedAssociation(t, newSession(t, db, log, reg))
		check := func(what string, arts []*Article, selects int) {
			t.Helper()
			if n := log.Count("SELECT"); n != selects {
				t.Fatalf("%s: %d SELECTs, want %d:\n%s", what, n, selects, log)
			}
			if len(arts) != 2 || len(arts[0].TagLinks) != 2 || len(arts[1].TagLinks) != 1 {
				t.Fatalf("%s: loaded %+v", what, arts)
			}
			l := arts[0].TagLinks
			if l[0].Tag.Name != "go" || l[1].Tag.Name != "sql" || l[1].Position != 2 || !l[1].CreatedAt.Equal(at0) || l[0].Article != arts[0] {
				t.Fatalf("%s: links %+v %+v", what, l[0], l[1])
			}
			if arts[1].TagLinks[0].Tag != l[1].Tag {
				t.Fatalf("%s: the sql tag is two objects", what)
			}
		}
		s := relm.NewSession(db, reg)
		defer s.Close()
		log.Reset()
		arts, err := relm.Select[Article](s).OrderBy("ID").SelectIn("TagLinks.Tag").All(ctx)
		must(t, err)
		check("select-in", arts, 3)
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		log.Reset()
		arts, err = relm.Select[Article](s2).OrderBy("ID").Joined("TagLinks.Tag").All(ctx)
		must(t, err)
		check("joined", arts, 1)
		// From the tag's side.
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		tags, err := relm.Select[Tag](s3).Where(relm.Eq("Name", "sql")).SelectIn("ArticleLinks.Article").All(ctx)
		must(t, err)
		if len(tags) != 1 || len(tags[0].ArticleLinks) != 2 || tags[0].ArticleLinks[0].Article == nil {
			t.Fatalf("sql's links: %+v", tags)
		}
		// The plain many-to-many reads the same table.
		must(t, relm.Load(ctx, s3, tags[0].ArticleLinks[0].Article, "Tags"))
		if got := len(tags[0].ArticleLinks[0].Article.Tags); got == 0 {
			t.Fatalf("Article.Tags through article_tags is empty")
		}
	})
}

// Writing the link table through the plain many-to-many (Article.Tags) and
// as association objects in one flush is refused before any SQL, naming
// both relationships; each alone is written.
func TestAssociationObjectAndSecondaryConflict(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := associationRegistry(t)
		s := newSession(t, db, log, reg)
		a, _, goTag, sqlTag := seedAssociation(t, s)
		c := &Article{Title: "c"}
		must(t, s.Add(c))
		must(t, s.Commit(ctx))
		must(t, relm.Load(ctx, s, c, "Tags"))
		log.Reset()
		c.Tags = append(c.Tags, goTag)
		c.TagLinks = append(c.TagLinks, &ArticleTag{Tag: sqlTag, Position: 1, CreatedAt: at0})
		err := s.Commit(ctx)
		if !errors.Is(err, relm.ErrLinkTableConflict) {
			t.Fatalf("commit: %v, want ErrLinkTableConflict", err)
		}
		for _, w := range []string{"Article.Tags", "Article.TagLinks", "ArticleTag", "article_tags"} {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q does not name %s", err, w)
			}
		}
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("sent SQL before refusing:\n%s", log)
		}
		if n := countRows(t, db, "article_tags"); n != 3 {
			t.Fatalf("%d link rows, want the 3 seeded", n)
		}
		// Each alone: the many-to-many's link row takes the columns'
		// defaults.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		c2, err := relm.Get[Article](ctx, s2, c.ID)
		must(t, err)
		g2, err := relm.Get[Tag](ctx, s2, goTag.ID)
		must(t, err)
		must(t, relm.Load(ctx, s2, c2, "Tags"))
		c2.Tags = append(c2.Tags, g2)
		must(t, s2.Commit(ctx))
		if n := queryInt(t, db, "SELECT "+q(db, "position")+" FROM "+q(db, "article_tags")+" WHERE "+q(db, "article_id")+" = ?", c.ID); n != 0 {
			t.Fatalf("position %d, want the default 0", n)
		}
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		a3, err := relm.Get[Article](ctx, s3, a.ID)
		must(t, err)
		s3tag, err := relm.Get[Tag](ctx, s3, sqlTag.ID)
		must(t, err)
		c3, err := relm.Get[Article](ctx, s3, c.ID)
		must(t, err)
		must(t, relm.Load(ctx, s3, c3, "TagLinks"))
		c3.TagLinks = append(c3.TagLinks, &ArticleTag{Tag: s3tag, Position: 2, CreatedAt: at0})
		must(t, s3.Commit(ctx))
		if n := countRows(t, db, "article_tags"); n != 5 {
			t.Fatalf("%d link rows, want 5", n)
		}
		_ = a3
	})
}

// Two association objects for one pair in one flush: refused before their
// INSERT, naming the type and its key fields; nothing is written.
func TestAssociationObjectDuplicatePair(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, associationRegistry(t))
		tg := &Tag{Name: "go"}
		a := &Article{Title: "a", TagLinks: []*ArticleTag{{Tag: tg, Position: 1, CreatedAt: at0}, {Tag: tg, Position: 2, CreatedAt: at0}}}
		must(t, s.Add(a))
		err := s.Commit(ctx)
		if !errors.Is(err, relm.ErrIdentityConflict) || !strings.Contains(err.Error(), "ArticleTag.ArticleID, ArticleTag.TagID") {
			t.Fatalf("commit: %v, want ErrIdentityConflict naming ArticleTag's key fields", err)
		}
		for _, tbl := range []string{"articles", "tags", "article_tags"} {
			if n := countRows(t, db, tbl); n != 0 {
				t.Fatalf("%d rows in %s after the refused flush", n, tbl)
			}
		}
		if log.Count("INSERT INTO "+q(db, "article_tags")) != 0 {
			t.Fatalf("the duplicate links reached the database:\n%s", log)
		}
	})
}

// An association struct without a key is refused at mapping, naming it.
type keylessLink struct {
	ArticleID int `relm:"fk:articles.id"`
	TagID     int `relm:"fk:tags.id"`
	Position  int
}

func TestAssociationObjectWithoutKey(t *testing.T) {
	reg := mapping.NewRegistry()
	err := reg.Register(&Article{}, &Tag{}, &ArticleTag{}, &keylessLink{})
	if err == nil || !strings.Contains(err.Error(), "keylessLink has no primary key") || !strings.Contains(err.Error(), "`relm:\"pk\"`") {
		t.Fatalf("register: %v, want an error naming keylessLink and the pk tag", err)
	}
}

// Replacing an association object by a new one for the same pair in one
// flush (the old one deleted as an orphan) is refused before the INSERT
// that would collide with the row, naming the type and its key; nothing is
// written, and changing the held object is the way.
func TestAssociationObjectReplacedInOneFlush(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, associationRegistry(t))
		a, b, goTag, sqlTag := seedAssociation(t, s)
		log.Reset()
		a.TagLinks = append(a.TagLinks[1:], &ArticleTag{Tag: goTag, Position: 9, CreatedAt: at0})
		err := s.Commit(ctx)
		if !errors.Is(err, relm.ErrIdentityConflict) || !strings.Contains(err.Error(), "deletes in this flush") ||
			!strings.Contains(err.Error(), "ArticleTag.ArticleID, ArticleTag.TagID") {
			t.Fatalf("commit: %v, want ErrIdentityConflict naming the key fields and the deleted object", err)
		}
		if log.Count("INSERT") != 0 || log.Count("DELETE") != 0 {
			t.Fatalf("sent writes before refusing:\n%s", log)
		}
		want := [][3]int{{a.ID, goTag.ID, 1}, {a.ID, sqlTag.ID, 2}, {b.ID, sqlTag.ID, 1}}
		if rows := linkRows(t, db); len(rows) != 3 || rows[0] != want[0] || rows[1] != want[1] || rows[2] != want[2] {
			t.Fatalf("link rows %v, want %v", rows, want)
		}
	})
}
