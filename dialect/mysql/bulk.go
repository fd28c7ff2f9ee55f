package mysql

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

var (
	_ dialect.BulkInserter  = (*Dialect)(nil)
	_ dialect.PacketLimiter = (*Dialect)(nil)
)

// bulkOK reports whether the server has JSON_TABLE: MariaDB 10.6 and
// later, MySQL 8.0.4 and later (8.0 is taken as having it).
func (d *Dialect) bulkOK() bool {
	s := d.server.Load()
	if s == nil {
		return false
	}
	if s.mariaDB {
		return s.major > 10 || s.major == 10 && s.minor >= 6
	}
	return s.major >= 8
}

// BulkInsert returns
//
//	INSERT INTO t (a, b, c) SELECT jt.c0, CAST(jt.c1 AS CHAR), UNHEX(jt.c2)
//	FROM JSON_TABLE(?, '$[*]' COLUMNS (n FOR ORDINALITY, c0 BIGINT PATH '$[0]',
//	  c1 LONGTEXT CHARACTER SET utf8mb4 PATH '$[1]',
//	  c2 LONGTEXT CHARACTER SET utf8mb4 PATH '$[2]')) AS jt
//	[ORDER BY jt.n RETURNING id]
//
// whose one argument is a JSON array of rows, each an array of the row's
// values. Each value reaches the INSERT as the type go-sql-driver/mysql
// would have bound it — integers and booleans as BIGINT, floats as DOUBLE,
// strings and times as text (times in the driver's format, converted by the
// server as for a bound parameter), blobs as hex decoded by UNHEX — so the
// server converts them to the column types as it does for VALUES. It needs
// JSON_TABLE (MariaDB 10.6, MySQL 8.0) and, with returning, INSERT …
// RETURNING (MariaDB only).
func (d *Dialect) BulkInsert(table string, cols []*schema.Column, returning string) (string, bool) {
	if !d.bulkOK() || returning != "" && !d.Returning() {
		return "", false
	}
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
		ref := "jt.c" + strconv.Itoa(i)
		switch c.Type.Kind {
		case schema.KindBytes:
			ref = "UNHEX(" + ref + ")"
		case schema.KindString, schema.KindText, schema.KindTime:
			// Without the CAST, MariaDB 10.11 silently truncates a
			// LONGTEXT too long for a TEXT column instead of failing
			// as VALUES does in strict mode.
			ref = "CAST(" + ref + " AS CHAR)"
		}
		b.WriteString(ref)
	}
	b.WriteString(" FROM JSON_TABLE(?, '$[*]' COLUMNS (n FOR ORDINALITY")
	for i, c := range cols {
		var typ string
		switch c.Type.Kind {
		case schema.KindInteger, schema.KindBigInt, schema.KindBool:
			typ = "BIGINT"
		case schema.KindFloat:
			typ = "DOUBLE"
		case schema.KindString, schema.KindText, schema.KindTime, schema.KindBytes:
			// The document is utf8mb4 text; a column of JSON_TABLE
			// without a character set takes the database's default,
			// and on a latin1 one "日本語" came out as "???".
			typ = "LONGTEXT CHARACTER SET utf8mb4"
		default:
			return "", false
		}
		b.WriteString(", c")
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(' ')
		b.WriteString(typ)
		b.WriteString(" PATH '$[")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("]'")
	}
	b.WriteString(")) AS jt")
	if returning != "" {
		// Keys are generated in row order only when the rows arrive
		// in it; without a key to read back, any order will do.
		b.WriteString(" ORDER BY jt.n RETURNING ")
		b.WriteString(d.Quote(returning))
	}
	return b.String(), true
}

// BulkRows returns the JSON document of a bulk insert, bounded by maxBytes.
// Values whose column type does not match their Go type, strings that are
// not valid UTF-8, NaN and infinities are refused with
// dialect.ErrBulkValue (the VALUES form then reports what the server says).
func (d *Dialect) BulkRows(cols []*schema.Column, maxBytes, rows int) dialect.BulkRows {
	return &dialect.JSONRows{Cols: cols, Max: maxBytes, Rows: rows, Encode: appendValue}
}

