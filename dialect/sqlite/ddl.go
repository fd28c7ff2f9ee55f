package sqlite

import (
	"strings"

	"github.com/relmorm/relm/schema"
)

// ColumnType spells c's type: INTEGER, BIGINT, VARCHAR(n), TEXT, BOOLEAN,
// FLOAT, DATETIME or BLOB. An autoincrement column is always INTEGER, the
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
	}
	return "BLOB"
}

// CreateTable returns CREATE TABLE for t: its columns in declaration order
// (primary-key columns NOT NULL), a table-level PRIMARY KEY, a UNIQUE
// constraint per unique column and every foreign key inline, including the
// ones md marks cyclic, since SQLite accepts references to tables created
// later.
func (d *Dialect) CreateTable(md *schema.MetaData, t *schema.Table) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(d.Quote(t.Name))
	b.WriteString(" (")
	n := 0
	item := func() {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n\t")
		n++
	}
	for _, c := range t.Columns {
		item()
		b.WriteString(d.Quote(c.Name))
		b.WriteByte(' ')
		b.WriteString(d.ColumnType(c))
		if !c.Nullable() {
			b.WriteString(" NOT NULL")
		}
		if c.Default != "" && !c.AutoIncrement {
			b.WriteString(" DEFAULT ")
			b.WriteString(c.Default)
		}
	}
	pk := t.PrimaryKey()
	if len(pk) > 0 {
		item()
		b.WriteString("PRIMARY KEY (")
		d.columnList(&b, pk)
		b.WriteByte(')')
	}
	for _, c := range t.Columns {
		if c.Unique && !(len(pk) == 1 && pk[0] == c) {
			item()
			b.WriteString("UNIQUE (")
			b.WriteString(d.Quote(c.Name))
			b.WriteByte(')')
		}
	}
	for _, fk := range t.ForeignKeys() {
		item()
		d.foreignKey(&b, fk)
	}
	b.WriteString("\n)")
	return b.String()
}

// foreignKey writes [CONSTRAINT name] FOREIGN KEY(cols) REFERENCES t (cols)
// with its referential actions.
func (d *Dialect) foreignKey(b *strings.Builder, fk *schema.ForeignKey) {
	if fk.Name != "" {
		b.WriteString("CONSTRAINT ")
		b.WriteString(d.Quote(fk.Name))
		b.WriteByte(' ')
	}
	b.WriteString("FOREIGN KEY(")
	d.columnList(b, fk.Columns)
	b.WriteString(") REFERENCES ")
	b.WriteString(d.Quote(fk.RefTable.Name))
	b.WriteString(" (")
	d.columnList(b, fk.RefColumns)
	b.WriteByte(')')
	if fk.OnDelete != schema.NoAction {
		b.WriteString(" ON DELETE ")
		b.WriteString(string(fk.OnDelete))
	}
	if fk.OnUpdate != schema.NoAction {
		b.WriteString(" ON UPDATE ")
		b.WriteString(string(fk.OnUpdate))
	}
}

func (d *Dialect) columnList(b *strings.Builder, cols []*schema.Column) {
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Quote(c.Name))
	}
}

// AddForeignKey returns "": SQLite cannot add a constraint to an existing
// table, and CreateTable emits cyclic foreign keys inline instead.
func (*Dialect) AddForeignKey(*schema.Table, *schema.ForeignKey) string { return "" }

// DropForeignKey returns "": SQLite drops a table's constraints with it.
func (*Dialect) DropForeignKey(*schema.Table, *schema.ForeignKey) string { return "" }

// CreateIndex returns CREATE [UNIQUE] INDEX name ON table (columns).
func (d *Dialect) CreateIndex(t *schema.Table, ix *schema.Index) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if ix.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	b.WriteString(d.Quote(ix.Name))
	b.WriteString(" ON ")
	b.WriteString(d.Quote(t.Name))
	b.WriteString(" (")
	d.columnList(&b, ix.Columns)
	b.WriteByte(')')
	return b.String()
}

// DropTable returns DROP TABLE for t.
func (d *Dialect) DropTable(t *schema.Table) string { return "DROP TABLE " + d.Quote(t.Name) }
