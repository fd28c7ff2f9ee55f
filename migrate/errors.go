package migrate

import (
	"errors"
	"fmt"
)

// ErrInspect is matched (errors.Is) by the error Diff returns when it
// cannot read the live database's catalog; nothing is planned or applied.
var ErrInspect = errors.New("migrate: cannot inspect the database")

// ErrUnsupported is matched by the error Diff returns for a dialect that
// cannot write the ALTER statements a migration needs (one that does not
// implement dialect.Alterer).
var ErrUnsupported = errors.New("migrate: the dialect cannot alter tables")

// ErrDestructive is matched by the *DestructiveError that Apply, Up and
// Down return when what they would run destroys data and
// Options.AllowDestructive is not set; nothing is applied.
var ErrDestructive = errors.New("migrate: destructive change not allowed")

// ErrDrift is matched by the error of Main's check subcommand when the
// database differs from the models.
var ErrDrift = errors.New("the database differs from the models")

// ErrChecksum is matched by the *ChecksumError Up, Down and Status return
// when a migration file that has run was changed since.
var ErrChecksum = errors.New("migrate: migration file changed after it ran")

// InspectError names the table relm could not inspect.
type InspectError struct {
	Table string // "" when the table list itself could not be read
	Err   error
}

// Error names the table and the cause.
func (e *InspectError) Error() string {
	if e.Table == "" {
		return fmt.Sprintf("migrate: cannot inspect the database (listing its tables): %v; nothing was planned", e.Err)
	}
	return fmt.Sprintf("migrate: cannot inspect table %q: %v; nothing was planned", e.Table, e.Err)
}

// Unwrap returns the cause.
func (e *InspectError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInspect.
func (e *InspectError) Is(target error) bool { return target == ErrInspect }

// DestructiveError lists the destructive steps that stopped Apply, Up or
// Down.
type DestructiveError struct {
	// What is the plan or migration file refused.
	What  string
	Steps []string
}

// Error names each destructive step and how to allow them.
func (e *DestructiveError) Error() string {
	return fmt.Sprintf("migrate: %s would destroy data (%s); nothing was applied: review it and allow destructive changes (Options.AllowDestructive, the flag -allow-destructive) to run it",
		e.What, joinSemi(e.Steps))
}

// Is reports whether target is ErrDestructive.
func (e *DestructiveError) Is(target error) bool { return target == ErrDestructive }

// ChecksumError names a migration file changed after it ran.
type ChecksumError struct {
	Version   int
	File      string
	Recorded  string
	OnDisk    string
	AppliedAt string
}

// Error names the file and both checksums.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("migrate: %s (version %d) changed after it ran at %s: checksum %s recorded, %s on disk; nothing was applied: restore the file, or write a new migration for the further change",
		e.File, e.Version, e.AppliedAt, short(e.Recorded), short(e.OnDisk))
}

// Is reports whether target is ErrChecksum.
func (e *ChecksumError) Is(target error) bool { return target == ErrChecksum }

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func joinSemi(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}
