package relm

import (
	"strconv"
	"time"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/schema"
)

// inlineLiterals reports whether a batch of cols writes its values as
// literals (see dialect.LiteralInliner).
func inlineLiterals(d dialect.Dialect, cols []*schema.Column) bool {
	li, ok := d.(dialect.LiteralInliner)
	if !ok {
		return false
	}
	for _, c := range cols {
		if !li.InlineKind(c.Type.Kind) {
			return false
		}
	}
	return true
}

// insertValues writes rows start… in one multi-row VALUES statement, as
// many as fit, and returns the first row not written. With inline, values
// are written as literals and take no parameter, so rows are bounded only
// by the placeholders of the values the dialect refuses to inline (see
// dialect.LiteralInliner), and by maxInlineSQL.
func (u *unitOfWork) insertValues(b *batch, perParams, limit, start int, vals []any, inline bool) (int, error) {
	keys := keyReadOf(u.d, b)
	var head, tail string
	if sh := b.shape; sh != nil {
		if !inline {
			return u.insertShaped(b, sh, perParams, limit, start, vals, keys)
		}
		head, tail = sh.head, sh.tail
	} else {
		head = insertHead(u.d, b.table.Name, b.cols)
		if keys == keysReturning {
			tail = " RETURNING " + u.d.Quote(b.returning.Name)
		}
	}
	if keys == keysLastID {
		tail = ""
	}
	end := min(b.n, start+perParams)
	if inline {
		end = b.n
	}
	w := u.newValuesWriter(b, head, tail, start, end, limit, perParams, inline)
	i := start
	for ; i < end; i++ {
		if !w.appendRow(b, i, vals) {
			break
		}
	}
	end = i
	w.buf = append(w.buf, tail...)
	query := bytesText(w.buf)
	shown := ""
	if inline {
		// The literals stay out of error messages, as bound values do
		// (a column may hold a password).
		shown = head + "…"
	}
	err := u.emitInsert(b, query, shown, w.args, start, end, keys)
	if w.reuse {
		// The driver copied the text (SQLite's parser reads its own
		// copy), no logger kept it and errors show head only: the next
		// statement of literals may write over it.
		u.litBuf = w.buf[:0]
	}
	return end, err
}

// keyReadOf decides how the generated keys of b's rows are read back from
// a multi-row INSERT … VALUES on d: not at all when b has no generated key;
// from the last-insert-id, the rows ending there, where d gives VALUES
// consecutive keys (SQLite); by RETURNING where d has it (PostgreSQL,
// MariaDB ≥ 10.5); else from the last-insert-id as the first row's key,
// stepping by auto_increment_increment (MySQL). emitInsert reads them.
func keyReadOf(d dialect.Dialect, b *batch) keyRead {
	if b.returning == nil {
		return keysNone
	}
	if keysEndAtLastID(d) {
		return keysLastID
	}
	if d.Returning() {
		return keysReturning
	}
	return keysFirstID
}

// valuesWriter is one INSERT … VALUES statement being written by
// insertValues: its text, the values it still binds, and the counts that
// end it. It lives on insertValues's stack; appendRow adds one row.
type valuesWriter struct {
	d         dialect.Dialect
	li        dialect.LiteralInliner // non-nil when writing literals
	si        dialect.StringInliner  // non-nil when string fields go in straight from the objects
	strCols   []bool                 // the columns si writes, whose vals stay nil
	ivals     []int64                // a row of integers, when b.ints can give one
	buf       []byte                 // the statement's text
	args      []any                  // the values bound
	head      int                    // len of the statement's head
	tail      int                    // len of its tail
	start     int                    // the first row
	end       int                    // the row past the last it may take
	limit     int                    // the packet's bound in bytes, ≤ 0 for none
	maxParams int
	n         int  // placeholders written
	size      int  // bytes counted against limit
	bound     int  // bytes of the values bound while inlining (maxInlineBound)
	bindTimes bool // times stay bound (see newValuesWriter)
	reuse     bool // buf is the unit of work's litBuf, to keep for the next statement
}

