package relm

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"time"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// loadJoined runs a SELECT whose first columns are m's fields, followed by
// the columns of each eager joined segment, and returns the root objects
// (once each when dedupe is set). Related objects of the segments go
// through the identity map, are set on their parents and marked loaded.
//
// n is the number of rows expected (the LIMIT; 0 when unknown).
func (s *Session) loadJoined(ctx context.Context, m *mapping.Mapper, segs []*joinSeg, query string, args []any, dedupe bool, n int) ([]unsafe.Pointer, error) {
	var loads []*joinSeg
	for _, sg := range segs {
		if sg.load {
			loads = append(loads, sg)
		}
	}
	if len(loads) == 0 && !dedupe {
		// One table's rows (no join): each row comes once.
		return s.loadN(ctx, m, query, args, n, true)
	}
	jl, dest := newJoinedLoad(m, loads)
	var out []unsafe.Pointer
	seen := map[unsafe.Pointer]bool{}
	a := arena{m: m, want: n}
	s.reserve(m, n)
	var p unsafe.Pointer
	failed := m // the mapper whose row failed, for the error
	err := queryRows(ctx, s.executor(), query, args, func(rows dialect.Rows) error {
		sd := newScanDests(m.Fields, rows)
		for rows.Next() {
			if p == nil {
				// A fresh object, unless the last row's went unused (its row
				// was already in the session): Scan sets every field.
				p = a.object()
				sd.set(dest, m.Fields, p)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			root, err := s.adoptIn(m, p, &a)
			if err != nil {
				return err
			}
			if root == p {
				p = nil
			}
			if fm, err := s.adoptSegments(jl, root, &a); err != nil {
				failed = fm
				return err
			}
			if dedupe {
				if seen[root] {
					continue
				}
				seen[root] = true
			}
			out = append(out, root)
		}
		return nil
	})
	if err != nil {
		s.dropLoaded()
		return nil, &StatementError{Op: "select", Type: failed.Name(), SQL: query, Err: err}
	}
	jl.colls.apply(s)
	jl.several.warn(s)
	if err := s.afterLoad(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// joinedLoad is what a joined load keeps from row to row besides the root
// objects: the cells of the joined segments' columns, the object each
// segment produced for the current row, and what the rows gathered.
type joinedLoad struct {
	loads []*joinSeg
	base  int // the root mapper's columns, before the segments'
	cells []rawCell
	// byScope maps each segment's scope to the object it produced for the
	// current row, so that nested segments find their parent.
	byScope map[*scope]unsafe.Pointer
	several severalRows // one-to-one segments that matched several rows
	colls   joinedColls // the collections of Joined paths
}

// newJoinedLoad returns the joined load of m's rows with the segments
// loads, and the scan destinations of a row: m's fields are set per object
// by scanDests, the segments' columns scan into the load's cells.
func newJoinedLoad(m *mapping.Mapper, loads []*joinSeg) (*joinedLoad, []any) {
	ncols := len(m.Fields)
	for _, sg := range loads {
		ncols += len(sg.sc.m.Fields)
	}
	jl := &joinedLoad{loads: loads, base: len(m.Fields), byScope: map[*scope]unsafe.Pointer{}}
	dest := make([]any, ncols)
	jl.cells = make([]rawCell, ncols-jl.base)
	for i := range jl.cells {
		dest[jl.base+i] = &jl.cells[i]
	}
	return jl, dest
}

// adoptSegments takes the objects of the current row's joined segments
// through the identity map and sets them on their parents: a collection's
// child is gathered for colls, a one-object relationship is set at once
// (and its reverse many-to-one, as select-in sets it). On an error it
// returns the mapper of the segment whose columns failed.
func (s *Session) adoptSegments(jl *joinedLoad, root unsafe.Pointer, a *arena) (*mapping.Mapper, error) {
	for _, sg := range jl.loads {
		parent := root
		if sg.parent.alias != "t0" {
			parent = jl.byScope[sg.parent]
		}
		lo := sg.col0 - jl.base
		target, err := s.adoptCells(sg.sc.m, a, jl.cells[lo:lo+len(sg.sc.m.Fields)])
		if err != nil {
			return sg.sc.m, err
		}
		jl.byScope[sg.sc] = target
		if parent == nil {
			continue
		}
		if sg.r.Uselist {
			jl.colls.add(parent, sg, target)
			continue
		}
		if sg.r.Direction != mapping.ManyToOne && target != nil {
			jl.several.see(parent, sg, target)
		}
		s.setScalar(s.states[parent], sg.r, target)
		if rr := sg.r.Reverse; target != nil && rr != nil && sg.r.Direction == mapping.OneToMany && !rr.Uselist {
			// The child's many-to-one is its parent, as select-in sets it.
			s.setScalar(s.states[target], rr, parent)
		}
	}
	return nil, nil
}

// joinedColls gathers, for a joined load, the children each parent's rows
// brought for each collection segment, in the order of the rows, each
// once (a collection's rows repeat when a sibling collection is joined
// too, and a link table may hold a pair twice).
type joinedColls struct {
	idx  map[severalKey]int
	keys []severalKey
	kids [][]unsafe.Pointer
	seen map[joinedChild]struct{}
}

type joinedChild struct {
	k     severalKey
	child unsafe.Pointer
}

// add records that a row of parent brought child (nil: an outer join's
// NULL row, the parent has none) for the collection segment sg.
func (x *joinedColls) add(parent unsafe.Pointer, sg *joinSeg, child unsafe.Pointer) {
	k := severalKey{parent, sg}
	if x.idx == nil {
		x.idx, x.seen = map[severalKey]int{}, map[joinedChild]struct{}{}
	}
	i, ok := x.idx[k]
	if !ok {
		i = len(x.keys)
		x.idx[k] = i
		x.keys = append(x.keys, k)
		x.kids = append(x.kids, nil)
	}
	if child == nil {
		return
	}
	if _, dup := x.seen[joinedChild{k, child}]; dup {
		return
	}
	x.seen[joinedChild{k, child}] = struct{}{}
	x.kids[i] = append(x.kids[i], child)
}

// apply sets each parent's collection, as select-in loading does: marked
// loaded (empty when no child row came), and a one-to-many's children get
// their many-to-one back reference.
func (x *joinedColls) apply(s *Session) {
	for i, k := range x.keys {
		st := s.states[k.parent]
		if st == nil {
			continue
		}
		r, kids := k.sg.r, x.kids[i]
		if kids == nil {
			kids = []unsafe.Pointer{}
		}
		s.setCollection(st, r, kids)
		if rr := r.Reverse; rr != nil && r.Direction == mapping.OneToMany && !rr.Uselist {
			for _, kid := range kids {
				if ks := s.states[kid]; ks != nil && !ks.isLoaded(rr) {
					s.setScalar(ks, rr, st.ptr)
				}
			}
		}
	}
}

// severalRows records, for a joined load, the one-to-one objects each
// parent's rows brought, so that a parent whose one-to-one matched several
// rows is warned about (the first is kept).
type severalRows struct {
	first  map[severalKey]unsafe.Pointer
	others map[severalKey][]unsafe.Pointer // the distinct objects after the first
	order  []severalKey
}

type severalKey struct {
	parent unsafe.Pointer
	sg     *joinSeg
}

func (x *severalRows) see(parent unsafe.Pointer, sg *joinSeg, target unsafe.Pointer) {
	k := severalKey{parent, sg}
	if x.first == nil {
		x.first, x.others = map[severalKey]unsafe.Pointer{}, map[severalKey][]unsafe.Pointer{}
	}
	first, ok := x.first[k]
	if !ok {
		x.first[k] = target
		return
	}
	if first == target || slices.Contains(x.others[k], target) {
		return // the same row again, repeated by another join
	}
	if len(x.others[k]) == 0 {
		x.order = append(x.order, k)
	}
	x.others[k] = append(x.others[k], target)
}

func (x *severalRows) warn(s *Session) {
	for _, k := range x.order {
		s.warnSeveral(k.sg.r, k.parent, 1+len(x.others[k]))
	}
}

// adopt returns the session's object for the row scanned into p: the one
// already in the identity map, or p, registered as persistent.
func (s *Session) adopt(m *mapping.Mapper, p unsafe.Pointer) (unsafe.Pointer, error) {
	return s.adoptIn(m, p, nil)
}

// adoptIn is adopt taking the new state and snapshot from the load's arena
// a (nil: allocated one by one).
func (s *Session) adoptIn(m *mapping.Mapper, p unsafe.Pointer, a *arena) (unsafe.Pointer, error) {
	var key any
	if v, ok, isInt := adoptIntKey(m, p); isInt {
		// An integer key is looked up without boxing it: most rows of a
		// collection load are objects the session already holds.
		if !ok {
			return nil, fmt.Errorf("scan %s: a row has no primary key value", m.Name())
		}
		if st := s.identity.getInt(m, v); st != nil {
			if s.extra != nil && s.isExpired(st) {
				s.overwrite(st, p, a)
			}
			return st.ptr, nil
		}
		key = v
	} else {
		k, ok := m.Identity(p)
		if !ok {
			return nil, fmt.Errorf("scan %s: a row has no primary key value", m.Name())
		}
		if st := s.identity.get(identityKey{m, k}); st != nil {
			if s.extra != nil && s.isExpired(st) {
				s.overwrite(st, p, a)
			}
			return st.ptr, nil
		}
		key = k
	}
	s.seq++
	st := a.state() // zero: only the fields set here are written
	st.m, st.ptr, st.status, st.seq = m, p, statusPersistent, s.seq
	st.snap = a.snapshotOf(m, p)
	s.track(p, st)
	s.register(st, key)
	s.journalAdd(st)
	s.noteLoaded(m, p)
	return p, nil
}

// adoptCells builds the object of an outer-joined segment from raw cells;
// a NULL key means no related row (nil).
func (s *Session) adoptCells(m *mapping.Mapper, a *arena, cells []rawCell) (unsafe.Pointer, error) {
	for i, f := range m.Fields {
		if f.Column.PrimaryKey && cells[i].src == nil {
			return nil, nil
		}
	}
	p := m.New()
	for i, f := range m.Fields {
		if err := assignRaw(f, p, cells[i].src); err != nil {
			return nil, fmt.Errorf("scan %s.%s: %w", m.Name(), f.Name, err)
		}
	}
	return s.adoptIn(m, p, a)
}

// setScalar sets a loaded many-to-one or one-to-one value on a parent and
// records it as loaded. A relationship already loaded is left alone (what
// the session holds wins, as for rows in the identity map). The snapshot
// records what the database holds; the live field takes it unless the
// program already set one, which then stays a change for the next flush.
func (s *Session) setScalar(st *state, r *mapping.Relationship, target unsafe.Pointer) {
	if st == nil || st.isLoaded(r) {
		return
	}
	s.touch(st)
	if r.HasField {
		if r.Get(st.ptr) == nil {
			s.saveRel(st.ptr, r)
			r.Set(st.ptr, target)
		}
		if st.snap != nil {
			r.Set(st.snap, target)
		}
	} else {
		st.setSide(r, []unsafe.Pointer{target})
	}
	st.setLoaded(r)
}

// adoptIntKey is intKey of m's primary key when it is one integer column.
func adoptIntKey(m *mapping.Mapper, p unsafe.Pointer) (v int64, ok, isInt bool) {
	if len(m.PrimaryKey) != 1 {
		return 0, false, false
	}
	return intKey(m.PrimaryKey[0], p)
}

// intKey reads an integer field of the struct at p as Field.Key does
// (ok false for the zero value of a primary key), without boxing it; isInt
// is false when the field is not a plain integer (see Field.IntKey).
func intKey(f *mapping.Field, p unsafe.Pointer) (v int64, ok, isInt bool) {
	return f.IntKey(p)
}

var (
	typeIntPtr   = reflect.TypeFor[*int]()
	typeInt32Ptr = reflect.TypeFor[*int32]()
	typeInt64Ptr = reflect.TypeFor[*int64]()
)

// isIntField reports whether intKey reads f.
func isIntField(f *mapping.Field) bool {
	switch f.Type.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return true
	}
	switch f.Type {
	case typeIntPtr, typeInt32Ptr, typeInt64Ptr:
		return true
	}
	return false
}

// rawCell keeps the driver value of one column for later conversion.
type rawCell struct{ src any }

// Scan implements sql.Scanner.
func (c *rawCell) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		src = append([]byte(nil), b...)
	}
	c.src = src
	return nil
}

