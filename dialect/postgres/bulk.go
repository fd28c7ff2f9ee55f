package postgres

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

var _ dialect.BulkInserter = (*Dialect)(nil)

// arrayType is the array a column's values travel in, "" for a kind no
// array carries.
func arrayType(k schema.Kind) string { return elemArrays[elemOf(k)] }

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
// value (1 GB) is far beyond any batch, so a positive maxBytes is not
// needed; rows are refused as full (dialect.ErrBulkFull) past
// Dialect.BulkBytes of encoded arrays, unless maxBytes is negative (rows
// that fit in one VALUES statement: one statement still), and a value
// whose Go type does not match its column type is refused with
// dialect.ErrBulkValue.
func (d *Dialect) BulkRows(cols []*schema.Column, maxBytes, rows int) dialect.BulkRows {
	r := &arrayRows{cols: make([]arrayCol, len(cols)), max: d.bulkBytes()}
	if maxBytes < 0 {
		r.max = math.MaxInt
	}
	n := max(rows, 0)
	for j, c := range cols {
		a := &r.cols[j]
		a.col, a.elem = c, elemOf(c.Type.Kind)
		switch a.elem {
		case elemInt:
			a.ints = make([]int64, 0, n)
		case elemText:
			a.texts = make([]string, 0, n)
		case elemBool:
			a.bools = make([]bool, 0, n)
		case elemFloat:
			a.floats = make([]float64, 0, n)
		case elemTime:
			a.times = make([]time.Time, 0, n)
		default:
			a.bytes = make([][]byte, 0, n)
		}
	}
	return r
}

type arrayRows struct {
	cols  []arrayCol
	sizes []int // the sizes of the row Add takes, by column
	n     int
	size  int // bytes of the arrays' binary encoding so far
	max   int // bound on size (Dialect.BulkBytes)
}

// arrayCol is one column's values in the plain Go slice of its kind, and
// which of them are NULL: nulls stays nil until the first one (see args).
type arrayCol struct {
	col    *schema.Column
	elem   elem
	ints   []int64
	texts  []string
	bools  []bool
	floats []float64
	times  []time.Time
	bytes  [][]byte // nil for NULL, as pgx writes it
	nulls  []bool
	size   int // bytes of the values' binary encoding (sizeIn)
}

// Len returns the number of rows added.
func (r *arrayRows) Len() int { return r.n }

// Args returns each column's values as an array argument (cellArray).
func (r *arrayRows) Args() []any {
	args := make([]any, len(r.cols))
	for j := range r.cols {
		args[j] = r.cols[j].args()
	}
	return args
}

// elem is the Go type of an array's elements.
type elem uint8

const (
	elemNone elem = iota // a kind no array carries
	elemBytes
	elemInt
	elemText
	elemBool
	elemFloat
	elemTime
)

// elemArrays is the PostgreSQL array type of each elem.
var elemArrays = [...]string{
	elemBytes: "bytea[]",
	elemInt:   "int8[]",
	elemText:  "text[]",
	elemBool:  "bool[]",
	elemFloat: "float8[]",
	elemTime:  "timestamptz[]",
}

func elemOf(k schema.Kind) elem {
	switch k {
	case schema.KindInteger, schema.KindBigInt:
		return elemInt
	case schema.KindString, schema.KindText:
		return elemText
	case schema.KindBool:
		return elemBool
	case schema.KindFloat:
		return elemFloat
	case schema.KindTime:
		return elemTime
	case schema.KindBytes:
		return elemBytes
	}
	return elemNone
}

func (a *arrayCol) args() any {
	switch a.elem {
	case elemInt:
		return newCellArray(a, a.ints, &int8Elems)
	case elemText:
		return newCellArray(a, a.texts, &textElems)
	case elemBool:
		return newCellArray(a, a.bools, &boolElems)
	case elemFloat:
		return newCellArray(a, a.floats, &float8Elems)
	case elemTime:
		return newCellArray(a, a.times, &timestamptzElems)
	}
	return newCellArray(a, a.bytes, &byteaElems)
}

// cellArray is a column's values as the array argument pgx encodes
// (pgtype.ArrayGetter). pgx reads an array element by element through an
// interface: a plain []string or []int64 boxes each string, and each
// integer past 255, into a new allocation (400 of them for 100 rows of
// four strings). cellArray hands out each element as a cell instead, a
// struct of one pointer to the value, which an interface holds without
// allocating, and which pgx encodes through its Valuer method (TextValuer,
// Int64Valuer, …) as it would the value; a NULL element is nil.
//
// relm's native path writes the array in binary itself (binaryArg), and
// where pgx is not told the parameter's type (its simple protocol and
// exec modes) it takes the array's text (Value).
type cellArray[T any] struct {
	vals  []T
	nulls []bool // nil when no value is NULL
	dims  [1]pgtype.ArrayDimension
	elems *elemCodec[T]
	size  int // bytes of the elements' binary encoding
}

