package dialect

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"

	"github.com/relmorm/relm/schema"
)

// TableWriter writes the DDL that SQL databases share — CREATE TABLE with
// its primary key, unique and foreign-key constraints, CREATE INDEX, ALTER
// TABLE … ADD for a deferred foreign key — from the parts a dialect spells
// its own way. Each dialect keeps one and delegates to it.
type TableWriter struct {
	Quote      func(ident string) string
	ColumnType func(c *schema.Column) string
	// ColumnTail returns what follows a column's type and NOT NULL: its
	// DEFAULT, or an AUTO_INCREMENT marker.
	ColumnTail func(c *schema.Column) string
	// InlineCyclic writes the foreign keys that close a cycle inline too
	// (SQLite, which accepts references to tables created later and
	// cannot add constraints afterwards).
	InlineCyclic bool
	// InlineIndexes declares the table's indexes inside CREATE TABLE,
	// as [UNIQUE] INDEX name (columns) (MySQL, MariaDB; see IndexInliner).
	InlineIndexes bool
}

// DefaultTail is the usual ColumnTail: " DEFAULT x" unless the column is
// generated.
func DefaultTail(c *schema.Column) string {
	if c.Default != "" && !c.AutoIncrement {
		return " DEFAULT " + c.Default
	}
	return ""
}

// CreateTable returns CREATE TABLE for t: its columns in declaration order
// (primary-key columns NOT NULL), a table-level PRIMARY KEY, a UNIQUE
// constraint per unique column, its indexes with InlineIndexes, and the
// foreign keys md does not mark cyclic (all of them with InlineCyclic).
func (w TableWriter) CreateTable(md *schema.MetaData, t *schema.Table) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(w.Quote(t.Name))
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
		b.WriteString(w.Quote(c.Name))
		b.WriteByte(' ')
		b.WriteString(w.ColumnType(c))
		if !c.Nullable() {
			b.WriteString(" NOT NULL")
		}
		b.WriteString(w.ColumnTail(c))
	}
	pk := t.PrimaryKey()
	if len(pk) > 0 {
		item()
		b.WriteString("PRIMARY KEY (")
		w.columnList(&b, pk)
		b.WriteByte(')')
	}
	for _, c := range t.Columns {
		if c.Unique && !(len(pk) == 1 && pk[0] == c) {
			item()
			b.WriteString("UNIQUE (")
			b.WriteString(w.Quote(c.Name))
			b.WriteByte(')')
		}
	}
	if w.InlineIndexes {
		for _, ix := range t.AllIndexes() {
			item()
			if ix.Unique {
				b.WriteString("UNIQUE ")
			}
			b.WriteString("INDEX ")
			b.WriteString(w.Quote(ix.Name))
			b.WriteString(" (")
			w.columnList(&b, ix.Columns)
			b.WriteByte(')')
		}
	}
	for _, fk := range t.ForeignKeys() {
		if !w.InlineCyclic && md != nil && md.CyclicForeignKey(fk) {
			continue
		}
		item()
		w.foreignKey(&b, fk.Name, fk)
	}
	b.WriteString("\n)")
	return b.String()
}

// AddForeignKey returns ALTER TABLE … ADD CONSTRAINT for a foreign key
// deferred because it closes a cycle, named by ForeignKeyName so that it can
// be dropped by name.
func (w TableWriter) AddForeignKey(t *schema.Table, fk *schema.ForeignKey) string {
	var b strings.Builder
	b.WriteString("ALTER TABLE ")
	b.WriteString(w.Quote(t.Name))
	b.WriteString(" ADD ")
	w.foreignKey(&b, ForeignKeyName(t, fk), fk)
	return b.String()
}

// CreateIndex returns CREATE [UNIQUE] INDEX name ON table (columns).
func (w TableWriter) CreateIndex(t *schema.Table, ix *schema.Index) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if ix.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	b.WriteString(w.Quote(ix.Name))
	b.WriteString(" ON ")
	b.WriteString(w.Quote(t.Name))
	b.WriteString(" (")
	w.columnList(&b, ix.Columns)
	b.WriteByte(')')
	return b.String()
}

// foreignKey writes [CONSTRAINT name] FOREIGN KEY(cols) REFERENCES t (cols)
// with its referential actions.
func (w TableWriter) foreignKey(b *strings.Builder, name string, fk *schema.ForeignKey) {
	if name != "" {
		b.WriteString("CONSTRAINT ")
		b.WriteString(w.Quote(name))
		b.WriteByte(' ')
	}
	b.WriteString("FOREIGN KEY(")
	w.columnList(b, fk.Columns)
	b.WriteString(") REFERENCES ")
	b.WriteString(w.Quote(fk.RefTable.Name))
	b.WriteString(" (")
	w.columnList(b, fk.RefColumns)
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

func (w TableWriter) columnList(b *strings.Builder, cols []*schema.Column) {
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(w.Quote(c.Name))
	}
}

// ForeignKeyName returns fk.Name, or when it is empty
// fk_<table>_<columns>_<reftable>, shortened to 63 bytes (PostgreSQL's
// limit; MySQL allows 64) with a hash suffix when longer.
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

// IndexInliner is an optional capability of a dialect whose CreateTable
// declares the table's indexes itself (MySQL and MariaDB accept
// INDEX name (columns) inside CREATE TABLE), so that CreateAll sends one
// statement per table instead of one more per index: on MariaDB each
// CREATE INDEX is a data-dictionary change of its own, which took 3–6 ms
// apiece and half the tutorial's schema time. The indexes, their names and
// columns are the same as CreateIndex's.
type IndexInliner interface {
	// InlinesIndexes reports whether CreateTable includes t.AllIndexes().
	InlinesIndexes() bool
}

// TransactionalDDL is an optional capability of a dialect whose CREATE and
// DROP statements take part in a transaction (PostgreSQL, SQLite; MySQL and
// MariaDB commit around each of them). There relm runs CreateAll and
// DropAll in one transaction, as SQLAlchemy's create_all does: the schema
// is created whole or not at all, and the server commits once rather than
// once per statement (the tutorial's schema on PostgreSQL: 13.0 ms in one
// transaction against 14.9 ms statement by statement).
type TransactionalDDL interface {
	// TransactionalDDL reports whether DDL statements are transactional.
	TransactionalDDL() bool
}

// StrictForeignKeyTypes is an optional capability of a dialect whose
// database refuses a foreign key whose column type differs from the
// referenced key's (MySQL and MariaDB: INTEGER against BIGINT is "Foreign
// key constraint is incorrectly formed"). There ddl's CreateAll checks,
// before it creates a table, that each foreign key into an existing table
// has the type the key has there.
type StrictForeignKeyTypes interface {
	// StrictForeignKeyTypes reports whether foreign-key types must equal
	// their keys'.
	StrictForeignKeyTypes() bool
}
