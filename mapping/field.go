package mapping

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"time"
	"unsafe"

	"github.com/relmorm/relm/schema"
)

// Field is a struct field mapped to a column. Its accessors work on a
// pointer to the struct and are built once per type: reading or writing a
// field for a row costs no reflection for the common Go types.
type Field struct {
	Name   string         // Go field name
	Type   reflect.Type   // Go type of the field
	Offset uintptr        // byte offset in the struct (embedded structs flattened)
	Column *schema.Column // the column it maps to
	Mapper *Mapper        // the mapper it belongs to

	intKind intKind // how IntKey reads the field
	str     bool    // a string kind that does not convert itself (StringValue)
	direct  bool    // Addr points to the value Value gives (Direct)
	json    bool    // a type:json column encoded by encoding/json (json.go)
	// gen fills the field before its row's INSERT when it is zero
	// (generate.go), genName names it in errors; nil for most fields.
	gen     Generator
	genName string

	addr   func(p unsafe.Pointer) any
	value  func(p unsafe.Pointer) any
	equal  func(a, b unsafe.Pointer) bool
	setKey func(p unsafe.Pointer, k any) error
	getKey func(p unsafe.Pointer) (any, bool)
	// detach gives a snapshot's copy of the field memory of its own, for
	// a field whose value the program can change in place (see
	// Mapper.CopySnapshot); nil for the others.
	detach func(p unsafe.Pointer, sl *Slab)
	// defaulted: the column has a default that applies when the field is
	// zero (see Mapper.Defaulted); isZero and copyTo serve it.
	defaulted bool
	isZero    func(p unsafe.Pointer) bool
	copyTo    func(dst, src unsafe.Pointer)
}

// IsZero reports whether the field of the struct at obj holds its type's
// zero value (nil for a pointer, slice or map).
func (f *Field) IsZero(obj unsafe.Pointer) bool { return f.isZero(unsafe.Add(obj, f.Offset)) }

// SetZero sets the field of the struct at obj to its type's zero value.
func (f *Field) SetZero(obj unsafe.Pointer) { f.CopyValue(obj, f.Mapper.zero) }

// CopyValue copies the field's value from the struct at src to the struct
// at dst.
func (f *Field) CopyValue(dst, src unsafe.Pointer) {
	f.copyTo(unsafe.Add(dst, f.Offset), unsafe.Add(src, f.Offset))
}

// Addr returns a pointer to the field of the struct at obj, typed for
// database/sql's Scan.
func (f *Field) Addr(obj unsafe.Pointer) any { return f.addr(unsafe.Add(obj, f.Offset)) }

// Value returns the field's value of the struct at obj as a statement
// argument (nil for a nil pointer).
func (f *Field) Value(obj unsafe.Pointer) any { return f.value(unsafe.Add(obj, f.Offset)) }

// StringValue returns the value of a field of a string kind — the driver
// value Value would return, without boxing it into an interface — and
// false for a field of another kind or one that converts itself (a
// driver.Valuer).
func (f *Field) StringValue(obj unsafe.Pointer) (string, bool) {
	if !f.str {
		return "", false
	}
	return *(*string)(unsafe.Add(obj, f.Offset)), true
}

// Direct reports whether Addr's pointer is to the value Value returns — a
// *string, *int, *int32, *int64, *bool, *float64, *time.Time or *[]byte
// (Value widens int and int32 to int64, and gives nil for a nil []byte) —
// so that a caller may read the value through it rather than have Value
// box it into an interface.
func (f *Field) Direct() bool { return f.direct }

// Key returns the field's value normalised as a key — int64 for integers,
// string for strings — and false when it is NULL or the zero value of a
// primary key that the database has not assigned yet.
func (f *Field) Key(obj unsafe.Pointer) (any, bool) { return f.getKey(unsafe.Add(obj, f.Offset)) }

// intKind says how an integer field is stored, for IntKey.
type intKind uint8

const (
	notInt intKind = iota
	intInt
	intInt32
	intInt64
	intPtrInt
	intPtrInt32
	intPtrInt64
)

