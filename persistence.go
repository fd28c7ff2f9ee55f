package relm

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// This file emits the statements of a flush. The rows of one table go in
// one statement when they can:
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

// insertRows inserts rows of m. Rows whose defaulted fields (see
// mapping.Mapper.Defaulted) are zero leave those columns out, so that the
// database's defaults apply, grouped by the columns they leave out, and the
// values the database stored are read back (readDefaults).
func (u *unitOfWork) insertRows(m *mapping.Mapper, rows []*state) error {
	dfs := m.Defaulted()
	if len(dfs) == 0 {
		return u.insertRowsOmitting(m, rows, nil)
	}
	// Group by which defaulted fields are zero: a mask of their indexes
	// in dfs (the first 64; past them a field is always written).
	var order []uint64
	groups := map[uint64][]*state{}
	for _, st := range rows {
		mask := zeroDefaults(dfs, st)
		if _, ok := groups[mask]; !ok {
			order = append(order, mask)
		}
		groups[mask] = append(groups[mask], st)
	}
	for _, mask := range order {
		var omit []*mapping.Field
		for i, f := range dfs {
			if i < 64 && mask&(1<<i) != 0 {
				omit = append(omit, f)
			}
		}
		if err := u.insertRowsOmitting(m, groups[mask], omit); err != nil {
			return err
		}
		if len(omit) > 0 {
			if err := u.readDefaults(m, groups[mask], omit); err != nil {
				return err
			}
		}
	}
	return nil
}

// zeroDefaults returns the mask of st's defaulted fields (dfs) that hold
// their zero value: the columns its INSERT leaves to the database.
func zeroDefaults(dfs []*mapping.Field, st *state) uint64 {
	var mask uint64
	for i, f := range dfs {
		if i < 64 && f.IsZero(st.ptr) {
			mask |= 1 << i
		}
	}
	return mask
}

// insertRowsOmitting inserts rows of m, but for the columns of omit: those
// whose key the database generates in one group, read back with RETURNING
// (or the last-insert-id range), and those with explicit keys in another.
func (u *unitOfWork) insertRowsOmitting(m *mapping.Mapper, rows []*state, omit []*mapping.Field) error {
	var genField *mapping.Field
	if auto := m.Table.AutoIncrementColumn(); auto != nil {
		genField = m.FieldByColumn(auto.Name)
	}
	if err := checkKeys(m, rows, genField); err != nil {
		return err
	}
	var gen, explicit []*state
	switch {
	case genField == nil:
		explicit = rows
	case noKeys(genField, rows):
		gen = rows // the usual case: every key generated
	default:
		for _, st := range rows {
			if _, ok := genField.Key(st.ptr); ok {
				explicit = append(explicit, st)
			} else {
				gen = append(gen, st)
			}
		}
	}
	var genKeys []any
	if len(gen) > 0 {
		var err error
		if genKeys, err = u.insertGroup(m, gen, genField, omit); err != nil {
			return err
		}
		if len(m.PrimaryKey) != 1 || m.PrimaryKey[0] != genField {
			genKeys = nil // the identity is more than the generated key
		}
	}
	if len(explicit) > 0 {
		if _, err := u.insertGroup(m, explicit, nil, omit); err != nil {
			return err
		}
	}
	u.statementDone()
	if len(gen) > 1 && genKeys != nil && isIntField(genField) {
		u.s.identity.intsFor(m, len(gen)) // sized once, when new
	}
	for i, st := range gen {
		var key any
		if genKeys != nil {
			key = genKeys[i] // boxed once, when it was set
		}
		if err := u.inserted(m, st, key); err != nil {
			return err
		}
	}
	for _, st := range explicit {
		if err := u.inserted(m, st, nil); err != nil {
			return err
		}
	}
	return nil
}

// checkKeys returns an error naming the first of rows that lacks a value in
// a primary-key field the database does not generate (every one but
// genField): checked before any statement, so that an INSERT that would
// leave its row without a known key is never sent — a commit of one
// statement runs outside a transaction, where nothing could take it back.
func checkKeys(m *mapping.Mapper, rows []*state, genField *mapping.Field) error {
	if len(m.PrimaryKey) == 1 && m.PrimaryKey[0] == genField {
		return nil // the usual case: the one key column is generated
	}
	for i, st := range rows {
		for _, f := range m.PrimaryKey {
			if f == genField {
				continue
			}
			if _, ok := f.Key(st.ptr); !ok {
				what := "the"
				if len(rows) > 1 {
					what = "row " + strconv.Itoa(i+1) + " of " + strconv.Itoa(len(rows)) + ": the"
				}
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr),
					Err: fmt.Errorf("%w: %s primary-key field %s.%s (column %s.%s) is not set, and the database does not generate it; set it before the flush",
						ErrNoKey, what, m.Name(), f.Name, m.Table.Name, f.Column.Name)}
			}
		}
	}
	return nil
}

