package relm

import (
	"context"
	"fmt"

	"github.com/relmorm/relm/mapping"
)

// Refresh reads obj's row again into obj — the same pointer — as
// SQLAlchemy's Session.refresh: every column field and the snapshot take
// what the database holds now, discarding changes not flushed. Each path
// names a relationship ("Articles", "Articles.Tags") whose first segment
// is loaded again, replacing the field's value (objects the program added
// to it and did not flush are dropped); deeper segments load as Load does.
// Inside a transaction the row is read in it. A row that no longer exists
// is an error wrapping ErrNotFound.
func (s *Session) Refresh(ctx context.Context, obj any, paths ...string) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := s.check(); err != nil {
		return err
	}
	m, p, err := s.mapperOf(obj)
	if err != nil {
		return err
	}
	st := s.states[p]
	if st == nil || st.status != statusPersistent || st.key == nil {
		return fmt.Errorf("relm: Refresh: the %s is not a persistent object of the session (load it, or commit it, first)", m.Name())
	}
	rels := make([]*mapping.Relationship, len(paths))
	for i, path := range paths {
		rs, err := lookupPath(m, "Refresh", path)
		if err != nil {
			return err
		}
		rels[i] = rs[0]
	}
	if err := s.reread(ctx, st); err != nil {
		return err
	}
	for i, path := range paths {
		s.unload(st, rels[i])
		if err := s.loadPathFrom(ctx, m, []*state{st}, path); err != nil {
			return err
		}
	}
	return nil
}

// reread overwrites st's object and snapshot with its row.
func (s *Session) reread(ctx context.Context, st *state) error {
	m := st.m
	s.expire(st)
	args := make([]any, len(m.PrimaryKey))
	for i, f := range m.PrimaryKey {
		args[i] = f.Value(st.ptr)
	}
	found := false
	err := s.query(ctx, m, s.db.cache(m).selectByPK, args, 1, false, func(p objPtr) { found = found || p == st.ptr })
	if err != nil {
		return err
	}
	if !found || s.isExpired(st) {
		s.unexpire(st)
		return fmt.Errorf("relm: Refresh: %s with key %v: %w", m.Name(), st.key, ErrNotFound)
	}
	return nil
}

// unload forgets what st's relationship r holds, so that a loader sets it
// again from the database.
func (s *Session) unload(st *state, r *mapping.Relationship) {
	s.touch(st)
	if r.HasField {
		s.saveRel(st.ptr, r)
		if r.Uselist {
			r.SetSlice(st.ptr, nil)
		} else {
			r.Set(st.ptr, nil)
			if st.snap != nil {
				r.Set(st.snap, nil)
			}
		}
	}
	if r.Uselist && st.colls != nil {
		st.colls[r.Index] = nil
	}
	if st.extra != nil && st.extra.side != nil {
		st.extra.side[r.Index] = nil
	}
	if i := r.Index; i < 64 {
		st.loaded &^= 1 << i
	} else if st.extra != nil && i-64 < len(st.extra.loadedHi) {
		st.extra.loadedHi[i-64] = false
	}
}

// Expire marks objects of the session so that the next read of their rows
// — Get, a query, a relationship load — overwrites them from the database,
// as SQLAlchemy's Session.expire: their column fields are put back at once
// to what the session last read or wrote (changes not flushed are
// discarded, so a flush meanwhile writes nothing of them), and Get goes to
// the database instead of the identity map. Relationships are not
// expired: Refresh with paths reloads them. An object not persistent in
// the session is an error.
func (s *Session) Expire(objs ...any) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := s.check(); err != nil {
		return err
	}
	for _, obj := range objs {
		m, p, err := s.mapperOf(obj)
		if err != nil {
			return err
		}
		st := s.states[p]
		if st == nil || st.status != statusPersistent {
			return fmt.Errorf("relm: Expire: the %s is not a persistent object of the session", m.Name())
		}
		s.expire(st)
	}
	return nil
}

// ExpireAll expires every persistent object of the session (see Expire).
func (s *Session) ExpireAll() {
	s.enterWait()
	defer s.leave()
	s.index()
	s.expireAll()
}

func (s *Session) expireAll() {
	for _, st := range s.states {
		if st.status == statusPersistent {
			s.expire(st)
		}
	}
}

// ExpireOnCommit returns a session option that expires every object after
// each Commit, as SQLAlchemy's expire_on_commit=True: the next read of each
// row overwrites the object with what the database holds (another
// transaction's changes included), and Get goes to the database. relm
// leaves it off by default (SQLAlchemy's default is on): a relm object has
// no lazy attributes to reload on access, so an expired object would hold
// its old values until read again, and a request that commits then
// renders what it wrote needs no second SELECT.
func ExpireOnCommit() SessionOption {
	return func(s *Session) { s.more().expireOnCommit = true }
}

// expire marks st expired and puts its columns back to its snapshot.
func (s *Session) expire(st *state) {
	x := s.more()
	if x.expired == nil {
		x.expired = map[*state]struct{}{}
	}
	if st.snap != nil {
		st.m.RestoreColumns(st.ptr, st.snap)
	}
	x.expired[st] = struct{}{}
}

func (s *Session) unexpire(st *state) {
	if s.extra != nil {
		delete(s.extra.expired, st)
		// forget calls unexpire: a deleted state leaves, and its HardDelete
		// mark with it — back if the transaction rolls back.
		if _, hard := s.extra.hard[st]; hard {
			delete(s.extra.hard, st)
			if s.journal != nil {
				s.journal.hard = append(s.journal.hard, st)
			}
		}
	}
}

// isExpired reports whether st is expired (see Expire).
func (s *Session) isExpired(st *state) bool {
	if s.extra == nil || len(s.extra.expired) == 0 {
		return false
	}
	_, ok := s.extra.expired[st]
	return ok
}

// overwrite gives the expired st's object and snapshot the row scanned
// into p (a new object of the load, then unused); a snapshot it lacks
// comes from the load's arena a.
func (s *Session) overwrite(st *state, p objPtr, a *arena) {
	s.touch(st)
	m := st.m
	m.RestoreColumns(st.ptr, p)
	if st.snap != nil {
		// In place: the snapshot also holds the references the diff
		// compares with.
		m.RestoreColumns(st.snap, st.ptr)
	} else {
		st.snap = a.snapshotOf(m, st.ptr)
	}
	s.unexpire(st)
}