func newCellArray[T any](a *arrayCol, vals []T, elems *elemCodec[T]) *cellArray[T] {
	c := &cellArray[T]{vals: vals, nulls: a.nulls, elems: elems, size: a.size}
	c.dims[0] = pgtype.ArrayDimension{Length: int32(len(vals)), LowerBound: 1}
	return c
}

// Dimensions returns the array's one dimension.
func (a *cellArray[T]) Dimensions() []pgtype.ArrayDimension { return a.dims[:] }

// Index returns the cell of element i, nil for NULL.
func (a *cellArray[T]) Index(i int) any {
	if a.nulls != nil && a.nulls[i] {
		return nil
	}
	return a.elems.cell(&a.vals[i])
}

// IndexType returns a cell of the array's type (pgx plans the elements'
// encoding with it).
func (a *cellArray[T]) IndexType() any { return a.elems.cell(new(T)) }

// The cells of cellArray, one per element type.
type (
	intCell   struct{ p *int64 }
	textCell  struct{ p *string }
	boolCell  struct{ p *bool }
	floatCell struct{ p *float64 }
	timeCell  struct{ p *time.Time }
	bytesCell struct{ p *[]byte }
)

func (c intCell) Int64Value() (pgtype.Int8, error) { return pgtype.Int8{Int64: *c.p, Valid: true}, nil }
func (c textCell) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: *c.p, Valid: true}, nil
}
func (c boolCell) BoolValue() (pgtype.Bool, error) { return pgtype.Bool{Bool: *c.p, Valid: true}, nil }
func (c floatCell) Float64Value() (pgtype.Float8, error) {
	return pgtype.Float8{Float64: *c.p, Valid: true}, nil
}
func (c timeCell) TimestamptzValue() (pgtype.Timestamptz, error) {
	return pgtype.Timestamptz{Time: *c.p, Valid: true}, nil
}

// BytesValue returns the value; nil (a NULL) is written as NULL.
func (c bytesCell) BytesValue() ([]byte, error) { return *c.p, nil }

// Add appends row, one value per column (see dialect.BulkRows); a value
// may also be given by pointer (see AddPointers).
func (r *arrayRows) Add(row []any) error {
	if len(r.sizes) < len(row) {
		r.sizes = make([]int, len(row))
	}
	size := 0
	for j, v := range row {
		n, ok := sizeIn(r.cols[j].elem, v)
		if !ok {
			c := r.cols[j].col
			return fmt.Errorf("%w: column %s, %T value: not the Go type of a %s column", dialect.ErrBulkValue, c.Name, v, c.Type)
		}
		r.sizes[j] = n
		size += n
	}
	if r.n > 0 && r.size+size > r.max {
		return dialect.ErrBulkFull
	}
	r.size += size
	for j, v := range row {
		a := &r.cols[j]
		a.size += r.sizes[j]
		if v == nil && a.elem != elemBytes && a.nulls == nil {
			a.nulls = make([]bool, r.n, r.n+1)
		}
		if a.nulls != nil {
			a.nulls = append(a.nulls, v == nil)
		}
		switch a.elem {
		case elemInt:
			a.ints = append(a.ints, intIn(v))
		case elemText:
			a.texts = append(a.texts, valueIn[string](v))
		case elemBool:
			a.bools = append(a.bools, valueIn[bool](v))
		case elemFloat:
			a.floats = append(a.floats, valueIn[float64](v))
		case elemTime:
			a.times = append(a.times, valueIn[time.Time](v))
		default:
			a.bytes = append(a.bytes, valueIn[[]byte](v))
		}
	}
	r.n++
	return nil
}

// AddPointers is Add: a value may be a driver value or a pointer to one
// (see dialect.BulkPointerRows).
func (r *arrayRows) AddPointers(row []any) error { return r.Add(row) }

var _ dialect.BulkPointerRows = (*arrayRows)(nil)

// sizeIn returns the bytes v takes in a binary array of e — a 4-byte
// length and the value — and false when v cannot travel in one. v is nil
// (NULL), a driver value, or a pointer AddPointers takes.
func sizeIn(e elem, v any) (int, bool) {
	switch x := v.(type) {
	case nil:
		return 4, true
	case int64, *int64, *int, *int32:
		return 12, e == elemInt
	case string:
		return 4 + len(x), e == elemText
	case *string:
		return 4 + len(*x), e == elemText
	case bool, *bool:
		return 5, e == elemBool
	case float64, *float64:
		return 12, e == elemFloat
	case time.Time, *time.Time:
		return 12, e == elemTime
	case []byte:
		return 4 + len(x), e == elemBytes
	case *[]byte:
		return 4 + len(*x), e == elemBytes
	}
	return 0, false
}

