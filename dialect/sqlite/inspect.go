package sqlite

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/relmorm/relm/dialect"
)

// TableNames returns the names of the database's tables, sorted, leaving out
// SQLite's own (sqlite_sequence, sqlite_stat1, …).
func (*Dialect) TableNames(ctx context.Context, q dialect.Executor) ([]string, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlite: list tables: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list tables: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// Columns returns table's columns in declaration order, each with its
// declared type in upper case ("INTEGER", "VARCHAR(64)"). A missing table has
// no columns.
func (*Dialect) Columns(ctx context.Context, q dialect.Executor, table string) ([]dialect.ColumnInfo, error) {
	// table_xinfo also lists generated columns (hidden 2 and 3; 1 is a
	// virtual table's hidden column, not a column of an ordinary table).
	rows, err := q.QueryContext(ctx,
		`SELECT name, type, "notnull", pk, COALESCE(dflt_value, ''), hidden FROM pragma_table_xinfo(?) WHERE hidden <> 1 ORDER BY cid`, table)
	if err != nil {
		return nil, fmt.Errorf("sqlite: columns of %q: %w", table, err)
	}
	defer rows.Close()
	var (
		cols   []dialect.ColumnInfo
		pkCols int
	)
	for rows.Next() {
		var (
			c          dialect.ColumnInfo
			notNull    bool
			pk, hidden int
		)
		if err := rows.Scan(&c.Name, &c.Type, &notNull, &pk, &c.Default, &hidden); err != nil {
			return nil, fmt.Errorf("sqlite: columns of %q: %w", table, err)
		}
		c.Type = strings.ToUpper(strings.TrimSpace(c.Type))
		c.Nullable = !notNull
		c.PrimaryKey = pk > 0
		c.Generated = hidden >= 2
		if c.PrimaryKey {
			pkCols++
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: columns of %q: %w", table, err)
	}
	// A single-column primary key of type INTEGER, exactly, is the rowid
	// (unless the table is WITHOUT ROWID, which relm never creates and
	// this does not tell apart): SQLite assigns it.
	for i := range cols {
		if pkCols == 1 && cols[i].PrimaryKey && cols[i].Type == "INTEGER" {
			cols[i].Generated = true
		}
	}
	return cols, nil
}

// Indexes returns the indexes created with CREATE INDEX on table, sorted by
// name; the sqlite_autoindex_* indexes that back PRIMARY KEY and UNIQUE
// constraints are left out.
func (*Dialect) Indexes(ctx context.Context, q dialect.Executor, table string) ([]dialect.IndexInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT il.name, il."unique", ii.name
FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii
WHERE il.origin = 'c'
ORDER BY il.name, ii.seqno`, table)
	if err != nil {
		return nil, fmt.Errorf("sqlite: indexes of %q: %w", table, err)
	}
	defer rows.Close()
	var out []dialect.IndexInfo
	for rows.Next() {
		var (
			name, col string
			unique    bool
		)
		if err := rows.Scan(&name, &unique, &col); err != nil {
			return nil, fmt.Errorf("sqlite: indexes of %q: %w", table, err)
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, dialect.IndexInfo{Name: name, Unique: unique})
		}
		last := &out[len(out)-1]
		last.Columns = append(last.Columns, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: indexes of %q: %w", table, err)
	}
	return out, nil
}

// ForeignKeys returns table's foreign keys in the order of their first
// column, with ON DELETE / ON UPDATE in upper case ("NO ACTION" when none
// was given).
func (*Dialect) ForeignKeys(ctx context.Context, q dialect.Executor, table string) ([]dialect.ForeignKeyInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.id, f."table", f."from", COALESCE(f."to", ''), f.on_update, f.on_delete, COALESCE(c.cid, -1)
FROM pragma_foreign_key_list(?1) AS f LEFT JOIN pragma_table_info(?1) AS c ON c.name = f."from"
ORDER BY f.id, f.seq`, table)
	if err != nil {
		return nil, fmt.Errorf("sqlite: foreign keys of %q: %w", table, err)
	}
	defer rows.Close()
	type fkRow struct {
		fk  dialect.ForeignKeyInfo
		id  int
		cid int // ordinal of the first column
	}
	var fks []*fkRow
	for rows.Next() {
		var (
			id, cid                 int
			ref, from, to, upd, del string
		)
		if err := rows.Scan(&id, &ref, &from, &to, &upd, &del, &cid); err != nil {
			return nil, fmt.Errorf("sqlite: foreign keys of %q: %w", table, err)
		}
		if len(fks) == 0 || fks[len(fks)-1].id != id {
			fks = append(fks, &fkRow{id: id, cid: cid, fk: dialect.ForeignKeyInfo{
				RefTable: ref, OnDelete: action(del), OnUpdate: action(upd),
			}})
		}
		last := fks[len(fks)-1]
		last.fk.Columns = append(last.fk.Columns, from)
		last.fk.RefColumns = append(last.fk.RefColumns, to)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: foreign keys of %q: %w", table, err)
	}
	sort.SliceStable(fks, func(i, j int) bool { return fks[i].cid < fks[j].cid })
	out := make([]dialect.ForeignKeyInfo, len(fks))
	for i, r := range fks {
		out[i] = r.fk
	}
	return out, nil
}

func action(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "NO ACTION"
	}
	return s
}
