package sqlite

import (
	"context"
	"fmt"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

var (
	_ dialect.Alterer         = (*Dialect)(nil)
	_ dialect.UniqueInspector = (*Dialect)(nil)
)

// ColumnDef returns c's definition as CREATE TABLE writes it.
func (d *Dialect) ColumnDef(c *schema.Column) dialect.ColumnDef { return d.writer().ColumnDef(c) }

// AddColumn returns ALTER TABLE … ADD COLUMN. SQLite refuses it for a
// NOT NULL column without a default, and for a default that is not a
// constant; migrate rebuilds the table then.
func (d *Dialect) AddColumn(table string, c dialect.ColumnDef) string {
	return "ALTER TABLE " + d.Quote(table) + " ADD COLUMN " + d.writer().ColumnDefinition(c, "")
}

// DropColumn returns ALTER TABLE … DROP COLUMN (SQLite 3.35), which SQLite
// refuses for a column in a key, an index or a constraint; migrate
// rebuilds the table then.
func (d *Dialect) DropColumn(table, column string) string {
	return "ALTER TABLE " + d.Quote(table) + " DROP COLUMN " + d.Quote(column)
}

// RenameColumn returns ALTER TABLE … RENAME COLUMN … TO … (SQLite 3.25),
// which also renames the column in the table's indexes and in the foreign
// keys that refer to it.
func (d *Dialect) RenameColumn(table, from, to string) string {
	return "ALTER TABLE " + d.Quote(table) + " RENAME COLUMN " + d.Quote(from) + " TO " + d.Quote(to)
}

// AlterColumn returns nil: SQLite cannot change a column in place, and
// migrate rebuilds the table (see package migrate).
func (*Dialect) AlterColumn(string, dialect.ColumnDef, dialect.ColumnDef) []string { return nil }

// DropIndex returns DROP INDEX.
func (d *Dialect) DropIndex(_, name string) string { return "DROP INDEX " + d.Quote(name) }

// AddUnique returns "": SQLite cannot add a constraint to a table.
func (*Dialect) AddUnique(string, string, []string) string { return "" }

// DropUnique returns "": SQLite cannot drop a constraint of a table.
func (*Dialect) DropUnique(string, string) string { return "" }

// DropForeignKeyNamed returns "": SQLite cannot drop a constraint of a
// table.
func (*Dialect) DropForeignKeyNamed(string, string) string { return "" }

// UniqueConstraints returns the UNIQUE constraints declared in table's
// CREATE TABLE (the sqlite_autoindex_* indexes behind them), sorted by
// name.
func (*Dialect) UniqueConstraints(ctx context.Context, q dialect.Executor, table string) ([]dialect.IndexInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT il.name, ii.name
FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii
WHERE il.origin = 'u'
ORDER BY il.name, ii.seqno`, table)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unique constraints of %q: %w", table, err)
	}
	defer rows.Close()
	var out []dialect.IndexInfo
	for rows.Next() {
		var name, col string
		if err := rows.Scan(&name, &col); err != nil {
			return nil, fmt.Errorf("sqlite: unique constraints of %q: %w", table, err)
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, dialect.IndexInfo{Name: name, Unique: true})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: unique constraints of %q: %w", table, err)
	}
	return out, nil
}
