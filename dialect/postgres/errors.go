package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/relmorm/relm/dialect"
)

var _ dialect.ErrorClassifier = (*Dialect)(nil)

// ClassifyError calls the package function ClassifyError.
func (*Dialect) ClassifyError(err error) *dialect.ConstraintError { return ClassifyError(err) }

// ClassifyError recognizes a pgx *pgconn.PgError whose SQLSTATE is an
// integrity-constraint violation — 23505 unique, 23503 foreign key, 23502 not
// null, 23514 check — and takes the table, constraint and column from the
// error's fields. It returns nil for any other error.
func ClassifyError(err error) *dialect.ConstraintError {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil
	}
	var kind dialect.ConstraintKind
	switch pe.Code {
	case "23505":
		kind = dialect.Unique
	case "23503":
		kind = dialect.ForeignKey
	case "23502":
		kind = dialect.NotNull
	case "23514":
		kind = dialect.Check
	default:
		return nil
	}
	return &dialect.ConstraintError{Kind: kind, Table: pe.TableName, Constraint: pe.ConstraintName, Column: pe.ColumnName, Err: err}
}
