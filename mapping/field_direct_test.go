package mapping_test

import (
	"bytes"
	"database/sql"
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// age is an integer type without methods of its own.
type age int32

// TestFieldDirect: Direct is true exactly for the fields whose Addr points
// to the value Value gives — plain strings, integers (widened to int64 by
// Value), bools, floats, times and byte slices, and types defined on them
// that do not convert themselves — so that a bulk INSERT may read those
// through the pointer; pointers, nullable types and types that convert
// themselves go through Value.
func TestFieldDirect(t *testing.T) {
	type Row struct {
		ID    int
		Name  string
		Nick  nick
		Up    upper
		Age   age
		N32   int32
		N64   int64
		OK    bool
		F     float64
		At    time.Time
		Blob  []byte
		Empty []byte
		Alias *string
		PN    *int
		NS    sql.NullString
	}
	reg := mustConfigure(t, &Row{})
	m := mapperOf(t, reg, &Row{})
	alias, pn := "al", 4
	r := &Row{ID: 7, Name: "Ann", Nick: "nn", Up: "up", Age: -300, N32: 1 << 30, N64: -1 << 62, OK: true, F: 0.1,
		At: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), Blob: []byte{0, 1}, Alias: &alias, PN: &pn, NS: sql.NullString{String: "s", Valid: true}}
	ptr := unsafe.Pointer(r)
	direct := map[string]bool{"ID": true, "Name": true, "Nick": true, "Age": true, "N32": true, "N64": true, "OK": true, "F": true, "At": true, "Blob": true, "Empty": true}
	for _, f := range m.Fields {
		if f.Direct() != direct[f.Name] {
			t.Errorf("%s (%s): Direct = %v, want %v", f.Name, f.Type, f.Direct(), direct[f.Name])
			continue
		}
		if !f.Direct() {
			continue
		}
		// The value behind Addr, as Value gives it: integers widened,
		// a nil slice as nil.
		pv := reflect.ValueOf(f.Addr(ptr)).Elem()
		var got any
		switch pv.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
			got = pv.Int()
		case reflect.Slice:
			if !pv.IsNil() {
				got = pv.Bytes()
			}
		default:
			got = pv.Interface()
		}
		want := f.Value(ptr)
		if b, ok := want.([]byte); ok {
			if g, _ := got.([]byte); !bytes.Equal(g, b) || g == nil {
				t.Errorf("%s: through Addr %#v, Value %#v", f.Name, got, want)
			}
			continue
		}
		if got != want {
			t.Errorf("%s: through Addr %#v (%T), Value %#v (%T)", f.Name, got, got, want, want)
		}
	}
}
