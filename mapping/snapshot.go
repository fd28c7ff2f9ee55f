package mapping

import (
	"database/sql"
	"database/sql/driver"
	"reflect"
	"time"
	"unsafe"
)

// A snapshot is the copy of an object the session compares the live object
// with at flush. A shallow copy of the struct is enough for most fields —
// numbers, bools, strings (whose bytes Go never changes), times — but not
// for those whose value is memory the program can change in place: a
// pointer (*a.Content = "x" changes what both copies point to), a []byte
// (its bytes), or a type with its own driver.Valuer built on a map, a slice
// or a pointer (a JSON column: m["k"] = v). For those, CopySnapshot gives
// the snapshot a copy of its own, so that an in-place change shows as a
// difference and is written.

// Slab hands out the memory of the values CopySnapshot copies — strings,
// integers, times and bytes behind pointer and []byte fields — an array at
// a time, so that a load of n rows does not make one allocation per
// pointer field and row. The zero Slab is ready to use; one Slab serves
// one load or flush. Any value handed out keeps its array alive.
type Slab struct {
	strs   slabOf[string]
	ints   slabOf[int]
	i64s   slabOf[int64]
	i32s   slabOf[int32]
	bools  slabOf[bool]
	floats slabOf[float64]
	times  slabOf[time.Time]
	bytes  []byte
}

// slabOf is a Slab's memory for values of one type: what is left of its
// last array, and how many elements its arrays held in all.
type slabOf[T any] struct {
	free []T
	made int
}

// slabTake returns the next element of s, allocating arrays of 16, then
// as many as all the arrays before (so that the total doubles), up to 512
// elements.
func slabTake[T any](s *slabOf[T]) *T {
	if len(s.free) == 0 {
		n := min(512, max(16, s.made))
		s.free = make([]T, n)
		s.made += n
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}

// clone returns a copy of b with its own bytes: from the slab's array when
// b is short, else allocated alone.
func (sl *Slab) clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	n := len(b)
	if n == 0 {
		return b[:0:0] // empty, not nil: nothing to change in place
	}
	if n > 256 {
		return append(make([]byte, 0, n), b...)
	}
	if len(sl.bytes) < n {
		sl.bytes = make([]byte, 4096)
	}
	c := sl.bytes[:n:n]
	sl.bytes = sl.bytes[n:]
	copy(c, b)
	return c
}

// CopySnapshot copies the struct at src over dst, as Copy does, then gives
// dst's fields that hold memory the program may change in place (pointers,
// []byte, Valuer types built on maps, slices or pointers; see Mutable) a
// copy of their own, taken from sl (nil: allocated one by one), so that
// Equal between the two tells an in-place change.
func (m *Mapper) CopySnapshot(dst, src unsafe.Pointer, sl *Slab) {
	m.Copy(dst, src)
	if len(m.mutable) == 0 {
		return
	}
	if sl == nil {
		sl = new(Slab)
	}
	for _, f := range m.mutable {
		f.detach(unsafe.Add(dst, f.Offset), sl)
	}
}

// Mutable returns the fields of m whose value is memory the program can
// change in place, which CopySnapshot copies.
func (m *Mapper) Mutable() []*Field { return m.mutable }

// buildDetach sets f.detach for a field whose value holds memory the
// program can change in place, and leaves it nil for the others.
func (f *Field) buildDetach() {
	t := f.Type
	switch {
	case t == bytesType:
		f.detach = func(p unsafe.Pointer, sl *Slab) { *(*[]byte)(p) = sl.clone(*(*[]byte)(p)) }
		return
	case t.Kind() == reflect.Pointer:
		f.detach = detachPointer(t.Elem())
		return
	case convertsItself(t) && hasReferences(t):
		f.detach = detachByValue(t, f)
	}
}

// detachPointer returns the detach of a *E field: the pointer is replaced by
// one to a copy of the value.
func detachPointer(e reflect.Type) func(p unsafe.Pointer, sl *Slab) {
	if d := detachPointerToBasic(e); d != nil {
		return d
	}
	return detachPointerByReflect(e)
}

