package relm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// A link table with a surrogate key: its order is the order the links were
// written in.
type ordPost struct {
	_    struct{}  `relm:"table:ord_posts"`
	ID   int       `relm:"pk"`
	Tags []*ordTag `relm:"secondary:ord_links"`
}

type ordTag struct {
	_    struct{} `relm:"table:ord_tags"`
	ID   int      `relm:"pk"`
	Name string   `relm:"size:16"`
}

// A collection without order_by reloads in the same order on every
// database (issue 36, item 7): a one-to-many by the child's key, a
// many-to-many by the link table's key (a surrogate key: the order the
// links were written in), or by the target's key when the link table has
// none. The rows are written out of key order, so that the physical order
// (SQLite's rowid, PostgreSQL's heap) would differ from it.
func TestCollectionOrderWithoutOrderBy(t *testing.T) {
	got := map[string]string{}
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := blogSession(t, db, log)
		u := &blog.User{ID: 5, Username: "ada"}
		must(t, s.Add(u))
		for _, id := range []int{30, 10, 20} {
			must(t, s.Add(&blog.Article{ID: id, Title: fmt.Sprint("a", id), Author: u}))
		}
		tags := []*blog.Tag{{Name: "t1"}, {Name: "t2"}, {Name: "t3"}}
		for _, tg := range tags {
			must(t, s.Add(tg))
		}
		must(t, s.Commit(ctx))
		a, err := relm.Get[blog.Article](ctx, s, 10)
		must(t, err)
		must(t, relm.Load(ctx, s, a, "Tags"))
		a.Tags = append(a.Tags, tags[2], tags[0], tags[1]) // links written t3, t1, t2
		must(t, s.Commit(ctx))

		reg2 := mapping.NewRegistry()
		must(t, reg2.AddTable(&schema.Table{Name: "ord_links", Columns: []*schema.Column{
			{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
			{Name: "ord_post_id", Type: schema.BigInt, References: "ord_posts.id"},
			{Name: "ord_tag_id", Type: schema.BigInt, References: "ord_tags.id"},
		}}))
		must(t, reg2.Register(&ordPost{}, &ordTag{}))
		s2 := newSession(t, db, nil, reg2)
		ot := []*ordTag{{Name: "o1"}, {Name: "o2"}, {Name: "o3"}}
		must(t, s2.AddAll(ot[0], ot[1], ot[2]))
		must(t, s2.Commit(ctx))
		post := &ordPost{}
		must(t, s2.Add(post))
		post.Tags = []*ordTag{ot[2], ot[0], ot[1]}
		must(t, s2.Commit(ctx))

		log.Reset()
		f := relm.NewSession(db, s.Registry())
		defer f.Close()
		users, err := relm.Select[blog.User](f).SelectIn("Articles", "Articles.Tags").All(ctx)
		must(t, err)
		var order string
		for _, a := range users[0].Articles {
			order += fmt.Sprint(a.ID, " ")
		}
		a10, err := relm.Get[blog.Article](ctx, f, 10)
		must(t, err)
		for _, tg := range a10.Tags {
			order += tg.Name + " "
		}
		f2 := relm.NewSession(db, reg2)
		defer f2.Close()
		p2, err := relm.Get[ordPost](ctx, f2, post.ID)
		must(t, err)
		must(t, relm.Load(ctx, f2, p2, "Tags"))
		for _, tg := range p2.Tags {
			order += tg.Name + " "
		}
		if want := "10 20 30 t1 t2 t3 o3 o1 o2 "; order != want {
			t.Errorf("reloaded order %q, want %q", order, want)
		}
		got[db.Dialect().Name()] = order
		// An integer key order is sorted in Go, within each parent's
		// children: the statements carry no ORDER BY. A link table's own
		// key is not selected, so the database orders by it.
		d := db.Dialect()
		for _, st := range log.Statements() {
			if strings.Contains(st, " ORDER BY ") && !strings.Contains(st, d.Quote("ord_links")) {
				t.Errorf("%q is ordered by the database; the key order is sorted in Go", st)
			}
			if strings.Contains(st, d.Quote("ord_links")) && !strings.HasSuffix(st, " ORDER BY s."+d.Quote("id")) {
				t.Errorf("the load through ord_links %q is not ordered by the link table's key", st)
			}
		}
	})
	if len(got) == len(testdb.Dialects) && (got["sqlite"] != got["postgres"] || got["sqlite"] != got["mysql"]) {
		t.Errorf("orders differ between databases: %v", got)
	}
}
