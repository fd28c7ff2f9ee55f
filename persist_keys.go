package relm

import (
	"fmt"
	"slices"

	"github.com/relmorm/relm/dialect"
)

// batchKeys hands the generated keys of rows start… (in row order) to b.
func (u *unitOfWork) batchKeys(b *batch, start int, ids []int64) error {
	if b.genField == nil {
		return fmt.Errorf("relm: %d generated keys read back for rows of %s, which have none", len(ids), b.table.Name)
	}
	if j := u.s.journal; j != nil {
		j.fields = slices.Grow(j.fields, len(ids))
	}
	for i, id := range ids {
		k := any(id) // the identity key too: boxed once
		if err := u.s.setKey(b.states[start+i], b.genField, k); err != nil {
			return err
		}
		b.genKeys[start+i] = k
	}
	return nil
}

// autoIncrementStep returns the step between generated keys of one INSERT,
// read once per flush on the flush's connection (1 when the dialect does not
// say).
func (u *unitOfWork) autoIncrementStep() (int64, error) {
	if u.incrStep > 0 {
		return u.incrStep, nil
	}
	u.incrStep = 1
	if st, ok := u.d.(dialect.AutoIncrementStepper); ok {
		n, err := st.AutoIncrementStep(u.ctx, u.ex)
		if err != nil {
			return 0, fmt.Errorf("read the auto-increment step: %w", err)
		}
		u.incrStep = n
	}
	return u.incrStep, nil
}

// keysEndAtLastID reports whether d's INSERT … VALUES gives its rows keys
// one apart that end at the last-insert-id (SQLite; see
// dialect.LiteralInliner): relm then reads them from the statement's
// result rather than with RETURNING, bound rows as literal ones — an
// Exec, where RETURNING makes a query with rows to step through and
// close.
func keysEndAtLastID(d dialect.Dialect) bool {
	li, ok := d.(dialect.LiteralInliner)
	return ok && li.KeysEndAtLastInsertID()
}

// keyRead is how an INSERT's generated keys are read back.
type keyRead uint8

const (
	keysNone      keyRead = iota // no generated key
	keysReturning                // INSERT … RETURNING
	keysFirstID                  // last-insert-id is the first row's key (MySQL)
	keysLastID                   // last-insert-id is the last row's key (SQLite)
)

// emitInsert runs an INSERT of rows start…end-1 and hands the generated keys
// to the batch. shown, when not "", stands for the query in an error.
func (u *unitOfWork) emitInsert(b *batch, query, shown string, args []any, start, end int, keys keyRead) error {
	fail := func(err error) error {
		if shown == "" {
			shown = query
		}
		return b.failed(start, end, shown, err)
	}
	n := end - start
	switch keys {
	case keysReturning:
		ids, err := u.queryIDs(query, args, n)
		if err != nil {
			return fail(err)
		}
		// The keys read back go unjournalled when nothing can take the
		// statement back.
		u.statementDone()
		if len(ids) != n {
			return fail(fmt.Errorf("RETURNING gave %d keys for %d rows", len(ids), n))
		}
		// Generated keys ascend in row order; sort them rather than
		// trust the order RETURNING lists them in.
		slices.Sort(ids)
		return u.batchKeys(b, start, ids)
	case keysFirstID, keysLastID:
		res, err := execStmt(u.ctx, u.ex, query, args)
		if err != nil {
			return fail(err)
		}
		u.statementDone()
		id, err := res.LastInsertId()
		if err != nil {
			return fail(err)
		}
		// The keys of one multi-row VALUES INSERT are first, first+step,
		// … (step is 3 on a three-node Galera cluster); on SQLite they
		// end at the last-insert-id, one apart.
		step := int64(1)
		if keys == keysFirstID {
			if id < 1 {
				return fail(fmt.Errorf("last-insert-id %d: the INSERT generated no key; is the table's key column %s AUTO_INCREMENT?", id, b.returning.Name))
			}
			if n > 1 {
				if step, err = u.autoIncrementStep(); err != nil {
					return fail(err)
				}
			}
		} else {
			got, err := res.RowsAffected()
			if err != nil {
				return fail(err)
			}
			if got != int64(n) {
				return fail(fmt.Errorf("the INSERT wrote %d rows of %d", got, n))
			}
			id -= int64(n - 1)
			if id < 1 {
				return fail(fmt.Errorf("last-insert-id %d is below the %d rows inserted", id+int64(n-1), n))
			}
		}
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = id + int64(i)*step
		}
		return u.batchKeys(b, start, ids)
	default:
		if _, err := execStmt(u.ctx, u.ex, query, args); err != nil {
			return fail(err)
		}
		return nil
	}
}

// queryIDs runs an INSERT … RETURNING of n rows and returns the keys.
func (u *unitOfWork) queryIDs(query string, args []any, n int) ([]int64, error) {
	return queryInt64s(u.ctx, u.ex, query, args, make([]int64, 0, n))
}
