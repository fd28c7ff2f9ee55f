package relm

import "github.com/relmorm/relm/mapping"

// slabAlloc returns a new zero element of *slab, allocating elements in
// arrays of 2, then twice the last, up to 1,024: a flush of 100,000 articles
// records hundreds of thousands of syncs, and a session as many states,
// and one allocation each was the flush's largest cost after the SQL, while
// a small flush or session (one object) should not pay for a large array.
// Elements never move (a full array is left to its pointers).
func slabAlloc[T any](slab *[]T) *T {
	s := *slab
	if len(s) == cap(s) {
		s = make([]T, 0, min(max(2, 2*cap(s)), 1024))
	}
	s = s[:len(s)+1]
	*slab = s
	return &s[len(s)-1]
}

// chunkSlice returns a new zero slice of n elements cut from the array of
// *chunk, allocating arrays as slabAlloc does (16 elements, then twice the
// last, up to 1,024; a longer slice is allocated alone): a flush snapshots
// the collection of every object it inserted, and one allocation each cost
// more than the copy. The slice's capacity is its length, so appending to it
// reallocates rather than overwrite its neighbour.
func chunkSlice[T any](chunk *[]T, n int) []T {
	if n == 0 {
		return nil
	}
	if n > 256 {
		return make([]T, n)
	}
	c := *chunk
	if cap(c)-len(c) < n {
		c = make([]T, 0, max(n, min(max(16, 2*cap(c)), 1024)))
	}
	i := len(c)
	*chunk = c[:i+n]
	return c[i : i+n : i+n]
}

// snapArena returns the arena of this flush's snapshots of m's objects:
// they are allocated an array at a time, not one by one.
func (u *unitOfWork) snapArena(m *mapping.Mapper) *arena {
	if n := len(u.snaps); n > 0 && u.snaps[n-1].m == m {
		return u.snaps[n-1] // the usual case: objects come by mapper
	}
	for _, a := range u.snaps {
		if a.m == m {
			return a
		}
	}
	a := &u.snap0
	if len(u.snaps) > 0 {
		a = &arena{}
	}
	*a = arena{m: m}
	u.snaps = append(u.snaps, a)
	return a
}

// snapshot records st as flushed: a copy of its struct and of its
// collections. A pending object's relationships were all authoritative, so
// they count as loaded from now on. The snapshot is a new allocation: the
// journal keeps the previous one, which a rollback restores.
func (u *unitOfWork) snapshot(st *state) {
	m := st.m
	st.snap = u.snapArena(m).snapshotOf(m, st.ptr)
	for _, r := range m.Relationships {
		if !r.HasField || !r.Uselist {
			continue
		}
		cur := r.GetSlice(st.ptr)
		if len(cur) == 0 {
			if st.colls != nil {
				st.colls[r.Index] = nil
			}
			continue
		}
		if st.colls == nil {
			st.colls = chunkSlice(&u.collsChunk, len(m.Relationships))
		}
		c := chunkSlice(&u.collChunk, len(cur))
		copy(c, cur)
		st.colls[r.Index] = c
	}
	if u.isInserted(st) {
		st.setAllLoaded()
	}
}

// snapshotFlushed snapshots the objects the flush inserted or touched, and
// those it attached after the cascade (while diffing or deleting, so with a
// later sequence number than the cascade's last).
func (u *unitOfWork) snapshotFlushed(all []*state) {
	s := u.s
	// Size each mapper's snapshot arena for its objects in the flush.
	for _, st := range all {
		u.snapArena(st.m).want++
	}
	for _, st := range all {
		if s.states[st.ptr] != st {
			continue
		}
		if u.isInserted(st) || u.isTouched(st) || st.snap == nil {
			s.touch(st)
			if st.status == statusPending {
				st.status = statusPersistent
			}
			u.snapshot(st)
		}
	}
	// Objects touched that were not in the flush's list: attached while
	// diffing or deleting, after the cascade (so with a later sequence).
	for _, st := range u.touchedList {
		if st.seq > u.lastSeq && s.states[st.ptr] == st && st.status == statusPersistent {
			s.touch(st)
			u.snapshot(st)
		}
	}
}
