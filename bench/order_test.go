package bench

import (
	"slices"
	"testing"
)

// TestRoundOrder checks what bench/run.sh's six rounds rely on: every
// round runs every contender once, every contender runs first in some
// round, and every contender runs right after at least two different
// others.
func TestRoundOrder(t *testing.T) {
	list := []string{"raw", "relm", "gorm", "bun", "pgx"}
	first := map[string]bool{}
	before := map[string]map[string]bool{}
	for r := 1; r <= 6; r++ {
		order := roundOrder(list, r)
		sorted := slices.Sorted(slices.Values(order))
		if want := slices.Sorted(slices.Values(list)); !slices.Equal(sorted, want) {
			t.Fatalf("round %d: order %v is not each contender once", r, order)
		}
		first[order[0]] = true
		for i := 1; i < len(order); i++ {
			if before[order[i]] == nil {
				before[order[i]] = map[string]bool{}
			}
			before[order[i]][order[i-1]] = true
		}
	}
	for _, c := range list {
		if !first[c] {
			t.Errorf("%s never runs first in six rounds", c)
		}
		if len(before[c]) < 2 {
			t.Errorf("%s runs right after %v only", c, before[c])
		}
	}
	if got := roundOrder(list, 0); !slices.Equal(got, list) {
		t.Errorf("round 0 (outside run.sh): %v, want the list as written", got)
	}
}
