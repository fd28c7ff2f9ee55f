package postgres

import (
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"time"
)

// This file writes the bulk INSERT's arrays (cellArray) in PostgreSQL's
// two wire formats. The binary one serves relm's native path (see
// queryPrepared): relm knows each array's element type and size before it
// writes a byte, so the whole of a statement's arguments go into one
// buffer of the right size, where pgx's Query costs an interface call and
// an encoding plan lookup per element, and a parameter buffer that starts
// at 256 bytes and is copied at each doubling (pgx shrinks it back after
// every query): for 100 rows of seven columns, 45 KB of garbage and
// 28 µs of client time per statement. The text one is the array's
// literal, for pgx's simple protocol and exec modes, which do not learn
// the parameter's type from the server (Value).

// elemCodec is what a cellArray needs of its element type T.
type elemCodec[T any] struct {
	oid  uint32                  // the element type
	cell func(*T) any            // the cell pgx encodes (see cellArray)
	put  func([]byte, *T) []byte // appends the binary length and value
	lit  func([]byte, *T) []byte // appends the element of an array literal
}

var (
	int8Elems        = elemCodec[int64]{oidInt8, func(p *int64) any { return intCell{p} }, appendInt8, literalInt8}
	textElems        = elemCodec[string]{oidText, func(p *string) any { return textCell{p} }, appendText, literalText}
	boolElems        = elemCodec[bool]{oidBool, func(p *bool) any { return boolCell{p} }, appendBool, literalBool}
	float8Elems      = elemCodec[float64]{oidFloat8, func(p *float64) any { return floatCell{p} }, appendFloat8, literalFloat8}
	timestamptzElems = elemCodec[time.Time]{oidTimestamptz, func(p *time.Time) any { return timeCell{p} }, appendTimestamptz, literalTimestamptz}
	byteaElems       = elemCodec[[]byte]{oidBytea, func(p *[]byte) any { return bytesCell{p} }, appendBytea, literalBytea}
)

// binaryArg is an argument relm writes in PostgreSQL's binary format
// itself.
type binaryArg interface {
	// binarySize returns the bytes appendBinary appends.
	binarySize() int
	// appendBinary appends the value in the binary format of its type.
	appendBinary(buf []byte) []byte
}

var (
	_ binaryArg     = (*cellArray[int64])(nil)
	_ driver.Valuer = (*cellArray[int64])(nil)
)

// arrayHeaderSize is the bytes of a one-dimensional array's header: the
// number of dimensions, the has-NULLs flag, the element type, and the
// dimension's length and lower bound.
const arrayHeaderSize = 20

func (a *cellArray[T]) binarySize() int { return arrayHeaderSize + a.size }

// appendBinary appends the array as array_recv reads it (and pgx's
// ArrayCodec writes it): the header, then each element as a 4-byte length
// (-1 for NULL) and its value.
func (a *cellArray[T]) appendBinary(buf []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 1)
	flag := len(buf)
	buf = binary.BigEndian.AppendUint32(buf, 0)
	buf = binary.BigEndian.AppendUint32(buf, a.elems.oid)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(a.vals)))
	buf = binary.BigEndian.AppendUint32(buf, 1)
	hasNull := false
	for i := range a.vals {
		if a.nulls != nil && a.nulls[i] {
			buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1
			hasNull = true
			continue
		}
		n := len(buf)
		buf = a.elems.put(buf, &a.vals[i])
		if !hasNull && int32(binary.BigEndian.Uint32(buf[n:])) < 0 {
			hasNull = true // a nil []byte
		}
	}
	if hasNull {
		binary.BigEndian.PutUint32(buf[flag:], 1)
	}
	return buf
}

// Value returns the array's literal, {"a","b",NULL}, each element quoted
// and written as the element type's input function reads it.
func (a *cellArray[T]) Value() (driver.Value, error) {
	buf := make([]byte, 0, 2+a.size+a.size/2)
	buf = append(buf, '{')
	for i := range a.vals {
		if i > 0 {
			buf = append(buf, ',')
		}
		if a.nulls != nil && a.nulls[i] {
			buf = append(buf, "NULL"...)
			continue
		}
		buf = a.elems.lit(buf, &a.vals[i])
	}
	buf = append(buf, '}')
	return string(buf), nil
}