// IntKey reads an integer field (int, int32, int64 or a type of those
// kinds, or *int, *int32, *int64) of the struct at obj as an int64 key,
// without boxing it: ok is false for a nil pointer, and for the zero value
// of a primary key except through *int, whose every value set is a key.
// isInt is false for a field of any other type.
func (f *Field) IntKey(obj unsafe.Pointer) (v int64, ok, isInt bool) {
	fp := unsafe.Add(obj, f.Offset)
	switch f.intKind {
	case intInt:
		v = int64(*(*int)(fp))
	case intInt32:
		v = int64(*(*int32)(fp))
	case intInt64:
		v = *(*int64)(fp)
	case intPtrInt:
		if q := *(**int)(fp); q != nil {
			return int64(*q), true, true
		}
		return 0, false, true
	case intPtrInt32:
		q := *(**int32)(fp)
		if q == nil {
			return 0, false, true
		}
		v = int64(*q)
	case intPtrInt64:
		q := *(**int64)(fp)
		if q == nil {
			return 0, false, true
		}
		v = *q
	default:
		return 0, false, false
	}
	return v, !(f.Column.PrimaryKey && v == 0), true
}

// PlainInt reports whether the field is an int, or of a type defined on
// int that has no sql.Scanner or driver.Valuer of its own: Addr then gives
// a *int to scan into.
func (f *Field) PlainInt() bool { return f.intKind == intInt }

// SetKey stores a key value (int64 or string, or nil for NULL) into the
// field, converting to the field's Go type.
func (f *Field) SetKey(obj unsafe.Pointer, k any) error {
	if err := f.setKey(unsafe.Add(obj, f.Offset), k); err != nil {
		return fmt.Errorf("mapping: %s.%s: %w", f.Mapper.Type.Name(), f.Name, err)
	}
	return nil
}

// Equal reports whether the field holds the same value in the structs at a
// and b (a snapshot and the live object). Pointers compare by what they
// point to; time.Time by Equal; []byte by content.
func (f *Field) Equal(a, b unsafe.Pointer) bool {
	return f.equal(unsafe.Add(a, f.Offset), unsafe.Add(b, f.Offset))
}

// ValuesEqual compares two values returned by Value.
func ValuesEqual(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y) && (x == nil) == (y == nil)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case nil:
		return b == nil
	}
	defer func() { recover() }() // uncomparable custom types compare unequal
	return a == b
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
	scannerType = reflect.TypeFor[sql.Scanner]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
)

// goColumnType returns the default column type for a Go type, whether the Go
// type can hold NULL, and whether it is a column type at all.
func goColumnType(t reflect.Type) (typ schema.Type, nullable bool, ok bool) {
	switch t {
	case timeType:
		return schema.Time, false, true
	case bytesType:
		return schema.Bytes, true, true
	case reflect.TypeFor[sql.NullString]():
		return schema.String(255), true, true
	case reflect.TypeFor[sql.NullInt64]():
		return schema.BigInt, true, true
	case reflect.TypeFor[sql.NullInt32](), reflect.TypeFor[sql.NullInt16](), reflect.TypeFor[sql.NullByte]():
		return schema.Integer, true, true
	case reflect.TypeFor[sql.NullBool]():
		return schema.Bool, true, true
	case reflect.TypeFor[sql.NullFloat64]():
		return schema.Float, true, true
	case reflect.TypeFor[sql.NullTime]():
		return schema.Time, true, true
	}
	if t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && t.NumField() == 2 && t.Field(0).Name == "V" {
		// sql.Null[T]
		inner, _, ok := goColumnType(t.Field(0).Type)
		return inner, true, ok
	}
	switch t.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return schema.Integer, false, true
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		// Go's int and uint are 64 bits on every platform relm targets,
		// so their column is too: BIGINT, not the 32-bit INTEGER of
		// PostgreSQL and MySQL, where 3,000,000,000 would not fit.
		return schema.BigInt, false, true
	case reflect.String:
		return schema.String(255), false, true
	case reflect.Bool:
		return schema.Bool, false, true
	case reflect.Float32, reflect.Float64:
		return schema.Float, false, true
	case reflect.Pointer:
		inner, _, ok := goColumnType(t.Elem())
		if ok && t.Elem().Kind() != reflect.Pointer {
			return inner, true, true
		}
	}
	return schema.Type{}, false, false
}

