package dialect

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/relmorm/relm/schema"
)

// BulkInserter is an optional capability of a dialect: inserting any number
// of rows in one statement that binds them as a few parameters (one array
// per column on PostgreSQL, one JSON document on SQLite and MariaDB)
// instead of one parameter per value. relm's flush uses it for a table whose
// rows do not fit in one multi-row VALUES statement, so that the INSERTs of
// a table are bounded by the bytes of its rows (see BulkRows.Add), not by
// their number. Dialects without it get VALUES statements chunked under
// MaxParams.
//
// When the statement returns a generated key, the rows are inserted in the
// order they were added, so that the keys ascend in that order, as with
// VALUES; without one, the order is the database's (a link table's rows
// need none, and sorting hundreds of thousands of them costs).
type BulkInserter interface {
	// BulkInsert returns the INSERT of cols into table (names unquoted)
	// whose rows are the arguments of a BulkRows for the same columns,
	// followed by RETURNING returning when that is not "". ok is false
	// when the dialect cannot use the bulk form here (a column type it
	// cannot carry, or a server without the functions it needs).
	BulkInsert(table string, cols []*schema.Column, returning string) (query string, ok bool)
	// BulkRows starts the arguments of such a statement. When maxBytes is
	// positive it bounds their size (see BulkRows.Add); when it is
	// negative, the rows would fit in one VALUES statement and are in the
	// bulk form only because it is faster (BulkChooser): the dialect
	// sets no bound of its own on them either. rows is the number
	// of rows the caller expects to add, a hint for sizing buffers once
	// rather than growing them row by row.
	BulkRows(cols []*schema.Column, maxBytes, rows int) BulkRows
}

// BulkChooser is an optional capability of a BulkInserter whose bulk form
// is faster than a multi-row VALUES statement from some size on, not only
// past VALUES' bounds.
type BulkChooser interface {
	// PrefersBulk reports whether rows rows (two or more, fitting in one
	// VALUES statement) of cols are faster written in the bulk form. It
	// weighs speed only: where the bulk form could store other values
	// than VALUES, or fail where VALUES succeeds, the dialect is also a
	// BulkTypeChecker, which relm asks before any bulk INSERT.
	PrefersBulk(cols []*schema.Column, rows int) bool
}

// BulkTypeChecker is an optional capability of a BulkInserter whose bulk
// form hands some kinds of values to their columns otherwise than VALUES
// does: on PostgreSQL an array's elements are assigned to the column,
// while a bound scalar takes the column's own type, so text[] cannot fill a
// uuid or jsonb column, float8[] is rounded to 15 digits for a numeric one,
// and timestamptz[] is shifted to the session's time zone for a timestamp
// one. Before the first bulk INSERT into a table whose columns need it,
// relm reads the table's column types (once per table and registry, in the
// flush's transaction) and writes the rows with VALUES when a column's
// type would not take the bulk form's values as VALUES does.
type BulkTypeChecker interface {
	// NeedsTypeCheck reports whether the bulk form of cols depends on
	// the columns' types in the database.
	NeedsTypeCheck(cols []*schema.Column) bool
	// ColumnTypes returns the type of each column of table (name
	// unquoted), in the dialect's own terms; an empty map for a table it
	// does not find.
	ColumnTypes(ctx context.Context, q Executor, table string) (map[string]uint32, error)
	// TakesBulk reports whether a column of type typ (from ColumnTypes)
	// takes c's values from the bulk form as it would from VALUES.
	TakesBulk(c *schema.Column, typ uint32) bool
}

// BulkRows accumulates the rows of one bulk INSERT.
type BulkRows interface {
	// Add appends a row: one value per column, as database/sql driver
	// values (nil, int64, float64, bool, []byte, string or time.Time).
	// It returns ErrBulkFull, adding nothing, when the row would take the
	// arguments past maxBytes or past a bound of the dialect's own (the
	// first row is always taken); the caller writes the rows added and
	// goes on in another statement. It returns an error wrapping
	// ErrBulkValue, adding nothing, when a value cannot be carried
	// faithfully; the caller then writes the rows with VALUES, whose
	// behaviour (including the database's errors) is the reference.
	Add(row []any) error
	// Len returns the number of rows added.
	Len() int
	// Args returns the statement's arguments. It is called once, after the
	// last Add: the arguments may share memory with the accumulator.
	Args() []any
}

// BulkPointerRows is an optional capability of a BulkRows.
type BulkPointerRows interface {
	// AddPointers is Add, where a value may also be given by a pointer to
	// it — *string, *int, *int32, *int64, *bool, *float64, *time.Time or
	// *[]byte (a nil slice is NULL) — read before AddPointers returns.
	// A field's address costs the caller nothing where an interface
	// holding its value costs an allocation (a string, an integer past
	// 255, a time).
	AddPointers(row []any) error
}

