package blog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// DefaultBatchSize is how many articles Seed commits at a time when
// SeedOptions.BatchSize is zero.
const DefaultBatchSize = 10000

// SeedOptions says how much fake data Seed writes. The zero value writes
// nothing; DefaultSeedOptions gives the tutorial's numbers.
type SeedOptions struct {
	Users      int // users, each with one UserInfo
	Categories int
	Tags       int
	Articles   int
	MinTags    int // distinct tags per article, at least
	MaxTags    int // and at most
	// Seed seeds the fake data: the same seed gives the same data. Zero
	// picks a random seed.
	Seed int64
	// BatchSize is how many articles are committed at a time (and then
	// forgotten by the session), which bounds memory; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Progress, when set, is called with the number of articles committed
	// so far and the total, once before the first batch and after each one.
	Progress func(done, total int)
}

// DefaultSeedOptions returns the tutorial's numbers: 10 users, 5
// categories, 20 tags, 100 articles with 2 to 5 tags each, seed 1.
func DefaultSeedOptions() SeedOptions {
	return SeedOptions{Users: 10, Categories: 5, Tags: 20, Articles: 100, MinTags: 2, MaxTags: 5, Seed: 1}
}

// Validate reports the first inconsistency among the options as a one-line
// error naming the command-line flag concerned.
func (o SeedOptions) Validate() error {
	for _, c := range []struct {
		flag string
		n    int
	}{
		{"--users", o.Users}, {"--categories", o.Categories}, {"--tags", o.Tags},
		{"--articles", o.Articles}, {"--min-tags", o.MinTags}, {"--max-tags", o.MaxTags},
		{"--batch", o.BatchSize},
	} {
		if c.n < 0 {
			return fmt.Errorf("%s (%d) is negative", c.flag, c.n)
		}
	}
	if o.MinTags > o.MaxTags {
		return fmt.Errorf("--min-tags (%d) is above --max-tags (%d)", o.MinTags, o.MaxTags)
	}
	if o.Articles == 0 {
		return nil
	}
	switch {
	case o.Users == 0:
		return fmt.Errorf("--articles (%d) needs authors, but --users is 0", o.Articles)
	case o.Categories == 0:
		return fmt.Errorf("--articles (%d) needs categories, but --categories is 0", o.Articles)
	case o.Tags == 0 && o.MaxTags > 0:
		return fmt.Errorf("--articles (%d) with up to %d tags each needs tags, but --tags is 0", o.Articles, o.MaxTags)
	case o.MaxTags > o.Tags:
		return fmt.Errorf("--max-tags (%d) is above --tags (%d): an article's tags are distinct", o.MaxTags, o.Tags)
	}
	return nil
}

// Stats reports what Seed wrote.
type Stats struct {
	Rows    map[string]int64 // rows inserted, per table
	Elapsed time.Duration
}

// Total returns the number of rows inserted in all tables.
func (st Stats) Total() int64 {
	var n int64
	for _, r := range st.Rows {
		n += r
	}
	return n
}

// RowsPerSecond returns the insert throughput.
func (st Stats) RowsPerSecond() float64 {
	if st.Elapsed <= 0 {
		return 0
	}
	return float64(st.Total()) / st.Elapsed.Seconds()
}

