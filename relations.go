package relm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/relmorm/relm/mapping"
)

// ErrNotLoaded is returned (wrapped) when a relationship is reached
// unloaded in raise mode: the guard against N+1 queries.
var ErrNotLoaded = errors.New("relm: relationship not loaded")

// SessionOption configures a session.
type SessionOption func(*Session)

// RaiseOnUnloaded makes every relationship behave as `lazy:raise` in this
// session: Related on a relationship that was not eager-loaded or loaded
// with Load returns ErrNotLoaded instead of issuing a SELECT.
func RaiseOnUnloaded() SessionOption { return func(s *Session) { s.raise = true } }

// Load loads relationship paths ("Tags", "Articles.Tags") for one object
// (*T) or a slice of objects ([]*T) of the session, one SELECT per path
// segment for all of them together. Relationships already loaded are not
// loaded again.
func Load(ctx context.Context, s *Session, objs any, paths ...string) error {
	if err := s.check(); err != nil {
		return err
	}
	v := reflect.ValueOf(objs)
	var list []any
	switch {
	case v.Kind() == reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			list = append(list, v.Index(i).Interface())
		}
	case v.Kind() == reflect.Pointer:
		list = []any{objs}
	default:
		return fmt.Errorf("%w: Load wants *T or []*T of a mapped struct, got %T", ErrBadQuery, objs)
	}
	if len(list) == 0 {
		return nil
	}
	var m *mapping.Mapper
	ptrs := make([]unsafe.Pointer, 0, len(list))
	for _, o := range list {
		om, p, err := s.mapperOf(o)
		if err != nil {
			return err
		}
		if m == nil {
			m = om
		}
		if s.states[p] == nil {
			return fmt.Errorf("relm: Load: the %s is not in the session; load it through the session or Add it first", om.Name())
		}
		ptrs = append(ptrs, p)
	}
	for _, path := range paths {
		if err := s.loadPath(ctx, m, ptrs, path); err != nil {
			return err
		}
	}
	return nil
}

// IsLoaded reports whether relationship rel of obj holds what the database
// holds (it was loaded, or obj is new in this session) — as opposed to not
// loaded, which Go's nil or empty slice cannot tell from empty.
func (s *Session) IsLoaded(obj any, rel string) (bool, error) {
	st, r, err := s.stateRel(obj, rel)
	if err != nil {
		return false, err
	}
	return st.isLoaded(r), nil
}

func (s *Session) stateRel(obj any, rel string) (*state, *mapping.Relationship, error) {
	if err := s.check(); err != nil {
		return nil, nil, err
	}
	m, p, err := s.mapperOf(obj)
	if err != nil {
		return nil, nil, err
	}
	r, err := m.LookupRelationship(rel)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	st := s.states[p]
	if st == nil {
		return nil, nil, fmt.Errorf("relm: the %s is not in the session", m.Name())
	}
	return st, r, nil
}

// Related returns the objects relationship rel of obj refers to (none or one
// for a scalar relationship). An unloaded relationship is loaded with one
// SELECT — or, in raise mode (RaiseOnUnloaded, or `lazy:raise` on the
// relationship), refused with ErrNotLoaded. It works as well for a backref
// that has no struct field.
func Related[R any](ctx context.Context, s *Session, obj any, rel string) ([]*R, error) {
	st, r, err := s.stateRel(obj, rel)
	if err != nil {
		return nil, err
	}
	if r.Target.Type != reflect.TypeFor[R]() {
		return nil, fmt.Errorf("%w: %s holds %s, not %s", ErrBadQuery, r, r.Target.Name(), reflect.TypeFor[R]())
	}
	if !st.isLoaded(r) {
		if s.raise || r.Lazy == mapping.LazyRaise {
			return nil, fmt.Errorf("%w: %s of %s %v; eager-load it (Select(...).SelectIn(%q)) or call relm.Load", ErrNotLoaded, r, st.m.Name(), st.key, r.Name)
		}
		if err := s.loadRelationship(ctx, r, []*state{st}); err != nil {
			return nil, err
		}
	}
	ps := s.related(st, r)
	out := make([]*R, 0, len(ps))
	for _, p := range ps {
		if p != nil {
			out = append(out, (*R)(p))
		}
	}
	return out, nil
}
