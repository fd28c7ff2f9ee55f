package relm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// sortedStates returns the session's states in arrival order. Their
// sequence numbers are distinct and, in the usual session, nearly
// contiguous: each state then goes to its slot by number, in linear time
// and one array; sparse numbers (a long session that let most of its
// objects go) are sorted.
func (s *Session) sortedStates(buf []*state) []*state {
	n := len(s.states)
	if n == 0 {
		return buf[:0]
	}
	lo, hi := math.MaxInt, math.MinInt
	for _, st := range s.states {
		lo, hi = min(lo, st.seq), max(hi, st.seq)
	}
	if span := hi - lo + 1; span > 0 && span <= 2*n {
		if out, ok := placeBySeq(s.states, lo, span, buf); ok {
			return out
		}
	}
	out := slices.Grow(buf[:0], n)
	for _, st := range s.states {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *state) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// placeBySeq returns states, whose sequence numbers lie in lo…lo+span-1, in
// the order of their numbers, each put in its slot of buf (whose elements
// are nil) or of a new array; false if two share a number.
func placeBySeq(states map[objPtr]*state, lo, span int, buf []*state) ([]*state, bool) {
	var slots []*state
	if cap(buf) >= span {
		slots = buf[:span]
	} else {
		slots = make([]*state, span)
	}
	for _, st := range states {
		i := st.seq - lo
		if slots[i] != nil {
			clear(slots)
			return nil, false
		}
		slots[i] = st
	}
	out := slots[:0]
	for _, st := range slots {
		if st != nil {
			out = append(out, st)
		}
	}
	return out, true
}

// flushPlan is what a flush needs of a configured registry: the mappers
// of its tables in flush order (flushOrder; nil for a table without one,
// such as a link table) and each mapper's rank in that order. A DB keeps
// one per registry, made again when the registry's Version changes.
type flushPlan struct {
	version uint64
	mappers []*mapping.Mapper
	rank    map[*mapping.Mapper]int
}

// rankOf returns m's rank in the plan: its table's place in the flush
// order.
func (p *flushPlan) rankOf(m *mapping.Mapper) (int, error) {
	r, ok := p.rank[m]
	if !ok {
		return 0, fmt.Errorf("relm: %s is not among the models of the session's registry; register it in the registry the session was made with", m.Name())
	}
	return r, nil
}

// flushPlan returns the plan of s's registry, which s.check configured.
func (s *Session) flushPlan() (*flushPlan, error) {
	reg := s.reg
	v := reg.Version()
	if p, ok := s.db.plans.Load(reg); ok && p.(*flushPlan).version == v {
		return p.(*flushPlan), nil
	}
	tables, err := flushOrder(reg.MetaData())
	if err != nil {
		return nil, err
	}
	byTable := map[*schema.Table]*mapping.Mapper{}
	for _, m := range reg.Mappers() {
		byTable[m.Table] = m
	}
	p := &flushPlan{version: v, mappers: make([]*mapping.Mapper, len(tables)), rank: map[*mapping.Mapper]int{}}
	for i, t := range tables {
		if m := byTable[t]; m != nil {
			p.mappers[i], p.rank[m] = m, i
		}
	}
	s.db.plans.Store(reg, p)
	return p, nil
}

// flushOrder returns the tables in the order their rows are inserted: each
// after the tables its foreign keys refer to (self-references aside, which
// the flush handles in waves). A cycle between tables is broken at a table
// of the cycle whose foreign keys into it are all nullable — such a key can
// be written by an UPDATE once both rows exist (a post-update) — the first
// by name; when every key of a cycle is NOT NULL it is broken all the same,
// and a flush whose rows need that refuses them with an error.
func flushOrder(md *schema.MetaData) ([]*schema.Table, error) {
	if err := md.Resolve(); err != nil {
		return nil, err
	}
	o := newTableOrder(md)
	for len(o.out) < len(o.tables) {
		if o.takeReady() {
			continue
		}
		// Every remaining table waits: break a cycle.
		pick, keys := o.cycleToBreak()
		if pick == nil {
			return nil, fmt.Errorf("relm: cannot order the tables for a flush") // unreachable: a stuck graph has a cycle
		}
		o.breakKeys(pick, keys)
	}
	return o.out, nil
}

// tableOrder is flushOrder's work: the tables by name, the foreign keys
// each still waits on, and the tables placed so far.
type tableOrder struct {
	tables  []*schema.Table
	pending map[*schema.Table][]*schema.ForeignKey // the keys to other tables not yet satisfied or broken
	done    map[*schema.Table]bool
	out     []*schema.Table
}

// newTableOrder starts the order of md's tables, sorted by name so that
// ties and cycle breaks do not depend on declaration order.
func newTableOrder(md *schema.MetaData) *tableOrder {
	tables := md.Tables()
	sort.SliceStable(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	o := &tableOrder{tables: tables, pending: map[*schema.Table][]*schema.ForeignKey{},
		done: map[*schema.Table]bool{}, out: make([]*schema.Table, 0, len(tables))}
	for _, t := range tables {
		for _, fk := range t.ForeignKeys() {
			if fk.RefTable != t {
				o.pending[t] = append(o.pending[t], fk)
			}
		}
	}
	return o
}

// takeReady places, in name order, every table whose pending keys all
// refer to placed tables, and reports whether it placed any.
func (o *tableOrder) takeReady() bool {
	progressed := false
	for _, t := range o.tables {
		if o.done[t] {
			continue
		}
		ready := true
		for _, fk := range o.pending[t] {
			if !o.done[fk.RefTable] {
				ready = false
				break
			}
		}
		if ready {
			o.done[t] = true
			o.out = append(o.out, t)
			progressed = true
		}
	}
	return progressed
}

// reaches reports whether from depends, through pending keys, on to.
func (o *tableOrder) reaches(from, to *schema.Table) bool {
	seen := map[*schema.Table]bool{}
	stack := []*schema.Table{from}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, fk := range o.pending[t] {
			n := fk.RefTable
			if o.done[n] || seen[n] {
				continue
			}
			if n == to {
				return true
			}
			seen[n] = true
			stack = append(stack, n)
		}
	}
	return false
}

// cycleToBreak decides where a cycle is broken: the first table by name on
// a cycle whose keys into the cycle are all nullable, else the first on a
// cycle at all. It returns the table and those keys, which post-updates
// will write; nil when no table is on a cycle.
func (o *tableOrder) cycleToBreak() (*schema.Table, []*schema.ForeignKey) {
	for _, nullableOnly := range []bool{true, false} {
		for _, t := range o.tables {
			if o.done[t] || !o.reaches(t, t) {
				continue
			}
			var cyclic []*schema.ForeignKey
			ok := true
			for _, fk := range o.pending[t] {
				if o.done[fk.RefTable] || !o.reaches(fk.RefTable, t) {
					continue
				}
				cyclic = append(cyclic, fk)
				for _, c := range fk.Columns {
					if c.NotNull || c.PrimaryKey {
						ok = false
					}
				}
			}
			if len(cyclic) > 0 && (ok || !nullableOnly) {
				return t, cyclic
			}
		}
	}
	return nil, nil
}

// breakKeys stops pick waiting on the keys of broken.
func (o *tableOrder) breakKeys(pick *schema.Table, broken []*schema.ForeignKey) {
	var keep []*schema.ForeignKey
	for _, fk := range o.pending[pick] {
		isBroken := false
		for _, b := range broken {
			if fk == b {
				isBroken = true
			}
		}
		if !isBroken {
			keep = append(keep, fk)
		}
	}
	o.pending[pick] = keep
}

// waitsFor reports whether st has a foreign key to a row not inserted yet,
// of its own table (same) or of another (other).
func (u *unitOfWork) waitsFor(st *state) (same bool, other *fkSync) {
	for _, sy := range u.syncsOf(st) {
		if sy.child != st || sy.parent == nil || sy.postUpdate {
			continue
		}
		p := sy.parent
		if p.status == statusPending && !u.isInserted(p) {
			if p.m == st.m {
				same = true
			} else {
				other = sy
			}
		}
	}
	return same, other
}

func (u *unitOfWork) insertTable(m *mapping.Mapper, rows []*state) error {
	remaining := rows
	for len(remaining) > 0 {
		var wait []*state
		ready := make([]*state, 0, len(remaining)) // the usual case: all
		for _, st := range remaining {
			same, other := u.waitsFor(st)
			for other != nil {
				// The parent's table comes later: a cycle between tables.
				// Insert with NULL and write the key once the parent exists.
				if err := u.deferSync(other); err != nil {
					return err
				}
				_, other = u.waitsFor(st)
			}
			if same {
				wait = append(wait, st)
			} else {
				ready = append(ready, st)
			}
		}
		if len(ready) == 0 {
			// Rows of one table referring to each other in a cycle.
			for _, st := range wait {
				for _, sy := range u.syncsOf(st) {
					if sy.child == st && sy.parent != nil && sy.parent.m == m && !sy.postUpdate &&
						sy.parent.status == statusPending && !u.isInserted(sy.parent) {
						if err := u.deferSync(sy); err != nil {
							return err
						}
					}
				}
			}
			ready, wait = wait, nil
		}
		for _, st := range ready {
			if err := u.applySyncs(st); err != nil {
				return err
			}
		}
		if err := u.insertRows(m, ready); err != nil {
			return err
		}
		remaining = wait
	}
	return nil
}

func (u *unitOfWork) deferSync(sy *fkSync) error {
	for _, f := range sy.fields() {
		if f.Column.NotNull {
			return fmt.Errorf("relm: %s.%s and %s.%s refer to each other in a cycle, and %s.%s is NOT NULL, so neither row can be inserted first; make that column nullable so that relm can insert the row first and set the key after (post-update), or save one side in an earlier flush",
				sy.child.m.Name(), f.Name, sy.parent.m.Name(), sy.parentFields()[0].Name, sy.child.m.Table.Name, f.Column.Name)
		}
		if err := u.s.setKey(sy.child, f, nil); err != nil {
			return err
		}
	}
	sy.postUpdate = true
	u.post = append(u.post, sy)
	return nil
}
