package postgres

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

// ColumnDef returns c's definition as CREATE TABLE writes it, SERIAL as
// the integer it is.
func (d *Dialect) ColumnDef(c *schema.Column) dialect.ColumnDef { return d.writer().ColumnDef(c) }

// AddColumn returns ALTER TABLE … ADD COLUMN.
func (d *Dialect) AddColumn(table string, c dialect.ColumnDef) string {
	return "ALTER TABLE " + d.Quote(table) + " ADD COLUMN " + d.writer().ColumnDefinition(c, "")
}

// DropColumn returns ALTER TABLE … DROP COLUMN.
func (d *Dialect) DropColumn(table, column string) string {
	return "ALTER TABLE " + d.Quote(table) + " DROP COLUMN " + d.Quote(column)
}

// RenameColumn returns ALTER TABLE … RENAME COLUMN … TO ….
func (d *Dialect) RenameColumn(table, from, to string) string {
	return "ALTER TABLE " + d.Quote(table) + " RENAME COLUMN " + d.Quote(from) + " TO " + d.Quote(to)
}

// AlterColumn returns one ALTER TABLE … ALTER COLUMN per part that
// differs: TYPE (with USING, converting the values), SET or DROP NOT
// NULL, SET or DROP DEFAULT. A default is dropped before the type
// changes and set after it, since PostgreSQL cannot always cast it. A
// generated column's default (its sequence) is left alone.
func (d *Dialect) AlterColumn(table string, from, to dialect.ColumnDef) []string {
	pre := "ALTER TABLE " + d.Quote(table) + " ALTER COLUMN " + d.Quote(to.Name)
	var out []string
	hasDefault := from.Default != "" && !from.AutoIncrement
	if from.Type != to.Type {
		if hasDefault {
			out = append(out, pre+" DROP DEFAULT")
			hasDefault = false
		}
		out = append(out, fmt.Sprintf("%s TYPE %s USING %s::%s", pre, to.Type, d.Quote(to.Name), to.Type))
	}
	if from.NotNull != to.NotNull {
		if to.NotNull {
			out = append(out, pre+" SET NOT NULL")
		} else {
			out = append(out, pre+" DROP NOT NULL")
		}
	}
	if !to.AutoIncrement && !from.AutoIncrement {
		switch {
		case to.Default == "" && hasDefault:
			out = append(out, pre+" DROP DEFAULT")
		case to.Default != "" && (!hasDefault || from.Default != to.Default):
			out = append(out, pre+" SET DEFAULT "+to.Default)
		}
	}
	return out
}

// DropIndex returns DROP INDEX (PostgreSQL's index names are per schema).
func (d *Dialect) DropIndex(_, name string) string { return "DROP INDEX " + d.Quote(name) }

// AddUnique returns ALTER TABLE … ADD CONSTRAINT name UNIQUE (columns).
func (d *Dialect) AddUnique(table, name string, columns []string) string {
	return "ALTER TABLE " + d.Quote(table) + " ADD CONSTRAINT " + d.Quote(name) + " UNIQUE (" + d.writer().ColumnList(columns) + ")"
}

// DropUnique returns ALTER TABLE … DROP CONSTRAINT name.
func (d *Dialect) DropUnique(table, name string) string {
	return "ALTER TABLE " + d.Quote(table) + " DROP CONSTRAINT " + d.Quote(name)
}

// DropForeignKeyNamed returns ALTER TABLE … DROP CONSTRAINT name.
func (d *Dialect) DropForeignKeyNamed(table, name string) string {
	return "ALTER TABLE " + d.Quote(table) + " DROP CONSTRAINT " + d.Quote(name)
}

// UniqueConstraints returns table's UNIQUE constraints, sorted by name.
func (*Dialect) UniqueConstraints(ctx context.Context, q dialect.Executor, table string) ([]dialect.IndexInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT con.conname, a.attname
FROM pg_catalog.pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(col, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col
`+fmt.Sprintf(tableJoin, "con.conrelid")+`
AND con.contype = 'u'
ORDER BY con.conname, k.ord`, table)
	if err != nil {
		return nil, fmt.Errorf("postgres: unique constraints of %q: %w", table, err)
	}
	defer rows.Close()
	var out []dialect.IndexInfo
	for rows.Next() {
		var name, col string
		if err := rows.Scan(&name, &col); err != nil {
			return nil, fmt.Errorf("postgres: unique constraints of %q: %w", table, err)
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, dialect.IndexInfo{Name: name, Unique: true})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: unique constraints of %q: %w", table, err)
	}
	return out, nil
}
