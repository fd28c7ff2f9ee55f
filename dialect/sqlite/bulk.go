package sqlite

import (
	"database/sql/driver"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
	msqlite "modernc.org/sqlite"
)

var _ dialect.BulkInserter = (*Dialect)(nil)

// BulkInsert returns
//
//	INSERT INTO t (a, b) SELECT json_extract(value, '$[0]'), unhex(json_extract(value, '$[1]'))
//	FROM json_each(?) [ORDER BY key RETURNING id]
//
// whose one argument is a JSON array of rows, each an array of the row's
// values. Blob columns travel as hex strings, decoded by unhex (SQLite
// 3.41); everything else as JSON scalars that SQLite reads back as the value
// the driver would have bound: integers, reals, text (times formatted as
// the driver formats them, see BulkRows) and NULL.
func (d *Dialect) BulkInsert(table string, cols []*schema.Column, returning string) (string, bool) {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(d.Quote(table))
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Quote(c.Name))
	}
	b.WriteString(") SELECT ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		expr := "json_extract(value, '$[" + strconv.Itoa(i) + "]')"
		switch c.Type.Kind {
		case schema.KindBytes:
			expr = "unhex(" + expr + ")"
		case schema.KindInteger, schema.KindBigInt, schema.KindString, schema.KindText,
			schema.KindBool, schema.KindFloat, schema.KindTime:
		default:
			return "", false
		}
		b.WriteString(expr)
	}
	b.WriteString(" FROM json_each(?)")
	if returning != "" {
		// Keys are generated in row order only when the rows arrive
		// in it; without a key to read back, sorting is wasted.
		b.WriteString(" ORDER BY key RETURNING ")
		b.WriteString(d.Quote(returning))
	}
	return b.String(), true
}

// BulkRows returns the JSON document of a bulk insert. Times are written as
// modernc.org/sqlite writes a bound time.Time under relm's DSN setting
// _time_format=sqlite ("2006-01-02 15:04:05.999999999-07:00") and
// _timezone=UTC (in UTC), and only on connections DriverDSN configured so; elsewhere (relm.New), and for
// strings that are not valid UTF-8, NaN and infinities, which cannot travel
// in JSON, Add refuses the value with dialect.ErrBulkValue and the row goes
// by bound VALUES.
func (d *Dialect) BulkRows(cols []*schema.Column, maxBytes, rows int) dialect.BulkRows {
	encode := appendValueNoTime
	if d.timeText.Load() {
		loc := d.timeLoc.Load()
		encode = func(b []byte, c *schema.Column, v any) ([]byte, error) {
			return appendValue(b, c, v, loc)
		}
	}
	return &dialect.JSONRows{Cols: cols, Max: maxBytes, Rows: rows, Encode: encode}
}

// appendValueNoTime is appendValue refusing times, for a connection whose
// time layout relm does not know.
func appendValueNoTime(b []byte, c *schema.Column, v any) ([]byte, error) {
	if _, ok := v.(time.Time); ok {
		return b, dialect.BulkValueError(c, v, "the connection's time layout is not relm's (_time_format=sqlite)")
	}
	return appendValue(b, c, v, nil)
}

// appendValue appends v as a JSON value; a time is written in loc, the
// zone the driver writes times in.
func appendValue(b []byte, c *schema.Column, v any, loc *time.Location) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	if c.Type.Kind == schema.KindBytes {
		x, ok := v.([]byte)
		if !ok {
			return b, dialect.BulkValueError(c, v, "a blob column takes []byte")
		}
		b = append(b, '"')
		b = hex.AppendEncode(b, x)
		return append(b, '"'), nil
	}
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case bool:
		if x {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return b, dialect.BulkValueError(c, v, "JSON has no NaN or infinity")
		}
		start := len(b)
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
		if !strings.ContainsAny(string(b[start:]), ".eE") {
			b = append(b, ".0"...) // a REAL, as the driver binds it
		}
		return b, nil
	case string:
		if !utf8.ValidString(x) {
			return b, dialect.BulkValueError(c, v, "not valid UTF-8")
		}
		return dialect.AppendJSONString(b, x), nil
	case time.Time:
		return dialect.AppendJSONString(b, x.In(loc).Format(timeLayout)), nil
	}
	return b, dialect.BulkValueError(c, v, "unsupported type")
}

