package relm

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
