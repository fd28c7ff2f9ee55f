package relm

import (
	"context"
	"database/sql"
	"fmt"
	"unicode/utf8"
	"unsafe"

	"github.com/relmorm/relm/mapping"
)

// load runs a query whose result columns are m's fields in order and returns
// the object of each row. A row whose object is already in the session
// yields that object (unchanged: the session's version wins, as in
// SQLAlchemy); others become persistent objects with a snapshot.
func (s *Session) load(ctx context.Context, m *mapping.Mapper, query string, args []any) ([]unsafe.Pointer, error) {
	rows, err := s.executor().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
	}
	defer rows.Close()
	var out []unsafe.Pointer
	err = s.scanRows(rows, m, func(p unsafe.Pointer) { out = append(out, p) })
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
	}
	return out, nil
}

// scanRows scans every row of rows into a new object of m and passes the
// object that stands for that row (the identity map's, when it has one) to
// yield.
func (s *Session) scanRows(rows *sql.Rows, m *mapping.Mapper, yield func(unsafe.Pointer)) error {
	dest := make([]any, len(m.Fields))
	for rows.Next() {
		p := m.New()
		for i, f := range m.Fields {
			dest[i] = f.Addr(p)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan %s: %w", m.Name(), err)
		}
		obj, err := s.adopt(m, p)
		if err != nil {
			return err
		}
		yield(obj)
	}
	return nil
}

// StatementError is a failed statement: the operation, the mapped type or
// table, the object concerned when there is one, the SQL, and the driver's
// error (Unwrap).
type StatementError struct {
	Op     string // "insert", "update", "delete", "select", "link insert", "link delete"
	Type   string // the struct or table
	Object any    // the object whose row failed, when one row is concerned
	Key    any    // that object's primary key; nil for a row not inserted yet
	SQL    string
	Err    error
}

// Error describes the failed statement: operation, type, object (by key), driver error and SQL.
func (e *StatementError) Error() string {
	sqlText := e.SQL
	if len(sqlText) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(sqlText[cut]) {
			cut--
		}
		sqlText = sqlText[:cut] + "…"
	}
	// The object is named by its type and key, never printed whole: its
	// fields may hold secrets (a password) that must not reach a log.
	obj := ""
	switch {
	case e.Object != nil && e.Key != nil:
		obj = fmt.Sprintf(" (%T with key %v)", e.Object, e.Key)
	case e.Object != nil:
		obj = fmt.Sprintf(" (a new %T)", e.Object)
	}
	return fmt.Sprintf("relm: %s %s%s failed: %v [SQL: %s]", e.Op, e.Type, obj, e.Err, sqlText)
}

// Unwrap returns the driver's error; a constraint violation comes wrapped in
// a *ConstraintError naming the table and constraint (errors.go), so that
// errors.As and errors.Is find both.
func (e *StatementError) Unwrap() error {
	if ce := constraintOf(e.Err, e.SQL); ce != nil {
		return ce
	}
	return e.Err
}