// hasScanner reports whether *t implements sql.Scanner.
func hasScanner(t reflect.Type) bool { return reflect.PointerTo(t).Implements(scannerType) }

// hasValuer reports whether t or *t implements driver.Valuer.
func hasValuer(t reflect.Type) bool {
	return t.Implements(valuerType) || reflect.PointerTo(t).Implements(valuerType)
}

// isCustomColumn reports whether t implements both sql.Scanner (on its
// pointer) and driver.Valuer, so that it can be a column with an explicit type.
func isCustomColumn(t reflect.Type) bool { return hasScanner(t) && hasValuer(t) }

// convertsItself reports whether t, a type defined on a basic kind, has
// either method: its values then go through them, as database/sql would
// send and scan them, not through the accessors of its kind.
func convertsItself(t reflect.Type) bool { return hasScanner(t) || hasValuer(t) }

// buildAccessors creates the per-type closures of f: the typed ones of
// the common kinds, then the general ones through reflect for the rest
// (buildReflect), then the key setters of integer keys.
func (f *Field) buildAccessors() {
	t := f.Type
	f.buildZeroCopy()
	if f.json {
		f.buildJSON()
		return
	}
	f.buildEqual()
	f.buildDetach()
	if convertsItself(t) {
		f.buildReflect()
		return
	}
	f.classifyKind()
	f.buildKindAccessors()
	f.buildPointerAccessors()
	f.buildReflect()
	f.buildKeySetters()
}

// classifyKind records how f's integer key is read without an interface
// (intKind) and whether database/sql takes its values as they are
// (direct).
func (f *Field) classifyKind() {
	t := f.Type
	switch t.Kind() {
	case reflect.Int:
		f.intKind = intInt
	case reflect.Int32:
		f.intKind = intInt32
	case reflect.Int64:
		f.intKind = intInt64
	}
	switch t {
	case reflect.TypeFor[*int]():
		f.intKind = intPtrInt
	case reflect.TypeFor[*int32]():
		f.intKind = intPtrInt32
	case reflect.TypeFor[*int64]():
		f.intKind = intPtrInt64
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.String, reflect.Bool, reflect.Float64:
		f.direct = true
	}
	f.direct = f.direct || t == timeType || t == bytesType
}

// buildKindAccessors creates the typed accessors of a field of a basic
// kind: int, int32 and int64 (read as int64), string, bool, float64.
func (f *Field) buildKindAccessors() {
	t := f.Type
	pk := f.Column.PrimaryKey
	switch t.Kind() {
	case reflect.Int:
		f.addr = func(p unsafe.Pointer) any { return (*int)(p) }
		f.value = func(p unsafe.Pointer) any { return int64(*(*int)(p)) }
		f.getKey = func(p unsafe.Pointer) (any, bool) { v := int64(*(*int)(p)); return v, !(pk && v == 0) }
	case reflect.Int32:
		f.addr = func(p unsafe.Pointer) any { return (*int32)(p) }
		f.value = func(p unsafe.Pointer) any { return int64(*(*int32)(p)) }
		f.getKey = func(p unsafe.Pointer) (any, bool) { v := int64(*(*int32)(p)); return v, !(pk && v == 0) }
	case reflect.Int64:
		f.addr = func(p unsafe.Pointer) any { return (*int64)(p) }
		f.value = func(p unsafe.Pointer) any { return *(*int64)(p) }
		f.getKey = func(p unsafe.Pointer) (any, bool) { v := *(*int64)(p); return v, !(pk && v == 0) }
	case reflect.String:
		f.str = true
		f.addr = func(p unsafe.Pointer) any { return (*string)(p) }
		f.value = func(p unsafe.Pointer) any { return *(*string)(p) }
		f.getKey = func(p unsafe.Pointer) (any, bool) { v := *(*string)(p); return v, !(pk && v == "") }
	case reflect.Bool:
		f.addr = func(p unsafe.Pointer) any { return (*bool)(p) }
		f.value = func(p unsafe.Pointer) any { return *(*bool)(p) }
	case reflect.Float64:
		f.addr = func(p unsafe.Pointer) any { return (*float64)(p) }
		f.value = func(p unsafe.Pointer) any { return *(*float64)(p) }
	}
}

