package relm

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/relmorm/relm/mapping"
)

// Merge takes obj, a detached object — decoded from a request body, kept
// between requests — into the session, as SQLAlchemy's Session.merge: it
// finds the persistent object of obj's key (in the identity map, or by one
// SELECT), copies obj's column fields onto it, merges along each
// relationship with the merge cascade (the default, and in "all") the
// related objects obj holds, and returns the persistent object; obj itself
// stays out of the session. An object without a key, or with a key no row
// has, becomes a new object of the session (a copy of obj), inserted at
// the next flush. The next flush writes what differs from the row.
//
// A nil relationship field of obj (a nil pointer, a nil slice) is taken as
// not given and leaves the persistent object's as it is; an empty slice
// empties the collection (its removed members deleted with delete-orphan).
// A collection is loaded before it is replaced, so that removals are seen.
// When the model has a version counter and obj's is set (not 0) but is
// not the row's, Merge fails with a *StaleObjectError: obj was read before
// another change.
func Merge[T any](ctx context.Context, s *Session, obj *T) (*T, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if err := s.check(); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("relm: Merge of a nil %s", reflect.TypeFor[T]().Name())
	}
	m, err := s.reg.MapperOf(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	mapping.InstallOps[T](m)
	p, err := s.merge(ctx, m, objPtr(obj), map[objPtr]objPtr{})
	if err != nil {
		return nil, err
	}
	return typedObj[T](p), nil
}

// merge merges the detached object src of m (see Merge); seen maps each
// object merged to its result, so that a graph with cycles merges each
// object once.
func (s *Session) merge(ctx context.Context, m *mapping.Mapper, src objPtr, seen map[objPtr]objPtr) (objPtr, error) {
	if dst, ok := seen[src]; ok {
		return dst, nil
	}
	if st := s.states[src]; st != nil {
		seen[src] = src // already the session's
		return src, nil
	}
	dst, err := s.persistentOf(ctx, m, src)
	if err != nil {
		return nil, err
	}
	vf := m.VersionField()
	if dst == nil {
		dst = m.New()
		for _, f := range m.Fields {
			f.CopyValue(dst, src)
		}
		if _, err := s.attach(m, dst, attachAdd); err != nil {
			return nil, err
		}
	} else {
		st := s.states[dst]
		if vf != nil && vf.IsTime() {
			if v := vf.Time(src); !v.IsZero() && !v.Equal(readVersionTime(st, vf)) {
				return nil, &StaleObjectError{Op: "merge", Type: m.Name(), Table: m.Table.Name, Key: st.key, VersionTime: v, Versioned: true}
			}
		} else if vf != nil {
			if v, _, _ := vf.IntKey(src); v != 0 && v != readVersion(st, vf) {
				return nil, &StaleObjectError{Op: "merge", Type: m.Name(), Table: m.Table.Name, Key: st.key, Version: v, Versioned: true}
			}
		}
		for _, f := range m.Fields {
			if !f.Column.PrimaryKey && f != vf {
				f.CopyValue(dst, src)
			}
		}
	}
	seen[src] = dst
	for _, r := range m.Relationships {
		if !r.HasField || !r.Cascade.Merge {
			continue
		}
		if err := s.mergeRel(ctx, r, src, dst, seen); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// mergeRel merges src's relationship r onto dst.
func (s *Session) mergeRel(ctx context.Context, r *mapping.Relationship, src, dst objPtr, seen map[objPtr]objPtr) error {
	if !r.Uselist {
		c := r.Get(src)
		if c == nil {
			return nil
		}
		mc, err := s.merge(ctx, r.Target, c, seen)
		if err != nil {
			return err
		}
		r.Set(dst, mc)
		return nil
	}
	kids := r.GetSlice(src)
	if kids == nil {
		return nil
	}
	if st := s.states[dst]; st.status == statusPersistent && !st.isLoaded(r) {
		if err := s.loadRelsFrom(ctx, []*state{st}, []*mapping.Relationship{r}); err != nil {
			return err
		}
	}
	out := make([]objPtr, 0, len(kids))
	for i, c := range kids {
		if c == nil {
			return fmt.Errorf("relm: Merge: %s.%s[%d] is nil", r.Parent.Name(), r.Name, i)
		}
		mc, err := s.merge(ctx, r.Target, c, seen)
		if err != nil {
			return err
		}
		out = append(out, mc)
	}
	s.saveRel(dst, r)
	r.SetSlice(dst, out)
	return nil
}

// persistentOf returns the session's object for src's key: the identity
// map's, else the row's loaded by one SELECT; nil when src has no key or
// no row has it.
func (s *Session) persistentOf(ctx context.Context, m *mapping.Mapper, src objPtr) (objPtr, error) {
	key, ok := m.Identity(src)
	if !ok {
		return nil, nil
	}
	if st := s.identity.get(identityKey{m, key}); st != nil {
		if st.status == statusDeleted {
			return nil, fmt.Errorf("relm: Merge: the %s with key %v is marked for deletion in the session", m.Name(), key)
		}
		if !s.isExpired(st) {
			return st.ptr, nil
		}
	}
	args := make([]any, len(m.PrimaryKey))
	for i, f := range m.PrimaryKey {
		args[i] = f.Value(src)
	}
	var found objPtr
	err := s.query(ctx, m, s.db.cache(m).selectByPK, args, 1, true, func(p objPtr) {
		if found == nil {
			found = p
		}
	})
	if err != nil {
		return nil, err
	}
	if found != nil {
		s.index() // a deferred load: its state now
		if s.states[found] == nil {
			return nil, errors.New("relm: Merge: the loaded row has no state") // a defect
		}
	}
	return found, nil
}