// valueIn returns v, a T or a *T, as a T; T's zero value for nil (NULL).
func valueIn[T any](v any) T {
	switch x := v.(type) {
	case T:
		return x
	case *T:
		return *x
	}
	var zero T
	return zero
}

// intIn returns v, an int64 or a pointer to an int64, int or int32, as an
// int64; 0 for nil (NULL).
func intIn(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case *int64:
		return *x
	case *int:
		return int64(*x)
	case *int32:
		return int64(*x)
	}
	return 0
}

// DefaultBulkBytes is the default bound on the arguments of one bulk
// INSERT (Dialect.BulkBytes). The 100,000 articles of the benchmark's seed
// (about 60 MB) took 4.5 s as one statement and 2.6-3.3 s as eight of
// 8 MB (4 MB was no faster): pgx builds each array by appending to a
// buffer that starts at a few hundred bytes, copying and page-faulting the
// whole of it again at each step of its growth, and the server plans the
// statement with the whole arguments as constants.
const DefaultBulkBytes = 8 << 20

var _ dialect.BulkChooser = (*Dialect)(nil)

// PrefersBulk is true for 128 values or more (rows × columns): from there,
// binding one array per column takes the server less work than binding
// each value (350 rows of two integers: 0.29-0.32 ms against 0.49-0.57 ms;
// 100 rows of seven columns, four of them strings: 0.50-0.66 ms against
// 0.72-0.80 ms; 64 rows of two integers or 10 of seven columns about
// even), and the statement's text, one for any number of rows, is prepared
// once. Columns other than integers and bools take the arrays only where
// their types in the database take them as they take bound values, which
// relm checks first (see NeedsTypeCheck).
func (d *Dialect) PrefersBulk(cols []*schema.Column, rows int) bool {
	return rows*len(cols) >= 128
}

var _ dialect.BulkTypeChecker = (*Dialect)(nil)

// NeedsTypeCheck is true unless every column is an integer or a bool: int8[]
// and bool[] are assigned to integer, numeric, float, text and bool columns
// exactly as bound scalars are (see PrefersBulk).
func (*Dialect) NeedsTypeCheck(cols []*schema.Column) bool {
	for _, c := range cols {
		if e := elemOf(c.Type.Kind); e != elemInt && e != elemBool {
			return true
		}
	}
	return false
}

// columnTypesQuery lists a table's columns and their type oids; to_regclass
// resolves the name as the INSERT will (search_path) and gives NULL, not an
// error that would abort the transaction, for a table that is not there.
const columnTypesQuery = `SELECT a.attname, a.atttypid::int8 FROM pg_catalog.pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`

// ColumnTypes returns the type oid of each column of table.
func (d *Dialect) ColumnTypes(ctx context.Context, q dialect.Executor, table string) (map[string]uint32, error) {
	rows, err := q.QueryContext(ctx, columnTypesQuery, d.Quote(table))
	if err != nil {
		return nil, fmt.Errorf("postgres: column types of %s: %w", table, err)
	}
	defer rows.Close()
	types := map[string]uint32{}
	for rows.Next() {
		var name string
		var oid int64
		if err := rows.Scan(&name, &oid); err != nil {
			return nil, fmt.Errorf("postgres: column types of %s: %w", table, err)
		}
		types[name] = uint32(oid)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: column types of %s: %w", table, err)
	}
	return types, nil
}

// The oids of the built-in types the arrays fill as VALUES does (pg_type).
const (
	oidBool        = 16
	oidBytea       = 17
	oidInt8        = 20
	oidText        = 25
	oidFloat8      = 701
	oidBpchar      = 1042
	oidVarchar     = 1043
	oidTimestamptz = 1184
)

// TakesBulk reports whether a column of type oid typ takes c's array
// elements as it takes a bound scalar: text[] into text, varchar and char;
// float8[] into float8; timestamptz[] into timestamptz; bytea[] into bytea.
// Integers and bools need no check (NeedsTypeCheck).
func (*Dialect) TakesBulk(c *schema.Column, typ uint32) bool {
	switch elemOf(c.Type.Kind) {
	case elemInt, elemBool:
		return true
	case elemText:
		return typ == oidText || typ == oidVarchar || typ == oidBpchar
	case elemFloat:
		return typ == oidFloat8
	case elemTime:
		return typ == oidTimestamptz
	case elemBytes:
		return typ == oidBytea
	}
	return false
}

func (d *Dialect) bulkBytes() int {
	if d.BulkBytes > 0 {
		return d.BulkBytes
	}
	return DefaultBulkBytes
}
