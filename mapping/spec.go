package mapping

import (
	"github.com/relmorm/relm/schema"
)

// ModelSpec is the programmatic form of a mapped struct: what struct tags
// compile to, and what Registry.Map accepts directly. Only the fields listed
// are mapped.
type ModelSpec struct {
	// Model is a value of the struct type, or a pointer to one, e.g.
	// (*User)(nil).
	Model any
	// Table is the table name; empty means the struct's TableName method or
	// the default name (see TableName).
	Table string
	// Columns maps struct fields to columns, in table column order.
	Columns []ColumnSpec
	// Relationships lists the relationships declared on this struct.
	Relationships []RelationshipSpec
}

// ColumnSpec maps one struct field to one column.
type ColumnSpec struct {
	// Field is the Go field name; a field of an embedded struct is named by
	// its own name (the embedding is flattened).
	Field string
	// Name is the column name; empty means SnakeCase(Field).
	Name string
	// Type is the column type; the zero Type means the Go type's default
	// (string → VARCHAR(Size, default 255), int → INTEGER, ...).
	Type schema.Type
	// Size sets a VARCHAR length without naming the type.
	Size int
	// Nullable overrides nullability; nil means nullable exactly when the
	// Go type can hold NULL (a pointer or sql.Null*).
	Nullable *bool
	// PrimaryKey marks the column part of the primary key.
	PrimaryKey bool
	// Version marks the field, an integer or a time.Time, as the row's
	// version counter (tag `relm:"version"`), SQLAlchemy's
	// version_id_col: an INSERT writes 1, every UPDATE and DELETE matches
	// the version the session read (AND version = ?) and an UPDATE
	// increments it; a row that matches nothing fails the flush with
	// relm.ErrStaleObject. A time.Time is a timestamp instead: the time of
	// the flush that wrote the row, UTC, to the microsecond, matched
	// exactly as written. At most one field of a model.
	Version bool
	// SoftDelete marks the field, a nullable time (*time.Time or
	// sql.NullTime), as the row's deletion time (tag
	// `relm:"softdelete"`), GORM's DeletedAt: Session.Delete sets it in an
	// UPDATE instead of deleting the row, and queries and relationship
	// loads leave out the rows where it is set unless WithDeleted. At
	// most one field of a model.
	SoftDelete bool
	// AutoIncrement overrides autoincrement; nil means true for a single
	// integer primary key, as SQLAlchemy does.
	AutoIncrement *bool
	// Unique adds a UNIQUE constraint on the column; UniqueIndex names a
	// unique index that columns sharing the name form together.
	Unique      bool
	UniqueIndex string
	// Index adds the index ix_<table>_<column>; IndexName names an index
	// that columns sharing the name form together (in field order).
	Index     bool
	IndexName string
	// Default is an SQL literal (see schema.ValidateDefault). A field with
	// a default whose value is the zero value (nil for a pointer) is left
	// out of its INSERT, so that the database's default applies, and the
	// value the database stored is read back into it — SQLAlchemy's
	// server_default — unless KeepZero is set.
	Default string
	// Generator names a registered generator (see RegisterGenerator; the
	// tag `default:uuid`), and Generate gives one directly: relm fills the
	// field from it before its row's INSERT when the field is zero — a
	// client-side default, SQLAlchemy's Column(default=callable). A
	// generated primary key never autoincrements.
	Generator string
	Generate  Generator
	// KeepZero writes a defaulted field's zero value as it is (`keepzero`):
	// for a column whose zero is meant (a count of 0 with default 1).
	KeepZero bool
	// References names the referenced column as "table.column".
	References string
	OnDelete   schema.Action
	OnUpdate   schema.Action
	// RenamedFrom is the column's former name (`renamed_from:old`), for
	// package migrate (see schema.Column.RenamedFrom).
	RenamedFrom string
}

// RelationshipSpec declares a relationship, as SQLAlchemy's relationship().
type RelationshipSpec struct {
	// Field is the struct field holding the related object (*T) or objects
	// ([]*T); the target type is taken from it.
	Field string
	// BackPopulates names the relationship on the target that is the other
	// side of this one; that one must name this one back.
	BackPopulates string
	// Backref creates the reverse relationship on the target under this
	// name, bound to the target's field of that name when it has one.
	Backref string
	// BackrefUselist sets uselist on the backref (SQLAlchemy's
	// backref("parent", uselist=False)); nil means the default of its
	// direction, or the Go type of its field.
	BackrefUselist *bool
	// Secondary names the link table of a many-to-many relationship.
	Secondary Secondary
	// SecondaryLocal and SecondaryRemote name the link table's columns
	// (tags `secondary_local:COLS`, `secondary_remote:COLS`) that reference
	// this side and the target, when the link table has more than one
	// foreign key to a side's table — SQLAlchemy's primaryjoin and
	// secondaryjoin. A self-referential many-to-many (User.Following
	// through follows(follower_id, followed_id)) needs one of them; the
	// other is the remaining foreign key.
	SecondaryLocal, SecondaryRemote []string
	// ForeignKeys chooses the foreign-key columns ("column" or
	// "table.column") that join the two sides when more than one could.
	ForeignKeys []string
	// OrderBy orders a collection: field or column names of the target,
	// each optionally followed by " desc", separated by commas.
	OrderBy string
	// Cascade lists the cascades: "save-update" (the default), "delete",
	// "delete-orphan", "all" (save-update and delete), or "none"; comma
	// separated.
	Cascade string
	// Lazy is the default loading behaviour: "select" (the default: loaded
	// when asked for) or "raise" (reaching it unloaded is an error).
	Lazy string
}

// Secondary is the link table of a many-to-many relationship, given in one
// of the three forms SQLAlchemy accepts: SecondaryTable, SecondaryFunc or
// SecondaryName.
type Secondary struct {
	table *schema.Table
	fn    func() *schema.Table
	name  string
}

// SecondaryTable gives the link table as a value (secondary=association_table).
func SecondaryTable(t *schema.Table) Secondary { return Secondary{table: t} }

// SecondaryFunc gives the link table as a function called when the registry
// is configured (secondary=lambda: association_table), so that the table can
// be declared after the models that use it.
func SecondaryFunc(f func() *schema.Table) Secondary { return Secondary{fn: f} }

// SecondaryName names the link table, looked up in the registry's metadata
// when the registry is configured (secondary="association").
func SecondaryName(name string) Secondary { return Secondary{name: name} }

// IsZero reports whether no secondary table was given.
func (s Secondary) IsZero() bool { return s.table == nil && s.fn == nil && s.name == "" }

// String describes the form the secondary was given in.
func (s Secondary) String() string {
	switch {
	case s.table != nil:
		return "table " + s.table.Name
	case s.fn != nil:
		return "func"
	case s.name != "":
		return "name " + s.name
	}
	return "none"
}