// detachPointerToBasic returns the detach of a pointer to a basic kind or a
// time.Time, whose copy is taken from the slab's array of its type, or nil
// for any other pointed-to type.
func detachPointerToBasic(e reflect.Type) func(p unsafe.Pointer, sl *Slab) {
	switch {
	case e.Kind() == reflect.String && !convertsItself(e):
		return func(p unsafe.Pointer, sl *Slab) {
			if v := *(**string)(p); v != nil {
				c := slabTake(&sl.strs)
				*c = *v
				*(**string)(p) = c
			}
		}
	case e.Kind() == reflect.Int && !convertsItself(e):
		return func(p unsafe.Pointer, sl *Slab) {
			if v := *(**int)(p); v != nil {
				c := slabTake(&sl.ints)
				*c = *v
				*(**int)(p) = c
			}
		}
	case e.Kind() == reflect.Int64 && !convertsItself(e):
		return func(p unsafe.Pointer, sl *Slab) {
			if v := *(**int64)(p); v != nil {
				c := slabTake(&sl.i64s)
				*c = *v
				*(**int64)(p) = c
			}
		}
	case e.Kind() == reflect.Int32 && !convertsItself(e):
		return func(p unsafe.Pointer, sl *Slab) {
			if v := *(**int32)(p); v != nil {
				c := slabTake(&sl.i32s)
				*c = *v
				*(**int32)(p) = c
			}
		}
	case e.Kind() == reflect.Bool && !convertsItself(e):
		return func(p unsafe.Pointer, sl *Slab) {
			if v := *(**bool)(p); v != nil {
				c := slabTake(&sl.bools)
				*c = *v
				*(**bool)(p) = c
			}
		}
	case e.Kind() == reflect.Float64 && !convertsItself(e):
		return func(p unsafe.Pointer, sl *Slab) {
			if v := *(**float64)(p); v != nil {
				c := slabTake(&sl.floats)
				*c = *v
				*(**float64)(p) = c
			}
		}
	case e == timeType:
		return func(p unsafe.Pointer, sl *Slab) {
			if v := *(**time.Time)(p); v != nil {
				c := slabTake(&sl.times)
				*c = *v
				*(**time.Time)(p) = c
			}
		}
	}
	return nil
}

// detachPointerByReflect returns the detach of a pointer to any other type:
// a copy allocated alone, itself detached when it holds references of its
// own.
func detachPointerByReflect(e reflect.Type) func(p unsafe.Pointer, sl *Slab) {
	var inner func(p unsafe.Pointer, sl *Slab)
	if e == bytesType {
		inner = func(p unsafe.Pointer, sl *Slab) { *(*[]byte)(p) = sl.clone(*(*[]byte)(p)) }
	} else if convertsItself(e) && hasReferences(e) {
		inner = detachByValue(e, nil)
	}
	pt := reflect.PointerTo(e)
	return func(p unsafe.Pointer, sl *Slab) {
		v := reflect.NewAt(pt, p).Elem()
		if v.IsNil() {
			return
		}
		c := reflect.New(e)
		c.Elem().Set(v.Elem())
		if inner != nil {
			inner(c.UnsafePointer(), sl)
		}
		v.Set(c)
	}
}

// detachByValue returns the detach of a field of type t that converts
// itself (driver.Valuer, sql.Scanner) and holds references: the value is
// encoded by its Value method and decoded by its Scan method into a value
// of its own — the same round trip the database makes. When it does not
// round-trip, the copy is left zero, which compares unequal to the live
// value: the column is then written at every flush rather than an in-place
// change lost. f, when not nil, is the field whose Value encodes.
func detachByValue(t reflect.Type, f *Field) func(p unsafe.Pointer, sl *Slab) {
	scans := reflect.PointerTo(t).Implements(scannerType)
	return func(p unsafe.Pointer, _ *Slab) {
		v := reflect.NewAt(t, p).Elem()
		var dv any
		if f != nil {
			dv = f.value(p)
		} else {
			dv = driverValue(v)
		}
		c := reflect.New(t)
		if scans {
			if err := c.Interface().(sql.Scanner).Scan(dv); err != nil {
				c = reflect.New(t)
			}
		}
		v.Set(c.Elem())
	}
}

// driverValue returns what v's Value method (on v or its address) gives,
// v itself when it has none.
func driverValue(v reflect.Value) any {
	vr, ok := v.Interface().(driver.Valuer)
	if !ok && v.CanAddr() {
		vr, ok = v.Addr().Interface().(driver.Valuer)
	}
	if ok {
		if dv, err := vr.Value(); err == nil {
			return dv
		}
	}
	return v.Interface()
}

// hasReferences reports whether a value of t holds memory that a copy of
// the value shares: a map, slice, pointer, channel, function or interface,
// directly or in a field or element. Strings do not count: their bytes are
// never changed.
func hasReferences(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return hasReferences(t.Elem())
	case reflect.Struct:
		if t == timeType {
			return false // its *Location is never changed through it
		}
		for i := 0; i < t.NumField(); i++ {
			if hasReferences(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// RestoreColumns copies every column field of the struct at src (a
// snapshot) over the struct at dst (the live object), leaving its other
// fields — relationships, fields not mapped — as they are; the values dst
// may change in place (see Mutable) get copies of their own, so that the
// two stay apart. A session's Rollback puts objects back this way.
func (m *Mapper) RestoreColumns(dst, src unsafe.Pointer) {
	var sl Slab
	for _, f := range m.Fields {
		d := reflect.NewAt(f.Type, unsafe.Add(dst, f.Offset)).Elem()
		d.Set(reflect.NewAt(f.Type, unsafe.Add(src, f.Offset)).Elem())
		if f.detach != nil {
			f.detach(unsafe.Add(dst, f.Offset), &sl)
		}
	}
}
