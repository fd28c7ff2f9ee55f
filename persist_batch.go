package relm

// This file chooses the statements of a batch of INSERT rows. The rows of
// one table go in one statement when they can:
//
//   - two rows or more, when the dialect writes every column's values as
//     literals (dialect.LiteralInliner: SQLite, floats excepted, and
//     MySQL/MariaDB under interpolateParams=true): one VALUES statement
//     of literals (what the dialect refuses bound: on SQLite long strings
//     and blobs); on SQLite the keys of every INSERT … VALUES, literal or
//     bound, are read from the last-insert-id (keysEndAtLastID);
//   - on PostgreSQL, 128 values or more: one INSERT … SELECT unnest(…) of
//     one array per column, faster than VALUES from there
//     (dialect.BulkChooser), where the table's column types take the
//     arrays as they take bound values (see below);
//   - a multi-row INSERT … VALUES when they fit in one: under the dialect's
//     parameter limit and, on MySQL/MariaDB, under max_allowed_packet;
//   - otherwise, when the driver interpolates arguments (MySQL's
//     interpolateParams, dialect.Interpolator), VALUES statements bounded
//     by max_allowed_packet alone;
//   - otherwise, on dialects with dialect.BulkInserter, one INSERT … SELECT
//     that binds all the rows as one parameter per column (PostgreSQL
//     arrays, 8 MB of them per statement by default) or one JSON document
//     (SQLite, MariaDB 10.6+), again bounded by max_allowed_packet on
//     MariaDB; on PostgreSQL only when the table's column types take the
//     arrays' elements as they take bound values (dialect.BulkTypeChecker:
//     not uuid, jsonb, numeric or timestamp columns filled from strings,
//     floats or times), which one query of the catalog tells, once per
//     table and registry, for tables with columns other than integers and
//     bools;
//   - otherwise VALUES statements chunked under both limits.
//
// So a flush issues a number of statements that does not depend on the
// number of rows, as long as each table's rows fit in one statement's
// bound (on SQLite, 131,072 values, 8 MB of literal text, 2 MB of the
// values it still binds and 32,766 bound parameters; on PostgreSQL, 8 MB
// of arrays; on MariaDB, max_allowed_packet, 16 MB by default); beyond it,
// one statement more per bound (and on PostgreSQL, the first time, the
// query of column types).

