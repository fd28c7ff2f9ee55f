package mapping

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/relmorm/relm/schema"
)

// Direction is the shape of a relationship, as SQLAlchemy names them.
type Direction int

// The directions.
const (
	OneToMany  Direction = iota + 1 // the foreign key is on the target's table
	ManyToOne                       // the foreign key is on the parent's table
	ManyToMany                      // both sides are joined through a secondary table
)

// String returns "one-to-many", "many-to-one" or "many-to-many".
func (d Direction) String() string {
	switch d {
	case OneToMany:
		return "one-to-many"
	case ManyToOne:
		return "many-to-one"
	case ManyToMany:
		return "many-to-many"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// inverse returns the direction of the other side.
func (d Direction) inverse() Direction {
	switch d {
	case OneToMany:
		return ManyToOne
	case ManyToOne:
		return OneToMany
	}
	return d
}

// Cascade says which session operations follow a relationship.
type Cascade struct {
	SaveUpdate   bool // adding the parent adds the related objects
	Delete       bool // deleting the parent deletes the related objects
	DeleteOrphan bool // a related object removed from the parent is deleted
	Merge        bool // relm.Merge of the parent merges the related objects
}

// String renders the cascade as in a tag.
func (c Cascade) String() string {
	var parts []string
	if c.SaveUpdate {
		parts = append(parts, "save-update")
	}
	if c.Delete {
		parts = append(parts, "delete")
	}
	if c.DeleteOrphan {
		parts = append(parts, "delete-orphan")
	}
	if c.Merge {
		parts = append(parts, "merge")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// ParseCascade reads a cascade list; "" means the default, save-update
// and merge, as SQLAlchemy's.
func ParseCascade(s string) (Cascade, error) {
	if strings.TrimSpace(s) == "" {
		return Cascade{SaveUpdate: true, Merge: true}, nil
	}
	var c Cascade
	for _, p := range strings.Split(s, ",") {
		switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(p)), "_", "-") {
		case "save-update":
			c.SaveUpdate = true
		case "delete":
			c.Delete = true
		case "delete-orphan":
			c.DeleteOrphan = true
		case "all":
			c.SaveUpdate, c.Delete, c.Merge = true, true, true
		case "merge":
			c.Merge = true
		case "none", "":
		case "refresh-expire", "expunge":
			// SQLAlchemy cascades with no counterpart here; accepted so
			// that ported models read.
		default:
			return c, fmt.Errorf("unknown cascade %q; use save-update, merge, delete, delete-orphan, all or none", p)
		}
	}
	return c, nil
}

// Lazy is a relationship's default behaviour when it is reached unloaded.
type Lazy int

// The lazy modes.
const (
	LazySelect Lazy = iota // load it with an explicit Load call (the default)
	LazyRaise              // reaching it unloaded through relm is an error: the N+1 guard
)

// OrderBy is one term of a collection's ordering.
type OrderBy struct {
	Field *Field
	Desc  bool
}

// Relationship is a configured relationship between two mappers: the
// introspection API on which the session, the loaders and the diagrams are
// built. It is read-only after Registry.Configure.
type Relationship struct {
	Name      string    // the field name, or the backref's name
	Index     int       // position in Parent.Relationships
	Parent    *Mapper   // the mapper that holds the relationship
	Target    *Mapper   // the mapper of the related objects
	Direction Direction // one-to-many, many-to-one or many-to-many
	Uselist   bool      // a collection ([]*T) rather than one object (*T)

	// LocalColumns are the Parent's columns that take part in the join
	// (its primary key for one-to-many and many-to-many, its foreign key
	// for many-to-one); RemoteColumns are the Target's, pairwise.
	LocalColumns  []*schema.Column
	RemoteColumns []*schema.Column
	LocalFields   []*Field // the fields of LocalColumns
	RemoteFields  []*Field // the fields of RemoteColumns

	// Secondary is the link table of a many-to-many relationship; its
	// SecondaryLocal columns reference LocalColumns and its SecondaryRemote
	// columns reference RemoteColumns.
	Secondary       *schema.Table
	SecondaryLocal  []*schema.Column
	SecondaryRemote []*schema.Column

	// Reverse is the other side of a bidirectional relationship (through
	// back_populates or backref), or nil.
	Reverse *Relationship
	// IsBackref reports whether the relationship was created by a backref
	// declared on the other side.
	IsBackref bool
	// HasField reports whether the relationship is bound to a struct field;
	// a backref on a struct without a field of its name has none.
	HasField bool

	OrderBy []OrderBy
	Cascade Cascade
	Lazy    Lazy

	offset uintptr
	spec   RelationshipSpec
}

// String returns "Parent.Name".
func (r *Relationship) String() string { return r.Parent.Name() + "." + r.Name }

// IsOneToOne reports whether the relationship holds one object on a side
// that would otherwise hold many (uselist=False on one-to-many), or is the
// many-to-one side of such a pair.
func (r *Relationship) IsOneToOne() bool {
	if r.Direction == OneToMany {
		return !r.Uselist
	}
	return r.Direction == ManyToOne && r.Reverse != nil && !r.Reverse.Uselist
}

// Get returns the object referenced by a scalar relationship field of the
// struct at obj (nil when unset). Only for HasField && !Uselist.
func (r *Relationship) Get(obj unsafe.Pointer) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Add(obj, r.offset))
}

