package sqlite

import (
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

// ColumnType spells c's type: INTEGER, BIGINT, VARCHAR(n), TEXT, BOOLEAN,
// FLOAT, DATETIME, BLOB, or TEXT for JSON, UUID and decimal. An autoincrement column is always INTEGER, the
// only type that makes a primary key an alias of the rowid.
func (*Dialect) ColumnType(c *schema.Column) string {
	if c.AutoIncrement {
		return "INTEGER"
	}
	switch c.Type.Kind {
	case schema.KindInteger:
		return "INTEGER"
	case schema.KindBigInt:
		return "BIGINT"
	case schema.KindString:
		return "VARCHAR(" + itoa(c.Type.Size) + ")"
	case schema.KindText:
		return "TEXT"
	case schema.KindBool:
		return "BOOLEAN"
	case schema.KindFloat:
		return "FLOAT"
	case schema.KindTime:
		return "DATETIME"
	case schema.KindBytes:
		return "BLOB"
	case schema.KindJSON, schema.KindUUID, schema.KindDecimal:
		// TEXT keeps a decimal exact ("12.30" reads back as written);
		// SQLite's NUMERIC affinity would store it as a REAL.
		return "TEXT"
	}
	return "BLOB"
}

// writer is the shared DDL writer with this dialect's spellings.
func (d *Dialect) writer() dialect.TableWriter {
	return dialect.TableWriter{Quote: d.Quote, ColumnType: d.ColumnType, ColumnTail: dialect.DefaultTail, InlineCyclic: true}
}

var _ dialect.TransactionalDDL = (*Dialect)(nil)

// TransactionalDDL returns true: SQLite's CREATE and DROP statements take
// part in transactions, so CreateAll and DropAll run in one.
func (*Dialect) TransactionalDDL() bool { return true }

// CreateTable returns CREATE TABLE for t (see dialect.TableWriter): columns
// in declaration order, a table-level PRIMARY KEY, a UNIQUE constraint per
// unique column and every foreign key inline, including the ones md marks cyclic, since SQLite accepts references to tables created later.
func (d *Dialect) CreateTable(md *schema.MetaData, t *schema.Table) string {
	return d.writer().CreateTable(md, t)
}

// CreateIndex returns CREATE [UNIQUE] INDEX name ON table (columns).
func (d *Dialect) CreateIndex(t *schema.Table, ix *schema.Index) string {
	return d.writer().CreateIndex(t, ix)
}

// DropTable returns DROP TABLE for t.
func (d *Dialect) DropTable(t *schema.Table) string { return "DROP TABLE " + d.Quote(t.Name) }

// AddForeignKey returns "": SQLite cannot add a constraint to an existing
// table, and CreateTable emits cyclic foreign keys inline instead.
func (*Dialect) AddForeignKey(*schema.Table, *schema.ForeignKey) string { return "" }

// DropForeignKey returns "": SQLite drops a table's constraints with it.
func (*Dialect) DropForeignKey(*schema.Table, *schema.ForeignKey) string { return "" }
