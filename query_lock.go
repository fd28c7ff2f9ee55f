package relm

import (
	"context"

	"github.com/relmorm/relm/dialect"
)

// Row locking: SELECT … FOR UPDATE / FOR SHARE, as SQLAlchemy's
// Select.with_for_update(read=, skip_locked=, nowait=).
//
// A locking query begins the session's transaction if none is open (as
// SQLAlchemy's session begins one on its first statement), so that the
// locks are held until Commit or Rollback: a read-modify-write is
//
//	acct, err := relm.Select[Account](s).Where(relm.Eq("ID", id)).ForUpdate().One(ctx)
//	acct.Balance -= 10
//	err = s.Commit(ctx) // writes the change and releases the lock
//
// Outside a transaction a lock would be released as soon as the statement
// ends, which is never what the caller means; relm therefore never sends a
// locking SELECT outside one.
//
// On SQLite, which has no row locks (a writing transaction locks the whole
// database, and relm's SQLite connection is single, so the session's
// transaction excludes every other), ForUpdate and ForShare add no clause
// but still begin the transaction: portable read-modify-write code keeps
// its meaning. SkipLocked and NoWait make a promise SQLite cannot keep and
// are an error there, before any SQL.

// ForUpdate locks the rows the query returns for update (FOR UPDATE) until
// the session's transaction ends; the query begins that transaction when
// none is open. When the query joins relationships (Join), PostgreSQL locks
// the root rows only (FOR UPDATE OF t0), MySQL and MariaDB the joined
// rows too (so with SkipLocked they also leave out a row whose joined row
// another transaction locked). Not with Joined eager loading (use SelectIn) nor with Count.
func (q *Query[T]) ForUpdate() *Query[T] {
	q.setLock(false)
	return q
}

// ForShare takes a shared lock on the rows the query returns (FOR SHARE on
// PostgreSQL and MySQL 8, LOCK IN SHARE MODE on MariaDB): other
// transactions may read and share-lock them but not change them until the
// session's transaction ends. Like ForUpdate, it begins the transaction.
func (q *Query[T]) ForShare() *Query[T] {
	q.setLock(true)
	return q
}

// SkipLocked makes a locking query leave out the rows another transaction
// holds locked instead of waiting for them (SKIP LOCKED; PostgreSQL,
// MariaDB 10.6, MySQL 8.0): the way for workers to take distinct jobs from
// a queue. It follows ForUpdate or ForShare.
func (q *Query[T]) SkipLocked() *Query[T] {
	q.setWait("SkipLocked", dialect.LockWaitSkipLocked)
	return q
}

// NoWait makes a locking query fail at once, instead of waiting, when a
// row is locked by another transaction (NOWAIT; PostgreSQL, MariaDB 10.3,
// MySQL 8.0). It follows ForUpdate or ForShare.
func (q *Query[T]) NoWait() *Query[T] {
	q.setWait("NoWait", dialect.LockWaitNoWait)
	return q
}

func (q *Query[T]) setLock(share bool) {
	if q.lock != nil && q.lock.Share != share {
		q.fail(badQuery("ForUpdate and ForShare on the same query: choose one"))
		return
	}
	if q.lock == nil {
		q.lock = &dialect.Lock{}
	}
	q.lock.Share = share
}

func (q *Query[T]) setWait(op string, w dialect.LockWait) {
	switch {
	case q.lock == nil:
		q.fail(badQuery("%s without ForUpdate or ForShare: call one of them first", op))
	case q.lock.Wait != dialect.LockWaitBlock && q.lock.Wait != w:
		q.fail(badQuery("SkipLocked and NoWait on the same query: choose one"))
	default:
		q.lock.Wait = w
	}
}

// lockName is the call that set the query's lock, for errors.
func (q *Query[T]) lockName() string {
	if q.lock.Share {
		return "ForShare"
	}
	return "ForUpdate"
}

// checkLock refuses what a locking query cannot do, before any SQL.
func (q *Query[T]) checkLock(op string) error {
	if q.lock == nil || q.err != nil {
		return q.err
	}
	if op == "Count" {
		return badQuery("%s with Count on %s: databases refuse a lock with an aggregate; lock with All, First or One", q.lockName(), q.m.Name())
	}
	if len(q.joined) > 0 {
		return badQuery("%s with Joined(%q) on %s: a lock over outer joins is refused or locks more than asked; load with SelectIn instead", q.lockName(), q.joined[0], q.m.Name())
	}
	if _, ok := q.s.db.dialect.(dialect.RowLocker); !ok && q.lock.Wait != dialect.LockWaitBlock {
		op := "SkipLocked"
		if q.lock.Wait == dialect.LockWaitNoWait {
			op = "NoWait"
		}
		return badQuery("%s on %s: the %s dialect has no row locks (a writing transaction locks the whole database), so it can neither skip nor refuse to wait for a locked row", op, q.m.Name(), q.s.db.dialect.Name())
	}
	return nil
}

// appendLock appends the lock clause of the dialect to query.
func (q *Query[T]) appendLock(query string) (string, error) {
	if q.lock == nil {
		return query, nil
	}
	rl, ok := q.s.db.dialect.(dialect.RowLocker)
	if !ok {
		return query, nil // SQLite: see the package notes above
	}
	l := *q.lock
	if len(q.joins) > 0 {
		l.Of = "t0"
	}
	b, err := rl.AppendLock([]byte(query), l)
	if err != nil {
		return "", badQuery("%s on %s: %v", q.lockName(), q.m.Name(), err)
	}
	return string(b), nil
}

// beginForLock opens the session's transaction for a locking query;
// began reports that this query opened it, for endFailedLock.
func (q *Query[T]) beginForLock(ctx context.Context) (began bool, err error) {
	if q.lock == nil || q.s.tx != nil {
		return false, nil
	}
	return true, q.s.begin(ctx)
}

// endFailedLock rolls back the transaction a locking query began when the
// query failed (a NOWAIT refused, say): on PostgreSQL the failed statement
// has aborted it, and nothing was done in it yet.
func (q *Query[T]) endFailedLock(began bool) {
	if began {
		q.s.rollback()
	}
}
