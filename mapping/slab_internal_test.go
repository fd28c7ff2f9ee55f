package mapping

import "testing"

// A Slab's arrays double, so that a load of n rows with a pointer field
// allocates O(log n) arrays, not n/16 (as it did while each new array was
// sized from the used-up slice's capacity, always 0).
func TestSlabArraysGrow(t *testing.T) {
	allocs := testing.AllocsPerRun(10, func() {
		var sl Slab
		for i := 0; i < 1000; i++ {
			*slabTake(&sl.strs) = "x"
		}
	})
	// 16 + 16 + 32 + 64 + 128 + 256 + 512 ≥ 1000: seven arrays.
	if allocs > 7 {
		t.Fatalf("1000 strings from one Slab took %v allocations, want at most 7", allocs)
	}
}
