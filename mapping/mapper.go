package mapping

import (
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/relmorm/relm/schema"
)

// Mapper maps one struct type to one table. It is built by Registry.Map or
// Registry.Register and completed by Registry.Configure; after that it is
// read-only and safe to share.
type Mapper struct {
	Type       reflect.Type  // the struct type (not a pointer)
	Table      *schema.Table // the table it maps to
	Fields     []*Field      // one per column, in table column order
	PrimaryKey []*Field      // the primary-key fields

	// Relationships lists the relationships of the mapper: those declared
	// on the struct, then those created on it by a backref elsewhere.
	Relationships []*Relationship

	registry  *Registry
	ops       atomic.Pointer[typeOps]
	sliceType reflect.Type // []Type, for NewArray before InstallOps
	byField   map[string]*Field
	byColumn  map[string]*Field
	rels      map[string]*Relationship
	relSpecs  []RelationshipSpec
	relFields map[string]relField
	mutable   []*Field       // fields CopySnapshot copies (see Mutable)
	defaulted []*Field       // fields left out of an INSERT when zero (see Defaulted)
	generated []*Field       // fields relm fills before an INSERT when zero (see Generated)
	zero      unsafe.Pointer // a zero struct, never written (Field.SetZero)
	version   *Field         // the version counter (see ColumnSpec.Version), or nil
	softDel   *Field         // the deletion time (see ColumnSpec.SoftDelete), or nil
	hooks     HookSet        // the hook methods *Type has (see HookSet)
}

// VersionField returns the field tagged `relm:"version"`, nil when m has
// none.
func (m *Mapper) VersionField() *Field { return m.version }

// Hooks returns the set of hook methods the model's pointer type
// declares, found once when the model was mapped.
func (m *Mapper) Hooks() HookSet { return m.hooks }

// Defaulted returns the fields of m that have a column default and no
// keepzero: an INSERT leaves such a field out when its value is zero
// (IsZero), and the database's value is read back into it.
func (m *Mapper) Defaulted() []*Field { return m.defaulted }

// relField is a struct field that holds related objects.
type relField struct {
	name   string
	offset uintptr
	typ    reflect.Type // *T or []*T
	elem   reflect.Type // T
	slice  bool
}

// Name returns the struct's name.
func (m *Mapper) Name() string { return m.Type.Name() }

// String returns "Name(table)".
func (m *Mapper) String() string { return m.Type.Name() + "(" + m.Table.Name + ")" }

// Registry returns the registry the mapper belongs to.
func (m *Mapper) Registry() *Registry { return m.registry }

// Field returns the field with the given Go name, or nil.
func (m *Mapper) Field(name string) *Field { return m.byField[name] }

// FieldByColumn returns the field mapped to the named column, or nil.
func (m *Mapper) FieldByColumn(column string) *Field { return m.byColumn[column] }

// LookupField finds a field by Go name or column name, or returns an error
// naming the nearest valid name.
func (m *Mapper) LookupField(name string) (*Field, error) {
	if f := m.byField[name]; f != nil {
		return f, nil
	}
	if f := m.byColumn[name]; f != nil {
		return f, nil
	}
	names := make([]string, 0, 2*len(m.Fields))
	for _, f := range m.Fields {
		names = append(names, f.Name, f.Column.Name)
	}
	msg := fmt.Sprintf("mapping: %s has no mapped field or column %q", m.Name(), name)
	if near := schema.Nearest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return nil, &UnknownNameError{Type: m.Name(), Name: name, Msg: msg}
}

// Relationship returns the relationship with the given name, or nil.
func (m *Mapper) Relationship(name string) *Relationship { return m.rels[name] }

