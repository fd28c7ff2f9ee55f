package postgres

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

var _ dialect.BulkInserter = (*Dialect)(nil)

// arrayType is the array a column's values travel in.
func arrayType(k schema.Kind) string {
	switch k {
	case schema.KindInteger, schema.KindBigInt:
		return "int8[]"
	case schema.KindString, schema.KindText:
		return "text[]"
	case schema.KindBool:
		return "bool[]"
	case schema.KindFloat:
		return "float8[]"
	case schema.KindTime:
		return "timestamptz[]"
	case schema.KindBytes:
		return "bytea[]"
	}
	return ""
}

// BulkInsert returns
//
//	INSERT INTO t (a, b) SELECT unnest($1::int8[]), unnest($2::text[]) [RETURNING id]
//
// with one array parameter per column, which pgx binds in its binary
// format: each value arrives exactly as a bound scalar would, NULLs
// included, and the columns take them by assignment cast as from VALUES.
//
// The arrays are unnested in the select list, not in FROM: set-returning
// functions in the select list run in step (the arrays have one length)
// and stream their rows to the INSERT in array order, as a VALUES list
// does, so the sequence assigns keys in row order (relm sorts the keys
// RETURNING gives and matches them to the rows). A function scan in FROM
// would first store every row in a tuplestore, which spills to disk past
// work_mem (4 MB by default): 100,000 articles wrote and read back 110 MB
// of temporary file, and the INSERT's execution took 1.3-1.7 s against
// 0.7 s streamed (EXPLAIN ANALYZE). An ORDER BY of the ordinality would
// sort whole rows for the same reason.
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
		typ := arrayType(c.Type.Kind)
		if typ == "" {
			return "", false
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("unnest($")
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString("::")
		b.WriteString(typ)
		b.WriteByte(')')
	}
	if returning != "" {
		b.WriteString(" RETURNING ")
		b.WriteString(d.Quote(returning))
	}
	return b.String(), true
}

// BulkRows returns one typed array per column. The server's bound on a
// value (1 GB) is far beyond any batch, so maxBytes is not needed; rows are
// refused as full (dialect.ErrBulkFull) past Dialect.BulkBytes of encoded
// arrays, and a value whose Go type does not match its column type is
// refused with dialect.ErrBulkValue.
func (d *Dialect) BulkRows(cols []*schema.Column, _, rows int) dialect.BulkRows {
	r := &arrayRows{cols: cols, arrays: make([]any, len(cols)), max: d.bulkBytes()}
	n := max(rows, 0)
	for j, c := range cols {
		switch c.Type.Kind {
		case schema.KindInteger, schema.KindBigInt:
			r.arrays[j] = make([]pgtype.Int8, 0, n)
		case schema.KindString, schema.KindText:
			r.arrays[j] = make([]pgtype.Text, 0, n)
		case schema.KindBool:
			r.arrays[j] = make([]pgtype.Bool, 0, n)
		case schema.KindFloat:
			r.arrays[j] = make([]pgtype.Float8, 0, n)
		case schema.KindTime:
			r.arrays[j] = make([]pgtype.Timestamptz, 0, n)
		default:
			r.arrays[j] = make([][]byte, 0, n)
		}
	}
	return r
}

type arrayRows struct {
	cols   []*schema.Column
	arrays []any
	n      int
	size   int // bytes of the arrays' binary encoding so far
	max    int // bound on size (Dialect.BulkBytes)
}

func (r *arrayRows) Len() int    { return r.n }
func (r *arrayRows) Args() []any { return r.arrays }
func (r *arrayRows) Add(row []any) error {
	size := 0
	for j, v := range row {
		if !accepts(r.cols[j].Type.Kind, v) {
			return fmt.Errorf("%w: column %s, %T value: not the Go type of a %s column", dialect.ErrBulkValue, r.cols[j].Name, v, r.cols[j].Type)
		}
		size += encodedSize(v)
	}
	if r.n > 0 && r.size+size > r.max {
		return dialect.ErrBulkFull
	}
	r.size += size
	for j, v := range row {
		switch a := r.arrays[j].(type) {
		case []pgtype.Int8:
			x, ok := v.(int64)
			r.arrays[j] = append(a, pgtype.Int8{Int64: x, Valid: ok})
		case []pgtype.Text:
			x, ok := v.(string)
			r.arrays[j] = append(a, pgtype.Text{String: x, Valid: ok})
		case []pgtype.Bool:
			x, ok := v.(bool)
			r.arrays[j] = append(a, pgtype.Bool{Bool: x, Valid: ok})
		case []pgtype.Float8:
			x, ok := v.(float64)
			r.arrays[j] = append(a, pgtype.Float8{Float64: x, Valid: ok})
		case []pgtype.Timestamptz:
			x, ok := v.(time.Time)
			r.arrays[j] = append(a, pgtype.Timestamptz{Time: x, Valid: ok})
		case [][]byte:
			x, _ := v.([]byte)
			r.arrays[j] = append(a, x)
		}
	}
	r.n++
	return nil
}

// DefaultBulkBytes is the default bound on the arguments of one bulk
// INSERT (Dialect.BulkBytes). The 100,000 articles of the benchmark's seed
// (about 60 MB) took 4.5 s as one statement and 2.6-3.3 s as eight of
// 8 MB (4 MB was no faster): pgx builds each array by appending to a
// buffer that starts at a few hundred bytes, copying and page-faulting the
// whole of it again at each step of its growth, and the server plans the
// statement with the whole arguments as constants.
const DefaultBulkBytes = 8 << 20

func (d *Dialect) bulkBytes() int {
	if d.BulkBytes > 0 {
		return d.BulkBytes
	}
	return DefaultBulkBytes
}

// encodedSize is the bytes v takes in a binary array: a 4-byte length and
// the value.
func encodedSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case string:
		return 4 + len(x)
	case []byte:
		return 4 + len(x)
	case bool:
		return 5
	}
	return 12
}

// accepts reports whether v (nil or a driver value) can travel in the
// array of a column of kind k.
func accepts(k schema.Kind, v any) bool {
	if v == nil {
		return true
	}
	switch k {
	case schema.KindInteger, schema.KindBigInt:
		_, ok := v.(int64)
		return ok
	case schema.KindString, schema.KindText:
		_, ok := v.(string)
		return ok
	case schema.KindBool:
		_, ok := v.(bool)
		return ok
	case schema.KindFloat:
		_, ok := v.(float64)
		return ok
	case schema.KindTime:
		_, ok := v.(time.Time)
		return ok
	case schema.KindBytes:
		_, ok := v.([]byte)
		return ok
	}
	return false
}
