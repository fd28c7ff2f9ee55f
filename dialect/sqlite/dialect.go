package sqlite

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/relmorm/relm/dialect"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect is SQLite's spelling of SQL, safe for concurrent use. DriverDSN
// records one fact about the connections it configures (timeText), so a
// database needs a value of its own: relm.Open and relm.ParseDSN make one
// per DSN.
type Dialect struct {
	// timeText records that DriverDSN configured the driver to store a
	// time as the text relm writes for one (_time_format=sqlite), so
	// that relm may write times into a statement's text or a JSON
	// document itself. A dialect that never saw the DSN (relm.New with
	// a *sql.DB opened elsewhere) leaves every time to the driver.
	timeText atomic.Bool
	// timeLoc is the zone the driver converts every time to before it
	// writes one (its _timezone; UTC unless the DSN chose another), so
	// that the times relm writes itself are the same text; nil until
	// DriverDSN ran.
	timeLoc atomic.Pointer[time.Location]
}

var _ dialect.Dialect = (*Dialect)(nil)

// New returns the SQLite dialect.
func New() *Dialect { return &Dialect{} }

// Name returns "sqlite".
func (*Dialect) Name() string { return "sqlite" }

// DriverName returns "sqlite", the name modernc.org/sqlite registers.
func (*Dialect) DriverName() string { return "sqlite" }

// The settings DriverDSN adds unless the DSN sets them already.
const (
	pragmaForeignKeys = "_pragma=foreign_keys(1)"
	pragmaBusyTimeout = "_pragma=busy_timeout(5000)"
	timeFormat        = "_time_format=sqlite"
	timeZone          = "_timezone=UTC"
)

// DriverDSN turns a relm SQLite DSN into modernc.org/sqlite's DSN. It
// accepts "sqlite:FILE", "sqlite3:FILE", "sqlite::memory:", SQLAlchemy's
// "sqlite:///FILE" and "sqlite:////ABS/PATH", and SQLite URIs "file:…". It
// adds foreign_keys(1), busy_timeout(5000), _time_format=sqlite and
// _timezone=UTC unless the DSN's query already sets them; other query
// parameters are kept.
//
// _timezone=UTC makes the driver convert every time.Time to UTC before it
// writes it, bound or (through relm) as a literal, so that a DATETIME
// column holds one text per instant and SQLite's text comparison orders
// instants as PostgreSQL does; it also hands every time read back in UTC.
func (d *Dialect) DriverDSN(dsn string) (string, error) {
	scheme, rest, ok := strings.Cut(dsn, ":")
	uri := false
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
	case "file":
		uri = true
		rest = dsn
	default:
		if !ok {
			return "", fmt.Errorf("sqlite DSN %q has no scheme; write sqlite:FILE or sqlite::memory:", dsn)
		}
		return "", fmt.Errorf("sqlite DSN has scheme %q; write sqlite:FILE, sqlite::memory: or file:URI", scheme)
	}
	if !uri && strings.HasPrefix(rest, "//") {
		// SQLAlchemy's form: sqlite:// is memory, sqlite:///rel.db a relative
		// path, sqlite:////abs.db an absolute one.
		rest = rest[2:]
		switch {
		case rest == "" || strings.HasPrefix(rest, "?"):
			rest = ":memory:" + rest
		case rest[0] == '/':
			rest = rest[1:]
		default:
			host, _, _ := strings.Cut(rest, "/")
			return "", fmt.Errorf("sqlite DSN names a host %q; SQLite opens files: write sqlite:FILE or sqlite:///FILE", host)
		}
	}
	path, query, _ := strings.Cut(rest, "?")
	if path == "" || (uri && path == "file:") {
		return "", errors.New("sqlite DSN names no database file; write sqlite:FILE or sqlite::memory:")
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("sqlite DSN query %q: %v", query, err)
	}
	var add []string
	if !hasPragma(params, "foreign_keys") && params.Get("_foreign_keys") == "" && params.Get("_fk") == "" {
		add = append(add, pragmaForeignKeys)
	}
	if !hasPragma(params, "busy_timeout") && params.Get("_busy_timeout") == "" && params.Get("_timeout") == "" {
		add = append(add, pragmaBusyTimeout)
	}
	tf := params.Get("_time_format")
	if tf == "" {
		add = append(add, timeFormat)
	}
	loc := time.UTC
	if tz := params.Get("_timezone"); tz == "" {
		add = append(add, timeZone)
	} else if loc, err = time.LoadLocation(tz); err != nil {
		loc = nil // the driver refuses it when it opens a connection
	}
	d.timeLoc.Store(loc)
	// Under _time_integer_format the driver writes a time as a number,
	// whatever _time_format says.
	d.timeText.Store((tf == "" || tf == "sqlite") && loc != nil && params.Get("_time_integer_format") == "")
	// Parameters without a leading underscore are SQLite URI parameters
	// (mode=ro, cache=shared, immutable=1); modernc hands them to SQLite only
	// when the DSN is a file: URI.
	if !uri {
		for k := range params {
			if !strings.HasPrefix(k, "_") && k != "vfs" {
				uri = true
				path = "file:" + path
				break
			}
		}
	}
	if query != "" && len(add) > 0 {
		query += "&"
	}
	query += strings.Join(add, "&")
	if query == "" {
		return path, nil
	}
	return path + "?" + query, nil
}

// hasPragma reports whether the query sets the pragma name through _pragma.
func hasPragma(params url.Values, name string) bool {
	for _, v := range params["_pragma"] {
		v = strings.ToLower(strings.TrimSpace(v))
		if strings.HasPrefix(v, name) {
			return true
		}
	}
	return false
}

// Quote quotes an identifier with double quotes, doubling any inside it.
func (*Dialect) Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// AppendPlaceholder appends "?": SQLite numbers positional parameters itself.
func (*Dialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }

// MaxParams returns 32766, SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32.
func (*Dialect) MaxParams() int { return 32766 }

// Returning reports true: modernc.org/sqlite bundles SQLite 3.35 or later,
// which has INSERT … RETURNING.
func (*Dialect) Returning() bool { return true }

// itoa is strconv.Itoa, named for brevity in the builders.
func itoa(n int) string { return strconv.Itoa(n) }
