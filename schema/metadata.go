package schema

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrDuplicateTable is returned (wrapped) when two tables share a name.
var ErrDuplicateTable = errors.New("schema: duplicate table")

// MetaData is a named collection of tables, like SQLAlchemy's MetaData.
// It is not safe for concurrent mutation; build it, then share it read-only.
type MetaData struct {
	tables   map[string]*Table
	order    []*Table // insertion order
	resolved bool
	sorted   []*Table
	cyclic   map[*ForeignKey]bool
}

// NewMetaData returns an empty collection.
func NewMetaData() *MetaData {
	return &MetaData{tables: map[string]*Table{}}
}

// Add validates t and adds it. Foreign keys may name tables that are added
// later; they are resolved by Resolve.
func (md *MetaData) Add(t *Table) error {
	if t == nil {
		return errors.New("schema: Add called with a nil table")
	}
	if old, dup := md.tables[t.Name]; dup {
		if old == t {
			return nil
		}
		return fmt.Errorf("%w: two tables are named %q; rename one of them", ErrDuplicateTable, t.Name)
	}
	if err := t.prepare(); err != nil {
		return err
	}
	t.metadata = md
	md.tables[t.Name] = t
	md.order = append(md.order, t)
	md.resolved = false
	return nil
}

// matchKeyWidths gives each integer foreign-key column the integer type of
// the column it references (INTEGER or BIGINT), following chains of
// references: MySQL and MariaDB refuse a foreign key whose integer width
// differs from the key's ("Foreign key constraint is incorrectly formed"),
// and the values such a column holds are the key's anyway. A link table
// declared with schema.Integer that references a Go int key (BIGINT) so
// gets BIGINT, as a SQLAlchemy Column(ForeignKey(...)) without a type
// takes the referenced column's.
func (md *MetaData) matchKeyWidths() {
	for changed, rounds := true, 0; changed && rounds <= len(md.order); rounds++ {
		changed = false
		for _, t := range md.order {
			for _, fk := range t.foreignKeys {
				for i, c := range fk.Columns {
					rc := fk.RefColumns[i]
					if c.Type.IsInteger() && rc.Type.IsInteger() && c.Type != rc.Type {
						c.Type = rc.Type
						changed = true
					}
				}
			}
		}
	}
}

// Table returns the table called name, or nil.
func (md *MetaData) Table(name string) *Table { return md.tables[name] }

// Tables returns the tables in the order they were added.
func (md *MetaData) Tables() []*Table { return append([]*Table(nil), md.order...) }

// Names returns the table names in the order they were added.
func (md *MetaData) Names() []string {
	names := make([]string, len(md.order))
	for i, t := range md.order {
		names[i] = t.Name
	}
	return names
}

// Resolve resolves every foreign key and computes the dependency order. It is
// idempotent and cheap once done.
func (md *MetaData) Resolve() error {
	if md.resolved {
		return nil
	}
	for _, t := range md.order {
		if err := t.resolve(md); err != nil {
			return err
		}
	}
	md.matchKeyWidths()
	md.sorted, md.cyclic = sortTables(md.order)
	md.resolved = true
	return nil
}

// Sorted returns the tables parents first: a table comes after every table
// its foreign keys reference, except along a cycle (see CyclicForeignKey).
// Ties keep the order in which tables were added... sorted by name, so the
// order is stable whatever order the program declared them in.
func (md *MetaData) Sorted() ([]*Table, error) {
	if err := md.Resolve(); err != nil {
		return nil, err
	}
	return append([]*Table(nil), md.sorted...), nil
}

// CyclicForeignKey reports whether fk closes a cycle between tables and must
// therefore be added with ALTER TABLE after both tables exist. A
// self-reference is not a cycle.
func (md *MetaData) CyclicForeignKey(fk *ForeignKey) bool { return md.cyclic[fk] }

// sortTables is a deterministic topological sort (Kahn's algorithm with a
// name-ordered ready set). Foreign keys that would close a cycle are set
// aside and reported.
func sortTables(tables []*Table) ([]*Table, map[*ForeignKey]bool) {
	byName := make([]*Table, len(tables))
	copy(byName, tables)
	sort.SliceStable(byName, func(i, j int) bool { return byName[i].Name < byName[j].Name })

	deps := map[*Table]map[*Table]bool{}
	for _, t := range byName {
		deps[t] = map[*Table]bool{}
		for _, fk := range t.foreignKeys {
			if fk.RefTable != t {
				deps[t][fk.RefTable] = true
			}
		}
	}
	cyclic := map[*ForeignKey]bool{}
	var out []*Table
	done := map[*Table]bool{}
	for len(out) < len(byName) {
		progressed := false
		for _, t := range byName {
			if done[t] {
				continue
			}
			ready := true
			for d := range deps[t] {
				if !done[d] {
					ready = false
					break
				}
			}
			if ready {
				done[t] = true
				out = append(out, t)
				progressed = true
			}
		}
		if progressed {
			continue
		}
		// A cycle: break it at the first remaining table (by name) by
		// deferring its foreign keys to tables not yet created.
		for _, t := range byName {
			if done[t] {
				continue
			}
			for _, fk := range t.foreignKeys {
				if fk.RefTable != t && !done[fk.RefTable] {
					cyclic[fk] = true
					delete(deps[t], fk.RefTable)
				}
			}
			break
		}
	}
	return out, cyclic
}

// ValidateIdentifier checks that name can be used as a table, column or index
// name: non-empty, at most 63 bytes (PostgreSQL's limit), valid UTF-8 with no
// NUL, quote or control characters. Reserved words are fine: dialects quote
// every identifier.
func ValidateIdentifier(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if len(name) > 63 {
		return fmt.Errorf("name %q is %d bytes long; the limit is 63", name, len(name))
	}
	for _, r := range name {
		if r == '"' || r == '`' || r == '\'' || r < 0x20 || r == 0x7f || r == 0xfffd {
			return fmt.Errorf("name %q contains %q, which relm does not accept in identifiers", name, r)
		}
	}
	return nil
}

// ValidateDefault checks that s is an SQL literal relm accepts as a DEFAULT:
// an integer or decimal number, a single-quoted string (quotes doubled inside),
// TRUE, FALSE, NULL or CURRENT_TIMESTAMP.
func ValidateDefault(s string) error {
	switch strings.ToUpper(s) {
	case "TRUE", "FALSE", "NULL", "CURRENT_TIMESTAMP":
		return nil
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		inner := s[1 : len(s)-1]
		if strings.Count(inner, "'")%2 == 0 && !strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") && !strings.ContainsRune(inner, 0) {
			return nil
		}
	}
	if isNumber(s) {
		return nil
	}
	return fmt.Errorf("default %q is not a literal relm accepts: use a number, a 'quoted string', true, false, null or current_timestamp", s)
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	digits, dot := 0, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// suggest returns ` (did you mean "x"?)` for the candidate nearest to name,
// or "" when none is near.
func suggest(name string, candidates []string) string {
	if best := Nearest(name, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// Nearest returns the candidate closest to name by edit distance when it is
// close enough to be a plausible typo, else "".
func Nearest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(name)/3) {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