// Seed creates the blog's tables if they are missing and fills them with
// fake data as the tutorial does: users (each with a UserInfo), categories
// and tags, then articles built as objects with their Author, Category and
// distinct random Tags set, all added through a relm session. Articles are
// committed opts.BatchSize at a time, and the session forgets each batch
// once committed, so memory does not grow with opts.Articles.
//
// Before writing anything Seed validates opts and checks that no table of
// the blog's name exists with other columns (CheckSchema). A failure in a
// later batch leaves the earlier batches committed; the failed batch is
// rolled back.
func Seed(ctx context.Context, db *relm.DB, reg *mapping.Registry, opts SeedOptions) (Stats, error) {
	stats := Stats{Rows: map[string]int64{}}
	if err := opts.Validate(); err != nil {
		return stats, err
	}
	if err := CheckSchema(ctx, db, reg); err != nil {
		return stats, err
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		return stats, err
	}
	start := time.Now()
	sd := newSeeding(opts)
	s := relm.NewSession(db, reg)
	defer s.Close()
	if err := sd.commitLookups(ctx, s, &stats); err != nil {
		return stats, err
	}
	sd.progress(0)

	// One goroutine makes the articles, batch by batch, in the order a
	// single loop would (so a seed gives the same data), while this one
	// commits the previous batch: at most three batches are alive at once.
	batches := make(chan []*Article, 1)
	stop := make(chan struct{})
	defer close(stop)
	go sd.makeArticles(batches, stop)

	done := 0
	for b := range batches {
		if err := s.AddAll(b); err != nil {
			return stats, err
		}
		if err := s.Commit(ctx); err != nil {
			return stats, fmt.Errorf("seed articles %d to %d: %w", done+1, done+len(b), err)
		}
		done += len(b)
		stats.Rows["articles"] = int64(done)
		for _, a := range b {
			stats.Rows["article_tag"] += int64(len(a.Tags))
		}
		sd.forgetArticles()
		s.ExpungeAll()
		sd.progress(done)
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

// seeding is one run of Seed: its options, the generator, and the users,
// categories and tags the articles refer to.
type seeding struct {
	opts  SeedOptions
	batch int // articles per commit
	g     *generator
	users []*User
	cats  []*Category
	tags  []*Tag
}

// newSeeding makes the users, categories and tags of opts, in that order
// from the generator (so a seed gives the same data).
func newSeeding(opts SeedOptions) *seeding {
	sd := &seeding{opts: opts, batch: opts.BatchSize, g: newGenerator(opts.Seed)}
	if sd.batch == 0 {
		sd.batch = DefaultBatchSize
	}
	sd.users = make([]*User, opts.Users)
	for i := range sd.users {
		sd.users[i] = sd.g.user()
	}
	sd.cats = make([]*Category, opts.Categories)
	for i := range sd.cats {
		sd.cats[i] = &Category{Name: sd.g.word(64)}
	}
	sd.tags = make([]*Tag, opts.Tags)
	for i := range sd.tags {
		sd.tags[i] = &Tag{Name: sd.g.word(64)}
	}
	return sd
}

// commitLookups commits the users (with their UserInfo), categories and
// tags in one commit, counts them in stats, and lets the session forget
// them.
func (sd *seeding) commitLookups(ctx context.Context, s *relm.Session, stats *Stats) error {
	if err := s.AddAll(sd.users, sd.cats, sd.tags); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return fmt.Errorf("seed users, categories and tags: %w", err)
	}
	stats.Rows["users"] = int64(len(sd.users))
	stats.Rows["userinfos"] = int64(len(sd.users))
	stats.Rows["categories"] = int64(len(sd.cats))
	stats.Rows["tags"] = int64(len(sd.tags))
	stats.Rows["articles"] = 0
	stats.Rows["article_tag"] = 0
	s.ExpungeAll()
	return nil
}

// progress reports done of the articles to opts.Progress, if set.
func (sd *seeding) progress(done int) {
	if sd.opts.Progress != nil {
		sd.opts.Progress(done, sd.opts.Articles)
	}
}

// makeArticles sends the articles to batches, sd.batch at a time, each
// with a random author, category and distinct tags, until all are made or
// stop closes; it closes batches.
func (sd *seeding) makeArticles(batches chan<- []*Article, stop <-chan struct{}) {
	defer close(batches)
	g, opts := sd.g, sd.opts
	perm := make([]int, len(sd.tags))
	for done := 0; done < opts.Articles; {
		b := make([]*Article, min(sd.batch, opts.Articles-done))
		for i := range b {
			a := g.article()
			a.Author = sd.users[g.r.IntN(len(sd.users))]
			a.Category = sd.cats[g.r.IntN(len(sd.cats))]
			k := opts.MinTags + g.r.IntN(opts.MaxTags-opts.MinTags+1)
			a.Tags = make([]*Tag, k)
			for j, t := range g.sample(perm, k) {
				a.Tags[j] = sd.tags[t]
			}
			b[i] = a
		}
		select {
		case batches <- b:
		case <-stop:
			return
		}
		done += len(b)
	}
}

// forgetArticles lets a committed batch go so memory stays bounded: the
// commit appended it to the other side of every relationship
// (User.Articles, Category.Articles, Tag.Articles).
func (sd *seeding) forgetArticles() {
	for _, u := range sd.users {
		u.Articles = nil
	}
	for _, c := range sd.cats {
		c.Articles = nil
	}
	for _, t := range sd.tags {
		t.Articles = nil
	}
}

// generator makes the fake data of one seed, deterministically.
type generator struct {
	f *gofakeit.Faker
	r *rand.Rand
}

func newGenerator(seed int64) *generator {
	f := gofakeit.New(uint64(seed))
	// One goroutine uses the faker: no lock needed.
	f = gofakeit.NewFaker(f.Rand, false)
	return &generator{f: f, r: rand.New(rand.NewPCG(f.Uint64(), f.Uint64()))}
}

func (g *generator) word(size int) string { return fit(g.f.Word(), size) }

func (g *generator) user() *User {
	name := fit(g.f.Name(), 64)
	qq := g.f.Numerify(strings.Repeat("#", 4+g.r.IntN(7))) // 5 to 11 digits, the first not 0
	qq = fmt.Sprint(1+g.r.IntN(9)) + qq
	phone := fit(g.f.Phone(), 11)
	link := fit("https://"+g.f.DomainName()+"/"+strings.ToLower(g.f.Username()), 64)
	u := &User{
		Username: name,
		Password: g.word(64),
		Email:    fit(g.f.Email(), 64),
	}
	u.UserInfo = &UserInfo{Name: &name, QQ: &qq, Phone: &phone, Link: &link}
	return u
}

func (g *generator) article() *Article {
	n := 10 + g.r.IntN(11)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.f.Sentence())
	}
	content := b.String()
	return &Article{Title: fit(g.f.Sentence(), 255), Content: &content}
}

// sample returns k distinct indexes below len(perm), in random order, as
// random.sample does; perm is scratch space.
func (g *generator) sample(perm []int, k int) []int {
	for i := range perm {
		perm[i] = i
	}
	for i := range k {
		j := i + g.r.IntN(len(perm)-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm[:k]
}

// fit cuts s to at most n bytes, on a character boundary, so that it fits a
// VARCHAR(n) column on every database.
func fit(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
