package sqlite

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/relmorm/relm/dialect"
)

var _ dialect.ErrorClassifier = (*Dialect)(nil)

// ClassifyError calls the package function ClassifyError.
func (*Dialect) ClassifyError(err error) *dialect.ConstraintError { return ClassifyError(err) }

// ClassifyError recognizes a modernc.org/sqlite constraint violation by its
// extended result code (SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY,
// _FOREIGNKEY, _NOTNULL, _CHECK) and reads the table and columns from the
// message, "UNIQUE constraint failed: users.email". SQLite names no
// constraint: Constraint holds the columns as SQLite lists them for unique and
// NOT NULL violations and the constraint's name or expression for CHECK; a
// foreign-key violation names nothing. It returns nil for any other error.
func ClassifyError(err error) *dialect.ConstraintError {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	ce := &dialect.ConstraintError{Err: err}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		ce.Kind = dialect.Unique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		ce.Kind = dialect.ForeignKey
		return ce
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		ce.Kind = dialect.NotNull
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		ce.Kind = dialect.Check
	default:
		return nil
	}
	// "constraint failed: UNIQUE constraint failed: users.email, users.x (2067)"
	msg := se.Error()
	_, detail, ok := strings.Cut(msg, " constraint failed: ")
	if !ok {
		return ce
	}
	if i := strings.LastIndex(detail, " ("); i >= 0 && strings.HasSuffix(detail, ")") {
		detail = detail[:i]
	}
	if ce.Kind == dialect.Check {
		ce.Constraint = detail
		return ce
	}
	ce.Constraint = detail
	first, _, _ := strings.Cut(detail, ", ")
	if i := strings.LastIndexByte(first, '.'); i > 0 {
		table, col := first[:i], first[i+1:]
		ce.Table = table
		if !strings.Contains(detail, ", ") {
			ce.Column = col
		}
	}
	return ce
}
