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
