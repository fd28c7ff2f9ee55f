package relm

import (
	"fmt"
	"log/slog"
	"strings"
	"unsafe"

	"github.com/relmorm/relm/mapping"
)

// warnSeveral logs that a relationship holding one object (a many-to-one,
// or a one-to-many with uselist=false) matched n rows for the parent at p,
// of which the load kept the first — SQLAlchemy's "Multiple rows returned
// with uselist=False" warning. It names the relationship and the join key.
func (s *Session) warnSeveral(r *mapping.Relationship, p unsafe.Pointer, n int) {
	var cond []string
	var key []any
	for i, f := range r.LocalFields {
		k, _ := f.Key(p)
		key = append(key, k)
		cond = append(cond, fmt.Sprintf("%s.%s = %v", r.RemoteColumns[i].Table().Name, r.RemoteColumns[i].Name, k))
	}
	s.db.warn(fmt.Sprintf("relm: %s holds one object, but %d rows match %s; kept the first. "+
		"Make the foreign key unique (a unique index on it) if one row is meant, or declare the field as a collection ([]*%s)",
		r, n, strings.Join(cond, " AND "), r.Target.Name()),
		slog.String("relationship", r.String()), slog.Any("key", keyAttr(key)), slog.Int("rows", n))
}

func keyAttr(key []any) any {
	if len(key) == 1 {
		return key[0]
	}
	return key
}
