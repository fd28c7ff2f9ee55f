package mapping_test

import (
	"database/sql/driver"
	"testing"
	"unsafe"
)

// upper is a string type that converts itself (a driver.Valuer).
type upper string

func (u upper) Value() (driver.Value, error) { return "U:" + string(u), nil }

// nick is a string type without methods of its own.
type nick string

// TestFieldStringValue: StringValue gives a string field's value as Value
// does, without an interface, and refuses any other field — a pointer to a
// string, a string type that converts itself, an integer — so that callers
// fall back to Value for those.
func TestFieldStringValue(t *testing.T) {
	type Person struct {
		ID    int
		Name  string
		Nick  nick
		Up    upper
		Alias *string
	}
	reg := mustConfigure(t, &Person{})
	m := mapperOf(t, reg, &Person{})
	alias := "al"
	p := &Person{ID: 7, Name: "Ann 'x'", Nick: "nn", Up: "up", Alias: &alias}
	ptr := unsafe.Pointer(p)
	for _, c := range []struct {
		field string
		want  string
		ok    bool
	}{
		{"Name", "Ann 'x'", true},
		{"Nick", "nn", true},
		{"Up", "", false},
		{"Alias", "", false},
		{"ID", "", false},
	} {
		f := m.Field(c.field)
		if f == nil {
			t.Fatalf("no field %s", c.field)
		}
		got, ok := f.StringValue(ptr)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: StringValue = %q, %v; want %q, %v", c.field, got, ok, c.want, c.ok)
		}
		if ok && f.Value(ptr) != any(got) {
			t.Errorf("%s: Value = %#v, StringValue %q", c.field, f.Value(ptr), got)
		}
	}
}
