package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/relmorm/relm/dialect"
)

// TableNames returns the names of the base tables of DATABASE(), sorted.
func (*Dialect) TableNames(ctx context.Context, q dialect.Executor) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'`)
	if err != nil {
		return nil, fmt.Errorf("mysql: list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("mysql: list tables: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mysql: list tables: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// Columns returns table's columns in ordinal order, with types normalized
// by NormalizeType ("int(11)" → "INTEGER"), their defaults, and
// AUTO_INCREMENT and generated columns marked Generated. A missing table has
// no columns.
func (*Dialect) Columns(ctx context.Context, q dialect.Executor, table string) ([]dialect.ColumnInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_DEFAULT, EXTRA
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
ORDER BY ORDINAL_POSITION`, table)
	if err != nil {
		return nil, fmt.Errorf("mysql: columns of %q: %w", table, err)
	}
	defer rows.Close()
	var cols []dialect.ColumnInfo
	for rows.Next() {
		var (
			c                       dialect.ColumnInfo
			nullable, colKey, extra string
			def                     sql.NullString
		)
		if err := rows.Scan(&c.Name, &c.Type, &nullable, &colKey, &def, &extra); err != nil {
			return nil, fmt.Errorf("mysql: columns of %q: %w", table, err)
		}
		c.Type = NormalizeType(c.Type)
		c.Nullable = nullable == "YES"
		c.PrimaryKey = colKey == "PRI"
		// MariaDB reports a nullable column's implicit default as the
		// text NULL, MySQL as SQL NULL.
		if def.Valid && !(c.Nullable && strings.EqualFold(def.String, "NULL")) {
			c.Default = def.String
		}
		extra = strings.ToUpper(extra)
		c.Generated = strings.Contains(extra, "AUTO_INCREMENT") || strings.Contains(extra, "GENERATED")
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mysql: columns of %q: %w", table, err)
	}
	return cols, nil
}

// NormalizeType turns information_schema's COLUMN_TYPE into the spelling
// CREATE TABLE uses, upper case: integer display widths are dropped
// ("int(11)" → "INTEGER", "bigint(20)" → "BIGINT"), "tinyint(1)" is "BOOL",
// and UNSIGNED / ZEROFILL are kept as suffixes.
func NormalizeType(t string) string {
	fields := strings.Fields(strings.ToLower(t))
	if len(fields) == 0 {
		return ""
	}
	base, rest := fields[0], fields[1:]
	name, args, _ := strings.Cut(base, "(")
	switch name {
	case "int", "integer":
		base = "integer"
	case "bigint", "smallint", "mediumint":
		base = name
	case "tinyint":
		if args == "1)" {
			base = "bool"
		} else {
			base = name
		}
	}
	if len(rest) > 0 {
		base += " " + strings.Join(rest, " ")
	}
	return strings.ToUpper(base)
}

// Indexes returns table's indexes, sorted by name, with their columns in
// order. PRIMARY is left out, and so are the indexes InnoDB creates by itself
// for a foreign key: non-unique, over exactly the key's columns, and named
// after the constraint, or after its first column when the constraint was
// declared without a name. UNIQUE constraints are unique indexes on MySQL
// and are listed.
func (d *Dialect) Indexes(ctx context.Context, q dialect.Executor, table string) ([]dialect.IndexInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'
ORDER BY INDEX_NAME, SEQ_IN_INDEX`, table)
	if err != nil {
		return nil, fmt.Errorf("mysql: indexes of %q: %w", table, err)
	}
	var out []dialect.IndexInfo
	for rows.Next() {
		var (
			name, col string
			nonUnique int
		)
		if err := rows.Scan(&name, &nonUnique, &col); err != nil {
			rows.Close()
			return nil, fmt.Errorf("mysql: indexes of %q: %w", table, err)
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, dialect.IndexInfo{Name: name, Unique: nonUnique == 0})
		}
		last := &out[len(out)-1]
		last.Columns = append(last.Columns, col)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mysql: indexes of %q: %w", table, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	fks, err := d.foreignKeys(ctx, q, table)
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, ix := range out {
		if !implicitFKIndex(ix, fks) {
			kept = append(kept, ix)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Name < kept[j].Name })
	if len(kept) == 0 {
		return nil, nil
	}
	return kept, nil
}

// implicitFKIndex reports whether ix is an index InnoDB created to support
// one of fks: InnoDB names it after the constraint, or, for a constraint
// declared without a name, after the first column (with _2, _3, … when that
// name is taken).
func implicitFKIndex(ix dialect.IndexInfo, fks []namedFK) bool {
	if ix.Unique {
		return false
	}
	for _, fk := range fks {
		if !equalStrings(ix.Columns, fk.Columns) {
			continue
		}
		if strings.EqualFold(ix.Name, fk.name) || strings.EqualFold(ix.Name, fk.Columns[0]) {
			return true
		}
		if i := strings.LastIndexByte(ix.Name, '_'); i > 0 && strings.EqualFold(ix.Name[:i], fk.Columns[0]) {
			if _, err := strconv.Atoi(ix.Name[i+1:]); err == nil {
				return true
			}
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// namedFK is a foreign key with its constraint name.
type namedFK struct {
	dialect.ForeignKeyInfo
	name    string
	ordinal int // ordinal position of the first column in the table
}

// ForeignKeys returns table's foreign keys in the order of their first
// column, with ON DELETE / ON UPDATE in upper case. RESTRICT, which MariaDB
// reports for a key declared without an action, is reported as the
// equivalent "NO ACTION".
func (d *Dialect) ForeignKeys(ctx context.Context, q dialect.Executor, table string) ([]dialect.ForeignKeyInfo, error) {
	fks, err := d.foreignKeys(ctx, q, table)
	if err != nil || len(fks) == 0 {
		return nil, err
	}
	out := make([]dialect.ForeignKeyInfo, len(fks))
	for i, fk := range fks {
		out[i] = fk.ForeignKeyInfo
		out[i].Name = fk.name
	}
	return out, nil
}

func (*Dialect) foreignKeys(ctx context.Context, q dialect.Executor, table string) ([]namedFK, error) {
	rows, err := q.QueryContext(ctx, `SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
	r.DELETE_RULE, r.UPDATE_RULE, c.ORDINAL_POSITION
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
	ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
JOIN information_schema.COLUMNS c
	ON c.TABLE_SCHEMA = k.TABLE_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.COLUMN_NAME = k.COLUMN_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION`, table)
	if err != nil {
		return nil, fmt.Errorf("mysql: foreign keys of %q: %w", table, err)
	}
	defer rows.Close()
	var out []namedFK
	for rows.Next() {
		var (
			name, col, ref, refCol, del, upd string
			ordinal                          int
		)
		if err := rows.Scan(&name, &col, &ref, &refCol, &del, &upd, &ordinal); err != nil {
			return nil, fmt.Errorf("mysql: foreign keys of %q: %w", table, err)
		}
		if len(out) == 0 || out[len(out)-1].name != name {
			out = append(out, namedFK{name: name, ordinal: ordinal, ForeignKeyInfo: dialect.ForeignKeyInfo{
				RefTable: ref, OnDelete: action(del), OnUpdate: action(upd),
			}})
		}
		last := &out[len(out)-1]
		last.Columns = append(last.Columns, col)
		last.RefColumns = append(last.RefColumns, refCol)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mysql: foreign keys of %q: %w", table, err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ordinal < out[j].ordinal })
	return out, nil
}

func action(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" || s == "RESTRICT" {
		return "NO ACTION"
	}
	return s
}
