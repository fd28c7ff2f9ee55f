package relm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
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
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := s.check(); err != nil {
		return err
	}
	v := reflect.ValueOf(objs)
	var elem reflect.Type
	switch {
	case v.Kind() == reflect.Slice:
		elem = v.Type().Elem()
	case v.Kind() == reflect.Pointer:
		elem = v.Type()
	}
	if elem == nil || elem.Kind() != reflect.Pointer || elem.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%w: Load wants *T or []*T of a mapped struct, got %T", ErrBadQuery, objs)
	}
	m, err := s.reg.MapperOf(elem)
	if err != nil {
		return fmt.Errorf("%w: Load: %w", ErrBadQuery, err)
	}
	// Every path is checked before any SQL is issued.
	resolved := make([][]*mapping.Relationship, len(paths))
	for i, path := range paths {
		if resolved[i], err = lookupPath(m, "Load", path); err != nil {
			return err
		}
	}
	var ptrs []unsafe.Pointer
	add := func(o reflect.Value) error {
		if o.IsNil() {
			return fmt.Errorf("%w: Load: nil *%s", ErrBadQuery, m.Name())
		}
		p := o.UnsafePointer()
		if s.states[p] == nil {
			return fmt.Errorf("relm: Load: the %s is not in the session; load it through the session or Add it first", m.Name())
		}
		ptrs = append(ptrs, p)
		return nil
	}
	if v.Kind() == reflect.Slice {
		ptrs = make([]unsafe.Pointer, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			if err := add(v.Index(i)); err != nil {
				return err
			}
		}
	} else if err := add(v); err != nil {
		return err
	}
	for _, rels := range resolved {
		if err := s.loadRels(ctx, ptrs, rels); err != nil {
			return err
		}
	}
	return nil
}

// IsLoaded reports whether relationship rel of obj holds what the database
// holds (it was loaded, or obj is new in this session) — as opposed to not
// loaded, which a nil pointer cannot tell from "loaded, and there is none".
// (A loaded collection is never nil: loaded and empty is an empty slice.)
func (s *Session) IsLoaded(obj any, rel string) (bool, error) {
	if err := s.enter(); err != nil {
		return false, err
	}
	defer s.leave()
	st, r, err := s.stateRel("IsLoaded", obj, rel)
	if err != nil {
		return false, err
	}
	return st.isLoaded(r), nil
}

func (s *Session) stateRel(op string, obj any, rel string) (*state, *mapping.Relationship, error) {
	if err := s.check(); err != nil {
		return nil, nil, err
	}
	m, p, err := s.mapperOf(obj)
	if err != nil {
		return nil, nil, err
	}
	if strings.Contains(rel, ".") {
		return nil, nil, badQuery("%s(%q) on %s: name one relationship, not a path; load paths with relm.Load", op, rel, m.Name())
	}
	rels, err := lookupPath(m, op, rel)
	if err != nil {
		return nil, nil, err
	}
	r := rels[0]
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
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	st, r, err := s.stateRel("Related", obj, rel)
	if err != nil {
		return nil, err
	}
	if r.Target.Type != reflect.TypeFor[R]() {
		return nil, fmt.Errorf("%w: Related[%s](%q): %s holds %s objects; call Related[%s]", ErrBadQuery, reflect.TypeFor[R](), rel, r, r.Target.Name(), r.Target.Type)
	}
	if !st.isLoaded(r) {
		if s.raise || r.Lazy == mapping.LazyRaise {
			return nil, fmt.Errorf("%w: %s of %s %v; eager-load it (Select[%s](s).SelectIn(%q)) or call relm.Load(ctx, s, obj, %q) first", ErrNotLoaded, r, st.m.Name(), st.key, st.m.Name(), r.Name, r.Name)
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