import (
	"errors"
	"strconv"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// batch is the rows of one INSERT into one table, however many statements
// they take.
type batch struct {
	table *schema.Table
	cols  []*schema.Column
	shape *insertShape // the cached statement text of a mapper's rows, or nil
	n     int
	// The rows of objects (insertGroup): their states, and their mapper's
	// fields in cols order; with genField, the key the database
	// generates, whose values, boxed as the field's Key does, go to
	// genKeys (see batchKeys). row and fail are then nil: the batch's
	// methods serve the objects without a closure each.
	m        *mapping.Mapper
	states   []*state
	fields   []*mapping.Field
	genField *mapping.Field
	genKeys  []any
	// row, for other rows (link rows), writes the values of row i in
	// cols order.
	row func(i int, dst []any)
	// ints, when not nil, gives row i's values as integers without boxing
	// them, for an INSERT of literals; false sends the row through row.
	ints      func(i int, dst []int64) bool
	returning *schema.Column // the generated key to read back (genField's), or nil
	// bulkRows is the number of rows the last bulk statement took, 0
	// before the first: it sizes the next one's arrays.
	bulkRows int
	// fail makes the error of a statement, for other rows.
	fail func(start, end int, query string, err error) error
}

// values writes the values of row i in cols order.
func (b *batch) values(i int, dst []any) { b.fill(i, dst, false) }

// pointers is values, but gives the fields that are Direct by address,
// which boxes nothing (see dialect.BulkPointerRows).
func (b *batch) pointers(i int, dst []any) { b.fill(i, dst, true) }

func (b *batch) fill(i int, dst []any, byAddr bool) {
	if b.states == nil {
		b.row(i, dst)
		return
	}
	p := b.states[i].ptr
	for j, f := range b.fields {
		if byAddr && f.Direct() {
			dst[j] = f.Addr(p)
		} else {
			dst[j] = f.Value(p)
		}
	}
}

// valuesBut is values, but for the columns skip marks (objects' string
// fields; nil: none), whose values it sets to nil.
func (b *batch) valuesBut(i int, dst []any, skip []bool) {
	if skip == nil {
		b.values(i, dst)
		return
	}
	p := b.states[i].ptr
	for j, f := range b.fields {
		if skip[j] {
			dst[j] = nil
		} else {
			dst[j] = f.Value(p)
		}
	}
}

// rowBytes is the bytes of row i as argSize counts them, vals holding its
// values but for the string fields strCols marks, read from the object.
func (b *batch) rowBytes(i int, vals []any, strCols []bool) int {
	n := 0
	for j, v := range vals {
		if strCols[j] {
			str, _ := b.fields[j].StringValue(b.states[i].ptr)
			n += len(str) + 9
		} else {
			n += argSize(v)
		}
	}
	return n
}

// failed returns the error of the statement query that wrote rows
// start…end-1.
func (b *batch) failed(start, end int, query string, err error) error {
	if b.states == nil {
		return b.fail(start, end, query, err)
	}
	e := &StatementError{Op: "insert", Type: b.m.Name(), SQL: query, Err: err}
	if end-start == 1 {
		e.Object, e.Key = b.m.Interface(b.states[start].ptr), b.states[start].key
	} else {
		e.Type += " (rows " + strconv.Itoa(start+1) + "–" + strconv.Itoa(end) + " of " + strconv.Itoa(b.n) + ")"
	}
	return e
}

// packetLimit returns the bound on one statement's arguments in bytes, 0
// for none; read once per flush from the dialect.
func (u *unitOfWork) packetLimit() (int, error) {
	if u.maxBytesRead {
		return u.maxBytes, nil
	}
	u.maxBytesRead = true
	if pl, ok := u.d.(dialect.PacketLimiter); ok {
		n, err := pl.MaxPacket(u.ctx, u.s.db.SQL())
		if err != nil {
			return 0, err
		}
		u.maxBytes = n
	}
	return u.maxBytes, nil
}

// fitsPacket reports whether a row of values vals still fits in a statement
// whose arguments take *size bytes under limit (0: no bound), and adds the
// row's bytes to *size when it does. The first row of a statement always
// fits.
func fitsPacket(vals []any, first bool, limit int, size *int) bool {
	if limit <= 0 {
		return true
	}
	rs := 0
	for _, v := range vals {
		rs += argSize(v)
	}
	return fitsBytes(rs, first, limit, size)
}

// fitsBytes is fitsPacket for a row of rs bytes.
func fitsBytes(rs int, first bool, limit int, size *int) bool {
	if limit <= 0 {
		return true
	}
	if !first && *size+rs > limit {
		return false
	}
	*size += rs
	return true
}

// argSize estimates the bytes a bound argument takes in a statement packet.
func argSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 9
	case []byte:
		return len(x) + 9
	}
	return 16
}

// insertBatch writes b's rows: in one VALUES statement when they fit, else
// in bulk statements when the dialect has them, else in VALUES chunks.
func (u *unitOfWork) insertBatch(b *batch) error {
	limit, err := u.packetLimit()
	if err != nil {
		return err
	}
	var bulk dialect.BulkInserter
	if bi, ok := u.d.(dialect.BulkInserter); ok && (b.returning == nil || u.d.Returning()) {
		bulk = bi
	}
	perParams := max(1, u.d.MaxParams()/len(b.cols))
	if ip, ok := u.d.(dialect.Interpolator); ok && ip.Interpolates() && limit > 0 {
		// No placeholder reaches the server: VALUES statements as large
		// as the packet allows (see dialect.Interpolator).
		perParams, bulk = b.n, nil
	}
	vals := make([]any, len(b.cols))
	if b.n >= inlineMinRows && inlineLiterals(u.d, b.cols) {
		// Every column's values written as literals: one VALUES
		// statement, free of the parameter limit.
		for start := 0; start < b.n; {
			next, err := u.insertValues(b, perParams, limit, start, vals, true)
			if err != nil {
				return err
			}
			start = next
		}
		return nil
	}
	fits := bulk == nil || u.fitsValues(b, perParams, limit, vals)
	wantBulk := bulk != nil && (!fits || bulkFirst(bulk, b))
	bulkLimit := limit
	if fits && limit <= 0 {
		// Bulk by choice, not by need: one statement, as VALUES would
		// have been, whatever the dialect's own bound on its arguments.
		bulkLimit = -1
	}
	if wantBulk {
		if wantBulk, err = u.bulkTakes(bulk, b); err != nil {
			return err
		}
	}
	bulkQuery := ""
	if wantBulk {
		ret := ""
		if b.returning != nil {
			ret = b.returning.Name
		}
		bulkQuery, wantBulk = bulk.BulkInsert(b.table.Name, b.cols, ret)
	}
	useBulk := wantBulk
	for start := 0; start < b.n; {
		if useBulk {
			next, err := u.insertBulk(b, bulk, bulkQuery, bulkLimit, start, vals)
			if err != nil {
				return err
			}
			if next > start {
				start = next
				continue
			}
			// A value the bulk form cannot carry: VALUES for a while.
		}
		next, err := u.insertValues(b, perParams, limit, start, vals, false)
		if err != nil {
			return err
		}
		start, useBulk = next, wantBulk
	}
	return nil
}