// The binary element writers: a 4-byte length, then the value as the
// type's send function writes it.

func appendInt8(buf []byte, v *int64) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 8)
	return binary.BigEndian.AppendUint64(buf, uint64(*v))
}

func appendText(buf []byte, v *string) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(*v)))
	return append(buf, *v...)
}

func appendBool(buf []byte, v *bool) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 1)
	if *v {
		return append(buf, 1)
	}
	return append(buf, 0)
}

func appendFloat8(buf []byte, v *float64) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 8)
	return binary.BigEndian.AppendUint64(buf, math.Float64bits(*v))
}

// unixToY2K is the microseconds from the Unix epoch to 2000-01-01 UTC,
// timestamptz's epoch.
const unixToY2K = 946_684_800 * 1_000_000

// appendTimestamptz writes microseconds since 2000-01-01 UTC, the time
// truncated to the microsecond as pgx truncates it.
func appendTimestamptz(buf []byte, v *time.Time) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 8)
	us := v.Unix()*1_000_000 + int64(v.Nanosecond())/1000
	return binary.BigEndian.AppendUint64(buf, uint64(us-unixToY2K))
}

// appendBytea writes nil as NULL, as pgx does.
func appendBytea(buf []byte, v *[]byte) []byte {
	if *v == nil {
		return binary.BigEndian.AppendUint32(buf, math.MaxUint32)
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(*v)))
	return append(buf, *v...)
}

// The literal element writers: each element in double quotes (which an
// array literal allows for every type), a double quote or backslash
// inside escaped with a backslash.

func literalInt8(buf []byte, v *int64) []byte {
	buf = append(buf, '"')
	buf = strconv.AppendInt(buf, *v, 10)
	return append(buf, '"')
}

func literalText(buf []byte, v *string) []byte {
	buf = append(buf, '"')
	s := *v
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			buf = append(buf, '\\')
		}
		buf = append(buf, s[i])
	}
	return append(buf, '"')
}

func literalBool(buf []byte, v *bool) []byte {
	if *v {
		return append(buf, `"t"`...)
	}
	return append(buf, `"f"`...)
}

// literalFloat8 writes the shortest decimal that reads back as the same
// float64, and the special values as float8in spells them.
func literalFloat8(buf []byte, v *float64) []byte {
	buf = append(buf, '"')
	switch f := *v; {
	case math.IsNaN(f):
		buf = append(buf, "NaN"...)
	case math.IsInf(f, 1):
		buf = append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		buf = append(buf, "-Infinity"...)
	default:
		buf = strconv.AppendFloat(buf, f, 'g', -1, 64)
	}
	return append(buf, '"')
}

// literalTimestamptz writes the instant in UTC, truncated to the
// microsecond as the binary form is; year 0 and before are written as
// years BC (Go's year 0 is 1 BC). The BC year is written by hand, the rest
// of the date from t itself: a date rebuilt in the AD year would lose
// February 29 of the leap years BC (1 BC was one, 1 AD was not).
func literalTimestamptz(buf []byte, v *time.Time) []byte {
	t := v.UTC().Truncate(time.Microsecond)
	buf = append(buf, '"')
	y := t.Year()
	if y > 0 {
		buf = t.AppendFormat(buf, "2006-01-02 15:04:05.999999Z07:00")
		return append(buf, '"')
	}
	for n := 1 - y; n < 1000; n *= 10 {
		buf = append(buf, '0')
	}
	buf = strconv.AppendInt(buf, int64(1-y), 10)
	buf = t.AppendFormat(buf, "-01-02 15:04:05.999999Z07:00")
	return append(buf, ` BC"`...)
}

// literalBytea writes the hex form, \x…, its backslash escaped; nil is
// NULL.
func literalBytea(buf []byte, v *[]byte) []byte {
	if *v == nil {
		return append(buf, "NULL"...)
	}
	buf = append(buf, `"\\x`...)
	buf = hex.AppendEncode(buf, *v)
	return append(buf, '"')
}
