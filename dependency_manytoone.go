package relm

import (
	"fmt"

	"github.com/relmorm/relm/mapping"
)

// fkSync copies a parent's key into a child's foreign-key fields (or NULL).
// The foreign key is r's local columns when r is the child's many-to-one
// (local), its remote columns when r is the parent's one-to-many.
type fkSync struct {
	child      *state
	r          *mapping.Relationship
	parent     *state // nil: set NULL
	priority   int8   // 0 null from a removal, 1 from a collection, 2 from the child's own reference
	local      bool   // the child's fields are r.LocalFields
	postUpdate bool   // written by an UPDATE after the parent's insert (cycle)
}

// fields returns the child's foreign-key fields.
func (sy *fkSync) fields() []*mapping.Field {
	if sy.local {
		return sy.r.LocalFields
	}
	return sy.r.RemoteFields
}

// parentFields returns the parent's key fields the foreign key takes.
func (sy *fkSync) parentFields() []*mapping.Field {
	if sy.local {
		return sy.r.RemoteFields
	}
	return sy.r.LocalFields
}

type syncKey struct {
	child *state
	field *mapping.Field
}

// syncsOf returns st's foreign-key syncs as a child in this flush.
func (u *unitOfWork) syncsOf(st *state) []*fkSync {
	if st.fmark != u.gen || st.syncs == 0 {
		return nil
	}
	return u.childSyncs[st.syncs-1]
}

// addSync records that v.child's foreign key v.fields takes v.parent's key:
// one sync per child and field, the one of highest priority (the latest
// among equals).
func (u *unitOfWork) addSync(v fkSync) {
	list := u.syncsOf(v.child)
	for _, old := range list {
		if old.fields()[0] == v.fields()[0] {
			if old.priority <= v.priority {
				*old = v
			}
			return
		}
	}
	sy := slabAlloc(&u.syncSlab)
	*sy = v
	u.syncOrder = append(u.syncOrder, sy)
	if list == nil {
		// Most children have one or two parents: their lists share
		// arrays rather than take one allocation each.
		if len(u.syncPtrs)+2 > cap(u.syncPtrs) {
			u.syncPtrs = make([]*fkSync, 0, min(max(16, 2*cap(u.syncPtrs)), 2048))
		}
		n := len(u.syncPtrs)
		u.syncPtrs = u.syncPtrs[:n+2]
		list = u.syncPtrs[n : n : n+2]
		u.mark(sy.child)
		u.childSyncs = append(u.childSyncs, nil)
		sy.child.syncs = int32(len(u.childSyncs))
	}
	u.childSyncs[sy.child.syncs-1] = append(list, sy)
}

// syncOf returns the sync of k's child and field, or nil.
func (u *unitOfWork) syncOf(k syncKey) *fkSync {
	for _, sy := range u.syncsOf(k.child) {
		if sy.fields()[0] == k.field {
			return sy
		}
	}
	return nil
}

// oldParent returns the state of the object a loaded many-to-one referred
// to when it was loaded, found by the foreign key of the snapshot, when
// the session holds it.
func (u *unitOfWork) oldParent(st *state, r *mapping.Relationship) *state {
	if st.snap == nil {
		return nil
	}
	k, ok := mapping.FieldsKey(r.LocalFields, st.snap)
	if !ok {
		return nil
	}
	return u.s.identity.get(identityKey{r.Target, k})
}

func (u *unitOfWork) diffManyToOne(st *state, r *mapping.Relationship) error {
	cur := r.Get(st.ptr)
	var prev objPtr
	if st.snap != nil {
		prev = r.Get(st.snap)
	}
	loaded := st.isLoaded(r)
	if cur == prev && !(cur != nil && !loaded) {
		return nil
	}
	var ps *state
	if cur != nil {
		var err error
		if ps, err = u.stateOf(r.Target, cur); err != nil {
			return err
		}
		u.addSync(fkSync{child: st, r: r, local: true, parent: ps, priority: 2})
	} else if loaded || prev != nil {
		u.addSync(fkSync{child: st, r: r, local: true, priority: 2})
	}
	if cur == prev {
		return nil
	}
	u.markTouched(st)
	rr := r.Reverse
	if rr == nil || !rr.HasField {
		return nil
	}
	if ps != nil {
		u.memAdd(ps, rr, st.ptr)
		if !rr.Uselist {
			// One-to-one: the parent's previous child is detached.
			if y := rr.Get(ps.ptr); y != nil && y != st.ptr {
				if ys := u.tracked(y); ys != nil {
					u.addSync(fkSync{child: ys, r: r, local: true, priority: 0})
					u.scalarSets = append(u.scalarSets, scalarSet{st: ys, r: r, only: cur})
					u.markTouched(ys)
				}
			} else if y == nil && ps.status == statusPersistent && !ps.isLoaded(rr) {
				u.detaches = append(u.detaches, o2oDetach{r: rr, parent: ps, child: st})
			}
		}
	}
	// Leave the old parent's collection: the one the snapshot references,
	// or, for a loaded object, the one its foreign key named.
	var old *state
	if prev != nil {
		old = u.tracked(prev)
	} else if !loaded {
		old = u.oldParent(st, r)
	}
	if old != nil && old != ps {
		u.memRemove(old, rr, st.ptr)
	}
	return nil
}

// applySyncs copies parents' keys into st's foreign keys.
func (u *unitOfWork) applySyncs(st *state) error {
	for _, sy := range u.syncsOf(st) {
		if sy.child != st || sy.postUpdate {
			continue
		}
		if sy.parent != nil && sy.parent.status == statusDeleted {
			continue
		}
		changed := false
		for i, f := range sy.fields() {
			var v any
			if p := sy.parent; p != nil {
				pf := sy.parentFields()[i]
				var k any
				ok := false
				if p.key != nil && len(p.m.PrimaryKey) == 1 && p.m.PrimaryKey[0] == pf {
					k, ok = p.key, true // its identity key, already boxed
				} else {
					k, ok = pf.Key(p.ptr)
				}
				if !ok {
					return fmt.Errorf("relm: %s.%s refers to a %s that has no key yet; add it to the session (or give the relationship the save-update cascade)", st.m.Name(), f.Name, sy.parent.m.Name())
				}
				v = k
			}
			if cur, ok := f.Key(st.ptr); ok == (v != nil) && (v == nil || cur == v) {
				continue
			}
			if err := u.s.setKey(st, f, v); err != nil {
				return err
			}
			changed = true
		}
		if changed {
			u.markTouched(st)
		}
	}
	return nil
}