// buildPointerAccessors creates the typed accessors of *int, *int64,
// *string (nil is NULL), time.Time and []byte (nil is NULL).
func (f *Field) buildPointerAccessors() {
	t := f.Type
	if t == reflect.TypeFor[*int]() {
		f.addr = func(p unsafe.Pointer) any { return (**int)(p) }
		f.value = func(p unsafe.Pointer) any {
			if v := *(**int)(p); v != nil {
				return int64(*v)
			}
			return nil
		}
		f.getKey = func(p unsafe.Pointer) (any, bool) {
			if v := *(**int)(p); v != nil {
				return int64(*v), true
			}
			return nil, false
		}
	}
	if t == reflect.TypeFor[*int64]() {
		f.addr = func(p unsafe.Pointer) any { return (**int64)(p) }
		f.value = func(p unsafe.Pointer) any {
			if v := *(**int64)(p); v != nil {
				return *v
			}
			return nil
		}
		f.getKey = func(p unsafe.Pointer) (any, bool) {
			if v := *(**int64)(p); v != nil {
				return *v, true
			}
			return nil, false
		}
	}
	if t == reflect.TypeFor[*string]() {
		f.addr = func(p unsafe.Pointer) any { return (**string)(p) }
		f.value = func(p unsafe.Pointer) any {
			if v := *(**string)(p); v != nil {
				return *v
			}
			return nil
		}
	}
	if t == timeType {
		f.addr = func(p unsafe.Pointer) any { return (*time.Time)(p) }
		f.value = func(p unsafe.Pointer) any { return *(*time.Time)(p) }
	}
	if t == bytesType {
		f.addr = func(p unsafe.Pointer) any { return (*[]byte)(p) }
		f.value = func(p unsafe.Pointer) any {
			if v := *(*[]byte)(p); v != nil {
				return v
			}
			return nil
		}
	}
}

// buildKeySetters creates the setters of generated keys for int, int64,
// *int and *int64 fields: an int64 is stored without reflect, other values
// through setKeyReflect. A pointer already holding the key is left alone.
func (f *Field) buildKeySetters() {
	t := f.Type
	switch t.Kind() {
	case reflect.Int:
		f.setKey = func(p unsafe.Pointer, k any) error {
			if v, ok := k.(int64); ok {
				*(*int)(p) = int(v)
				return nil
			}
			return setKeyReflect(reflect.NewAt(t, p).Elem(), k)
		}
	case reflect.Int64:
		f.setKey = func(p unsafe.Pointer, k any) error {
			if v, ok := k.(int64); ok {
				*(*int64)(p) = v
				return nil
			}
			return setKeyReflect(reflect.NewAt(t, p).Elem(), k)
		}
	}
	if t == reflect.TypeFor[*int64]() {
		f.setKey = func(p unsafe.Pointer, k any) error {
			switch v := k.(type) {
			case nil:
				*(**int64)(p) = nil
				return nil
			case int64:
				if cur := *(**int64)(p); cur != nil && *cur == v {
					return nil
				}
				n := v
				*(**int64)(p) = &n
				return nil
			}
			return setKeyReflect(reflect.NewAt(t, p).Elem(), k)
		}
	}
	if t == reflect.TypeFor[*int]() {
		f.setKey = func(p unsafe.Pointer, k any) error {
			switch v := k.(type) {
			case nil:
				*(**int)(p) = nil
				return nil
			case int64:
				if cur := *(**int)(p); cur != nil && *cur == int(v) {
					return nil
				}
				n := int(v)
				*(**int)(p) = &n
				return nil
			}
			return setKeyReflect(reflect.NewAt(t, p).Elem(), k)
		}
	}
}

