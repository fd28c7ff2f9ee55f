package relm

import (
	"slices"

	"github.com/relmorm/relm/mapping"
)

type collKey struct {
	st *state
	r  *mapping.Relationship
}

// scalarSet is an in-memory update of a scalar relationship field, applied
// when the flush succeeded.
type scalarSet struct {
	st     *state
	r      *mapping.Relationship
	target objPtr
	only   objPtr // when non-nil: set only if the field still holds this

	// cond makes the set depend on which parent won the foreign key of st
	// (key): it applies only if that parent is parent (nil: set NULL).
	// When it does not apply and owner is set, st leaves owner's
	// collection ownerRel, which listed it.
	cond     bool
	key      syncKey
	parent   *state
	owner    *state
	ownerRel *mapping.Relationship
}

// smallColl is the length up to which applyColl finds members by scanning
// rather than through a map.
const smallColl = 64

func (u *unitOfWork) memAdd(st *state, r *mapping.Relationship, p objPtr) {
	if st == nil || !st.isLoaded(r) {
		return
	}
	if !r.Uselist {
		u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: r, target: p})
		return
	}
	li := u.collList(st, r)
	if u.collLists[li].n == 0 {
		k := collKey{st, r}
		if _, ok := u.collRemoves[k]; !ok {
			u.collOrder = append(u.collOrder, k)
		}
	}
	u.collEnts = append(u.collEnts, collEnt{p: p, list: li})
	u.collLists[li].n++
}

// collList returns the index in collLists of the objects added to st's
// collection r, making st's lists (one per relationship of its mapper) on
// the first call of the flush: an index kept on the state rather than a
// map entry, looked up for every object added.
func (u *unitOfWork) collList(st *state, r *mapping.Relationship) int32 {
	u.mark(st)
	if st.colls1 == 0 {
		n := len(u.collLists)
		u.collLists = slices.Grow(u.collLists, len(st.m.Relationships))[:n+len(st.m.Relationships)]
		st.colls1 = int32(n) + 1
	}
	return st.colls1 - 1 + int32(r.Index)
}

// added reports whether memAdd added objects to st's collection r.
func (u *unitOfWork) added(st *state, r *mapping.Relationship) (int32, bool) {
	if st.fmark != u.gen || st.colls1 == 0 {
		return 0, false
	}
	li := st.colls1 - 1 + int32(r.Index)
	return li, u.collLists[li].n > 0
}

// collList is the number of objects memAdd added to one collection, and
// where they start in unitOfWork.collFlat once grouped.
type collList struct{ n, start int32 }

// collEnt is one object memAdd added, and the collection it goes to.
type collEnt struct {
	p    objPtr
	list int32
}

// addsOf returns, in the order added, the objects memAdd added to k's
// collection. The first call groups every entry by collection, in one pass.
func (u *unitOfWork) addsOf(k collKey) []objPtr {
	li, ok := u.added(k.st, k.r)
	if !ok {
		return nil
	}
	if u.collFlat == nil {
		next := make([]int32, len(u.collLists))
		at := int32(0)
		for i := range u.collLists {
			u.collLists[i].start, next[i] = at, at
			at += u.collLists[i].n
		}
		u.collFlat = make([]objPtr, len(u.collEnts))
		for _, e := range u.collEnts {
			u.collFlat[next[e.list]] = e.p
			next[e.list]++
		}
		u.collEnts = nil
	}
	l := u.collLists[li]
	return u.collFlat[l.start : l.start+l.n : l.start+l.n]
}

func (u *unitOfWork) memRemove(st *state, r *mapping.Relationship, p objPtr) {
	if st == nil || !st.isLoaded(r) {
		return
	}
	if !r.Uselist {
		u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: r, target: nil, only: p})
		return
	}
	k := collKey{st, r}
	if u.collRemoves[k] == nil {
		if _, ok := u.added(st, r); !ok {
			u.collOrder = append(u.collOrder, k)
		}
		if u.collRemoves == nil {
			u.collRemoves = map[collKey]map[objPtr]bool{}
		}
		u.collRemoves[k] = map[objPtr]bool{}
	}
	u.collRemoves[k][p] = true
}

// leaveRelated takes a deleted object out of the reverse side of each of
// its relationships, on the objects it refers to (now or when last
// flushed) whose side the session knows.
func (u *unitOfWork) leaveRelated(st *state) {
	for _, r := range st.m.Relationships {
		rr := r.Reverse
		if !r.HasField || rr == nil || !rr.HasField {
			continue
		}
		var others []objPtr
		if r.Uselist {
			others = append(others, r.GetSlice(st.ptr)...)
			others = append(others, st.coll(r)...)
		} else {
			others = append(others, r.Get(st.ptr))
			if st.snap != nil {
				others = append(others, r.Get(st.snap))
			}
		}
		for _, p := range others {
			if o := u.s.states[p]; p != nil && o != nil && o.status != statusDeleted {
				u.memRemove(o, rr, st.ptr)
			}
		}
	}
}

