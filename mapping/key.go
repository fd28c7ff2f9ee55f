package mapping

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// MaxKeyColumns is the most columns a primary key may have: the size of a
// KeyTuple.
const MaxKeyColumns = 8

// KeyTuple is the identity key of a row whose primary key has several
// columns: the columns' values, normalised as Field.Key normalises them
// (integers int64, byte slices string), in primary-key order. It is
// comparable, so it keys the session's identity map as one value, as
// SQLAlchemy's identity key holds the tuple of the key's columns.
type KeyTuple struct {
	n int
	v [MaxKeyColumns]any
}

// Len returns the number of values.
func (k KeyTuple) Len() int { return k.n }

// At returns the i-th value.
func (k KeyTuple) At(i int) any { return k.v[i] }

// String renders the tuple as (a, b).
func (k KeyTuple) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < k.n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, k.v[i])
	}
	b.WriteByte(')')
	return b.String()
}

// ErrKeyArgs is wrapped by the error of a key given by the program (relm.Get)
// whose number of values or types do not fit the mapper's primary key.
var ErrKeyArgs = errors.New("the key does not fit the primary key")

// keyFieldList names a mapper's key fields, as "ArticleID, TagID".
func (m *Mapper) keyFieldList() string {
	names := make([]string, len(m.PrimaryKey))
	for i, f := range m.PrimaryKey {
		names[i] = f.Name + " " + f.Type.String()
	}
	return strings.Join(names, ", ")
}

// KeyOf turns key values given by the program, one per primary-key field in
// order, into the row's identity key and the values to bind for its
// columns. Each value must be of its field's type, or convertible to it as
// a key read from the database would be (any integer for an integer field,
// a string for a string field); a wrong count or type is an error wrapping
// ErrKeyArgs that names the type and its key fields.
func (m *Mapper) KeyOf(vals []any) (key any, args []any, err error) {
	if len(vals) != len(m.PrimaryKey) {
		return nil, nil, fmt.Errorf("%w: %s has a primary key of %d column(s) (%s); got %d value(s)",
			ErrKeyArgs, m.Name(), len(m.PrimaryKey), m.keyFieldList(), len(vals))
	}
	tmp := reflect.New(m.Type)
	p := tmp.UnsafePointer()
	for i, f := range m.PrimaryKey {
		if err := f.setArg(p, vals[i]); err != nil {
			return nil, nil, fmt.Errorf("%w: %s key field %s (value %d of %d, for column %s): %v; the key fields are %s",
				ErrKeyArgs, m.Name(), f.Name, i+1, len(vals), f.Column.Name, err, m.keyFieldList())
		}
	}
	key, ok := m.Identity(p)
	if !ok {
		return nil, nil, fmt.Errorf("%w: %s: a zero value is not a key; the key fields are %s", ErrKeyArgs, m.Name(), m.keyFieldList())
	}
	args = make([]any, len(m.PrimaryKey))
	for i, f := range m.PrimaryKey {
		args[i] = f.Value(p)
	}
	return key, args, nil
}

// KeyOfObject returns the identity key and key column values of obj, a T or
// *T of the mapper's type (a "key struct": only its key fields are read).
func (m *Mapper) KeyOfObject(obj any) (key any, args []any, ok bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() == reflect.Pointer && v.Type().Elem() == m.Type && !v.IsNil() {
		v = v.Elem()
	} else if v.Type() != m.Type {
		return nil, nil, false
	}
	tmp := reflect.New(m.Type)
	tmp.Elem().Set(v)
	p := tmp.UnsafePointer()
	key, ok = m.Identity(p)
	if !ok {
		return nil, nil, true
	}
	args = make([]any, len(m.PrimaryKey))
	for i, f := range m.PrimaryKey {
		args[i] = f.Value(p)
	}
	return key, args, true
}

// setArg stores a key value given by the program in f of the struct at p:
// a value of the field's type as is, else as a key read from the database.
func (f *Field) setArg(p unsafe.Pointer, v any) error {
	if v == nil {
		return fmt.Errorf("nil is not a key value")
	}
	rv := reflect.ValueOf(v)
	if rv.Type() == f.Type || rv.Type().AssignableTo(f.Type) {
		reflect.NewAt(f.Type, unsafe.Add(p, f.Offset)).Elem().Set(rv)
		return nil
	}
	if err := f.setKey(unsafe.Add(p, f.Offset), normalizeKey(v)); err != nil {
		return fmt.Errorf("a %T does not fit a field of type %s", v, f.Type)
	}
	return nil
}

// tupleOf gathers the key fields of the struct at p into a KeyTuple, false
// when one is not set.
func (m *Mapper) tupleOf(p unsafe.Pointer) (KeyTuple, bool) {
	var k KeyTuple
	k.n = len(m.PrimaryKey)
	for i, f := range m.PrimaryKey {
		v, ok := f.Key(p)
		if !ok {
			return k, false
		}
		k.v[i] = v
	}
	return k, true
}

// FieldsKey returns the values of fields of the struct at p as an identity
// key: one field's Key, or a KeyTuple of several (a composite foreign key,
// whose fields pair in order with the referenced primary key); false when
// one is not set.
func FieldsKey(fields []*Field, p unsafe.Pointer) (any, bool) {
	if len(fields) == 1 {
		return fields[0].Key(p)
	}
	var k KeyTuple
	k.n = len(fields)
	for i, f := range fields {
		v, ok := f.Key(p)
		if !ok {
			return nil, false
		}
		k.v[i] = v
	}
	return k, true
}

// NewKeyTuple returns the tuple of vals, normalised as keys read from the
// database are; at most MaxKeyColumns values.
func NewKeyTuple(vals ...any) KeyTuple {
	var k KeyTuple
	k.n = len(vals)
	for i, v := range vals {
		k.v[i] = normalizeKey(v)
	}
	return k
}