// buildReflect fills the accessors f has not got yet with general ones
// through reflect.NewAt: correct for every type the mapper accepts, used
// for the less common ones and for types with their own sql.Scanner or
// driver.Valuer.
func (f *Field) buildReflect() {
	t := f.Type
	pk := f.Column.PrimaryKey
	if f.addr == nil {
		f.addr = func(p unsafe.Pointer) any { return reflect.NewAt(t, p).Interface() }
	}
	if f.value == nil {
		f.value = func(p unsafe.Pointer) any {
			v := reflect.NewAt(t, p).Elem()
			if v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return nil
				}
				v = v.Elem()
			}
			vr, ok := v.Interface().(driver.Valuer)
			if !ok && v.CanAddr() {
				vr, ok = v.Addr().Interface().(driver.Valuer)
			}
			if ok {
				dv, err := vr.Value()
				if err != nil {
					return vr // let the driver report the error
				}
				return dv
			}
			switch v.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				return v.Int()
			case reflect.Uint8, reflect.Uint16, reflect.Uint32:
				return int64(v.Uint())
			case reflect.Uint, reflect.Uint64:
				if u := v.Uint(); u <= math.MaxInt64 {
					return int64(u)
				}
				return overflowValue{v.Uint()}
			case reflect.String:
				return v.String()
			case reflect.Bool:
				return v.Bool()
			case reflect.Float32, reflect.Float64:
				return v.Float()
			}
			return v.Interface()
		}
	}
	if f.getKey == nil {
		f.getKey = func(p unsafe.Pointer) (any, bool) {
			v := normalizeKey(f.value(p))
			if v == nil {
				return nil, false
			}
			if pk && (v == int64(0) || v == "" || f.isZero(p)) {
				return v, false
			}
			return v, true
		}
	}
	if f.setKey == nil {
		f.setKey = func(p unsafe.Pointer, k any) error { return setKeyReflect(reflect.NewAt(t, p).Elem(), k) }
	}
}

// overflowValue is the statement argument of a uint or uint64 field whose
// value is beyond BIGINT's 9,223,372,036,854,775,807: its Value fails, so
// that the statement does, rather than a server clamping or wrapping it.
type overflowValue struct{ u uint64 }

// Value returns an error naming the value.
func (o overflowValue) Value() (driver.Value, error) {
	return nil, fmt.Errorf("mapping: %d does not fit a BIGINT column (at most %d); use int64 values, or a type with its own driver.Valuer", o.u, int64(math.MaxInt64))
}

// normalizeKey turns a driver value into a key: integers become int64,
// strings and []byte become string.
func normalizeKey(v any) any {
	switch x := v.(type) {
	case int64, string, nil:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case []byte:
		return string(x)
	case driver.Valuer:
		dv, err := x.Value()
		if err != nil {
			return nil
		}
		return normalizeKey(dv)
	}
	return v
}

// NormalizeKey turns a value read from or bound to the database into the
// form used in identity keys: integers become int64, []byte becomes string.
func NormalizeKey(v any) any { return normalizeKey(v) }

func setKeyReflect(v reflect.Value, k any) error {
	if k == nil {
		if v.Kind() == reflect.Pointer {
			v.SetZero()
			return nil
		}
		if s, ok := v.Addr().Interface().(sql.Scanner); ok {
			return s.Scan(nil)
		}
		v.SetZero()
		return nil
	}
	if v.Kind() == reflect.Pointer {
		nv := reflect.New(v.Type().Elem())
		if err := setKeyReflect(nv.Elem(), k); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	}
	if s, ok := v.Addr().Interface().(sql.Scanner); ok {
		return s.Scan(k)
	}
	kv := reflect.ValueOf(k)
	switch {
	case v.CanInt() && kv.CanInt():
		if v.OverflowInt(kv.Int()) {
			return fmt.Errorf("key %d overflows %s", kv.Int(), v.Type())
		}
		v.SetInt(kv.Int())
	case v.CanUint() && kv.CanInt():
		if kv.Int() < 0 || v.OverflowUint(uint64(kv.Int())) {
			return fmt.Errorf("key %d overflows %s", kv.Int(), v.Type())
		}
		v.SetUint(uint64(kv.Int()))
	case v.Kind() == reflect.String && kv.Kind() == reflect.String:
		v.SetString(kv.String())
	default:
		return fmt.Errorf("cannot store key %v (%T) in a field of type %s", k, k, v.Type())
	}
	return nil
}

