package relm

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/relmorm/relm/mapping"
)

type status uint8

const (
	statusPending    status = iota + 1 // added, not yet inserted
	statusPersistent                   // has a row
	statusDeleted                      // marked for deletion at the next flush
)

// identityKey identifies a row: its mapper and normalised primary key.
type identityKey struct {
	m   *mapping.Mapper
	key any
}

// identityMap maps identity keys to states. Integer keys (the common case)
// live in one map per mapper keyed by int64, which hashes and compares
// faster than an interface key — the first mapper's map held inline, since
// most sessions load one type or a few; other keys (strings, composite
// keys) in a map keyed by identityKey. The zero value is an empty map.
type identityMap struct {
	firstM *mapping.Mapper
	first  map[int64]*state
	more   map[*mapping.Mapper]map[int64]*state
	other  map[identityKey]*state
}

// ints returns the integer-keyed map of m, nil when it has none yet.
func (im *identityMap) ints(m *mapping.Mapper) map[int64]*state {
	if m == im.firstM {
		return im.first
	}
	return im.more[m]
}

// intsFor returns the integer-keyed map of m, creating it (sized for n
// entries) when missing.
func (im *identityMap) intsFor(m *mapping.Mapper, n int) map[int64]*state {
	if mm := im.ints(m); mm != nil {
		return mm
	}
	mm := make(map[int64]*state, n)
	switch {
	case im.firstM == nil:
		im.firstM, im.first = m, mm
	default:
		if im.more == nil {
			im.more = map[*mapping.Mapper]map[int64]*state{}
		}
		im.more[m] = mm
	}
	return mm
}

func (im *identityMap) get(k identityKey) *state {
	if v, ok := k.key.(int64); ok {
		return im.ints(k.m)[v]
	}
	return im.other[k]
}

// getInt is get for an int64 key, without boxing it.
func (im *identityMap) getInt(m *mapping.Mapper, v int64) *state { return im.ints(m)[v] }

func (im *identityMap) set(k identityKey, st *state) {
	if v, ok := k.key.(int64); ok {
		im.intsFor(k.m, 0)[v] = st
		return
	}
	if im.other == nil {
		im.other = map[identityKey]*state{}
	}
	im.other[k] = st
}

func (im *identityMap) del(k identityKey) {
	if v, ok := k.key.(int64); ok {
		delete(im.ints(k.m), v)
		return
	}
	delete(im.other, k)
}

// reserve sizes the session's maps for n more objects of m when they do not
// exist yet (a first load into a new session: the usual case); maps already
// there grow as Go maps do.
func (s *Session) reserve(m *mapping.Mapper, n int) {
	n = min(n, maxReserve)
	if n <= 0 {
		return
	}
	if s.states == nil {
		s.states = make(map[unsafe.Pointer]*state, n)
	}
	if len(m.PrimaryKey) == 1 && isIntField(m.PrimaryKey[0]) {
		s.identity.intsFor(m, n)
	}
}

// maxReserve caps the entries reserve allocates ahead of the rows.
const maxReserve = 1024

// track records st as the state of the object at p. The map is created on
// first use: a session costs no map until it holds an object.
func (s *Session) track(p unsafe.Pointer, st *state) {
	if s.states == nil {
		s.states = map[unsafe.Pointer]*state{}
	}
	s.states[p] = st
}