// LookupRelationship finds a relationship by name or returns an error naming
// the nearest valid one.
func (m *Mapper) LookupRelationship(name string) (*Relationship, error) {
	if r := m.rels[name]; r != nil {
		return r, nil
	}
	names := make([]string, 0, len(m.Relationships))
	for _, r := range m.Relationships {
		names = append(names, r.Name)
	}
	msg := fmt.Sprintf("mapping: %s has no relationship %q", m.Name(), name)
	if near := schema.Nearest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	} else if len(names) > 0 {
		msg += " (it has " + strings.Join(names, ", ") + ")"
	} else {
		msg += " (it has none)"
	}
	return nil, &UnknownNameError{Type: m.Name(), Name: name, Msg: msg}
}

// Pointer returns the address of the struct obj points to, checking that obj
// is a non-nil pointer to the mapper's type.
func (m *Mapper) Pointer(obj any) (unsafe.Pointer, error) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Type().Elem() != m.Type {
		return nil, fmt.Errorf("mapping: want *%s, got %T", m.Name(), obj)
	}
	if v.IsNil() {
		return nil, fmt.Errorf("mapping: nil *%s", m.Name())
	}
	return v.UnsafePointer(), nil
}

// Interface returns the *T for the struct at p.
func (m *Mapper) Interface(p unsafe.Pointer) any { return reflect.NewAt(m.Type, p).Interface() }

// Copy copies the struct at src over the struct at dst (a shallow copy: the
// snapshot the session keeps of a loaded or flushed object).
func (m *Mapper) Copy(dst, src unsafe.Pointer) {
	if ops := m.ops.Load(); ops != nil {
		ops.copy(dst, src)
		return
	}
	reflect.NewAt(m.Type, dst).Elem().Set(reflect.NewAt(m.Type, src).Elem())
}

// New allocates a zero struct of the mapper's type.
func (m *Mapper) New() unsafe.Pointer {
	if ops := m.ops.Load(); ops != nil {
		return ops.alloc()
	}
	return reflect.New(m.Type).UnsafePointer()
}

// NewArray allocates n zero structs of the mapper's type as one array and
// returns the address of the first; the i-th is at i*Type.Size(). A load
// takes the objects of many rows from one array this way. Any pointer into
// the array keeps the whole array alive, as an element of a slice does.
func (m *Mapper) NewArray(n int) unsafe.Pointer {
	if ops := m.ops.Load(); ops != nil {
		return ops.allocN(n)
	}
	if n == 1 {
		// One struct (a flush's snapshot of its one object): reflect.New
		// allocates it alone, where MakeSlice also allocates a header.
		return reflect.New(m.Type).UnsafePointer()
	}
	return reflect.MakeSlice(m.sliceType, n, n).UnsafePointer()
}

// typeOps are allocation and copy functions compiled for one type by generic
// code, so that New and Copy cost no reflection per row.
type typeOps struct {
	alloc  func() unsafe.Pointer
	allocN func(n int) unsafe.Pointer
	copy   func(dst, src unsafe.Pointer)
}

// InstallOps gives m allocation and copy functions specialised for T, the
// mapper's type; generic entry points (relm.Get, relm.Select) call it once.
func InstallOps[T any](m *Mapper) {
	if m.ops.Load() != nil || reflect.TypeFor[T]() != m.Type {
		return
	}
	m.ops.Store(&typeOps{
		alloc:  func() unsafe.Pointer { return unsafe.Pointer(new(T)) },
		allocN: func(n int) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(make([]T, n))) },
		copy:   func(dst, src unsafe.Pointer) { *(*T)(dst) = *(*T)(src) },
	})
}

// Identity returns the primary-key value of the struct at p as a key (int64
// or string for one column, a KeyTuple for several) and false when it is
// not set yet.
func (m *Mapper) Identity(p unsafe.Pointer) (any, bool) {
	if len(m.PrimaryKey) == 1 {
		return m.PrimaryKey[0].Key(p)
	}
	k, ok := m.tupleOf(p)
	if !ok {
		return nil, false
	}
	return k, true
}

// UnknownNameError reports a field, column or relationship name that a type
// does not have.
type UnknownNameError struct {
	Type, Name string
	Msg        string
}

// Error returns the message, which names the type and the nearest valid name.
func (e *UnknownNameError) Error() string { return e.Msg }

