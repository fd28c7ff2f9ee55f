package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/relmorm/relm/internal/testdb"
)

var statLine = regexp.MustCompile(`^  (.+?) +(\d+)$`)

// statSections reads blog stats' output: per title, the counts in order.
func statSections(t *testing.T, out string) map[string][]int {
	t.Helper()
	sections := map[string][]int{}
	title := ""
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		switch m := statLine.FindStringSubmatch(line); {
		case line == "":
		case m != nil && title != "":
			n, _ := strconv.Atoi(m[2])
			sections[title] = append(sections[title], n)
		case m == nil:
			title = line
		}
	}
	return sections
}

// blog stats on every database: the per-category counts add up to the
// articles (every seeded article has a category), the per-tag counts to the
// link rows, and the top authors are --top, most articles first.
func TestStats(t *testing.T) {
	for _, name := range testdb.Dialects {
		t.Run(name, func(t *testing.T) {
			dsn := testdb.NewDatabase(t, name)
			out := mustRun(t, "seed", "--dsn", dsn, "--users", "6", "--articles", "40", "--min-tags", "2", "--max-tags", "2")
			links, _ := strconv.Atoi(strings.ReplaceAll(tableCounts(out)["article_tag"], ",", ""))
			if links != 80 {
				t.Fatalf("seed: %d links, want 80", links)
			}
			code, out, errOut := runBlog(t, "stats", "--dsn", dsn, "--top", "3", "--echo")
			if code != 0 {
				t.Fatalf("stats: exit %d: %s", code, errOut)
			}
			if n := strings.Count(errOut, "msg=sql"); n != 3 {
				t.Errorf("stats issued %d statements, want 3 (one GROUP BY per table):\n%s", n, errOut)
			}
			sec := statSections(t, out)
			sum := func(xs []int) int {
				n := 0
				for _, x := range xs {
					n += x
				}
				return n
			}
			if got := sum(sec["Articles per category"]); got != 40 {
				t.Errorf("per category adds up to %d, want 40:\n%s", got, out)
			}
			if got := sum(sec["Articles per tag"]); got != 80 {
				t.Errorf("per tag adds up to %d, want 80:\n%s", got, out)
			}
			tops := sec["Top authors"]
			if len(tops) != 3 || tops[0] < tops[1] || tops[1] < tops[2] {
				t.Errorf("top authors %v, want 3, most first:\n%s", tops, out)
			}
			if code, _, errOut := runBlog(t, "stats", "--dsn", dsn, "--top", "0"); code != 1 || !strings.Contains(errOut, "--top") {
				t.Errorf("--top 0: exit %d, %q", code, errOut)
			}
		})
	}
}