// assignRaw stores a driver value into field f of the struct at p, with
// database/sql's conversions (through sql.Null[T] for the common types).
func assignRaw(f *mapping.Field, p unsafe.Pointer, src any) error {
	fp := unsafe.Add(p, f.Offset)
	switch f.Type {
	case reflect.TypeFor[int]():
		return nullInto[int](fp, src)
	case reflect.TypeFor[int32]():
		return nullInto[int32](fp, src)
	case reflect.TypeFor[int64]():
		return nullInto[int64](fp, src)
	case reflect.TypeFor[string]():
		return nullInto[string](fp, src)
	case reflect.TypeFor[bool]():
		return nullInto[bool](fp, src)
	case reflect.TypeFor[float64]():
		return nullInto[float64](fp, src)
	case reflect.TypeFor[time.Time]():
		return nullInto[time.Time](fp, src)
	case reflect.TypeFor[[]byte]():
		return nullInto[[]byte](fp, src)
	case reflect.TypeFor[*int]():
		return nullPtrInto[int](fp, src)
	case reflect.TypeFor[*int64]():
		return nullPtrInto[int64](fp, src)
	case reflect.TypeFor[*string]():
		return nullPtrInto[string](fp, src)
	case reflect.TypeFor[*bool]():
		return nullPtrInto[bool](fp, src)
	case reflect.TypeFor[*float64]():
		return nullPtrInto[float64](fp, src)
	case reflect.TypeFor[*time.Time]():
		return nullPtrInto[time.Time](fp, src)
	}
	if sc, ok := f.Addr(p).(sql.Scanner); ok {
		return sc.Scan(src)
	}
	// Any other field type: let database/sql convert through a one-value
	// scan into an any, then set by reflection.
	v := reflect.NewAt(f.Type, fp).Elem()
	if src == nil {
		v.SetZero()
		return nil
	}
	sv := reflect.ValueOf(src)
	if v.Kind() == reflect.Pointer {
		nv := reflect.New(v.Type().Elem())
		if !sv.Type().ConvertibleTo(nv.Elem().Type()) {
			return fmt.Errorf("cannot store %T in %s", src, f.Type)
		}
		nv.Elem().Set(sv.Convert(nv.Elem().Type()))
		v.Set(nv)
		return nil
	}
	if !sv.Type().ConvertibleTo(v.Type()) {
		return fmt.Errorf("cannot store %T in %s", src, f.Type)
	}
	v.Set(sv.Convert(v.Type()))
	return nil
}

func nullInto[T any](p unsafe.Pointer, src any) error {
	var n sql.Null[T]
	if err := n.Scan(src); err != nil {
		return err
	}
	*(*T)(p) = n.V
	return nil
}

func nullPtrInto[T any](p unsafe.Pointer, src any) error {
	if src == nil {
		*(**T)(p) = nil
		return nil
	}
	var n sql.Null[T]
	if err := n.Scan(src); err != nil {
		return err
	}
	v := n.V
	*(**T)(p) = &v
	return nil
}
