package main

import "testing"

func TestPairedRatio(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b []float64
		want string
	}{
		// Round by round 1.1, 1.0, 0.9: the median is the middle round's,
		// where the ratio of the medians (11 ÷ 10 = 1.10) is not.
		{"rounds", []float64{11, 20, 9}, []float64{10, 20, 10}, "1.00"},
		{"even", []float64{2, 3, 5, 8}, []float64{2, 2, 4, 4}, "1.38"},
		{"a failed run", []float64{1, 2}, []float64{1, 2, 3}, "–"},
		{"no samples", nil, nil, "–"},
		{"zero base", []float64{1}, []float64{0}, "–"},
	} {
		if got := pairedRatio(c.a, c.b); got != c.want {
			t.Errorf("%s: pairedRatio(%v, %v) = %s, want %s", c.name, c.a, c.b, got, c.want)
		}
	}
}
