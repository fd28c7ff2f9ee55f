package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
)

// showCmd prints a user with their articles, each with its category and
// tags; or an article with its author, category and tags.
func showCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("show", stdout)
	dsn := fs.String("dsn", defaultDSN, "database: sqlite:FILE, postgres://… or mysql://…")
	userID := fs.Int("user", 0, "the id of the user to show, with their articles")
	articleID := fs.Int("article", 0, "the id of the article to show, with its author, category and tags")
	echo := fs.Bool("echo", false, "log every SQL statement to stderr")
	if err := fs.parse(args); err != nil {
		return err
	}
	if (*userID == 0) == (*articleID == 0) {
		return errors.New("give one of --user ID or --article ID")
	}
	if *userID < 0 || *articleID < 0 {
		return errors.New("an id is a positive number")
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
	if *userID != 0 {
		u, err := loadUserGraph(ctx, s, *userID)
		if err != nil {
			return notFound(err, "user", *userID)
		}
		printUser(stdout, u)
		return nil
	}
	a, err := loadArticleGraph(ctx, s, *articleID)
	if err != nil {
		return notFound(err, "article", *articleID)
	}
	printArticle(stdout, a)
	return nil
}

func notFound(err error, what string, id int) error {
	if errors.Is(err, relm.ErrNotFound) {
		return fmt.Errorf("no %s with id %d", what, id)
	}
	return err
}

// loadUserGraph loads the user with the given id through the blog's
// relationships: the UserInfo joined in the same SELECT, then the Articles,
// their Category and their Tags by select-in loading — four statements
// whatever the number of articles.
func loadUserGraph(ctx context.Context, s *relm.Session, id int) (*blog.User, error) {
	u, err := relm.Select[blog.User](s).
		Where(relm.Eq("ID", id)).
		Joined("UserInfo").
		SelectIn("Articles", "Articles.Category", "Articles.Tags").
		One(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(u.Articles, func(a, b *blog.Article) int { return cmp.Compare(a.ID, b.ID) })
	return u, nil
}

// loadArticleGraph loads the article with the given id with its Author and
// Category joined in the same SELECT and its Tags by select-in loading: two
// statements.
func loadArticleGraph(ctx context.Context, s *relm.Session, id int) (*blog.Article, error) {
	return relm.Select[blog.Article](s).
		Where(relm.Eq("ID", id)).
		Joined("Author", "Category").
		SelectIn("Tags").
		One(ctx)
}

func printUser(w io.Writer, u *blog.User) {
	fmt.Fprintf(w, "User %d: %s <%s>\n", u.ID, u.Username, u.Email)
	if ui := u.UserInfo; ui != nil {
		fmt.Fprintf(w, "  name %s · qq %s · phone %s · link %s\n", str(ui.Name), str(ui.QQ), str(ui.Phone), str(ui.Link))
	} else {
		fmt.Fprintln(w, "  no userinfo")
	}
	fmt.Fprintf(w, "  %s\n", plural(len(u.Articles), "article"))
	for _, a := range u.Articles {
		fmt.Fprintf(w, "  #%d %s\n", a.ID, a.Title)
		fmt.Fprintf(w, "      category: %s\n", categoryName(a.Category))
		fmt.Fprintf(w, "      tags:     %s\n", tagNames(a.Tags))
	}
}

func printArticle(w io.Writer, a *blog.Article) {
	fmt.Fprintf(w, "Article %d: %s\n", a.ID, a.Title)
	if a.Author != nil {
		fmt.Fprintf(w, "  author:   %s <%s> (user %d)\n", a.Author.Username, a.Author.Email, a.Author.ID)
	} else {
		fmt.Fprintln(w, "  author:   none")
	}
	fmt.Fprintf(w, "  category: %s\n", categoryName(a.Category))
	fmt.Fprintf(w, "  tags:     %s\n", tagNames(a.Tags))
	if a.Content != nil {
		fmt.Fprintln(w)
		for _, line := range wrap(*a.Content, 76) {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
}

func categoryName(c *blog.Category) string {
	if c == nil {
		return "none"
	}
	return fmt.Sprintf("%s (#%d)", c.Name, c.ID)
}

func tagNames(tags []*blog.Tag) string {
	if len(tags) == 0 {
		return "none"
	}
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = fmt.Sprintf("%s (#%d)", t.Name, t.ID)
	}
	return strings.Join(parts, ", ")
}

func str(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// wrap breaks text into lines of at most width characters, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(word) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
