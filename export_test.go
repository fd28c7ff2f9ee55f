package relm

// SetMaxInlineSQL sets the bound on one INSERT of literals (see
// maxInlineSQL) until the returned function restores it.
func SetMaxInlineSQL(n int) (restore func()) {
	old := maxInlineSQL
	maxInlineSQL = n
	return func() { maxInlineSQL = old }
}
