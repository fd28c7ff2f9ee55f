package mysql

import (
	"errors"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/relmorm/relm/dialect"
)

var _ dialect.ErrorClassifier = (*Dialect)(nil)

// ClassifyError calls the package function ClassifyError.
func (*Dialect) ClassifyError(err error) *dialect.ConstraintError { return ClassifyError(err) }

// The server error numbers ClassifyError recognizes.
const (
	erDupEntry            = 1062 // Duplicate entry '%s' for key '%s'
	erDupEntryWithKeyName = 1586 // Duplicate entry '%s' for key '%s' (with a key name)
	erRowIsReferenced     = 1451 // Cannot delete or update a parent row: a foreign key constraint fails (…)
	erNoReferencedRow     = 1452 // Cannot add or update a child row: a foreign key constraint fails (…)
	erRowIsReferenced2    = 1217 // the same, without details (older servers)
	erNoReferencedRow2    = 1216
	erBadNull             = 1048 // Column '%s' cannot be null
	erNoDefaultForField   = 1364 // Field '%s' doesn't have a default value
	erCheckViolated       = 3819 // MySQL: Check constraint '%s' is violated.
	erConstraintFailed    = 4025 // MariaDB: CONSTRAINT `%s` failed for `db`.`table`
)

// ClassifyError recognizes a go-sql-driver/mysql *MySQLError that reports
// an integrity-constraint violation — 1062 duplicate entry, 1451/1452 foreign
// key, 1048 column cannot be null, 3819 (MySQL) or 4025 (MariaDB) check — and
// reads the constraint, table and column from the message where the server
// names them (a duplicate entry names the key, which MySQL 8 prefixes with the
// table and MariaDB does not; a NULL names the column only). It returns nil
// for any other error.
func ClassifyError(err error) *dialect.ConstraintError {
	var me *driver.MySQLError
	if !errors.As(err, &me) {
		return nil
	}
	ce := &dialect.ConstraintError{Err: err}
	msg := me.Message
	switch me.Number {
	case erDupEntry, erDupEntryWithKeyName:
		ce.Kind = dialect.Unique
		// The entry may hold anything, " for key '" included: read from the end.
		if i := strings.LastIndex(msg, " for key '"); i >= 0 {
			key := strings.TrimSuffix(msg[i+len(" for key '"):], "'")
			if t, k, ok := strings.Cut(key, "."); ok && t != "" && k != "" {
				ce.Table, key = t, k // MySQL 8.0.19+: 'table.key'
			}
			ce.Constraint = key
		}
	case erRowIsReferenced, erNoReferencedRow, erRowIsReferenced2, erNoReferencedRow2:
		ce.Kind = dialect.ForeignKey
		// … fails (`db`.`child`, CONSTRAINT `name` FOREIGN KEY (`col`) REFERENCES `parent` (`id`))
		if _, rest, ok := strings.Cut(msg, "fails ("); ok {
			names, rest := backticked(rest, 2)
			if len(names) == 2 {
				ce.Table = names[1]
			}
			if _, rest, ok = strings.Cut(rest, "CONSTRAINT "); ok {
				names, rest = backticked(rest, 1)
				if len(names) == 1 {
					ce.Constraint = names[0]
				}
				if _, rest, ok = strings.Cut(rest, "FOREIGN KEY ("); ok {
					// One column only: a composite key names no single column.
					if names, rest = backticked(rest, 1); len(names) == 1 && strings.HasPrefix(rest, ")") {
						ce.Column = names[0]
					}
				}
			}
		}
	case erBadNull, erNoDefaultForField:
		ce.Kind = dialect.NotNull
		if _, rest, ok := strings.Cut(msg, "'"); ok {
			if col, _, ok := strings.Cut(rest, "'"); ok {
				ce.Column = col
			}
		}
	case erCheckViolated:
		ce.Kind = dialect.Check
		if _, rest, ok := strings.Cut(msg, "'"); ok {
			ce.Constraint, _, _ = strings.Cut(rest, "'")
		}
	case erConstraintFailed:
		ce.Kind = dialect.Check
		// CONSTRAINT `name` failed for `db`.`table`
		names, rest := backticked(strings.TrimPrefix(msg, "CONSTRAINT "), 1)
		if len(names) == 1 {
			ce.Constraint = names[0]
		}
		if _, rest, ok := strings.Cut(rest, " for "); ok {
			if names, _ := backticked(rest, 2); len(names) == 2 {
				ce.Table = names[1]
			}
		}
	default:
		return nil
	}
	return ce
}

// backticked reads up to n backtick-quoted names from the start of s,
// separated by dots, and returns them with the rest of s. A doubled
// backtick inside a name stands for one.
func backticked(s string, n int) ([]string, string) {
	var names []string
	for len(names) < n && strings.HasPrefix(s, "`") {
		var b strings.Builder
		i := 1
		for i < len(s) {
			if s[i] == '`' {
				if i+1 < len(s) && s[i+1] == '`' {
					b.WriteByte('`')
					i += 2
					continue
				}
				break
			}
			b.WriteByte(s[i])
			i++
		}
		if i >= len(s) {
			return names, s // unterminated
		}
		names = append(names, b.String())
		s = s[i+1:]
		if len(names) < n && strings.HasPrefix(s, ".") {
			s = s[1:]
			continue
		}
		break
	}
	return names, s
}
