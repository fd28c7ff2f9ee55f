package relm

import (
	"database/sql"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestIntScanAsDatabaseSQL: an int field scanned through intScan gets what
// database/sql's own conversion gives for every kind of driver value — the
// same number, or an error where database/sql refuses, wrapping the same
// strconv error (the oracle is sql.Null[int].Scan, which converts the value
// as Rows.Scan does); NULL is refused, as Rows.Scan refuses it for an int.
func TestIntScanAsDatabaseSQL(t *testing.T) {
	for _, src := range []any{
		int64(0), int64(-7), int64(math.MaxInt64), int64(math.MinInt64),
		[]byte("42"), []byte("-0"), []byte(" 1"), []byte("1.5"), []byte("x"), []byte(""),
		"123", "9223372036854775808", float64(3), float64(1.5), float32(2), true,
		uint64(5), uint64(math.MaxUint64), nil,
	} {
		var got int
		gotErr := (&intScan{p: &got}).Scan(src)
		var want sql.Null[int]
		wantErr := want.Scan(src)
		if src == nil {
			// sql.Null takes NULL; database/sql refuses it for an int.
			if gotErr == nil || !strings.Contains(gotErr.Error(), "NULL") {
				t.Errorf("NULL: %v, want an error naming NULL", gotErr)
			}
			continue
		}
		if (gotErr == nil) != (wantErr == nil) || gotErr == nil && got != want.V {
			t.Errorf("%T %v: got %d, %v; database/sql: %d, %v", src, src, got, gotErr, want.V, wantErr)
		}
		var ne *strconv.NumError
		if gotErr != nil && errors.As(wantErr, &ne) && !errors.Is(gotErr, ne.Err) {
			t.Errorf("%T %v: error %v does not wrap %v", src, src, gotErr, ne.Err)
		}
	}
}