// state is what the session knows of one object. It is kept small (104
// bytes): a load of n rows makes n of them.
type state struct {
	m      *mapping.Mapper
	ptr    unsafe.Pointer
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
	snap unsafe.Pointer
	// colls holds, per relationship index, the collection as last flushed
	// or loaded (the live slice's elements, copied).
	colls [][]unsafe.Pointer
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
	side [][]unsafe.Pointer
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

func (st *state) setSide(r *mapping.Relationship, ps []unsafe.Pointer) {
	x := st.more()
	if x.side == nil {
		x.side = make([][]unsafe.Pointer, len(st.m.Relationships))
	}
	if len(ps) == 1 && ps[0] == nil {
		ps = nil
	}
	x.side[r.Index] = ps
}

// sideOf returns the loaded objects of r, a relationship without a field.
func (st *state) sideOf(r *mapping.Relationship) []unsafe.Pointer {
	if st.extra == nil || st.extra.side == nil {
		return nil
	}
	return st.extra.side[r.Index]
}

// coll returns the collection of r as last flushed or loaded.
func (st *state) coll(r *mapping.Relationship) []unsafe.Pointer {
	if st.colls == nil {
		return nil
	}
	return st.colls[r.Index]
}

// setColl records the collection of r as last flushed or loaded.
func (st *state) setColl(r *mapping.Relationship, ps []unsafe.Pointer) {
	if st.colls == nil {
		if ps == nil {
			return
		}
		st.colls = make([][]unsafe.Pointer, len(st.m.Relationships))
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
	cp.colls = append([][]unsafe.Pointer(nil), st.colls...)
	if st.extra != nil {
		cp.extra = &stateExtra{
			side:     append([][]unsafe.Pointer(nil), st.extra.side...),
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
func (s *Session) attach(m *mapping.Mapper, p unsafe.Pointer, mode attachMode) (*state, error) {
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
		var known []unsafe.Pointer
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
func (s *Session) existingRow(m *mapping.Mapper, p unsafe.Pointer) bool {
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

// journal is the undo log of a transaction: how to put the session back as
// it was when the transaction began.
//
// Its records are slices replayed backwards, not maps: a flush of n objects
// journals each of them, and a map insert per object cost more than the
// rest of the journal. A state is saved once per journal (state.journaled
// says it was); identity entries may be saved several times, and replaying them
// backwards restores the oldest.
type journal struct {
	saved []savedState
	// fresh lists the states saved while new and bare (pending, no key,
	// snapshot, collections or loaded flags: an object added and never
	// flushed), which undo resets to that instead of copying them whole —
	// a seed journals each of its objects once, as it inserts it.
	fresh  []freshUndo
	added  []*state
	fields []fieldUndo
	rels   []relUndo
	idents []identUndo
}

type freshUndo struct {
	st       *state
	wasThere bool
}

// bare reports whether st is a pending object's state with nothing of a
// flush in it (see journal.fresh).
func (st *state) bare() bool {
	return st.status == statusPending && st.key == nil && st.snap == nil && st.colls == nil && st.loaded == 0 && st.extra == nil
}

type savedState struct {
	ptr      *state
	st       state
	wasThere bool
}

// identUndo is an identity-map entry as it was: st nil for absent.
type identUndo struct {
	k  identityKey
	st *state
}

type fieldUndo struct {
	ptr  unsafe.Pointer
	f    *mapping.Field
	old  any
	zero bool // the field was zero (a default read back): undo zeroes it
}

type relUndo struct {
	ptr    unsafe.Pointer
	r      *mapping.Relationship
	scalar unsafe.Pointer
	slice  []unsafe.Pointer
}

// newJournal starts the undo log of a transaction, from journalPool: a
// commit of one object then allocates no journal.
func (s *Session) newJournal() *journal { return journalPool.Get().(*journal) }

// journalPool keeps journals between transactions, emptied (see reset).
var journalPool = sync.Pool{New: func() any { return new(journal) }}

// reset empties j for the pool, keeping its small arrays cleared (keep)
// and letting large ones go.
func (j *journal) reset() {
	*j = journal{
		saved: keep(j.saved), fresh: keep(j.fresh), added: keep(j.added),
		fields: keep(j.fields), rels: keep(j.rels), idents: keep(j.idents),
	}
}

// endJournal drops the journal of a committed transaction.
func (s *Session) endJournal() {
	if j := s.journal; j != nil {
		for i := range j.saved {
			j.saved[i].ptr.journaled = false
		}
		for _, f := range j.fresh {
			f.st.journaled = false
		}
		s.dropJournal()
	}
}

// dropJournal ends the session's journal and returns it to the pool.
func (s *Session) dropJournal() {
	if j := s.journal; j != nil {
		s.journal = nil
		j.reset()
		journalPool.Put(j)
	}
}

// nextGen returns a new number for a flush (state marks).
// When the counter wraps, every tracked state's marks are cleared, so that
// an old mark never equals a new number.
func (s *Session) nextGen() uint32 {
	s.gen++
	if s.gen == 0 {
		for _, st := range s.states {
			st.fmark = 0
		}
		s.gen = 1
	}
	return s.gen
}

// touch saves st's bookkeeping before the transaction changes it.
func (s *Session) touch(st *state) {
	j := s.journal
	if j == nil {
		return
	}
	if st.journaled {
		return
	}
	_, there := s.states[st.ptr]
	if st.bare() {
		st.journaled = true
		j.fresh = append(j.fresh, freshUndo{st, there})
		return
	}
	cp := st.copyBookkeeping() // journaled false: the undo leaves it so
	st.journaled = true
	j.saved = append(j.saved, savedState{ptr: st, st: cp, wasThere: there})
	if st.key != nil {
		s.saveIdent(identityKey{st.m, st.key})
	}
}

func (s *Session) saveIdent(k identityKey) {
	if j := s.journal; j != nil {
		j.idents = append(j.idents, identUndo{k, s.identity.get(k)})
	}
}

func (s *Session) journalAdd(st *state) {
	if j := s.journal; j != nil {
		j.added = append(j.added, st)
		if st.key != nil {
			s.saveIdent(identityKey{st.m, st.key})
		}
	}
}

// setKey writes a key value into a field, journalled.
func (s *Session) setKey(st *state, f *mapping.Field, v any) error {
	if j := s.journal; j != nil {
		j.fields = append(j.fields, fieldUndo{ptr: st.ptr, f: f, old: f.Value(st.ptr)})
	}
	return f.SetKey(st.ptr, v)
}

// journalZero journals that the zero field f of st is about to be set (a
// column default read back).
func (s *Session) journalZero(st *state, f *mapping.Field) {
	if j := s.journal; j != nil {
		j.fields = append(j.fields, fieldUndo{ptr: st.ptr, f: f, zero: true})
	}
}

// saveRel journals a relationship field before the session rewrites it.
func (s *Session) saveRel(p unsafe.Pointer, r *mapping.Relationship) {
	if j := s.journal; j != nil {
		u := relUndo{ptr: p, r: r}
		if r.Uselist {
			u.slice = r.GetSlice(p)
		} else {
			u.scalar = r.Get(p)
		}
		j.rels = append(j.rels, u)
	}
}

// undo restores the session as it was when the transaction began.
func (j *journal) undo(s *Session) {
	for i := len(j.rels) - 1; i >= 0; i-- {
		u := j.rels[i]
		if u.r.Uselist {
			u.r.SetSlice(u.ptr, u.slice)
		} else {
			u.r.Set(u.ptr, u.scalar)
		}
	}
	for i := len(j.fields) - 1; i >= 0; i-- {
		u := j.fields[i]
		if u.zero {
			u.f.SetZero(u.ptr)
			continue
		}
		_ = u.f.SetKey(u.ptr, mapping.NormalizeKey(u.old))
	}
	for _, st := range j.added {
		delete(s.states, st.ptr)
		if st.key != nil {
			if s.identity.get(identityKey{st.m, st.key}) == st {
				s.identity.del(identityKey{st.m, st.key})
			}
		}
	}
	for i := len(j.saved) - 1; i >= 0; i-- {
		sv := &j.saved[i]
		st := sv.ptr
		*st = sv.st
		if sv.wasThere {
			s.track(st.ptr, st)
		}
	}
	for _, f := range j.fresh {
		st := f.st
		*st = state{m: st.m, ptr: st.ptr, seq: st.seq, status: statusPending}
		if f.wasThere {
			s.track(st.ptr, st)
		}
	}
	for i := len(j.idents) - 1; i >= 0; i-- {
		if u := j.idents[i]; u.st == nil {
			s.identity.del(u.k)
		} else {
			s.identity.set(u.k, u.st)
		}
	}
}
