package blog

import (
	"context"
	"errors"
	"fmt"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/mapping"
)

// ErrClash is returned (wrapped) by CheckSchema, and so by Seed, when the
// database has a table of one of the blog's names that the blog cannot use.
var ErrClash = errors.New("the database has tables of the blog's names that are not the blog's")

// Counts returns the number of rows of every table of the database (not
// only the blog's), by table name: one SELECT COUNT(*) per table.
func Counts(ctx context.Context, db *relm.DB) (map[string]int64, error) {
	d := db.Dialect()
	names, err := d.TableNames(ctx, db)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(names))
	for _, name := range names {
		var n int64
		rows, err := db.QueryContext(ctx, "SELECT COUNT(*) FROM "+d.Quote(name))
		if err != nil {
			return nil, fmt.Errorf("count rows of %s: %w", name, err)
		}
		if rows.Next() {
			err = rows.Scan(&n)
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("count rows of %s: %w", name, err)
		}
		counts[name] = n
	}
	return counts, nil
}

// CheckSchema checks each table of reg that already exists in the database
// against the blog's model of it (mapping.Registry.CheckSchema: the same
// columns, types of the same family, the same nullability, no NOT NULL
// column the blog does not write) and returns a one-line error wrapping
// ErrClash and the *ddl.MismatchError that names every table and column
// that differs and the blog's field. Tables that do not exist yet are fine:
// CreateAll makes them. It writes nothing.
func CheckSchema(ctx context.Context, db *relm.DB, reg *mapping.Registry) error {
	err := reg.CheckSchema(ctx, db)
	if errors.Is(err, ddl.ErrSchemaMismatch) {
		return fmt.Errorf("%w: %w", ErrClash, err)
	}
	return err
}
