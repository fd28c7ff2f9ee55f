// Package mapping maps Go structs to tables and configures the
// relationships between them, as SQLAlchemy's declarative mapping and
// relationship() do. It performs no I/O of its own (CreateAll and DropAll
// hand the registry's metadata to package ddl).
//
// # Declaring models
//
// Every exported field of a registered struct is a column, unless it holds
// related objects (*T or []*T of another mapped struct: a relationship) or
// is tagged `relm:"-"`. The column name is the snake_case of the field name;
// the table name is the TableName method's result, or a `relm:"table:NAME"`
// tag on a blank field, or the snake_case plural of the type name.
//
//	type User struct {
//		ID       int        `relm:"pk"`
//		Username string     `relm:"size:64;index"`
//		Articles []*Article `relm:"backref:Author"`
//	}
//
//	func (User) TableName() string { return "users" }
//
// # The relm tag
//
// A tag is a list of keys separated by semicolons; some keys take a value
// after a colon. Keys are case-insensitive.
//
//	Username string `relm:"column:user_name;size:64;index;notnull"`
//
// Column keys:
//
//   - "-" (the whole tag): leave the field unmapped.
//   - column:NAME: the column name (default: the snake_case of the field).
//   - pk (or primary_key): part of the primary key; a field named ID is the
//     key by default. A single integer key autoincrements.
//   - autoincrement[:BOOL]: force autoincrement on or off.
//   - type:T: the column type, one of integer, bigint, varchar(N), text,
//     bool, float, timestamp, blob, or longtext for text beyond 64 KiB on
//     MySQL (LONGTEXT there, TEXT elsewhere).
//   - size:N: VARCHAR(N) for a string (default 255).
//   - notnull (or "not null"): NOT NULL, the default for types other than
//     pointers, sql.Null types and []byte.
//   - index[:NAME]: an index ix_<table>_<column>, or a named index shared by
//     the fields that name it.
//   - unique[:NAME]: a UNIQUE constraint, or a named unique index shared by
//     the fields that name it.
//   - default:LITERAL: the column's DEFAULT: a number, a 'string', true,
//     false, null or current_timestamp. A field whose value is zero (nil
//     for a pointer) is left out of its INSERT, so that the default applies,
//     and the value the database stored is read back into the object — as
//     SQLAlchemy's server_default.
//   - version: the field (an int, int32 or int64) is the row's version
//     counter, SQLAlchemy's version_id_col: relm writes 1 at INSERT, and
//     every UPDATE and DELETE matches the version read (AND version = ?)
//     and increments it; a row changed meanwhile is relm.ErrStaleObject.
//   - keepzero: with default, write the field's zero value as it is rather
//     than leave the column to its default.
//   - fk:TABLE.COLUMN (or references:TABLE.COLUMN): a foreign key.
//   - ondelete:ACTION, onupdate:ACTION: the foreign key's referential
//     action, one of cascade, set null, set default, restrict, no action.
//   - renamed_from:OLD: the column's former name, so that package migrate
//     renames the column OLD rather than dropping it and adding this one.
//
// On a blank field (_ struct{}), table:NAME names the table.
//
// Nullability follows the Go type: a pointer, a sql.Null* type or []byte
// (nil is NULL) is a nullable column, anything else NOT NULL. Go types map
// to column types as follows:
//
//   - int8, int16, int32, uint8, uint16: INTEGER.
//   - int, int64, uint, uint32, uint64: BIGINT. Go's int is 64 bits, and so
//     is its column (an autoincrement key is BIGSERIAL on PostgreSQL, BIGINT
//     AUTO_INCREMENT on MySQL, INTEGER, the rowid, on SQLite); a uint beyond
//     int64 is refused. A foreign key takes the type of the key it refers to.
//   - string: VARCHAR(255), or TEXT with type:text.
//   - bool: BOOLEAN.
//   - float32, float64: FLOAT.
//   - time.Time: TIMESTAMP.
//   - []byte: BLOB.
//   - a pointer to one of those, or sql.Null[T] and the sql.Null* types: the
//     same type, nullable.
//
// A type defined on one of those kinds (type Status int) maps as its kind,
// unless it has its own sql.Scanner or driver.Valuer: its values then go
// through them, as database/sql would send and scan them, and with both it
// may hold any column type its type: tag names (a Status stored by name in
// a varchar). Any other type with both methods needs a type: tag.
//
// Relationship keys (on a *T or []*T field):
//
//   - back_populates:FIELD: the other side's field; both sides must name
//     each other.
//   - backref:NAME: create the other side as NAME on the target.
//   - backref_uselist:BOOL: uselist of the backref (false: one object, not
//     a collection).
//   - secondary:TABLE: the link table of a many-to-many, by name.
//   - foreign_keys:COLS: the column(s) that join, when several foreign keys
//     could.
//   - order_by:FIELDS: the order of a collection, as in "Title desc, ID".
//   - cascade:LIST: save-update and merge (the default), delete,
//     delete-orphan, all (save-update, merge, delete), none.
//   - lazy:MODE: select (the default) or raise.
//   - rel: a relationship with every option at its default. (An untagged
//     field that a backref of the other side names is that backref's
//     binding instead.)
//
// A pointer field is SQLAlchemy's uselist=False: on the one-to-many side it
// makes a one-to-one. A backref binds to the target's field of that name when
// there is one (an untagged *T or []*T field) and otherwise exists in the
// mapper alone, still usable for loading and queries.
//
// # The programmatic form
//
// Tags compile to a [ModelSpec], which [Registry.Map] also accepts directly;
// a table with no struct, such as a link table, is a [schema.Table] added
// with [Registry.AddTable]. The secondary table of a many-to-many may be
// given as a value ([SecondaryTable]), a function called at configuration
// ([SecondaryFunc]) or a name ([SecondaryName]), as in SQLAlchemy.
//
// # Configuration
//
// [Registry.Configure] resolves foreign keys, infers each relationship's
// direction and join columns from them (through the secondary table for
// many-to-many), pairs back_populates sides, creates backrefs and checks it
// all. Errors are [*ConfigError] values naming the relationship (and the
// other side), testable with errors.Is against [ErrNoForeignKeys],
// [ErrAmbiguousForeignKeys], [ErrBackPopulates] and [ErrBackrefConflict].
// The configured [Relationship] values are the introspection API: direction,
// local and remote columns, secondary table and reverse side.
package mapping