// Set stores target in a scalar relationship field.
func (r *Relationship) Set(obj, target unsafe.Pointer) {
	*(*unsafe.Pointer)(unsafe.Add(obj, r.offset)) = target
}

// GetSlice returns the collection field of the struct at obj; the elements
// are the addresses of the related structs. Only for HasField && Uselist.
func (r *Relationship) GetSlice(obj unsafe.Pointer) []unsafe.Pointer {
	return *(*[]unsafe.Pointer)(unsafe.Add(obj, r.offset))
}

// SetSlice stores a collection.
func (r *Relationship) SetSlice(obj unsafe.Pointer, s []unsafe.Pointer) {
	*(*[]unsafe.Pointer)(unsafe.Add(obj, r.offset)) = s
}

// ConfigError reports a relationship that cannot be configured. Side names
// the relationship as "Type.Field"; Other names the other side when the
// error involves two.
type ConfigError struct {
	Side, Other string
	Msg         string
	Kind        error // ErrNoForeignKeys, ErrAmbiguousForeignKeys, ErrBackPopulates, ErrBackrefConflict or nil
}

// Error names the relationship at fault and what to change.
func (e *ConfigError) Error() string { return "mapping: " + e.Side + ": " + e.Msg }

// Unwrap returns the error's kind, for errors.Is.
func (e *ConfigError) Unwrap() error { return e.Kind }

// The kinds of relationship configuration errors, testable with errors.Is.
var (
	ErrNoForeignKeys        = fmt.Errorf("no foreign key joins the tables")
	ErrAmbiguousForeignKeys = fmt.Errorf("more than one foreign key joins the tables")
	ErrBackPopulates        = fmt.Errorf("back_populates sides disagree")
	ErrBackrefConflict      = fmt.Errorf("backref conflicts with an existing name")
)

func fkString(fk *schema.ForeignKey) string {
	return fk.Columns[0].Table().Name + "." + colNames(fk.Columns) + " → " + fk.RefTable.Name + "." + colNames(fk.RefColumns)
}

