package bench

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"gorm.io/gorm"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
)

var loaders = []string{"raw", "relm", "gorm", "bun", "pgx"}

// BenchmarkLoadGraph is workload (c): load every article of (b) with its
// author, category and tags. Each contender loads the way its users are
// told to: relm select-in loading, GORM Preload, Bun Relation, and for
// hand-written code (database/sql, and pgx's native interface on
// PostgreSQL) four queries stitched together with maps. stmts/op is the
// number of statements each contender issues, counted once per contender
// and database through its own logging hook (relm: a slog handler; GORM:
// its logger; Bun: a query hook; hand-written: a counting wrapper).
func BenchmarkLoadGraph(b *testing.B) {
	each(b, loaders, func(b *testing.B, e *env, orm string) {
		ds := data(scaleArticles())
		if err := e.ensureGraph(ds); err != nil {
			b.Fatal(err)
		}
		stmts, err := countLoad(e, orm, ds)
		if err != nil {
			b.Fatalf("%s on %s: %v", orm, e.name, err)
		}
		load := loader(e, orm, e.relm, e.gorm, e.bun, e.db, e.pgx)
		b.ReportAllocs()
		runtime.GC()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := load(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(stmts), "stmts/op")
	})
}

// ensureGraph loads the dataset of (b) with hand-written SQL, unless it is
// already there.
func (e *env) ensureGraph(ds *dataset) error {
	if e.dataReady == len(ds.articles) {
		return nil
	}
	if err := e.freshBlog(); err != nil {
		return err
	}
	if err := seedRaw(e, ds, false); err != nil {
		return err
	}
	if err := e.checkBlog(ds); err != nil {
		return err
	}
	e.dataReady = len(ds.articles)
	return nil
}

// graph summarises a loaded graph, to check every contender loaded the same.
type graph struct{ articles, authors, categories, tags int }

func (g graph) check(ds *dataset) error {
	want := graph{len(ds.articles), len(ds.articles), len(ds.articles), ds.links}
	if g != want {
		return fmt.Errorf("loaded %+v, want %+v", g, want)
	}
	return nil
}

// rawQuerier is what the hand-written loader needs (a *sql.DB, or the
// counting wrapper); pgxQuerier likewise for pgx.
type rawQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// loader returns the contender's load, on the handles given (the
// benchmark's own, or counting ones).
func loader(e *env, orm string, rdb *relm.DB, gdb *gorm.DB, bdb bun.IDB, sdb rawQuerier, pdb pgxQuerier) func() (graph, error) {
	switch orm {
	case "relm":
		return func() (graph, error) {
			s := relm.NewSession(rdb, e.blogReg)
			defer s.Close()
			arts, err := relm.Select[blog.Article](s).SelectIn("Author", "Category", "Tags").All(ctx)
			if err != nil {
				return graph{}, err
			}
			g := graph{articles: len(arts)}
			for _, a := range arts {
				g.add(a.Author != nil, a.Category != nil, len(a.Tags))
			}
			return g, nil
		}
	case "gorm":
		return func() (graph, error) {
			arts, err := gormLoad(e, gdb)
			g := graph{articles: len(arts)}
			for _, a := range arts {
				g.add(a.Author != nil, a.Category != nil, len(a.Tags))
			}
			return g, err
		}
	case "bun":
		return func() (graph, error) {
			var arts []*bArticle
			err := bdb.NewSelect().Model(&arts).Relation("Author").Relation("Category").Relation("Tags").Scan(ctx)
			g := graph{articles: len(arts)}
			for _, a := range arts {
				g.add(a.Author != nil, a.Category != nil, len(a.Tags))
			}
			return g, err
		}
	case "raw":
		return func() (graph, error) {
			arts, err := rawLoad(e, sdb)
			g := graph{articles: len(arts)}
			for _, a := range arts {
				g.add(a.Author != nil, a.Category != nil, len(a.Tags))
			}
			return g, err
		}
	case "pgx":
		return func() (graph, error) {
			arts, err := pgxLoad(pdb)
			g := graph{articles: len(arts)}
			for _, a := range arts {
				g.add(a.Author != nil, a.Category != nil, len(a.Tags))
			}
			return g, err
		}
	}
	panic("unknown contender " + orm)
}