// newValuesWriter starts the statement of rows start…end of b with head,
// sizing its text and arguments for the rows it may take.
func (u *unitOfWork) newValuesWriter(b *batch, head, tail string, start, end, limit, perParams int, inline bool) valuesWriter {
	w := valuesWriter{d: u.d, head: len(head), tail: len(tail), start: start, end: end,
		limit: limit, maxParams: u.d.MaxParams()}
	rows := end - start // the rows this statement may take, to size it
	if limit > 0 {
		rows = min(rows, 4096) // the packet ends it sooner or later
	}
	if !inline {
		w.args = make([]any, 0, rows*len(b.cols))
	}
	// Times are inlined only when the rows could not be bound, and only
	// where the dialect knows the driver's layout (SQLite: a *sql.DB
	// relm opened, with _time_format=sqlite; AppendLiteral refuses them
	// elsewhere): rows that fit in bound statements keep the driver's
	// own conversion.
	w.bindTimes = b.n <= perParams
	w.reuse = inline && u.s.db.reuseText
	if w.reuse && u.litBuf != nil {
		w.buf = u.litBuf[:0]
	} else {
		w.buf = make([]byte, 0, len(head)+len(tail)+min(rows*len(b.cols)*8, maxInlineSQL))
	}
	w.buf = append(w.buf, head...)
	if !inline {
		return w
	}
	w.li = u.d.(dialect.LiteralInliner)
	if b.ints != nil {
		w.ivals = make([]int64, len(b.cols))
	}
	// The string fields of objects go into the text straight from the
	// objects when the dialect takes them so (dialect.StringInliner),
	// without an interface each: strCols marks their columns, whose vals
	// stay nil.
	if b.states != nil && b.shape != nil && b.shape.strCols != nil {
		w.si, w.strCols = w.li.(dialect.StringInliner), b.shape.strCols
	}
	return w
}

// appendRow appends row i of b to the statement, vals holding its values,
// and reports false, writing nothing, when the row does not fit: past the
// placeholders, maxInlineSQL, maxInlineValues or maxInlineBound when
// inlining, or past the packet.
func (w *valuesWriter) appendRow(b *batch, i int, vals []any) bool {
	intRow := w.ivals != nil && b.ints(i, w.ivals)
	if !intRow {
		b.valuesBut(i, vals, w.strCols)
	}
	first := i == w.start
	if w.li != nil && !first && (w.n+len(vals) > w.maxParams || len(w.buf) > maxInlineSQL ||
		(i-w.start+1)*len(vals) > maxInlineValues || w.bound > maxInlineBound) {
		// Values the dialect would not inline took the placeholders
		// or maxInlineBound, or the statement is as large as one
		// should be.
		return false
	}
	if w.li != nil && (i-w.start == 1 || i-w.start >= sizeProbe) && cap(w.buf)-len(w.buf) < 1<<16 {
		w.grow(i)
	}
	var fits bool
	switch {
	case intRow:
		fits = fitsBytes(argSize(int64(0))*len(w.ivals), first, w.limit, &w.size)
	case w.limit <= 0:
		fits = true // no bound to count the row's bytes against
	case w.strCols != nil:
		fits = fitsBytes(b.rowBytes(i, vals, w.strCols), first, w.limit, &w.size)
	default:
		fits = fitsPacket(vals, first, w.limit, &w.size)
	}
	if !fits {
		return false
	}
	if !first {
		w.buf = append(w.buf, ", "...)
	}
	w.buf = append(w.buf, '(')
	if intRow {
		w.buf = append(appendInts(w.buf, w.ivals), ')')
		return true
	}
	for j, v := range vals {
		if j > 0 {
			w.buf = append(w.buf, ", "...)
		}
		if w.li != nil {
			var ok bool
			if v, ok = w.appendLiteral(b, i, j, v); ok {
				continue
			}
		}
		w.n++
		w.buf = w.d.AppendPlaceholder(w.buf, w.n)
		if w.args == nil {
			// Inlined rows bind few values, often one per row, and
			// maxInlineBound ends the statement after a few thousand
			// of the long ones.
			w.args = make([]any, 0, min(w.end-w.start, w.maxParams, 4096))
		}
		w.args = append(w.args, v)
	}
	w.buf = append(w.buf, ')')
	return true
}

// appendLiteral writes v, value j of row i, as a literal and reports true,
// or reports false when the dialect refuses it (or it is a time that stays
// bound), returning the value to bind and counting its bytes against
// maxInlineBound. A string column of strCols is read from the object.
func (w *valuesWriter) appendLiteral(b *batch, i, j int, v any) (any, bool) {
	var ok bool
	if w.strCols != nil && w.strCols[j] {
		str, _ := b.fields[j].StringValue(b.states[i].ptr)
		if w.buf, ok = w.si.AppendString(w.buf, b.cols[j], str); ok {
			return nil, true
		}
		v = str // refused: bound (counted below)
	} else if !(w.bindTimes && isTime(v)) {
		if w.buf, ok = w.li.AppendLiteral(w.buf, b.cols[j], v); ok {
			return nil, true
		}
	}
	w.bound += argSize(v)
	return v, false
}

