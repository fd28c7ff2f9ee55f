package migrate_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/migrate"
)

// The blog's models as the README's example evolves them: Article gains
// Views int. (The relationships do not touch the schema and are left out.)
type userV struct {
	ID       int    `relm:"pk"`
	Username string `relm:"size:64;index"`
	Password string `relm:"size:64"`
	Email    string `relm:"size:64;index"`
}

func (userV) TableName() string { return "users" }

type userInfoV struct {
	ID     int     `relm:"pk"`
	Name   *string `relm:"size:64"`
	QQ     *string `relm:"size:11"`
	Phone  *string `relm:"size:11"`
	Link   *string `relm:"size:64"`
	UserID *int    `relm:"fk:users.id"`
}

func (userInfoV) TableName() string { return "userinfos" }

type articleV struct {
	ID      int     `relm:"pk"`
	Title   string  `relm:"size:255;index"`
	Content *string `relm:"type:text"`
	UserID  *int    `relm:"fk:users.id"`
	CateID  *int    `relm:"fk:categories.id"`
	Views   int
}

func (articleV) TableName() string { return "articles" }

type categoryV struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:64;index"`
}

func (categoryV) TableName() string { return "categories" }

type tagV struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:64;index"`
}

func (tagV) TableName() string { return "tags" }

func blogWithViews(t *testing.T) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	if err := reg.Register(&userV{}, &userInfoV{}, &articleV{}, &categoryV{}, &tagV{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddTable(blog.ArticleTag()); err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestMainAddArticleViews is the README's example: a seeded blog database,
// Views int added to Article, then migrate new, up, diff, status, down
// and up through Main's subcommands; no row is lost.
func TestMainAddArticleViews(t *testing.T) {
	ctx := context.Background()
	tables := []string{"users", "userinfos", "articles", "categories", "tags", "article_tag"}
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			dsn := testdb.NewDatabase(t, name)
			db, err := relm.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			reg1, err := blog.NewRegistry()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := blog.Seed(ctx, db, reg1, blog.SeedOptions{Users: 7, Categories: 3, Tags: 9, Articles: 45, MinTags: 2, MaxTags: 5, Seed: 42, BatchSize: 10}); err != nil {
				t.Fatal(err)
			}
			before := map[string]int{}
			for _, tb := range tables {
				before[tb] = count(t, db, "SELECT COUNT(*) FROM "+tb)
			}
			dir := filepath.Join(t.TempDir(), "migrations")
			reg2 := blogWithViews(t)
			main := func(reg *mapping.Registry, args ...string) string {
				t.Helper()
				var out bytes.Buffer
				if err := migrate.MainWith(ctx, reg, append(args, "-dsn", dsn, "-dir", dir), migrate.Config{Stdout: &out}); err != nil {
					t.Fatalf("migrate %s: %v", strings.Join(args, " "), err)
				}
				return out.String()
			}
			if out := main(reg1, "diff"); !strings.HasPrefix(out, "-- the database matches the models") {
				t.Errorf("diff of the seeded blog:\n%s", out)
			}
			// A table of another program's is dropped by the plan unless
			// kept.
			mustExec(t, db, "CREATE TABLE other_app (id INTEGER PRIMARY KEY)")
			if out := main(reg1, "diff"); !strings.Contains(out, "drop table other_app") || !strings.Contains(out, "[DESTRUCTIVE]") {
				t.Errorf("diff with another table:\n%s", out)
			}
			if out := main(reg1, "diff", "-keep-unmapped"); !strings.HasPrefix(out, "-- the database matches the models") {
				t.Errorf("diff -keep-unmapped with another table:\n%s", out)
			}
			mustExec(t, db, "DROP TABLE other_app")
			if out := main(reg2, "diff"); !strings.Contains(out, "add column articles.views") {
				t.Errorf("diff with Views:\n%s", out)
			}
			var out bytes.Buffer
			if err := migrate.MainWith(ctx, reg2, []string{"check", "-dsn", dsn}, migrate.Config{Stdout: &out}); !errors.Is(err, migrate.ErrDrift) || !strings.Contains(out.String(), "add column articles.views") {
				t.Errorf("check with Views: %v\n%s", err, out.String())
			}
			if out := main(reg2, "new", "add_article_views"); !strings.Contains(out, "0001_add_article_views.up.sql") {
				t.Errorf("new: %s", out)
			}
			if out := main(reg2, "up"); out != "applied 0001_add_article_views.up.sql\n" {
				t.Errorf("up: %q", out)
			}
			if out := main(reg2, "diff"); !strings.HasPrefix(out, "-- the database matches the models") {
				t.Errorf("diff after up:\n%s", out)
			}
			if out := main(reg2, "check"); out != "the database matches the models\n" {
				t.Errorf("check after up: %q", out)
			}
			if out := main(reg2, "status"); !strings.HasPrefix(out, "0001 add_article_views applied ") {
				t.Errorf("status: %q", out)
			}
			for _, tb := range tables {
				if n := count(t, db, "SELECT COUNT(*) FROM "+tb); n != before[tb] {
					t.Errorf("%s has %d rows after up, had %d", tb, n, before[tb])
				}
			}
			if n := count(t, db, "SELECT COUNT(*) FROM articles WHERE views = 0"); n != before["articles"] {
				t.Errorf("%d articles have views 0, want %d", n, before["articles"])
			}
			if out := main(reg2, "down", "-allow-destructive"); out != "undid 0001_add_article_views.up.sql\n" {
				t.Errorf("down: %q", out)
			}
			if out := main(reg1, "diff"); !strings.HasPrefix(out, "-- the database matches the models") {
				t.Errorf("diff after down:\n%s", out)
			}
			main(reg2, "up")
			for _, tb := range tables {
				if n := count(t, db, "SELECT COUNT(*) FROM "+tb); n != before[tb] {
					t.Errorf("%s has %d rows after up, down, up; had %d", tb, n, before[tb])
				}
			}
		})
	}
}
