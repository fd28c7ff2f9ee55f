package ddl_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/schema"
)

// blogMetaData builds the blog's six tables exactly as the SQLAlchemy models
// of the reference declare them.
func blogMetaData(t testing.TB) *schema.MetaData {
	t.Helper()
	id := func() *schema.Column {
		return &schema.Column{Name: "id", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true}
	}
	tables := []*schema.Table{
		{Name: "users", Columns: []*schema.Column{
			id(),
			{Name: "username", Type: schema.String(64), NotNull: true, Index: true},
			{Name: "password", Type: schema.String(64), NotNull: true},
			{Name: "email", Type: schema.String(64), NotNull: true, Index: true},
		}},
		{Name: "categories", Columns: []*schema.Column{
			id(),
			{Name: "name", Type: schema.String(64), NotNull: true, Index: true},
		}},
		{Name: "tags", Columns: []*schema.Column{
			id(),
			{Name: "name", Type: schema.String(64), NotNull: true, Index: true},
		}},
		{Name: "userinfos", Columns: []*schema.Column{
			id(),
			{Name: "name", Type: schema.String(64)},
			{Name: "qq", Type: schema.String(11)},
			{Name: "phone", Type: schema.String(11)},
			{Name: "link", Type: schema.String(64)},
			{Name: "user_id", Type: schema.Integer, References: "users.id"},
		}},
		{Name: "articles", Columns: []*schema.Column{
			id(),
			{Name: "title", Type: schema.String(255), NotNull: true, Index: true},
			{Name: "content", Type: schema.Text},
			{Name: "user_id", Type: schema.Integer, References: "users.id"},
			{Name: "cate_id", Type: schema.Integer, References: "categories.id"},
		}},
		{Name: "article_tag", Columns: []*schema.Column{
			{Name: "article_id", Type: schema.Integer, References: "articles.id"},
			{Name: "tag_id", Type: schema.Integer, References: "tags.id"},
		}},
	}
	md := schema.NewMetaData()
	for _, tbl := range tables {
		if err := md.Add(tbl); err != nil {
			t.Fatal(err)
		}
	}
	if err := md.Resolve(); err != nil {
		t.Fatal(err)
	}
	return md
}

// col is a compact expected column: name, type, nullable, primary key.
type col struct {
	name, typ string
	null, pk  bool
}

func TestBlogCreateAllAndInspect(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		md := blogMetaData(t)
		if err := ddl.CreateAll(ctx, db, db.Dialect(), md); err != nil {
			t.Fatal(err)
		}
		tables, err := ddl.Inspect(ctx, db, db.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, ti := range tables {
			names = append(names, ti.Name)
		}
		want := []string{"article_tag", "articles", "categories", "tags", "userinfos", "users"}
		if !slices.Equal(names, want) {
			t.Fatalf("tables = %v, want %v", names, want)
		}
		byName := map[string]ddl.TableInfo{}
		for _, ti := range tables {
			byName[ti.Name] = ti
		}

		wantCols := map[string][]col{
			"users": {
				{"id", "INTEGER", false, true},
				{"username", "VARCHAR(64)", false, false},
				{"password", "VARCHAR(64)", false, false},
				{"email", "VARCHAR(64)", false, false},
			},
			"categories": {{"id", "INTEGER", false, true}, {"name", "VARCHAR(64)", false, false}},
			"tags":       {{"id", "INTEGER", false, true}, {"name", "VARCHAR(64)", false, false}},
			"userinfos": {
				{"id", "INTEGER", false, true},
				{"name", "VARCHAR(64)", true, false},
				{"qq", "VARCHAR(11)", true, false},
				{"phone", "VARCHAR(11)", true, false},
				{"link", "VARCHAR(64)", true, false},
				{"user_id", "INTEGER", true, false},
			},
			"articles": {
				{"id", "INTEGER", false, true},
				{"title", "VARCHAR(255)", false, false},
				{"content", "TEXT", true, false},
				{"user_id", "INTEGER", true, false},
				{"cate_id", "INTEGER", true, false},
			},
			"article_tag": {{"article_id", "INTEGER", true, false}, {"tag_id", "INTEGER", true, false}},
		}
		for table, cols := range wantCols {
			assertColumns(t, byName[table], cols)
		}

		wantIx := map[string][]dialect.IndexInfo{
			"users": {
				{Name: "ix_users_email", Columns: []string{"email"}},
				{Name: "ix_users_username", Columns: []string{"username"}},
			},
			"categories":  {{Name: "ix_categories_name", Columns: []string{"name"}}},
			"tags":        {{Name: "ix_tags_name", Columns: []string{"name"}}},
			"articles":    {{Name: "ix_articles_title", Columns: []string{"title"}}},
			"userinfos":   nil,
			"article_tag": nil,
		}
		for table, ixs := range wantIx {
			if got := byName[table].Indexes; !equalIndexes(got, ixs) {
				t.Errorf("%s indexes = %+v, want %+v", table, got, ixs)
			}
		}

		fk := func(col, ref string) dialect.ForeignKeyInfo {
			return dialect.ForeignKeyInfo{Columns: []string{col}, RefTable: ref, RefColumns: []string{"id"},
				OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}
		}
		wantFK := map[string][]dialect.ForeignKeyInfo{
			"users":       nil,
			"categories":  nil,
			"tags":        nil,
			"userinfos":   {fk("user_id", "users")},
			"articles":    {fk("user_id", "users"), fk("cate_id", "categories")},
			"article_tag": {fk("article_id", "articles"), fk("tag_id", "tags")},
		}
		for table, fks := range wantFK {
			if got := byName[table].ForeignKeys; !equalFKs(got, fks) {
				t.Errorf("%s foreign keys = %+v, want %+v", table, got, fks)
			}
		}
	})
}

