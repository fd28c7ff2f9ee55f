package relm

import (
	"slices"
	"testing"
	"unsafe"
)

// TestDiffSlicesNewCollection covers the first flush of a collection (no
// previous content): nils and repeats are dropped, order is kept, both for
// short slices (compared pairwise) and long ones (through a map).
func TestDiffSlicesNewCollection(t *testing.T) {
	objs := make([]int, 40)
	p := func(i int) unsafe.Pointer { return unsafe.Pointer(&objs[i]) }
	for _, n := range []int{2, smallSlice, smallSlice + 1, 40} {
		var cur, want []unsafe.Pointer
		for i := range n {
			cur = append(cur, p(i))
			want = append(want, p(i))
		}
		added, removed := diffSlices(cur, nil, false)
		if !slices.Equal(added, want) || removed != nil {
			t.Fatalf("n=%d: clean slice: added %d, removed %d", n, len(added), len(removed))
		}
		// a nil first, a repeat in the middle, a nil and a repeat at the end
		dirty := append([]unsafe.Pointer{nil}, cur[:n/2]...)
		dirty = append(dirty, cur[0])
		dirty = append(dirty, cur[n/2:]...)
		dirty = append(dirty, nil, cur[n-1])
		added, _ = diffSlices(dirty, nil, false)
		if !slices.Equal(added, want) {
			t.Fatalf("n=%d: dirty slice: got %d elements, want %d in order", n, len(added), len(want))
		}
		if dirty[0] != nil || dirty[len(dirty)-1] != cur[n-1] {
			t.Fatalf("n=%d: the caller's slice was modified", n)
		}
	}
	if added, _ := diffSlices([]unsafe.Pointer{nil}, nil, false); len(added) != 0 {
		t.Fatalf("a lone nil was added")
	}
}

// TestNextGenWraps: when the flush counter wraps, old marks are cleared, so
// a state marked long ago never reads as marked by the new flush.
func TestNextGenWraps(t *testing.T) {
	var x int
	st := &state{fmark: 1, touched: true}
	s := &Session{gen: ^uint32(0), states: map[unsafe.Pointer]*state{unsafe.Pointer(&x): st}}
	g := s.nextGen()
	u := &unitOfWork{gen: g}
	if g != 1 || st.fmark != 0 || u.isTouched(st) {
		t.Fatalf("after the wrap: gen %d, fmark %d, touched %v", g, st.fmark, u.isTouched(st))
	}
	u.markTouched(st)
	if !u.isTouched(st) || u.isInserted(st) || len(u.touchedList) != 1 {
		t.Fatalf("markTouched: touched %v inserted %v list %d", u.isTouched(st), u.isInserted(st), len(u.touchedList))
	}
	u.markTouched(st)
	if len(u.touchedList) != 1 {
		t.Fatalf("a state touched twice is listed %d times", len(u.touchedList))
	}
	if u2 := (&unitOfWork{gen: s.nextGen()}); u2.isTouched(st) {
		t.Fatalf("the next flush sees the last one's mark")
	}
}
