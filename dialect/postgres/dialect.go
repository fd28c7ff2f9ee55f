package postgres

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/relmorm/relm/dialect"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Dialect is PostgreSQL's spelling of SQL. It holds no state but its
// settings; one value can be shared by any number of databases and
// goroutines.
type Dialect struct {
	// BulkBytes bounds the arguments of one bulk INSERT (the arrays of
	// BulkInsert): past it a table's rows go on in another statement.
	// Zero means DefaultBulkBytes.
	BulkBytes int
}

var _ dialect.Dialect = (*Dialect)(nil)

// New returns the PostgreSQL dialect.
func New() *Dialect { return &Dialect{} }

// Name returns "postgres".
func (*Dialect) Name() string { return "postgres" }

// DriverName returns "pgx", the name pgx's stdlib package registers.
func (*Dialect) DriverName() string { return "pgx" }

// DriverDSN checks that dsn is a postgres:// or postgresql:// URL that pgx
// can use and returns it unchanged. Errors name what is wrong and never
// repeat the password.
func (*Dialect) DriverDSN(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue.URL would repeat the password
		}
		return "", fmt.Errorf("postgres URL does not parse: %v", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "postgres", "postgresql":
	default:
		return "", fmt.Errorf("postgres URL has scheme %q; write postgres://user@host:5432/db", u.Scheme)
	}
	if u.Opaque != "" {
		return "", fmt.Errorf("postgres URL must start with %s://, as in postgres://user@host:5432/db", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("postgres URL port %q is not a port number (1-65535)", p)
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); strings.Contains(db, "/") {
		return "", fmt.Errorf("postgres URL path %q names more than a database; write /dbname", u.Path)
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return "", fmt.Errorf("postgres URL query %q: %v", u.RawQuery, err)
	}
	return dsn, nil
}

// Quote quotes an identifier with double quotes, doubling any inside it.
func (*Dialect) Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// AppendPlaceholder appends $n.
func (*Dialect) AppendPlaceholder(b []byte, n int) []byte {
	return strconv.AppendInt(append(b, '$'), int64(n), 10)
}

// MaxParams returns 65535, the most parameters the wire protocol carries.
func (*Dialect) MaxParams() int { return 65535 }

// Returning reports true: PostgreSQL has INSERT … RETURNING.
func (*Dialect) Returning() bool { return true }

// AppendLock appends FOR UPDATE or FOR SHARE, with OF alias when the
// SELECT joins other tables (PostgreSQL refuses to lock the nullable side
// of an outer join) and SKIP LOCKED or NOWAIT.
func (*Dialect) AppendLock(b []byte, l dialect.Lock) ([]byte, error) {
	if l.Share {
		b = append(b, " FOR SHARE"...)
	} else {
		b = append(b, " FOR UPDATE"...)
	}
	if l.Of != "" {
		b = append(b, " OF "...)
		b = append(b, l.Of...)
	}
	switch l.Wait {
	case dialect.LockWaitSkipLocked:
		b = append(b, " SKIP LOCKED"...)
	case dialect.LockWaitNoWait:
		b = append(b, " NOWAIT"...)
	}
	return b, nil
}