// bulkTakes reports whether b's table takes the bulk form's values as it
// takes VALUES' (dialect.BulkTypeChecker): the table's column types are
// read once per table and registry, in the flush's transaction.
func (u *unitOfWork) bulkTakes(bi dialect.BulkInserter, b *batch) (bool, error) {
	tc, ok := bi.(dialect.BulkTypeChecker)
	if !ok || !tc.NeedsTypeCheck(b.cols) {
		return true, nil
	}
	db := u.s.db
	var types map[string]uint32
	if v, ok := db.colTypes.Load(b.table); ok {
		types = v.(map[string]uint32)
	} else {
		var err error
		if types, err = tc.ColumnTypes(u.ctx, u.ex, b.table.Name); err != nil {
			return false, err
		}
		if len(types) > 0 { // a table not found yet may be found later
			db.colTypes.Store(b.table, types)
		}
	}
	for _, c := range b.cols {
		typ, ok := types[c.Name]
		if !ok || !tc.TakesBulk(c, typ) {
			return false, nil
		}
	}
	return true, nil
}

// bulkFirst reports whether b's rows, which fit in one VALUES statement,
// are better written in the dialect's bulk form (dialect.BulkChooser).
func bulkFirst(bi dialect.BulkInserter, b *batch) bool {
	c, ok := bi.(dialect.BulkChooser)
	return ok && b.n >= 2 && c.PrefersBulk(b.cols, b.n)
}

// fitsValues reports whether all of b's rows fit in one VALUES statement.
func (u *unitOfWork) fitsValues(b *batch, perParams, limit int, vals []any) bool {
	if b.n > perParams {
		return false
	}
	if limit <= 0 {
		return true
	}
	size := 0
	for i := 0; i < b.n; i++ {
		b.values(i, vals)
		for _, v := range vals {
			size += argSize(v)
		}
		if size > limit {
			return false
		}
	}
	return true
}

// insertBulk writes rows start… in one bulk statement, as many as fit, and
// returns the first row not written — start itself, with nothing written,
// when the first row holds a value the bulk form cannot carry.
func (u *unitOfWork) insertBulk(b *batch, bi dialect.BulkInserter, query string, limit, start int, vals []any) (int, error) {
	hint := b.n - start
	if b.bulkRows > 0 {
		// The statement before was full: this one likely holds about
		// as many rows.
		hint = min(hint, b.bulkRows+b.bulkRows/8)
	}
	rows := bi.BulkRows(b.cols, limit, hint)
	add := rows.Add
	values := b.values
	if pr, ok := rows.(dialect.BulkPointerRows); ok {
		add, values = pr.AddPointers, b.pointers
	}
	i := start
	for ; i < b.n; i++ {
		values(i, vals)
		if err := add(vals); err != nil {
			if errors.Is(err, dialect.ErrBulkFull) {
				b.bulkRows = i - start
				break
			}
			if errors.Is(err, dialect.ErrBulkValue) {
				if i == start {
					return start, nil
				}
				break // write what was gathered; the row goes by VALUES
			}
			return 0, err
		}
	}
	keys := keysNone
	if b.returning != nil {
		keys = keysReturning // BulkInserter is used only with RETURNING
	}
	return i, u.emitInsert(b, query, "", rows.Args(), start, i, keys)
}