// ErrNoKey is returned (wrapped) by a flush that would insert an object
// whose primary key is not set and not generated by the database (a zero
// value counts as not set: an empty string, 0). Nothing is written.
var ErrNoKey = errors.New("relm: primary key not set")

// readDefaults reads back into rows, just inserted, the values the database
// gave the columns of omit (their defaults): one SELECT by key per chunk of
// rows under the parameter limit, scanned through a scratch object.
func (u *unitOfWork) readDefaults(m *mapping.Mapper, rows []*state, omit []*mapping.Field) error {
	d := u.d
	c := u.s.db.cache(m)
	head := "SELECT "
	for i, f := range m.PrimaryKey {
		if i > 0 {
			head += ", "
		}
		head += d.Quote(f.Column.Name)
	}
	for _, f := range omit {
		head += ", " + d.Quote(f.Column.Name)
	}
	head += " FROM " + c.table + " WHERE "
	byKey := make(map[any]*state, len(rows))
	for _, st := range rows {
		byKey[st.key] = st
	}
	per := max(1, d.MaxParams()/len(m.PrimaryKey))
	tmp := m.New()
	dest := make([]any, 0, len(m.PrimaryKey)+len(omit))
	for _, f := range m.PrimaryKey {
		dest = append(dest, f.Addr(tmp))
	}
	for _, f := range omit {
		dest = append(dest, f.Addr(tmp))
	}
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		buf := []byte(head)
		var args []any
		for i, st := range chunk {
			if i > 0 {
				buf = append(buf, " OR "...)
			}
			buf = append(buf, '(')
			for j, f := range m.PrimaryKey {
				if j > 0 {
					buf = append(buf, " AND "...)
				}
				buf = append(buf, d.Quote(f.Column.Name)...)
				buf = append(buf, " = "...)
				buf = d.AppendPlaceholder(buf, len(args)+1)
				args = append(args, f.Value(st.ptr))
			}
			buf = append(buf, ')')
		}
		query := string(buf)
		found := 0
		err := queryRows(u.ctx, u.ex, query, args, func(r dialect.Rows) error {
			for r.Next() {
				if err := r.Scan(dest...); err != nil {
					return err
				}
				key, _ := m.Identity(tmp)
				st := byKey[key]
				if st == nil {
					return fmt.Errorf("a row with key %v that the INSERT did not write", key)
				}
				for _, f := range omit {
					u.s.journalZero(st, f)
					f.CopyValue(st.ptr, tmp)
				}
				found++
			}
			return nil
		})
		if err == nil && found != len(chunk) {
			err = fmt.Errorf("read %d rows of %d just inserted", found, len(chunk))
		}
		if err != nil {
			return &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: fmt.Errorf("read the columns' defaults back: %w", err)}
		}
	}
	return nil
}

// noKeys reports whether no row has a value in its key field f.
func noKeys(f *mapping.Field, rows []*state) bool {
	for _, st := range rows {
		if _, ok := f.Key(st.ptr); ok {
			return false
		}
	}
	return true
}

// inserted records that st's row was inserted, under its identity key
// (read from the object when key is nil).
func (u *unitOfWork) inserted(m *mapping.Mapper, st *state, key any) error {
	u.markInserted(st)
	u.markTouched(st)
	if key == nil {
		var ok bool
		if key, ok = m.Identity(st.ptr); !ok {
			return fmt.Errorf("relm: insert %s: the row has no key after insert", m.Name())
		}
	}
	u.s.touch(st)
	u.s.register(st, key)
	return nil
}

