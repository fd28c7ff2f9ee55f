package dialect

import "context"

// AutoIncrementStepper is an optional capability of a dialect whose
// generated keys are read with the last-insert-id (no RETURNING): the step
// between the keys of one multi-row INSERT. MySQL's
// auto_increment_increment is 1 on one server and the number of nodes on a
// Galera cluster, where it changes when nodes leave, so it is read on the
// connection that inserts.
type AutoIncrementStepper interface {
	AutoIncrementStep(ctx context.Context, q Executor) (int64, error)
}
