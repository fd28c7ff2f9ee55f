package relm

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// rowIn returns the statements head + `(c1, c2) IN ((?, ?), …)` + tail for
// tuples of several columns: flat holds the tuples' values one after the
// other, len(exprs) per tuple; exprs are the already quoted column
// references. Row values are accepted by SQLite (3.15+), PostgreSQL and
// MariaDB alike; the tuples are chunked so that no statement binds more
// than the dialect's MaxParams. lead, when given, are arguments bound
// before the tuples' (placeholders numbered from 1 in head).
func rowIn(d dialect.Dialect, head string, exprs []string, flat []any, tail string, lead ...any) []stmt {
	w := len(exprs)
	per := max(1, (d.MaxParams()-len(lead))/w) * w
	var out []stmt
	for start := 0; start < len(flat); start += per {
		chunk := flat[start:min(start+per, len(flat))]
		buf := append([]byte(nil), head...)
		buf = appendRowIn(d, buf, exprs, len(chunk)/w, len(lead)+1)
		buf = append(buf, tail...)
		args := chunk
		if len(lead) > 0 {
			args = append(lead[:len(lead):len(lead)], chunk...)
		}
		out = append(out, stmt{sql: string(buf), args: args})
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
		head := s.softHead("SELECT "+qualified(d, "t0", r.Target)+" FROM "+s.db.cache(r.Target).table+" t0 WHERE ", r.Target, "t0")
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

// linkColumns returns the link table's columns of both ends of op (in op's
// order, ends[0] first), and the fields of the ends they take.
func (op *linkOp) linkColumns() ([]*schema.Column, []*mapping.Field) {
	r := op.r
	first, second := r.SecondaryLocal, r.SecondaryRemote
	ff, sf := r.LocalFields, r.RemoteFields
	if op.flip {
		first, second, ff, sf = second, first, sf, ff
	}
	return append(append([]*schema.Column(nil), first...), second...), append(append([]*mapping.Field(nil), ff...), sf...)
}

// linkValues appends the values op's link row holds, in linkColumns order.
func (op *linkOp) linkValues(out []any) ([]any, error) {
	r := op.r
	ff, sf := r.LocalFields, r.RemoteFields
	if op.flip {
		ff, sf = sf, ff
	}
	for i, fields := range [2][]*mapping.Field{ff, sf} {
		if _, ok := mapping.FieldsKey(fields, op.ends[i].ptr); !ok {
			return nil, fmt.Errorf("relm: a %s link row refers to a %s that has no key; add it to the session (or give the relationship the save-update cascade)", op.sec().Name, op.ends[i].m.Name())
		}
		out = keyValues(fields, op.ends[i].ptr, out)
	}
	return out, nil
}

// writeCompositeLinks writes the link rows of link tables that reference a
// composite key: per table, the removed rows by row values over all its
// columns, `DELETE … WHERE (a, b, c) IN ((…), …)`, then the added ones as
// one batch.
func (u *unitOfWork) writeCompositeLinks(ops []*linkOp) error {
	for _, add := range []bool{false, true} {
		var tables []*schema.Table
		byTable := map[*schema.Table][]*linkOp{}
		for _, op := range ops {
			if op.add != add {
				continue
			}
			if byTable[op.sec()] == nil {
				tables = append(tables, op.sec())
			}
			byTable[op.sec()] = append(byTable[op.sec()], op)
		}
		for _, t := range tables {
			if err := u.writeCompositeGroup(t, byTable[t], add); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeCompositeGroup inserts or deletes the link rows of one table.
func (u *unitOfWork) writeCompositeGroup(t *schema.Table, ops []*linkOp, add bool) error {
	cols, _ := ops[0].linkColumns()
	rows := make([][]any, len(ops))
	for i, op := range ops {
		if c, _ := op.linkColumns(); !slices.Equal(c, cols) {
			return fmt.Errorf("relm: link rows of %s written by two relationships with their columns in another order", t.Name)
		}
		v, err := op.linkValues(make([]any, 0, len(cols)))
		if err != nil {
			return err
		}
		rows[i] = v
	}
	if !add {
		flat := make([]any, 0, len(rows)*len(cols))
		for _, r := range rows {
			flat = append(flat, r...)
		}
		exprs := make([]string, len(cols))
		for i, c := range cols {
			exprs[i] = u.d.Quote(c.Name)
		}
		for _, q := range rowIn(u.d, "DELETE FROM "+u.d.Quote(t.Name)+" WHERE ", exprs, flat, "") {
			if _, err := execStmt(u.ctx, u.ex, q.sql, q.args); err != nil {
				return &StatementError{Op: "link delete", Type: t.Name, SQL: q.sql, Err: err}
			}
		}
		return nil
	}
	return u.insertBatch(&batch{
		table: t, cols: cols, n: len(rows),
		row: func(i int, dst []any) { copy(dst, rows[i]) },
		fail: func(_, _ int, query string, err error) error {
			return &StatementError{Op: "link insert", Type: t.Name, SQL: query, Err: err}
		},
	})
}

// appendOn appends `a.x = b.y AND …` pairing the columns of left (under
// alias a) with those of right (under alias b), in order.
func appendOn(buf []byte, d dialect.Dialect, a string, left []*schema.Column, b string, right []*schema.Column) []byte {
	for i := range left {
		if i > 0 {
			buf = append(buf, " AND "...)
		}
		buf = append(append(append(buf, a...), '.'), d.Quote(left[i].Name)...)
		buf = append(append(append(append(buf, " = "...), b...), '.'), d.Quote(right[i].Name)...)
	}
	return buf
}

// loadManyToManyComposite is loadCollection for a many-to-many whose link
// table references a composite key on either side: SELECT s.l1, s.l2,
// t0.* FROM target t0 JOIN link s ON t0.a = s.r1 AND … WHERE (s.l1, s.l2)
// IN ((?, ?), …), the link's columns of the parent's side read as its key.
func (s *Session) loadManyToManyComposite(ctx context.Context, r *mapping.Relationship, todo []*state, order string) error {
	d := s.db.dialect
	leads := make([]string, len(r.SecondaryLocal))
	for i, c := range r.SecondaryLocal {
		leads[i] = "s." + d.Quote(c.Name)
	}
	head := []byte("SELECT ")
	for _, l := range leads {
		head = append(append(head, l...), ", "...)
	}
	head = append(head, qualified(d, "t0", r.Target)+" FROM "+s.db.cache(r.Target).table+" t0 JOIN "+d.Quote(r.Secondary.Name)+" s ON "...)
	head = appendOn(head, d, "t0", r.RemoteColumns, "s", r.SecondaryRemote)
	head = []byte(s.softHead(string(head)+" WHERE ", r.Target, "t0"))
	query := func(keys []any, yield func(objPtr, any)) error {
		flat := make([]any, 0, len(keys)*len(leads))
		for _, k := range keys {
			if t, ok := k.(mapping.KeyTuple); ok {
				for i := 0; i < t.Len(); i++ {
					flat = append(flat, t.At(i))
				}
			} else {
				flat = append(flat, k)
			}
		}
		for _, q := range rowIn(d, string(head), leads, flat, order) {
			if err := s.inRowsLeads(ctx, r.Target, q.sql, q.args, r.LocalFields, yield); err != nil {
				return err
			}
		}
		return nil
	}
	return loadCollectionBy(s, r, todo, query,
		func(p objPtr) (any, bool) { return mapping.FieldsKey(r.LocalFields, p) },
		func(_ objPtr, link any) (any, bool) { return link, link != nil }, nil)
}

// inRowsLeads is inRows for rows led by the key columns of the fields
// keyed (a link table's columns of the parent's side), yielded as one key
// normalised as those fields' Key would give it: the value for one column,
// a mapping.KeyTuple for several.
func (s *Session) inRowsLeads(ctx context.Context, m *mapping.Mapper, query string, args []any, keyed []*mapping.Field, yield func(objPtr, any)) error {
	n := len(keyed)
	dest := make([]any, n+len(m.Fields))
	cells := make([]rawCell, n)
	vals := make([]any, n)
	err := queryRows(ctx, s.executor(), query, args, func(rows dialect.Rows) error {
		sd := newScanDests(m.Fields, rows)
		for rows.Next() {
			p := m.New()
			for i := range cells {
				dest[i] = &cells[i]
			}
			sd.set(dest[n:], m.Fields, p)
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			obj, err := s.adopt(m, p)
			if err != nil {
				return err
			}
			for i := range cells {
				vals[i] = leadKey(keyed[i], cells[i].src)
			}
			if n == 1 {
				yield(obj, vals[0])
			} else {
				yield(obj, mapping.NewKeyTuple(vals...))
			}
		}
		return nil
	})
	if err != nil {
		return &StatementError{Op: "select", Type: m.Name(), SQL: query, Err: err}
	}
	return nil
}

// leadKey normalises a key column's value read raw as f's Key gives it: an
// integer key sent as text (MySQL's text protocol) is parsed.
func leadKey(f *mapping.Field, v any) any {
	v = mapping.NormalizeKey(v)
	if sv, ok := v.(string); ok && isIntField(f) {
		if n, err := strconv.ParseInt(sv, 10, 64); err == nil {
			return n
		}
	}
	return v
}
