package relm

import (
	"sync"
	"time"

	"github.com/relmorm/relm/mapping"
)

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
	// hard lists the states whose HardDelete mark the flush dropped as it
	// forgot them (softdelete.go): undo marks them again, so that a retry
	// after a failed commit deletes their rows rather than soft-deleting.
	hard []*state
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
	ptr  objPtr
	f    *mapping.Field
	old  any
	zero bool // the field was zero (a default read back): undo zeroes it
}

type relUndo struct {
	ptr    objPtr
	r      *mapping.Relationship
	scalar objPtr
	slice  []objPtr
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
func (s *Session) saveRel(p objPtr, r *mapping.Relationship) {
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
		if t, ok := u.old.(time.Time); ok {
			u.f.SetTime(u.ptr, t) // a timestamp version
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
	for _, st := range j.hard {
		s.markHard(st)
	}
}
