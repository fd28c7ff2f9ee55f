package mapping_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/mapping"
)

var blogTables = []string{"article_tag", "articles", "categories", "tags", "userinfos", "users"}

// blogEdges is one edge per foreign key of the blog: the referencing table
// and column, the referenced table, and the relationships that join through
// it.
var blogEdges = []struct {
	table, column, ref string
	labels             []string
}{
	{"articles", "user_id", "users", []string{"Article.Author", "User.Articles"}},
	{"articles", "cate_id", "categories", []string{"Article.Category", "Category.Articles"}},
	{"userinfos", "user_id", "users", []string{"UserInfo.User", "User.UserInfo"}},
	{"article_tag", "article_id", "articles", []string{"Article.Tags"}},
	{"article_tag", "tag_id", "tags", []string{"Tag.Articles"}},
}

func blogDiagram(t *testing.T, format string) string {
	t.Helper()
	reg, err := blog.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	out, err := reg.Diagram(format)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDiagramMermaid(t *testing.T) {
	out := blogDiagram(t, mapping.Mermaid)
	if !strings.HasPrefix(out, "erDiagram\n") {
		t.Fatalf("mermaid output does not start with erDiagram:\n%s", out)
	}
	// Every table, as an entity block.
	var tables []string
	for _, m := range regexp.MustCompile(`(?m)^    (\w+) \{$`).FindAllStringSubmatch(out, -1) {
		tables = append(tables, m[1])
	}
	slices.Sort(tables)
	if !slices.Equal(tables, blogTables) {
		t.Errorf("entities %v, want %v\n%s", tables, blogTables, out)
	}
	// Key markers.
	for _, line := range []string{
		"        bigint id PK\n",
		"        bigint user_id FK\n",
		"        bigint cate_id FK\n",
		"        bigint article_id FK\n",
		"        bigint tag_id FK\n",
		`        varchar username "size 64, not null"` + "\n",
		`        varchar qq "size 11"` + "\n",
		"        text content\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("mermaid output lacks %q\n%s", line, out)
		}
	}
	if n := strings.Count(out, " PK\n"); n != 5 {
		t.Errorf("%d PK markers, want 5 (every table but article_tag)", n)
	}
	if n := strings.Count(out, " FK\n"); n != 5 {
		t.Errorf("%d FK markers, want 5", n)
	}
	// One edge per foreign key, labelled with its relationships.
	edges := regexp.MustCompile(`(?m)^    (\w+) (\|o|\|\|)--(\}o|\|o) (\w+) : "([^"]*)"$`).FindAllStringSubmatch(out, -1)
	if len(edges) != len(blogEdges) {
		t.Errorf("%d edges, want %d\n%s", len(edges), len(blogEdges), out)
	}
	for _, w := range blogEdges {
		found := false
		for _, e := range edges {
			if e[1] == w.ref && e[4] == w.table && e[5] == strings.Join(w.labels, " / ") {
				found = true
				// userinfos holds at most one row per user: uselist=False.
				wantCard := "}o"
				if w.table == "userinfos" {
					wantCard = "|o"
				}
				if e[3] != wantCard {
					t.Errorf("edge %s→%s cardinality %s, want %s", w.table, w.ref, e[3], wantCard)
				}
			}
		}
		if !found {
			t.Errorf("no edge %s ... %s labelled %q\n%s", w.ref, w.table, strings.Join(w.labels, " / "), out)
		}
	}
}

func TestDiagramDOT(t *testing.T) {
	out := blogDiagram(t, mapping.DOT)
	if !strings.HasPrefix(out, "digraph schema {") || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("dot output is not a digraph:\n%s", out)
	}
	var tables []string
	for _, m := range regexp.MustCompile(`(?m)^    "(\w+)" \[label=<`).FindAllStringSubmatch(out, -1) {
		tables = append(tables, m[1])
	}
	slices.Sort(tables)
	if !slices.Equal(tables, blogTables) {
		t.Errorf("nodes %v, want %v", tables, blogTables)
	}
	for _, cell := range []string{
		`<td port="id" align="left">id : bigint PK</td>`,
		`<td port="user_id" align="left">user_id : bigint FK</td>`,
		`<td port="title" align="left">title : varchar(255)</td>`,
		`<td port="tag_id" align="left">tag_id : bigint FK</td>`,
	} {
		if !strings.Contains(out, cell) {
			t.Errorf("dot output lacks %s", cell)
		}
	}
	if n := strings.Count(out, " PK</td>"); n != 5 {
		t.Errorf("%d PK markers, want 5", n)
	}
	if n := strings.Count(out, " FK</td>"); n != 5 {
		t.Errorf("%d FK markers, want 5", n)
	}
	edges := regexp.MustCompile(`(?m)^    "(\w+)":"(\w+)" -> "(\w+)":"id" \[label="([^"]*)"`).FindAllStringSubmatch(out, -1)
	if len(edges) != len(blogEdges) {
		t.Errorf("%d edges, want %d\n%s", len(edges), len(blogEdges), out)
	}
	for _, w := range blogEdges {
		// Labels are separated by DOT's line break, \n.
		want := []string{"", w.table, w.column, w.ref, strings.Join(w.labels, `\n`)}
		if !slices.ContainsFunc(edges, func(e []string) bool { return slices.Equal(e[1:], want[1:]) }) {
			t.Errorf("no edge %s.%s -> %s labelled %q\n%s", w.table, w.column, w.ref, want[4], out)
		}
	}
}

func TestDiagramUnknownFormat(t *testing.T) {
	reg, err := blog.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	_, err = reg.Diagram("svg")
	wantErr(t, err, `unknown diagram format "svg"`, `"mermaid"`, `"dot"`)
}

func TestDiagramConfigureError(t *testing.T) {
	reg := mapping.NewRegistry()
	if err := reg.Register(&nfParent{}, &nfChild{}); err != nil {
		t.Fatal(err)
	}
	_, err := reg.Diagram(mapping.Mermaid)
	wantErr(t, err, "nfParent.Children", "no foreign key")
}