// buildMapper turns a spec into a mapper and its table.
func buildMapper(r *Registry, spec ModelSpec) (*Mapper, error) {
	t, err := modelType(spec)
	if err != nil {
		return nil, err
	}
	name := t.Name()
	m := &Mapper{Type: t, registry: r, byField: map[string]*Field{}, byColumn: map[string]*Field{},
		rels: map[string]*Relationship{}, relFields: map[string]relField{}, sliceType: reflect.SliceOf(t)}
	tableName, err := tableNameOf(t, spec)
	if err != nil {
		return nil, err
	}
	table := &schema.Table{Name: tableName}
	if err := m.addColumns(t, table, spec.Columns); err != nil {
		return nil, err
	}
	if len(m.Fields) == 0 {
		return nil, fmt.Errorf("mapping: %s maps no columns; it needs at least a primary key", name)
	}
	if err := m.findPrimaryKey(); err != nil {
		return nil, err
	}
	m.finishFields(spec.Columns)
	if err := m.findVersion(spec.Columns); err != nil {
		return nil, err
	}
	if err := m.findSoftDelete(spec.Columns); err != nil {
		return nil, err
	}
	if m.hooks, err = findHooks(t); err != nil {
		return nil, err
	}
	if m.hooks != 0 {
		r.hooked.Store(true)
	}
	m.Table = table
	m.zero = reflect.New(t).UnsafePointer()
	if err := m.addRelationshipFields(t, spec.Relationships); err != nil {
		return nil, err
	}
	return m, nil
}

// modelType returns the named struct type spec.Model points to, or an
// error saying why it cannot be mapped.
func modelType(spec ModelSpec) (reflect.Type, error) {
	if spec.Model == nil {
		return nil, fmt.Errorf("mapping: ModelSpec.Model is nil; set it to a value such as (*User)(nil)")
	}
	t := reflect.TypeOf(spec.Model)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("mapping: %s is not a struct; relm maps structs", t)
	}
	if t.Name() == "" {
		return nil, fmt.Errorf("mapping: an anonymous struct type cannot be mapped; declare a named type")
	}
	return t, nil
}

// tableNameOf decides the table's name: spec.Table, else the type's
// TableName method, else TableName of the type's name; and validates it.
func tableNameOf(t reflect.Type, spec ModelSpec) (string, error) {
	name := spec.Table
	if name == "" {
		// As documented on ModelSpec.Table: the TableName method first.
		method, err := tableNameMethod(t)
		if err != nil {
			return "", err
		}
		name = method
	}
	if name == "" {
		name = TableName(t.Name())
	}
	if err := schema.ValidateIdentifier(name); err != nil {
		return "", fmt.Errorf("mapping: %s: table name: %w", t.Name(), err)
	}
	return name, nil
}

// addColumns maps the column specs to m's fields and table's columns, in
// order, refusing a field mapped twice and two fields of one column, and
// gathers the composite indexes they name into table.Indexes, in order of
// first mention.
func (m *Mapper) addColumns(t reflect.Type, table *schema.Table, specs []ColumnSpec) error {
	name := t.Name()
	composite := map[string]*schema.Index{}
	var compositeOrder []*schema.Index
	for _, cs := range specs {
		f, err := m.buildField(t, cs)
		if err != nil {
			return err
		}
		if _, dup := m.byField[f.Name]; dup {
			return fmt.Errorf("mapping: %s.%s is mapped twice", name, f.Name)
		}
		if other := m.byColumn[f.Column.Name]; other != nil {
			return fmt.Errorf("mapping: %s.%s and %s.%s both map to column %q; give one a different `column:` name", name, other.Name, name, f.Name, f.Column.Name)
		}
		m.Fields = append(m.Fields, f)
		m.byField[f.Name] = f
		m.byColumn[f.Column.Name] = f
		table.Columns = append(table.Columns, f.Column)
		for _, g := range []struct {
			name   string
			unique bool
		}{{cs.IndexName, false}, {cs.UniqueIndex, true}} {
			if g.name == "" {
				continue
			}
			ix := composite[g.name]
			if ix == nil {
				ix = &schema.Index{Name: g.name, Unique: g.unique}
				composite[g.name] = ix
				compositeOrder = append(compositeOrder, ix)
			} else if ix.Unique != g.unique {
				return fmt.Errorf("mapping: %s.%s: index %q is declared both unique and not unique", name, f.Name, g.name)
			}
			ix.Columns = append(ix.Columns, f.Column)
		}
	}
	table.Indexes = compositeOrder
	return nil
}

