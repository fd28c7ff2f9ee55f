package relm

import (
	"context"
	"fmt"
	"sort"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// unitOfWork is one flush: it collects the changes among the session's
// objects, orders them by the mapped dependencies and emits them.
//
// The phases, after SQLAlchemy's unitofwork.py / dependency.py:
//  1. cascade: objects reachable through save-update relationships join
//     the session;
//  2. diff: each relationship of each object is compared with its snapshot,
//     giving foreign-key syncs (one-to-many, many-to-one), link-row inserts
//     and deletes (many-to-many), orphans and in-memory reverse updates;
//  3. delete cascade: deleted objects take their delete-cascade children;
//  4. execute, parents first: inserts per table (self-referential rows in
//     waves, rows of a cycle between tables with a post-update), updates of
//     changed columns, link rows, then deletes children first;
//  5. finalize: reverse sides in memory, identity map, snapshots.
type unitOfWork struct {
	s   *Session
	ctx context.Context
	ex  dialect.Executor
	d   dialect.Dialect

	syncs     map[syncKey]*fkSync
	syncOrder []*fkSync
	byChild   map[*state][]*fkSync
	links     map[linkKey]*linkOp
	linkOrder []*linkOp
	orphans   []*state
	inserted  map[*state]bool
	touched   map[*state]bool
	post      []*fkSync

	collAdds    map[collKey][]unsafe.Pointer
	collRemoves map[collKey]map[unsafe.Pointer]bool
	collOrder   []collKey
	scalarSets  []scalarSet
}

// fkSync copies a parent's key into a child's foreign-key fields (or NULL).
type fkSync struct {
	child        *state
	fields       []*mapping.Field
	parent       *state // nil: set NULL
	parentFields []*mapping.Field
	priority     int  // 0 null from a removal, 1 from a collection, 2 from the child's own reference
	postUpdate   bool // written by an UPDATE after the parent's insert (cycle)
}

type syncKey struct {
	child *state
	field *mapping.Field
}

type linkOp struct {
	sec    *schema.Table
	cols   [2]*schema.Column
	ends   [2]*state
	fields [2]*mapping.Field
	add    bool
}

type linkKey struct {
	sec  *schema.Table
	a, b *state
}

type collKey struct {
	st *state
	r  *mapping.Relationship
}

type scalarSet struct {
	st     *state
	r      *mapping.Relationship
	target unsafe.Pointer
	only   unsafe.Pointer // when non-nil: set only if the field still holds this
}

func (s *Session) flush(ctx context.Context) error {
	u := &unitOfWork{
		s: s, ctx: ctx, ex: s.tx, d: s.db.dialect,
		syncs: map[syncKey]*fkSync{}, byChild: map[*state][]*fkSync{},
		links: map[linkKey]*linkOp{}, inserted: map[*state]bool{}, touched: map[*state]bool{},
		collAdds: map[collKey][]unsafe.Pointer{}, collRemoves: map[collKey]map[unsafe.Pointer]bool{},
	}
	all := u.cascade()
	if err := u.diff(all); err != nil {
		return err
	}
	deleted, err := u.expandDeletes(all)
	if err != nil {
		return err
	}
	if err := u.execute(all, deleted); err != nil {
		return err
	}
	u.finalize(all, deleted)
	return nil
}

// sortedStates returns the session's states in arrival order.
func (s *Session) sortedStates() []*state {
	out := make([]*state, 0, len(s.states))
	for _, st := range s.states {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// cascade attaches every object reachable through save-update relationships
// and returns all states in arrival order.
func (u *unitOfWork) cascade() []*state {
	s := u.s
	work := s.sortedStates()
	for i := 0; i < len(work); i++ {
		st := work[i]
		if st.status == statusDeleted {
			continue
		}
		for _, r := range st.m.Relationships {
			if !r.HasField || !r.Cascade.SaveUpdate {
				continue
			}
			if r.Uselist {
				for _, p := range r.GetSlice(st.ptr) {
					if p != nil && s.states[p] == nil {
						work = append(work, s.attach(r.Target, p, false))
					}
				}
			} else if p := r.Get(st.ptr); p != nil && s.states[p] == nil {
				work = append(work, s.attach(r.Target, p, false))
			}
		}
	}
	return work
}

func (u *unitOfWork) addSync(sy *fkSync) {
	k := syncKey{sy.child, sy.fields[0]}
	if old := u.syncs[k]; old != nil {
		if old.priority > sy.priority {
			return
		}
		*old = *sy
		return
	}
	u.syncs[k] = sy
	u.syncOrder = append(u.syncOrder, sy)
	u.byChild[sy.child] = append(u.byChild[sy.child], sy)
}

func (u *unitOfWork) stateOf(m *mapping.Mapper, p unsafe.Pointer) *state {
	if st := u.s.states[p]; st != nil {
		return st
	}
	// Not reached by a cascade (save-update off): attach so that its key
	// can be read and written.
	return u.s.attach(m, p, false)
}

// diff compares each relationship of each live object with its snapshot.
func (u *unitOfWork) diff(all []*state) error {
	for _, st := range all {
		if st.status == statusDeleted {
			continue
		}
		for _, r := range st.m.Relationships {
			if !r.HasField {
				continue
			}
			switch r.Direction {
			case mapping.ManyToOne:
				u.diffManyToOne(st, r)
			case mapping.OneToMany:
				u.diffOneToMany(st, r)
			case mapping.ManyToMany:
				if err := u.diffManyToMany(st, r); err != nil {
					return err
				}
			}
		}
	}
	// Orphans: removed from a delete-orphan collection and not given a new
	// parent in this flush.
	for _, o := range u.orphans {
		reparented := false
		for _, sy := range u.byChild[o] {
			if sy.parent != nil {
				reparented = true
			}
		}
		if !reparented && o.status == statusPersistent {
			u.s.touch(o)
			o.status = statusDeleted
		} else if !reparented && o.status == statusPending {
			u.s.forget(o)
		}
	}
	return nil
}

func (u *unitOfWork) diffManyToOne(st *state, r *mapping.Relationship) {
	cur := r.Get(st.ptr)
	var prev unsafe.Pointer
	if st.snap != nil {
		prev = r.Get(st.snap)
	}
	loaded := st.isLoaded(r)
	if cur == prev && !(cur != nil && !loaded) {
		return
	}
	if cur != nil {
		u.addSync(&fkSync{child: st, fields: r.LocalFields, parent: u.stateOf(r.Target, cur), parentFields: r.RemoteFields, priority: 2})
	} else if loaded || prev != nil {
		u.addSync(&fkSync{child: st, fields: r.LocalFields, priority: 2})
	}
	if rr := r.Reverse; rr != nil && rr.HasField && cur != prev {
		if cur != nil {
			u.memAdd(u.s.states[cur], rr, st.ptr)
		}
		if prev != nil {
			if ps := u.s.states[prev]; ps != nil {
				u.memRemove(ps, rr, st.ptr)
			}
		}
	}
}

func (u *unitOfWork) diffOneToMany(st *state, r *mapping.Relationship) {
	var added, removed []unsafe.Pointer
	loaded := st.isLoaded(r)
	if r.Uselist {
		var prev []unsafe.Pointer
		if st.colls != nil {
			prev = st.colls[r.Index]
		}
		added, removed = diffSlices(r.GetSlice(st.ptr), prev, loaded)
	} else {
		cur := r.Get(st.ptr)
		var prev unsafe.Pointer
		if st.snap != nil {
			prev = r.Get(st.snap)
		}
		if cur == prev && !(cur != nil && !loaded) {
			return
		}
		if cur != nil {
			added = []unsafe.Pointer{cur}
		}
		if prev != nil && prev != cur && loaded {
			removed = []unsafe.Pointer{prev}
		}
	}
	for _, c := range removed {
		cs := u.s.states[c]
		if cs == nil {
			continue
		}
		if r.Cascade.DeleteOrphan {
			u.orphans = append(u.orphans, cs)
		} else {
			u.addSync(&fkSync{child: cs, fields: r.RemoteFields, priority: 0})
		}
		if rr := r.Reverse; rr != nil && rr.HasField {
			u.scalarSets = append(u.scalarSets, scalarSet{st: cs, r: rr, target: nil, only: st.ptr})
		}
	}
	for _, c := range added {
		cs := u.stateOf(r.Target, c)
		u.addSync(&fkSync{child: cs, fields: r.RemoteFields, parent: st, parentFields: r.LocalFields, priority: 1})
		if rr := r.Reverse; rr != nil && rr.HasField {
			u.scalarSets = append(u.scalarSets, scalarSet{st: cs, r: rr, target: st.ptr})
		}
	}
}

func (u *unitOfWork) diffManyToMany(st *state, r *mapping.Relationship) error {
	var prev []unsafe.Pointer
	if st.colls != nil {
		prev = st.colls[r.Index]
	}
	added, removed := diffSlices(r.GetSlice(st.ptr), prev, st.isLoaded(r))
	for _, c := range added {
		cs := u.stateOf(r.Target, c)
		u.link(r, st, cs, true)
		if rr := r.Reverse; rr != nil && rr.HasField {
			u.memAdd(cs, rr, st.ptr)
		}
	}
	for _, c := range removed {
		cs := u.s.states[c]
		if cs == nil {
			continue
		}
		u.link(r, st, cs, false)
		if rr := r.Reverse; rr != nil && rr.HasField {
			u.memRemove(cs, rr, st.ptr)
		}
	}
	return nil
}

// link records a link row to insert or delete, once per pair whichever side
// reported it.
func (u *unitOfWork) link(r *mapping.Relationship, local, remote *state, add bool) {
	op := &linkOp{sec: r.Secondary, add: add,
		cols:   [2]*schema.Column{r.SecondaryLocal[0], r.SecondaryRemote[0]},
		ends:   [2]*state{local, remote},
		fields: [2]*mapping.Field{r.LocalFields[0], r.RemoteFields[0]},
	}
	if columnIndex(r.Secondary, op.cols[0]) > columnIndex(r.Secondary, op.cols[1]) {
		op.cols[0], op.cols[1] = op.cols[1], op.cols[0]
		op.ends[0], op.ends[1] = op.ends[1], op.ends[0]
		op.fields[0], op.fields[1] = op.fields[1], op.fields[0]
	}
	k := linkKey{op.sec, op.ends[0], op.ends[1]}
	if old := u.links[k]; old != nil {
		if old.add != add {
			// Added on one side, removed on the other: the two cancel.
			old.sec = nil
		}
		return
	}
	u.links[k] = op
	u.linkOrder = append(u.linkOrder, op)
}

func columnIndex(t *schema.Table, c *schema.Column) int {
	for i, col := range t.Columns {
		if col == c {
			return i
		}
	}
	return -1
}

// diffSlices returns the elements of cur not in prev (each once) and, when
// loaded, the elements of prev not in cur.
func diffSlices(cur, prev []unsafe.Pointer, loaded bool) (added, removed []unsafe.Pointer) {
	if len(prev) == 0 {
		if len(cur) <= 1 {
			return cur, nil
		}
		seen := make(map[unsafe.Pointer]struct{}, len(cur))
		for _, p := range cur {
			if _, dup := seen[p]; !dup && p != nil {
				seen[p] = struct{}{}
				added = append(added, p)
			}
		}
		return added, nil
	}
	before := make(map[unsafe.Pointer]struct{}, len(prev))
	for _, p := range prev {
		before[p] = struct{}{}
	}
	now := make(map[unsafe.Pointer]struct{}, len(cur))
	for _, p := range cur {
		if p == nil {
			continue
		}
		if _, dup := now[p]; dup {
			continue
		}
		now[p] = struct{}{}
		if _, was := before[p]; !was {
			added = append(added, p)
		}
	}
	if loaded {
		for _, p := range prev {
			if _, still := now[p]; !still {
				removed = append(removed, p)
			}
		}
	}
	return added, removed
}

func (u *unitOfWork) memAdd(st *state, r *mapping.Relationship, p unsafe.Pointer) {
	if st == nil || !st.isLoaded(r) {
		return
	}
	if !r.Uselist {
		u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: r, target: p})
		return
	}
	k := collKey{st, r}
	if _, ok := u.collAdds[k]; !ok {
		if _, ok := u.collRemoves[k]; !ok {
			u.collOrder = append(u.collOrder, k)
		}
	}
	u.collAdds[k] = append(u.collAdds[k], p)
}

func (u *unitOfWork) memRemove(st *state, r *mapping.Relationship, p unsafe.Pointer) {
	if st == nil || !st.isLoaded(r) {
		return
	}
	if !r.Uselist {
		u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: r, target: nil, only: p})
		return
	}
	k := collKey{st, r}
	if u.collRemoves[k] == nil {
		if _, ok := u.collAdds[k]; !ok {
			u.collOrder = append(u.collOrder, k)
		}
		u.collRemoves[k] = map[unsafe.Pointer]bool{}
	}
	u.collRemoves[k][p] = true
}

