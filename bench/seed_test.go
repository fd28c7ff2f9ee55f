package bench

import (
	"context"
	"database/sql"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"gorm.io/gorm"

	"github.com/relmorm/relm"
)

// writers are the contenders of the seeds; pgx (the raw code on pgx's
// native interface) runs on PostgreSQL only.
var writers = []string{"raw", "relm", "gorm", "bun", "pgx"}

// BenchmarkSeed is workload (a): the tutorial's seed — its schema, then 10
// users, 5 categories, 20 tags and 100 articles with 2–5 tags each, in one
// transaction. Each iteration starts from a database without the tables
// (dropped outside the timer) and creates them the contender's way.
func BenchmarkSeed(b *testing.B) {
	each(b, writers, func(b *testing.B, e *env, orm string) {
		benchSeed(b, e, orm, data(seedArticles), withSchema)
	})
}

// BenchmarkSeedRows is (a) without the schema: the tutorial's 100 articles
// and their users, categories and tags written into the existing, emptied
// tables (rows deleted outside the timer). On PostgreSQL and MariaDB the
// DDL of (a) takes most of its time; this isolates the ORM's share.
func BenchmarkSeedRows(b *testing.B) {
	each(b, writers, func(b *testing.B, e *env, orm string) {
		if err := e.freshBlog(); err != nil {
			b.Fatal(err)
		}
		benchSeed(b, e, orm, data(seedArticles), emptied)
	})
}

// BenchmarkSeedScale is workload (b): the same at scale — 1,000 users, 50
// categories, 200 tags, 100,000 articles (RELM_BENCH_ARTICLES) — written
// into fresh empty tables (recreated outside the timer). Run it with
// -benchtime=1x.
func BenchmarkSeedScale(b *testing.B) {
	each(b, writers, func(b *testing.B, e *env, orm string) {
		benchSeed(b, e, orm, data(scaleArticles()), recreated)
	})
}

// How a seed iteration starts (outside the timer).
const (
	withSchema = iota // no tables: the contender creates them
	recreated         // tables dropped and created anew (relm's DDL)
	emptied           // rows deleted
)

func benchSeed(b *testing.B, e *env, orm string, ds *dataset, start int) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var err error
		switch start {
		case withSchema:
			err = e.dropBlog()
		case recreated:
			err = e.freshBlog()
		case emptied:
			err = e.emptyBlog()
		}
		if err != nil {
			b.Fatal(err)
		}
		write := newWriter(e, orm, ds, start == withSchema)
		if start == recreated {
			runtime.GC() // the previous iteration's garbage is not this one's cost
		}
		b.StartTimer()
		if err := write(); err != nil {
			b.Fatalf("%s seed on %s: %v", orm, e.name, err)
		}
		b.StopTimer()
		if err := e.checkBlog(ds); err != nil {
			b.Fatalf("%s seed on %s: %v", orm, e.name, err)
		}
		b.StartTimer()
	}
}

