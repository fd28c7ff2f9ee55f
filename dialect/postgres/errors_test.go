package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/relmorm/relm/dialect"
)

func TestClassifyError(t *testing.T) {
	for code, kind := range map[string]dialect.ConstraintKind{
		"23505": dialect.Unique, "23503": dialect.ForeignKey, "23502": dialect.NotNull, "23514": dialect.Check,
	} {
		pe := &pgconn.PgError{Code: code, TableName: "users", ConstraintName: "users_email_key", ColumnName: "email"}
		err := fmt.Errorf("wrapped: %w", pe)
		ce := ClassifyError(err)
		if ce == nil || ce.Kind != kind || ce.Table != "users" || ce.Constraint != "users_email_key" || ce.Column != "email" {
			t.Errorf("%s: %+v", code, ce)
			continue
		}
		if !errors.Is(ce, kind.Sentinel()) {
			t.Errorf("%s: errors.Is(%v) false", code, kind.Sentinel())
		}
		var back *pgconn.PgError
		if !errors.As(ce, &back) || back != pe {
			t.Errorf("%s: the PgError is not reachable", code)
		}
	}
	for _, err := range []error{nil, errors.New("23505"), &pgconn.PgError{Code: "42601"}} {
		if ce := ClassifyError(err); ce != nil {
			t.Errorf("ClassifyError(%v) = %v", err, ce)
		}
	}
}
