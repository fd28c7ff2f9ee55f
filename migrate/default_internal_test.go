package migrate

import (
	"testing"

	"github.com/relmorm/relm/schema"
)

// TestNormDefault: defaults as declared and as each database reports them
// compare equal.
func TestNormDefault(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		k    schema.Kind
	}{
		{"'draft'", "'draft'::character varying", schema.KindString},
		{"CURRENT_TIMESTAMP", "current_timestamp(6)", schema.KindTime},
		{"CURRENT_TIMESTAMP", "now()", schema.KindTime},
		{"TRUE", "1", schema.KindBool},
		{"false", "'0'", schema.KindBool},
		{"5", "'5'", schema.KindBigInt},
		{"1.50", "1.5", schema.KindFloat},
		{"", "NULL", schema.KindText},
	} {
		if x, y := normDefault(tc.a, tc.k), normDefault(tc.b, tc.k); x != y {
			t.Errorf("%s and %s differ: %q, %q", tc.a, tc.b, x, y)
		}
	}
	if normDefault("'Draft'", schema.KindString) == normDefault("'draft'", schema.KindString) {
		t.Error("string defaults compare without case")
	}
	if seq, ok := sequenceOf("nextval('users_id_seq'::regclass)"); !ok || seq != "users_id_seq" {
		t.Errorf("sequenceOf = %q, %v", seq, ok)
	}
}
