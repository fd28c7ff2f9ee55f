package mysql

import (
	"strconv"
	"strings"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

// ColumnType spells c's type: INTEGER, BIGINT, VARCHAR(n), TEXT (LONGTEXT
// for schema.LongText), BOOL, DOUBLE, DATETIME(6), LONGBLOB, JSON,
// DECIMAL(p,s), or for a UUID: UUID on MariaDB 10.7 and later (as found by
// Detect), CHAR(36) on MySQL and older MariaDB.
// AUTO_INCREMENT is not part of the type; CreateTable adds it after NOT NULL.
func (d *Dialect) ColumnType(c *schema.Column) string {
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
	case schema.KindJSON:
		// MariaDB's JSON is an alias of LONGTEXT with a JSON_VALID check;
		// MySQL's is a binary JSON type. Both read back as text.
		return "JSON"
	case schema.KindUUID:
		if d.nativeUUID() {
			return "UUID"
		}
		return "CHAR(36)"
	case schema.KindDecimal:
		p, s := c.Type.Precision()
		return "DECIMAL(" + strconv.Itoa(p) + "," + strconv.Itoa(s) + ")"
	}
	return "LONGBLOB"
}

// writer is the shared DDL writer with this dialect's spellings.
func (d *Dialect) writer() dialect.TableWriter {
	return dialect.TableWriter{Quote: d.Quote, ColumnType: d.ColumnType, ColumnTail: columnTail, InlineIndexes: true}
}

var (
	_ dialect.IndexInliner          = (*Dialect)(nil)
	_ dialect.StrictForeignKeyTypes = (*Dialect)(nil)
)

// StrictForeignKeyTypes is true: InnoDB refuses a foreign key whose
// integer type (size or sign) differs from its key's.
func (d *Dialect) StrictForeignKeyTypes() bool { return true }

// InlinesIndexes is true: CreateTable declares the table's indexes (see
// dialect.IndexInliner).
func (d *Dialect) InlinesIndexes() bool { return true }

// CreateTable returns CREATE TABLE for t (see dialect.TableWriter): columns
// in declaration order, a table-level PRIMARY KEY, a UNIQUE constraint per
// unique column, the table's indexes and the foreign keys md does not mark
// cyclic; the autoincrement column is AUTO_INCREMENT. The table is
// utf8mb4, whatever the server's or the database's default (see
// TableOptions).
func (d *Dialect) CreateTable(md *schema.MetaData, t *schema.Table) string {
	return d.writer().CreateTable(md, t) + " " + d.TableOptions()
}

// TableOptions returns the options CreateTable ends with: DEFAULT
// CHARSET=utf8mb4 and a utf8mb4 collation — the one of the DSN given to
// DriverDSN when it names a utf8mb4 collation, utf8mb4_unicode_ci (the
// collation DriverDSN gives the connection by default) otherwise. A table
// without them takes its database's default, which on a server configured
// for latin1 refuses anything beyond Western European text ("Incorrect
// string value"). A fixed collation, rather than the server's utf8mb4
// default (utf8mb4_general_ci on MariaDB 10, utf8mb4_uca1400_ai_ci on
// 11.5, utf8mb4_0900_ai_ci on MySQL 8), makes relm's tables compare
// strings alike on every server, and alike with the connection's
// literals and parameters, and joins between them never mix collations.
func (d *Dialect) TableOptions() string {
	coll := defaultCollation
	if c := d.collation.Load(); c != nil {
		coll = *c
	}
	return "DEFAULT CHARSET=utf8mb4 COLLATE=" + coll
}

// CreateIndex returns CREATE [UNIQUE] INDEX name ON table (columns).
func (d *Dialect) CreateIndex(t *schema.Table, ix *schema.Index) string {
	return d.writer().CreateIndex(t, ix)
}

// DropTable returns DROP TABLE for t.
func (d *Dialect) DropTable(t *schema.Table) string { return "DROP TABLE " + d.Quote(t.Name) }

// columnTail writes AUTO_INCREMENT for the generated key and the DEFAULT
// otherwise, CURRENT_TIMESTAMP as CURRENT_TIMESTAMP(6) on a DATETIME(6)
// column: MySQL and MariaDB reject a default whose fractional precision
// differs from the column's.
func columnTail(c *schema.Column) string {
	switch {
	case c.AutoIncrement:
		return " AUTO_INCREMENT"
	case c.Default == "":
		return ""
	case c.Type.Kind == schema.KindTime && strings.EqualFold(c.Default, "CURRENT_TIMESTAMP"):
		return " DEFAULT CURRENT_TIMESTAMP(6)"
	}
	return " DEFAULT " + c.Default
}

// AddForeignKey returns ALTER TABLE … ADD CONSTRAINT for a foreign key
// deferred because it closes a cycle, named by ForeignKeyName.
func (d *Dialect) AddForeignKey(t *schema.Table, fk *schema.ForeignKey) string {
	return d.writer().AddForeignKey(t, fk)
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

// ForeignKeyName is the name relm gives a foreign key it adds with ALTER
// TABLE (dialect.ForeignKeyName).
func ForeignKeyName(t *schema.Table, fk *schema.ForeignKey) string {
	return dialect.ForeignKeyName(t, fk)
}
