package mysql

import (
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

var _ dialect.Alterer = (*Dialect)(nil)

// ColumnDef returns c's definition as CREATE TABLE writes it.
func (d *Dialect) ColumnDef(c *schema.Column) dialect.ColumnDef { return d.writer().ColumnDef(c) }

// AddColumn returns ALTER TABLE … ADD COLUMN.
func (d *Dialect) AddColumn(table string, c dialect.ColumnDef) string {
	return "ALTER TABLE " + d.Quote(table) + " ADD COLUMN " + d.writer().ColumnDefinition(c, "AUTO_INCREMENT")
}

// DropColumn returns ALTER TABLE … DROP COLUMN.
func (d *Dialect) DropColumn(table, column string) string {
	return "ALTER TABLE " + d.Quote(table) + " DROP COLUMN " + d.Quote(column)
}

// RenameColumn returns ALTER TABLE … RENAME COLUMN … TO … (MariaDB 10.5,
// MySQL 8.0).
func (d *Dialect) RenameColumn(table, from, to string) string {
	return "ALTER TABLE " + d.Quote(table) + " RENAME COLUMN " + d.Quote(from) + " TO " + d.Quote(to)
}

// AlterColumn returns one ALTER TABLE … MODIFY COLUMN with to's whole
// definition, which MySQL and MariaDB need whatever part changes.
func (d *Dialect) AlterColumn(table string, from, to dialect.ColumnDef) []string {
	if from == to {
		return nil
	}
	return []string{"ALTER TABLE " + d.Quote(table) + " MODIFY COLUMN " + d.writer().ColumnDefinition(to, "AUTO_INCREMENT")}
}

// DropIndex returns DROP INDEX name ON table.
func (d *Dialect) DropIndex(table, name string) string {
	return "DROP INDEX " + d.Quote(name) + " ON " + d.Quote(table)
}

// AddUnique returns ALTER TABLE … ADD CONSTRAINT name UNIQUE (columns).
func (d *Dialect) AddUnique(table, name string, columns []string) string {
	return "ALTER TABLE " + d.Quote(table) + " ADD CONSTRAINT " + d.Quote(name) + " UNIQUE (" + d.writer().ColumnList(columns) + ")"
}

// DropUnique returns DROP INDEX: a UNIQUE constraint is a unique index.
func (d *Dialect) DropUnique(table, name string) string { return d.DropIndex(table, name) }

// DropForeignKeyNamed returns ALTER TABLE … DROP FOREIGN KEY name.
func (d *Dialect) DropForeignKeyNamed(table, name string) string {
	return "ALTER TABLE " + d.Quote(table) + " DROP FOREIGN KEY " + d.Quote(name)
}