// timeLayout is the format modernc.org/sqlite writes times in under
// _time_format=sqlite, the setting DriverDSN adds.
const timeLayout = "2006-01-02 15:04:05.999999999-07:00"

var (
	_ dialect.LiteralInliner = (*Dialect)(nil)
	_ dialect.TextCopier     = (*Dialect)(nil)
)

// InlineKind is true for every kind but floats: SQLite's parser does not
// promise to read a decimal literal back to the same float64 the driver
// would bind, so a batch with a float column goes as one JSON document.
func (d *Dialect) InlineKind(k schema.Kind) bool {
	switch k {
	case schema.KindInteger, schema.KindBigInt, schema.KindString, schema.KindText,
		schema.KindBool, schema.KindTime, schema.KindBytes:
		return true
	}
	return false
}

// AppendLiteral writes v as modernc.org/sqlite would bind it: integers and
// booleans as integers, strings as text literals (quotes doubled; the bytes
// as they are, valid UTF-8 or not), non-empty []byte as a blob literal
// (X'…'), times as text in the layout of _time_format=sqlite and the zone
// of _timezone (UTC) when DriverDSN configured the connection so (else they
// are refused). A string
// holding a NUL byte (SQLite's tokenizer ends the statement there), an
// empty []byte, a string or []byte longer than maxLiteralBytes and any
// other type are refused, and bound.
func (d *Dialect) AppendLiteral(b []byte, c *schema.Column, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case bool:
		if x {
			return append(b, '1'), true
		}
		return append(b, '0'), true
	case string:
		return d.AppendString(b, c, x)
	case []byte:
		if x == nil {
			return append(b, "NULL"...), true
		}
		if len(x) == 0 || len(x) > maxLiteralBytes {
			return b, false
		}
		return dialect.AppendHexBlob(b, x), true
	case time.Time:
		if !d.timeText.Load() {
			return b, false
		}
		return dialect.AppendQuoted(b, x.In(d.timeLoc.Load()).Format(timeLayout)), true
	}
	return b, false
}

var _ dialect.StringInliner = (*Dialect)(nil)

// AppendString appends s as a quoted literal, or refuses it (false) when
// it is longer than maxLiteralBytes or holds a NUL.
func (d *Dialect) AppendString(b []byte, c *schema.Column, s string) ([]byte, bool) {
	if len(s) > maxLiteralBytes || strings.IndexByte(s, 0) >= 0 {
		return b, false
	}
	return dialect.AppendQuoted(b, s), true
}

// maxLiteralBytes is the longest string or []byte written as a literal; a
// longer one is bound in the same statement. SQLite binds a long text
// faster than its parser reads it back from the statement, and relm need
// not copy it into the text (100 tutorial seeds, whose articles hold about
// a kilobyte each: 3.0 ms a seed against 3.5 ms with every value inlined).
const maxLiteralBytes = 256

// KeysEndAtLastInsertID is true: a key relm generates on SQLite is the
// rowid (an autoincrement column is always INTEGER PRIMARY KEY), and an
// INSERT gives its rows the largest rowid plus one, row after row, inside
// the one writer's transaction. Two cases break the rule, and relm's keys
// with it: a trigger that inserts into the same table while the INSERT
// runs, and a table whose rowid has reached 2⁶³−1 (SQLite then picks
// rowids at random).
func (d *Dialect) KeysEndAtLastInsertID() bool { return true }

// CopiesText is true for modernc.org/sqlite's own driver, which copies a
// statement's text into SQLite's memory to prepare it and finalizes the
// statement before ExecContext returns (see dialect.TextCopier).
func (d *Dialect) CopiesText(drv driver.Driver) bool {
	_, ok := drv.(*msqlite.Driver)
	return ok
}
