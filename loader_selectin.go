package relm

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// loadPathFrom eager-loads a dotted relationship path on the roots' states,
// one segment at a time: each segment is one SELECT for all the parents of
// that level (or none when every related object is already in the
// identity map).
func (s *Session) loadPathFrom(ctx context.Context, m *mapping.Mapper, roots []*state, path string) error {
	rels, err := lookupPath(m, "SelectIn", path)
	if err != nil {
		return err
	}
	return s.loadRelsFrom(ctx, roots, rels)
}

// loadRels loads a resolved relationship path on roots, one level at a time.
func (s *Session) loadRels(ctx context.Context, roots []unsafe.Pointer, rels []*mapping.Relationship) error {
	return s.loadRelsFrom(ctx, s.statesOf(roots), rels)
}

// statesOf returns the session's states of the objects at ps, skipping
// those it does not hold.
func (s *Session) statesOf(ps []unsafe.Pointer) []*state {
	out := make([]*state, 0, len(ps))
	for _, p := range ps {
		if st := s.states[p]; st != nil {
			out = append(out, st)
		}
	}
	return out
}

// loadRelsFrom is loadRels from the roots' states (looked up once when a
// query loads several paths).
func (s *Session) loadRelsFrom(ctx context.Context, roots []*state, rels []*mapping.Relationship) error {
	parents := roots
	for i, r := range rels {
		if len(parents) == 0 {
			return nil
		}
		if i > 0 {
			var next []unsafe.Pointer
			seen := map[unsafe.Pointer]bool{}
			for _, st := range parents {
				for _, p := range s.related(st, rels[i-1]) {
					if p != nil && !seen[p] {
						seen[p] = true
						next = append(next, p)
					}
				}
			}
			parents = s.statesOf(next)
			if len(parents) == 0 {
				return nil
			}
		}
		if err := s.loadRelationship(ctx, r, parents); err != nil {
			return err
		}
	}
	return nil
}

// related returns the current value of r on st: the field's value, or the
// side storage of a relationship without a field.
func (s *Session) related(st *state, r *mapping.Relationship) []unsafe.Pointer {
	if !r.HasField {
		return st.sideOf(r)
	}
	if r.Uselist {
		return r.GetSlice(st.ptr)
	}
	if p := r.Get(st.ptr); p != nil {
		return []unsafe.Pointer{p}
	}
	return nil
}

// loadRelationship loads r for the parents that do not have it loaded yet,
// in one SELECT (select-in loading).
func (s *Session) loadRelationship(ctx context.Context, r *mapping.Relationship, parents []*state) error {
	if s.db.tracer != nil {
		return s.traceLoad(ctx, r.Target, r.Parent.Name()+"."+r.Name, func(ctx context.Context) (int, error) {
			err := s.loadRelationshipIn(ctx, r, parents)
			n := 0
			for _, st := range parents {
				n += len(s.related(st, r))
			}
			return n, err
		})
	}
	return s.loadRelationshipIn(ctx, r, parents)
}

