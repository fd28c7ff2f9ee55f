package dialect

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/relmorm/relm/schema"
)

func encodeTest(b []byte, _ *schema.Column, v any) ([]byte, error) {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case string:
		return AppendJSONString(b, x), nil
	}
	return b, BulkValueError(&schema.Column{Name: "c"}, v, "unsupported")
}

// TestJSONRowsDocument: the document is the rows added, in order, whatever
// the size hint, and a value that cannot travel leaves it unchanged.
func TestJSONRowsDocument(t *testing.T) {
	cols := []*schema.Column{{Name: "id"}, {Name: "s"}}
	for _, hint := range []int{0, 1, 10, 500, 100000} {
		r := &JSONRows{Cols: cols, Rows: hint, Encode: encodeTest}
		var want [][]any
		for i := range 300 {
			s := strings.Repeat("x\"\\\n", i%7)
			if err := r.Add([]any{int64(i), s}); err != nil {
				t.Fatal(err)
			}
			want = append(want, []any{float64(i), s})
			if i == 150 {
				if err := r.Add([]any{int64(1), 2.5}); !errors.Is(err, ErrBulkValue) {
					t.Fatalf("hint %d: a float was taken: %v", hint, err)
				}
			}
		}
		var got [][]any
		if err := json.Unmarshal([]byte(r.Args()[0].(string)), &got); err != nil {
			t.Fatalf("hint %d: %v", hint, err)
		}
		if r.Len() != 300 || len(got) != 300 {
			t.Fatalf("hint %d: %d rows, document has %d", hint, r.Len(), len(got))
		}
		for i := range want {
			if got[i][0] != want[i][0] || got[i][1] != want[i][1] {
				t.Fatalf("hint %d: row %d is %v, want %v", hint, i, got[i], want[i])
			}
		}
	}
}

// TestJSONRowsMax: with a bound, rows stop at it even when the hint asks
// for more room, and the first row is always taken.
func TestJSONRowsMax(t *testing.T) {
	cols := []*schema.Column{{Name: "s"}}
	r := &JSONRows{Cols: cols, Max: 1000, Rows: 1000, Encode: encodeTest}
	n := 0
	for {
		err := r.Add([]any{strings.Repeat("a", 20)})
		if errors.Is(err, ErrBulkFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	doc := r.Args()[0].(string)
	if len(doc) > 1000 || n != r.Len() || n < 35 {
		t.Fatalf("%d rows in %d bytes (bound 1000)", n, len(doc))
	}
	big := &JSONRows{Cols: cols, Max: 10, Encode: encodeTest}
	if err := big.Add([]any{strings.Repeat("a", 50)}); err != nil {
		t.Fatalf("the first row was refused: %v", err)
	}
}