// grow sizes the text of literal rows from the rows written before row i:
// literal rows vary in size, so the statement is sized from the first,
// then from sizeProbe of them, rather than let append copy it at each
// doubling (100 tutorial articles of about a kilobyte on MariaDB: 200 kB
// of copies). The slack takes the row that crosses maxInlineSQL.
func (w *valuesWriter) grow(i int) {
	est := w.head + (len(w.buf)-w.head)/(i-w.start)*(w.end-w.start)
	want := min(est+est/8+1<<10, maxInlineSQL+1<<16) + w.tail
	if want > cap(w.buf) {
		w.buf = append(make([]byte, 0, want), w.buf...)
	}
}

// insertShaped is insertValues for a mapper's rows with bound values: a
// single row takes the shape's one-row statement (without RETURNING where
// the dialect gives a one-row key otherwise, dialect.OneRowKeyer); more
// rows gather the arguments of the rows that fit, then take the
// statement's text from the shape's cache when the last statement had as
// many rows (a program that inserts batches of one size builds the text
// once).
func (u *unitOfWork) insertShaped(b *batch, sh *insertShape, perParams, limit, start int, vals []any, keys keyRead) (int, error) {
	if start == 0 && b.n == 1 {
		b.values(0, vals)
		if keys == keysReturning && sh.oneBare != "" {
			// The key from the result, without RETURNING's result
			// set (dialect.OneRowKeyer).
			return 1, u.emitInsert(b, sh.oneBare, "", vals, 0, 1, keysFirstID)
		}
		return 1, u.emitInsert(b, sh.one, "", vals, 0, 1, keys)
	}
	end := min(b.n, start+perParams)
	rows := end - start
	if limit > 0 {
		rows = min(rows, 4096) // the packet ends it sooner or later
	}
	args := make([]any, 0, rows*len(b.cols))
	size := 0
	i := start
	for ; i < end; i++ {
		b.values(i, vals)
		if !fitsPacket(vals, i == start, limit, &size) {
			break
		}
		args = append(args, vals...)
	}
	end = i
	return end, u.emitInsert(b, sh.rowsText(u.d, end-start), "", args, start, end, keys)
}

// maxInlineSQL bounds the text of one INSERT of literals: past it the rows
// go on in another statement. SQLite refuses a statement longer than
// 1,000,000,000 bytes (SQLITE_MAX_SQL_LENGTH) and holds the text twice
// while it runs (Go's, and SQLite's copy, which it parses into a program
// of as many instructions as values); 8 MB statements, the bound of
// PostgreSQL's bulk INSERTs too, wrote the benchmark's 100,000 articles
// (60 MB) 7 % faster than one statement, with a tenth of the memory held.
var maxInlineSQL = 8 << 20

// maxInlineValues bounds the values of one INSERT of literals. SQLite
// compiles each value into an instruction of the statement's program, an
// array it grows by doubling; past a few megabytes each doubling maps
// fresh memory, and the page faults cost more than parsing the text: the
// benchmark's 350,000 link rows (700,000 integers) took 0.35 s longer as
// one statement than in statements of 131,072 values. The bound keeps the
// tutorial's 10,000 articles (about 70,000 link values) one statement.
const maxInlineValues = 1 << 17

// maxInlineBound bounds the bytes of the values an INSERT of literals still
// binds (on SQLite strings over 256 bytes and blobs: one per row of the
// tutorial's articles, their contents): past it the rows go on in another
// statement. modernc.org/sqlite copies each bound value into C memory that
// lives until the statement ends, fresh pages whenever the statement binds
// more than the last one freed, and the page faults are what costs: 32,766
// article contents of a kilobyte, as many as the parameter limit lets one
// statement bind, held 32 MB. (b) on SQLite made 90,000 page faults (raw
// code, in chunks of 8,191 rows: 67,000) and took 1.11× raw's time; under
// this bound 65,000–70,000 faults and 1.01–1.06× (each in a process of
// its own).
var maxInlineBound = 2 << 20

// inlineMinRows is the least number of rows of a batch written as literals
// (see dialect.LiteralInliner): a single row keeps its bound statement,
// whose text the mapper caches, while from two rows on SQLite parses the
// literals faster than the driver binds the same values (100 rows of seven
// columns: 0.52 ms against 0.62 ms). One row written as literals measured
// no faster than bound (InsertOne, 37 µs either way).
const inlineMinRows = 2

// appendInts appends vs as decimal literals separated by commas, as every
// LiteralInliner writes an int64.
func appendInts(buf []byte, vs []int64) []byte {
	for j, v := range vs {
		if j > 0 {
			buf = append(buf, ", "...)
		}
		buf = strconv.AppendInt(buf, v, 10)
	}
	return buf
}

// isTime reports whether v is a time.Time.
func isTime(v any) bool {
	_, ok := v.(time.Time)
	return ok
}

// sizeProbe is the number of rows an inlined INSERT writes before it sizes
// its text from them again (it first does after one row).
const sizeProbe = 64
