package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/relmorm/relm/dialect"
)

// Dialect is MySQL's and MariaDB's spelling of SQL. It is safe for
// concurrent use; Detect records what server it talks to.
type Dialect struct {
	server atomic.Pointer[serverInfo]
	// interpolate records that the DSN asked the driver to interpolate
	// parameters into the SQL text (interpolateParams=true), where escaping
	// can double the bytes a statement takes; MaxPacket allows for it.
	interpolate atomic.Bool
	// inline records that values may be written as literals
	// (interpolation on, a character set of literalCharsets; see
	// InlineKind).
	inline atomic.Bool
	// collation is the DSN's utf8mb4 collation, for TableOptions; nil
	// when it named none (or another character set).
	collation atomic.Pointer[string]
}

// serverInfo is what Detect learned.
type serverInfo struct {
	version      string
	mariaDB      bool
	major, minor int
}

var _ dialect.Dialect = (*Dialect)(nil)

// New returns the MySQL/MariaDB dialect. Until Detect runs it assumes MySQL
// without INSERT … RETURNING.
func New() *Dialect { return &Dialect{} }

// Name returns "mysql".
func (*Dialect) Name() string { return "mysql" }

// DriverName returns "mysql", the name go-sql-driver/mysql registers.
func (*Dialect) DriverName() string { return "mysql" }

// The connection collation DriverDSN sets unless the URL chooses one.
const defaultCollation = "utf8mb4_unicode_ci"

// DriverDSN turns mysql://user:pass@host:port/db?params (or mariadb://…)
// into go-sql-driver/mysql's DSN: TCP to host (port 3306 by default),
// parseTime=true, loc=UTC and collation utf8mb4_unicode_ci unless the URL sets
// charset or collation, so that the connection is utf8mb4 whatever the
// server's default (a latin1 server's included). Other parameters pass through (see the package
// documentation). Errors name what is wrong and never repeat the password.
func (d *Dialect) DriverDSN(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue.URL would repeat the password
		}
		return "", fmt.Errorf("mysql URL does not parse: %v", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "mysql", "mariadb":
	default:
		return "", fmt.Errorf("mysql URL has scheme %q; write mysql://user:pass@host:3306/db", u.Scheme)
	}
	if u.Opaque != "" {
		return "", fmt.Errorf("mysql URL must start with %s://, as in mysql://user:pass@host:3306/db", u.Scheme)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return "", errors.New("mysql URL names no host; write mysql://user:pass@host:3306/db")
	}
	if port == "" {
		port = "3306"
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("mysql URL port %q is not a port number (1-65535)", port)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	if strings.Contains(dbName, "/") {
		return "", fmt.Errorf("mysql URL path %q names more than a database; write /dbname", u.Path)
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return "", fmt.Errorf("mysql URL query %q: %v", u.RawQuery, err)
	}
	// The driver parses its own parameters (and turns unknown ones into
	// session variables) from the query part of its DSN.
	cfg, err := driver.ParseDSN("/?" + u.RawQuery)
	if err != nil {
		// Name the parameter: the driver's message does not always.
		for kv := range strings.SplitSeq(u.RawQuery, "&") {
			if _, perr := driver.ParseDSN("/?" + kv); perr != nil {
				return "", fmt.Errorf("mysql URL query parameter %s: %v", kv, perr)
			}
		}
		return "", fmt.Errorf("mysql URL query parameters: %v", err)
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(host, port)
	cfg.DBName = dbName
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// Rows matched, not rows changed, so that an UPDATE of a row that is
	// gone (0) differs from one that wrote equal values (1).
	cfg.ClientFoundRows = true
	q := u.Query()
	if !q.Has("charset") && !q.Has("collation") {
		// The collation alone is sent in the handshake; unlike charset it
		// costs no SET NAMES round trip per connection.
		cfg.Collation = defaultCollation
	}
	d.interpolate.Store(cfg.InterpolateParams)
	if c := strings.ToLower(cfg.Collation); q.Has("collation") && strings.HasPrefix(c, "utf8mb4_") {
		d.collation.Store(&c)
	} else {
		d.collation.Store(nil)
	}
	var charsets []string
	for _, v := range q["charset"] {
		charsets = append(charsets, strings.Split(v, ",")...)
	}
	d.inline.Store(literalsSafe(cfg, charsets))
	return cfg.FormatDSN(), nil
}

// Queryer is what Detect needs: *sql.DB, *sql.Conn and *sql.Tx satisfy it.
type Queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Detect reads SELECT VERSION() and records whether the server is MariaDB
// and which version, for Returning. relm.Open calls it after connecting; a
// program that opens its own *sql.DB should call it once too.
func (d *Dialect) Detect(ctx context.Context, db Queryer) error {
	var v string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return fmt.Errorf("mysql: read server version: %w", err)
	}
	d.server.Store(parseVersion(v))
	return nil
}

