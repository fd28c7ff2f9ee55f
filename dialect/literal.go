package dialect

import (
	"encoding/hex"
	"strings"
)

// AppendQuoted appends s as an SQL text literal between single quotes,
// each quote in it doubled — the one spelling every dialect, and every
// MySQL sql_mode, reads back as s. Whether s may be written so (a NUL, a
// backslash) is the dialect's to decide before calling it.
func AppendQuoted(b []byte, s string) []byte {
	b = append(b, '\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '\'')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '\'')
}

// AppendHexBlob appends p as a hexadecimal blob literal, X'…', which
// SQLite and MySQL read back as exactly p's bytes. p must not be empty
// (an empty hex literal is not a blob on every server).
func AppendHexBlob(b []byte, p []byte) []byte {
	b = append(b, "X'"...)
	b = hex.AppendEncode(b, p)
	return append(b, '\'')
}
