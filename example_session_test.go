package relm_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/mapping"
)

// exsHandler prints each statement relm issues, shortened to its verb and
// table (or in full with full), so that the output stays readable.
type exsHandler struct{ full bool }

func (exsHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h exsHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "sql" {
			if h.full {
				fmt.Println("  SQL:", a.Value.String())
			} else {
				fmt.Println("  SQL:", exsShort(a.Value.String()))
			}
		}
		return true
	})
	return nil
}
func (h exsHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h exsHandler) WithGroup(string) slog.Handler      { return h }

func exsShort(q string) string {
	f := strings.Fields(q)
	switch {
	case len(f) > 2 && (f[0] == "INSERT" || f[0] == "DELETE"):
		return f[0] + " " + strings.Trim(f[2], `"`)
	case len(f) > 1 && f[0] == "UPDATE":
		return "UPDATE " + strings.Trim(f[1], `"`)
	}
	return q
}

// exsOpen opens an in-memory SQLite database with the blog's tables and a
// statement printer.
func exsOpen(full bool) (*relm.DB, *mapping.Registry) {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	reg, err := blog.NewRegistry()
	exCheck(err)
	exCheck(reg.CreateAll(ctx, db))
	return relm.New(db.SQL(), db.Dialect(), relm.WithLogger(slog.New(exsHandler{full: full}))), reg
}

// The tutorial's seeding: users, categories and tags built in memory,
// articles that refer to them, one commit. Adding the articles is enough —
// their authors, categories and tags follow by the save-update cascade —
// and each table takes one INSERT, parents first, link rows last, whatever
// the number of articles.
func ExampleSession_Commit() {
	ctx := context.Background()
	db, reg := exsOpen(false)
	s := relm.NewSession(db, reg)
	defer s.Close()

	users := []*blog.User{{Username: "ada", Email: "ada@example.com"}, {Username: "bob", Email: "bob@example.com"}}
	categories := []*blog.Category{{Name: "go"}, {Name: "databases"}}
	tags := []*blog.Tag{{Name: "orm"}, {Name: "sql"}, {Name: "generics"}}
	var articles []*blog.Article
	for i := range 6 {
		articles = append(articles, &blog.Article{
			Title:    fmt.Sprintf("Article %d", i+1),
			Author:   users[i%2],
			Category: categories[i%2],
			Tags:     []*blog.Tag{tags[i%3], tags[(i+1)%3]},
		})
	}
	exCheck(s.AddAll(articles))
	exCheck(s.Commit(ctx))

	a := articles[4]
	fmt.Printf("%s: id %d, user_id %d (%s), cate_id %d, %d tags\n", a.Title, a.ID, *a.UserID, a.Author.Username, *a.CateID, len(a.Tags))
	// Both sides are in step after the flush.
	fmt.Printf("%s wrote %d articles; %q is on %d\n", users[0].Username, len(users[0].Articles), tags[0].Name, len(tags[0].Articles))
	// Output:
	//   SQL: BEGIN
	//   SQL: INSERT categories
	//   SQL: INSERT tags
	//   SQL: INSERT users
	//   SQL: INSERT articles
	//   SQL: INSERT article_tag
	//   SQL: COMMIT
	// Article 5: id 5, user_id 1 (ada), cate_id 1, 2 tags
	// ada wrote 3 articles; "orm" is on 4
}

// Get returns the object the session holds for a key — without SQL when
// the identity map has it — so that one row is one object.
func ExampleGet() {
	ctx := context.Background()
	db, reg := exsOpen(true)
	s := relm.NewSession(db, reg)
	defer s.Close()
	ada := &blog.User{Username: "ada", Email: "ada@example.com"}
	exCheck(s.Add(ada))
	exCheck(s.Commit(ctx))

	fmt.Println("in the session that saved it:")
	u, err := relm.Get[blog.User](ctx, s, ada.ID)
	exCheck(err)
	fmt.Println(u == ada)

	fmt.Println("in a new session:")
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	first, err := relm.Get[blog.User](ctx, s2, ada.ID)
	exCheck(err)
	second, err := relm.Get[blog.User](ctx, s2, ada.ID)
	exCheck(err)
	fmt.Println(first == second, first == ada, first.Username)
	// Output:
	//   SQL: INSERT INTO "users" ("username", "password", "email") VALUES (?, ?, ?)
	// in the session that saved it:
	// true
	// in a new session:
	//   SQL: SELECT "id", "username", "password", "email" FROM "users" WHERE "id" = ?
	// true false ada
}

// Delete with the relationships' cascades: deleting an article deletes its
// link rows; deleting a user, whose Articles has the default cascade
// (save-update), sets its articles' user_id to NULL, in the database and in
// memory, as SQLAlchemy does. (On SQLite an INSERT of two rows or more
// carries its short values as literals, and its keys come from the
// last-insert-id; a single row is bound and read back with RETURNING.)
func ExampleSession_Delete() {
	ctx := context.Background()
	db, reg := exsOpen(true)
	s := relm.NewSession(db, reg)
	defer s.Close()
	ada := &blog.User{Username: "ada", Email: "ada@example.com"}
	orm := &blog.Tag{Name: "orm"}
	first := &blog.Article{Title: "First", Author: ada, Tags: []*blog.Tag{orm}}
	second := &blog.Article{Title: "Second", Author: ada, Tags: []*blog.Tag{orm}}
	exCheck(s.AddAll(first, second))
	exCheck(s.Commit(ctx))
	fmt.Println("---")

	exCheck(s.Delete(first))
	exCheck(s.Delete(ada))
	exCheck(s.Commit(ctx))
	fmt.Println(second.UserID == nil, second.Author == nil, len(orm.Articles), s.Contains(first))
	// Output:
	//   SQL: BEGIN
	//   SQL: INSERT INTO "tags" ("name") VALUES (?)
	//   SQL: INSERT INTO "users" ("username", "password", "email") VALUES (?, ?, ?)
	//   SQL: INSERT INTO "articles" ("title", "content", "user_id", "cate_id") VALUES ('First', NULL, 1, NULL), ('Second', NULL, 1, NULL)
	//   SQL: INSERT INTO "article_tag" ("article_id", "tag_id") VALUES (1, 1), (2, 1)
	//   SQL: COMMIT
	// ---
	//   SQL: BEGIN
	//   SQL: DELETE FROM "article_tag" WHERE "article_id" IN (?)
	//   SQL: DELETE FROM "articles" WHERE "id" IN (?)
	//   SQL: UPDATE "articles" SET "user_id" = NULL WHERE "user_id" IN (?)
	//   SQL: UPDATE "userinfos" SET "user_id" = NULL WHERE "user_id" IN (?)
	//   SQL: DELETE FROM "users" WHERE "id" IN (?)
	//   SQL: COMMIT
	// true true 1 false
}
