package relm

import (
	"fmt"
	"time"

	"github.com/relmorm/relm/mapping"
)

// ErrStaleObject is returned (wrapped, in a *StaleObjectError) when an
// UPDATE or DELETE finds no row: the row is gone, or — for a model with a
// version counter (`relm:"version"`) — another transaction changed it since
// the session read it.
var ErrStaleObject = fmt.Errorf("relm: stale object")

// StaleObjectError is a flush's UPDATE or DELETE that matched no row,
// SQLAlchemy's StaleDataError: the row with the object's key is gone, or
// its version is no longer the one the session read (another session
// committed a change first — a lost update prevented). The flush that
// meets one fails as a whole: its transaction rolls back and the objects
// are as before it, so the program may reload (Session.Refresh) and try
// again. It matches ErrStaleObject with errors.Is.
type StaleObjectError struct {
	Op    string // "update" or "delete"
	Type  string // the model's name
	Table string
	Key   any // the object's primary key
	// Version is the version the statement expected, when the model has
	// a version counter (Versioned); VersionTime instead when the
	// counter is a timestamp (a time.Time field).
	Version     int64
	VersionTime time.Time
	Versioned   bool
}

// Error names the model, key, table and, for a versioned model, the
// version expected.
func (e *StaleObjectError) Error() string {
	if e.Versioned && !e.VersionTime.IsZero() {
		return fmt.Sprintf("%v: %s %v: no row with key %v and version %s in %s (changed or deleted by another transaction since this session read it)", ErrStaleObject, e.Type, e.Key, e.Key, e.VersionTime.Format(time.RFC3339Nano), e.Table)
	}
	if e.Versioned {
		return fmt.Sprintf("%v: %s %v: no row with key %v and version %d in %s (changed or deleted by another transaction since this session read it)", ErrStaleObject, e.Type, e.Key, e.Key, e.Version, e.Table)
	}
	return fmt.Sprintf("%v: no row with key %v in %s (deleted since the session read it, or never there: an object reached with its key set is taken as an existing row)", ErrStaleObject, e.Key, e.Table)
}

// Is makes errors.Is(err, ErrStaleObject) true.
func (e *StaleObjectError) Is(target error) bool { return target == ErrStaleObject }

// readVersion returns the version the session read of st (its snapshot's;
// the object's own for one given to Save).
func readVersion(st *state, vf *mapping.Field) int64 {
	p := st.snap
	if p == nil {
		p = st.ptr
	}
	v, _, _ := vf.IntKey(p)
	return v
}

// staleError is the error of st's UPDATE or DELETE that matched no row.
func staleError(op string, st *state, vf *mapping.Field, sql string) error {
	m := st.m
	se := &StaleObjectError{Op: op, Type: m.Name(), Table: m.Table.Name, Key: st.key}
	if se.Key == nil {
		se.Key, _ = m.Identity(st.ptr)
	}
	if vf != nil {
		se.Versioned = true
		if vf.IsTime() {
			se.VersionTime = readVersionTime(st, vf)
		} else {
			se.Version = readVersion(st, vf)
		}
	}
	return &StatementError{Op: op, Type: m.Name(), Object: m.Interface(st.ptr), Key: se.Key, SQL: sql, Err: se}
}

// readVersionTime is readVersion for a timestamp version.
func readVersionTime(st *state, vf *mapping.Field) time.Time {
	p := st.snap
	if p == nil {
		p = st.ptr
	}
	return vf.Time(p)
}

// versionArgs returns the version the session read of st, to match, and
// the next one, to write: the counter and the counter plus one, or, for a
// timestamp, the time read and the flush's time (a microsecond past the
// time read when that is not earlier).
func (u *unitOfWork) versionArgs(st *state, vf *mapping.Field) (read, next any) {
	if vf.IsTime() {
		return u.nextVersionTime(readVersionTime(st, vf))
	}
	v := readVersion(st, vf)
	return v, v + 1
}

// nextVersionTime returns t and the timestamp version after it: the
// flush's time, or a microsecond past t when that is not later.
func (u *unitOfWork) nextVersionTime(t time.Time) (read, next any) {
	n := u.flushTime()
	if !n.After(t) {
		n = t.Add(time.Microsecond)
	}
	return t, n
}

// setVersion writes v, from versionArgs, into st's version field,
// journalled.
func (u *unitOfWork) setVersion(st *state, vf *mapping.Field, v any) error {
	if t, ok := v.(time.Time); ok {
		if j := u.s.journal; j != nil {
			j.fields = append(j.fields, fieldUndo{ptr: st.ptr, f: vf, old: vf.Time(st.ptr)})
		}
		vf.SetTime(st.ptr, t)
		return nil
	}
	return u.s.setKey(st, vf, v)
}

// stampVersions sets the version counter of rows about to be inserted to
// 1 — a timestamp to the flush's time — journalled.
func (u *unitOfWork) stampVersions(m *mapping.Mapper, rows []*state) error {
	vf := m.VersionField()
	if vf == nil {
		return nil
	}
	var first any = int64(1)
	if vf.IsTime() {
		first = u.flushTime()
	}
	for _, st := range rows {
		if err := u.setVersion(st, vf, first); err != nil {
			return err
		}
	}
	return nil
}

// versionBump appends to set, an UPDATE's head up to its SET list, the
// move of the version vf (nil: none) of every row it writes — the counter
// plus one, or a timestamp set to the flush's time, bound as the
// statement's first argument, returned in lead — for the statements that
// null the foreign keys of rows they do not read (detach, one-to-one
// detach): a session holding one of those rows from before then finds it
// stale rather than writing over the nulled key.
func (u *unitOfWork) versionBump(set string, vf *mapping.Field) (_ string, lead []any) {
	if vf == nil {
		return set, nil
	}
	v := u.d.Quote(vf.Column.Name)
	if !vf.IsTime() {
		return set + ", " + v + " = " + v + " + 1", nil
	}
	return string(u.d.AppendPlaceholder([]byte(set+", "+v+" = "), 1)), []any{u.flushTime()}
}

// bumpVersion moves the version of st, a held row whose key a statement
// of versionBump just nulled, as that statement moved it in the database.
func (u *unitOfWork) bumpVersion(st *state, vf *mapping.Field) error {
	if vf.IsTime() {
		return u.setVersion(st, vf, u.flushTime())
	}
	v, _, _ := vf.IntKey(st.ptr)
	return u.setVersion(st, vf, v+1)
}