// loadRelationshipIn is loadRelationship.
func (s *Session) loadRelationshipIn(ctx context.Context, r *mapping.Relationship, parents []*state) error {
	todo := make([]*state, 0, len(parents))
	for _, st := range parents {
		if st.status == statusPersistent && !st.isLoaded(r) {
			todo = append(todo, st)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	switch r.Direction {
	case mapping.ManyToOne:
		return s.loadManyToOne(ctx, r, todo)
	default:
		return s.loadCollection(ctx, r, todo)
	}
}

func (s *Session) loadManyToOne(ctx context.Context, r *mapping.Relationship, todo []*state) error {
	if len(r.LocalFields) > 1 {
		return s.loadManyToOneComposite(ctx, r, todo)
	}
	fk := r.LocalFields[0]
	pk := r.RemoteFields[0]
	if isIntField(fk) && isIntField(pk) && pk.Column.PrimaryKey && len(r.Target.PrimaryKey) == 1 {
		return s.loadManyToOneInt(ctx, r, todo)
	}
	var missing []any
	seen := map[any]bool{}
	for _, st := range todo {
		k, ok := fk.Key(st.ptr)
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		if pk.Column.PrimaryKey && len(r.Target.PrimaryKey) == 1 {
			if t := s.identity.get(identityKey{r.Target, k}); t != nil {
				continue
			}
		}
		missing = append(missing, k)
	}
	byKey := map[any]unsafe.Pointer{}
	if len(missing) > 0 {
		several := map[any]int{}
		err := s.inQuery(ctx, r.Target, pk, missing, func(p unsafe.Pointer, _ any) {
			if k, ok := pk.Key(p); ok {
				if q := byKey[k]; q == nil {
					byKey[k] = p
				} else if q != p {
					several[k]++
				}
			}
		})
		if err != nil {
			return err
		}
		for _, st := range todo {
			if k, ok := fk.Key(st.ptr); ok && several[k] > 0 {
				s.warnSeveral(r, st.ptr, several[k]+1)
				delete(several, k) // once per key
			}
		}
	}
	for _, st := range todo {
		var target unsafe.Pointer
		if k, ok := fk.Key(st.ptr); ok {
			if p := byKey[k]; p != nil {
				target = p
			} else if t := s.identity.get(identityKey{r.Target, k}); t != nil {
				target = t.ptr
			}
		}
		s.setScalar(st, r, target)
	}
	return nil
}

// loadManyToOneInt is loadManyToOne for an integer foreign key to the
// target's integer primary key: the identity map answers for the targets,
// with no key boxed but the ones bound.
func (s *Session) loadManyToOneInt(ctx context.Context, r *mapping.Relationship, todo []*state) error {
	fk := r.LocalFields[0]
	pk := r.RemoteFields[0]
	var missing []any
	seen := map[int64]struct{}{}
	for _, st := range todo {
		k, ok, _ := intKey(fk, st.ptr)
		if !ok {
			continue
		}
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		if s.identity.getInt(r.Target, k) == nil {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		// Loaded rows join the identity map, where the loop below finds them.
		if err := s.inQuery(ctx, r.Target, pk, missing, func(unsafe.Pointer, any) {}); err != nil {
			return err
		}
	}
	for _, st := range todo {
		var target unsafe.Pointer
		if k, ok, _ := intKey(fk, st.ptr); ok {
			if t := s.identity.getInt(r.Target, k); t != nil {
				target = t.ptr
			}
		}
		s.setScalar(st, r, target)
	}
	return nil
}

// loadCollection loads one-to-many (collection or one-to-one) and
// many-to-many relationships, in the order of the relationship's order_by,
// else in the order of defaultCollectionOrder.
func (s *Session) loadCollection(ctx context.Context, r *mapping.Relationship, todo []*state) error {
	d := s.db.dialect
	c := s.db.cache(r.Target)
	var head string
	var keyCol string
	m2m := r.Direction == mapping.ManyToMany
	if m2m {
		// The link column comes first, then the target's columns.
		keyCol = "s." + d.Quote(r.SecondaryLocal[0].Name)
		head = "SELECT " + keyCol + ", " + qualified(d, "t0", r.Target) + " FROM " + c.table + " t0 JOIN " +
			d.Quote(r.Secondary.Name) + " s ON t0." + d.Quote(r.RemoteColumns[0].Name) + " = s." + d.Quote(r.SecondaryRemote[0].Name) + " WHERE "
		head = s.softHead(head, r.Target, "t0")
	} else {
		keyCol = "t0." + d.Quote(r.RemoteColumns[0].Name)
		head = s.softHead("SELECT "+qualified(d, "t0", r.Target)+" FROM "+c.table+" t0 WHERE ", r.Target, "t0")
	}
	order := ""
	for i, ob := range r.OrderBy {
		if i == 0 {
			order = " ORDER BY "
		} else {
			order += ", "
		}
		order += "t0." + d.Quote(ob.Field.Column.Name)
		if ob.Desc {
			order += " DESC"
		}
	}
	if order == "" {
		order = defaultCollectionOrder(d, r)
	}
	query := func(keys []any, yield func(unsafe.Pointer, any)) error {
		return s.inQueryCol(ctx, r.Target, head, keyCol, keys, order, m2m, yield)
	}
	if m2m && (len(r.SecondaryLocal) > 1 || len(r.SecondaryRemote) > 1) {
		return s.loadManyToManyComposite(ctx, r, todo, order)
	}
	if !m2m && len(r.LocalFields) > 1 {
		// A composite foreign key: row values, keys as KeyTuples.
		exprs := quotedCols(d, "t0", r.RemoteFields)
		return loadCollectionBy(s, r, todo, func(keys []any, yield func(unsafe.Pointer, any)) error {
			return s.inQueryTuples(ctx, r.Target, head, exprs, keys, order, yield)
		}, func(p unsafe.Pointer) (any, bool) { return mapping.FieldsKey(r.LocalFields, p) },
			func(p unsafe.Pointer, _ any) (any, bool) { return mapping.FieldsKey(r.RemoteFields, p) }, nil)
	}
	keyField := r.LocalFields[0]
	if isIntField(keyField) && (m2m || isIntField(r.RemoteFields[0])) {
		// Integer keys: grouped without boxing each one in an interface.
		return loadCollectionBy(s, r, todo, query,
			func(p unsafe.Pointer) (int64, bool) { v, ok, _ := intKey(keyField, p); return v, ok },
			func(p unsafe.Pointer, link any) (int64, bool) {
				if m2m {
					switch v := link.(type) {
					case int64:
						return v, true
					case int:
						return int64(v), true
					case int32:
						return int64(v), true
					case string: // a driver that sends integers as text
						n, err := strconv.ParseInt(v, 10, 64)
						return n, err == nil
					}
					return 0, false
				}
				v, ok, _ := intKey(r.RemoteFields[0], p)
				return v, ok
			},
			func(k int64) int64 { return k })
	}
	return loadCollectionBy(s, r, todo, query, keyField.Key,
		func(p unsafe.Pointer, link any) (any, bool) {
			if m2m {
				return link, link != nil
			}
			return r.RemoteFields[0].Key(p)
		}, nil)
}

// defaultCollectionOrder is the ORDER BY of a collection without order_by,
// so that a reload gives the same order on every database (SQLite would
// give insertion order, PostgreSQL and MariaDB whatever their plan gives):
// a one-to-many by the child's primary key; a many-to-many by the link
// table's primary key where it has one (a surrogate key is the order the
// links were written in; the pair of foreign keys orders by the target),
// else by the target's primary key. A rowid is not used: only SQLite has
// one, and the order would differ between databases.
//
// When the order is the target's single integer key, the rows are sorted
// in Go instead, within each parent's group (sortedByKey): a few children
// per parent sort for nothing, where the database would sort every row of
// the statement.
func defaultCollectionOrder(d dialect.Dialect, r *mapping.Relationship) string {
	if sortedByKey(r) {
		return ""
	}
	alias, cols := "t0.", r.Target.Table.PrimaryKey()
	if r.Direction == mapping.ManyToMany {
		if pk := r.Secondary.PrimaryKey(); len(pk) > 0 {
			alias, cols = "s.", pk
		}
	}
	if len(cols) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" ORDER BY ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias)
		b.WriteString(d.Quote(c.Name))
	}
	return b.String()
}

// sortedByKey reports whether a collection without order_by is ordered by
// its target's key in Go (see defaultCollectionOrder): the target's key is
// one integer field, and a many-to-many's link table has no key of its own
// to order by.
func sortedByKey(r *mapping.Relationship) bool {
	if len(r.OrderBy) > 0 || len(r.Target.PrimaryKey) != 1 || !isIntField(r.Target.PrimaryKey[0]) {
		return false
	}
	return r.Direction != mapping.ManyToMany || len(r.Secondary.PrimaryKey()) == 0
}

// sortByIntKey orders objects by the integer field pk, in place: an
// insertion sort for the few children of one parent, else a stable sort.
func sortByIntKey(ps []unsafe.Pointer, pk *mapping.Field) {
	key := func(p unsafe.Pointer) int64 { v, _, _ := intKey(pk, p); return v }
	if len(ps) > 16 {
		slices.SortStableFunc(ps, func(a, b unsafe.Pointer) int { return cmp.Compare(key(a), key(b)) })
		return
	}
	for i := 1; i < len(ps); i++ {
		p, k := ps[i], key(ps[i])
		j := i
		for ; j > 0 && key(ps[j-1]) > k; j-- {
			ps[j] = ps[j-1]
		}
		ps[j] = p
	}
}

// keyIndex numbers distinct keys. Integer keys that fill most of their
// range (the serial keys of the parents a select-in load groups by) are
// numbered in a table read at key−lo, one slice read per row where a map
// would probe its buckets (350,000 link rows for 100,000 articles); other
// keys go in a map.
type keyIndex[K comparable] struct {
	m     map[K]int
	dense []int32 // number+1 at key−lo, 0 for none; nil when m is used
	lo    int64
	asInt func(K) int64
}

// denseSlack bounds a dense table: at most this many entries per key, plus
// denseExtra (a few missing keys in a short list cost nothing).
const (
	denseSlack = 4
	denseExtra = 1024
)

// newKeyIndex returns an empty index for the keys parentKey gives for
// todo: dense when asInt is set and their range is small enough.
func newKeyIndex[K comparable](todo []*state, parentKey func(unsafe.Pointer) (K, bool), asInt func(K) int64) *keyIndex[K] {
	x := &keyIndex[K]{asInt: asInt}
	if asInt != nil && len(todo) < math.MaxInt32 {
		n, lo, hi := 0, int64(0), int64(0)
		for _, st := range todo {
			k, ok := parentKey(st.ptr)
			if !ok {
				continue
			}
			v := asInt(k)
			if n == 0 || v < lo {
				lo = v
			}
			if n == 0 || v > hi {
				hi = v
			}
			n++
		}
		// hi−lo wraps for the widest ranges, but as uint64 it is exact.
		if span := uint64(hi - lo); n > 0 && span < uint64(denseSlack*n+denseExtra) {
			x.dense, x.lo = make([]int32, span+1), lo
			return x
		}
	}
	x.m = make(map[K]int, len(todo))
	return x
}

// get returns k's number.
func (x *keyIndex[K]) get(k K) (int, bool) {
	if x.dense == nil {
		g, ok := x.m[k]
		return g, ok
	}
	i := uint64(x.asInt(k) - x.lo)
	if i >= uint64(len(x.dense)) {
		return 0, false
	}
	g := x.dense[i]
	return int(g) - 1, g != 0
}

// put numbers k g; k is one of the keys the index was made for.
func (x *keyIndex[K]) put(k K, g int) {
	if x.dense == nil {
		x.m[k] = g
		return
	}
	x.dense[x.asInt(k)-x.lo] = int32(g + 1)
}

// childGroup is one parent key's children among a collection query's
// rows: how many, and where they start in the array of all (placeChildren).
type childGroup struct{ n, start, fill int }

// childRow is one row of a collection query: its parent key's group and
// the child object.
type childRow struct {
	g int
	p unsafe.Pointer
}

// placeChildren puts every group's children in one array, in row order
// within a group, then in key order where the collection's default order
// is its target's integer key (sortedByKey), and sets each group's start.
func placeChildren(r *mapping.Relationship, groups []childGroup, rows []childRow) []unsafe.Pointer {
	all := make([]unsafe.Pointer, len(rows))
	off := 0
	for i := range groups {
		groups[i].start = off
		off += groups[i].n
	}
	for _, rw := range rows {
		g := &groups[rw.g]
		all[g.start+g.fill] = rw.p
		g.fill++
	}
	if sortedByKey(r) {
		pk := r.Target.PrimaryKey[0]
		for _, g := range groups {
			if g.n > 1 {
				sortByIntKey(all[g.start:g.start+g.n], pk)
			}
		}
	}
	return all
}

// loadCollectionBy runs the collection query for the keys of todo and sets
// each parent's collection. Children are grouped by key in one backing
// array (counted, then placed), so that a parent's children cost no
// allocation of their own beyond what setCollection keeps.
func loadCollectionBy[K comparable](s *Session, r *mapping.Relationship, todo []*state,
	query func([]any, func(unsafe.Pointer, any)) error,
	parentKey func(unsafe.Pointer) (K, bool), childKey func(unsafe.Pointer, any) (K, bool),
	asInt func(K) int64) error {
	// One group per distinct parent key, found by one lookup per row.
	keys := make([]any, 0, len(todo))
	idx := newKeyIndex(todo, parentKey, asInt)
	groups := make([]childGroup, 0, len(todo))
	for _, st := range todo {
		k, ok := parentKey(st.ptr)
		if !ok {
			continue
		}
		if _, dup := idx.get(k); !dup {
			idx.put(k, len(groups))
			groups = append(groups, childGroup{})
			keys = append(keys, k)
		}
	}
	var rows []childRow
	err := query(keys, func(p unsafe.Pointer, link any) {
		k, ok := childKey(p, link)
		if !ok {
			return
		}
		g, ok := idx.get(k)
		if !ok {
			return // not a key that was asked for
		}
		groups[g].n++
		rows = append(roomForOne(rows), childRow{g, p})
	})
	if err != nil {
		return err
	}
	all := placeChildren(r, groups, rows)
	m2m := r.Direction == mapping.ManyToMany
	for _, st := range todo {
		var kids []unsafe.Pointer
		if k, ok := parentKey(st.ptr); ok {
			if gi, ok := idx.get(k); ok && groups[gi].n > 0 {
				g := &groups[gi]
				kids = all[g.start : g.start+g.n : g.start+g.n]
			}
		}
		if m2m {
			kids = dedupe(kids)
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
	return nil
}

// dedupe drops repeated objects (a link table without a unique key may
// hold a pair twice), allocating only when there is one.
func dedupe(ps []unsafe.Pointer) []unsafe.Pointer {
	if len(ps) < 2 {
		return ps
	}
	dup := false
	if len(ps) <= 32 {
	small:
		for i := 1; i < len(ps); i++ {
			for j := 0; j < i; j++ {
				if ps[i] == ps[j] {
					dup = true
					break small
				}
			}
		}
		if !dup {
			return ps
		}
	}
	seen := make(map[unsafe.Pointer]bool, len(ps))
	out := ps[:0:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// setCollection stores a loaded collection (or one-to-one object) on st and
// records it in the snapshot. A loaded collection is never nil: loaded and
// empty is an empty slice. Objects the program appended to the collection
// before it was loaded are kept after the loaded ones (and stay additions
// for the next flush, since the snapshot holds only what was loaded).
func (s *Session) setCollection(st *state, r *mapping.Relationship, kids []unsafe.Pointer) {
	if !r.Uselist {
		var target unsafe.Pointer
		if len(kids) > 0 {
			target = kids[0]
		}
		if len(kids) > 1 && !st.isLoaded(r) {
			s.warnSeveral(r, st.ptr, len(kids))
		}
		s.setScalar(st, r, target)
		return
	}
	if st.isLoaded(r) {
		return
	}
	s.touch(st)
	if !r.HasField {
		st.setSide(r, append([]unsafe.Pointer(nil), kids...))
		st.setLoaded(r)
		return
	}
	// One allocation for the live slice and the snapshot's copy (the live
	// slice has no spare capacity, so appending to it never writes into
	// the snapshot).
	n := len(kids)
	both := make([]unsafe.Pointer, 2*n)
	live, snap := both[:n:n], both[n:]
	copy(live, kids)
	copy(snap, kids)
	if cur := r.GetSlice(st.ptr); len(cur) > 0 {
		live = make([]unsafe.Pointer, n, n+len(cur))
		copy(live, kids)
		in := make(map[unsafe.Pointer]bool, len(kids))
		for _, k := range kids {
			in[k] = true
		}
		for _, p := range cur {
			if p != nil && !in[p] {
				in[p] = true
				live = append(live, p)
			}
		}
	}
	s.saveRel(st.ptr, r)
	r.SetSlice(st.ptr, live)
	st.setColl(r, snap)
	st.setLoaded(r)
}

func qualified(d dialect.Dialect, alias string, m *mapping.Mapper) string {
	var b strings.Builder
	for i, f := range m.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias)
		b.WriteByte('.')
		b.WriteString(d.Quote(f.Column.Name))
	}
	return b.String()
}

// inQuery selects m's rows whose field f is among keys.
func (s *Session) inQuery(ctx context.Context, m *mapping.Mapper, f *mapping.Field, keys []any, yield func(unsafe.Pointer, any)) error {
	d := s.db.dialect
	head := s.softHead("SELECT "+qualified(d, "t0", m)+" FROM "+s.db.cache(m).table+" t0 WHERE ", m, "t0")
	return s.inQueryCol(ctx, m, head, "t0."+d.Quote(f.Column.Name), keys, "", false, yield)
}

// inQueryCol runs head + "<keyCol> IN <keys>" + tail, binding the keys as
// one list where the dialect can (so the statement count does not depend on
// the number of keys), else as placeholders chunked under the parameter
// limit. With lead set, the first result column is a key passed to yield.
func (s *Session) inQueryCol(ctx context.Context, m *mapping.Mapper, head, keyCol string, keys []any, tail string, lead bool, yield func(objPtr, any)) error {
	if len(keys) == 0 {
		return nil
	}
	d := s.db.dialect
	if lb, ok := d.(dialect.ListBinder); ok {
		buf := []byte(head)
		if buf, arg, ok := lb.AppendInList(buf, keyCol, 1, keys); ok {
			return s.inRows(ctx, m, string(append(buf, tail...)), []any{arg}, lead, yield)
		}
	}
	// Placeholders, chunked: sorted so that the statements are repeatable
	// (and index access sequential).
	sortKeys(keys)
	per, limit, err := s.inListBounds(ctx, m, head, len(keys))
	if err != nil {
		return err
	}
	for start, end := 0, 0; start < len(keys); start = end {
		end = inChunkEnd(keys, start, per, limit)
		chunk := keys[start:end]
		buf := []byte(head)
		buf = append(buf, keyCol...)
		buf = append(buf, " IN ("...)
		for i := range chunk {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = d.AppendPlaceholder(buf, i+1)
		}
		buf = append(buf, ')')
		buf = append(buf, tail...)
		if err := s.inRows(ctx, m, string(buf), chunk, lead, yield); err != nil {
			return err
		}
	}
	return nil
}

// inListBounds decides how many of n keys one IN list of placeholders
// takes: per keys under the parameter limit, or, where no placeholder
// reaches the server (dialect.Interpolator), all of them bounded by limit,
// the packet's bytes, so that the statement count does not grow with the
// keys while they fit one packet. limit is 0 when the count alone bounds.
func (s *Session) inListBounds(ctx context.Context, m *mapping.Mapper, head string, n int) (per, limit int, err error) {
	d := s.db.dialect
	per = max(1, d.MaxParams())
	if ip, ok := d.(dialect.Interpolator); ok && ip.Interpolates() {
		if pl, ok := d.(dialect.PacketLimiter); ok {
			size, err := pl.MaxPacket(ctx, s.db.SQL())
			if err != nil {
				return 0, 0, &StatementError{Op: "select", Type: m.Name(), SQL: head, Err: err}
			}
			if size > 0 {
				per, limit = n, size
			}
		}
	}
	return per, limit, nil
}

// inChunkEnd returns the end of the chunk of keys from start: per keys, or
// with limit > 0 as many as fit limit bytes (at least one).
func inChunkEnd(keys []any, start, per, limit int) int {
	end := min(start+per, len(keys))
	if limit > 0 {
		size := 0
		for end = start; end < len(keys); end++ {
			size += argSize(keys[end]) + 2
			if end > start && size > limit {
				break
			}
		}
	}
	return end
}

// inRows runs one select-in statement and passes each row's object to
// yield, through the identity map (adopt): a row already in the session
// yields the object held. With lead, the first column is a key, yielded
// normalized beside the object.
func (s *Session) inRows(ctx context.Context, m *mapping.Mapper, query string, args []any, lead bool, yield func(objPtr, any)) error {
	n := len(m.Fields)
	if lead {
		n++
	}
	dest := make([]any, n)
	var lk rawCell
	var p objPtr
	err := queryRows(ctx, s.executor(), query, args, func(rows dialect.Rows) error {
		sd := newScanDests(m.Fields, rows)
		for rows.Next() {
			if p == nil {
				// A fresh object, unless the last row's went unused
				// (its row was already in the session): Scan sets
				// every field.
				p = m.New()
				off := 0
				if lead {
					dest[0] = &lk
					off = 1
				}
				sd.set(dest[off:], m.Fields, p)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			obj, err := s.adopt(m, p)
			if err != nil {
				return err
			}
			if obj == p {
				p = nil
			}
			yield(obj, mapping.NormalizeKey(lk.src))
		}
		return nil
	})
	if err != nil {
		return &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
	}
	return nil
}

// sortKeys orders keys so that statements are repeatable (and index access
// sequential).
func sortKeys(keys []any) {
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch x := a.(type) {
		case int64:
			if y, ok := b.(int64); ok {
				return x < y
			}
		case string:
			if y, ok := b.(string); ok {
				return x < y
			}
		}
		return fmt.Sprint(a) < fmt.Sprint(b)
	})
}
