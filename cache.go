package relm

import (
	"strings"
	"sync"

	"github.com/relmorm/relm/mapping"
)

// mapperSQL holds the SQL text relm builds once per mapper and dialect.
type mapperSQL struct {
	table      string // quoted table name
	columns    string // quoted, comma-separated column list, in field order
	selectAll  string // SELECT columns FROM table
	selectByPK string // ... WHERE pk = ?
	pkWhere    string // pk1 = ? AND pk2 = ? with placeholders from 1
}

type sqlCache struct {
	mu sync.RWMutex
	m  map[*mapping.Mapper]*mapperSQL
}

// cache returns the SQL text of m on this DB's dialect, building it once.
func (db *DB) cache(m *mapping.Mapper) *mapperSQL {
	db.sqlc.mu.RLock()
	c := db.sqlc.m[m]
	db.sqlc.mu.RUnlock()
	if c != nil {
		return c
	}
	d := db.dialect
	c = &mapperSQL{table: d.Quote(m.Table.Name)}
	cols := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		cols[i] = d.Quote(f.Column.Name)
	}
	c.columns = strings.Join(cols, ", ")
	c.selectAll = "SELECT " + c.columns + " FROM " + c.table
	var where []byte
	for i, f := range m.PrimaryKey {
		if i > 0 {
			where = append(where, " AND "...)
		}
		where = append(where, d.Quote(f.Column.Name)...)
		where = append(where, " = "...)
		where = d.AppendPlaceholder(where, i+1)
	}
	c.pkWhere = string(where)
	c.selectByPK = c.selectAll + " WHERE " + c.pkWhere
	db.sqlc.mu.Lock()
	if db.sqlc.m == nil {
		db.sqlc.m = map[*mapping.Mapper]*mapperSQL{}
	}
	db.sqlc.m[m] = c
	db.sqlc.mu.Unlock()
	return c
}