func (u *unitOfWork) applyColl(k collKey) {
	if u.s.states[k.st.ptr] != k.st {
		return
	}
	cur := k.r.GetSlice(k.st.ptr)
	rm := u.collRemoves[k]
	adds := u.addsOf(k)
	if len(cur) == 0 {
		// Nothing to merge with (a new parent's collection): the diff
		// reports each object once per collection — every object's
		// relationships are diffed once, a collection's additions are
		// deduplicated — so the additions are the collection.
		next := make([]objPtr, 0, len(adds))
		for _, p := range adds {
			if !rm[p] {
				next = append(next, p)
			}
		}
		if len(next) == 0 {
			return
		}
		u.s.touch(k.st)
		u.s.saveRel(k.st.ptr, k.r)
		k.r.SetSlice(k.st.ptr, next)
		u.markTouched(k.st)
		return
	}
	next := make([]objPtr, 0, len(cur)+len(adds))
	// Membership by scanning next while it is short (a user's articles,
	// a tag's articles in a seed), through a map beyond.
	var present map[objPtr]struct{}
	if len(cur)+len(adds) > smallColl {
		present = make(map[objPtr]struct{}, len(cur)+len(adds))
	}
	has := func(p objPtr) bool {
		if present == nil {
			return slices.Contains(next, p)
		}
		_, ok := present[p]
		return ok
	}
	keep := func(p objPtr) {
		if present != nil {
			present[p] = struct{}{}
		}
		next = append(next, p)
	}
	changed := false
	for _, p := range cur {
		if rm[p] {
			changed = true
			continue
		}
		keep(p)
	}
	for _, p := range adds {
		if rm[p] || has(p) {
			continue
		}
		keep(p)
		changed = true
	}
	if !changed {
		return
	}
	u.s.touch(k.st)
	u.s.saveRel(k.st.ptr, k.r)
	k.r.SetSlice(k.st.ptr, next)
	u.markTouched(k.st)
}

// syncMemory brings the other side of every relationship the flush changed
// into step in memory, as the database now holds it: deleted objects leave
// the sides that list them; scalar fields are set first (they may take an
// object out of its old parent's collection), then collections; and what
// the flush made known is marked loaded.
func (u *unitOfWork) syncMemory(deleted []*state) {
	for _, st := range deleted {
		u.leaveRelated(st)
	}
	u.applyScalarSets()
	for _, k := range u.collOrder {
		u.applyColl(k)
	}
	u.markWrittenReferences()
	u.applyDetaches()
}

// applyScalarSets sets the scalar relationship fields the diff recorded
// (scalarSets), each when its condition holds.
func (u *unitOfWork) applyScalarSets() {
	s := u.s
	for i := 0; i < len(u.scalarSets); i++ {
		ss := u.scalarSets[i]
		if ss.st == nil || !ss.r.HasField || s.states[ss.st.ptr] != ss.st {
			continue
		}
		if ss.cond {
			if w := u.syncOf(ss.key); w == nil || w.parent != ss.parent {
				if ss.owner != nil {
					u.memRemove(ss.owner, ss.ownerRel, ss.st.ptr)
				}
				continue
			}
		}
		old := ss.r.Get(ss.st.ptr)
		if ss.only != nil && old != ss.only || old == ss.target {
			continue
		}
		s.touch(ss.st)
		s.saveRel(ss.st.ptr, ss.r)
		ss.r.Set(ss.st.ptr, ss.target)
		u.markTouched(ss.st)
		if rr := ss.r.Reverse; old != nil && rr != nil && rr.HasField && ss.r.Direction == mapping.ManyToOne {
			// The child changed parents: it leaves the old one's side.
			u.memRemove(s.states[old], rr, ss.st.ptr)
		}
	}
}

// markWrittenReferences marks loaded the many-to-ones the program set on
// loaded objects, whose foreign keys the flush wrote from them: they now
// hold what the database holds.
func (u *unitOfWork) markWrittenReferences() {
	s := u.s
	for _, sy := range u.syncOrder {
		if st := sy.child; sy.local && sy.priority == 2 && !u.isInserted(st) && !st.isLoaded(sy.r) &&
			s.states[st.ptr] == st && sy.r.HasField && sy.r.Get(st.ptr) == ptrOf(sy.parent) {
			s.touch(st)
			st.setLoaded(sy.r)
		}
	}
}

// applyDetaches records the one-to-ones whose other rows the flush
// detached: in the database the parent's one-to-one is the child whose
// foreign key the flush gave it; its side says so in memory too, and counts
// as loaded.
func (u *unitOfWork) applyDetaches() {
	s := u.s
	for _, d := range u.detaches {
		if s.states[d.parent.ptr] != d.parent {
			continue
		}
		s.touch(d.parent)
		d.parent.setLoaded(d.r)
		if !d.r.HasField || d.child.status == statusDeleted || d.r.Get(d.parent.ptr) == d.child.ptr {
			continue
		}
		if w := u.syncOf(syncKey{d.child, d.r.RemoteFields[0]}); w != nil && w.parent == d.parent {
			s.saveRel(d.parent.ptr, d.r)
			d.r.Set(d.parent.ptr, d.child.ptr)
			u.markTouched(d.parent)
		}
	}
}