// insertGroup inserts rows of m in one batch, leaving out the fields of
// omit. With genField, the key the database generates, it returns the keys,
// boxed as the field's Key normalises them.
func (u *unitOfWork) insertGroup(m *mapping.Mapper, rows []*state, genField *mapping.Field, omit []*mapping.Field) ([]any, error) {
	c := u.s.db.cache(m)
	sh := c.insertAll
	if genField != nil {
		sh = c.insertGen
	}
	fields, cols := sh.fields, sh.cols
	if len(omit) > 0 {
		// Another column list than the cached statements': no shape.
		fields, cols = nil, nil
		for _, f := range sh.fields {
			if !slices.Contains(omit, f) {
				fields, cols = append(fields, f), append(cols, f.Column)
			}
		}
		sh = nil
	}
	if len(fields) == 0 {
		// Only a generated key: one DEFAULT row per statement.
		return nil, u.insertDefaults(m, rows, genField)
	}
	b := &batch{
		table:  m.Table,
		cols:   cols,
		shape:  sh,
		n:      len(rows),
		m:      m,
		states: rows,
		fields: fields,
	}
	if genField != nil {
		b.returning = genField.Column
		b.genField = genField
		b.genKeys = make([]any, len(rows))
	}
	err := u.insertBatch(b)
	return b.genKeys, err
}

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

// batchKeys hands the generated keys of rows start… (in row order) to b.
func (u *unitOfWork) batchKeys(b *batch, start int, ids []int64) error {
	if b.genField == nil {
		return fmt.Errorf("relm: %d generated keys read back for rows of %s, which have none", len(ids), b.table.Name)
	}
	if j := u.s.journal; j != nil {
		j.fields = slices.Grow(j.fields, len(ids))
	}
	for i, id := range ids {
		k := any(id) // the identity key too: boxed once
		if err := u.s.setKey(b.states[start+i], b.genField, k); err != nil {
			return err
		}
		b.genKeys[start+i] = k
	}
	return nil
}

// autoIncrementStep returns the step between generated keys of one INSERT,
// read once per flush on the flush's connection (1 when the dialect does not
// say).
func (u *unitOfWork) autoIncrementStep() (int64, error) {
	if u.incrStep > 0 {
		return u.incrStep, nil
	}
	u.incrStep = 1
	if st, ok := u.d.(dialect.AutoIncrementStepper); ok {
		n, err := st.AutoIncrementStep(u.ctx, u.ex)
		if err != nil {
			return 0, fmt.Errorf("read the auto-increment step: %w", err)
		}
		u.incrStep = n
	}
	return u.incrStep, nil
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

// keysEndAtLastID reports whether d's INSERT … VALUES gives its rows keys
// one apart that end at the last-insert-id (SQLite; see
// dialect.LiteralInliner): relm then reads them from the statement's
// result rather than with RETURNING, bound rows as literal ones — an
// Exec, where RETURNING makes a query with rows to step through and
// close.
func keysEndAtLastID(d dialect.Dialect) bool {
	li, ok := d.(dialect.LiteralInliner)
	return ok && li.KeysEndAtLastInsertID()
}

// keyRead is how an INSERT's generated keys are read back.
type keyRead uint8

const (
	keysNone      keyRead = iota // no generated key
	keysReturning                // INSERT … RETURNING
	keysFirstID                  // last-insert-id is the first row's key (MySQL)
	keysLastID                   // last-insert-id is the last row's key (SQLite)
)

// emitInsert runs an INSERT of rows start…end-1 and hands the generated keys
// to the batch. shown, when not "", stands for the query in an error.
func (u *unitOfWork) emitInsert(b *batch, query, shown string, args []any, start, end int, keys keyRead) error {
	fail := func(err error) error {
		if shown == "" {
			shown = query
		}
		return b.failed(start, end, shown, err)
	}
	n := end - start
	switch keys {
	case keysReturning:
		ids, err := u.queryIDs(query, args, n)
		if err != nil {
			return fail(err)
		}
		// The keys read back go unjournalled when nothing can take the
		// statement back.
		u.statementDone()
		if len(ids) != n {
			return fail(fmt.Errorf("RETURNING gave %d keys for %d rows", len(ids), n))
		}
		// Generated keys ascend in row order; sort them rather than
		// trust the order RETURNING lists them in.
		slices.Sort(ids)
		return u.batchKeys(b, start, ids)
	case keysFirstID, keysLastID:
		res, err := execStmt(u.ctx, u.ex, query, args)
		if err != nil {
			return fail(err)
		}
		u.statementDone()
		id, err := res.LastInsertId()
		if err != nil {
			return fail(err)
		}
		// The keys of one multi-row VALUES INSERT are first, first+step,
		// … (step is 3 on a three-node Galera cluster); on SQLite they
		// end at the last-insert-id, one apart.
		step := int64(1)
		if keys == keysFirstID {
			if id < 1 {
				return fail(fmt.Errorf("last-insert-id %d: the INSERT generated no key; is the table's key column %s AUTO_INCREMENT?", id, b.returning.Name))
			}
			if n > 1 {
				if step, err = u.autoIncrementStep(); err != nil {
					return fail(err)
				}
			}
		} else {
			got, err := res.RowsAffected()
			if err != nil {
				return fail(err)
			}
			if got != int64(n) {
				return fail(fmt.Errorf("the INSERT wrote %d rows of %d", got, n))
			}
			id -= int64(n - 1)
			if id < 1 {
				return fail(fmt.Errorf("last-insert-id %d is below the %d rows inserted", id+int64(n-1), n))
			}
		}
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = id + int64(i)*step
		}
		return u.batchKeys(b, start, ids)
	default:
		if _, err := execStmt(u.ctx, u.ex, query, args); err != nil {
			return fail(err)
		}
		return nil
	}
}

