package relm

import (
	"errors"
	"fmt"

	"github.com/relmorm/relm/mapping"
)

type status uint8

const (
	statusPending    status = iota + 1 // added, not yet inserted
	statusPersistent                   // has a row
	statusDeleted                      // marked for deletion at the next flush
)

// track records st as the state of the object at p. The map is created on
// first use: a session costs no map until it holds an object.
func (s *Session) track(p objPtr, st *state) {
	if s.states == nil {
		s.states = map[objPtr]*state{}
	}
	s.states[p] = st
}

// state is what the session knows of one object. It is kept small (104
// bytes): a load of n rows makes n of them.
type state struct {
	m      *mapping.Mapper
	ptr    objPtr
	status status
	// Marks, sets without a map insert per object: inserted and touched
	// say what the flush numbered fmark did to the object (see
	// unitOfWork.gen, from Session.gen); journaled, that the open
	// journal saved it (cleared when the journal ends).
	inserted, touched, journaled bool
	fmark                        uint32
	key                          any // identity key once persistent
	seq                          int // order of arrival, for stable flush order
	// syncs indexes the flush's list of the object's foreign-key syncs as
	// a child (unitOfWork.childSyncs, from 1; 0: none), valid while fmark
	// is the flush's: a field rather than a map entry, looked up several
	// times per row of a large flush.
	syncs int32
	// colls1 is, from 1, where the flush's lists of objects added to the
	// object's collections start (unitOfWork.collLists, one per
	// relationship index; 0: none yet), valid while fmark is the flush's.
	colls1 int32

	// snap is a shallow copy of the struct at the last load or flush (nil
	// while pending, and for an object attached with unknown contents,
	// whose every column is then written). Strings share their bytes with
	// the live object, so a snapshot costs one struct (taken from the
	// load's arena when loaded: see arena in load.go).
	snap objPtr
	// colls holds, per relationship index, the collection as last flushed
	// or loaded (the live slice's elements, copied).
	colls [][]objPtr
	// loaded marks, one bit per relationship index, whether the
	// relationship's value is known to reflect the database: always for
	// pending objects, after a loader for loaded ones. Removals are only
	// diffed when loaded. Indexes past 63 are in extra.
	loaded uint64
	// extra holds what few objects need (nil for most).
	extra *stateExtra
}

// stateExtra is the rarely needed part of a state.
type stateExtra struct {
	// side holds, per relationship index, the loaded objects of a
	// relationship that has no struct field (a backref on a struct
	// without a field of its name).
	side [][]objPtr
	// loadedHi is loaded for relationship indexes from 64 on.
	loadedHi []bool
}

// more returns st.extra, creating it when missing.
func (st *state) more() *stateExtra {
	if st.extra == nil {
		st.extra = &stateExtra{}
	}
	return st.extra
}

func (st *state) setSide(r *mapping.Relationship, ps []objPtr) {
	x := st.more()
	if x.side == nil {
		x.side = make([][]objPtr, len(st.m.Relationships))
	}
	if len(ps) == 1 && ps[0] == nil {
		ps = nil
	}
	x.side[r.Index] = ps
}

// sideOf returns the loaded objects of r, a relationship without a field.
func (st *state) sideOf(r *mapping.Relationship) []objPtr {
	if st.extra == nil || st.extra.side == nil {
		return nil
	}
	return st.extra.side[r.Index]
}

// coll returns the collection of r as last flushed or loaded.
func (st *state) coll(r *mapping.Relationship) []objPtr {
	if st.colls == nil {
		return nil
	}
	return st.colls[r.Index]
}

// setColl records the collection of r as last flushed or loaded.
func (st *state) setColl(r *mapping.Relationship, ps []objPtr) {
	if st.colls == nil {
		if ps == nil {
			return
		}
		st.colls = make([][]objPtr, len(st.m.Relationships))
	}
	st.colls[r.Index] = ps
}

func (st *state) isLoaded(r *mapping.Relationship) bool {
	if st.status == statusPending {
		return true
	}
	if i := r.Index; i < 64 {
		return st.loaded&(1<<i) != 0
	}
	return st.extra != nil && r.Index-64 < len(st.extra.loadedHi) && st.extra.loadedHi[r.Index-64]
}

func (st *state) setLoaded(r *mapping.Relationship) {
	if i := r.Index; i < 64 {
		st.loaded |= 1 << i
		return
	}
	x := st.more()
	if x.loadedHi == nil {
		x.loadedHi = make([]bool, len(st.m.Relationships)-64)
	}
	x.loadedHi[r.Index-64] = true
}

