package mapping

import (
	"database/sql"
	"fmt"
	"reflect"
	"time"
	"unsafe"
)

var (
	timePtrType  = reflect.TypeFor[*time.Time]()
	nullTimeType = reflect.TypeFor[sql.NullTime]()
)

// SoftDeleteField returns the field tagged `relm:"softdelete"`, nil when
// m has none.
func (m *Mapper) SoftDeleteField() *Field { return m.softDel }

// findSoftDelete records the field whose spec is tagged softdelete,
// refusing a second one, a key, and a field that cannot hold NULL (a row
// not deleted has none).
func (m *Mapper) findSoftDelete(specs []ColumnSpec) error {
	for i, cs := range specs {
		if !cs.SoftDelete {
			continue
		}
		f := m.Fields[i]
		if m.softDel != nil {
			return fmt.Errorf("mapping: %s.%s and %s.%s are both tagged softdelete; a model has one deletion time", m.Name(), m.softDel.Name, m.Name(), f.Name)
		}
		if f.Type != timePtrType && f.Type != nullTimeType {
			return fmt.Errorf("mapping: %s.%s is %s and tagged softdelete; the deletion time must be a *time.Time or sql.NullTime, NULL while the row is not deleted", m.Name(), f.Name, f.Type)
		}
		if f.Column.NotNull || f.Column.PrimaryKey {
			return fmt.Errorf("mapping: %s.%s is tagged softdelete and NOT NULL; the deletion time is NULL while the row is not deleted — drop notnull", m.Name(), f.Name)
		}
		m.softDel = f
	}
	return nil
}

// DeletedAt returns the time held by the softdelete field f of the object
// at obj, and whether it is set (the row is soft-deleted).
func (f *Field) DeletedAt(obj unsafe.Pointer) (time.Time, bool) {
	p := unsafe.Add(obj, f.Offset)
	switch f.Type {
	case timePtrType:
		if t := *(**time.Time)(p); t != nil {
			return *t, true
		}
	case nullTimeType:
		if nt := (*sql.NullTime)(p); nt.Valid {
			return nt.Time, true
		}
	}
	return time.Time{}, false
}

// SetDeletedAt stores t into the softdelete field f of the object at obj
// (a new *time.Time, or a valid sql.NullTime).
func (f *Field) SetDeletedAt(obj unsafe.Pointer, t time.Time) { f.SetTime(obj, t) }

// IsTime reports whether f is a time.Time (a timestamp version counter).
func (f *Field) IsTime() bool { return f.Type == timeType }

// Time returns the time.Time field f of the object at obj.
func (f *Field) Time(obj unsafe.Pointer) time.Time {
	if f.Type != timeType {
		return time.Time{}
	}
	return *(*time.Time)(unsafe.Add(obj, f.Offset))
}

// SetTime stores t into the time field f (time.Time, *time.Time or
// sql.NullTime) of the object at obj.
func (f *Field) SetTime(obj unsafe.Pointer, t time.Time) {
	p := unsafe.Add(obj, f.Offset)
	switch f.Type {
	case timeType:
		*(*time.Time)(p) = t
	case timePtrType:
		*(**time.Time)(p) = &t
	case nullTimeType:
		*(*sql.NullTime)(p) = sql.NullTime{Time: t, Valid: true}
	}
}
