package dialect

// ListBinder is an optional capability of a dialect: binding a whole list of
// keys as one parameter, so that `col IN (…)` for any number of keys is one
// statement with one parameter (PostgreSQL: col = ANY($1) with an array;
// SQLite: col IN (SELECT value FROM json_each(?))). Dialects without it get
// an IN list of placeholders, chunked under MaxParams.
type ListBinder interface {
	// AppendInList appends a condition testing expr (an already quoted
	// column reference) against the list bound as parameter n, and returns
	// the argument to bind. keys are int64 or string values; ok is false
	// when the dialect cannot bind this list (mixed types), in which case
	// the caller falls back to placeholders.
	AppendInList(buf []byte, expr string, n int, keys []any) (out []byte, arg any, ok bool)
}
