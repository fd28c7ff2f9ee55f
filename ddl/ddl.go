package ddl

import (
	"context"
	"errors"
	"fmt"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

// ErrNoTable is returned (wrapped) by InspectTable for a table that does not
// exist.
var ErrNoTable = errors.New("ddl: no such table")

// TableInfo is a table as the database reports it.
type TableInfo struct {
	Name        string
	Columns     []dialect.ColumnInfo
	Indexes     []dialect.IndexInfo
	ForeignKeys []dialect.ForeignKeyInfo
}

// Column returns the column called name, or nil.
func (t *TableInfo) Column(name string) *dialect.ColumnInfo {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// Index returns the index called name, or nil.
func (t *TableInfo) Index(name string) *dialect.IndexInfo {
	for i := range t.Indexes {
		if t.Indexes[i].Name == name {
			return &t.Indexes[i]
		}
	}
	return nil
}

// CreateAll creates the tables of md that do not exist yet, in dependency
// order, each followed by its indexes (declared inside CREATE TABLE on
// MySQL and MariaDB, see dialect.IndexInliner), and then adds the foreign keys that
// close a cycle (on the dialects that need ALTER TABLE for them) for the
// tables it created. Tables that exist are not altered, so CreateAll is
// idempotent: a second call issues no CREATE. But first it checks each of
// them against md (see Check) and, when one cannot serve md's writes or
// reads, returns a *MismatchError naming the tables, columns and
// differences before it creates anything. It is CreateAllWith without
// options.
func CreateAll(ctx context.Context, ex dialect.Executor, d dialect.Dialect, md *schema.MetaData) error {
	return CreateAllWith(ctx, ex, d, md, Options{})
}

// CreateAllWith is CreateAll with options: opts.Describe names the model
// fields behind the columns in the error's differences, and opts.Note
// receives the compatible ones (such as an INTEGER column where md has
// BIGINT), which do not stop it.
func CreateAllWith(ctx context.Context, ex dialect.Executor, d dialect.Dialect, md *schema.MetaData, opts Options) error {
	tables, err := md.Sorted()
	if err != nil {
		return fmt.Errorf("ddl: create all: %w", err)
	}
	existing, err := tableSet(ctx, ex, d)
	if err != nil {
		return fmt.Errorf("ddl: create all: %w", err)
	}
	if err := check(ctx, ex, d, tables, existing, opts); err != nil {
		return err
	}
	var created []*schema.Table
	for _, t := range tables {
		if existing[t.Name] {
			continue
		}
		if err := exec(ctx, ex, "create table", t.Name, d.CreateTable(md, t)); err != nil {
			return err
		}
		created = append(created, t)
		if ii, ok := d.(dialect.IndexInliner); ok && ii.InlinesIndexes() {
			continue // CREATE TABLE declared them
		}
		for _, ix := range t.AllIndexes() {
			if err := exec(ctx, ex, "create index "+ix.Name+" on", t.Name, d.CreateIndex(t, ix)); err != nil {
				return err
			}
		}
	}
	for _, t := range created {
		for _, fk := range t.ForeignKeys() {
			if !md.CyclicForeignKey(fk) {
				continue
			}
			if stmt := d.AddForeignKey(t, fk); stmt != "" {
				if err := exec(ctx, ex, "add foreign key to", t.Name, stmt); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// DropAll drops the tables of md that exist, children first: the foreign
// keys that close a cycle are dropped beforehand (where the dialect added
// them with ALTER TABLE), then the tables in reverse dependency order.
// Tables that do not exist are skipped.
func DropAll(ctx context.Context, ex dialect.Executor, d dialect.Dialect, md *schema.MetaData) error {
	tables, err := md.Sorted()
	if err != nil {
		return fmt.Errorf("ddl: drop all: %w", err)
	}
	existing, err := tableSet(ctx, ex, d)
	if err != nil {
		return fmt.Errorf("ddl: drop all: %w", err)
	}
	for _, t := range tables {
		if !existing[t.Name] {
			continue
		}
		for _, fk := range t.ForeignKeys() {
			if !md.CyclicForeignKey(fk) || !existing[fk.RefTable.Name] {
				continue
			}
			if stmt := d.DropForeignKey(t, fk); stmt != "" {
				if err := exec(ctx, ex, "drop foreign key of", t.Name, stmt); err != nil {
					return err
				}
			}
		}
	}
	for i := len(tables) - 1; i >= 0; i-- {
		t := tables[i]
		if !existing[t.Name] {
			continue
		}
		if err := exec(ctx, ex, "drop table", t.Name, d.DropTable(t)); err != nil {
			return err
		}
	}
	return nil
}

// Inspect returns every table of the connection's current database or
// schema, sorted by name.
func Inspect(ctx context.Context, ex dialect.Executor, d dialect.Dialect) ([]TableInfo, error) {
	names, err := d.TableNames(ctx, ex)
	if err != nil {
		return nil, fmt.Errorf("ddl: inspect: %w", err)
	}
	out := make([]TableInfo, 0, len(names))
	for _, name := range names {
		t, err := InspectTable(ctx, ex, d, name)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// InspectTable returns the table called name: its columns, indexes and
// foreign keys. A table that does not exist gives an error wrapping
// ErrNoTable.
func InspectTable(ctx context.Context, ex dialect.Executor, d dialect.Dialect, name string) (TableInfo, error) {
	t := TableInfo{Name: name}
	var err error
	if t.Columns, err = d.Columns(ctx, ex, name); err != nil {
		return TableInfo{}, fmt.Errorf("ddl: inspect table %q: %w", name, err)
	}
	if len(t.Columns) == 0 {
		return TableInfo{}, fmt.Errorf("%w: %q", ErrNoTable, name)
	}
	if t.Indexes, err = d.Indexes(ctx, ex, name); err != nil {
		return TableInfo{}, fmt.Errorf("ddl: inspect table %q: %w", name, err)
	}
	if t.ForeignKeys, err = d.ForeignKeys(ctx, ex, name); err != nil {
		return TableInfo{}, fmt.Errorf("ddl: inspect table %q: %w", name, err)
	}
	return t, nil
}

// tableSet reads the existing table names once.
func tableSet(ctx context.Context, ex dialect.Executor, d dialect.Dialect) (map[string]bool, error) {
	names, err := d.TableNames(ctx, ex)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set, nil
}

// exec runs one DDL statement, naming the table and the statement on
// failure.
func exec(ctx context.Context, ex dialect.Executor, what, table, stmt string) error {
	if _, err := ex.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("ddl: %s %q: %w (statement: %s)", what, table, err, stmt)
	}
	return nil
}
