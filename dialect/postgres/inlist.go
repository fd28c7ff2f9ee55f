package postgres

import "github.com/relmorm/relm/dialect"

var _ dialect.ListBinder = (*Dialect)(nil)

// AppendInList writes expr = ANY($n) and binds the keys as one array.
func (d *Dialect) AppendInList(buf []byte, expr string, n int, keys []any) ([]byte, any, bool) {
	arg, ok := keyArray(keys)
	if !ok {
		return buf, nil, false
	}
	buf = append(buf, expr...)
	buf = append(buf, " = ANY("...)
	buf = d.AppendPlaceholder(buf, n)
	buf = append(buf, ')')
	return buf, arg, true
}

// keyArray turns keys into []int64 or []string (pgx binds both as arrays).
func keyArray(keys []any) (any, bool) {
	if len(keys) == 0 {
		return []int64{}, true
	}
	switch keys[0].(type) {
	case int64:
		out := make([]int64, len(keys))
		for i, k := range keys {
			v, ok := k.(int64)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case string:
		out := make([]string, len(keys))
		for i, k := range keys {
			v, ok := k.(string)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	}
	return nil, false
}
