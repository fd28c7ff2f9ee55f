package blog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// ErrClash is returned (wrapped) by CheckSchema, and so by Seed, when the
// database has a table of one of the blog's names with other columns.
var ErrClash = errors.New("clashes with the blog's")

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

// CheckSchema compares each table of reg that already exists in the
// database with what reg expects of it — the same column names, and types
// of the same family and size — and returns a one-line error wrapping
// ErrClash that names the first table that differs and how. Tables that do
// not exist yet are fine: CreateAll makes them. It writes nothing.
func CheckSchema(ctx context.Context, db *relm.DB, reg *mapping.Registry) error {
	if err := reg.Configure(); err != nil {
		return err
	}
	d := db.Dialect()
	existing, err := d.TableNames(ctx, db)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, n := range existing {
		have[n] = true
	}
	tables, err := reg.MetaData().Sorted()
	if err != nil {
		return err
	}
	for _, t := range tables {
		if !have[t.Name] {
			continue
		}
		info, err := ddl.InspectTable(ctx, db, d, t.Name)
		if errors.Is(err, ddl.ErrNoTable) {
			continue
		}
		if err != nil {
			return err
		}
		if diffs := columnDiffs(t, info); len(diffs) > 0 {
			return fmt.Errorf("table %s already exists and %w: %s; drop it or use another database",
				t.Name, ErrClash, strings.Join(diffs, ", "))
		}
	}
	return nil
}

// columnDiffs lists how the live table differs from t.
func columnDiffs(t *schema.Table, info ddl.TableInfo) []string {
	var diffs []string
	for _, c := range t.Columns {
		live := info.Column(c.Name)
		if live == nil {
			diffs = append(diffs, "no column "+c.Name)
			continue
		}
		wantFam, wantSize := family(expectedType(c))
		gotFam, gotSize := family(live.Type)
		if wantFam != gotFam || (wantFam == "VARCHAR" && gotSize != wantSize) {
			diffs = append(diffs, fmt.Sprintf("column %s is %s, not %s", c.Name, live.Type, expectedType(c)))
		}
	}
	for _, live := range info.Columns {
		if t.Column(live.Name) == nil {
			diffs = append(diffs, "extra column "+live.Name)
		}
	}
	return diffs
}

// expectedType spells a column's type as the inspectors report it.
func expectedType(c *schema.Column) string {
	switch c.Type.Kind {
	case schema.KindInteger:
		return "INTEGER"
	case schema.KindBigInt:
		return "BIGINT"
	case schema.KindString:
		return fmt.Sprintf("VARCHAR(%d)", c.Type.Size)
	case schema.KindText:
		return "TEXT"
	}
	return strings.ToUpper(c.Type.String())
}

var sizeRE = regexp.MustCompile(`\((\d+)\)`)

// family reduces a type name to a family — INTEGER, VARCHAR (with its size),
// TEXT — so that the spellings of different databases compare equal.
func family(typ string) (string, int) {
	t := strings.ToUpper(strings.TrimSpace(typ))
	size := 0
	if m := sizeRE.FindStringSubmatch(t); m != nil {
		size, _ = strconv.Atoi(m[1])
	}
	switch {
	case strings.Contains(t, "INT") || strings.Contains(t, "SERIAL"):
		return "INTEGER", 0
	case strings.HasPrefix(t, "VARCHAR"), strings.HasPrefix(t, "CHARACTER VARYING"), strings.HasPrefix(t, "NVARCHAR"):
		return "VARCHAR", size
	case strings.HasSuffix(t, "TEXT"), t == "CLOB":
		return "TEXT", 0
	}
	return t, size
}