// expandDeletes follows delete cascades from the deleted objects, loading
// unloaded collections that must be followed, and returns every state to
// delete.
func (u *unitOfWork) expandDeletes(all []*state) ([]*state, error) {
	var deleted []*state
	seen := map[*state]bool{}
	for _, st := range u.s.sortedStates() {
		if st.status == statusDeleted && !seen[st] {
			seen[st] = true
			deleted = append(deleted, st)
		}
	}
	for i := 0; i < len(deleted); i++ {
		st := deleted[i]
		for _, r := range st.m.Relationships {
			if !r.Cascade.Delete || r.Direction == mapping.ManyToMany {
				continue
			}
			var children []unsafe.Pointer
			switch {
			case r.Direction == mapping.ManyToOne && r.HasField:
				if p := r.Get(st.ptr); p != nil {
					children = append(children, p)
				}
			case r.Direction == mapping.OneToMany && r.HasField && st.isLoaded(r):
				if r.Uselist {
					children = append(children, r.GetSlice(st.ptr)...)
				} else if p := r.Get(st.ptr); p != nil {
					children = append(children, p)
				}
			case r.Direction == mapping.OneToMany && st.key != nil:
				loaded, err := u.s.loadChildren(u.ctx, r, st)
				if err != nil {
					return nil, err
				}
				children = loaded
			}
			for _, c := range children {
				cs := u.stateOf(r.Target, c)
				if seen[cs] {
					continue
				}
				seen[cs] = true
				u.s.touch(cs)
				if cs.status == statusPending {
					u.s.forget(cs)
					continue
				}
				cs.status = statusDeleted
				deleted = append(deleted, cs)
			}
		}
	}
	return deleted, nil
}

