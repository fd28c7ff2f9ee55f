package mapping

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/relmorm/relm/schema"
)

// A JSON column (`type:json`) holds any Go value encoding/json encodes — a
// struct, a map, a slice, or a pointer to one — that has no sql.Scanner
// and driver.Valuer of its own (a type that has both converts itself, as
// any custom column type does). The value is encoded with json.Marshal on
// the way in and decoded with json.Unmarshal on the way out; a nil
// pointer, map, slice or interface is NULL. Change tracking compares the
// encodings: a map or slice changed in place is written at the next flush.

// buildJSONField maps sf, tagged type:json, to a JSON column: nullable when
// its Go type can be nil, and refused when encoding/json cannot encode its
// type.
func (m *Mapper) buildJSONField(sf reflect.StructField, off uintptr, cs ColumnSpec, where string) (*Field, error) {
	if bad := jsonUnencodable(sf.Type, map[reflect.Type]bool{}); bad != "" {
		return nil, fmt.Errorf("mapping: %s: type:json needs a value encoding/json can encode, and %s holds %s; leave that out of the value (or tag it `json:\"-\"`)", where, sf.Type, bad)
	}
	if cs.Size != 0 {
		return nil, fmt.Errorf("mapping: %s: size applies to varchar columns, not json", where)
	}
	nullable := jsonNilable(sf.Type)
	if cs.Nullable != nil {
		if *cs.Nullable && !nullable {
			return nil, fmt.Errorf("mapping: %s: Go type %s cannot hold NULL; use a pointer, map or slice", where, sf.Type)
		}
		nullable = *cs.Nullable
	}
	if cs.PrimaryKey {
		return nil, fmt.Errorf("mapping: %s: a json column cannot be a primary key", where)
	}
	f, err := m.newField(sf, off, cs, where, schema.JSON, nullable)
	if err == nil {
		f.json = true
	}
	return f, err
}

// jsonNilable reports whether a value of t can be nil, and so NULL.
func jsonNilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return true
	}
	return false
}

// jsonUnencodable names what in t encoding/json refuses (a channel, a
// function, a complex number), "" when nothing does. Fields tagged
// `json:"-"` and unexported fields are skipped, as json.Marshal skips them;
// a type with its own MarshalJSON is taken as encodable.
func jsonUnencodable(t reflect.Type, seen map[reflect.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	if t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) ||
		t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return ""
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
		return "a " + t.String()
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return jsonUnencodable(t.Elem(), seen)
	case reflect.Map:
		switch t.Key().Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		default:
			if !t.Key().Implements(textMarshalerType) {
				return "a map keyed by " + t.Key().String()
			}
		}
		return jsonUnencodable(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() && !sf.Anonymous || sf.Tag.Get("json") == "-" {
				continue
			}
			if bad := jsonUnencodable(sf.Type, seen); bad != "" {
				return bad + " (field " + sf.Name + ")"
			}
		}
	}
	return ""
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()
)

// JSONError is the statement argument of a JSON field whose value does not
// encode (a NaN, a channel in a map[string]any): its Value fails, naming
// the model, the field and the value, so that the statement does and the
// commit rolls back with nothing written.
type JSONError struct {
	Model, Field string
	Got          any // the value that does not encode
	Err          error
}

// Error names the model, the field, the value and encoding/json's reason.
func (e *JSONError) Error() string {
	return fmt.Sprintf("mapping: %s.%s: json value %s does not encode: %v", e.Model, e.Field, describeValue(e.Got), e.Err)
}

// Unwrap returns encoding/json's error.
func (e *JSONError) Unwrap() error { return e.Err }

// Value fails with e.
func (e *JSONError) Value() (driver.Value, error) { return nil, e }

// describeValue prints v for an error, cut at 200 bytes.
func describeValue(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// encodeJSON returns the JSON encoding of the field value at p, nil for a
// nil pointer, map, slice or interface.
func (f *Field) encodeJSON(p unsafe.Pointer) ([]byte, error) {
	v := reflect.NewAt(f.Type, p).Elem()
	if jsonNilable(f.Type) && v.IsNil() {
		return nil, nil
	}
	return json.Marshal(v.Interface())
}

// buildJSON sets the accessors of a JSON field: Value encodes (a string,
// which every driver binds to a JSON, JSONB or TEXT column), Addr decodes
// what is scanned, Equal compares encodings, and a snapshot's copy is a
// decoded copy of its own.
func (f *Field) buildJSON() {
	t := f.Type
	f.value = func(p unsafe.Pointer) any {
		b, err := f.encodeJSON(p)
		if err != nil {
			return &JSONError{Model: f.Mapper.Type.Name(), Field: f.Name, Got: reflect.NewAt(t, p).Elem().Interface(), Err: err}
		}
		if b == nil {
			return nil
		}
		return string(b)
	}
	f.addr = func(p unsafe.Pointer) any { return &jsonScanner{f: f, p: p} }
	f.equal = func(a, b unsafe.Pointer) bool {
		x, errX := f.encodeJSON(a)
		y, errY := f.encodeJSON(b)
		return errX == nil && errY == nil && bytes.Equal(x, y) && (x == nil) == (y == nil)
	}
	f.detach = func(p unsafe.Pointer, _ *Slab) {
		b, err := f.encodeJSON(p)
		v := reflect.NewAt(t, p).Elem()
		c := reflect.New(t)
		if err == nil && b != nil {
			if json.Unmarshal(b, c.Interface()) != nil {
				c = reflect.New(t)
			}
		}
		v.Set(c.Elem()) // a value that does not encode compares unequal: written, and refused
	}
	f.getKey = func(p unsafe.Pointer) (any, bool) { return nil, false }
	f.setKey = func(p unsafe.Pointer, k any) error {
		return fmt.Errorf("a json column is not a key")
	}
}

// jsonScanner decodes a scanned JSON column into the field at p.
type jsonScanner struct {
	f *Field
	p unsafe.Pointer
}

// Scan decodes src (text or bytes; NULL sets the field to its zero value)
// into the field, replacing what it held.
func (s *jsonScanner) Scan(src any) error {
	v := reflect.NewAt(s.f.Type, s.p)
	v.Elem().SetZero()
	var b []byte
	switch x := src.(type) {
	case nil:
		return nil
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		return fmt.Errorf("mapping: %s.%s: json column read as %T, not text", s.f.Mapper.Type.Name(), s.f.Name, src)
	}
	if err := json.Unmarshal(b, v.Interface()); err != nil {
		return fmt.Errorf("mapping: %s.%s: decode json %.100q: %w", s.f.Mapper.Type.Name(), s.f.Name, b, err)
	}
	return nil
}

// isUUIDArray reports whether t is a 16-byte array, such as
// github.com/google/uuid's UUID: with a Scanner and Valuer of its own, its
// column is a uuid unless the tag says otherwise.
func isUUIDArray(t reflect.Type) bool {
	return t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8
}
