package relm

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/relmorm/relm/mapping"
)

// Raw runs hand-written SQL and maps its rows onto T by column name (each
// result column must be a column of T's table; order does not matter). Use
// placeholders for values — the dialect's own (? or $1) — never string
// formatting. When the result holds every column of T, the objects go
// through the identity map and are tracked like loaded ones; with only some
// columns they are returned untracked, since the session cannot know the
// rest of the row.
func Raw[T any](ctx context.Context, s *Session, query string, args ...any) ([]*T, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if err := s.check(); err != nil {
		return nil, err
	}
	m, err := s.reg.MapperOf(reflect.TypeFor[T]())
	if err != nil {
		return nil, fmt.Errorf("%w: Raw[%s]: %w", ErrBadQuery, reflect.TypeFor[T](), err)
	}
	mapping.InstallOps[T](m)
	rows, err := s.executor().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
	}
	fields := make([]*mapping.Field, len(cols))
	seen := map[*mapping.Field]bool{}
	for i, c := range cols {
		f := m.FieldByColumn(c)
		if f == nil {
			f = m.FieldByColumn(strings.ToLower(c))
		}
		if f == nil {
			_, lerr := m.LookupField(c)
			return nil, fmt.Errorf("%w: Raw: result column %q maps to no field of %s: %v", ErrBadQuery, c, m.Name(), lerr)
		}
		if seen[f] {
			return nil, fmt.Errorf("%w: Raw: result column %q appears twice", ErrBadQuery, c)
		}
		seen[f] = true
		fields[i] = f
	}
	complete := len(seen) == len(m.Fields)
	dest := make([]any, len(cols))
	var out []*T
	sd := newScanDests(fields, rows)
	for rows.Next() {
		p := m.New()
		sd.set(dest, fields, p)
		if err := rows.Scan(dest...); err != nil {
			return nil, &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
		}
		if complete {
			if p, err = s.adopt(m, p); err != nil {
				return nil, &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
			}
		}
		out = append(out, (*T)(p))
	}
	if err := rows.Err(); err != nil {
		return nil, &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
	}
	return out, nil
}