// loadChildren selects the rows on the many side of a one-to-many for one
// parent (used when a delete cascade meets an unloaded collection).
func (s *Session) loadChildren(ctx context.Context, r *mapping.Relationship, parent *state) ([]unsafe.Pointer, error) {
	d := s.db.dialect
	c := s.db.cache(r.Target)
	q := c.selectAll + " WHERE " + d.Quote(r.RemoteColumns[0].Name) + " = " + dialect.Placeholder(d, 1)
	return s.load(ctx, r.Target, q, []any{r.LocalFields[0].Value(parent.ptr)})
}

// tableMappers maps tables to their mappers.
func (s *Session) tableMappers() map[*schema.Table]*mapping.Mapper {
	out := map[*schema.Table]*mapping.Mapper{}
	for _, m := range s.reg.Mappers() {
		out[m.Table] = m
	}
	return out
}

func (u *unitOfWork) execute(all, deleted []*state) error {
	tables, err := u.s.reg.MetaData().Sorted()
	if err != nil {
		return err
	}
	byTable := u.s.tableMappers()
	pending := map[*mapping.Mapper][]*state{}
	persistent := map[*mapping.Mapper][]*state{}
	for _, st := range all {
		if u.s.states[st.ptr] != st {
			continue // forgotten during the diff
		}
		switch st.status {
		case statusPending:
			pending[st.m] = append(pending[st.m], st)
		case statusPersistent:
			persistent[st.m] = append(persistent[st.m], st)
		}
	}
	// Inserts, parents first.
	for _, t := range tables {
		m := byTable[t]
		if m == nil || len(pending[m]) == 0 {
			continue
		}
		if err := u.insertTable(m, pending[m]); err != nil {
			return err
		}
	}
	// Updates of changed columns, parents first.
	for _, t := range tables {
		m := byTable[t]
		if m == nil {
			continue
		}
		for _, st := range persistent[m] {
			if err := u.applySyncs(st, false); err != nil {
				return err
			}
			if err := u.update(st); err != nil {
				return err
			}
		}
	}
	// Rows of a cycle, now that every parent has its key.
	for _, sy := range u.post {
		if err := u.postUpdate(sy); err != nil {
			return err
		}
	}
	if err := u.writeLinks(); err != nil {
		return err
	}
	return u.deleteRows(tables, byTable, deleted)
}

