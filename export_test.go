package relm

import "github.com/relmorm/relm/dialect"

// NativeRunnerOf returns the runner db sends statements through natively
// (see dialect.NativeRunner), nil when it has none.
func NativeRunnerOf(db *DB) dialect.NativeRunner { return db.native }

// SetNativeRunner replaces db's native runner (nil: none) until the
// returned function restores it.
func SetNativeRunner(db *DB, r dialect.NativeRunner) (restore func()) {
	old := db.native
	db.native = r
	return func() { db.native = old }
}

// SetMaxInlineSQL sets the bound on one INSERT of literals (see
// maxInlineSQL) until the returned function restores it.
func SetMaxInlineSQL(n int) (restore func()) {
	old := maxInlineSQL
	maxInlineSQL = n
	return func() { maxInlineSQL = old }
}

// SetMaxInlineBound sets the bound on the bytes an INSERT of literals binds
// (see maxInlineBound) until the returned function restores it.
func SetMaxInlineBound(n int) (restore func()) {
	old := maxInlineBound
	maxInlineBound = n
	return func() { maxInlineBound = old }
}
