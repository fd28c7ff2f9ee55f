package relm

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// load runs a query whose result columns are m's fields in order and returns
// the object of each row. A row whose object is already in the session
// yields that object (unchanged: the session's version wins, as in
// SQLAlchemy); others become persistent objects with a snapshot.
func (s *Session) load(ctx context.Context, m *mapping.Mapper, query string, args []any) ([]unsafe.Pointer, error) {
	return s.loadN(ctx, m, query, args, 0, false)
}

// loadN is load for a query expected to return about n rows (its LIMIT; 0
// when unknown), which sizes what the load allocates. unique says that the
// query returns each row at most once (a SELECT of one table).
func (s *Session) loadN(ctx context.Context, m *mapping.Mapper, query string, args []any, n int, unique bool) ([]unsafe.Pointer, error) {
	var out []unsafe.Pointer
	if n > 0 {
		out = make([]unsafe.Pointer, 0, min(n, maxReserve))
	}
	err := s.query(ctx, m, query, args, n, unique, func(p unsafe.Pointer) { out = append(roomForOne(out), p) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// roomForOne returns s with room for one more element: a full s gets twice
// its capacity. Past 256 elements append grows a slice by about a quarter,
// so a list built row by row allocates about five times its final size on
// the way (for 350,000 link rows of 16 bytes, 27 MB); doubled, about twice.
func roomForOne[T any](s []T) []T {
	if len(s) == cap(s) {
		return slices.Grow(s, max(len(s), 16))
	}
	return s
}

// query runs a query as load does and passes each row's object to yield.
func (s *Session) query(ctx context.Context, m *mapping.Mapper, query string, args []any, n int, unique bool, yield func(unsafe.Pointer)) error {
	err := queryRows(ctx, s.executor(), query, args, func(rows dialect.Rows) error {
		return s.scanRows(rows, m, n, unique, yield)
	})
	if err != nil {
		s.dropLoaded()
		return &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
	}
	return s.afterLoad(ctx)
}

// scanRows scans every row of rows into a new object of m and passes the
// object that stands for that row (the identity map's, when it has one) to
// yield. n is the number of rows expected (0: unknown); unique says that
// no row comes twice.
//
// When the rows are unique and the session holds no object of m yet (a
// fresh session's query: the usual request), no row can be in the
// identity map, so none is looked up, and the objects join the session's
// maps only when the session is next used (Session.index): a request that
// reads and returns pays for no map.
func (s *Session) scanRows(rows dialect.Rows, m *mapping.Mapper, n int, unique bool, yield func(unsafe.Pointer)) error {
	a := arena{m: m, want: n}
	if unique && s.deferrable(m) {
		return s.scanDeferred(rows, m, &a, yield)
	}
	s.reserve(m, n)
	dest := make([]any, len(m.Fields))
	sd := newScanDests(m.Fields, rows)
	var p unsafe.Pointer
	for rows.Next() {
		if p == nil {
			// A fresh object, unless the last row's went unused (its row
			// was already in the session): Scan sets every field.
			p = a.object()
			sd.set(dest, m.Fields, p)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan %s: %w", m.Name(), err)
		}
		obj, err := s.adoptIn(m, p, &a)
		if err != nil {
			return err
		}
		if obj == p {
			p = nil
		}
		yield(obj)
	}
	return nil
}

// deferrable reports whether the states of m's objects loaded now may join
// the maps later: m has a single integer key, the session holds no object
// of m in its identity map, and no transaction's journal must record them.
func (s *Session) deferrable(m *mapping.Mapper) bool {
	return s.journal == nil && len(m.PrimaryKey) == 1 && isIntField(m.PrimaryKey[0]) && s.identity.ints(m) == nil
}

// loadedRow is an object a query loaded whose state is not made yet (see
// Session.index): its mapper, its snapshot and its arrival number.
type loadedRow struct {
	m         *mapping.Mapper
	ptr, snap unsafe.Pointer
	seq       int
}

// scanDeferred is scanRows for unique rows of a mapper the session holds no
// object of: each row becomes an object with its snapshot, listed in
// Session.unindexed; it becomes persistent in the session's maps, with a
// state, when the session is next used — a request that reads and returns
// makes no state.
func (s *Session) scanDeferred(rows dialect.Rows, m *mapping.Mapper, a *arena, yield func(unsafe.Pointer)) error {
	dest := make([]any, len(m.Fields))
	if a.want > 0 {
		s.unindexed = slices.Grow(s.unindexed, min(a.want, maxReserve))
	}
	sd := newScanDests(m.Fields, rows)
	for rows.Next() {
		p := a.object()
		sd.set(dest, m.Fields, p)
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan %s: %w", m.Name(), err)
		}
		if _, ok, _ := adoptIntKey(m, p); !ok {
			return fmt.Errorf("scan %s: a row has no primary key value", m.Name())
		}
		s.seq++
		snap := a.snapshotOf(m, p)
		s.unindexed = append(roomForOne(s.unindexed), loadedRow{m: m, ptr: p, snap: snap, seq: s.seq})
		s.noteLoaded(m, p)
		yield(p)
	}
	return nil
}

// index makes the states of Session.unindexed, persistent, and puts them in
// the session's maps. Every operation that reads the maps calls it first
// (through check). Their keys are read from their snapshots, as loaded.
func (s *Session) index() {
	list := s.unindexed
	if len(list) == 0 {
		return
	}
	s.unindexed = nil
	if s.states == nil {
		s.states = make(map[unsafe.Pointer]*state, len(list))
	}
	a := arena{want: len(list)} // states only
	var m *mapping.Mapper
	var ints map[int64]*state
	for _, row := range list {
		if row.m != m {
			m, ints = row.m, s.identity.intsFor(row.m, len(list))
		}
		st := a.state()
		st.m, st.ptr, st.snap, st.status, st.seq = m, row.ptr, row.snap, statusPersistent, row.seq
		v, _, _ := adoptIntKey(m, st.snap)
		s.states[st.ptr] = st
		if ints[v] == nil {
			st.key = v
			ints[v] = st
		}
	}
}

// arena hands out the memory of the objects one load creates: the objects
// of its mapper, their snapshots and the states of all objects come from
// arrays allocated a chunk at a time, not one allocation each per row.
// Chunks grow geometrically from a few rows up to the rows expected, so
// that a short result wastes little; any object keeps its chunk alive, as
// an element keeps a slice's array.
type arena struct {
	m      *mapping.Mapper
	want   int // rows expected, 0 when unknown
	objs   chunk
	snaps  chunk
	states []state // the states not handed out yet
	nstate int     // states allocated so far
	// slab holds the snapshots' copies of what fields point to (see
	// mapping.Mapper.CopySnapshot), allocated for the first mapper with
	// such fields; a pointer, so that the arena of a model without them
	// stays on the stack.
	slab *mapping.Slab
}

// chunk is the part of an array of structs not handed out yet.
type chunk struct {
	next unsafe.Pointer
	left int // structs left from next
	made int // structs allocated so far, in all arrays
}

// arenaBytes caps the size of one array (Go's small-object limit), so that
// one kept object never pins a large block.
const arenaBytes = 32 << 10

// size returns how many structs of size bytes the next array of a chunk
// that made so far should hold.
func (a *arena) size(made int, size uintptr) int {
	n := max(16, 2*made)
	if a.want > made {
		n = min(n, a.want-made)
	}
	return max(1, min(n, int(arenaBytes/size)))
}

// take hands out the next struct of c, allocating an array when c is used up.
func (a *arena) take(c *chunk) unsafe.Pointer {
	size := a.m.Type.Size()
	if c.left == 0 {
		n := a.size(c.made, size)
		c.next, c.left = a.m.NewArray(n), n
		c.made += n
	}
	p := c.next
	c.left--
	if c.left > 0 {
		c.next = unsafe.Add(p, size)
	}
	return p
}

// object returns a zero object of the arena's mapper.
func (a *arena) object() unsafe.Pointer { return a.take(&a.objs) }

// snapshot returns a zero struct of m for a snapshot.
func (a *arena) snapshot(m *mapping.Mapper) unsafe.Pointer {
	if a == nil || m != a.m {
		return m.New()
	}
	return a.take(&a.snaps)
}

// snapshotOf returns a snapshot of the object of m at p: a copy with its
// own copies of what the program can change in place (pointed-to values,
// bytes), from the arena's arrays.
func (a *arena) snapshotOf(m *mapping.Mapper, p unsafe.Pointer) unsafe.Pointer {
	snap := a.snapshot(m)
	var sl *mapping.Slab
	if a != nil && len(m.Mutable()) > 0 {
		if a.slab == nil {
			a.slab = new(mapping.Slab)
		}
		sl = a.slab
	}
	m.CopySnapshot(snap, p, sl)
	return snap
}

// state returns a zero state.
func (a *arena) state() *state {
	if a == nil {
		return new(state)
	}
	if len(a.states) == 0 {
		n := a.size(a.nstate, unsafe.Sizeof(state{}))
		a.states = make([]state, n)
		a.nstate += n
	}
	st := &a.states[0]
	a.states = a.states[1:]
	return st
}

// StatementError is a failed statement: the operation, the mapped type or
// table, the object concerned when there is one, the SQL, and the driver's
// error (Unwrap).
type StatementError struct {
	Op     string // "insert", "update", "delete", "select", "link insert", "link delete"
	Type   string // the struct or table
	Object any    // the object whose row failed, when one row is concerned
	Key    any    // that object's primary key; nil for a row not inserted yet
	SQL    string
	Err    error
}

// Error describes the failed statement: operation, type, object (by key), driver error and SQL.
func (e *StatementError) Error() string {
	sqlText := e.SQL
	if len(sqlText) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(sqlText[cut]) {
			cut--
		}
		sqlText = sqlText[:cut] + "…"
	}
	// The object is named by its type and key, never printed whole: its
	// fields may hold secrets (a password) that must not reach a log.
	obj := ""
	switch {
	case e.Object != nil && e.Key != nil:
		obj = fmt.Sprintf(" (%T with key %v)", e.Object, e.Key)
	case e.Object != nil:
		obj = fmt.Sprintf(" (a new %T)", e.Object)
	}
	return fmt.Sprintf("relm: %s %s%s failed: %v [SQL: %s]", e.Op, e.Type, obj, e.Err, sqlText)
}

// Unwrap returns the driver's error; a constraint violation comes wrapped in
// a *ConstraintError naming the table and constraint (errors.go), so that
// errors.As and errors.Is find both.
func (e *StatementError) Unwrap() error {
	if ce := constraintOf(e.Err, e.SQL); ce != nil {
		return ce
	}
	return e.Err
}