// applySyncs copies parents' keys into st's foreign keys. When allowWait is
// set, a sync whose parent has no row yet is reported (false) instead of
// failing.
func (u *unitOfWork) applySyncs(st *state, allowWait bool) error {
	for _, sy := range u.byChild[st] {
		if sy.child != st || sy.postUpdate {
			continue
		}
		if sy.parent != nil && sy.parent.status == statusDeleted {
			continue
		}
		for i, f := range sy.fields {
			var v any
			if sy.parent != nil {
				k, ok := sy.parentFields[i].Key(sy.parent.ptr)
				if !ok {
					return fmt.Errorf("relm: %s.%s refers to a %s that has no key yet", st.m.Name(), f.Name, sy.parent.m.Name())
				}
				v = k
			}
			if cur, ok := f.Key(st.ptr); ok == (v != nil) && (v == nil || cur == v) {
				continue
			}
			if err := u.s.setKey(st, f, v); err != nil {
				return err
			}
		}
		u.touched[st] = true
	}
	return nil
}

// waitsFor reports whether st has a foreign key to a row not inserted yet.
func (u *unitOfWork) waitsFor(st *state) (same bool, other *fkSync) {
	for _, sy := range u.byChild[st] {
		if sy.child != st || sy.parent == nil || sy.postUpdate {
			continue
		}
		p := sy.parent
		if p.status == statusPending && !u.inserted[p] {
			if p.m == st.m {
				same = true
			} else {
				other = sy
			}
		}
	}
	return same, other
}

