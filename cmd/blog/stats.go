package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
)

// statRow is one line of a blog stats table.
type statRow struct {
	Name     string
	Articles int
}

// statsCmd prints the articles per category and per tag and the top
// authors, each one GROUP BY query scanned into statRow (relm.Scan).
func statsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("stats", stdout)
	dsn := fs.String("dsn", defaultDSN, "database: sqlite:FILE, postgres://… or mysql://…")
	top := fs.Int("top", 5, "how many authors to list")
	echo := fs.Bool("echo", false, "log every SQL statement to stderr")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *top < 1 {
		return errors.New("--top is at least 1")
	}
	db, err := open(ctx, *dsn, *echo, true, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	reg, err := blog.NewRegistry()
	if err != nil {
		return err
	}
	s := relm.NewSession(db, reg)
	defer s.Close()
	count := relm.Count("ID").As("Articles")
	sections := []struct {
		title string
		q     *relm.Query[blog.Article]
	}{
		{"Articles per category", relm.Select[blog.Article](s).Join("Category").
			Columns(relm.Col("Category.Name").As("Name"), count).
			GroupBy("Category.Name").OrderBy("Articles desc", "Name")},
		{"Articles per tag", relm.Select[blog.Article](s).Join("Tags").
			Columns(relm.Col("Tags.Name").As("Name"), count).
			GroupBy("Tags.Name").OrderBy("Articles desc", "Name")},
		{"Top authors", relm.Select[blog.Article](s).Join("Author").
			Columns(relm.Col("Author.Username").As("Name"), count).
			GroupBy("Author.Username").OrderBy("Articles desc", "Name").Limit(*top)},
	}
	for i, sec := range sections {
		rows, err := relm.Scan[statRow](ctx, sec.q)
		if err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintln(stdout, sec.title)
		width := 4
		for _, r := range rows {
			width = max(width, len(r.Name))
		}
		for _, r := range rows {
			fmt.Fprintf(stdout, "  %-*s %6d\n", width, r.Name, r.Articles)
		}
	}
	return nil
}