// colNames renders one column as its name, several as (a, b).
func colNames(cols []*schema.Column) string {
	if len(cols) == 1 {
		return cols[0].Name
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// fkMatches reports whether one of a foreign key's columns is among the
// chosen ones.
func fkMatches(fk *schema.ForeignKey, chosen []string, m *Mapper) bool {
	for _, col := range fk.Columns {
		if colChosen(col, chosen, m) {
			return true
		}
	}
	return false
}

// colChosen reports whether col is among the chosen columns ("column",
// "table.column" or a field name of m).
func colChosen(col *schema.Column, chosen []string, m *Mapper) bool {
	for _, c := range chosen {
		tbl, name, qualified := strings.Cut(c, ".")
		if !qualified {
			name, tbl = c, ""
		}
		if tbl != "" && tbl != col.Table().Name {
			continue
		}
		if name == col.Name {
			return true
		}
		if m != nil && m.Table == col.Table() {
			if f := m.byField[name]; f != nil && f.Column == col {
				return true
			}
		}
	}
	return false
}

// fksBetween returns the foreign keys of from's table that reference to's table.
func fksBetween(from, to *schema.Table) []*schema.ForeignKey {
	var out []*schema.ForeignKey
	for _, fk := range from.ForeignKeys() {
		if fk.RefTable == to {
			out = append(out, fk)
		}
	}
	return out
}

func filterFKs(fks []*schema.ForeignKey, chosen []string, owner *Mapper) []*schema.ForeignKey {
	if len(chosen) == 0 {
		return fks
	}
	var out []*schema.ForeignKey
	for _, fk := range fks {
		if fkMatches(fk, chosen, owner) {
			out = append(out, fk)
		}
	}
	return out
}

func fkList(fks []*schema.ForeignKey) string {
	s := make([]string, len(fks))
	for i, fk := range fks {
		s[i] = fkString(fk)
	}
	return strings.Join(s, ", ")
}

// configureJoin resolves the direction and join columns of a declared
// relationship from the foreign keys, as SQLAlchemy's JoinCondition does.
func (reg *Registry) configureJoin(rel *Relationship, rf relField) error {
	p, t, spec := rel.Parent, rel.Target, rel.spec
	side := rel.String()
	if !spec.Secondary.IsZero() {
		return reg.configureSecondary(rel, rf)
	}
	toParent := filterFKs(fksBetween(t.Table, p.Table), spec.ForeignKeys, t) // FK on the target: one-to-many
	toTarget := filterFKs(fksBetween(p.Table, t.Table), spec.ForeignKeys, p) // FK on the parent: many-to-one
	if p.Table == t.Table {
		// Self-referential: the Go type says which way (SQLAlchemy uses
		// remote_side): a collection is one-to-many, a pointer many-to-one.
		if rf.slice {
			toTarget = nil
		} else {
			toParent = nil
		}
	}
	all := append(append([]*schema.ForeignKey{}, toParent...), toTarget...)
	switch {
	case len(all) == 0 && len(spec.ForeignKeys) > 0:
		return &ConfigError{Side: side, Kind: ErrNoForeignKeys, Msg: fmt.Sprintf(
			"foreign_keys %q names no foreign key between %q and %q; name a column that has `fk:`",
			strings.Join(spec.ForeignKeys, ","), p.Table.Name, t.Table.Name)}
	case len(all) == 0:
		return &ConfigError{Side: side, Kind: ErrNoForeignKeys, Msg: fmt.Sprintf(
			"no foreign key joins %q and %q; add `fk:%s.%s` to a column of %s (one-to-many) or `fk:%s.%s` to a column of %s (many-to-one), or give a secondary table for many-to-many",
			p.Table.Name, t.Table.Name, p.Table.Name, pkName(p.Table), t.Name(), t.Table.Name, pkName(t.Table), p.Name())}
	case len(all) > 1:
		return &ConfigError{Side: side, Kind: ErrAmbiguousForeignKeys, Msg: fmt.Sprintf(
			"more than one foreign key could join %q and %q: %s; choose one with foreign_keys (tag `foreign_keys:%s`, or RelationshipSpec.ForeignKeys)",
			p.Table.Name, t.Table.Name, fkList(all), all[0].Columns[0].Name)}
	}
	fk := all[0]
	if len(toParent) == 1 {
		rel.Direction = OneToMany
		rel.LocalColumns, rel.RemoteColumns = fk.RefColumns, fk.Columns
	} else {
		rel.Direction = ManyToOne
		rel.LocalColumns, rel.RemoteColumns = fk.Columns, fk.RefColumns
		if rf.slice {
			return &ConfigError{Side: side, Msg: fmt.Sprintf(
				"the foreign key %s makes this many-to-one, which holds one object; declare the field as *%s", fkString(fk), t.Name())}
		}
	}
	return reg.bindFields(rel)
}

// checkWholeKey refuses a one-to-many or many-to-one joined on a foreign
// key that references some, not all, of the columns of a composite primary
// key: such columns do not name one row.
func checkWholeKey(rel *Relationship) error {
	fkCols, refCols := rel.LocalColumns, rel.RemoteColumns
	if rel.Direction == OneToMany {
		fkCols, refCols = rel.RemoteColumns, rel.LocalColumns
	}
	if rel.Secondary != nil || len(refCols) == 0 {
		return nil
	}
	ref := refCols[0].Table()
	pk := ref.PrimaryKey()
	if len(pk) < 2 || len(refCols) == len(pk) || !refCols[0].PrimaryKey {
		return nil
	}
	var missing []string
	for _, c := range pk {
		if !slices.Contains(refCols, c) {
			missing = append(missing, "`fk:"+ref.Name+"."+c.Name+"`")
		}
	}
	return &ConfigError{Side: rel.String(), Kind: ErrNoForeignKeys, Msg: fmt.Sprintf(
		"the foreign key %s.%s → %s.%s references %d of the %d columns of %q's primary key %s; a composite foreign key has a column for each key column: add a column with %s to %s",
		fkCols[0].Table().Name, colNames(fkCols), ref.Name, colNames(refCols), len(refCols), len(pk), ref.Name, colNames(pk), strings.Join(missing, ", "), fkCols[0].Table().Name)}
}

func pkName(t *schema.Table) string {
	if pk := t.PrimaryKey(); len(pk) > 0 {
		return pk[0].Name
	}
	return "id"
}

// bindFields finds the mapped fields of the join columns.
func (reg *Registry) bindFields(rel *Relationship) error {
	rel.LocalFields, rel.RemoteFields = nil, nil
	if err := checkWholeKey(rel); err != nil {
		return err
	}
	for _, side := range []struct {
		m    *Mapper
		cols []*schema.Column
		out  *[]*Field
	}{{rel.Parent, rel.LocalColumns, &rel.LocalFields}, {rel.Target, rel.RemoteColumns, &rel.RemoteFields}} {
		for _, c := range side.cols {
			f := side.m.byColumn[c.Name]
			if f == nil || f.Column != c {
				return &ConfigError{Side: rel.String(), Msg: fmt.Sprintf("column %s.%s takes part in the join but is not mapped to a field of %s", c.Table().Name, c.Name, side.m.Name())}
			}
			*side.out = append(*side.out, f)
		}
	}
	return nil
}

func (reg *Registry) resolveSecondary(side string, s Secondary) (*schema.Table, error) {
	var t *schema.Table
	switch {
	case s.table != nil:
		t = s.table
	case s.fn != nil:
		t = s.fn()
		if t == nil {
			return nil, &ConfigError{Side: side, Msg: "the secondary function returned a nil table; declare the table before the registry is configured"}
		}
	default:
		t = reg.md.Table(s.name)
		if t == nil {
			msg := fmt.Sprintf("secondary table %q is not in the registry's metadata; add it with Registry.AddTable", s.name)
			if near := schema.Nearest(s.name, reg.md.Names()); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			return nil, &ConfigError{Side: side, Msg: msg}
		}
		return t, nil
	}
	if existing := reg.md.Table(t.Name); existing == nil {
		if err := reg.md.Add(t); err != nil {
			return nil, &ConfigError{Side: side, Msg: err.Error()}
		}
		if err := reg.md.Resolve(); err != nil {
			return nil, &ConfigError{Side: side, Msg: err.Error()}
		}
	} else if existing != t {
		return nil, &ConfigError{Side: side, Msg: fmt.Sprintf("the secondary table value %q is not the table of that name in the registry; use one *schema.Table value", t.Name)}
	}
	return t, nil
}

func parseOrderBy(side string, target *Mapper, s string) ([]OrderBy, error) {
	var out []OrderBy
	for _, term := range strings.Split(s, ",") {
		term = strings.TrimSpace(term)
		if term == "" {
			continue
		}
		fields := strings.Fields(term)
		ob := OrderBy{}
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "desc":
				ob.Desc = true
			case "asc":
			default:
				return nil, &ConfigError{Side: side, Msg: fmt.Sprintf("order_by %q: want a field name optionally followed by asc or desc", term)}
			}
		} else if len(fields) != 1 {
			return nil, &ConfigError{Side: side, Msg: fmt.Sprintf("order_by %q: want a field name optionally followed by asc or desc", term)}
		}
		f, err := target.LookupField(fields[0])
		if err != nil {
			return nil, &ConfigError{Side: side, Msg: "order_by: " + err.Error()}
		}
		ob.Field = f
		out = append(out, ob)
	}
	return out, nil
}

func parseLazy(side, s string) (Lazy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "select":
		return LazySelect, nil
	case "raise":
		return LazyRaise, nil
	}
	return 0, &ConfigError{Side: side, Msg: fmt.Sprintf("lazy %q: use select or raise", s)}
}

// isTargetType checks a struct field's Go type against a relationship's target.
func fieldHolds(rf relField, target reflect.Type) bool { return rf.elem == target }