// newWriter builds the contender's objects for ds (outside the timer) and
// returns the code that writes them, as a user of the contender would
// write it; with schema, the tables are created first.
func newWriter(e *env, orm string, ds *dataset, schema bool) func() error {
	switch orm {
	case "relm":
		users, cats, tags, arts := relmObjects(ds)
		return func() error {
			if schema {
				if err := e.blogReg.CreateAll(ctx, e.relm); err != nil {
					return err
				}
			}
			s := relm.NewSession(e.relm, e.blogReg)
			defer s.Close()
			if err := s.AddAll(users, cats, tags, arts); err != nil {
				return err
			}
			return s.Commit(ctx)
		}
	case "gorm":
		users, cats, tags, arts := gormObjects(ds)
		return func() error {
			// Batches as large as the parameter limit allows (articles
			// have 4 columns besides the key).
			db := e.gorm.Session(&gorm.Session{CreateBatchSize: e.rowsPer(4)})
			if schema {
				if err := db.AutoMigrate(&gUser{}, &gUserInfo{}, &gCategory{}, &gTag{}, &gArticle{}); err != nil {
					return err
				}
			}
			// Parents first: GORM would insert a parent shared by several
			// new articles once per article. Create(&arts) then saves the
			// associations: it upserts authors, categories and tags and
			// inserts the article_tag rows.
			return db.Transaction(func(tx *gorm.DB) error {
				for _, v := range []any{&users, &cats, &tags, &arts} {
					if err := tx.Create(v).Error; err != nil {
						return err
					}
				}
				return nil
			})
		}
	case "bun":
		users, cats, tags, arts := bunObjects(ds)
		return func() error {
			if schema {
				if err := bunSchema(e.bun); err != nil {
					return err
				}
			}
			return e.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				if err := bunInsert(ctx, tx, users, e.rowsPer(3)); err != nil {
					return err
				}
				if err := bunInsert(ctx, tx, cats, e.rowsPer(1)); err != nil {
					return err
				}
				if err := bunInsert(ctx, tx, tags, e.rowsPer(1)); err != nil {
					return err
				}
				links := 0
				for _, a := range arts {
					a.UserID, a.CateID = &a.Author.ID, &a.Category.ID
					links += len(a.Tags)
				}
				if err := bunInsert(ctx, tx, arts, e.rowsPer(4)); err != nil {
					return err
				}
				rows := make([]*bArticleTag, 0, links)
				for _, a := range arts {
					for _, t := range a.Tags {
						rows = append(rows, &bArticleTag{ArticleID: a.ID, TagID: t.ID})
					}
				}
				return bunInsert(ctx, tx, rows, e.rowsPer(2))
			})
		}
	case "raw":
		return func() error { return seedRaw(e, ds, schema) }
	case "pgx":
		return func() error { return seedPgx(e, ds, schema) }
	}
	panic("unknown contender " + orm)
}