// queryIDs runs an INSERT … RETURNING of n rows and returns the keys.
func (u *unitOfWork) queryIDs(query string, args []any, n int) ([]int64, error) {
	return queryInt64s(u.ctx, u.ex, query, args, make([]int64, 0, n))
}

// insertDefaults inserts rows that have no column but a generated key.
func (u *unitOfWork) insertDefaults(m *mapping.Mapper, rows []*state, genField *mapping.Field) error {
	d := u.d
	c := u.s.db.cache(m)
	query := "INSERT INTO " + c.table + " DEFAULT VALUES"
	if d.Name() == "mysql" {
		query = "INSERT INTO " + c.table + " () VALUES ()"
	}
	for _, st := range rows {
		var id int64
		if d.Returning() {
			q := query + " RETURNING " + d.Quote(genField.Column.Name)
			ids, err := u.queryIDs(q, nil, 1)
			if err == nil && len(ids) != 1 {
				err = fmt.Errorf("RETURNING gave %d keys for 1 row", len(ids))
			}
			if err != nil {
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: q, Err: err}
			}
			id = ids[0]
		} else {
			res, err := execStmt(u.ctx, u.ex, query, nil)
			if err == nil {
				id, err = res.LastInsertId()
			}
			if err != nil {
				return &StatementError{Op: "insert", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: query, Err: err}
			}
		}
		if err := u.s.setKey(st, genField, id); err != nil {
			return err
		}
	}
	return nil
}

// update writes the changed columns of a persistent object.
func (u *unitOfWork) update(st *state) error {
	m := st.m
	changed, mask, err := appendChanged(u.kept.changed[:0], st)
	u.kept.changed = changed
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		return nil
	}
	// With no logger, nothing keeps the arguments past the statement:
	// they are the unit of work's to reuse (release clears them).
	reuse := u.s.db.logger == nil
	var args []any
	if reuse {
		args = u.kept.args[:0]
	}
	args = slices.Grow(args, len(changed)+len(m.PrimaryKey))
	for _, f := range changed {
		args = append(args, f.Value(st.ptr))
	}
	for _, f := range m.PrimaryKey {
		args = append(args, f.Value(st.ptr))
	}
	if reuse {
		u.kept.args = args
	}
	query := u.updateText(m, changed, mask)
	res, err := execStmt(u.ctx, u.ex, query, args)
	if err != nil {
		return &StatementError{Op: "update", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: query, Err: err}
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		// 0 rows matched: the row is gone (the MySQL dialect asks the
		// driver for matched rows, not changed ones).
		return &StatementError{Op: "update", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: query,
			Err: fmt.Errorf("%w: no row with key %v in %s (deleted since the session read it, or never there: an object reached with its key set is taken as an existing row)", ErrStaleObject, st.key, m.Table.Name)}
	}
	u.statementDone()
	u.markTouched(st)
	return nil
}

// updateText returns the UPDATE of the changed fields of m, whose indexes
// are the bits of mask (0 when m has more than 64 fields): the mapper's
// last one when it changed the same fields, else built and kept as the
// last.
func (u *unitOfWork) updateText(m *mapping.Mapper, changed []*mapping.Field, mask uint64) string {
	c := u.s.db.cache(m)
	if last := c.update.Load(); mask != 0 && last != nil && last.mask == mask {
		return last.text
	}
	d := u.d
	buf := make([]byte, 0, 64)
	buf = append(buf, "UPDATE "...)
	buf = append(buf, c.table...)
	buf = append(buf, " SET "...)
	for i, f := range changed {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, d.Quote(f.Column.Name)...)
		buf = append(buf, " = "...)
		buf = d.AppendPlaceholder(buf, i+1)
	}
	buf = u.appendPKWhere(buf, m, len(changed))
	text := string(buf)
	if mask != 0 {
		c.update.Store(&updateStmt{mask: mask, text: text})
	}
	return text
}

