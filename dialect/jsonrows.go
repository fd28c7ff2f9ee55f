package dialect

import (
	"fmt"
	"unsafe"

	"github.com/relmorm/relm/schema"
)

// JSONRows accumulates bulk-insert rows as one JSON array of arrays, the
// single parameter that SQLite's json_each and MySQL's JSON_TABLE read. A
// dialect supplies Encode, which writes one value of a column as JSON the
// way its SQL decodes it (blobs as hex or base64, times in its format).
type JSONRows struct {
	Cols   []*schema.Column
	Max    int // bound on the JSON text in bytes; 0 for none
	Rows   int // the rows expected, to size the document once; 0 if unknown
	Encode func(b []byte, c *schema.Column, v any) ([]byte, error)

	buf []byte
	n   int
}

// Len returns the number of rows added.
func (r *JSONRows) Len() int { return r.n }

// Args returns the rows as the statement's one argument. The string shares
// the accumulator's memory (the document can be hundreds of megabytes), so
// Add must not be called after Args.
func (r *JSONRows) Args() []any {
	if r.buf == nil {
		return []any{"[]"}
	}
	r.buf = append(r.buf, ']')
	doc := unsafe.String(unsafe.SliceData(r.buf), len(r.buf))
	r.buf = r.buf[:0:0] // a later Add starts a new array, never writes into doc
	return []any{doc}
}

// sample is the number of rows after which JSONRows sizes its buffer for
// the rows expected, from their average length so far.
const sample = 32

// grow sizes the buffer for the Rows expected once sample rows have been
// encoded, so that a large document is not copied at every doubling.
func (r *JSONRows) grow() {
	if r.n != sample || r.Rows <= sample {
		return
	}
	want := len(r.buf) / r.n * r.Rows
	want += want / 8 // rows vary in length
	if r.Max > 0 {
		want = min(want, r.Max+1)
	}
	if want > cap(r.buf) {
		b := make([]byte, len(r.buf), want)
		copy(b, r.buf)
		r.buf = b
	}
}

// Add appends a row, or returns ErrBulkFull (the row would pass Max) or an
// error wrapping ErrBulkValue (a value JSON cannot carry); the rows already
// added are kept either way.
func (r *JSONRows) Add(row []any) error {
	if r.buf == nil {
		r.buf = append(r.buf, '[')
	}
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
		if r.buf, err = r.Encode(r.buf, r.Cols[j], v); err != nil {
			r.buf = r.buf[:mark]
			return err
		}
	}
	r.buf = append(r.buf, ']')
	if r.Max > 0 && r.n > 0 && len(r.buf)+1 > r.Max {
		r.buf = r.buf[:mark]
		return ErrBulkFull
	}
	r.n++
	r.grow()
	return nil
}

// BulkValueError reports a value that the bulk path cannot carry (the
// caller falls back to VALUES).
func BulkValueError(c *schema.Column, v any, why string) error {
	return fmt.Errorf("%w: column %s, %T value: %s", ErrBulkValue, c.Name, v, why)
}

// AppendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, everything else (valid UTF-8) as is.
func AppendJSONString(b []byte, s string) []byte {
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
