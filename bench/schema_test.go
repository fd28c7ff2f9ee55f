package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// Hand-written SQL helpers: what the raw contender's author writes once
// for the database at hand.

// ph returns the n-th (1-based) placeholder of e's database.
func (e *env) ph(n int) string {
	if e.name == "postgres" {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// q quotes an identifier.
func (e *env) q(name string) string {
	if e.name == "mysql" {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// rawDDL is the tutorial's schema (the DDL SQLAlchemy emits for it), written
// by hand for each database. On MariaDB the indexes go inside CREATE TABLE,
// as MySQL users write them (each DDL statement costs a data-dictionary
// write there); elsewhere they follow as CREATE INDEX.
func (e *env) rawDDL() []string {
	id := "INTEGER NOT NULL"
	switch e.name {
	case "postgres":
		id = "SERIAL NOT NULL"
	case "mysql":
		id = "INTEGER NOT NULL AUTO_INCREMENT"
	}
	type index struct{ name, col string }
	tables := []struct {
		name, cols string
		indexes    []index
	}{
		{"users", "id " + id + ", username VARCHAR(64) NOT NULL, password VARCHAR(64) NOT NULL, email VARCHAR(64) NOT NULL, PRIMARY KEY (id)",
			[]index{{"ix_users_email", "email"}, {"ix_users_username", "username"}}},
		{"categories", "id " + id + ", name VARCHAR(64) NOT NULL, PRIMARY KEY (id)", []index{{"ix_categories_name", "name"}}},
		{"tags", "id " + id + ", name VARCHAR(64) NOT NULL, PRIMARY KEY (id)", []index{{"ix_tags_name", "name"}}},
		{"userinfos", "id " + id + ", name VARCHAR(64), qq VARCHAR(11), phone VARCHAR(11), link VARCHAR(64), user_id INTEGER, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id)", nil},
		{"articles", "id " + id + ", title VARCHAR(255) NOT NULL, content TEXT, user_id INTEGER, cate_id INTEGER, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id), FOREIGN KEY(cate_id) REFERENCES categories (id)",
			[]index{{"ix_articles_title", "title"}}},
		{"article_tag", "article_id INTEGER, tag_id INTEGER, FOREIGN KEY(article_id) REFERENCES articles (id), FOREIGN KEY(tag_id) REFERENCES tags (id)", nil},
	}
	var stmts []string
	for _, t := range tables {
		cols := t.cols
		var after []string
		for _, ix := range t.indexes {
			if e.name == "mysql" {
				cols += ", INDEX " + ix.name + " (" + ix.col + ")"
			} else {
				after = append(after, "CREATE INDEX "+ix.name+" ON "+t.name+" ("+ix.col+")")
			}
		}
		stmts = append(stmts, "CREATE TABLE "+t.name+" ("+cols+")")
		stmts = append(stmts, after...)
	}
	return stmts
}

var blogTables = []string{"article_tag", "articles", "userinfos", "tags", "categories", "users"}

// dropBlog drops the blog's tables, whoever created them (outside timers).
func (e *env) dropBlog() error {
	e.dataReady = 0
	if e.name == "postgres" {
		if _, err := e.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+strings.Join(blogTables, ", ")+" CASCADE"); err != nil {
			return err
		}
		// pgx caches prepared statements per connection; the tables
		// that come next may have other column types (GORM's and Bun's
		// DDL differ from relm's). Start from fresh connections, opened
		// here rather than inside the timer. The pgx contender's one
		// connection forgets its statements instead.
		e.db.SetMaxIdleConns(0)
		e.db.SetMaxIdleConns(4)
		if e.pgx != nil {
			if err := e.pgx.DeallocateAll(ctx); err != nil {
				return err
			}
		}
		return e.db.PingContext(ctx)
	}
	for _, t := range blogTables {
		if _, err := e.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
			return err
		}
	}
	return nil
}

// emptyBlog deletes every row of the blog's tables, children first
// (outside timers; the tables stay).
func (e *env) emptyBlog() error {
	e.dataReady = 0
	for _, t := range blogTables {
		if _, err := e.db.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	return nil
}

// freshBlog recreates the blog's tables empty, with relm's DDL (the same
// tables for every contender of (b) and (c)).
func (e *env) freshBlog() error {
	if err := e.dropBlog(); err != nil {
		return err
	}
	return e.blogReg.CreateAll(ctx, e.relm)
}

// checkBlog verifies what a seed wrote.
func (e *env) checkBlog(ds *dataset) error {
	for _, c := range []struct {
		table string
		want  int
	}{{"users", len(ds.users)}, {"categories", len(ds.cats)}, {"tags", len(ds.tags)}, {"articles", len(ds.articles)}, {"article_tag", ds.links}} {
		var n int
		if err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+c.table).Scan(&n); err != nil {
			return err
		}
		if n != c.want {
			return fmt.Errorf("%s has %d rows, want %d", c.table, n, c.want)
		}
	}
	var bad int
	if err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM articles WHERE user_id IS NULL OR cate_id IS NULL").Scan(&bad); err != nil {
		return err
	}
	if bad != 0 {
		return fmt.Errorf("%d articles without author or category", bad)
	}
	return nil
}

// rowsPer returns how many rows of cols columns fit in one statement under
// the database's parameter limit: every contender's bulk inserts are
// chunked alike.
func (e *env) rowsPer(cols int) int { return max(1, e.maxParams/cols) }
