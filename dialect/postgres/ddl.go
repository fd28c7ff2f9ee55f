package postgres

import (
	"strconv"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

// ColumnType spells c's type: INTEGER or SERIAL, BIGINT or BIGSERIAL (the
// serial forms for autoincrement), VARCHAR(n), TEXT, BOOLEAN,
// DOUBLE PRECISION, TIMESTAMP WITH TIME ZONE, BYTEA, JSONB, UUID or
// NUMERIC(p,s).
func (*Dialect) ColumnType(c *schema.Column) string {
	switch c.Type.Kind {
	case schema.KindInteger:
		if c.AutoIncrement {
			return "SERIAL"
		}
		return "INTEGER"
	case schema.KindBigInt:
		if c.AutoIncrement {
			return "BIGSERIAL"
		}
		return "BIGINT"
	case schema.KindString:
		return "VARCHAR(" + strconv.Itoa(c.Type.Size) + ")"
	case schema.KindText:
		return "TEXT"
	case schema.KindBool:
		return "BOOLEAN"
	case schema.KindFloat:
		return "DOUBLE PRECISION"
	case schema.KindTime:
		return "TIMESTAMP WITH TIME ZONE"
	case schema.KindBytes:
		return "BYTEA"
	case schema.KindJSON:
		return "JSONB"
	case schema.KindUUID:
		return "UUID"
	case schema.KindDecimal:
		p, s := c.Type.Precision()
		return "NUMERIC(" + strconv.Itoa(p) + "," + strconv.Itoa(s) + ")"
	}
	return "BYTEA"
}

// writer is the shared DDL writer with this dialect's spellings.
func (d *Dialect) writer() dialect.TableWriter {
	return dialect.TableWriter{Quote: d.Quote, ColumnType: d.ColumnType, ColumnTail: dialect.DefaultTail}
}

var _ dialect.TransactionalDDL = (*Dialect)(nil)

// TransactionalDDL returns true: PostgreSQL's CREATE and DROP statements take
// part in transactions, so CreateAll and DropAll run in one.
func (*Dialect) TransactionalDDL() bool { return true }

// CreateTable returns CREATE TABLE for t (see dialect.TableWriter): columns
// in declaration order, a table-level PRIMARY KEY, a UNIQUE constraint per
// unique column and the foreign keys md does not mark cyclic.
func (d *Dialect) CreateTable(md *schema.MetaData, t *schema.Table) string {
	return d.writer().CreateTable(md, t)
}

// CreateIndex returns CREATE [UNIQUE] INDEX name ON table (columns).
func (d *Dialect) CreateIndex(t *schema.Table, ix *schema.Index) string {
	return d.writer().CreateIndex(t, ix)
}

// DropTable returns DROP TABLE for t.
func (d *Dialect) DropTable(t *schema.Table) string { return "DROP TABLE " + d.Quote(t.Name) }

// AddForeignKey returns ALTER TABLE … ADD CONSTRAINT for a foreign key
// deferred because it closes a cycle, named by ForeignKeyName.
func (d *Dialect) AddForeignKey(t *schema.Table, fk *schema.ForeignKey) string {
	return d.writer().AddForeignKey(t, fk)
}

// DropForeignKey returns ALTER TABLE … DROP CONSTRAINT IF EXISTS for a
// foreign key that AddForeignKey added.
func (d *Dialect) DropForeignKey(t *schema.Table, fk *schema.ForeignKey) string {
	return "ALTER TABLE " + d.Quote(t.Name) + " DROP CONSTRAINT IF EXISTS " + d.Quote(ForeignKeyName(t, fk))
}

// ForeignKeyName is the name relm gives a foreign key it adds with ALTER
// TABLE (dialect.ForeignKeyName).
func ForeignKeyName(t *schema.Table, fk *schema.ForeignKey) string {
	return dialect.ForeignKeyName(t, fk)
}
