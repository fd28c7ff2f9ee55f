package relm

import (
	"github.com/relmorm/relm/mapping"
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
		s.states = make(map[objPtr]*state, n)
	}
	if len(m.PrimaryKey) == 1 && isIntField(m.PrimaryKey[0]) {
		s.identity.intsFor(m, n)
	}
}

// maxReserve caps the entries reserve allocates ahead of the rows.
const maxReserve = 1024