func appendValue(b []byte, c *schema.Column, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch c.Type.Kind {
	case schema.KindInteger, schema.KindBigInt, schema.KindBool:
		switch x := v.(type) {
		case int64:
			return strconv.AppendInt(b, x, 10), nil
		case bool:
			if x {
				return append(b, '1'), nil
			}
			return append(b, '0'), nil
		}
	case schema.KindFloat:
		if x, ok := v.(float64); ok {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return b, dialect.BulkValueError(c, v, "JSON has no NaN or infinity")
			}
			return strconv.AppendFloat(b, x, 'g', -1, 64), nil
		}
	case schema.KindString, schema.KindText:
		if x, ok := v.(string); ok {
			if !utf8.ValidString(x) {
				return b, dialect.BulkValueError(c, v, "not valid UTF-8")
			}
			return dialect.AppendJSONString(b, x), nil
		}
	case schema.KindTime:
		if x, ok := v.(time.Time); ok {
			s, ok := formatTime(x)
			if !ok {
				return b, dialect.BulkValueError(c, v, "year outside 1–9999")
			}
			return dialect.AppendJSONString(b, s), nil
		}
	case schema.KindBytes:
		if x, ok := v.([]byte); ok {
			b = append(b, '"')
			b = hex.AppendEncode(b, x)
			return append(b, '"'), nil
		}
	}
	return b, dialect.BulkValueError(c, v, "not the Go type of a "+c.Type.String()+" column")
}

// formatTime formats t as go-sql-driver/mysql sends a time.Time parameter
// under relm's DSN (loc=UTC): the date alone at midnight, else date and
// time with the nanoseconds that are not zero; the zero time as
// 0000-00-00.
func formatTime(t time.Time) (string, bool) {
	if t.IsZero() {
		return "0000-00-00", true
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return "", false
	}
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02"), true
	}
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05"), true
	}
	return strings.TrimRight(t.Format("2006-01-02 15:04:05.000000000"), "0"), true
}

var _ dialect.Interpolator = (*Dialect)(nil)

// Interpolates reports whether the DSN given to DriverDSN asked the driver
// to interpolate arguments (interpolateParams=true): relm then writes large
// INSERTs as VALUES bounded by the packet (see dialect.Interpolator). A
// dialect made with New and handed a *sql.DB (relm.New) does not know and
// says false, keeping the server's placeholder limit.
func (d *Dialect) Interpolates() bool { return d.interpolate.Load() }

// packets remembers max_allowed_packet per dialect value (relm.Open makes
// one per database handle).
var packets sync.Map // *Dialect → int

// MaxPacket returns the server's max_allowed_packet less a margin for the
// packet's header and the statement's other parameters — halved when the
// DSN has interpolateParams=true, since the driver then escapes the
// arguments into the statement — read once per dialect value with SELECT
// @@max_allowed_packet.
func (d *Dialect) MaxPacket(ctx context.Context, q dialect.Executor) (int, error) {
	if v, ok := packets.Load(d); ok {
		return v.(int), nil
	}
	rows, err := q.QueryContext(ctx, "SELECT @@max_allowed_packet")
	if err != nil {
		return 0, fmt.Errorf("mysql: read max_allowed_packet: %w", err)
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("mysql: read max_allowed_packet: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("mysql: read max_allowed_packet: %w", err)
	}
	limit := int(n) - 16<<10
	if d.interpolate.Load() {
		// The driver writes the arguments into the SQL text, escaping
		// quotes and backslashes: at most twice the bytes.
		limit /= 2
	}
	if limit < 1<<10 {
		limit = 1 << 10
	}
	packets.Store(d, limit)
	return limit, nil
}
