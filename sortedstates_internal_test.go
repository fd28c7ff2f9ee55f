package relm

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestSortedStatesArrivalOrder: the flush takes the session's states in
// arrival order whether their sequence numbers are contiguous, have gaps
// (placed by slot), or are sparse (sorted), and loses none; a repeated
// number, which a session never gives, falls back to sorting all. Each call
// takes the array of the one before, cleared as release clears it.
func TestSortedStatesArrivalOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		seqs func(i int) int
	}{
		{"contiguous", func(i int) int { return 1000 + i }},
		{"gaps", func(i int) int { return 7 + i + i/3 }},
		{"sparse", func(i int) int { return 1 + i*i*5 }},
		{"repeated", func(i int) int { return 50 + i/2*2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf []*state
			for _, n := range []int{0, 1, 2, 3, 40, 5, 100, 1000} {
				objs := make([]int, n)
				s := &Session{states: map[unsafe.Pointer]*state{}}
				for _, i := range rand.Perm(n) {
					st := &state{ptr: unsafe.Pointer(&objs[i]), seq: tc.seqs(i)}
					s.states[st.ptr] = st
				}
				got := s.sortedStates(buf)
				if len(got) != n {
					t.Fatalf("n=%d: %d states, want %d", n, len(got), n)
				}
				for i := 1; i < n; i++ {
					if got[i-1].seq > got[i].seq {
						t.Fatalf("n=%d: seq %d before %d at %d", n, got[i-1].seq, got[i].seq, i)
					}
				}
				seen := map[unsafe.Pointer]bool{}
				for _, st := range got {
					seen[st.ptr] = true
				}
				if len(seen) != n {
					t.Fatalf("n=%d: %d distinct states, want %d", n, len(seen), n)
				}
				// The next call reuses the array, as a pooled unit of
				// work does after release.
				buf = keep(got)
				for _, st := range buf[:cap(buf)] {
					if st != nil {
						t.Fatalf("n=%d: the kept array still holds a state (seq %d)", n, st.seq)
					}
				}
			}
		})
	}
}
