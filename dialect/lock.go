package dialect

// LockWait is what a locking SELECT does about a row another transaction
// holds locked.
type LockWait int

const (
	// LockWaitBlock waits for the lock (the databases' default).
	LockWaitBlock LockWait = iota
	// LockWaitSkipLocked leaves locked rows out of the result (SKIP LOCKED).
	LockWaitSkipLocked
	// LockWaitNoWait fails the statement at once (NOWAIT).
	LockWaitNoWait
)

// Lock is the row-locking clause of a SELECT.
type Lock struct {
	// Share takes a shared lock (FOR SHARE / LOCK IN SHARE MODE) instead
	// of an exclusive one (FOR UPDATE).
	Share bool
	Wait  LockWait
	// Of is the alias of the table whose rows are locked when the SELECT
	// joins others, for the dialects that can name it (FOR UPDATE OF t0);
	// "" locks the rows of every table read.
	Of string
}

// RowLocker is implemented by the dialects that lock rows a SELECT reads.
// A dialect without it (SQLite, which locks the whole database when a
// transaction writes) has no row-locking clause.
type RowLocker interface {
	// AppendLock appends the clause for l, with its leading space, or
	// returns an error naming what the server lacks (SKIP LOCKED on an
	// older version, say). Only fixed keywords and the alias are written.
	AppendLock(b []byte, l Lock) ([]byte, error)
}