// TestBlogDDLMatchesSQLAlchemy compares the statements CreateAll issues with
// the ones SQLAlchemy 1.4 emits (testdata/ddl_*.sql, copied from the
// project's shared reference), ignoring
// identifier quoting, whitespace and statement order.
func TestBlogDDLMatchesSQLAlchemy(t *testing.T) {
	refFile := map[string]string{"sqlite": "ddl_sqlite.sql", "postgres": "ddl_postgresql.sql", "mysql": "ddl_mariadb.sql"}
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", refFile[name]))
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, l := range strings.Split(string(raw), "\n") {
				if !strings.HasPrefix(strings.TrimSpace(l), "--") {
					lines = append(lines, l)
				}
			}
			var want []string
			for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";") {
				if s := normalizeSQL(stmt); s != "" {
					want = append(want, s)
				}
			}
			var log testdb.Log
			db := testdb.Open(t, name, log.Option())
			if err := ddl.CreateAll(context.Background(), db, db.Dialect(), blogMetaData(t)); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range log.Statements() {
				if strings.HasPrefix(s, "CREATE") || strings.HasPrefix(s, "ALTER") {
					s = normalizeSQL(strings.NewReplacer(`"`, "", "`", "").Replace(s))
					// An index declared inside CREATE TABLE (MySQL) is
					// compared as the CREATE INDEX SQLAlchemy sends.
					// relm names the character set of every MySQL table
					// (issue 35.5: a latin1 server's default refuses
					// non-Latin text), where the tutorial's models name
					// none; SQLAlchemy writes the same options for
					// mysql_charset="utf8mb4", mysql_collate=… . Asserted,
					// then left out of the comparison.
					if name == "mysql" && strings.HasPrefix(s, "CREATE TABLE") {
						const opts = " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
						if !strings.HasSuffix(s, opts) {
							t.Errorf("%s does not end with%s", s, opts)
						}
						s = strings.TrimSuffix(s, opts)
					}
					table := strings.Fields(s)[2]
					for _, m := range inlineIndex.FindAllStringSubmatch(s, -1) {
						got = append(got, "CREATE "+m[1]+"INDEX "+m[2]+" ON "+table+" ("+m[3]+")")
					}
					got = append(got, inlineIndex.ReplaceAllString(s, ""))
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("DDL differs from SQLAlchemy's\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		})
	}
}

var (
	spaces      = regexp.MustCompile(`\s+`)
	inlineIndex = regexp.MustCompile(`, (UNIQUE )?INDEX (\w+) \(([^)]*)\)`)
)

func normalizeSQL(s string) string {
	s = spaces.ReplaceAllString(strings.TrimSpace(s), " ")
	return strings.NewReplacer("( ", "(", " )", ")", " ,", ",").Replace(s)
}

func assertColumns(t *testing.T, ti ddl.TableInfo, want []col) {
	t.Helper()
	var got []col
	for _, c := range ti.Columns {
		got = append(got, col{c.Name, c.Type, c.Nullable, c.PrimaryKey})
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s columns:\n got %+v\nwant %+v", ti.Name, got, want)
	}
}

func equalIndexes(a, b []dialect.IndexInfo) bool {
	return slices.EqualFunc(a, b, func(x, y dialect.IndexInfo) bool {
		return x.Name == y.Name && x.Unique == y.Unique && slices.Equal(x.Columns, y.Columns)
	})
}

func equalFKs(a, b []dialect.ForeignKeyInfo) bool {
	return slices.EqualFunc(a, b, func(x, y dialect.ForeignKeyInfo) bool {
		return slices.Equal(x.Columns, y.Columns) && x.RefTable == y.RefTable &&
			slices.Equal(x.RefColumns, y.RefColumns) && x.OnDelete == y.OnDelete && x.OnUpdate == y.OnUpdate
	})
}
