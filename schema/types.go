package schema

import "fmt"

// Kind is the abstract SQL type of a column; each dialect spells it.
type Kind int

// The kinds a column can have.
const (
	KindInvalid Kind = iota
	KindInteger      // 32-bit integer: INTEGER
	KindBigInt       // 64-bit integer: BIGINT
	KindString       // bounded string: VARCHAR(n)
	KindText         // unbounded text: TEXT (LONGTEXT on MySQL with Size LongTextSize)
	KindBool         // boolean
	KindFloat        // double precision float
	KindTime         // timestamp
	KindBytes        // binary data
	KindJSON         // a JSON document: JSONB, JSON, TEXT
	KindUUID         // a UUID: UUID, or CHAR(36) where there is none
	KindDecimal      // exact decimal: DECIMAL(precision, scale)
)

var kindNames = [...]string{
	KindInvalid: "invalid",
	KindInteger: "integer",
	KindBigInt:  "bigint",
	KindString:  "varchar",
	KindText:    "text",
	KindBool:    "bool",
	KindFloat:   "float",
	KindTime:    "timestamp",
	KindBytes:   "blob",
	KindJSON:    "json",
	KindUUID:    "uuid",
	KindDecimal: "decimal",
}

// String returns the tag spelling of the kind ("integer", "varchar", ...).
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// KindByName returns the kind whose tag spelling is name, accepting the
// common synonyms (int, int64, string, blob, ...).
func KindByName(name string) (Kind, bool) {
	switch name {
	case "integer", "int", "int32":
		return KindInteger, true
	case "bigint", "int64":
		return KindBigInt, true
	case "varchar", "string":
		return KindString, true
	case "text", "longtext":
		return KindText, true
	case "bool", "boolean":
		return KindBool, true
	case "float", "double", "float64":
		return KindFloat, true
	case "timestamp", "datetime", "time":
		return KindTime, true
	case "blob", "bytes", "binary":
		return KindBytes, true
	case "json", "jsonb":
		return KindJSON, true
	case "uuid":
		return KindUUID, true
	case "decimal", "numeric":
		return KindDecimal, true
	}
	return KindInvalid, false
}

// Type is a column type: a kind and, for strings, a size.
type Type struct {
	Kind Kind
	// Size is the VARCHAR length. For text it is 0, or LongTextSize for a
	// column that must hold more than MySQL's TEXT (64 KiB): MySQL spells it
	// LONGTEXT, the other dialects TEXT. For a decimal it is the precision
	// (digits in all; 0 means DefaultDecimalPrecision). 0 for other kinds.
	Size int
	// Scale is a decimal's digits after the point; 0 for other kinds.
	Scale int
}

// DefaultDecimalPrecision and DefaultDecimalScale are the precision and
// scale of a decimal declared without them (type:decimal): DECIMAL(18,2).
const (
	DefaultDecimalPrecision = 18
	DefaultDecimalScale     = 2
)

// Decimal returns a DECIMAL(precision, scale) type.
func Decimal(precision, scale int) Type {
	return Type{Kind: KindDecimal, Size: precision, Scale: scale}
}

// Precision returns a decimal's precision and scale, the defaults when the
// type does not name them.
func (t Type) Precision() (precision, scale int) {
	if t.Size == 0 {
		return DefaultDecimalPrecision, DefaultDecimalScale
	}
	return t.Size, t.Scale
}

// LongTextSize is the Size of LongText: the 4 GiB a MySQL LONGTEXT holds.
const LongTextSize = 1<<32 - 1

// Common types.
var (
	Integer = Type{Kind: KindInteger}
	BigInt  = Type{Kind: KindBigInt}
	Text    = Type{Kind: KindText}
	Bool    = Type{Kind: KindBool}
	Float   = Type{Kind: KindFloat}
	Time    = Type{Kind: KindTime}
	Bytes   = Type{Kind: KindBytes}
	// LongText is text that may exceed 64 KiB: LONGTEXT on MySQL, where
	// TEXT holds 65,535 bytes; TEXT elsewhere. The tag spells it type:longtext.
	LongText = Type{Kind: KindText, Size: LongTextSize}
	// JSON is a JSON document: JSONB on PostgreSQL, JSON on MySQL and
	// MariaDB (where it is a LONGTEXT checked by JSON_VALID), TEXT on
	// SQLite. The tag spells it type:json.
	JSON = Type{Kind: KindJSON}
	// UUID is a UUID: UUID on PostgreSQL and MariaDB 10.7 and later,
	// CHAR(36) on MySQL and older MariaDB, TEXT on SQLite.
	UUID = Type{Kind: KindUUID}
)

// String returns a VARCHAR(size) type.
func String(size int) Type { return Type{Kind: KindString, Size: size} }

// IsInteger reports whether the type holds integers (and so may autoincrement).
func (t Type) IsInteger() bool { return t.Kind == KindInteger || t.Kind == KindBigInt }

// String renders the type as in a tag: "varchar(64)", "integer".
func (t Type) String() string {
	if t.Kind == KindString {
		return fmt.Sprintf("varchar(%d)", t.Size)
	}
	if t.Kind == KindText && t.Size > 0 {
		return "longtext"
	}
	if t.Kind == KindDecimal {
		p, s := t.Precision()
		return fmt.Sprintf("decimal(%d,%d)", p, s)
	}
	return t.Kind.String()
}
