package mapping

import (
	"context"
	"fmt"
	"reflect"
)

// HookSet is a set of the hook methods a model declares, one bit per hook
// (HookBeforeInsert, …). It is found once per model, by reflection, when
// the model is mapped; a session looks at it instead of asserting an
// interface on every object, so a model that declares none costs nothing.
type HookSet uint16

// The hooks, named after their methods. Each method has the signature
// func(ctx context.Context, s *relm.Session) error and a pointer receiver.
const (
	HookBeforeInsert HookSet = 1 << iota
	HookAfterInsert
	HookBeforeUpdate
	HookAfterUpdate
	HookBeforeDelete
	HookAfterDelete
	HookAfterLoad
)

// hookNames lists the hook methods in bit order.
var hookNames = [...]string{
	"BeforeInsert", "AfterInsert", "BeforeUpdate", "AfterUpdate",
	"BeforeDelete", "AfterDelete", "AfterLoad",
}

// Has reports whether the set holds every hook of h.
func (hs HookSet) Has(h HookSet) bool { return hs&h == h }

// HookName returns the method name of the single hook h.
func HookName(h HookSet) string {
	for i, n := range hookNames {
		if h == 1<<i {
			return n
		}
	}
	return fmt.Sprintf("HookSet(%d)", uint16(h))
}

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

// findHooks returns the hook methods of *t, or an error naming the method
// when one has a hook's name but not its shape: a value receiver (the
// changes a Before hook makes to its copy would be lost), or another
// signature than func(context.Context, *relm.Session) error.
func findHooks(t reflect.Type) (HookSet, error) {
	var hs HookSet
	pt := reflect.PointerTo(t)
	for i, name := range hookNames {
		meth, ok := pt.MethodByName(name)
		if !ok {
			continue
		}
		if _, onValue := t.MethodByName(name); onValue {
			return 0, fmt.Errorf("mapping: %s.%s has a value receiver, so what it changes in the object is lost; declare it on the pointer: func (x *%s) %s(ctx context.Context, s *relm.Session) error", t.Name(), name, t.Name(), name)
		}
		mt := meth.Type // the receiver is its first parameter
		if mt.NumIn() != 3 || mt.In(1) != contextType || !isSessionPointer(mt.In(2)) || mt.NumOut() != 1 || mt.Out(0) != errorType {
			return 0, fmt.Errorf("mapping: %s.%s is %s, not a hook; a hook is func (x *%s) %s(ctx context.Context, s *relm.Session) error — rename the method or give it that signature", t.Name(), name, mt, t.Name(), name)
		}
		hs |= 1 << i
	}
	return hs, nil
}

// isSessionPointer reports whether t is *relm.Session (named, since this
// package cannot import relm).
func isSessionPointer(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer && t.Elem().Name() == "Session" && t.Elem().PkgPath() == "github.com/relmorm/relm"
}

// findVersion records the field whose spec is tagged version, refusing a
// second one, a key, and a field that is not a plain integer.
func (m *Mapper) findVersion(specs []ColumnSpec) error {
	for i, cs := range specs {
		if !cs.Version {
			continue
		}
		f := m.Fields[i]
		if m.version != nil {
			return fmt.Errorf("mapping: %s.%s and %s.%s are both tagged version; a model has one version counter", m.Name(), m.version.Name, m.Name(), f.Name)
		}
		if f.Column.PrimaryKey {
			return fmt.Errorf("mapping: %s.%s is the primary key and tagged version; the version counter is a column of its own", m.Name(), f.Name)
		}
		switch f.Type.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
			if !hasScanner(f.Type) {
				m.version = f
				continue
			}
		}
		if f.Type == timeType {
			m.version = f // a timestamp: the time of the flush that wrote the row
			continue
		}
		return fmt.Errorf("mapping: %s.%s is %s and tagged version; the version counter must be an int, int32, int64 or time.Time (not a pointer: every row has a version)", m.Name(), f.Name, f.Type)
	}
	return nil
}