// The errors of BulkRows.Add.
var (
	ErrBulkFull  = errors.New("dialect: the bulk statement is full")
	ErrBulkValue = errors.New("dialect: a value the bulk form cannot carry")
)

// PacketLimiter is an optional capability of a dialect whose server bounds
// the size of one statement: MySQL's and MariaDB's max_allowed_packet.
// relm bounds the arguments of each INSERT by it, so that a flush makes
// more statements rather than fail with a packet too large.
type PacketLimiter interface {
	// MaxPacket returns the most bytes one statement's arguments may take
	// (0: no bound). q is a connection outside any transaction; the value
	// is read once and remembered.
	MaxPacket(ctx context.Context, q Executor) (int, error)
}

// LiteralInliner is an optional capability of a dialect that runs in the
// application's process (SQLite), or whose driver writes the values into
// the text anyway (MySQL with interpolateParams=true): an INSERT of two
// rows or more writes its values into the statement's text as literals
// instead of binding them, so that any number of rows is one multi-row
// VALUES statement, free of the parameter limit.
//
// SQLite parses short literals faster than the driver binds them (100 rows
// of seven columns: five sixths of the time) and faster than it extracts
// the same values from a JSON document (about half the time for 350,000
// link rows, two thirds for 100,000 articles), and, with the keys read from
// the last-insert-id instead of RETURNING, it need not hold every inserted
// row until the statement ends. On MySQL relm spares database/sql's
// conversion of each argument and the driver's interpolation, which grows
// a buffer as large as the statement and copies it again (100 rows of
// seven columns: half the bytes allocated; 100,000 tutorial articles:
// 196 MB instead of 650 MB).
//
// A literal is exactly what binding the value stores: relm inlines a column
// only when InlineKind says so, and a value AppendLiteral refuses is bound
// as a parameter in the same statement.
type LiteralInliner interface {
	// InlineKind reports whether the values of columns of kind k are
	// written as literals. A batch with a column that is not goes by the
	// bulk form (BulkInserter) or bound VALUES.
	InlineKind(k schema.Kind) bool
	// AppendLiteral appends v, a driver value (nil, int64, float64, bool,
	// []byte, string or time.Time) of column c, as an SQL literal. It
	// returns buf unchanged and false when v must be bound instead. An
	// int64 must be written in decimal (strconv.AppendInt), and never
	// refused: relm writes the integer keys of link rows that way itself,
	// without boxing them.
	AppendLiteral(buf []byte, c *schema.Column, v any) ([]byte, bool)
	// KeysEndAtLastInsertID reports whether the keys one INSERT generates
	// ascend by one in the order of its rows and end at the
	// last-insert-id, so that an inlined INSERT needs no RETURNING
	// (SQLite's rowid: each new row takes the largest rowid plus one).
	KeysEndAtLastInsertID() bool
}

// OneRowKeyer is an optional capability of a dialect with RETURNING whose
// driver's Result.LastInsertId is the key a one-row INSERT generated
// (MariaDB): relm then sends that INSERT without RETURNING and reads the
// key from the statement's result — an OK packet, where RETURNING makes
// the server send a result set and the driver read it.
type OneRowKeyer interface {
	// OneRowKeyFromLastInsertID reports whether a one-row INSERT's
	// generated key is its result's LastInsertId.
	OneRowKeyFromLastInsertID() bool
}

// StringInliner is an optional capability of a LiteralInliner: AppendString
// writes a string value as AppendLiteral writes it (or refuses it, false,
// as AppendLiteral would), from the string itself rather than from a
// driver value in an interface, which costs the caller an allocation per
// value.
type StringInliner interface {
	AppendString(buf []byte, c *schema.Column, s string) ([]byte, bool)
}

// TextCopier is an optional capability of a dialect that knows its driver:
// CopiesText reports whether drv copies a statement's text before
// ExecContext returns and keeps no reference to it (modernc.org/sqlite
// copies it to C memory and frees it with the statement). relm then writes
// the text of its next INSERT of literals over the same bytes, when no
// logger may hold it either. A driver wrapped by another (tracing, metrics)
// is not recognised and gets text of its own for each statement.
type TextCopier interface {
	CopiesText(drv driver.Driver) bool
}

// Interpolator is an optional capability of a dialect whose driver writes
// the arguments into the statement's text before sending it
// (go-sql-driver/mysql with interpolateParams=true). The server then sees
// no placeholder, so its placeholder limit does not bound a multi-row
// INSERT; only the packet does (PacketLimiter). relm then writes a large
// INSERT as VALUES statements, each as large as the packet allows, rather
// than in the bulk form: MariaDB parses a VALUES list of long strings in
// about two thirds of the time JSON_TABLE takes to read the same rows.
type Interpolator interface {
	// Interpolates reports whether the driver interpolates arguments.
	Interpolates() bool
}