// appendChanged appends to changed the non-key fields of a persistent
// object that differ from its snapshot (all of them when it has none), with
// their indexes in m.Fields as the bits of mask (0 past 64 fields), or
// returns an error when its primary key changed.
func appendChanged(changed []*mapping.Field, st *state) (_ []*mapping.Field, mask uint64, err error) {
	fields := st.m.Fields
	for i, f := range fields {
		if f.Column.PrimaryKey {
			if st.snap != nil && !f.Equal(st.snap, st.ptr) {
				return nil, 0, fmt.Errorf("relm: %s.%s: changing a primary key is not supported; delete the row and add a new one", st.m.Name(), f.Name)
			}
			continue
		}
		if st.snap == nil || !f.Equal(st.snap, st.ptr) {
			if changed == nil {
				changed = make([]*mapping.Field, 0, len(fields))
			}
			changed = append(changed, f)
			if len(fields) <= 64 {
				mask |= 1 << i
			}
		}
	}
	return changed, mask, nil
}

// ErrStaleObject is returned (wrapped) when an UPDATE or DELETE finds no row.
var ErrStaleObject = fmt.Errorf("relm: stale object")

func (u *unitOfWork) appendPKWhere(buf []byte, m *mapping.Mapper, n int) []byte {
	buf = append(buf, " WHERE "...)
	for i, f := range m.PrimaryKey {
		if i > 0 {
			buf = append(buf, " AND "...)
		}
		buf = append(buf, u.d.Quote(f.Column.Name)...)
		buf = append(buf, " = "...)
		buf = u.d.AppendPlaceholder(buf, n+i+1)
	}
	return buf
}

// postUpdate sets a foreign key deferred because of a cycle.
func (u *unitOfWork) postUpdate(sy *fkSync) error {
	sy.postUpdate = false
	st := sy.child
	if st.status == statusDeleted {
		return nil
	}
	if err := u.applySyncs(st); err != nil {
		return err
	}
	m := st.m
	d := u.d
	buf := []byte("UPDATE " + u.s.db.cache(m).table + " SET ")
	var args []any
	for i, f := range sy.fields() {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, d.Quote(f.Column.Name)...)
		buf = append(buf, " = "...)
		buf = d.AppendPlaceholder(buf, i+1)
		args = append(args, f.Value(st.ptr))
	}
	buf = u.appendPKWhere(buf, m, len(sy.fields()))
	for _, f := range m.PrimaryKey {
		args = append(args, f.Value(st.ptr))
	}
	if _, err := execStmt(u.ctx, u.ex, string(buf), args); err != nil {
		return &StatementError{Op: "update", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: string(buf), Err: err}
	}
	u.markTouched(st)
	return nil
}

// detachOneToOne sets to NULL the foreign key of the rows that still point
// at a parent whose one-to-one was replaced without the old child being
// known: UPDATE child SET fk = NULL WHERE fk IN (parents) AND pk NOT IN
// (new children), one statement per relationship (chunked under the
// parameter limit), and the same in memory.
func (u *unitOfWork) detachOneToOne() error {
	if len(u.detaches) == 0 {
		return nil
	}
	var order []*mapping.Relationship
	groups := map[*mapping.Relationship][]o2oDetach{}
	for _, x := range u.detaches {
		if x.parent.status == statusDeleted || x.child.status == statusDeleted || x.r.Uselist {
			continue
		}
		if _, ok := groups[x.r]; !ok {
			order = append(order, x.r)
		}
		groups[x.r] = append(groups[x.r], x)
	}
	d := u.d
	for _, r := range order {
		g := groups[r]
		t := r.Target
		fk, pk := r.RemoteFields[0], t.PrimaryKey[0]
		per := max(1, d.MaxParams()/2)
		for start := 0; start < len(g); start += per {
			chunk := g[start:min(start+per, len(g))]
			buf := []byte("UPDATE " + u.s.db.cache(t).table + " SET " + d.Quote(fk.Column.Name) + " = NULL WHERE " + d.Quote(fk.Column.Name) + " IN (")
			args := make([]any, 0, 2*len(chunk))
			for i, x := range chunk {
				if i > 0 {
					buf = append(buf, ", "...)
				}
				buf = d.AppendPlaceholder(buf, len(args)+1)
				args = append(args, r.LocalFields[0].Value(x.parent.ptr))
			}
			buf = append(buf, ") AND "+d.Quote(pk.Column.Name)+" NOT IN ("...)
			for i, x := range chunk {
				if i > 0 {
					buf = append(buf, ", "...)
				}
				buf = d.AppendPlaceholder(buf, len(args)+1)
				args = append(args, pk.Value(x.child.ptr))
			}
			buf = append(buf, ')')
			if _, err := execStmt(u.ctx, u.ex, string(buf), args); err != nil {
				return &StatementError{Op: "update", Type: t.Name(), SQL: string(buf), Err: err}
			}
		}
		parents := make([]*state, len(g))
		keep := map[*state]bool{}
		for i, x := range g {
			parents[i] = x.parent
			keep[x.child] = true
		}
		u.nullChildrenInMemory(r, parents, keep)
	}
	return nil
}

