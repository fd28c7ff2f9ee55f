package relm

import (
	"strconv"
	"time"
	"unsafe"

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
	d := u.d
	keys := keysNone
	if b.returning != nil {
		keys = keysFirstID
		if keysEndAtLastID(d) {
			keys = keysLastID
		} else if d.Returning() {
			keys = keysReturning
		}
	}
	var li dialect.LiteralInliner
	if inline {
		li = d.(dialect.LiteralInliner)
	}
	var head, tail string
	if sh := b.shape; sh != nil {
		head, tail = sh.head, sh.tail
		if start == 0 && b.n == 1 && !inline {
			b.values(0, vals)
			if keys == keysReturning && sh.oneBare != "" {
				// The key from the result, without RETURNING's result
				// set (dialect.OneRowKeyer).
				return 1, u.emitInsert(b, sh.oneBare, "", vals, 0, 1, keysFirstID)
			}
			return 1, u.emitInsert(b, sh.one, "", vals, 0, 1, keys)
		}
		if !inline {
			return u.insertShaped(b, sh, perParams, limit, start, vals, keys)
		}
	} else {
		head = insertHead(d, b.table.Name, b.cols)
		if keys == keysReturning {
			tail = " RETURNING " + d.Quote(b.returning.Name)
		}
	}
	if keys == keysLastID {
		tail = ""
	}
	end := min(b.n, start+perParams)
	maxParams := u.d.MaxParams()
	var args []any
	if inline {
		end = b.n
	}
	rows := end - start // the rows this statement may take, to size it
	if limit > 0 {
		rows = min(rows, 4096) // the packet ends it sooner or later
	}
	if !inline {
		args = make([]any, 0, rows*len(b.cols))
	}
	// Times are inlined only when the rows could not be bound, and only
	// where the dialect knows the driver's layout (SQLite: a *sql.DB
	// relm opened, with _time_format=sqlite; AppendLiteral refuses them
	// elsewhere): rows that fit in bound statements keep the driver's
	// own conversion.
	bindTimes := b.n <= perParams
	var buf []byte
	reuse := inline && u.s.db.reuseText
	if reuse && u.litBuf != nil {
		buf = u.litBuf[:0]
	} else {
		buf = make([]byte, 0, len(head)+len(tail)+min(rows*len(b.cols)*8, maxInlineSQL))
	}
	buf = append(buf, head...)
	n, size, bound := 0, 0, 0
	var ivals []int64
	if inline && b.ints != nil {
		ivals = make([]int64, len(b.cols))
	}
	// The string fields of objects go into the text straight from the
	// objects when the dialect takes them so (dialect.StringInliner),
	// without an interface each: strCols marks their columns, whose vals
	// stay nil.
	var si dialect.StringInliner
	var strCols []bool
	if inline && b.states != nil && b.shape != nil && b.shape.strCols != nil {
		si, strCols = li.(dialect.StringInliner), b.shape.strCols
	}
	i := start
	for ; i < end; i++ {
		intRow := ivals != nil && b.ints(i, ivals)
		if !intRow {
			b.valuesBut(i, vals, strCols)
		}
		if inline && i > start && (n+len(vals) > maxParams || len(buf) > maxInlineSQL ||
			(i-start+1)*len(vals) > maxInlineValues || bound > maxInlineBound) {
			// Values the dialect would not inline took the placeholders
			// or maxInlineBound, or the statement is as large as one
			// should be.
			break
		}
		if inline && (i-start == 1 || i-start >= sizeProbe) && cap(buf)-len(buf) < 1<<16 {
			// Literal rows vary in size: size the statement from the rows
			// written so far — the first, then sizeProbe of them —
			// rather than let append copy it at each doubling (100
			// tutorial articles of about a kilobyte on MariaDB: 200 kB
			// of copies). The slack takes the row that crosses
			// maxInlineSQL.
			est := len(head) + (len(buf)-len(head))/(i-start)*(end-start)
			want := min(est+est/8+1<<10, maxInlineSQL+1<<16) + len(tail)
			if want > cap(buf) {
				buf = append(make([]byte, 0, want), buf...)
			}
		}
		var fits bool
		switch {
		case intRow:
			fits = fitsBytes(argSize(int64(0))*len(ivals), i == start, limit, &size)
		case limit <= 0:
			fits = true // no bound to count the row's bytes against
		case strCols != nil:
			fits = fitsBytes(b.rowBytes(i, vals, strCols), i == start, limit, &size)
		default:
			fits = fitsPacket(vals, i == start, limit, &size)
		}
		if !fits {
			break
		}
		if i > start {
			buf = append(buf, ", "...)
		}
		buf = append(buf, '(')
		if intRow {
			buf = append(appendInts(buf, ivals), ')')
			continue
		}
		for j, v := range vals {
			if j > 0 {
				buf = append(buf, ", "...)
			}
			if inline {
				var ok bool
				if strCols != nil && strCols[j] {
					str, _ := b.fields[j].StringValue(b.states[i].ptr)
					if buf, ok = si.AppendString(buf, b.cols[j], str); ok {
						continue
					}
					v = str // refused: bound (counted below)
				} else if !(bindTimes && isTime(v)) {
					if buf, ok = li.AppendLiteral(buf, b.cols[j], v); ok {
						continue
					}
				}
				bound += argSize(v)
			}
			n++
			buf = d.AppendPlaceholder(buf, n)
			if args == nil {
				// Inlined rows bind few values, often one per row, and
				// maxInlineBound ends the statement after a few thousand
				// of the long ones.
				args = make([]any, 0, min(end-start, maxParams, 4096))
			}
			args = append(args, v)
		}
		buf = append(buf, ')')
	}
	end = i
	buf = append(buf, tail...)
	query := unsafe.String(unsafe.SliceData(buf), len(buf))
	shown := ""
	if inline {
		// The literals stay out of error messages, as bound values do
		// (a column may hold a password).
		shown = head + "…"
	}
	err := u.emitInsert(b, query, shown, args, start, end, keys)
	if reuse {
		// The driver copied the text (SQLite's parser reads its own
		// copy), no logger kept it and errors show head only: the next
		// statement of literals may write over it.
		u.litBuf = buf[:0]
	}
	return end, err
}

// insertShaped is insertValues for a mapper's rows with bound values: it
// gathers the arguments of the rows that fit, then takes the statement's
// text from the shape's cache when the last statement had as many rows
// (a program that inserts batches of one size builds the text once).
func (u *unitOfWork) insertShaped(b *batch, sh *insertShape, perParams, limit, start int, vals []any, keys keyRead) (int, error) {
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
