package mysql

import (
	"database/sql/driver"
	"math"
	"strconv"
	"strings"

	mysqldrv "github.com/go-sql-driver/mysql"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

var (
	_ dialect.LiteralInliner = (*Dialect)(nil)
	_ dialect.TextCopier     = (*Dialect)(nil)
)

// InlineKind is true, for every kind, only when the DSN given to DriverDSN
// has interpolateParams=true and a character set whose multi-byte
// characters never hold a quote or a backslash byte (the default
// utf8mb4, or utf8, latin1, ascii, binary). The driver would then write
// the same values into the statement's text itself, after database/sql
// converted each argument, into a buffer it then copies; relm writes them
// as it builds the statement. Without interpolation values stay bound: relm does not
// write SQL text the server would otherwise never see.
func (d *Dialect) InlineKind(k schema.Kind) bool {
	return d.inline.Load() && k != schema.KindInvalid
}

// AppendLiteral writes v as the text go-sql-driver/mysql's interpolation
// writes it, in a form that reads back the same under every sql_mode:
// integers and booleans (1, 0) as numbers, finite floats in Go's shortest
// form, strings between single quotes with each quote doubled, non-empty
// []byte as a hex literal (X'…', a binary string as _binary'…' is). A
// string holding a backslash or a NUL byte (which NO_BACKSLASH_ESCAPES
// reads differently), an empty []byte, a time (the driver converts it to
// the DSN's loc), NaN and ±Inf, and any other type are refused, and bound
// — the driver interpolates them into the same statement.
func (d *Dialect) AppendLiteral(b []byte, c *schema.Column, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case uint64:
		return strconv.AppendUint(b, x, 10), true
	case bool:
		if x {
			return append(b, '1'), true
		}
		return append(b, '0'), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return b, false
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64), true
	case string:
		return d.AppendString(b, c, x)
	case []byte:
		if x == nil {
			return append(b, "NULL"...), true
		}
		if len(x) == 0 {
			return b, false
		}
		return dialect.AppendHexBlob(b, x), true
	}
	return b, false
}

var _ dialect.StringInliner = (*Dialect)(nil)

// AppendString appends s as a quoted literal, or refuses it (false) when it
// holds a backslash or a NUL, which the driver escapes for the
// connection's sql_mode.
func (d *Dialect) AppendString(b []byte, c *schema.Column, s string) ([]byte, bool) {
	if strings.IndexByte(s, '\\') >= 0 || strings.IndexByte(s, 0) >= 0 {
		return b, false
	}
	return dialect.AppendQuoted(b, s), true
}

// KeysEndAtLastInsertID is false: MySQL's last-insert-id is the key of an
// INSERT's first row.
func (d *Dialect) KeysEndAtLastInsertID() bool { return false }

var _ dialect.OneRowKeyer = (*Dialect)(nil)

// OneRowKeyFromLastInsertID is true: the last-insert-id of a one-row
// INSERT is the row's key, on MySQL and MariaDB alike (and on a Galera
// cluster, whatever its auto_increment_increment).
func (d *Dialect) OneRowKeyFromLastInsertID() bool { return true }

// CopiesText is true for go-sql-driver/mysql's own driver, which writes a
// statement's text (or its interpolated copy) into the connection's packet
// buffer and keeps no reference to it (see dialect.TextCopier).
func (d *Dialect) CopiesText(drv driver.Driver) bool {
	_, ok := drv.(*mysqldrv.MySQLDriver)
	return ok
}

// literalCharsets are the character sets in which a quote or backslash
// byte is always that character, so that a literal relm writes reads back
// as the value.
var literalCharsets = map[string]bool{
	"utf8mb4": true, "utf8": true, "utf8mb3": true, "latin1": true, "ascii": true, "binary": true,
}

// literalsSafe reports whether values may be written as literals on a
// connection of cfg: only under interpolateParams=true, and with a
// character set of literalCharsets (by its charset parameter, or its
// collation's prefix).
func literalsSafe(cfg *mysqldrv.Config, charsets []string) bool {
	if !cfg.InterpolateParams {
		return false
	}
	for _, cs := range charsets {
		if !literalCharsets[strings.ToLower(cs)] {
			return false
		}
	}
	if cfg.Collation != "" {
		cs, _, _ := strings.Cut(strings.ToLower(cfg.Collation), "_")
		if !literalCharsets[cs] {
			return false
		}
	}
	return true
}