// writeLinks deletes removed link rows, then inserts added ones, per table.
func (u *unitOfWork) writeLinks() error {
	if len(u.linkOrder) == 0 {
		return nil
	}
	type group struct {
		sec  *schema.Table
		cols [2]*schema.Column
		add  bool
		ops  []*linkOp
	}
	var groups []*group
	var last *group
	index := map[[2]*schema.Column]map[bool]*group{}
	for i := range u.linkOrder {
		op := &u.linkOrder[i]
		if op.dead {
			continue
		}
		if op.ends[0].status == statusDeleted || op.ends[1].status == statusDeleted {
			continue // the deleted object's link rows go with it
		}
		fields := op.fields()
		for i, end := range op.ends {
			ok := false
			if _, intOK, isInt := fields[i].IntKey(end.ptr); isInt {
				ok = intOK
			} else {
				_, ok = fields[i].Key(end.ptr)
			}
			if !ok {
				return fmt.Errorf("relm: a %s link row refers to a %s that has no key; add it to the session (or give the relationship the save-update cascade)", op.sec().Name, end.m.Name())
			}
		}
		cols := op.cols()
		g := last
		if g == nil || g.cols != cols || g.add != op.add {
			g = index[cols][op.add] // the rows of a link table mostly come together
		}
		if g == nil {
			g = &group{sec: op.sec(), cols: cols, add: op.add}
			if len(groups) == 0 {
				// Usually the only group: room for every row.
				g.ops = make([]*linkOp, 0, len(u.linkOrder)-i)
			}
			if index[cols] == nil {
				index[cols] = map[bool]*group{}
			}
			index[cols][op.add] = g
			groups = append(groups, g)
		}
		g.ops = append(g.ops, op)
		last = g
	}
	sort.SliceStable(groups, func(i, j int) bool { return !groups[i].add && groups[j].add })
	d := u.d
	for _, g := range groups {
		if g.add {
			ops := g.ops
			b := &batch{
				table: g.sec,
				cols:  g.cols[:],
				n:     len(ops),
				row: func(i int, dst []any) {
					op := ops[i]
					f := op.fields()
					dst[0] = f[0].Value(op.ends[0].ptr)
					dst[1] = f[1].Value(op.ends[1].ptr)
				},
				ints: func(i int, dst []int64) bool {
					op := ops[i]
					f := op.fields()
					a, okA, intA := f[0].IntKey(op.ends[0].ptr)
					c, okC, intC := f[1].IntKey(op.ends[1].ptr)
					dst[0], dst[1] = a, c
					return intA && intC && okA && okC
				},
				fail: func(_, _ int, query string, err error) error {
					return &StatementError{Op: "link insert", Type: g.sec.Name, SQL: query, Err: err}
				},
			}
			if err := u.insertBatch(b); err != nil {
				return err
			}
			continue
		}
		table := d.Quote(g.sec.Name)
		a, bcol := d.Quote(g.cols[0].Name), d.Quote(g.cols[1].Name)
		per := max(1, d.MaxParams()/2)
		for start := 0; start < len(g.ops); start += per {
			chunk := g.ops[start:min(start+per, len(g.ops))]
			args := make([]any, 0, 2*len(chunk))
			buf := []byte("DELETE FROM " + table + " WHERE (" + a + ", " + bcol + ") IN (")
			for i, op := range chunk {
				if i > 0 {
					buf = append(buf, ", "...)
				}
				buf = append(buf, '(')
				buf = d.AppendPlaceholder(buf, 2*i+1)
				buf = append(buf, ", "...)
				buf = d.AppendPlaceholder(buf, 2*i+2)
				buf = append(buf, ')')
				f := op.fields()
				args = append(args, f[0].Value(op.ends[0].ptr), f[1].Value(op.ends[1].ptr))
			}
			buf = append(buf, ')')
			if _, err := execStmt(u.ctx, u.ex, string(buf), args); err != nil {
				return &StatementError{Op: "link delete", Type: g.sec.Name, SQL: string(buf), Err: err}
			}
		}
	}
	return nil
}

