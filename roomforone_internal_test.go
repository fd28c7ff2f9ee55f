package relm

import "testing"

// TestRoomForOneDoubles: a full slice gets twice its capacity (append alone
// would add a quarter past 256 elements), one with room is returned as it
// is, and nil gets a small array.
func TestRoomForOneDoubles(t *testing.T) {
	full := make([]loadedRow, 1000)
	grown := roomForOne(full)
	if cap(grown) < 2000 || len(grown) != 1000 || &grown[0] == &full[0] {
		t.Fatalf("full slice of 1000: len %d cap %d, want len 1000 cap ≥ 2000 in a new array", len(grown), cap(grown))
	}
	if again := roomForOne(grown); &again[0] != &grown[0] || cap(again) != cap(grown) {
		t.Fatalf("a slice with room was reallocated: cap %d → %d", cap(grown), cap(again))
	}
	if s := roomForOne([]int(nil)); cap(s) < 16 || len(s) != 0 {
		t.Fatalf("nil: len %d cap %d, want len 0 cap ≥ 16", len(s), cap(s))
	}
}