// findPrimaryKey decides m's primary key: the fields tagged pk, else a
// column named id.
func (m *Mapper) findPrimaryKey() error {
	for _, f := range m.Fields {
		if f.Column.PrimaryKey {
			m.PrimaryKey = append(m.PrimaryKey, f)
		}
	}
	if len(m.PrimaryKey) == 0 {
		if f := m.byColumn["id"]; f != nil {
			f.Column.PrimaryKey = true
			m.PrimaryKey = []*Field{f}
		} else {
			return fmt.Errorf("mapping: %s has no primary key; tag its key field `relm:\"pk\"` (a field named ID is the key by default)", m.Type.Name())
		}
	}
	if len(m.PrimaryKey) > MaxKeyColumns {
		return fmt.Errorf("mapping: %s has a primary key of %d columns; relm supports at most %d", m.Type.Name(), len(m.PrimaryKey), MaxKeyColumns)
	}
	return nil
}

// finishFields decides which column is generated by the database (the
// spec's AutoIncrement, else a single integer primary key), then builds
// each field's accessors and lists the fields snapshots detach and those
// with defaults.
func (m *Mapper) finishFields(specs []ColumnSpec) {
	for i, cs := range specs {
		f := m.Fields[i]
		switch {
		case cs.AutoIncrement != nil:
			f.Column.AutoIncrement = *cs.AutoIncrement
		case len(m.PrimaryKey) == 1 && f.Column.PrimaryKey && f.Column.Type.IsInteger() && f.gen == nil:
			f.Column.AutoIncrement = true
		}
		f.buildAccessors()
		if f.detach != nil {
			m.mutable = append(m.mutable, f)
		}
		if f.defaulted {
			m.defaulted = append(m.defaulted, f)
		}
		if f.gen != nil {
			m.generated = append(m.generated, f)
		}
	}
}

// addRelationshipFields records the fields of the relationship specs, to
// be configured later, refusing a field declared twice or also mapped as a
// column.
func (m *Mapper) addRelationshipFields(t reflect.Type, specs []RelationshipSpec) error {
	name := t.Name()
	for _, rs := range specs {
		rf, err := m.relationshipField(t, rs.Field)
		if err != nil {
			return err
		}
		if _, dup := m.relFields[rf.name]; dup {
			return fmt.Errorf("mapping: %s.%s declares two relationships", name, rf.name)
		}
		if m.byField[rf.name] != nil {
			return fmt.Errorf("mapping: %s.%s is mapped both as a column and as a relationship", name, rf.name)
		}
		m.relFields[rf.name] = rf
		m.relSpecs = append(m.relSpecs, rs)
	}
	return nil
}