func bunInsert[T any](ctx context.Context, db bun.IDB, rows []T, per int) error {
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func bunSchema(db *bun.DB) error {
	for _, m := range []any{(*bUser)(nil), (*bCategory)(nil), (*bTag)(nil), (*bUserInfo)(nil), (*bArticle)(nil), (*bArticleTag)(nil)} {
		if _, err := db.NewCreateTable().Model(m).WithForeignKeys().Exec(ctx); err != nil {
			return err
		}
	}
	for _, ix := range []struct {
		model     any
		name, col string
	}{
		{(*bUser)(nil), "ix_users_email", "email"},
		{(*bUser)(nil), "ix_users_username", "username"},
		{(*bCategory)(nil), "ix_categories_name", "name"},
		{(*bTag)(nil), "ix_tags_name", "name"},
		{(*bArticle)(nil), "ix_articles_title", "title"},
	} {
		if _, err := db.NewCreateIndex().Model(ix.model).Index(ix.name).Column(ix.col).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// rawTx is what the hand-written seed needs of its transaction: a
// database/sql one (sqlTx) or pgx's own (pgxTx).
type rawTx interface {
	exec(query string, args []any) error
	// queryIDs runs an INSERT … RETURNING id and appends the ids.
	queryIDs(query string, args []any, ids []int64) ([]int64, error)
	Commit(ctx context.Context) error
}

type sqlTx struct{ *sql.Tx }

func (t sqlTx) exec(query string, args []any) error {
	_, err := t.ExecContext(ctx, query, args...)
	return err
}

func (t sqlTx) queryIDs(query string, args []any, ids []int64) ([]int64, error) {
	rows, err := t.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (t sqlTx) Commit(context.Context) error { return t.Tx.Commit() }

type pgxTx struct{ pgx.Tx }

func (t pgxTx) exec(query string, args []any) error {
	_, err := t.Exec(ctx, query, args...)
	return err
}

// queryIDs is sqlTx.queryIDs's loop again on purpose: one loop over the
// rows as an interface made each row's id escape, an allocation per key
// more for the hand-written code (Seed on SQLite: 750 allocations against
// 615).
func (t pgxTx) queryIDs(query string, args []any, ids []int64) ([]int64, error) {
	rows, err := t.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// seedRaw writes the dataset with hand-written multi-row INSERTs in one
// transaction, reading generated keys back with RETURNING (which all three
// databases have: SQLite 3.35+, PostgreSQL, MariaDB 10.5+).
func seedRaw(e *env, ds *dataset, schema bool) error {
	if schema {
		for _, stmt := range e.rawDDL() {
			if _, err := e.db.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
	}
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return e.rawRows(sqlTx{tx}, ds)
}

// seedPgx is seedRaw on pgx's native interface (PostgreSQL): the limit.
func seedPgx(e *env, ds *dataset, schema bool) error {
	if schema {
		for _, stmt := range e.rawDDL() {
			if _, err := e.pgx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
	}
	tx, err := e.pgx.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	return e.rawRows(pgxTx{tx}, ds)
}

// rawRows inserts the dataset's rows in tx and commits.
func (e *env) rawRows(tx rawTx, ds *dataset) error {
	userIDs, err := e.rawInsert(tx, "users", []string{"username", "password", "email"}, len(ds.users), true, func(i int, a []any) []any {
		u := &ds.users[i]
		return append(a, u.username, u.password, u.email)
	})
	if err != nil {
		return err
	}
	catIDs, err := e.rawInsert(tx, "categories", []string{"name"}, len(ds.cats), true, func(i int, a []any) []any {
		return append(a, ds.cats[i])
	})
	if err != nil {
		return err
	}
	tagIDs, err := e.rawInsert(tx, "tags", []string{"name"}, len(ds.tags), true, func(i int, a []any) []any {
		return append(a, ds.tags[i])
	})
	if err != nil {
		return err
	}
	artIDs, err := e.rawInsert(tx, "articles", []string{"title", "content", "user_id", "cate_id"}, len(ds.articles), true, func(i int, a []any) []any {
		r := &ds.articles[i]
		return append(a, r.title, r.content, userIDs[r.user], catIDs[r.cat])
	})
	if err != nil {
		return err
	}
	type link struct{ a, t int64 }
	links := make([]link, 0, ds.links)
	for i := range ds.articles {
		for _, t := range ds.articles[i].tags {
			links = append(links, link{artIDs[i], tagIDs[t]})
		}
	}
	if _, err := e.rawInsert(tx, "article_tag", []string{"article_id", "tag_id"}, len(links), false, func(i int, a []any) []any {
		return append(a, links[i].a, links[i].t)
	}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// rawInsert inserts n rows in statements of as many rows as the parameter
// limit allows; with returning, it returns the generated ids in row order.
func (e *env) rawInsert(tx rawTx, table string, cols []string, n int, returning bool, row func(i int, args []any) []any) ([]int64, error) {
	per := e.rowsPer(len(cols))
	var ids []int64
	if returning {
		ids = make([]int64, 0, n)
	}
	var sb strings.Builder
	args := make([]any, 0, min(n, per)*len(cols))
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		sb.Reset()
		sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args = args[:0]
		p := 0
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range cols {
				if j > 0 {
					sb.WriteString(", ")
				}
				p++
				sb.WriteString(e.ph(p))
			}
			sb.WriteByte(')')
			args = row(i, args)
		}
		if !returning {
			if err := tx.exec(sb.String(), args); err != nil {
				return nil, err
			}
			continue
		}
		sb.WriteString(" RETURNING id")
		first := len(ids)
		var err error
		if ids, err = tx.queryIDs(sb.String(), args, ids); err != nil {
			return nil, err
		}
		// Keys ascend in VALUES order; do not rely on RETURNING's order.
		slices.Sort(ids[first:])
	}
	return ids, nil
}