// deleteRows deletes the deleted objects table by table, children first.
// Before a table's rows go, the link rows that name them are deleted and the
// foreign keys that still point at them (children not deleted with them) are
// set to NULL, as SQLAlchemy does without a delete cascade.
func (u *unitOfWork) deleteRows(plan *flushPlan, deleted []*state) error {
	if len(deleted) == 0 {
		return nil
	}
	byMapper := map[*mapping.Mapper][]*state{}
	for _, st := range deleted {
		if st.key != nil {
			byMapper[st.m] = append(byMapper[st.m], st)
		}
	}
	for i := len(plan.mappers) - 1; i >= 0; i-- {
		m := plan.mappers[i]
		rows := byMapper[m]
		if m == nil || len(rows) == 0 {
			continue
		}
		if err := u.breakDeleteCycles(plan, byMapper, i); err != nil {
			return err
		}
		if err := u.detach(m, rows); err != nil {
			return err
		}
		if len(m.PrimaryKey) != 1 {
			for _, st := range rows {
				buf := u.appendPKWhere([]byte("DELETE FROM "+u.s.db.cache(m).table), m, 0)
				var args []any
				for _, f := range m.PrimaryKey {
					args = append(args, f.Value(st.ptr))
				}
				if _, err := execStmt(u.ctx, u.ex, string(buf), args); err != nil {
					return &StatementError{Op: "delete", Type: m.Name(), Object: m.Interface(st.ptr), Key: st.key, SQL: string(buf), Err: err}
				}
			}
			continue
		}
		pk := m.PrimaryKey[0]
		keys := make([]any, len(rows))
		for i, st := range rows {
			keys[i] = pk.Value(st.ptr)
		}
		for _, q := range u.inStatements(m.Table, pk.Column, keys, false) {
			if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
				e := &StatementError{Op: "delete", Type: m.Name(), SQL: q.sql, Err: err}
				if len(rows) == 1 {
					e.Object, e.Key = m.Interface(rows[0].ptr), rows[0].key
				}
				return e
			}
		}
	}
	return nil
}

// breakDeleteCycles sets to NULL, before the rows of plan.mappers[i] are
// deleted, the foreign keys into that table of rows deleted after it in
// this flush — rows of a table earlier in the flush order, which can only
// refer to a later one through a key of a cycle between tables (see
// flushOrder) — as SQLAlchemy's post_update does: then each DELETE finds
// nothing still referring to its rows. A NOT NULL key of such a cycle
// cannot be nulled; the DELETE fails on it, naming the constraint.
func (u *unitOfWork) breakDeleteCycles(plan *flushPlan, byMapper map[*mapping.Mapper][]*state, i int) error {
	target := plan.mappers[i].Table
	for j := 0; j < i; j++ {
		o := plan.mappers[j]
		rows := byMapper[o]
		if o == nil || len(rows) == 0 || len(o.PrimaryKey) != 1 {
			continue
		}
		for _, fk := range o.Table.ForeignKeys() {
			if fk.RefTable != target || len(fk.Columns) != 1 || fk.Columns[0].NotNull || fk.Columns[0].PrimaryKey {
				continue
			}
			pk := o.PrimaryKey[0]
			keys := make([]any, 0, len(rows))
			for _, st := range rows {
				keys = append(keys, pk.Value(st.ptr))
			}
			set := "UPDATE " + u.d.Quote(o.Table.Name) + " SET " + u.d.Quote(fk.Columns[0].Name) + " = NULL WHERE "
			for _, q := range u.whereIn(set, pk.Column, keys) {
				if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
					return &StatementError{Op: "update", Type: o.Name(), SQL: q.sql, Err: err}
				}
			}
		}
	}
	return nil
}

