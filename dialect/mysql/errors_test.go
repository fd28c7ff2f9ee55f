package mysql

import (
	"errors"
	"fmt"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/relmorm/relm/dialect"
)

func TestClassifyError(t *testing.T) {
	for _, c := range []struct {
		num                       uint16
		msg                       string
		kind                      dialect.ConstraintKind
		table, constraint, column string
	}{
		{1062, "Duplicate entry 'a@x' for key 'email'", dialect.Unique, "", "email", ""},
		{1062, "Duplicate entry 'a@x' for key 'users.email'", dialect.Unique, "users", "email", ""}, // MySQL 8
		{1062, "Duplicate entry 'it' for key 'x' for key 'PRIMARY'", dialect.Unique, "", "PRIMARY", ""},
		{1452, "Cannot add or update a child row: a foreign key constraint fails (`test`.`articles`, CONSTRAINT `articles_ibfk_1` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`))",
			dialect.ForeignKey, "articles", "articles_ibfk_1", "user_id"},
		{1451, "Cannot delete or update a parent row: a foreign key constraint fails (`db`.`a``b`, CONSTRAINT `fk` FOREIGN KEY (`x`, `y`) REFERENCES `p` (`x`, `y`))",
			dialect.ForeignKey, "a`b", "fk", ""},
		{1048, "Column 'nick' cannot be null", dialect.NotNull, "", "", "nick"},
		{1364, "Field 'nick' doesn't have a default value", dialect.NotNull, "", "", "nick"},
		{3819, "Check constraint 'positive' is violated.", dialect.Check, "", "positive", ""},
		{4025, "CONSTRAINT `positive` failed for `test`.`items`", dialect.Check, "items", "positive", ""},
	} {
		err := fmt.Errorf("wrapped: %w", &driver.MySQLError{Number: c.num, Message: c.msg})
		ce := ClassifyError(err)
		if ce == nil {
			t.Errorf("%d %q: not classified", c.num, c.msg)
			continue
		}
		if ce.Kind != c.kind || ce.Table != c.table || ce.Constraint != c.constraint || ce.Column != c.column {
			t.Errorf("%d %q: got %v %q %q %q, want %v %q %q %q", c.num, c.msg, ce.Kind, ce.Table, ce.Constraint, ce.Column,
				c.kind, c.table, c.constraint, c.column)
		}
		if !errors.Is(ce, c.kind.Sentinel()) || ce.Unwrap() != err {
			t.Errorf("%d: errors.Is(%v) or Unwrap fails", c.num, c.kind.Sentinel())
		}
	}
	for _, err := range []error{nil, errors.New("Duplicate entry 'x' for key 'y'"), &driver.MySQLError{Number: 1064, Message: "syntax"}} {
		if ce := ClassifyError(err); ce != nil {
			t.Errorf("ClassifyError(%v) = %v", err, ce)
		}
	}
}
