package dialect

import (
	"context"
	"strings"

	"github.com/relmorm/relm/schema"
)

// ColumnDef is a column's definition as ALTER statements need it, for a
// declared column (schema.Column) and a live one (ColumnInfo) alike.
type ColumnDef struct {
	Name string
	// Type is the type as the dialect spells it in DDL ("VARCHAR(64)"),
	// without SERIAL: a generated column has AutoIncrement instead.
	Type          string
	NotNull       bool
	Default       string // an SQL expression, "" for none
	AutoIncrement bool
}

// Alterer is an optional capability of a dialect that writes the ALTER
// statements a schema migration needs (package migrate). Each method
// returns one statement, or "" when the dialect cannot do it in place
// (SQLite's ALTER TABLE is limited: migrate rebuilds the table instead).
type Alterer interface {
	// ColumnDef returns c's definition, its type as CREATE TABLE spells
	// it and its default as CREATE TABLE writes it.
	ColumnDef(c *schema.Column) ColumnDef
	// AddColumn returns ALTER TABLE table ADD COLUMN with c's definition.
	AddColumn(table string, c ColumnDef) string
	// DropColumn returns ALTER TABLE table DROP COLUMN column.
	DropColumn(table, column string) string
	// RenameColumn returns ALTER TABLE table RENAME COLUMN from TO to.
	RenameColumn(table, from, to string) string
	// AlterColumn returns the statements that turn column from (its
	// live definition) into to: type, nullability and default. nil when
	// the dialect cannot alter a column in place.
	AlterColumn(table string, from, to ColumnDef) []string
	// DropIndex returns DROP INDEX for the index name of table.
	DropIndex(table, name string) string
	// AddUnique returns the statement adding a UNIQUE constraint name
	// over columns, "" when the dialect cannot.
	AddUnique(table, name string, columns []string) string
	// DropUnique returns the statement dropping the UNIQUE constraint
	// name, "" when the dialect cannot.
	DropUnique(table, name string) string
	// DropForeignKeyNamed returns the statement dropping the foreign key
	// constraint name of table, "" when the dialect cannot.
	DropForeignKeyNamed(table, name string) string
}

// UniqueInspector is an optional capability of a dialect that lists a
// table's UNIQUE constraints, which Inspector.Indexes leaves out
// (PostgreSQL, SQLite). Where a UNIQUE constraint is a unique index
// (MySQL, MariaDB) Indexes lists it and the dialect does not implement
// this.
type UniqueInspector interface {
	// UniqueConstraints returns table's UNIQUE constraints, sorted by
	// name, with their columns in order.
	UniqueConstraints(ctx context.Context, q Executor, table string) ([]IndexInfo, error)
}

// ColumnDef returns c's definition with the writer's spellings.
func (w TableWriter) ColumnDef(c *schema.Column) ColumnDef {
	typ := w.ColumnType(c)
	switch typ {
	case "SERIAL":
		typ = "INTEGER"
	case "BIGSERIAL":
		typ = "BIGINT"
	}
	def := ColumnDef{Name: c.Name, Type: typ, NotNull: !c.Nullable(), AutoIncrement: c.AutoIncrement}
	tail := strings.TrimSpace(w.ColumnTail(c))
	if d, ok := strings.CutPrefix(tail, "DEFAULT "); ok {
		def.Default = d
	}
	return def
}

// ColumnDefinition writes name type [NOT NULL] [DEFAULT x], with autoInc
// (such as "AUTO_INCREMENT") after NOT NULL for a generated column.
func (w TableWriter) ColumnDefinition(c ColumnDef, autoInc string) string {
	var b strings.Builder
	b.WriteString(w.Quote(c.Name))
	b.WriteByte(' ')
	b.WriteString(c.Type)
	if c.NotNull {
		b.WriteString(" NOT NULL")
	}
	if c.AutoIncrement && autoInc != "" {
		b.WriteString(" " + autoInc)
	} else if c.Default != "" {
		b.WriteString(" DEFAULT " + c.Default)
	}
	return b.String()
}

// ColumnList quotes and joins column names.
func (w TableWriter) ColumnList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = w.Quote(c)
	}
	return strings.Join(q, ", ")
}
