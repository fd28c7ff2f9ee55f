package bench

import (
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/brianvoe/gofakeit/v7"
)

// dataset is the tutorial's fake blog, built once per size outside every
// timer: users, categories, tags, and articles that point at them by index.
type dataset struct {
	users    []userRow
	cats     []string
	tags     []string
	articles []articleRow
	links    int // article_tag rows
}

type userRow struct{ username, password, email string }

type articleRow struct {
	title, content string
	user, cat      int   // indexes into users and cats
	tags           []int // 2–5 distinct indexes into tags
}

// seedSize is the tutorial's seed, workload (a).
const seedArticles = 100

// scaleArticles is the size of workloads (b) and (c): 100,000 articles
// unless RELM_BENCH_ARTICLES says otherwise (CI uses a small size).
func scaleArticles() int { return envInt("RELM_BENCH_ARTICLES", 100000) }

var (
	dataMu    sync.Mutex
	dataCache = map[int]*dataset{}
)

// data returns the dataset of n articles: 100 articles gives the tutorial's
// 10 users, 5 categories and 20 tags; 100,000 gives 1,000 users, 50
// categories and 200 tags (one user per 100 articles, one category per
// 2,000, one tag per 500, never fewer than the tutorial's).
func data(n int) *dataset {
	dataMu.Lock()
	defer dataMu.Unlock()
	if ds := dataCache[n]; ds != nil {
		return ds
	}
	f := gofakeit.New(1)
	r := rand.New(rand.NewPCG(1, 2))
	ds := &dataset{}
	nUsers, nCats, nTags := max(10, n/100), max(5, n/2000), max(20, n/500)
	for range nUsers {
		ds.users = append(ds.users, userRow{clip(f.Name(), 64), clip(f.Word(), 64), clip(f.Email(), 64)})
	}
	for range nCats {
		ds.cats = append(ds.cats, clip(f.Word(), 64))
	}
	for range nTags {
		ds.tags = append(ds.tags, clip(f.Word(), 64))
	}
	// The tutorial's content is 10–20 fake sentences; draw them from a pool
	// so that building 100,000 articles takes a moment, not minutes.
	pool := make([]string, 4096)
	for i := range pool {
		pool[i] = f.Sentence()
	}
	var sb strings.Builder
	for range n {
		sb.Reset()
		for j, k := 0, 10+r.IntN(11); j < k; j++ {
			if j > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(pool[r.IntN(len(pool))])
		}
		a := articleRow{
			title:   clip(pool[r.IntN(len(pool))], 255),
			content: sb.String(),
			user:    r.IntN(nUsers),
			cat:     r.IntN(nCats),
		}
		for _, t := range r.Perm(nTags)[:2+r.IntN(4)] {
			a.tags = append(a.tags, t)
		}
		ds.links += len(a.tags)
		ds.articles = append(ds.articles, a)
	}
	dataCache[n] = ds
	return ds
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
