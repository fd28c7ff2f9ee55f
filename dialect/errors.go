package dialect

import (
	"errors"
	"strconv"
	"strings"
)

// ConstraintKind is the kind of integrity constraint a statement violated.
type ConstraintKind int

// The constraint kinds relm recognizes. The zero value is no kind.
const (
	Unique     ConstraintKind = iota + 1 // a UNIQUE constraint or unique index (primary keys included)
	ForeignKey                           // a FOREIGN KEY: the referenced row is missing, or is still referred to
	NotNull                              // a NOT NULL column was given NULL
	Check                                // a CHECK constraint
)

var kindNames = [...]string{Unique: "unique", ForeignKey: "foreign key", NotNull: "not null", Check: "check"}

// String returns "unique", "foreign key", "not null" or "check".
func (k ConstraintKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "ConstraintKind(" + strconv.Itoa(int(k)) + ")"
}

// Sentinels matched by errors.Is against a *ConstraintError of their kind:
// errors.Is(err, dialect.ErrUnique) holds for every unique violation.
var (
	ErrUnique     = errors.New("unique constraint violated")
	ErrForeignKey = errors.New("foreign key constraint violated")
	ErrNotNull    = errors.New("not null constraint violated")
	ErrCheck      = errors.New("check constraint violated")
)

// Sentinel returns the sentinel error of the kind (ErrUnique, …), or nil.
func (k ConstraintKind) Sentinel() error {
	switch k {
	case Unique:
		return ErrUnique
	case ForeignKey:
		return ErrForeignKey
	case NotNull:
		return ErrNotNull
	case Check:
		return ErrCheck
	}
	return nil
}

// ConstraintError is an integrity-constraint violation reported by the
// database, classified by a dialect's [ErrorClassifier]. Table, Constraint and
// Column hold what the database names; a database that does not name one of
// them leaves it empty (SQLite names no constraints: for a unique or NOT NULL
// violation Constraint holds the columns as SQLite reports them,
// "users.email", and a foreign-key violation names neither constraint nor
// column). Err is the driver's error.
type ConstraintError struct {
	Kind       ConstraintKind
	Table      string
	Constraint string
	Column     string
	Err        error
}

// Error describes the violation and the driver's error.
func (e *ConstraintError) Error() string {
	var b strings.Builder
	b.WriteString("relm: ")
	b.WriteString(e.Kind.String())
	b.WriteString(" constraint")
	if e.Constraint != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.Constraint))
	}
	if e.Table != "" {
		b.WriteString(" on table ")
		b.WriteString(strconv.Quote(e.Table))
	}
	if e.Column != "" {
		b.WriteString(" column ")
		b.WriteString(strconv.Quote(e.Column))
	}
	b.WriteString(" violated")
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the driver's error.
func (e *ConstraintError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's kind (ErrUnique, …).
func (e *ConstraintError) Is(target error) bool {
	s := e.Kind.Sentinel()
	return s != nil && target == s
}

// ErrorClassifier is implemented by dialects that recognize their driver's
// constraint-violation errors. ClassifyError returns nil for any other error,
// including another driver's.
type ErrorClassifier interface {
	ClassifyError(err error) *ConstraintError
}
