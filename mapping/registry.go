package mapping

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

// Registry holds the mappers of a program and the metadata of their tables,
// as SQLAlchemy's declarative Base and its MetaData do. Build it at start-up
// (Register, Map, AddTable), then Configure it — or let the first use do so.
// A configured registry is safe for concurrent use.
type Registry struct {
	mu         sync.Mutex
	md         *schema.MetaData
	mappers    []*Mapper
	byType     map[reflect.Type]*Mapper
	configured bool
	// ready mirrors configured for Configure's fast path: every session
	// operation calls it, and sessions of many goroutines share a
	// registry, so a configured registry answers without its lock.
	ready atomic.Bool
	// version counts successful configurations (see Version).
	version atomic.Uint64
	// hooked says that some mapper has hook methods (see Hooked).
	hooked atomic.Bool
	// warnings of the last configuration, and where they are logged.
	warnings []string
	logger   *slog.Logger
}

// Hooked reports whether any model of the registry declares a hook method
// (see HookSet): a session whose registry has none skips the hook phases
// of a flush and of a load without looking at any object.
func (reg *Registry) Hooked() bool { return reg.hooked.Load() }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{md: schema.NewMetaData(), byType: map[reflect.Type]*Mapper{}}
}

// MetaData returns the tables of the registry: the mapped ones and those
// added with AddTable.
func (reg *Registry) MetaData() *schema.MetaData { return reg.md }

// Register maps each model from its struct tags. A model is a value or a
// nil pointer of a struct type: reg.Register(&User{}, (*Article)(nil)).
func (reg *Registry) Register(models ...any) error {
	for _, model := range models {
		if model == nil {
			return errors.New("mapping: Register called with nil; pass a struct value or a typed pointer such as (*User)(nil)")
		}
		t := reflect.TypeOf(model)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return fmt.Errorf("mapping: Register: %T is not a struct; relm maps structs", model)
		}
		spec, err := specFromTags(t)
		if err != nil {
			return err
		}
		if _, err := reg.Map(spec); err != nil {
			return err
		}
	}
	return nil
}

// MustRegister is Register that panics on error, for package-level
// declarations whose failure is a programming error.
func (reg *Registry) MustRegister(models ...any) *Registry {
	if err := reg.Register(models...); err != nil {
		panic(err)
	}
	return reg
}

// Map adds a mapper from its programmatic description.
func (reg *Registry) Map(spec ModelSpec) (*Mapper, error) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	m, err := buildMapper(reg, spec)
	if err != nil {
		return nil, err
	}
	if old := reg.byType[m.Type]; old != nil {
		return nil, fmt.Errorf("mapping: %s is registered twice", m.Type)
	}
	if t := reg.md.Table(m.Table.Name); t != nil {
		owner := "AddTable"
		for _, o := range reg.mappers {
			if o.Table == t {
				owner = o.Name()
			}
		}
		return nil, fmt.Errorf("mapping: %s and %s both use table %q: %w; give one of them another table name", owner, m.Name(), m.Table.Name, schema.ErrDuplicateTable)
	}
	if err := reg.md.Add(m.Table); err != nil {
		return nil, fmt.Errorf("mapping: %s: %w", m.Name(), err)
	}
	reg.mappers = append(reg.mappers, m)
	reg.byType[m.Type] = m
	reg.configured = false
	reg.ready.Store(false)
	return m, nil
}

// AddTable adds a table with no mapped struct, such as a many-to-many link
// table.
func (reg *Registry) AddTable(t *schema.Table) error {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if err := reg.md.Add(t); err != nil {
		return fmt.Errorf("mapping: AddTable: %w", err)
	}
	reg.configured = false
	reg.ready.Store(false)
	return nil
}

// Mappers returns the mappers in registration order.
func (reg *Registry) Mappers() []*Mapper {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return append([]*Mapper(nil), reg.mappers...)
}

// MapperOfTable returns the mapper whose table is t, nil when no model is
// mapped to it (a plain link table, say).
func (reg *Registry) MapperOfTable(t *schema.Table) *Mapper {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	for _, m := range reg.mappers {
		if m.Table == t {
			return m
		}
	}
	return nil
}