// structField finds an exported field by name, following embedded structs by
// value, and returns its offset.
func structField(t reflect.Type, name string) (reflect.StructField, uintptr, error) {
	if outer, rest, ok := strings.Cut(name, "."); ok {
		// A field of a struct embedded by a named field: Address.City.
		sf, off, err := structField(t, outer)
		if err != nil {
			return sf, 0, err
		}
		if sf.Type.Kind() != reflect.Struct {
			return sf, 0, fmt.Errorf("mapping: %s.%s is %s, not a struct embedded with `relm:\"embed\"`", t.Name(), outer, sf.Type)
		}
		inner, innerOff, err := structField(sf.Type, rest)
		if err != nil {
			return inner, 0, fmt.Errorf("%w (in %s.%s)", err, t.Name(), name)
		}
		inner.Name = name
		return inner, off + innerOff, nil
	}
	sf, ok := t.FieldByName(name)
	if !ok {
		var names []string
		_ = walkFields(t, func(f reflect.StructField, at embedAt) error {
			names = append(names, at.path+f.Name)
			return nil
		})
		msg := fmt.Sprintf("mapping: %s has no field %q", t.Name(), name)
		if near := schema.Nearest(name, names); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return sf, 0, &UnknownNameError{Type: t.Name(), Name: name, Msg: msg}
	}
	if !sf.IsExported() {
		return sf, 0, fmt.Errorf("mapping: %s.%s is unexported; relm can only map exported fields", t.Name(), name)
	}
	var off uintptr
	cur := t
	for i, idx := range sf.Index {
		f := cur.Field(idx)
		off += f.Offset
		if i < len(sf.Index)-1 {
			if f.Type.Kind() != reflect.Struct {
				return sf, 0, fmt.Errorf("mapping: %s.%s is promoted through the embedded pointer %s; embed the struct by value", t.Name(), name, f.Name)
			}
			cur = f.Type
		}
	}
	return sf, off, nil
}

func (m *Mapper) buildField(t reflect.Type, cs ColumnSpec) (*Field, error) {
	name := t.Name()
	sf, off, err := structField(t, cs.Field)
	if err != nil {
		return nil, err
	}
	where := name + "." + sf.Name
	if cs.Type.Kind == schema.KindJSON && !isCustomColumn(sf.Type) && !(sf.Type.Kind() == reflect.Pointer && isCustomColumn(sf.Type.Elem())) {
		return m.buildJSONField(sf, off, cs, where)
	}
	goType, goNullable, ok := goColumnType(sf.Type)
	// A type with its own Scanner and Valuer converts its values itself:
	// it may hold any column type its tag names.
	converts := isCustomColumn(sf.Type) || sf.Type.Kind() == reflect.Pointer && isCustomColumn(sf.Type.Elem())
	custom := !ok && converts
	if !ok && !custom && sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.Struct && sf.Type.Elem() != timeType {
		return nil, fmt.Errorf("mapping: %s is %s; relationship collections hold pointers — use []*%s so that each row is one object (or tag the field `relm:\"-\"` to leave it unmapped)", where, sf.Type, sf.Type.Elem().Name())
	}
	if !ok && !custom && sf.Type.Kind() == reflect.Struct {
		return nil, fmt.Errorf("mapping: %s has Go type %s, a struct relm cannot store in one column as it is; tag it `relm:\"embed\"` (or `relm:\"embed:prefix_\"`) to make its fields columns of this table, `relm:\"type:json\"` to store it as one JSON document, give it a sql.Scanner and driver.Valuer with a `type:` tag, or tag it `relm:\"-\"` to leave it unmapped", where, sf.Type)
	}
	if !ok && !custom {
		return nil, fmt.Errorf("mapping: %s has Go type %s, which relm cannot store; use int, int32, int64, string, bool, float64, time.Time, []byte, a pointer or sql.Null* of those, a type implementing sql.Scanner and driver.Valuer with a `type:` tag, or tag the field `relm:\"-\"` to leave it unmapped", where, sf.Type)
	}
	typ := cs.Type
	if typ.Kind == schema.KindInvalid {
		switch {
		case custom && isUUIDArray(sf.Type):
			typ = schema.UUID
		case custom:
			return nil, fmt.Errorf("mapping: %s has the custom type %s; name its column type with a `type:` tag, e.g. `type:text`", where, sf.Type)
		default:
			typ = goType
		}
	} else if ok && !converts && !compatible(goType, typ) {
		return nil, fmt.Errorf("mapping: %s: Go type %s cannot hold column type %s", where, sf.Type, typ)
	}
	if cs.Size != 0 {
		if typ.Kind != schema.KindString {
			return nil, fmt.Errorf("mapping: %s: size applies to varchar columns, not %s", where, typ)
		}
		typ.Size = cs.Size
	}
	nullable := goNullable || (custom && sf.Type.Kind() == reflect.Pointer)
	if cs.Nullable != nil {
		if *cs.Nullable && !nullable {
			return nil, fmt.Errorf("mapping: %s: Go type %s cannot hold NULL; use a pointer or sql.Null type", where, sf.Type)
		}
		nullable = *cs.Nullable
	}
	return m.newField(sf, off, cs, where, typ, nullable)
}

