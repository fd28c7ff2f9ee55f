// Package dialect defines what relm needs to know about a database: how to
// quote names and write placeholders, how to spell types and DDL, how to read
// generated keys back, how many parameters a statement may carry, and how to
// read the live catalog.
//
// One package per database implements [Dialect]: dialect/sqlite,
// dialect/postgres and dialect/mysql. Adding a database means adding one
// package. The root relm package registers the three built-in dialects; a
// program that builds its own *sql.DB hands relm the dialect directly.
package dialect

import (
	"context"
	"database/sql"

	"github.com/relmorm/relm/schema"
)

// Executor runs statements. *sql.DB, *sql.Tx, *sql.Conn and relm's logging
// handle all satisfy it.
type Executor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Dialect is one database's spelling of SQL.
type Dialect interface {
	// Name is the dialect's short name: "sqlite", "postgres" or "mysql".
	Name() string
	// DriverName is the database/sql driver the dialect uses by default.
	DriverName() string
	// DriverDSN turns a relm URL (as given to relm.Open, scheme included)
	// into the driver's own DSN, adding the settings relm relies on.
	DriverDSN(url string) (string, error)

	// Quote quotes an identifier; it assumes the name was validated by
	// schema.ValidateIdentifier.
	Quote(ident string) string
	// AppendPlaceholder appends the n-th (1-based) bind parameter marker.
	AppendPlaceholder(b []byte, n int) []byte
	// MaxParams is the largest number of bind parameters one statement may carry.
	MaxParams() int
	// Returning reports whether INSERT ... RETURNING is available.
	Returning() bool

	// ColumnType spells a column's type, including autoincrement where the
	// dialect expresses it in the type (SERIAL).
	ColumnType(c *schema.Column) string
	// CreateTable returns CREATE TABLE for t with its columns, primary key,
	// unique constraints and the foreign keys that md does not mark cyclic.
	CreateTable(md *schema.MetaData, t *schema.Table) string
	// AddForeignKey returns the ALTER TABLE that adds a foreign key deferred
	// because of a cycle, or "" when the dialect cannot alter constraints
	// (SQLite accepts forward references inline instead).
	AddForeignKey(t *schema.Table, fk *schema.ForeignKey) string
	// CreateIndex returns CREATE [UNIQUE] INDEX.
	CreateIndex(t *schema.Table, ix *schema.Index) string
	// DropTable returns DROP TABLE for t.
	DropTable(t *schema.Table) string
	// DropForeignKey returns the ALTER TABLE that drops a cyclic foreign
	// key before its tables are dropped, or "" when not needed.
	DropForeignKey(t *schema.Table, fk *schema.ForeignKey) string

	// Inspector reads the live catalog.
	Inspector
}

// Inspector reads the tables, columns, indexes and foreign keys of a live
// database (the current database or schema of the connection).
type Inspector interface {
	TableNames(ctx context.Context, q Executor) ([]string, error)
	Columns(ctx context.Context, q Executor, table string) ([]ColumnInfo, error)
	Indexes(ctx context.Context, q Executor, table string) ([]IndexInfo, error)
	ForeignKeys(ctx context.Context, q Executor, table string) ([]ForeignKeyInfo, error)
}

// ColumnInfo is a column as the database reports it.
type ColumnInfo struct {
	Name       string
	Type       string // the database's own type name, upper case, e.g. "VARCHAR(64)"
	Nullable   bool
	PrimaryKey bool
	// Default is the column's DEFAULT expression as the database reports
	// it ("'N'", "0", "CURRENT_TIMESTAMP", "nextval('users_id_seq'::regclass)"),
	// "" when it has none. A nullable column's implicit DEFAULT NULL is "".
	Default string
	// Generated reports that the database fills the column itself when an
	// INSERT leaves it out: AUTO_INCREMENT, a SERIAL or identity column, a
	// generated (computed) column, SQLite's rowid alias (the INTEGER
	// PRIMARY KEY).
	Generated bool
}

// IndexInfo is an index as the database reports it (primary keys and
// foreign-key support indexes that the database creates itself excluded).
type IndexInfo struct {
	Name    string
	Columns []string
	Unique  bool
}

// ForeignKeyInfo is a foreign key as the database reports it.
type ForeignKeyInfo struct {
	// Name is the constraint's name, by which it is dropped; "" where
	// the database does not name foreign keys (SQLite).
	Name       string
	Columns    []string
	RefTable   string
	RefColumns []string
	OnDelete   string // upper case; "" or "NO ACTION" for the default
	OnUpdate   string
}

// Placeholder returns the n-th placeholder of d as a string.
func Placeholder(d Dialect, n int) string { return string(d.AppendPlaceholder(nil, n)) }
