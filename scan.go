package relm

import (
	"database/sql"
	"fmt"
	"reflect"
	"strconv"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// scanDests makes the Scan destinations of a load's rows. database/sql
// stores an integer column into an int field by formatting the driver's
// int64 as text and parsing it back through reflection (the kinds differ,
// so its direct conversion does not apply): an allocation and two
// conversions per value. An int field is scanned instead through an
// intScan of the load, reused row after row, which takes the int64 as it
// is and converts anything else as database/sql would.
type scanDests []intScan

// newScanDests returns the destinations for fields scanned from rows, nil
// when none is an int or when rows are not database/sql's: a native
// driver's Scan (dialect.NativeRunner) stores an integer into an int
// itself. It decides once per load, by type, which fields go through
// intScan.
func newScanDests(fields []*mapping.Field, rows dialect.Rows) scanDests {
	if _, ok := rows.(*sql.Rows); !ok {
		return nil
	}
	var d scanDests
	for i, f := range fields {
		if isPlainInt(f) {
			if d == nil {
				d = make(scanDests, len(fields))
			}
			d[i].plain = true
		}
	}
	return d
}

// isPlainInt reports whether f is an int or a type defined on int without
// a Scanner or Valuer of its own, which the mapping scans as an int
// (Field.Addr gives a *int).
func isPlainInt(f *mapping.Field) bool {
	return f != nil && f.PlainInt()
}

// set fills dest with the destinations of fields in the struct at p.
func (d scanDests) set(dest []any, fields []*mapping.Field, p objPtr) {
	for i, f := range fields {
		if d != nil && d[i].plain {
			d[i].p = plainIntAt(p, f)
			dest[i] = &d[i]
			continue
		}
		dest[i] = f.Addr(p)
	}
}

// intScan scans a column into an int field (plain: the field is one).
type intScan struct {
	p     *int
	plain bool
}

// Scan stores src as database/sql stores a driver value into an int: an
// integer as it is, when it fits; anything else through its text (as
// database/sql's conversion formats it), which must parse as an integer.
func (d *intScan) Scan(src any) error {
	if x, ok := src.(int64); ok && int64(int(x)) == x {
		*d.p = int(x)
		return nil
	}
	if src == nil {
		return fmt.Errorf("converting NULL to int is unsupported")
	}
	s := driverText(src)
	v, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok {
			err = ne.Err
		}
		return fmt.Errorf("converting driver.Value type %T (%q) to a int: %w", src, s, err)
	}
	*d.p = int(v)
	return nil
}

// driverText is a driver value as text, as database/sql formats it before
// parsing it into a number.
func driverText(src any) string {
	switch x := src.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	rv := reflect.ValueOf(src)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64)
	case reflect.Float32:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 32)
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool())
	}
	return fmt.Sprintf("%v", src)
}
