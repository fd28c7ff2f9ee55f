package mapping

import (
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Client-generated values. A field tagged `default:NAME`, where NAME is a
// generator rather than an SQL literal, gets its value from relm just
// before its row's INSERT when it still holds its zero value — as
// SQLAlchemy's Column(default=uuid.uuid4), a Python-side default, and as
// GORM users do in a BeforeCreate hook. The usual use is a primary key the
// client chooses (a UUID), which needs no RETURNING and no round trip: the
// row's key is known before it is written, so its children's foreign keys
// are too.
//
// Built in: uuid (a random, version 4 UUID) and uuid7 (a time-ordered,
// version 7 UUID, kinder to a B-tree index). Either fills a string (the
// canonical 36-character form), a [16]byte or a type on one (such as
// github.com/google/uuid's UUID), or a type with an sql.Scanner that takes
// the string. RegisterGenerator adds others; ColumnSpec.Generate gives a
// function directly.

// A Generator returns a new value for a field: a value of the field's Go
// type, one convertible to it, or one its sql.Scanner accepts.
type Generator func() (any, error)

var generators = struct {
	sync.RWMutex
	m map[string]Generator
}{m: map[string]Generator{"uuid": newUUID4, "uuid7": newUUID7}}

// RegisterGenerator makes name usable as `default:name`. It is meant to be
// called from an init function, before models are registered; registering
// a name twice, or a name that is an SQL literal, panics, as
// database/sql.Register does.
func RegisterGenerator(name string, g Generator) {
	generators.Lock()
	defer generators.Unlock()
	if g == nil || name == "" {
		panic("mapping: RegisterGenerator needs a name and a function")
	}
	if _, dup := generators.m[name]; dup {
		panic("mapping: RegisterGenerator called twice for " + name)
	}
	generators.m[name] = g
}

// generator returns the generator registered as name.
func generator(name string) (Generator, bool) {
	generators.RLock()
	defer generators.RUnlock()
	g, ok := generators.m[strings.ToLower(name)]
	if !ok {
		g, ok = generators.m[name]
	}
	return g, ok
}

// knownGenerators lists the registered names, for errors.
func knownGenerators() string {
	generators.RLock()
	defer generators.RUnlock()
	names := make([]string, 0, len(generators.m))
	for n := range generators.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Generated returns the fields of m with a generator (see
// RegisterGenerator): the session fills those that are zero before their
// row's INSERT.
func (m *Mapper) Generated() []*Field { return m.generated }

// Generate fills the field of the struct at obj from its generator when it
// holds its zero value; it does nothing when the field is set or has no
// generator. The error names the model and field.
func (f *Field) Generate(obj unsafe.Pointer) error {
	if f.gen == nil || !f.IsZero(obj) {
		return nil
	}
	v, err := f.gen()
	if err == nil {
		err = assignGenerated(reflect.NewAt(f.Type, unsafe.Add(obj, f.Offset)).Elem(), v)
	}
	if err != nil {
		return fmt.Errorf("mapping: %s.%s: generate %s: %w", f.Mapper.Type.Name(), f.Name, f.genName, err)
	}
	return nil
}

// assignGenerated stores v into dst: as it is, converted, through the
// field's sql.Scanner, or, for a UUID's string into a [16]byte, decoded.
func assignGenerated(dst reflect.Value, v any) error {
	if dst.Kind() == reflect.Pointer {
		nv := reflect.New(dst.Type().Elem())
		if err := assignGenerated(nv.Elem(), v); err != nil {
			return err
		}
		dst.Set(nv)
		return nil
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return fmt.Errorf("the generator returned nil")
	}
	switch {
	case rv.Type().AssignableTo(dst.Type()):
		dst.Set(rv)
		return nil
	case dst.Kind() != reflect.String && rv.Type().ConvertibleTo(dst.Type()) && rv.Kind() == dst.Kind():
		dst.Set(rv.Convert(dst.Type()))
		return nil
	case dst.Kind() == reflect.String && rv.Kind() == reflect.String:
		dst.SetString(rv.String())
		return nil
	}
	if s, ok := dst.Addr().Interface().(sql.Scanner); ok {
		return s.Scan(v)
	}
	if str, ok := v.(string); ok && isUUIDArray(dst.Type()) {
		b, err := parseUUID(str)
		if err != nil {
			return err
		}
		reflect.Copy(dst, reflect.ValueOf(b[:]))
		return nil
	}
	return fmt.Errorf("the generator returned %T, which a field of type %s cannot hold", v, dst.Type())
}

// checkGeneratorType refuses, at mapping, a built-in UUID generator on a
// field that cannot hold a UUID.
func checkGeneratorType(name string, t reflect.Type) string {
	if name != "uuid" && name != "uuid7" {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.String || isUUIDArray(t) || hasScanner(t) {
		return ""
	}
	return fmt.Sprintf("default:%s fills a string, a [16]byte type (uuid.UUID) or a type with an sql.Scanner, not %s", name, t)
}

func newUUID4() (any, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b), nil
}

func newUUID7() (any, error) {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		return nil, err
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(time.Now().UnixMilli()))
	copy(b[:6], ms[2:])
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b), nil
}

func formatUUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

func parseUUID(s string) ([16]byte, error) {
	var b [16]byte
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return b, fmt.Errorf("%q is not a UUID", s)
	}
	if _, err := hex.Decode(b[:], []byte(h)); err != nil {
		return b, fmt.Errorf("%q is not a UUID", s)
	}
	return b, nil
}

// setGenerator gives f the generator cs names or gives, refusing an unknown
// name, a generator beside an SQL default, and a UUID generator on a field
// that cannot hold a UUID.
func (f *Field) setGenerator(cs ColumnSpec, where string) error {
	g, name := cs.Generate, "func"
	if cs.Generator != "" {
		var ok bool
		if g, ok = generator(cs.Generator); !ok {
			return fmt.Errorf("mapping: %s: no generator %q; registered: %s (mapping.RegisterGenerator adds one)", where, cs.Generator, knownGenerators())
		}
		name = cs.Generator
	}
	if g == nil {
		return nil
	}
	if cs.Default != "" {
		return fmt.Errorf("mapping: %s: a field has either an SQL default or a generator, not both", where)
	}
	if msg := checkGeneratorType(name, f.Type); msg != "" {
		return fmt.Errorf("mapping: %s: %s", where, msg)
	}
	f.gen, f.genName = g, name
	return nil
}