// detach removes what refers to rows of m about to be deleted: link rows of
// every many-to-many through which m is reached, and the foreign keys of
// one-to-many children without a delete cascade.
func (u *unitOfWork) detach(m *mapping.Mapper, rows []*state) error {
	type ref struct {
		r       *mapping.Relationship
		col     *schema.Column // the referring column
		table   *schema.Table  // its table
		key     *mapping.Field // m's field it refers to
		setNull bool           // a child's foreign key (else a link row)
	}
	var refs []ref
	for _, r := range m.Relationships {
		switch {
		case r.Direction == mapping.ManyToMany:
			refs = append(refs, ref{r, r.SecondaryLocal[0], r.Secondary, r.LocalFields[0], false})
		case r.Direction == mapping.OneToMany && !r.Cascade.Delete:
			refs = append(refs, ref{r, r.RemoteColumns[0], r.Target.Table, r.LocalFields[0], true})
		}
	}
	// A many-to-many declared only on the other side (no backref) still
	// has link rows naming m's rows.
	for _, other := range u.s.reg.Mappers() {
		for _, r := range other.Relationships {
			if r.Direction == mapping.ManyToMany && r.Target == m && r.Reverse == nil {
				refs = append(refs, ref{r, r.SecondaryRemote[0], r.Secondary, r.RemoteFields[0], false})
			}
		}
	}
	done := map[*schema.Column]bool{}
	for _, x := range refs {
		if done[x.col] {
			continue
		}
		done[x.col] = true
		keys := make([]any, 0, len(rows))
		for _, st := range rows {
			if v := x.key.Value(st.ptr); v != nil {
				keys = append(keys, v)
			}
		}
		if len(keys) == 0 {
			continue
		}
		for _, q := range u.inStatements(x.table, x.col, keys, x.setNull) {
			if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
				op := "link delete"
				if x.setNull {
					op = "update"
				}
				return &StatementError{Op: op, Type: x.table.Name, SQL: q.sql, Err: err}
			}
		}
		if x.setNull {
			u.nullChildrenInMemory(x.r, rows, nil)
		}
	}
	return nil
}

type stmt struct {
	sql  string
	args []any
}

// inStatements builds DELETE FROM table WHERE col IN (...) — or, with
// setNull, UPDATE table SET col = NULL WHERE col IN (...): one statement
// binding the keys as one list on dialects that can (dialect.ListBinder),
// otherwise placeholders chunked under the parameter limit.
func (u *unitOfWork) inStatements(table *schema.Table, col *schema.Column, keys []any, setNull bool) []stmt {
	d := u.d
	head := "DELETE FROM " + d.Quote(table.Name) + " WHERE "
	if setNull {
		head = "UPDATE " + d.Quote(table.Name) + " SET " + d.Quote(col.Name) + " = NULL WHERE "
	}
	return u.whereIn(head, col, keys)
}

// whereIn returns the statements head + `col IN (keys)`: one binding the
// keys as one list on dialects that can (dialect.ListBinder), otherwise
// placeholders chunked under the parameter limit.
func (u *unitOfWork) whereIn(text string, col *schema.Column, keys []any) []stmt {
	d := u.d
	head := []byte(text)
	if lb, ok := d.(dialect.ListBinder); ok && len(keys) > 1 {
		if buf, arg, ok := lb.AppendInList(append([]byte(nil), head...), d.Quote(col.Name), 1, keys); ok {
			return []stmt{{sql: string(buf), args: []any{arg}}}
		}
	}
	per := max(1, d.MaxParams()-1)
	var out []stmt
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		buf := append([]byte(nil), head...)
		buf = append(buf, d.Quote(col.Name)+" IN ("...)
		for i := range chunk {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = d.AppendPlaceholder(buf, i+1)
		}
		buf = append(buf, ')')
		out = append(out, stmt{sql: string(buf), args: chunk})
	}
	return out
}

// nullChildrenInMemory clears, in the session's objects, the foreign keys
// that the database just set to NULL: those of r's targets that pointed at
// one of parents, except the states in keep.
func (u *unitOfWork) nullChildrenInMemory(r *mapping.Relationship, parents []*state, keep map[*state]bool) {
	keys := map[any]*state{}
	for _, p := range parents {
		if k, ok := r.LocalFields[0].Key(p.ptr); ok {
			keys[k] = p
		}
	}
	f := r.RemoteFields[0]
	for _, st := range u.s.states {
		if st.m != r.Target || st.status == statusDeleted || keep[st] {
			continue
		}
		k, ok := f.Key(st.ptr)
		if !ok {
			continue
		}
		parent := keys[k]
		if parent == nil {
			continue
		}
		_ = u.s.setKey(st, f, nil)
		u.markTouched(st)
		if rr := r.Reverse; rr != nil && rr.HasField && !rr.Uselist {
			u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: rr, only: parent.ptr})
		}
		if r.HasField && !r.Uselist {
			u.scalarSets = append(u.scalarSets, scalarSet{st: parent, r: r, only: st.ptr})
		}
	}
}