// parseVersion reads "8.0.36", "10.11.6-MariaDB-0+deb12u1" or the
// replication-prefixed "5.5.5-10.11.6-MariaDB".
func parseVersion(v string) *serverInfo {
	s := &serverInfo{version: v, mariaDB: strings.Contains(strings.ToLower(v), "mariadb")}
	num := v
	if s.mariaDB {
		num = strings.TrimPrefix(num, "5.5.5-")
	}
	parts := strings.SplitN(num, ".", 3)
	if len(parts) >= 2 {
		s.major, _ = strconv.Atoi(parts[0])
		minor := parts[1]
		if i := strings.IndexFunc(minor, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			minor = minor[:i]
		}
		s.minor, _ = strconv.Atoi(minor)
	}
	return s
}

// MariaDB reports whether Detect found a MariaDB server.
func (d *Dialect) MariaDB() bool {
	s := d.server.Load()
	return s != nil && s.mariaDB
}

// nativeUUID reports whether the server has a UUID type: MariaDB 10.7 and
// later, as found by Detect. MySQL has none.
func (d *Dialect) nativeUUID() bool {
	s := d.server.Load()
	return s != nil && s.mariaDB && (s.major > 10 || s.major == 10 && s.minor >= 7)
}

// ServerVersion returns the version string Detect read, or "" before it ran.
func (d *Dialect) ServerVersion() string {
	if s := d.server.Load(); s != nil {
		return s.version
	}
	return ""
}

// Quote quotes an identifier with backticks, doubling any inside it.
func (*Dialect) Quote(ident string) string {
	return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
}

// AppendPlaceholder appends "?".
func (*Dialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }

// MaxParams returns 65535, the most placeholders a prepared statement may
// have.
func (*Dialect) MaxParams() int { return 65535 }

// Returning reports whether INSERT … RETURNING is available: only on
// MariaDB 10.5 and later, as found by Detect. MySQL has none.
func (d *Dialect) Returning() bool {
	s := d.server.Load()
	return s != nil && s.mariaDB && (s.major > 10 || s.major == 10 && s.minor >= 5)
}

// AppendLock appends FOR UPDATE, or for a shared lock LOCK IN SHARE MODE on
// MariaDB and FOR SHARE on MySQL 8; SKIP LOCKED needs MariaDB 10.6 or
// MySQL 8.0, NOWAIT MariaDB 10.3 or MySQL 8.0 (an older server, or one
// Detect did not read, is an error). MySQL and MariaDB lock the rows of
// every table the SELECT reads; l.Of is not written.
func (d *Dialect) AppendLock(b []byte, l dialect.Lock) ([]byte, error) {
	s := d.server.Load()
	if s == nil {
		s = &serverInfo{}
	}
	atLeast := func(major, minor int) bool {
		return s.major > major || s.major == major && s.minor >= minor
	}
	modern := !s.mariaDB && atLeast(8, 0) // FOR SHARE, SKIP LOCKED, NOWAIT
	switch {
	case !l.Share:
		b = append(b, " FOR UPDATE"...)
	case modern:
		b = append(b, " FOR SHARE"...)
	default:
		b = append(b, " LOCK IN SHARE MODE"...)
	}
	server := "MySQL " + s.version
	if s.mariaDB {
		server = "MariaDB " + s.version
	}
	if s.version == "" {
		server = "a server whose version was not detected (call Detect)"
	}
	switch l.Wait {
	case dialect.LockWaitSkipLocked:
		if !modern && !(s.mariaDB && atLeast(10, 6)) {
			return nil, fmt.Errorf("mysql: SKIP LOCKED needs MariaDB 10.6 or MySQL 8.0; the server is %s", server)
		}
		b = append(b, " SKIP LOCKED"...)
	case dialect.LockWaitNoWait:
		if !modern && !(s.mariaDB && atLeast(10, 3)) {
			return nil, fmt.Errorf("mysql: NOWAIT needs MariaDB 10.3 or MySQL 8.0; the server is %s", server)
		}
		b = append(b, " NOWAIT"...)
	}
	return b, nil
}
