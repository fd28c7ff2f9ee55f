package sqlite

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

var _ dialect.BulkInserter = (*Dialect)(nil)

// BulkInsert returns
//
//	INSERT INTO t (a, b) SELECT json_extract(value, '$[0]'), unhex(json_extract(value, '$[1]'))
//	FROM json_each(?) ORDER BY key [RETURNING id]
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
	b.WriteString(" FROM json_each(?) ORDER BY key")
	if returning != "" {
		b.WriteString(" RETURNING ")
		b.WriteString(d.Quote(returning))
	}
	return b.String(), true
}

// BulkRows returns the JSON document of a bulk insert. Times are written as
// modernc.org/sqlite writes a bound time.Time under relm's DSN setting
// _time_format=sqlite ("2006-01-02 15:04:05.999999999-07:00"). Strings that
// are not valid UTF-8, NaN and infinities cannot travel in JSON: Add
// refuses them with dialect.ErrBulkValue.
func (d *Dialect) BulkRows(cols []*schema.Column, maxBytes int) dialect.BulkRows {
	return &jsonRows{cols: cols, max: maxBytes, buf: []byte{'['}}
}

type jsonRows struct {
	cols []*schema.Column
	max  int
	buf  []byte
	n    int
}

func (r *jsonRows) Len() int { return r.n }

func (r *jsonRows) Args() []any {
	return []any{string(append(r.buf, ']'))}
}

func (r *jsonRows) Add(row []any) error {
	mark := len(r.buf)
	if r.n > 0 {
		r.buf = append(r.buf, ',')
	}
	r.buf = append(r.buf, '[')
	for j, v := range row {
		if j > 0 {
			r.buf = append(r.buf, ',')
		}
		var err error
		if r.buf, err = appendValue(r.buf, r.cols[j], v); err != nil {
			r.buf = r.buf[:mark]
			return err
		}
	}
	r.buf = append(r.buf, ']')
	if r.max > 0 && r.n > 0 && len(r.buf)+1 > r.max {
		r.buf = r.buf[:mark]
		return dialect.ErrBulkFull
	}
	r.n++
	return nil
}

func bad(c *schema.Column, v any, why string) error {
	return fmt.Errorf("%w: column %s, %T value: %s", dialect.ErrBulkValue, c.Name, v, why)
}

func appendValue(b []byte, c *schema.Column, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	if c.Type.Kind == schema.KindBytes {
		x, ok := v.([]byte)
		if !ok {
			return b, bad(c, v, "a blob column takes []byte")
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
			return b, bad(c, v, "JSON has no NaN or infinity")
		}
		start := len(b)
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
		if !strings.ContainsAny(string(b[start:]), ".eE") {
			b = append(b, ".0"...) // a REAL, as the driver binds it
		}
		return b, nil
	case string:
		if !utf8.ValidString(x) {
			return b, bad(c, v, "not valid UTF-8")
		}
		return appendJSONString(b, x), nil
	case time.Time:
		return appendJSONString(b, x.Format(timeLayout)), nil
	}
	return b, bad(c, v, "unsupported type")
}

// timeLayout is the format modernc.org/sqlite writes times in under
// _time_format=sqlite, the setting DriverDSN adds.
const timeLayout = "2006-01-02 15:04:05.999999999-07:00"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, everything else (valid UTF-8) as is.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
