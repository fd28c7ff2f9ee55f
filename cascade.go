package relm

import (
	"context"
	"fmt"
	"strconv"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// cascade attaches every object reachable through save-update relationships
// and returns all states in arrival order.
func (u *unitOfWork) cascade() ([]*state, error) {
	s := u.s
	work := s.sortedStates(u.kept.states)
	for i := 0; i < len(work); i++ {
		st := work[i]
		if st.status == statusDeleted {
			continue
		}
		for _, r := range st.m.Relationships {
			if !r.HasField {
				continue
			}
			if r.Uselist {
				for i, p := range r.GetSlice(st.ptr) {
					if p == nil {
						return nil, fmt.Errorf("relm: %s.%s[%d] is nil; a collection holds objects only — remove the nil element", st.m.Name(), r.Name, i)
					}
					if s.states[p] == nil {
						cs, err := u.reach(st, r, p, i)
						if err != nil {
							return nil, err
						}
						if cs != nil {
							work = append(work, cs)
						}
					}
				}
			} else if p := r.Get(st.ptr); p != nil && s.states[p] == nil {
				cs, err := u.reach(st, r, p, -1)
				if err != nil {
					return nil, err
				}
				if cs != nil {
					work = append(work, cs)
				}
			}
		}
	}
	return work, nil
}

// reach attaches the object at p, which st's relationship r refers to (at
// index i of a collection, -1 for a scalar) and the session does not hold,
// when r has the save-update cascade. Without it, an existing row is left
// for the diff to attach (its key is all a link row or foreign key needs),
// and a new object is an error: it would not be saved, as SQLAlchemy warns
// ("not in session, add operation along … will not proceed").
func (u *unitOfWork) reach(st *state, r *mapping.Relationship, p objPtr, i int) (*state, error) {
	s := u.s
	where := st.m.Name() + "." + r.Name
	if i >= 0 {
		where += "[" + strconv.Itoa(i) + "]"
	}
	if !r.Cascade.SaveUpdate {
		if s.existingRow(r.Target, p) {
			return nil, nil
		}
		return nil, fmt.Errorf("relm: %s holds a new %s that is not in the session, and %s.%s has no save-update cascade, so it would not be saved; Add it to the session, or give the relationship the save-update cascade", where, r.Target.Name(), st.m.Name(), r.Name)
	}
	cs, err := s.attach(r.Target, p, attachCascade)
	if err != nil {
		return nil, fmt.Errorf("%w (reached from %s)", err, where)
	}
	return cs, nil
}

// stateOf returns the session's state of the object at p, attaching it when
// it is not in the session (reached through a relationship without the
// save-update cascade) so that its key can be read and written.
func (u *unitOfWork) stateOf(m *mapping.Mapper, p objPtr) (*state, error) {
	if st := u.tracked(p); st != nil {
		return st, nil
	}
	return u.s.attach(m, p, attachCascade)
}

// tracked returns the session's state of the object at p, nil when it has
// none. While the diff runs, when the flush is large, the answers go
// through a small direct-mapped cache: the diff of a seed looks up the
// same few parents (users, tags) hundreds of thousands of times, and the
// session's map, one entry per object, misses the processor's caches. No
// state leaves the session while the cache is on (the diff only attaches).
func (u *unitOfWork) tracked(p objPtr) *state {
	if u.memo == nil {
		return u.s.states[p]
	}
	e := &u.memo[(uintptr(p)>>4)&(memoSize-1)]
	if e.p == p {
		return e.st
	}
	st := u.s.states[p]
	if st != nil {
		e.p, e.st = p, st
	}
	return st
}

// memoSize is the number of entries of the diff's cache (a power of two),
// and memoFrom the number of objects from which a flush uses one.
const (
	memoSize = 1024
	memoFrom = 4096
)

// memoEntry is one entry of the diff's cache (see tracked).
type memoEntry struct {
	p  objPtr
	st *state
}

// dropOrphans deletes (or forgets, when never inserted) the objects
// removed from a delete-orphan collection that no other parent took.
func (u *unitOfWork) dropOrphans() error {
	for _, o := range u.orphans {
		reparented := false
		for _, sy := range u.syncsOf(o) {
			if sy.parent != nil {
				reparented = true
			}
		}
		if reparented {
			continue
		}
		switch o.status {
		case statusPersistent:
			u.s.touch(o)
			o.status = statusDeleted
		case statusPending:
			u.s.forget(o)
		}
	}
	return nil
}

// expandDeletes follows delete cascades from the deleted objects, loading
// the children of collections the session has not loaded, and returns
// every state to delete.
//
// all is the flush's states in arrival order (from the cascade): every
// object marked deleted is among them, whether by Delete or as an orphan
// during the diff.
func (u *unitOfWork) expandDeletes(all []*state) ([]*state, error) {
	var deleted []*state
	for _, st := range all {
		if st.status == statusDeleted && u.s.states[st.ptr] == st {
			deleted = append(deleted, st)
		}
	}
	if len(deleted) == 0 {
		return nil, nil
	}
	seen := make(map[*state]bool, len(deleted))
	for _, st := range deleted {
		seen[st] = true
	}
	for i := 0; i < len(deleted); i++ {
		st := deleted[i]
		for _, r := range st.m.Relationships {
			if !r.Cascade.Delete || r.Direction == mapping.ManyToMany {
				continue
			}
			var children []objPtr
			switch {
			case r.HasField && r.Uselist:
				children = append(children, r.GetSlice(st.ptr)...)
			case r.HasField:
				if p := r.Get(st.ptr); p != nil {
					children = append(children, p)
				}
			default:
				children = append(children, st.sideOf(r)...)
			}
			removes := u.s.removesRow(st)
			if r.Direction == mapping.OneToMany && st.key != nil && !st.isLoaded(r) {
				// The rows the session does not know of (soft-deleted
				// ones too when st's row goes).
				var loaded []objPtr
				err := u.s.withUnscoped(removes, func() (err error) {
					loaded, err = u.s.loadChildren(u.ctx, r, st)
					return err
				})
				if err != nil {
					return nil, err
				}
				children = append(children, loaded...)
			}
			for _, c := range children {
				if c == nil {
					continue
				}
				cs, err := u.stateOf(r.Target, c)
				if err != nil {
					return nil, err
				}
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
				if removes {
					u.s.markHard(cs) // no row may refer to one that is gone
				}
				deleted = append(deleted, cs)
			}
		}
	}
	return deleted, nil
}

// loadChildren selects the rows on the many side of a one-to-many for one
// parent (used when a delete cascade meets an unloaded collection).
func (s *Session) loadChildren(ctx context.Context, r *mapping.Relationship, parent *state) ([]objPtr, error) {
	d := s.db.dialect
	c := s.db.cache(r.Target)
	q := s.softHead(c.selectAll+" WHERE ", r.Target, "")
	for i, col := range r.RemoteColumns {
		if i > 0 {
			q += " AND "
		}
		q += d.Quote(col.Name) + " = " + dialect.Placeholder(d, i+1)
	}
	return s.load(ctx, r.Target, q, keyValues(r.LocalFields, parent.ptr, nil))
}
