package sqlite

import (
	"encoding/json"

	"github.com/relmorm/relm/dialect"
)

var _ dialect.ListBinder = (*Dialect)(nil)

// AppendInList writes expr IN (SELECT value FROM json_each(?)) and binds the
// keys as one JSON array.
func (d *Dialect) AppendInList(buf []byte, expr string, n int, keys []any) ([]byte, any, bool) {
	for _, k := range keys {
		switch k.(type) {
		case int64, string:
		default:
			return buf, nil, false
		}
	}
	if keys == nil {
		keys = []any{}
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return buf, nil, false
	}
	buf = append(buf, expr...)
	buf = append(buf, " IN (SELECT value FROM json_each("...)
	buf = d.AppendPlaceholder(buf, n)
	buf = append(buf, "))"...)
	return buf, string(b), true
}
