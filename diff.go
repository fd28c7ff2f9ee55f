package relm

import (
	"slices"

	"github.com/relmorm/relm/mapping"
)

// diff compares each relationship of each live object with its snapshot.
func (u *unitOfWork) diff(all []*state) error {
	if len(all) >= memoFrom {
		u.memo = new([memoSize]memoEntry)
	}
	u.presize(all)
	if err := u.diffAll(all); err != nil {
		return err
	}
	u.memo = nil
	// Orphans: removed from a delete-orphan collection and not given a new
	// parent in this flush.
	return u.dropOrphans()
}

// presize sizes the slices a flush appends to — link rows,
// reverse-collection additions and the objects written — for the new
// objects, their collections and references (each becomes a link row or
// an addition, unless repeated), so that they are allocated once instead
// of copied at each doubling. The changes of persistent objects, usually
// few, grow them as appends do.
func (u *unitOfWork) presize(all []*state) {
	links, adds, children, pending, refs := 0, 0, 0, 0, 0
	for _, st := range all {
		if st.status != statusPending {
			continue
		}
		pending++
		child := false
		for _, r := range st.m.Relationships {
			if !r.HasField {
				continue
			}
			back := r.Reverse != nil && r.Reverse.HasField
			switch {
			case r.Direction == mapping.ManyToMany:
				n := len(r.GetSlice(st.ptr))
				links += n
				if back {
					adds += n
				}
			case r.Direction == mapping.ManyToOne && r.Get(st.ptr) != nil:
				child = true
				refs++
				if back && !r.Uselist {
					adds++
				}
			}
		}
		if child {
			children++
		}
	}
	u.linkOrder = slices.Grow(u.linkOrder, links)
	u.collEnts = slices.Grow(u.collEnts, adds)
	u.touchedList = slices.Grow(u.touchedList, pending) // each is inserted
	u.syncOrder = slices.Grow(u.syncOrder, refs)        // each fills a foreign key
	// New objects that refer to parents are most of the children whose
	// foreign keys the flush writes (an article, of its author and
	// category).
	u.childSyncs = slices.Grow(u.childSyncs, children)
}

// diffAll diffs the relationships of every live object of the flush.
func (u *unitOfWork) diffAll(all []*state) error {
	// Every state of all is in the session: the cascade took them from
	// it or attached them, and nothing has left it since.
	for _, st := range all {
		if st.status == statusDeleted {
			continue
		}
		for _, r := range st.m.Relationships {
			if !r.HasField {
				continue
			}
			var err error
			switch r.Direction {
			case mapping.ManyToOne:
				err = u.diffManyToOne(st, r)
			case mapping.OneToMany:
				err = u.diffOneToMany(st, r)
			case mapping.ManyToMany:
				err = u.diffManyToMany(st, r)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// diffSlices returns the elements of cur not in prev (each once) and, when
// loaded, the elements of prev not in cur.
func diffSlices(cur, prev []objPtr, loaded bool) (added, removed []objPtr) {
	if len(prev) == 0 {
		if len(cur) == 0 || len(cur) == 1 && cur[0] != nil {
			return cur, nil
		}
		if len(cur) <= smallSlice {
			return dedupeSmall(cur), nil
		}
		seen := make(map[objPtr]struct{}, len(cur))
		for _, p := range cur {
			if _, dup := seen[p]; !dup && p != nil {
				seen[p] = struct{}{}
				added = append(added, p)
			}
		}
		return added, nil
	}
	if len(cur) == len(prev) {
		same := true
		for i := range cur {
			if cur[i] != prev[i] {
				same = false
				break
			}
		}
		if same {
			return nil, nil
		}
	}
	before := make(map[objPtr]struct{}, len(prev))
	for _, p := range prev {
		before[p] = struct{}{}
	}
	now := make(map[objPtr]struct{}, len(cur))
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

// smallSlice is the length up to which a collection is deduplicated by
// comparing elements pairwise rather than through a map: an article's tags.
const smallSlice = 16

// dedupeSmall returns s without nils and repeated elements, s itself when it
// has neither.
func dedupeSmall(s []objPtr) []objPtr {
	for i, p := range s {
		if p == nil || slices.Contains(s[:i], p) {
			// s[:i] is clean; s[i] is dropped; filter the rest.
			out := append(make([]objPtr, 0, len(s)), s[:i]...)
			for _, q := range s[i+1:] {
				if q != nil && !slices.Contains(out, q) {
					out = append(out, q)
				}
			}
			return out
		}
	}
	return s
}