// newField makes the field of sf, at offset off, and its column of type
// typ, after checking the column name, default and keepzero of cs.
func (m *Mapper) newField(sf reflect.StructField, off uintptr, cs ColumnSpec, where string, typ schema.Type, nullable bool) (*Field, error) {
	colName := cs.Name
	if colName == "" {
		goName := sf.Name
		if i := strings.LastIndexByte(goName, '.'); i >= 0 {
			goName = goName[i+1:] // Address.City: city, as the tag's default
		}
		colName = SnakeCase(goName)
	}
	if err := schema.ValidateIdentifier(colName); err != nil {
		return nil, fmt.Errorf("mapping: %s: column name: %w", where, err)
	}
	if cs.Default != "" {
		if err := schema.ValidateDefault(cs.Default); err != nil {
			return nil, fmt.Errorf("mapping: %s: %w; or name a generator relm runs before the INSERT: %s (see mapping.RegisterGenerator)", where, err, knownGenerators())
		}
	} else if cs.KeepZero {
		return nil, fmt.Errorf("mapping: %s: keepzero applies to a field with a default; add `default:…` or drop keepzero", where)
	}
	col := &schema.Column{
		Name: colName, Type: typ, NotNull: !nullable, PrimaryKey: cs.PrimaryKey,
		Unique: cs.Unique, Index: cs.Index, Default: cs.Default,
		References: cs.References, OnDelete: cs.OnDelete, OnUpdate: cs.OnUpdate,
		RenamedFrom: cs.RenamedFrom,
	}
	f := &Field{Name: sf.Name, Type: sf.Type, Offset: off, Column: col, Mapper: m}
	f.defaulted = cs.Default != "" && !cs.KeepZero && !cs.PrimaryKey
	if err := f.setGenerator(cs, where); err != nil {
		return nil, err
	}
	return f, nil
}

// compatible reports whether a Go type whose default column type is goType
// can hold a column declared as col.
func compatible(goType, col schema.Type) bool {
	switch goType.Kind {
	case schema.KindInteger, schema.KindBigInt:
		return col.IsInteger()
	case schema.KindString:
		return col.Kind == schema.KindString || col.Kind == schema.KindText || col.Kind == schema.KindUUID || col.Kind == schema.KindDecimal
	case schema.KindFloat:
		return col.Kind == schema.KindFloat || col.Kind == schema.KindDecimal
	}
	return goType.Kind == col.Kind
}

func (m *Mapper) relationshipField(t reflect.Type, name string) (relField, error) {
	sf, off, err := structField(t, name)
	if err != nil {
		return relField{}, err
	}
	rf := relField{name: sf.Name, offset: off, typ: sf.Type}
	ft := sf.Type
	if ft.Kind() == reflect.Slice {
		rf.slice = true
		ft = ft.Elem()
		if ft.Kind() == reflect.Struct {
			return rf, fmt.Errorf("mapping: %s.%s is %s; relationship collections hold pointers — use []*%s so that each row is one object", t.Name(), name, sf.Type, ft.Name())
		}
	}
	if ft.Kind() != reflect.Pointer || ft.Elem().Kind() != reflect.Struct {
		return rf, fmt.Errorf("mapping: %s.%s is %s; a relationship field is *T or []*T of a mapped struct T", t.Name(), name, sf.Type)
	}
	rf.elem = ft.Elem()
	return rf, nil
}