// Mapper returns the configured mapper of a model (a value or pointer of a
// mapped struct type), configuring the registry first if needed.
func (reg *Registry) Mapper(model any) (*Mapper, error) {
	t := reflect.TypeOf(model)
	if t == nil {
		return nil, errors.New("mapping: Mapper(nil)")
	}
	return reg.MapperOf(t)
}

// MapperOf returns the configured mapper of a struct type (or a pointer or
// slice of it).
func (reg *Registry) MapperOf(t reflect.Type) (*Mapper, error) {
	if err := reg.Configure(); err != nil {
		return nil, err
	}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if m := reg.byType[t]; m != nil {
		return m, nil
	}
	return nil, &UnmappedError{Type: t}
}

// UnmappedError reports a type that is not registered.
type UnmappedError struct{ Type reflect.Type }

// Error says which type is not mapped and how to register it.
func (e *UnmappedError) Error() string {
	return fmt.Sprintf("mapping: %s is not mapped; register it with Registry.Register(&%s{})", e.Type, e.Type.Name())
}

// Configure resolves every foreign key and relationship — directions, join
// columns, back_populates pairs, backrefs — and reports the first problem.
// It is idempotent; registering more models makes the next call configure
// again.
func (reg *Registry) Configure() error {
	if reg.ready.Load() {
		return nil
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if reg.configured {
		return nil
	}
	if err := reg.configure(); err != nil {
		return err
	}
	reg.configured = true
	reg.version.Add(1)
	reg.ready.Store(true)
	return nil
}

// Version returns a number that changes each time the registry is
// configured again (after Register, Map or AddTable added to it), 0 before
// the first configuration: something derived from the configured registry,
// such as the order in which a flush writes its tables, stays valid while
// Version returns the number it was derived under.
func (reg *Registry) Version() uint64 { return reg.version.Load() }

func (reg *Registry) configure() error {
	reg.warnings = nil
	if err := reg.md.Resolve(); err != nil {
		return reg.resolveError(err)
	}
	for _, m := range reg.mappers {
		m.Relationships = nil
		m.rels = map[string]*Relationship{}
	}
	// Fields claimed by a backref from the other side: an untagged
	// relationship field there is the backref's binding, not a second
	// relationship.
	claimed := map[*Mapper]map[string]string{} // target → field → declaring side
	for _, m := range reg.mappers {
		for _, rs := range m.relSpecs {
			if rs.Backref == "" {
				continue
			}
			target := reg.byType[m.relFields[rs.Field].elem]
			if target == nil {
				continue // reported below
			}
			if claimed[target] == nil {
				claimed[target] = map[string]string{}
			}
			claimed[target][rs.Backref] = m.Name() + "." + rs.Field
		}
	}
	var declared []*Relationship
	for _, m := range reg.mappers {
		for _, rs := range m.relSpecs {
			rf := m.relFields[rs.Field]
			side := m.Name() + "." + rs.Field
			target := reg.byType[rf.elem]
			if target == nil {
				return &ConfigError{Side: side, Msg: fmt.Sprintf("its type %s refers to %s, which is not mapped; register %s, or tag the field `relm:\"-\"`", rf.typ, rf.elem, rf.elem.Name())}
			}
			if by, ok := claimed[m][rs.Field]; ok {
				if !specIsPlain(rs) {
					return &ConfigError{Side: side, Other: by, Kind: ErrBackrefConflict, Msg: fmt.Sprintf(
						"%s declares backref %q, which creates this relationship, but %s also declares it; use back_populates on both sides, or drop the tag here",
						by, rs.Field, side)}
				}
				continue
			}
			rel := &Relationship{Name: rs.Field, Parent: m, Target: target, HasField: true, offset: rf.offset, Uselist: rf.slice, spec: rs}
			if err := reg.configureJoin(rel, rf); err != nil {
				return err
			}
			if err := configureOptions(rel, rs); err != nil {
				return err
			}
			m.addRel(rel)
			declared = append(declared, rel)
		}
	}
	for _, rel := range declared {
		if rel.spec.BackPopulates != "" {
			if err := reg.pair(rel); err != nil {
				return err
			}
		}
	}
	for _, rel := range declared {
		if rel.spec.Backref != "" {
			if err := reg.backref(rel); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolveError names the struct field behind a foreign key whose target
// does not exist, and says what would fix it.
func (reg *Registry) resolveError(err error) error {
	var mre *schema.MissingReferenceError
	if errors.As(err, &mre) {
		for _, m := range reg.mappers {
			if f := m.byColumn[mre.Column]; f != nil && m.Table.Name == mre.Table {
				return fmt.Errorf("mapping: %s.%s (`fk:%s`): %w; correct the fk tag, or register the model (or AddTable the table) it refers to",
					m.Name(), f.Name, mre.Ref, err)
			}
		}
	}
	var rte *schema.ReferenceTypeError
	if errors.As(err, &rte) {
		for _, m := range reg.mappers {
			if f := m.byColumn[rte.Column]; f != nil && m.Table.Name == rte.Table {
				return fmt.Errorf("mapping: %s.%s (`fk:%s`): %w: declare the field with the Go type of the key field it refers to",
					m.Name(), f.Name, rte.Ref, err)
			}
		}
	}
	return fmt.Errorf("mapping: %w", err)
}

// specIsPlain reports whether a relationship spec carries no option.
func specIsPlain(rs RelationshipSpec) bool {
	return rs.BackPopulates == "" && rs.Backref == "" && rs.BackrefUselist == nil && rs.Secondary.IsZero() &&
		len(rs.ForeignKeys) == 0 && len(rs.SecondaryLocal) == 0 && len(rs.SecondaryRemote) == 0 && rs.OrderBy == "" && rs.Cascade == "" && rs.Lazy == ""
}

func configureOptions(rel *Relationship, rs RelationshipSpec) error {
	var err error
	side := rel.String()
	if rel.Cascade, err = ParseCascade(rs.Cascade); err != nil {
		return &ConfigError{Side: side, Msg: err.Error()}
	}
	if rs.OrderBy != "" {
		if !rel.Uselist {
			return &ConfigError{Side: side, Msg: "order_by applies to collections ([]*T), not to a single object"}
		}
		if rel.OrderBy, err = parseOrderBy(side, rel.Target, rs.OrderBy); err != nil {
			return err
		}
	}
	if rel.Lazy, err = parseLazy(side, rs.Lazy); err != nil {
		return err
	}
	if rs.BackPopulates != "" && rs.Backref != "" {
		return &ConfigError{Side: side, Msg: "give back_populates or backref, not both"}
	}
	if rs.Secondary.IsZero() && (len(rs.SecondaryLocal) > 0 || len(rs.SecondaryRemote) > 0) {
		return &ConfigError{Side: side, Msg: "secondary_local and secondary_remote name the link columns of a many-to-many; give the link table with secondary, or choose a foreign key with foreign_keys"}
	}
	return nil
}

func (m *Mapper) addRel(rel *Relationship) {
	rel.Index = len(m.Relationships)
	m.Relationships = append(m.Relationships, rel)
	m.rels[rel.Name] = rel
}

// pair links a back_populates relationship with the one it names.
func (reg *Registry) pair(rel *Relationship) error {
	name := rel.spec.BackPopulates
	side := rel.String()
	other := rel.Target.rels[name]
	if other == nil {
		var names []string
		for _, r := range rel.Target.Relationships {
			names = append(names, r.Name)
		}
		msg := fmt.Sprintf("back_populates %q names no relationship of %s", name, rel.Target.Name())
		if near := schema.Nearest(name, names); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return &ConfigError{Side: side, Other: rel.Target.Name() + "." + name, Kind: ErrBackPopulates, Msg: msg}
	}
	otherSide := other.String()
	fail := func(msg string, args ...any) error {
		return &ConfigError{Side: side, Other: otherSide, Kind: ErrBackPopulates, Msg: fmt.Sprintf(msg, args...)}
	}
	if other.Target != rel.Parent {
		return fail("back_populates %q names %s, which relates %s to %s, not to %s", name, otherSide, other.Parent.Name(), other.Target.Name(), rel.Parent.Name())
	}
	// back_populates on one side only is accepted, as SQLAlchemy accepts
	// it: changes on this side are brought into step on the other, not
	// the reverse (see oneSided below).
	oneSided := other.spec.BackPopulates == "" && other.spec.Backref == ""
	if other.spec.BackPopulates != rel.Name && !oneSided {
		if other.spec.BackPopulates == "" {
			return fail("%s names %s with back_populates, but %s declares a backref instead; add back_populates:%s to %s and drop its backref", side, otherSide, otherSide, rel.Name, otherSide)
		}
		return fail("%s names %s with back_populates, but %s names %s.%s instead", side, otherSide, otherSide, rel.Parent.Name(), other.spec.BackPopulates)
	}
	if other.Direction != rel.Direction.inverse() {
		return fail("the two sides disagree: %s is %s but %s is %s", side, rel.Direction, otherSide, other.Direction)
	}
	if rel.Direction == ManyToMany {
		if rel.Secondary != other.Secondary {
			return fail("the two sides use different secondary tables (%s uses %q, %s uses %q); both sides of a many-to-many use one link table", side, rel.Secondary.Name, otherSide, other.Secondary.Name)
		}
		if !slices.Equal(rel.SecondaryLocal, other.SecondaryRemote) {
			return fail("the two sides join through different columns of %q", rel.Secondary.Name)
		}
	} else if !slices.Equal(rel.LocalColumns, other.RemoteColumns) || !slices.Equal(rel.RemoteColumns, other.LocalColumns) {
		return fail("the two sides join on different foreign keys (%s and %s); choose the same one with foreign_keys", colList(rel), colList(other))
	}
	if oneSided {
		rel.Reverse = other
		reg.warn(fmt.Sprintf("mapping: %s names %s with back_populates, but %s does not name %s back: "+
			"a change to %s is brought into step on %s at flush, a change to %s is written but not brought into step on %s; "+
			"add back_populates:%s to %s to keep both directions in step",
			side, otherSide, otherSide, side, side, otherSide, otherSide, side, rel.Name, otherSide),
			slog.String("relationship", side), slog.String("other", otherSide))
		return nil
	}
	rel.Reverse, other.Reverse = other, rel
	return nil
}

// warn records a configuration warning (see Warnings) and logs it through
// the registry's logger (SetLogger), slog's default logger when it has
// none.
func (reg *Registry) warn(msg string, attrs ...slog.Attr) {
	reg.warnings = append(reg.warnings, msg)
	l := reg.logger
	if l == nil {
		l = slog.Default()
	}
	l.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}

// SetLogger sets the logger through which Configure logs its warnings
// (such as back_populates declared on one side only); nil means slog's
// default logger. Call it before the registry is configured.
func (reg *Registry) SetLogger(l *slog.Logger) {
	reg.mu.Lock()
	reg.logger = l
	reg.mu.Unlock()
}

// Warnings returns the warnings of the last configuration: what Configure
// accepted but logged, such as back_populates declared on one side only.
func (reg *Registry) Warnings() []string {
	if err := reg.Configure(); err != nil {
		return nil
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return append([]string(nil), reg.warnings...)
}

func colList(r *Relationship) string {
	cols := r.RemoteColumns
	if r.Direction == ManyToOne {
		cols = r.LocalColumns
	}
	var s []string
	for _, c := range cols {
		s = append(s, c.Table().Name+"."+c.Name)
	}
	return strings.Join(s, ",")
}

// backref creates the reverse of rel on its target.
func (reg *Registry) backref(rel *Relationship) error {
	name := rel.spec.Backref
	t := rel.Target
	side := rel.String()
	if existing := t.rels[name]; existing != nil {
		return &ConfigError{Side: side, Other: existing.String(), Kind: ErrBackrefConflict, Msg: fmt.Sprintf(
			"backref %q conflicts with the relationship %s that already exists; rename the backref or use back_populates on both sides", name, existing)}
	}
	if f := t.byField[name]; f != nil {
		return &ConfigError{Side: side, Other: t.Name() + "." + name, Kind: ErrBackrefConflict, Msg: fmt.Sprintf(
			"backref %q conflicts with the column field %s.%s; rename the backref", name, t.Name(), name)}
	}
	rev := &Relationship{
		Name: name, Parent: t, Target: rel.Parent, Direction: rel.Direction.inverse(),
		LocalColumns: rel.RemoteColumns, RemoteColumns: rel.LocalColumns,
		LocalFields: rel.RemoteFields, RemoteFields: rel.LocalFields,
		Secondary: rel.Secondary, SecondaryLocal: rel.SecondaryRemote, SecondaryRemote: rel.SecondaryLocal,
		Reverse: rel, IsBackref: true, Cascade: Cascade{SaveUpdate: true, Merge: true},
	}
	rev.Uselist = rev.Direction != ManyToOne
	rf, ok := t.relFields[name]
	if !ok {
		// The programmatic form maps only the relationships it lists, so
		// the target's field of the backref's name is found here, as the
		// tag form finds every *T and []*T field: both forms bind it.
		rf, ok = backrefField(t, name)
	}
	if ok {
		if !fieldHolds(rf, rel.Parent.Type) {
			return &ConfigError{Side: side, Other: t.Name() + "." + name, Kind: ErrBackrefConflict, Msg: fmt.Sprintf(
				"backref %q would bind to %s.%s, but that field is %s, not *%s or []*%s", name, t.Name(), name, rf.typ, rel.Parent.Name(), rel.Parent.Name())}
		}
		rev.HasField, rev.offset, rev.Uselist = true, rf.offset, rf.slice
		if rel.spec.BackrefUselist != nil && *rel.spec.BackrefUselist != rf.slice {
			return &ConfigError{Side: side, Other: t.Name() + "." + name, Msg: fmt.Sprintf(
				"backref_uselist=%v disagrees with the field %s.%s of type %s", *rel.spec.BackrefUselist, t.Name(), name, rf.typ)}
		}
	} else if rel.spec.BackrefUselist != nil {
		rev.Uselist = *rel.spec.BackrefUselist
	}
	if rev.Direction == ManyToOne && rev.Uselist {
		return &ConfigError{Side: side, Other: t.Name() + "." + name, Msg: fmt.Sprintf(
			"backref %q is many-to-one and holds one object; it cannot be a collection", name)}
	}
	if rev.Direction == ManyToMany && !rev.Uselist {
		return &ConfigError{Side: side, Other: t.Name() + "." + name, Msg: fmt.Sprintf(
			"backref %q is many-to-many and holds a collection; uselist=false does not apply", name)}
	}
	t.addRel(rev)
	rel.Reverse = rev
	return nil
}

// backrefField finds the struct field a backref named name binds to when
// the target's spec did not list it: an exported field of that name whose
// type is *T or []*T of a struct. A field of any other type is not a
// relationship field, and the backref is created without one, as the tag
// form does for a field tagged `relm:"-"`.
func backrefField(t *Mapper, name string) (relField, bool) {
	sf, ok := t.Type.FieldByName(name)
	if !ok || !sf.IsExported() || !isRelationshipType(sf.Type) {
		return relField{}, false
	}
	rf, err := t.relationshipField(t.Type, name)
	if err != nil {
		return relField{}, false
	}
	t.relFields[name] = rf
	return rf, true
}

// DB is what CreateAll, DropAll and the session need of a database: an
// executor that knows its dialect. *relm.DB satisfies it.
type DB interface {
	dialect.Executor
	Dialect() dialect.Dialect
}

// CreateAll configures the registry and creates every table, index and
// foreign key that does not exist yet, parents first (SQLAlchemy's
// metadata.create_all with checkfirst), in one transaction where the
// database's DDL is transactional (see SchemaTransactor).
//
// A table of the registry's that already exists is checked against its
// model first (see CheckSchema): when it lacks a column, holds another
// kind of value, disagrees on NULL, or has a NOT NULL column the model
// does not write, CreateAll creates nothing and returns an error wrapping
// a *ddl.MismatchError (errors.Is ddl.ErrSchemaMismatch) that names each
// table, column and model field. A narrower but compatible column — an
// INTEGER made by an earlier relm where the model's int is now BIGINT —
// is accepted with a warning logged through db's Logger (slog's default
// logger when db has none).
func (reg *Registry) CreateAll(ctx context.Context, db DB) error {
	if err := reg.Configure(); err != nil {
		return err
	}
	if v, ok := db.(SchemaVetter); ok {
		if err := v.VetSchema(ctx, reg.md); err != nil {
			return err
		}
	}
	opts := reg.checkOptions(ctx, db)
	return inSchemaTx(ctx, db, func(db DB) error {
		return ddl.CreateAllWith(ctx, db, db.Dialect(), reg.md, opts)
	})
}

// CheckSchema compares each table of the registry that already exists in
// the database with its model, as CreateAll does before it creates
// anything, and writes nothing: it returns nil, or an error wrapping a
// *ddl.MismatchError that names, on one line, every table and column that
// differs, the model field it maps, and what to do. Tables that do not
// exist yet are fine. Compatible differences are logged as CreateAll logs
// them.
func (reg *Registry) CheckSchema(ctx context.Context, db DB) error {
	if err := reg.Configure(); err != nil {
		return err
	}
	return ddl.Check(ctx, db, db.Dialect(), reg.md, reg.checkOptions(ctx, db))
}

// checkOptions names the model fields behind columns in the differences
// ddl finds, and logs the compatible ones as warnings.
func (reg *Registry) checkOptions(ctx context.Context, db DB) ddl.Options {
	logger := slog.Default()
	if l, ok := db.(interface{ Logger() *slog.Logger }); ok && l.Logger() != nil {
		logger = l.Logger()
	}
	return ddl.Options{
		Describe: reg.describeColumn,
		Note: func(d ddl.Difference) {
			logger.LogAttrs(ctx, slog.LevelWarn, "relm: "+d.String(),
				slog.String("table", d.Table), slog.String("column", d.Column))
		},
	}
}

// describeColumn names the model and field mapped to table.column: "model
// blog.User field Password", "model blog.User" for a column no field maps,
// "" for a table no model maps.
func (reg *Registry) describeColumn(table, column string) string {
	for _, m := range reg.Mappers() {
		if m.Table.Name != table {
			continue
		}
		for _, f := range m.Fields {
			if f.Column.Name == column {
				return "model " + m.Type.String() + " field " + f.Name
			}
		}
		return "model " + m.Type.String()
	}
	return ""
}

// SchemaTransactor is implemented by a DB that runs the statements of
// CreateAll and DropAll in one transaction where the database can: *relm.DB
// does on the dialects whose DDL is transactional (see
// dialect.TransactionalDDL) and runs fn on itself elsewhere.
type SchemaTransactor interface {
	// InSchemaTx calls fn with the DB to run the statements on, and
	// commits them when fn returns nil (rolls them back otherwise).
	InSchemaTx(ctx context.Context, fn func(DB) error) error
}

func inSchemaTx(ctx context.Context, db DB, fn func(DB) error) error {
	if t, ok := db.(SchemaTransactor); ok {
		return t.InSchemaTx(ctx, fn)
	}
	return fn(db)
}

// SchemaVetter is implemented by a DB that checks a schema before CreateAll
// creates it: *relm.DB warns, on a MariaDB Galera cluster, about tables
// without a primary key.
type SchemaVetter interface {
	VetSchema(ctx context.Context, md *schema.MetaData) error
}

// DropAll drops every table of the registry that exists, children first,
// in one transaction where the database's DDL is transactional (see
// SchemaTransactor).
func (reg *Registry) DropAll(ctx context.Context, db DB) error {
	if err := reg.md.Resolve(); err != nil {
		return fmt.Errorf("mapping: %w", err)
	}
	return inSchemaTx(ctx, db, func(db DB) error {
		return ddl.DropAll(ctx, db, db.Dialect(), reg.md)
	})
}

// sortedMappers returns the mappers ordered by table name, for stable output.
func (reg *Registry) sortedMappers() []*Mapper {
	ms := reg.Mappers()
	sort.Slice(ms, func(i, j int) bool { return ms[i].Table.Name < ms[j].Table.Name })
	return ms
}
