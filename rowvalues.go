package relm

import (
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// rowIn returns the statements head + `(c1, c2) IN ((?, ?), …)` + tail for
// tuples of several columns: flat holds the tuples' values one after the
// other, len(exprs) per tuple; exprs are the already quoted column
// references. Row values are accepted by SQLite (3.15+), PostgreSQL and
// MariaDB alike; the tuples are chunked so that no statement binds more
// than the dialect's MaxParams.
func rowIn(d dialect.Dialect, head string, exprs []string, flat []any, tail string) []stmt {
	w := len(exprs)
	per := max(1, d.MaxParams()/w) * w
	var out []stmt
	for start := 0; start < len(flat); start += per {
		chunk := flat[start:min(start+per, len(flat))]
		buf := append([]byte(nil), head...)
		buf = appendRowIn(d, buf, exprs, len(chunk)/w, 1)
		buf = append(buf, tail...)
		out = append(out, stmt{sql: string(buf), args: chunk})
	}
	return out
}

// appendRowIn appends `(c1, c2) IN ((?, ?), …)` for n tuples, numbering
// the placeholders from first.
func appendRowIn(d dialect.Dialect, buf []byte, exprs []string, n, first int) []byte {
	buf = append(buf, '(')
	for i, e := range exprs {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, e...)
	}
	buf = append(buf, ") IN ("...)
	p := first
	for i := 0; i < n; i++ {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, '(')
		for j := range exprs {
			if j > 0 {
				buf = append(buf, ", "...)
			}
			buf = d.AppendPlaceholder(buf, p)
			p++
		}
		buf = append(buf, ')')
	}
	return append(buf, ')')
}

// keyValues appends the values of fields of the struct at p to out.
func keyValues(fields []*mapping.Field, p objPtr, out []any) []any {
	for _, f := range fields {
		out = append(out, f.Value(p))
	}
	return out
}

// quotedCols returns the quoted columns of fields, each prefixed with alias
// and a dot when alias is not empty.
func quotedCols(d dialect.Dialect, alias string, fields []*mapping.Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = d.Quote(f.Column.Name)
		if alias != "" {
			out[i] = alias + "." + out[i]
		}
	}
	return out
}
