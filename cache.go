package relm

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// mapperSQL holds the SQL text relm builds once per mapper and dialect.
type mapperSQL struct {
	table      string // quoted table name
	columns    string // quoted, comma-separated column list, in field order
	selectAll  string // SELECT columns FROM table
	selectByPK string // ... WHERE pk = ?
	pkWhere    string // pk1 = ? AND pk2 = ? with placeholders from 1
	// The INSERTs of the mapper's rows: with every column (explicit
	// keys), and without the generated key, read back instead.
	insertAll, insertGen *insertShape
	// update is the last UPDATE written, by the set of columns it
	// changes: a program that saves objects of one type changes the same
	// columns again and again.
	update atomic.Pointer[updateStmt]
}

// updateStmt is the text of an UPDATE of the fields whose indexes are the
// bits of mask.
type updateStmt struct {
	mask uint64
	text string
}

// insertShape is an INSERT of a mapper's rows into some of its columns.
type insertShape struct {
	fields []*mapping.Field
	cols   []*schema.Column
	head   string // INSERT INTO t (a, b) VALUES
	tail   string // RETURNING id, when the key is read back that way
	one    string // the statement for one row: head (?, ?) tail
	// oneBare is one without its RETURNING tail, for a dialect that gives
	// a one-row INSERT's key as the last-insert-id (dialect.OneRowKeyer);
	// "" otherwise.
	oneBare string
	// strCols marks the columns of string fields (mapping.Field.StringValue)
	// when the dialect writes strings as literals from the string itself
	// (dialect.StringInliner); nil when it does not or none is.
	strCols []bool
	// many is the statement for the number of rows last asked of
	// rowsText, which a program inserting batches of one size asks again.
	many atomic.Pointer[rowsStmt]
}

// rowsStmt is the text of an INSERT of n rows.
type rowsStmt struct {
	n    int
	text string
}

// rowsText returns the statement that inserts n rows of the shape, with
// placeholders numbered from 1.
func (sh *insertShape) rowsText(d dialect.Dialect, n int) string {
	if n == 1 {
		return sh.one
	}
	if c := sh.many.Load(); c != nil && c.n == n {
		return c.text
	}
	buf := make([]byte, 0, len(sh.head)+len(sh.tail)+n*len(sh.cols)*7)
	buf = append(buf, sh.head...)
	p := 0
	for i := range n {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, '(')
		for j := range sh.cols {
			if j > 0 {
				buf = append(buf, ", "...)
			}
			p++
			buf = d.AppendPlaceholder(buf, p)
		}
		buf = append(buf, ')')
	}
	buf = append(buf, sh.tail...)
	text := string(buf)
	sh.many.Store(&rowsStmt{n: n, text: text})
	return text
}

// insertHead returns "INSERT INTO table (cols) VALUES ", quoted.
func insertHead(d dialect.Dialect, table string, cols []*schema.Column) string {
	head := []byte("INSERT INTO " + d.Quote(table) + " (")
	for i, c := range cols {
		if i > 0 {
			head = append(head, ", "...)
		}
		head = append(head, d.Quote(c.Name)...)
	}
	return string(append(head, ") VALUES "...))
}

// newInsertShape builds the INSERT of m's fields but skip (nil: all).
func newInsertShape(d dialect.Dialect, m *mapping.Mapper, skip *mapping.Field) *insertShape {
	sh := &insertShape{}
	for _, f := range m.Fields {
		if f != skip {
			sh.fields = append(sh.fields, f)
			sh.cols = append(sh.cols, f.Column)
		}
	}
	if len(sh.cols) == 0 {
		return sh // only a generated key: see insertDefaults
	}
	if _, ok := d.(dialect.StringInliner); ok {
		zero := m.New() // StringValue says what a field is from any object
		for j, f := range sh.fields {
			if _, ok := f.StringValue(zero); ok {
				if sh.strCols == nil {
					sh.strCols = make([]bool, len(sh.fields))
				}
				sh.strCols[j] = true
			}
		}
	}
	sh.head = insertHead(d, m.Table.Name, sh.cols)
	if skip != nil && d.Returning() && !keysEndAtLastID(d) {
		sh.tail = " RETURNING " + d.Quote(skip.Column.Name)
	}
	one := append([]byte(sh.head), '(')
	for i := range sh.cols {
		if i > 0 {
			one = append(one, ", "...)
		}
		one = d.AppendPlaceholder(one, i+1)
	}
	one = append(one, ')')
	sh.one = string(one) + sh.tail
	if rk, _ := d.(dialect.OneRowKeyer); sh.tail != "" && rk != nil && rk.OneRowKeyFromLastInsertID() {
		sh.oneBare = string(one)
	}
	return sh
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
	c.insertAll = newInsertShape(d, m, nil)
	if auto := m.Table.AutoIncrementColumn(); auto != nil {
		c.insertGen = newInsertShape(d, m, m.FieldByColumn(auto.Name))
	}
	db.sqlc.mu.Lock()
	if db.sqlc.m == nil {
		db.sqlc.m = map[*mapping.Mapper]*mapperSQL{}
	}
	db.sqlc.m[m] = c
	db.sqlc.mu.Unlock()
	return c
}