// setAllLoaded marks every relationship of st loaded.
func (st *state) setAllLoaded() {
	for _, r := range st.m.Relationships {
		st.setLoaded(r)
	}
}

// copyBookkeeping returns a copy of st whose slices do not share arrays
// with st's, for the journal.
func (st *state) copyBookkeeping() state {
	cp := *st
	cp.colls = append([][]objPtr(nil), st.colls...)
	if st.extra != nil {
		cp.extra = &stateExtra{
			side:     append([][]objPtr(nil), st.extra.side...),
			loadedHi: append([]bool(nil), st.extra.loadedHi...),
		}
	}
	return cp
}

// attachMode says how an object joins the session.
type attachMode uint8

const (
	// attachAdd: Session.Add. The object is new, whatever its key: it is
	// inserted at the next flush.
	attachAdd attachMode = iota
	// attachCascade: reached from another object. An object whose
	// generated key is set is an existing row, taken as clean.
	attachCascade
	// attachDelete: Session.Delete. An object whose key is set is an
	// existing row, whether or not the database generates its key.
	attachDelete
	// attachSave: Session.Save. An object whose key is set is an existing
	// row whose contents are unknown: every column is written at the next
	// flush.
	attachSave
)

// ErrIdentityConflict is returned (wrapped) when an object is added to a
// session that already holds another object for the same row: within a
// session one row is one object.
var ErrIdentityConflict = errors.New("relm: another object already stands for this row in the session")

// attach starts tracking the object at p. A new object (no key, a key the
// database does not generate, or any object given to Add) is pending; one
// reached by a cascade with its generated key set, or given to Delete with
// its key set, is taken as an existing row (see attachMode). An object
// whose key is already held by another object of the session is refused.
//
// The collections of an existing row attached this way were not loaded by
// the session: what they hold of other existing rows is taken as what the
// database holds (as SQLAlchemy takes a detached object's collections), so
// only objects appended later, and new (pending) objects, become link rows
// and foreign-key updates.
func (s *Session) attach(m *mapping.Mapper, p objPtr, mode attachMode) (*state, error) {
	key, keyed := m.Identity(p)
	if keyed {
		if existing := s.identity.get(identityKey{m, key}); existing != nil && existing.ptr != p {
			return nil, fmt.Errorf("%w: %s with key %v; use the object the session holds (relm.Get returns it), or Expunge that one first", ErrIdentityConflict, m.Name(), key)
		}
	}
	s.seq++
	st := slabAlloc(&s.stateSlab) // one allocation per array of states
	st.m, st.ptr, st.seq, st.status = m, p, s.seq, statusPending
	if keyed && (mode == attachDelete || mode == attachSave || mode == attachCascade && m.Table.AutoIncrementColumn() != nil) {
		st.status = statusPersistent
		if mode != attachSave {
			st.snap = m.New()
			m.CopySnapshot(st.snap, p, nil)
		}
		s.baseline(st)
		s.register(st, key)
	}
	s.track(p, st)
	s.journalAdd(st)
	return st, nil
}

// baseline records, for an existing row attached with collections the
// session did not load, the members that are themselves existing rows as
// the collection's last known content.
func (s *Session) baseline(st *state) {
	for _, r := range st.m.Relationships {
		if !r.HasField || !r.Uselist {
			continue
		}
		cur := r.GetSlice(st.ptr)
		if len(cur) == 0 {
			continue
		}
		var known []objPtr
		for _, c := range cur {
			if c != nil && s.existingRow(r.Target, c) {
				known = append(known, c)
			}
		}
		if len(known) == 0 {
			continue
		}
		st.setColl(r, known)
	}
}

// existingRow reports whether the object at p stands for a row already in
// the database: it is persistent in the session, or not in it and has a
// generated key set.
func (s *Session) existingRow(m *mapping.Mapper, p objPtr) bool {
	if st := s.states[p]; st != nil {
		return st.status != statusPending
	}
	_, keyed := m.Identity(p)
	return keyed && m.Table.AutoIncrementColumn() != nil
}

// forget stops tracking st.
func (s *Session) forget(st *state) {
	s.touch(st)
	delete(s.states, st.ptr)
	s.unexpire(st)
	if st.key != nil {
		if cur := s.identity.get(identityKey{st.m, st.key}); cur == st {
			s.identity.del(identityKey{st.m, st.key})
		}
	}
}

// register records a persistent object under its key (journalled).
func (s *Session) register(st *state, key any) {
	s.saveIdent(identityKey{st.m, key})
	st.key = key
	s.identity.set(identityKey{st.m, key}, st)
}