func (u *unitOfWork) insertTable(m *mapping.Mapper, rows []*state) error {
	remaining := rows
	for len(remaining) > 0 {
		var ready, wait []*state
		for _, st := range remaining {
			same, other := u.waitsFor(st)
			if other != nil {
				// The parent's table comes later: a cycle between tables.
				// Insert with NULL and write the key once the parent exists.
				if err := u.deferSync(other); err != nil {
					return err
				}
			}
			if same {
				wait = append(wait, st)
			} else {
				ready = append(ready, st)
			}
		}
		if len(ready) == 0 {
			// Rows of one table referring to each other in a cycle.
			for _, st := range wait {
				for _, sy := range u.byChild[st] {
					if sy.parent != nil && sy.parent.m == m && !u.inserted[sy.parent] {
						if err := u.deferSync(sy); err != nil {
							return err
						}
					}
				}
			}
			ready, wait = wait, nil
		}
		for _, st := range ready {
			if err := u.applySyncs(st, true); err != nil {
				return err
			}
		}
		if err := u.insertRows(m, ready); err != nil {
			return err
		}
		remaining = wait
	}
	return nil
}

func (u *unitOfWork) deferSync(sy *fkSync) error {
	for _, f := range sy.fields {
		if f.Column.NotNull {
			return fmt.Errorf("relm: %s.%s and %s.%s refer to each other in a cycle, and %s.%s is NOT NULL; make that column nullable so that relm can insert the row first and set the key after (post-update), or save one side in an earlier flush",
				sy.child.m.Name(), f.Name, sy.parent.m.Name(), sy.parentFields[0].Name, sy.child.m.Table.Name, f.Column.Name)
		}
		if err := u.s.setKey(sy.child, f, nil); err != nil {
			return err
		}
	}
	sy.postUpdate = true
	u.post = append(u.post, sy)
	return nil
}

