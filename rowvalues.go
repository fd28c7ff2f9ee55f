package relm

import (
	"context"

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

// inQueryTuples runs head + `(exprs) IN ((…), …)` + tail for keys, each a
// mapping.KeyTuple of len(exprs) values, chunked under the parameter
// limit, passing each row's object to yield as inRows does (the select-in
// loading of a relationship on a composite key).
func (s *Session) inQueryTuples(ctx context.Context, m *mapping.Mapper, head string, exprs []string, keys []any, tail string, yield func(objPtr, any)) error {
	if len(keys) == 0 {
		return nil
	}
	sortKeys(keys)
	flat := make([]any, 0, len(keys)*len(exprs))
	for _, k := range keys {
		t := k.(mapping.KeyTuple)
		for i := 0; i < t.Len(); i++ {
			flat = append(flat, t.At(i))
		}
	}
	for _, q := range rowIn(s.db.dialect, head, exprs, flat, tail) {
		if err := s.inRows(ctx, m, q.sql, q.args, false, yield); err != nil {
			return err
		}
	}
	return nil
}

// samePK reports whether fields are m's primary key, in its order.
func samePK(m *mapping.Mapper, fields []*mapping.Field) bool {
	if len(fields) != len(m.PrimaryKey) {
		return false
	}
	for i, f := range fields {
		if m.PrimaryKey[i] != f {
			return false
		}
	}
	return true
}

// loadManyToOneComposite is loadManyToOne for a composite foreign key: the
// targets missing from the identity map in one SELECT … WHERE (a, b) IN
// ((?, ?), …) (chunked under the parameter limit).
func (s *Session) loadManyToOneComposite(ctx context.Context, r *mapping.Relationship, todo []*state) error {
	byPK := samePK(r.Target, r.RemoteFields)
	var missing []any
	seen := map[any]bool{}
	for _, st := range todo {
		k, ok := mapping.FieldsKey(r.LocalFields, st.ptr)
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		if byPK && s.identity.get(identityKey{r.Target, k}) != nil {
			continue
		}
		missing = append(missing, k)
	}
	byKey := map[any]objPtr{}
	if len(missing) > 0 {
		d := s.db.dialect
		head := "SELECT " + qualified(d, "t0", r.Target) + " FROM " + s.db.cache(r.Target).table + " t0 WHERE "
		err := s.inQueryTuples(ctx, r.Target, head, quotedCols(d, "t0", r.RemoteFields), missing, "", func(p objPtr, _ any) {
			if k, ok := mapping.FieldsKey(r.RemoteFields, p); ok && byKey[k] == nil {
				byKey[k] = p
			}
		})
		if err != nil {
			return err
		}
	}
	for _, st := range todo {
		var target objPtr
		if k, ok := mapping.FieldsKey(r.LocalFields, st.ptr); ok {
			if p := byKey[k]; p != nil {
				target = p
			} else if t := s.identity.get(identityKey{r.Target, k}); byPK && t != nil {
				target = t.ptr
			}
		}
		s.setScalar(st, r, target)
	}
	return nil
}