func (f *Field) buildEqual() {
	t := f.Type
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Uint:
		f.equal = func(a, b unsafe.Pointer) bool { return *(*int64)(a) == *(*int64)(b) }
		return
	case reflect.Int32, reflect.Uint32:
		f.equal = func(a, b unsafe.Pointer) bool { return *(*int32)(a) == *(*int32)(b) }
		return
	case reflect.String:
		f.equal = func(a, b unsafe.Pointer) bool { return *(*string)(a) == *(*string)(b) }
		return
	case reflect.Bool:
		f.equal = func(a, b unsafe.Pointer) bool { return *(*bool)(a) == *(*bool)(b) }
		return
	case reflect.Float64:
		f.equal = func(a, b unsafe.Pointer) bool { return *(*float64)(a) == *(*float64)(b) }
		return
	}
	switch t {
	case reflect.TypeFor[*int]():
		f.equal = func(a, b unsafe.Pointer) bool {
			x, y := *(**int)(a), *(**int)(b)
			return x == y || x != nil && y != nil && *x == *y
		}
		return
	case reflect.TypeFor[*int64]():
		f.equal = func(a, b unsafe.Pointer) bool {
			x, y := *(**int64)(a), *(**int64)(b)
			return x == y || x != nil && y != nil && *x == *y
		}
		return
	case reflect.TypeFor[*string]():
		f.equal = func(a, b unsafe.Pointer) bool {
			x, y := *(**string)(a), *(**string)(b)
			return x == y || x != nil && y != nil && *x == *y
		}
		return
	case timeType:
		f.equal = func(a, b unsafe.Pointer) bool { return (*time.Time)(a).Equal(*(*time.Time)(b)) }
		return
	case bytesType:
		f.equal = func(a, b unsafe.Pointer) bool {
			x, y := *(*[]byte)(a), *(*[]byte)(b)
			return bytes.Equal(x, y) && (x == nil) == (y == nil)
		}
		return
	}
	// Other types compare by their driver values.
	f.equal = func(a, b unsafe.Pointer) bool { return ValuesEqual(f.value(a), f.value(b)) }
}

// buildZeroCopy sets isZero and copyTo: direct for the common types, through
// reflect for the others.
func (f *Field) buildZeroCopy() {
	t := f.Type
	switch {
	case t.Kind() == reflect.String:
		f.isZero, f.copyTo = zeroCopy[string]()
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64 || t.Kind() == reflect.Uint || t.Kind() == reflect.Uint64:
		f.isZero, f.copyTo = zeroCopy[int64]()
	case t.Kind() == reflect.Int32 || t.Kind() == reflect.Uint32:
		f.isZero, f.copyTo = zeroCopy[int32]()
	case t.Kind() == reflect.Bool:
		f.isZero, f.copyTo = zeroCopy[bool]()
	case t.Kind() == reflect.Float64:
		f.isZero, f.copyTo = zeroCopy[float64]()
	case t.Kind() == reflect.Pointer:
		f.isZero = func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
		f.copyTo = func(dst, src unsafe.Pointer) { *(*unsafe.Pointer)(dst) = *(*unsafe.Pointer)(src) }
	case t == timeType:
		f.isZero = func(p unsafe.Pointer) bool { return (*time.Time)(p).IsZero() }
		f.copyTo = func(dst, src unsafe.Pointer) { *(*time.Time)(dst) = *(*time.Time)(src) }
	case t == bytesType:
		f.isZero = func(p unsafe.Pointer) bool { return *(*[]byte)(p) == nil }
		f.copyTo = func(dst, src unsafe.Pointer) { *(*[]byte)(dst) = *(*[]byte)(src) }
	default:
		f.isZero = func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsZero() }
		f.copyTo = func(dst, src unsafe.Pointer) { reflect.NewAt(t, dst).Elem().Set(reflect.NewAt(t, src).Elem()) }
	}
}

// zeroCopy returns isZero and copyTo for a field stored as a T.
func zeroCopy[T comparable]() (func(p unsafe.Pointer) bool, func(dst, src unsafe.Pointer)) {
	var zero T
	return func(p unsafe.Pointer) bool { return *(*T)(p) == zero },
		func(dst, src unsafe.Pointer) { *(*T)(dst) = *(*T)(src) }
}