func (u *unitOfWork) finalize(all, deleted []*state) {
	s := u.s
	// Reverse sides in memory.
	for _, k := range u.collOrder {
		u.applyColl(k)
	}
	for _, ss := range u.scalarSets {
		if ss.st == nil || !ss.r.HasField {
			continue
		}
		if ss.only != nil && ss.r.Get(ss.st.ptr) != ss.only {
			continue
		}
		if ss.r.Get(ss.st.ptr) == ss.target {
			continue
		}
		s.saveRel(ss.st.ptr, ss.r)
		ss.r.Set(ss.st.ptr, ss.target)
		u.touched[ss.st] = true
	}
	for _, st := range deleted {
		s.forget(st)
	}
	for _, st := range all {
		if s.states[st.ptr] != st {
			continue
		}
		if u.inserted[st] || u.touched[st] || st.snap == nil {
			s.touch(st)
			if st.status == statusPending {
				st.status = statusPersistent
			}
			u.snapshot(st)
		}
	}
}

func (u *unitOfWork) applyColl(k collKey) {
	cur := k.r.GetSlice(k.st.ptr)
	rm := u.collRemoves[k]
	adds := u.collAdds[k]
	present := make(map[unsafe.Pointer]struct{}, len(cur)+len(adds))
	next := make([]unsafe.Pointer, 0, len(cur)+len(adds))
	changed := false
	for _, p := range cur {
		if rm[p] {
			changed = true
			continue
		}
		present[p] = struct{}{}
		next = append(next, p)
	}
	for _, p := range adds {
		if _, ok := present[p]; ok || rm[p] {
			continue
		}
		present[p] = struct{}{}
		next = append(next, p)
		changed = true
	}
	if !changed {
		return
	}
	u.s.touch(k.st)
	u.s.saveRel(k.st.ptr, k.r)
	k.r.SetSlice(k.st.ptr, next)
	u.touched[k.st] = true
}

// snapshot records st as flushed: a copy of its struct and of its
// collections. A pending object's relationships were all authoritative, so
// they count as loaded from now on.
func (u *unitOfWork) snapshot(st *state) {
	m := st.m
	if st.snap == nil {
		st.snap = m.New()
	}
	m.Copy(st.snap, st.ptr)
	for _, r := range m.Relationships {
		if !r.HasField || !r.Uselist {
			continue
		}
		if st.colls == nil {
			st.colls = make([][]unsafe.Pointer, len(m.Relationships))
		}
		cur := r.GetSlice(st.ptr)
		if len(cur) == 0 {
			st.colls[r.Index] = nil
			continue
		}
		st.colls[r.Index] = append(make([]unsafe.Pointer, 0, len(cur)), cur...)
	}
	if u.inserted[st] {
		for _, r := range m.Relationships {
			st.setLoaded(r)
		}
	}
}
