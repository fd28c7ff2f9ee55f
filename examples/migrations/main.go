// Migrations: evolve a database that holds rows to a changed model, as
// Alembic's autogenerate does for SQLAlchemy:
//
//	alembic revision --autogenerate -m "add article views"
//	alembic upgrade head
//
// The program creates version 1 of an Article, writes three rows, adds
// Views int to the model (version 2), diffs the models against the
// database, writes the plan as a numbered migration, applies it, and shows
// that the diff is then empty and the rows are all there.
//
// Run it with: go run ./examples/migrations
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/migrate"
)

// ArticleV1 is the model as first deployed.
type ArticleV1 struct {
	ID    int    `relm:"pk"`
	Title string `relm:"size:255;index"`
}

func (ArticleV1) TableName() string { return "articles" }

// Article is the model today: it counts its views.
type Article struct {
	ID    int    `relm:"pk"`
	Title string `relm:"size:255;index"`
	Views int
}

func (Article) TableName() string { return "articles" }

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "relm-migrations")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := relm.Open(ctx, "sqlite:"+filepath.Join(dir, "blog.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	v1 := mapping.NewRegistry().MustRegister(&ArticleV1{})
	if err := v1.CreateAll(ctx, db); err != nil {
		return err
	}
	for _, title := range []string{"Hello", "Relationships", "Migrations"} {
		if _, err := db.ExecContext(ctx, "INSERT INTO articles (title) VALUES (?)", title); err != nil {
			return err
		}
	}

	v2 := mapping.NewRegistry().MustRegister(&Article{})
	plan, err := migrate.Diff(ctx, db, v2, migrate.Options{})
	if err != nil {
		return err
	}
	fmt.Print("plan:\n", plan)

	migrations := filepath.Join(dir, "migrations")
	m, err := migrate.WritePlan(migrations, "add article views", plan)
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s and %s:\n%s", m.UpFile, m.DownFile, m.Up)

	done, err := migrate.Up(ctx, db, os.DirFS(migrations), migrate.Options{})
	if err != nil {
		return err
	}
	for _, m := range done {
		fmt.Println("applied", m.UpFile)
	}

	again, err := migrate.Diff(ctx, db, v2, migrate.Options{})
	if err != nil {
		return err
	}
	fmt.Println("diff after up is empty:", again.Empty())
	var rows, zero int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*), SUM(CASE WHEN views = 0 THEN 1 ELSE 0 END) FROM articles").Scan(&rows, &zero); err != nil {
		return err
	}
	fmt.Printf("articles: %d, with views 0: %d\n", rows, zero)
	st, err := migrate.Status(ctx, db, os.DirFS(migrations))
	if err != nil {
		return err
	}
	for _, s := range st {
		fmt.Printf("status: %04d %s applied=%v\n", s.Version, s.Name, s.Applied)
	}
	return nil
}
