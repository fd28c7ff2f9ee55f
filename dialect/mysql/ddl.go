package mysql

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/relmorm/relm/schema"
)

// ColumnType spells c's type: INTEGER, BIGINT, VARCHAR(n), TEXT (LONGTEXT
// for schema.LongText), BOOL, DOUBLE, DATETIME(6) or LONGBLOB.
// AUTO_INCREMENT is not part of the type; CreateTable adds it after NOT NULL.
func (*Dialect) ColumnType(c *schema.Column) string {
	switch c.Type.Kind {
	case schema.KindInteger:
		return "INTEGER"
	case schema.KindBigInt:
		return "BIGINT"
	case schema.KindString:
		return "VARCHAR(" + strconv.Itoa(c.Type.Size) + ")"
	case schema.KindText:
		// TEXT holds 65,535 bytes; a column declared longer (schema.LongText,
		// the tag type:longtext) gets the type that holds it.
		switch {
		case c.Type.Size > 1<<24-1:
			return "LONGTEXT"
		case c.Type.Size > 1<<16-1:
			return "MEDIUMTEXT"
		}
		return "TEXT"
	case schema.KindBool:
		return "BOOL"
	case schema.KindFloat:
		return "DOUBLE"
	case schema.KindTime:
		return "DATETIME(6)"
	case schema.KindBytes:
		return "LONGBLOB"
	}
	return "LONGBLOB"
}

// CreateTable returns CREATE TABLE for t: its columns in declaration order
// (primary-key columns NOT NULL, the autoincrement one AUTO_INCREMENT), a
// table-level PRIMARY KEY, a UNIQUE constraint per unique column and the
// foreign keys md does not mark cyclic. It adds no table options.
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
		if c.AutoIncrement {
			b.WriteString(" AUTO_INCREMENT")
		} else if c.Default != "" {
			b.WriteString(" DEFAULT ")
			b.WriteString(columnDefault(c))
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
		if md != nil && md.CyclicForeignKey(fk) {
			continue
		}
		item()
		d.foreignKey(&b, fk.Name, fk)
	}
	b.WriteString("\n)")
	return b.String()
}

// columnDefault writes CURRENT_TIMESTAMP as CURRENT_TIMESTAMP(6) on a
// DATETIME(6) column: MySQL and MariaDB reject a default whose fractional
// precision differs from the column's.
func columnDefault(c *schema.Column) string {
	if c.Type.Kind == schema.KindTime && strings.EqualFold(c.Default, "CURRENT_TIMESTAMP") {
		return "CURRENT_TIMESTAMP(6)"
	}
	return c.Default
}

// AddForeignKey returns ALTER TABLE … ADD CONSTRAINT for a foreign key
// deferred because it closes a cycle. The constraint is named (see
// ForeignKeyName) so that DropForeignKey can find it.
func (d *Dialect) AddForeignKey(t *schema.Table, fk *schema.ForeignKey) string {
	var b strings.Builder
	b.WriteString("ALTER TABLE ")
	b.WriteString(d.Quote(t.Name))
	b.WriteString(" ADD ")
	d.foreignKey(&b, ForeignKeyName(t, fk), fk)
	return b.String()
}

// DropForeignKey returns ALTER TABLE … DROP FOREIGN KEY for a foreign key
// that AddForeignKey added; on MariaDB (as found by Detect) with IF EXISTS,
// which MySQL does not accept.
func (d *Dialect) DropForeignKey(t *schema.Table, fk *schema.ForeignKey) string {
	ifExists := ""
	if d.MariaDB() {
		ifExists = "IF EXISTS "
	}
	return "ALTER TABLE " + d.Quote(t.Name) + " DROP FOREIGN KEY " + ifExists + d.Quote(ForeignKeyName(t, fk))
}

// ForeignKeyName returns fk.Name, or when it is empty
// fk_<table>_<columns>_<reftable>, shortened to 63 bytes with a hash suffix
// when longer (MySQL allows 64; 63 keeps names portable to PostgreSQL).
func ForeignKeyName(t *schema.Table, fk *schema.ForeignKey) string {
	if fk.Name != "" {
		return fk.Name
	}
	var b strings.Builder
	b.WriteString("fk_")
	b.WriteString(t.Name)
	for _, c := range fk.Columns {
		b.WriteByte('_')
		b.WriteString(c.Name)
	}
	b.WriteByte('_')
	b.WriteString(fk.RefTable.Name)
	return truncateName(b.String(), 63)
}

// truncateName shortens name to limit bytes, replacing its tail with "_" and
// eight hex digits of its SHA-1 so that distinct long names stay distinct.
func truncateName(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	sum := sha1.Sum([]byte(name))
	suffix := "_" + hex.EncodeToString(sum[:4])
	cut := limit - len(suffix)
	for cut > 0 && name[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return name[:cut] + suffix
}

// foreignKey writes [CONSTRAINT name] FOREIGN KEY(cols) REFERENCES t (cols)
// with its referential actions.
func (d *Dialect) foreignKey(b *strings.Builder, name string, fk *schema.ForeignKey) {
	if name != "" {
		b.WriteString("CONSTRAINT ")
		b.WriteString(d.Quote(name))
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
