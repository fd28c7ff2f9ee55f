package relm

import (
	"errors"
	"strings"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/dialect/sqlite"
)

// ConstraintError is an integrity-constraint violation (unique, foreign
// key, NOT NULL, check) reported by the database: its kind and, as far as
// the database names them, the table, constraint and column. Errors returned
// by Session.Flush and Session.Commit (and every *StatementError) reveal one
// to errors.As:
//
//	var ce *relm.ConstraintError
//	if errors.As(err, &ce) && ce.Kind == dialect.Unique {
//		// ce.Table, ce.Constraint, ce.Column
//	}
//
// and match the sentinels with errors.Is: errors.Is(err, relm.ErrUnique).
type ConstraintError = dialect.ConstraintError

// ConstraintKind is the kind of a ConstraintError: dialect.Unique,
// dialect.ForeignKey, dialect.NotNull or dialect.Check.
type ConstraintKind = dialect.ConstraintKind

// Sentinels for errors.Is, one per constraint kind.
var (
	ErrUnique     = dialect.ErrUnique
	ErrForeignKey = dialect.ErrForeignKey
	ErrNotNull    = dialect.ErrNotNull
	ErrCheck      = dialect.ErrCheck
)

// classifiers are the built-in dialects' classifiers. Each recognizes only
// its own driver's error type, so trying all of them needs no dialect.
var classifiers = []func(error) *dialect.ConstraintError{
	sqlite.ClassifyError, postgres.ClassifyError, mysql.ClassifyError,
}

// ClassifyError returns the constraint violation err reports — err being a
// driver error from SQLite, PostgreSQL or MySQL/MariaDB, or an error wrapping
// one — or nil. Errors from a session already carry it (see
// ConstraintError); ClassifyError serves errors from a program's own
// statements.
func ClassifyError(err error) *ConstraintError {
	if err == nil {
		return nil
	}
	var ce *ConstraintError
	if errors.As(err, &ce) {
		return ce
	}
	for _, classify := range classifiers {
		if ce := classify(err); ce != nil {
			return ce
		}
	}
	return nil
}

// constraintOf classifies the driver error of a failed statement, filling
// the table from the statement when the database did not name it. It
// returns nil when the error is no constraint violation or already holds a
// *ConstraintError.
func constraintOf(err error, query string) *ConstraintError {
	if err == nil {
		return nil
	}
	var have *ConstraintError
	if errors.As(err, &have) {
		return nil
	}
	for _, classify := range classifiers {
		if ce := classify(err); ce != nil {
			if ce.Table == "" {
				ce.Table = statementTable(query)
			}
			return ce
		}
	}
	return nil
}

// statementTable returns the table an INSERT INTO, UPDATE or DELETE FROM
// statement writes, unquoted, or "".
func statementTable(query string) string {
	q := strings.TrimSpace(query)
	for _, verb := range []string{"INSERT INTO ", "UPDATE ", "DELETE FROM "} {
		if len(q) >= len(verb) && strings.EqualFold(q[:len(verb)], verb) {
			return leadingIdent(strings.TrimSpace(q[len(verb):]))
		}
	}
	return ""
}

// leadingIdent reads the identifier at the start of s: quoted with " or `
// (a doubled quote inside standing for one), or bare up to a space or (.
func leadingIdent(s string) string {
	if s == "" {
		return ""
	}
	if c := s[0]; c == '"' || c == '`' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == c {
				if i+1 < len(s) && s[i+1] == c {
					b.WriteByte(c)
					i++
					continue
				}
				return b.String()
			}
			b.WriteByte(s[i])
		}
		return ""
	}
	if i := strings.IndexAny(s, " (\t\n"); i >= 0 {
		return s[:i]
	}
	return s
}
