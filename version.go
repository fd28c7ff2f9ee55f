package relm

import (
	"fmt"

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
	// a version counter (Versioned).
	Version   int64
	Versioned bool
}

// Error names the model, key, table and, for a versioned model, the
// version expected.
func (e *StaleObjectError) Error() string {
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
		se.Version, se.Versioned = readVersion(st, vf), true
	}
	return &StatementError{Op: op, Type: m.Name(), Object: m.Interface(st.ptr), Key: se.Key, SQL: sql, Err: se}
}

// stampVersions sets the version counter of rows about to be inserted to
// 1, journalled.
func (u *unitOfWork) stampVersions(m *mapping.Mapper, rows []*state) error {
	vf := m.VersionField()
	if vf == nil {
		return nil
	}
	for _, st := range rows {
		if err := u.s.setKey(st, vf, int64(1)); err != nil {
			return err
		}
	}
	return nil
}