func (g *graph) add(author, category bool, tags int) {
	if author {
		g.authors++
	}
	if category {
		g.categories++
	}
	g.tags += tags
}

// gormLoad is GORM's Preload. GORM binds a preload's keys as one parameter
// each and does not split them, so past the driver's parameter limit
// (PostgreSQL 65,535; SQLite 32,766) a GORM user loads in batches of that
// size with FindInBatches; on MariaDB, with interpolateParams, one Find.
func gormLoad(e *env, db *gorm.DB) ([]*gArticle, error) {
	q := db.Preload("Author").Preload("Category").Preload("Tags")
	var arts []*gArticle
	limit := e.maxParams
	if e.name == "mysql" {
		return arts, q.Find(&arts).Error
	}
	var batch []*gArticle
	err := q.FindInBatches(&batch, limit, func(*gorm.DB, int) error {
		arts = append(arts, batch...)
		return nil
	}).Error
	return arts, err
}

// Hand-written: four queries, stitched with maps.

type rawUser struct {
	ID                        int
	Username, Password, Email string
}

type rawCategory struct {
	ID   int
	Name string
}

type rawTag struct {
	ID   int
	Name string
}

type rawArticle struct {
	ID       int
	Title    string
	Content  *string
	UserID   *int
	CateID   *int
	Author   *rawUser
	Category *rawCategory
	Tags     []*rawTag
}

// inList writes "col IN <keys>" the way a hand-writer would for each
// database: one array parameter on PostgreSQL (= ANY($1)), a JSON array
// on SQLite (json_each), placeholders on MariaDB (interpolated by the
// driver). It returns the condition and its arguments.
func (e *env) inList(col string, keys []int64) (string, []any) {
	switch e.name {
	case "postgres":
		return col + " = ANY($1)", []any{keys}
	case "sqlite":
		buf := make([]byte, 0, len(keys)*7+2)
		buf = append(buf, '[')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendInt(buf, k, 10)
		}
		buf = append(buf, ']')
		return col + " IN (SELECT value FROM json_each(?))", []any{string(buf)}
	default:
		buf := make([]byte, 0, len(keys)*3+len(col)+8)
		buf = append(buf, col...)
		buf = append(buf, " IN ("...)
		args := make([]any, len(keys))
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, '?')
			args[i] = k
		}
		buf = append(buf, ')')
		return string(buf), args
	}
}

// chunks splits keys under the parameter limit where keys are bound one
// per parameter (MariaDB); elsewhere a list is one parameter.
func (e *env) chunks(keys []int64) [][]int64 {
	if e.name != "mysql" || len(keys) <= e.maxParams {
		return [][]int64{keys}
	}
	var out [][]int64
	for start := 0; start < len(keys); start += e.maxParams {
		out = append(out, keys[start:min(start+e.maxParams, len(keys))])
	}
	return out
}

func rawLoad(e *env, db rawQuerier) ([]*rawArticle, error) {
	rows, err := db.QueryContext(ctx, "SELECT id, title, content, user_id, cate_id FROM articles")
	if err != nil {
		return nil, err
	}
	var arts []*rawArticle
	byID := map[int]*rawArticle{}
	users := map[int]*rawUser{}
	cats := map[int]*rawCategory{}
	var userKeys, catKeys, artKeys []int64
	for rows.Next() {
		a := &rawArticle{}
		if err := rows.Scan(&a.ID, &a.Title, &a.Content, &a.UserID, &a.CateID); err != nil {
			rows.Close()
			return nil, err
		}
		arts = append(arts, a)
		byID[a.ID] = a
		artKeys = append(artKeys, int64(a.ID))
		if a.UserID != nil {
			if _, ok := users[*a.UserID]; !ok {
				users[*a.UserID] = nil
				userKeys = append(userKeys, int64(*a.UserID))
			}
		}
		if a.CateID != nil {
			if _, ok := cats[*a.CateID]; !ok {
				cats[*a.CateID] = nil
				catKeys = append(catKeys, int64(*a.CateID))
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, keys := range e.chunks(userKeys) {
		cond, args := e.inList("id", keys)
		rows, err := db.QueryContext(ctx, "SELECT id, username, password, email FROM users WHERE "+cond, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			u := &rawUser{}
			if err := rows.Scan(&u.ID, &u.Username, &u.Password, &u.Email); err != nil {
				rows.Close()
				return nil, err
			}
			users[u.ID] = u
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, keys := range e.chunks(catKeys) {
		cond, args := e.inList("id", keys)
		rows, err := db.QueryContext(ctx, "SELECT id, name FROM categories WHERE "+cond, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c := &rawCategory{}
			if err := rows.Scan(&c.ID, &c.Name); err != nil {
				rows.Close()
				return nil, err
			}
			cats[c.ID] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	tags := map[int]*rawTag{}
	for _, keys := range e.chunks(artKeys) {
		cond, args := e.inList("at.article_id", keys)
		rows, err := db.QueryContext(ctx, "SELECT at.article_id, t.id, t.name FROM tags t JOIN article_tag at ON t.id = at.tag_id WHERE "+cond, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var aid, tid int
			var name string
			if err := rows.Scan(&aid, &tid, &name); err != nil {
				rows.Close()
				return nil, err
			}
			t := tags[tid]
			if t == nil {
				t = &rawTag{ID: tid, Name: name}
				tags[tid] = t
			}
			if a := byID[aid]; a != nil {
				a.Tags = append(a.Tags, t)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, a := range arts {
		if a.UserID != nil {
			a.Author = users[*a.UserID]
		}
		if a.CateID != nil {
			a.Category = cats[*a.CateID]
		}
	}
	return arts, nil
}

// pgxLoad is rawLoad on pgx's native interface: the limit.
func pgxLoad(db pgxQuerier) ([]*rawArticle, error) {
	rows, err := db.Query(ctx, "SELECT id, title, content, user_id, cate_id FROM articles")
	if err != nil {
		return nil, err
	}
	var arts []*rawArticle
	byID := map[int]*rawArticle{}
	users := map[int]*rawUser{}
	cats := map[int]*rawCategory{}
	var userKeys, catKeys, artKeys []int64
	for rows.Next() {
		a := &rawArticle{}
		if err := rows.Scan(&a.ID, &a.Title, &a.Content, &a.UserID, &a.CateID); err != nil {
			rows.Close()
			return nil, err
		}
		arts = append(arts, a)
		byID[a.ID] = a
		artKeys = append(artKeys, int64(a.ID))
		if a.UserID != nil {
			if _, ok := users[*a.UserID]; !ok {
				users[*a.UserID] = nil
				userKeys = append(userKeys, int64(*a.UserID))
			}
		}
		if a.CateID != nil {
			if _, ok := cats[*a.CateID]; !ok {
				cats[*a.CateID] = nil
				catKeys = append(catKeys, int64(*a.CateID))
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.Query(ctx, "SELECT id, username, password, email FROM users WHERE id = ANY($1)", userKeys)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		u := &rawUser{}
		if err := rows.Scan(&u.ID, &u.Username, &u.Password, &u.Email); err != nil {
			rows.Close()
			return nil, err
		}
		users[u.ID] = u
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.Query(ctx, "SELECT id, name FROM categories WHERE id = ANY($1)", catKeys)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		c := &rawCategory{}
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			rows.Close()
			return nil, err
		}
		cats[c.ID] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tags := map[int]*rawTag{}
	rows, err = db.Query(ctx, "SELECT at.article_id, t.id, t.name FROM tags t JOIN article_tag at ON t.id = at.tag_id WHERE at.article_id = ANY($1)", artKeys)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var aid, tid int
		var name string
		if err := rows.Scan(&aid, &tid, &name); err != nil {
			rows.Close()
			return nil, err
		}
		t := tags[tid]
		if t == nil {
			t = &rawTag{ID: tid, Name: name}
			tags[tid] = t
		}
		if a := byID[aid]; a != nil {
			a.Tags = append(a.Tags, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, a := range arts {
		if a.UserID != nil {
			a.Author = users[*a.UserID]
		}
		if a.CateID != nil {
			a.Category = cats[*a.CateID]
		}
	}
	return arts, nil
}
