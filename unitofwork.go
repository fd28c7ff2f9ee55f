package relm

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"sync"
	"unsafe"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// unitOfWork is one flush: it collects the changes among the session's
// objects, orders them by the mapped dependencies and emits them.
//
// The phases, after SQLAlchemy's unitofwork.py / dependency.py:
//  1. cascade: objects reachable through save-update relationships join
//     the session;
//  2. diff: each relationship of each object is compared with its snapshot,
//     giving foreign-key syncs (one-to-many, many-to-one), link-row inserts
//     and deletes (many-to-many), orphans and in-memory reverse updates;
//  3. delete cascade: deleted objects take their delete-cascade children;
//  4. execute, parents first: inserts per table (self-referential rows in
//     waves, rows of a cycle between tables with a post-update), updates of
//     changed columns, one-to-one detaches, link rows, then deletes
//     children first;
//  5. finalize: reverse sides in memory, identity map, snapshots.
type unitOfWork struct {
	s   *Session
	ctx context.Context
	ex  dialect.Executor
	d   dialect.Dialect

	syncOrder []*fkSync
	// childSyncs holds each child's syncs (found through state.syncs), at
	// most one per foreign-key field (see addSync); short lists take their
	// arrays from syncPtrs.
	childSyncs [][]*fkSync
	syncPtrs   []*fkSync
	linkSides  []linkSide
	linkOrder  []linkOp
	syncSlab   []fkSync
	orphans    []*state
	// gen numbers this flush in the marks of the states it inserted or
	// touched (state.fmark); touchedList holds the touched ones.
	gen         uint32
	touchedList []*state
	post        []*fkSync
	detaches    []o2oDetach

	// The objects to add to collections in memory (memAdd): entries of
	// one shared slice (collEnts) naming their collection (collLists,
	// found through the parent's state.colls1 and the relationship's
	// index), rather than a slice per collection that grows by copying;
	// grouped by collection when first read (addsOf).
	collLists   []collList
	collEnts    []collEnt
	collFlat    []unsafe.Pointer
	collRemoves map[collKey]map[unsafe.Pointer]bool
	collOrder   []collKey
	scalarSets  []scalarSet

	// lastSeq is the session's sequence after the cascade: states with a
	// later one were attached while diffing or deleting.
	lastSeq int

	// maxBytes bounds the bytes of one statement's arguments (MySQL's
	// max_allowed_packet), 0 for no bound; read once per flush that needs it.
	maxBytes     int
	maxBytesRead bool
	incrStep     int64 // auto-increment step of this flush (autoIncrementStep), 0 until read

	memo *[memoSize]memoEntry // the diff's cache of states (see tracked)
	// oneStatement says the flush is one statement outside a transaction
	// (see statementDone), which then holds the journal in heldJournal.
	oneStatement bool
	heldJournal  *journal
	// litBuf is the text of the last INSERT of literals, written over
	// by the next one when no logger may have kept it.
	litBuf []byte

	snaps []*arena // where the flush's snapshots come from, one per mapper
	// snap0 is the first of snaps: most flushes snapshot one mapper.
	snap0 arena
	// kept is memory the pooled unit of work passes from one flush to the
	// next (see release).
	kept scratch
	// Where the snapshots of collections come from (see chunkSlice).
	collsChunk [][]unsafe.Pointer
	collChunk  []unsafe.Pointer
}

// fkSync copies a parent's key into a child's foreign-key fields (or NULL).
// The foreign key is r's local columns when r is the child's many-to-one
// (local), its remote columns when r is the parent's one-to-many.
type fkSync struct {
	child      *state
	r          *mapping.Relationship
	parent     *state // nil: set NULL
	priority   int8   // 0 null from a removal, 1 from a collection, 2 from the child's own reference
	local      bool   // the child's fields are r.LocalFields
	postUpdate bool   // written by an UPDATE after the parent's insert (cycle)
}

// fields returns the child's foreign-key fields.
func (sy *fkSync) fields() []*mapping.Field {
	if sy.local {
		return sy.r.LocalFields
	}
	return sy.r.RemoteFields
}

// parentFields returns the parent's key fields the foreign key takes.
func (sy *fkSync) parentFields() []*mapping.Field {
	if sy.local {
		return sy.r.RemoteFields
	}
	return sy.r.LocalFields
}

type syncKey struct {
	child *state
	field *mapping.Field
}

// linkOp is a link row to insert or delete: the many-to-many r that
// reported it, and its two ends in the order of the link table's columns.
// It is kept small (32 bytes): a seed makes one per link row.
type linkOp struct {
	r    *mapping.Relationship
	ends [2]*state
	add  bool
	flip bool // ends are r's remote end, then its local end
	dead bool // cancelled: added on one side, removed on the other
}

// sec returns the link table.
func (op *linkOp) sec() *schema.Table { return op.r.Secondary }

// cols returns the link table's columns of the two ends, in table order.
func (op *linkOp) cols() [2]*schema.Column {
	if op.flip {
		return [2]*schema.Column{op.r.SecondaryRemote[0], op.r.SecondaryLocal[0]}
	}
	return [2]*schema.Column{op.r.SecondaryLocal[0], op.r.SecondaryRemote[0]}
}

// fields returns the fields of the two ends that the columns take.
func (op *linkOp) fields() [2]*mapping.Field {
	if op.flip {
		return [2]*mapping.Field{op.r.RemoteFields[0], op.r.LocalFields[0]}
	}
	return [2]*mapping.Field{op.r.LocalFields[0], op.r.RemoteFields[0]}
}

type linkKey struct {
	sec  *schema.Table
	a, b *state
}

type collKey struct {
	st *state
	r  *mapping.Relationship
}

// scalarSet is an in-memory update of a scalar relationship field, applied
// when the flush succeeded.
type scalarSet struct {
	st     *state
	r      *mapping.Relationship
	target unsafe.Pointer
	only   unsafe.Pointer // when non-nil: set only if the field still holds this

	// cond makes the set depend on which parent won the foreign key of st
	// (key): it applies only if that parent is parent (nil: set NULL).
	// When it does not apply and owner is set, st leaves owner's
	// collection ownerRel, which listed it.
	cond     bool
	key      syncKey
	parent   *state
	owner    *state
	ownerRel *mapping.Relationship
}

// o2oDetach is a one-to-one replaced on a parent whose old child is not
// known (the relationship was never loaded): at flush, rows of the child
// table that still point at the parent, other than the new child, get
// their foreign key set to NULL.
type o2oDetach struct {
	r      *mapping.Relationship // the parent's one-to-one (one-to-many, scalar)
	parent *state
	child  *state
}

func (s *Session) flush(ctx context.Context) error {
	u, all, deleted, err := s.prepareFlush(ctx)
	if err != nil {
		return err
	}
	defer u.release()
	return u.run(all, deleted)
}

// keptLitBuf is the largest literal text buffer a pooled unit of work
// keeps (see unitOfWork.litBuf).
const keptLitBuf = 64 << 10

// uowPool keeps units of work between flushes: a session per request
// flushes once, and the struct is half a kilobyte.
var uowPool = sync.Pool{New: func() any { return new(unitOfWork) }}

// scratch is the memory of a flush that a pooled unit of work keeps for the
// next one when it is small (keptScratch elements): a flush of one object
// then allocates none of it. Its slices hold pointers only while a flush
// runs; release clears them.
type scratch struct {
	states  []*state         // the flush's states (Session.sortedStates)
	touched []*state         // touchedList
	changed []*mapping.Field // an UPDATE's changed fields
	args    []any            // an UPDATE's arguments
	ranked  []*state         // execute's lists of rows by table
	snaps   [1]*arena        // snaps' first array
}

// keptScratch is the longest slice of scratch that release keeps.
const keptScratch = 64

// keep returns xs emptied, with its whole array cleared, when it is short
// enough to keep; else nil.
func keep[T any](xs []T) []T {
	if cap(xs) > keptScratch {
		return nil
	}
	clear(xs[:cap(xs)])
	return xs[:0]
}

// release returns u to the pool, holding nothing but a small text buffer
// and small slices (scratch), once its flush is over.
func (u *unitOfWork) release() {
	buf := u.litBuf
	k := scratch{
		states:  keep(u.kept.states),
		touched: keep(u.touchedList),
		changed: keep(u.kept.changed),
		args:    keep(u.kept.args),
		ranked:  keep(u.kept.ranked),
	}
	*u = unitOfWork{kept: k}
	if cap(buf) <= keptLitBuf {
		// A small text buffer goes on to the next flush: a program that
		// inserts a few rows at a time then allocates none.
		u.litBuf = buf[:0]
	}
	uowPool.Put(u)
}

// prepareFlush runs the phases of a flush that write nothing — cascade,
// diff, delete cascade — and returns the unit of work ready to execute, its
// states and the states to delete. Its executor is the open transaction.
func (s *Session) prepareFlush(ctx context.Context) (*unitOfWork, []*state, []*state, error) {
	u := uowPool.Get().(*unitOfWork)
	*u = unitOfWork{
		s: s, ctx: ctx, ex: s.executor(), d: s.db.dialect, litBuf: u.litBuf,
		kept: u.kept, touchedList: u.kept.touched,
		// Its maps are made on first write: most flushes (one object
		// inserted or updated) need none.
	}
	u.snaps = u.kept.snaps[:0]
	u.gen = s.nextGen()
	all, err := u.cascade()
	u.kept.states = all // cleared and kept by release
	if err != nil {
		return nil, nil, nil, err
	}
	u.lastSeq = s.seq
	if err := u.diff(all); err != nil {
		return nil, nil, nil, err
	}
	deleted, err := u.expandDeletes(all)
	if err != nil {
		return nil, nil, nil, err
	}
	u.dedupeLinks()
	return u, all, deleted, nil
}

// run executes a prepared flush and records its outcome in the session.
func (u *unitOfWork) run(all, deleted []*state) error {
	if j := u.s.journal; j != nil && !u.oneStatement {
		// Every pending object is inserted, and journalled once then
		// (touch, register): size the journal once.
		n := 0
		for _, st := range all {
			if st.status == statusPending {
				n++
			}
		}
		j.fresh = slices.Grow(j.fresh, n)
		j.idents = slices.Grow(j.idents, n)
		j.fields = slices.Grow(j.fields, n+len(u.syncOrder)) // generated keys, foreign keys
	}
	if err := u.execute(all, deleted); err != nil {
		return err
	}
	u.finalize(all, deleted)
	return nil
}

// statementDone is called once a flush's statement succeeded. When the
// flush is that one statement, run without a transaction (Commit after
// single), the database has applied it and nothing can take it back: what
// the session records of the objects from now on (keys, snapshots) is not
// journalled, since no rollback will need it — a commit of one object or
// of one batch saves a copy of each object's state.
func (u *unitOfWork) statementDone() {
	if u.oneStatement && u.s.journal != nil {
		u.heldJournal, u.s.journal = u.s.journal, nil
	}
}

// single reports whether the prepared flush is at most one statement with
// no dependency between its rows — the rows of one table in one INSERT, or
// one UPDATE — which the database applies atomically on its own, so that
// Commit can skip BEGIN and COMMIT (two round trips). It errs on the side
// of false.
func (u *unitOfWork) single(all, deleted []*state) bool {
	if len(deleted) > 0 || len(u.detaches) > 0 || len(u.orphans) > 0 {
		return false
	}
	for i := range u.linkOrder {
		if !u.linkOrder[i].dead {
			return false
		}
	}
	var ins *mapping.Mapper
	nIns, nUpd, nKeyed := 0, 0, 0
	var genField *mapping.Field
	for _, st := range all {
		if u.s.states[st.ptr] != st {
			continue
		}
		switch st.status {
		case statusPending:
			if ins != nil && ins != st.m {
				return false
			}
			if ins == nil {
				if auto := st.m.Table.AutoIncrementColumn(); auto != nil {
					genField = st.m.FieldByColumn(auto.Name)
				}
			}
			ins = st.m
			nIns++
			if dfs := st.m.Defaulted(); len(dfs) > 0 && zeroDefaults(dfs, st) != 0 {
				return false // the defaults are read back: a second statement
			}
			if genField != nil {
				if _, ok := genField.Key(st.ptr); ok {
					nKeyed++ // an explicit value for the generated key
				}
			}
			for _, sy := range u.syncsOf(st) {
				if sy.parent != nil && sy.parent.status != statusPersistent {
					return false // the parent is inserted first
				}
			}
		case statusPersistent:
			if len(u.syncsOf(st)) > 0 {
				return false
			}
			changed, _, err := appendChanged(u.kept.changed[:0], st)
			u.kept.changed = changed
			if err != nil {
				return false // the transaction path reports it
			}
			if len(changed) > 0 {
				nUpd++
			}
		}
	}
	if nIns == 0 {
		return nUpd <= 1
	}
	if nUpd > 0 {
		return false
	}
	if nKeyed > 0 && nKeyed < nIns {
		return false // two INSERTs: with and without the generated key
	}
	gen := genField != nil && nKeyed == 0
	if gen && !u.d.Returning() {
		return false // the keys' step is read on the inserting connection
	}
	if gen && !holdsInt64(genField) {
		// A generated key the field might not hold fails after the
		// INSERT: only a transaction can take that back.
		return false
	}
	cols := len(ins.Fields)
	if gen {
		cols--
	}
	if cols == 0 {
		return nIns == 1
	}
	return nIns*cols <= u.d.MaxParams()
}

// ptrOf returns the object of st, nil for a nil st.
func ptrOf(st *state) unsafe.Pointer {
	if st == nil {
		return nil
	}
	return st.ptr
}

// holdsInt64 reports whether f holds every key a database generates (a
// positive int64) without overflow.
func holdsInt64(f *mapping.Field) bool {
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if f.Type.Implements(scannerType) || reflect.PointerTo(f.Type).Implements(scannerType) {
		return false // it converts itself: who knows
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64:
		return t.Size() == 8
	}
	return false
}

var scannerType = reflect.TypeFor[sql.Scanner]()

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
func placeBySeq(states map[unsafe.Pointer]*state, lo, span int, buf []*state) ([]*state, bool) {
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

// cascade attaches every object reachable through save-update relationships
// and returns all states in arrival order.
func (u *unitOfWork) cascade() ([]*state, error) {
	s := u.s
	work := s.sortedStates(u.kept.states)
	for i := 0; i < len(work); i++ {
		st := work[i]
		if st.status == statusDeleted {
			continue
		}
		for _, r := range st.m.Relationships {
			if !r.HasField {
				continue
			}
			if r.Uselist {
				for i, p := range r.GetSlice(st.ptr) {
					if p == nil {
						return nil, fmt.Errorf("relm: %s.%s[%d] is nil; a collection holds objects only — remove the nil element", st.m.Name(), r.Name, i)
					}
					if s.states[p] == nil {
						cs, err := u.reach(st, r, p, i)
						if err != nil {
							return nil, err
						}
						if cs != nil {
							work = append(work, cs)
						}
					}
				}
			} else if p := r.Get(st.ptr); p != nil && s.states[p] == nil {
				cs, err := u.reach(st, r, p, -1)
				if err != nil {
					return nil, err
				}
				if cs != nil {
					work = append(work, cs)
				}
			}
		}
	}
	return work, nil
}

// reach attaches the object at p, which st's relationship r refers to (at
// index i of a collection, -1 for a scalar) and the session does not hold,
// when r has the save-update cascade. Without it, an existing row is left
// for the diff to attach (its key is all a link row or foreign key needs),
// and a new object is an error: it would not be saved, as SQLAlchemy warns
// ("not in session, add operation along … will not proceed").
func (u *unitOfWork) reach(st *state, r *mapping.Relationship, p unsafe.Pointer, i int) (*state, error) {
	s := u.s
	where := st.m.Name() + "." + r.Name
	if i >= 0 {
		where += "[" + strconv.Itoa(i) + "]"
	}
	if !r.Cascade.SaveUpdate {
		if s.existingRow(r.Target, p) {
			return nil, nil
		}
		return nil, fmt.Errorf("relm: %s holds a new %s that is not in the session, and %s.%s has no save-update cascade, so it would not be saved; Add it to the session, or give the relationship the save-update cascade", where, r.Target.Name(), st.m.Name(), r.Name)
	}
	cs, err := s.attach(r.Target, p, attachCascade)
	if err != nil {
		return nil, fmt.Errorf("%w (reached from %s)", err, where)
	}
	return cs, nil
}

// markTouched records that the flush changed st's row or relationships.
func (u *unitOfWork) markTouched(st *state) {
	if !u.isTouched(st) {
		u.mark(st)
		st.touched = true
		u.touchedList = append(u.touchedList, st)
	}
}

// markInserted records that the flush inserted st's row.
func (u *unitOfWork) markInserted(st *state) {
	u.mark(st)
	st.inserted = true
}

// mark makes st's flags this flush's, clearing those of an earlier one.
func (u *unitOfWork) mark(st *state) {
	if st.fmark != u.gen {
		st.fmark, st.inserted, st.touched, st.syncs, st.colls1 = u.gen, false, false, 0, 0
	}
}

// syncsOf returns st's foreign-key syncs as a child in this flush.
func (u *unitOfWork) syncsOf(st *state) []*fkSync {
	if st.fmark != u.gen || st.syncs == 0 {
		return nil
	}
	return u.childSyncs[st.syncs-1]
}

func (u *unitOfWork) isInserted(st *state) bool { return st.fmark == u.gen && st.inserted }
func (u *unitOfWork) isTouched(st *state) bool  { return st.fmark == u.gen && st.touched }

// addSync records that v.child's foreign key v.fields takes v.parent's key:
// one sync per child and field, the one of highest priority (the latest
// among equals).
func (u *unitOfWork) addSync(v fkSync) {
	list := u.syncsOf(v.child)
	for _, old := range list {
		if old.fields()[0] == v.fields()[0] {
			if old.priority <= v.priority {
				*old = v
			}
			return
		}
	}
	sy := slabAlloc(&u.syncSlab)
	*sy = v
	u.syncOrder = append(u.syncOrder, sy)
	if list == nil {
		// Most children have one or two parents: their lists share
		// arrays rather than take one allocation each.
		if len(u.syncPtrs)+2 > cap(u.syncPtrs) {
			u.syncPtrs = make([]*fkSync, 0, min(max(16, 2*cap(u.syncPtrs)), 2048))
		}
		n := len(u.syncPtrs)
		u.syncPtrs = u.syncPtrs[:n+2]
		list = u.syncPtrs[n : n : n+2]
		u.mark(sy.child)
		u.childSyncs = append(u.childSyncs, nil)
		sy.child.syncs = int32(len(u.childSyncs))
	}
	u.childSyncs[sy.child.syncs-1] = append(list, sy)
}

// syncOf returns the sync of k's child and field, or nil.
func (u *unitOfWork) syncOf(k syncKey) *fkSync {
	for _, sy := range u.syncsOf(k.child) {
		if sy.fields()[0] == k.field {
			return sy
		}
	}
	return nil
}

// stateOf returns the session's state of the object at p, attaching it when
// it is not in the session (reached through a relationship without the
// save-update cascade) so that its key can be read and written.
func (u *unitOfWork) stateOf(m *mapping.Mapper, p unsafe.Pointer) (*state, error) {
	if st := u.tracked(p); st != nil {
		return st, nil
	}
	return u.s.attach(m, p, attachCascade)
}

// tracked returns the session's state of the object at p, nil when it has
// none. While the diff runs, when the flush is large, the answers go
// through a small direct-mapped cache: the diff of a seed looks up the
// same few parents (users, tags) hundreds of thousands of times, and the
// session's map, one entry per object, misses the processor's caches. No
// state leaves the session while the cache is on (the diff only attaches).
func (u *unitOfWork) tracked(p unsafe.Pointer) *state {
	if u.memo == nil {
		return u.s.states[p]
	}
	e := &u.memo[(uintptr(p)>>4)&(memoSize-1)]
	if e.p == p {
		return e.st
	}
	st := u.s.states[p]
	if st != nil {
		e.p, e.st = p, st
	}
	return st
}

// memoSize is the number of entries of the diff's cache (a power of two),
// and memoFrom the number of objects from which a flush uses one.
const (
	memoSize = 1024
	memoFrom = 4096
)

// diff compares each relationship of each live object with its snapshot.
func (u *unitOfWork) diff(all []*state) error {
	if len(all) >= memoFrom {
		u.memo = new([memoSize]memoEntry)
	}
	u.presize(all)
	if err := u.diffAll(all); err != nil {
		return err
	}
	u.memo = nil
	// Orphans: removed from a delete-orphan collection and not given a new
	// parent in this flush.
	return u.dropOrphans()
}

// presize sizes the slices a flush appends to — link rows,
// reverse-collection additions and the objects written — for the new
// objects, their collections and references (each becomes a link row or
// an addition, unless repeated), so that they are allocated once instead
// of copied at each doubling. The changes of persistent objects, usually
// few, grow them as appends do.
func (u *unitOfWork) presize(all []*state) {
	links, adds, children, pending, refs := 0, 0, 0, 0, 0
	for _, st := range all {
		if st.status != statusPending {
			continue
		}
		pending++
		child := false
		for _, r := range st.m.Relationships {
			if !r.HasField {
				continue
			}
			back := r.Reverse != nil && r.Reverse.HasField
			switch {
			case r.Direction == mapping.ManyToMany:
				n := len(r.GetSlice(st.ptr))
				links += n
				if back {
					adds += n
				}
			case r.Direction == mapping.ManyToOne && r.Get(st.ptr) != nil:
				child = true
				refs++
				if back && !r.Uselist {
					adds++
				}
			}
		}
		if child {
			children++
		}
	}
	u.linkOrder = slices.Grow(u.linkOrder, links)
	u.collEnts = slices.Grow(u.collEnts, adds)
	u.touchedList = slices.Grow(u.touchedList, pending) // each is inserted
	u.syncOrder = slices.Grow(u.syncOrder, refs)        // each fills a foreign key
	// New objects that refer to parents are most of the children whose
	// foreign keys the flush writes (an article, of its author and
	// category).
	u.childSyncs = slices.Grow(u.childSyncs, children)
}

// memoEntry is one entry of the diff's cache (see tracked).
type memoEntry struct {
	p  unsafe.Pointer
	st *state
}

// diffAll diffs the relationships of every live object of the flush.
func (u *unitOfWork) diffAll(all []*state) error {
	// Every state of all is in the session: the cascade took them from
	// it or attached them, and nothing has left it since.
	for _, st := range all {
		if st.status == statusDeleted {
			continue
		}
		for _, r := range st.m.Relationships {
			if !r.HasField {
				continue
			}
			var err error
			switch r.Direction {
			case mapping.ManyToOne:
				err = u.diffManyToOne(st, r)
			case mapping.OneToMany:
				err = u.diffOneToMany(st, r)
			case mapping.ManyToMany:
				err = u.diffManyToMany(st, r)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// dropOrphans deletes (or forgets, when never inserted) the objects
// removed from a delete-orphan collection that no other parent took.
func (u *unitOfWork) dropOrphans() error {
	for _, o := range u.orphans {
		reparented := false
		for _, sy := range u.syncsOf(o) {
			if sy.parent != nil {
				reparented = true
			}
		}
		if reparented {
			continue
		}
		switch o.status {
		case statusPersistent:
			u.s.touch(o)
			o.status = statusDeleted
		case statusPending:
			u.s.forget(o)
		}
	}
	return nil
}

// oldParent returns the state of the object a loaded many-to-one referred
// to when it was loaded, found by the foreign key of the snapshot, when
// the session holds it.
func (u *unitOfWork) oldParent(st *state, r *mapping.Relationship) *state {
	if st.snap == nil {
		return nil
	}
	k, ok := r.LocalFields[0].Key(st.snap)
	if !ok {
		return nil
	}
	return u.s.identity.get(identityKey{r.Target, k})
}

func (u *unitOfWork) diffManyToOne(st *state, r *mapping.Relationship) error {
	cur := r.Get(st.ptr)
	var prev unsafe.Pointer
	if st.snap != nil {
		prev = r.Get(st.snap)
	}
	loaded := st.isLoaded(r)
	if cur == prev && !(cur != nil && !loaded) {
		return nil
	}
	var ps *state
	if cur != nil {
		var err error
		if ps, err = u.stateOf(r.Target, cur); err != nil {
			return err
		}
		u.addSync(fkSync{child: st, r: r, local: true, parent: ps, priority: 2})
	} else if loaded || prev != nil {
		u.addSync(fkSync{child: st, r: r, local: true, priority: 2})
	}
	if cur == prev {
		return nil
	}
	u.markTouched(st)
	rr := r.Reverse
	if rr == nil || !rr.HasField {
		return nil
	}
	if ps != nil {
		u.memAdd(ps, rr, st.ptr)
		if !rr.Uselist {
			// One-to-one: the parent's previous child is detached.
			if y := rr.Get(ps.ptr); y != nil && y != st.ptr {
				if ys := u.tracked(y); ys != nil {
					u.addSync(fkSync{child: ys, r: r, local: true, priority: 0})
					u.scalarSets = append(u.scalarSets, scalarSet{st: ys, r: r, only: cur})
					u.markTouched(ys)
				}
			} else if y == nil && ps.status == statusPersistent && !ps.isLoaded(rr) {
				u.detaches = append(u.detaches, o2oDetach{r: rr, parent: ps, child: st})
			}
		}
	}
	// Leave the old parent's collection: the one the snapshot references,
	// or, for a loaded object, the one its foreign key named.
	var old *state
	if prev != nil {
		old = u.tracked(prev)
	} else if !loaded {
		old = u.oldParent(st, r)
	}
	if old != nil && old != ps {
		u.memRemove(old, rr, st.ptr)
	}
	return nil
}

func (u *unitOfWork) diffOneToMany(st *state, r *mapping.Relationship) error {
	var added, removed []unsafe.Pointer
	loaded := st.isLoaded(r)
	rr := r.Reverse
	if rr != nil && !rr.HasField {
		rr = nil
	}
	if r.Uselist {
		added, removed = diffSlices(r.GetSlice(st.ptr), st.coll(r), loaded)
	} else {
		cur := r.Get(st.ptr)
		var prev unsafe.Pointer
		if st.snap != nil {
			prev = r.Get(st.snap)
		}
		if cur == prev && !(cur != nil && !loaded) {
			return nil
		}
		if cur != nil {
			added = []unsafe.Pointer{cur}
		}
		if prev != nil && prev != cur {
			removed = []unsafe.Pointer{prev}
		}
		if cur != prev {
			u.markTouched(st)
			if cur != nil && !loaded && st.status == statusPersistent {
				// The old child may be a row the session never saw.
				cs, err := u.stateOf(r.Target, cur)
				if err != nil {
					return err
				}
				u.detaches = append(u.detaches, o2oDetach{r: r, parent: st, child: cs})
			}
		}
	}
	if len(added) > 0 || len(removed) > 0 {
		u.markTouched(st)
	}
	for _, c := range removed {
		cs := u.tracked(c)
		if cs == nil {
			continue
		}
		if r.Cascade.DeleteOrphan {
			u.orphans = append(u.orphans, cs)
		} else {
			u.addSync(fkSync{child: cs, r: r, priority: 0})
		}
		if rr != nil {
			u.scalarSets = append(u.scalarSets, scalarSet{st: cs, r: rr, only: st.ptr,
				cond: true, key: syncKey{cs, r.RemoteFields[0]}})
		}
	}
	for _, c := range added {
		cs, err := u.stateOf(r.Target, c)
		if err != nil {
			return err
		}
		u.addSync(fkSync{child: cs, r: r, parent: st, priority: 1})
		if rr != nil {
			ss := scalarSet{st: cs, r: rr, target: st.ptr, cond: true, key: syncKey{cs, r.RemoteFields[0]}, parent: st}
			if r.Uselist {
				ss.owner, ss.ownerRel = st, r
			}
			u.scalarSets = append(u.scalarSets, ss)
		}
	}
	return nil
}

func (u *unitOfWork) diffManyToMany(st *state, r *mapping.Relationship) error {
	added, removed := diffSlices(r.GetSlice(st.ptr), st.coll(r), st.isLoaded(r))
	if len(added) > 0 || len(removed) > 0 {
		u.markTouched(st)
	}
	rr := r.Reverse
	if rr != nil && !rr.HasField {
		rr = nil
	}
	for _, c := range added {
		cs, err := u.stateOf(r.Target, c)
		if err != nil {
			return err
		}
		u.link(r, st, cs, true)
		if rr != nil {
			u.memAdd(cs, rr, st.ptr)
		}
	}
	for _, c := range removed {
		cs := u.tracked(c)
		if cs == nil {
			continue
		}
		u.link(r, st, cs, false)
		if rr != nil {
			u.memRemove(cs, rr, st.ptr)
		}
	}
	return nil
}

// link records a link row to insert or delete. A pair that both sides
// report (each side's collection changed) is merged by dedupeLinks once
// the diff is done.
func (u *unitOfWork) link(r *mapping.Relationship, local, remote *state, add bool) {
	op := linkOp{r: r, add: add, ends: [2]*state{local, remote}}
	side := uint8(linkFromFirst)
	if columnIndex(r.Secondary, r.SecondaryLocal[0]) > columnIndex(r.Secondary, r.SecondaryRemote[0]) {
		op.flip = true
		op.ends[0], op.ends[1] = remote, local
		side = linkFromSecond
	}
	if !add {
		side |= linkRemoved
	}
	u.noteLinkSide(r.Secondary, side)
	u.linkOrder = append(u.linkOrder, op)
}

// What a flush's link rows of one link table came from (linkSide.mask).
const (
	linkFromFirst  = 1 << iota // the side whose column comes first
	linkFromSecond             // the other side
	linkRemoved                // a removal
)

// linkSide records, per link table, where its link rows came from: when
// only one side added rows, no pair can be reported twice, and the flush
// needs no set of pairs (350,000 link rows made it the largest map of a
// seed).
type linkSide struct {
	sec  *schema.Table
	mask uint8
}

func (u *unitOfWork) noteLinkSide(sec *schema.Table, side uint8) {
	for i := range u.linkSides {
		if u.linkSides[i].sec == sec {
			u.linkSides[i].mask |= side
			return
		}
	}
	u.linkSides = append(u.linkSides, linkSide{sec, side})
}

// dedupeLinks keeps one link row per pair of the link tables where two
// reports of a pair are possible (both sides changed, or rows were
// removed): a pair added on one side and removed on the other cancels out.
func (u *unitOfWork) dedupeLinks() {
	var check []*schema.Table
	for _, ls := range u.linkSides {
		if ls.mask&(linkFromFirst|linkFromSecond) == linkFromFirst|linkFromSecond || ls.mask&linkRemoved != 0 {
			check = append(check, ls.sec)
		}
	}
	if len(check) == 0 {
		return
	}
	seen := map[linkKey]int{} // index in out
	out := u.linkOrder[:0]
	for _, op := range u.linkOrder {
		if !slices.Contains(check, op.sec()) {
			out = append(out, op)
			continue
		}
		k := linkKey{op.sec(), op.ends[0], op.ends[1]}
		if i, ok := seen[k]; ok {
			if out[i].add != op.add {
				out[i].dead = true // added on one side, removed on the other
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, op)
	}
	clear(u.linkOrder[len(out):])
	u.linkOrder = out
}

// slabAlloc returns a new zero element of *slab, allocating elements in
// arrays of 2, then twice the last, up to 1,024: a flush of 100,000 articles
// records hundreds of thousands of syncs, and a session as many states,
// and one allocation each was the flush's largest cost after the SQL, while
// a small flush or session (one object) should not pay for a large array.
// Elements never move (a full array is left to its pointers).
func slabAlloc[T any](slab *[]T) *T {
	s := *slab
	if len(s) == cap(s) {
		s = make([]T, 0, min(max(2, 2*cap(s)), 1024))
	}
	s = s[:len(s)+1]
	*slab = s
	return &s[len(s)-1]
}

// chunkSlice returns a new zero slice of n elements cut from the array of
// *chunk, allocating arrays as slabAlloc does (16 elements, then twice the
// last, up to 1,024; a longer slice is allocated alone): a flush snapshots
// the collection of every object it inserted, and one allocation each cost
// more than the copy. The slice's capacity is its length, so appending to it
// reallocates rather than overwrite its neighbour.
func chunkSlice[T any](chunk *[]T, n int) []T {
	if n == 0 {
		return nil
	}
	if n > 256 {
		return make([]T, n)
	}
	c := *chunk
	if cap(c)-len(c) < n {
		c = make([]T, 0, max(n, min(max(16, 2*cap(c)), 1024)))
	}
	i := len(c)
	*chunk = c[:i+n]
	return c[i : i+n : i+n]
}

func columnIndex(t *schema.Table, c *schema.Column) int {
	for i, col := range t.Columns {
		if col == c {
			return i
		}
	}
	return -1
}

// diffSlices returns the elements of cur not in prev (each once) and, when
// loaded, the elements of prev not in cur.
func diffSlices(cur, prev []unsafe.Pointer, loaded bool) (added, removed []unsafe.Pointer) {
	if len(prev) == 0 {
		if len(cur) == 0 || len(cur) == 1 && cur[0] != nil {
			return cur, nil
		}
		if len(cur) <= smallSlice {
			return dedupeSmall(cur), nil
		}
		seen := make(map[unsafe.Pointer]struct{}, len(cur))
		for _, p := range cur {
			if _, dup := seen[p]; !dup && p != nil {
				seen[p] = struct{}{}
				added = append(added, p)
			}
		}
		return added, nil
	}
	if len(cur) == len(prev) {
		same := true
		for i := range cur {
			if cur[i] != prev[i] {
				same = false
				break
			}
		}
		if same {
			return nil, nil
		}
	}
	before := make(map[unsafe.Pointer]struct{}, len(prev))
	for _, p := range prev {
		before[p] = struct{}{}
	}
	now := make(map[unsafe.Pointer]struct{}, len(cur))
	for _, p := range cur {
		if p == nil {
			continue
		}
		if _, dup := now[p]; dup {
			continue
		}
		now[p] = struct{}{}
		if _, was := before[p]; !was {
			added = append(added, p)
		}
	}
	if loaded {
		for _, p := range prev {
			if _, still := now[p]; !still {
				removed = append(removed, p)
			}
		}
	}
	return added, removed
}

// smallColl is the length up to which applyColl finds members by scanning
// rather than through a map.
const smallColl = 64

// smallSlice is the length up to which a collection is deduplicated by
// comparing elements pairwise rather than through a map: an article's tags.
const smallSlice = 16

// dedupeSmall returns s without nils and repeated elements, s itself when it
// has neither.
func dedupeSmall(s []unsafe.Pointer) []unsafe.Pointer {
	for i, p := range s {
		if p == nil || slices.Contains(s[:i], p) {
			// s[:i] is clean; s[i] is dropped; filter the rest.
			out := append(make([]unsafe.Pointer, 0, len(s)), s[:i]...)
			for _, q := range s[i+1:] {
				if q != nil && !slices.Contains(out, q) {
					out = append(out, q)
				}
			}
			return out
		}
	}
	return s
}

func (u *unitOfWork) memAdd(st *state, r *mapping.Relationship, p unsafe.Pointer) {
	if st == nil || !st.isLoaded(r) {
		return
	}
	if !r.Uselist {
		u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: r, target: p})
		return
	}
	li := u.collList(st, r)
	if u.collLists[li].n == 0 {
		k := collKey{st, r}
		if _, ok := u.collRemoves[k]; !ok {
			u.collOrder = append(u.collOrder, k)
		}
	}
	u.collEnts = append(u.collEnts, collEnt{p: p, list: li})
	u.collLists[li].n++
}

// collList returns the index in collLists of the objects added to st's
// collection r, making st's lists (one per relationship of its mapper) on
// the first call of the flush: an index kept on the state rather than a
// map entry, looked up for every object added.
func (u *unitOfWork) collList(st *state, r *mapping.Relationship) int32 {
	u.mark(st)
	if st.colls1 == 0 {
		n := len(u.collLists)
		u.collLists = slices.Grow(u.collLists, len(st.m.Relationships))[:n+len(st.m.Relationships)]
		st.colls1 = int32(n) + 1
	}
	return st.colls1 - 1 + int32(r.Index)
}

// added reports whether memAdd added objects to st's collection r.
func (u *unitOfWork) added(st *state, r *mapping.Relationship) (int32, bool) {
	if st.fmark != u.gen || st.colls1 == 0 {
		return 0, false
	}
	li := st.colls1 - 1 + int32(r.Index)
	return li, u.collLists[li].n > 0
}

// collList is the number of objects memAdd added to one collection, and
// where they start in unitOfWork.collFlat once grouped.
type collList struct{ n, start int32 }

// collEnt is one object memAdd added, and the collection it goes to.
type collEnt struct {
	p    unsafe.Pointer
	list int32
}

// addsOf returns, in the order added, the objects memAdd added to k's
// collection. The first call groups every entry by collection, in one pass.
func (u *unitOfWork) addsOf(k collKey) []unsafe.Pointer {
	li, ok := u.added(k.st, k.r)
	if !ok {
		return nil
	}
	if u.collFlat == nil {
		next := make([]int32, len(u.collLists))
		at := int32(0)
		for i := range u.collLists {
			u.collLists[i].start, next[i] = at, at
			at += u.collLists[i].n
		}
		u.collFlat = make([]unsafe.Pointer, len(u.collEnts))
		for _, e := range u.collEnts {
			u.collFlat[next[e.list]] = e.p
			next[e.list]++
		}
		u.collEnts = nil
	}
	l := u.collLists[li]
	return u.collFlat[l.start : l.start+l.n : l.start+l.n]
}

func (u *unitOfWork) memRemove(st *state, r *mapping.Relationship, p unsafe.Pointer) {
	if st == nil || !st.isLoaded(r) {
		return
	}
	if !r.Uselist {
		u.scalarSets = append(u.scalarSets, scalarSet{st: st, r: r, target: nil, only: p})
		return
	}
	k := collKey{st, r}
	if u.collRemoves[k] == nil {
		if _, ok := u.added(st, r); !ok {
			u.collOrder = append(u.collOrder, k)
		}
		if u.collRemoves == nil {
			u.collRemoves = map[collKey]map[unsafe.Pointer]bool{}
		}
		u.collRemoves[k] = map[unsafe.Pointer]bool{}
	}
	u.collRemoves[k][p] = true
}

// expandDeletes follows delete cascades from the deleted objects, loading
// the children of collections the session has not loaded, and returns
// every state to delete.
//
// all is the flush's states in arrival order (from the cascade): every
// object marked deleted is among them, whether by Delete or as an orphan
// during the diff.
func (u *unitOfWork) expandDeletes(all []*state) ([]*state, error) {
	var deleted []*state
	for _, st := range all {
		if st.status == statusDeleted && u.s.states[st.ptr] == st {
			deleted = append(deleted, st)
		}
	}
	if len(deleted) == 0 {
		return nil, nil
	}
	seen := make(map[*state]bool, len(deleted))
	for _, st := range deleted {
		seen[st] = true
	}
	for i := 0; i < len(deleted); i++ {
		st := deleted[i]
		for _, r := range st.m.Relationships {
			if !r.Cascade.Delete || r.Direction == mapping.ManyToMany {
				continue
			}
			var children []unsafe.Pointer
			switch {
			case r.HasField && r.Uselist:
				children = append(children, r.GetSlice(st.ptr)...)
			case r.HasField:
				if p := r.Get(st.ptr); p != nil {
					children = append(children, p)
				}
			default:
				children = append(children, st.sideOf(r)...)
			}
			if r.Direction == mapping.OneToMany && st.key != nil && !st.isLoaded(r) {
				// The rows the session does not know of.
				loaded, err := u.s.loadChildren(u.ctx, r, st)
				if err != nil {
					return nil, err
				}
				children = append(children, loaded...)
			}
			for _, c := range children {
				if c == nil {
					continue
				}
				cs, err := u.stateOf(r.Target, c)
				if err != nil {
					return nil, err
				}
				if seen[cs] {
					continue
				}
				seen[cs] = true
				u.s.touch(cs)
				if cs.status == statusPending {
					u.s.forget(cs)
					continue
				}
				cs.status = statusDeleted
				deleted = append(deleted, cs)
			}
		}
	}
	return deleted, nil
}

// loadChildren selects the rows on the many side of a one-to-many for one
// parent (used when a delete cascade meets an unloaded collection).
func (s *Session) loadChildren(ctx context.Context, r *mapping.Relationship, parent *state) ([]unsafe.Pointer, error) {
	d := s.db.dialect
	c := s.db.cache(r.Target)
	q := c.selectAll + " WHERE " + d.Quote(r.RemoteColumns[0].Name) + " = " + dialect.Placeholder(d, 1)
	return s.load(ctx, r.Target, q, []any{r.LocalFields[0].Value(parent.ptr)})
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
	tables := md.Tables()
	sort.SliceStable(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	pending := map[*schema.Table][]*schema.ForeignKey{}
	for _, t := range tables {
		for _, fk := range t.ForeignKeys() {
			if fk.RefTable != t {
				pending[t] = append(pending[t], fk)
			}
		}
	}
	done := map[*schema.Table]bool{}
	out := make([]*schema.Table, 0, len(tables))
	// reaches reports whether from depends, through pending keys, on to.
	reaches := func(from, to *schema.Table) bool {
		seen := map[*schema.Table]bool{}
		stack := []*schema.Table{from}
		for len(stack) > 0 {
			t := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, fk := range pending[t] {
				n := fk.RefTable
				if done[n] || seen[n] {
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
	for len(out) < len(tables) {
		progressed := false
		for _, t := range tables {
			if done[t] {
				continue
			}
			ready := true
			for _, fk := range pending[t] {
				if !done[fk.RefTable] {
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
		// Every remaining table waits: break a cycle.
		var pick *schema.Table
		var pickKeys []*schema.ForeignKey
		for _, nullableOnly := range []bool{true, false} {
			for _, t := range tables {
				if done[t] || !reaches(t, t) {
					continue
				}
				var cyclic []*schema.ForeignKey
				ok := true
				for _, fk := range pending[t] {
					if done[fk.RefTable] || !reaches(fk.RefTable, t) {
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
					pick, pickKeys = t, cyclic
					break
				}
			}
			if pick != nil {
				break
			}
		}
		if pick == nil {
			return nil, fmt.Errorf("relm: cannot order the tables for a flush") // unreachable: a stuck graph has a cycle
		}
		var keep []*schema.ForeignKey
		for _, fk := range pending[pick] {
			broken := false
			for _, b := range pickKeys {
				if fk == b {
					broken = true
				}
			}
			if !broken {
				keep = append(keep, fk)
			}
		}
		pending[pick] = keep
	}
	return out, nil
}

func (u *unitOfWork) execute(all, deleted []*state) error {
	plan, err := u.s.flushPlan()
	if err != nil {
		return err
	}
	// The new and the changed rows of each table, by the table's rank in
	// the plan.
	n := len(plan.mappers)
	var small [16][]*state
	lists := small[:]
	if 2*n > len(small) {
		lists = make([][]*state, 2*n)
	}
	pending, persistent := lists[:n], lists[n:2*n]
	rankOf := func(st *state) (int, error) {
		r, ok := plan.rank[st.m]
		if !ok {
			return 0, fmt.Errorf("relm: %s is not among the models of the session's registry; register it in the registry the session was made with", st.m.Name())
		}
		return r, nil
	}
	if len(all) <= keptScratch {
		// A few rows: every list cut from one array the unit of work
		// keeps (scratch), sized by a first count.
		var counts [16]int
		if 2*n <= len(counts) {
			total := 0
			for _, st := range all {
				if (st.status == statusPending || st.status == statusPersistent) && u.s.states[st.ptr] == st {
					r, err := rankOf(st)
					if err != nil {
						return err
					}
					if st.status == statusPersistent {
						r += n
					}
					counts[r]++
					total++
				}
			}
			arr := slices.Grow(u.kept.ranked[:0], total)[:total]
			u.kept.ranked = arr
			off := 0
			for i, c := range counts[:2*n] {
				lists[i] = arr[off : off : off+c]
				off += c
			}
		}
	} else {
		// Each table's new rows in one array of the right size.
		counts := make([]int, n)
		for _, st := range all {
			if st.status == statusPending {
				r, err := rankOf(st)
				if err != nil {
					return err
				}
				counts[r]++
			}
		}
		for r, c := range counts {
			if c > 0 {
				pending[r] = make([]*state, 0, c)
			}
		}
	}
	for _, st := range all {
		if st.status != statusPending && st.status != statusPersistent {
			continue
		}
		if u.s.states[st.ptr] != st {
			continue // forgotten during the diff
		}
		r, err := rankOf(st)
		if err != nil {
			return err
		}
		if st.status == statusPending {
			pending[r] = append(pending[r], st)
		} else {
			persistent[r] = append(persistent[r], st)
		}
	}
	// Inserts, parents first.
	for r, m := range plan.mappers {
		if m == nil || len(pending[r]) == 0 {
			continue
		}
		if err := u.insertTable(m, pending[r]); err != nil {
			return err
		}
	}
	// Updates of changed columns, parents first.
	for r, m := range plan.mappers {
		if m == nil {
			continue
		}
		for _, st := range persistent[r] {
			if err := u.applySyncs(st); err != nil {
				return err
			}
			if err := u.update(st); err != nil {
				return err
			}
		}
	}
	// Rows of a cycle, now that every parent has its key.
	for _, sy := range u.post {
		if err := u.postUpdate(sy); err != nil {
			return err
		}
	}
	if err := u.detachOneToOne(); err != nil {
		return err
	}
	if err := u.writeLinks(); err != nil {
		return err
	}
	return u.deleteRows(plan, deleted)
}

// applySyncs copies parents' keys into st's foreign keys.
func (u *unitOfWork) applySyncs(st *state) error {
	for _, sy := range u.syncsOf(st) {
		if sy.child != st || sy.postUpdate {
			continue
		}
		if sy.parent != nil && sy.parent.status == statusDeleted {
			continue
		}
		changed := false
		for i, f := range sy.fields() {
			var v any
			if p := sy.parent; p != nil {
				pf := sy.parentFields()[i]
				var k any
				ok := false
				if p.key != nil && len(p.m.PrimaryKey) == 1 && p.m.PrimaryKey[0] == pf {
					k, ok = p.key, true // its identity key, already boxed
				} else {
					k, ok = pf.Key(p.ptr)
				}
				if !ok {
					return fmt.Errorf("relm: %s.%s refers to a %s that has no key yet; add it to the session (or give the relationship the save-update cascade)", st.m.Name(), f.Name, sy.parent.m.Name())
				}
				v = k
			}
			if cur, ok := f.Key(st.ptr); ok == (v != nil) && (v == nil || cur == v) {
				continue
			}
			if err := u.s.setKey(st, f, v); err != nil {
				return err
			}
			changed = true
		}
		if changed {
			u.markTouched(st)
		}
	}
	return nil
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

func (u *unitOfWork) finalize(all, deleted []*state) {
	s := u.s
	// Deleted objects leave the other side of their relationships.
	for _, st := range deleted {
		u.leaveRelated(st)
	}
	// Reverse sides in memory: scalar fields first (they may take an
	// object out of its old parent's collection), then collections.
	for i := 0; i < len(u.scalarSets); i++ {
		ss := u.scalarSets[i]
		if ss.st == nil || !ss.r.HasField || s.states[ss.st.ptr] != ss.st {
			continue
		}
		if ss.cond {
			if w := u.syncOf(ss.key); w == nil || w.parent != ss.parent {
				if ss.owner != nil {
					u.memRemove(ss.owner, ss.ownerRel, ss.st.ptr)
				}
				continue
			}
		}
		old := ss.r.Get(ss.st.ptr)
		if ss.only != nil && old != ss.only || old == ss.target {
			continue
		}
		s.touch(ss.st)
		s.saveRel(ss.st.ptr, ss.r)
		ss.r.Set(ss.st.ptr, ss.target)
		u.markTouched(ss.st)
		if rr := ss.r.Reverse; old != nil && rr != nil && rr.HasField && ss.r.Direction == mapping.ManyToOne {
			// The child changed parents: it leaves the old one's side.
			u.memRemove(s.states[old], rr, ss.st.ptr)
		}
	}
	for _, k := range u.collOrder {
		u.applyColl(k)
	}
	// A many-to-one the program set on a loaded object, whose foreign key
	// the flush wrote from it, now holds what the database holds.
	for _, sy := range u.syncOrder {
		if st := sy.child; sy.local && sy.priority == 2 && !u.isInserted(st) && !st.isLoaded(sy.r) &&
			s.states[st.ptr] == st && sy.r.HasField && sy.r.Get(st.ptr) == ptrOf(sy.parent) {
			s.touch(st)
			st.setLoaded(sy.r)
		}
	}
	// A one-to-one whose other rows the flush detached holds, in the
	// database, the child whose foreign key the flush gave the parent:
	// the parent's side says so in memory too, and counts as loaded.
	for _, d := range u.detaches {
		if s.states[d.parent.ptr] != d.parent {
			continue
		}
		s.touch(d.parent)
		d.parent.setLoaded(d.r)
		if !d.r.HasField || d.child.status == statusDeleted || d.r.Get(d.parent.ptr) == d.child.ptr {
			continue
		}
		if w := u.syncOf(syncKey{d.child, d.r.RemoteFields[0]}); w != nil && w.parent == d.parent {
			s.saveRel(d.parent.ptr, d.r)
			d.r.Set(d.parent.ptr, d.child.ptr)
			u.markTouched(d.parent)
		}
	}
	for _, st := range deleted {
		s.forget(st)
	}
	// Size each mapper's snapshot arena for its objects in the flush.
	for _, st := range all {
		u.snapArena(st.m).want++
	}
	for _, st := range all {
		if s.states[st.ptr] != st {
			continue
		}
		if u.isInserted(st) || u.isTouched(st) || st.snap == nil {
			s.touch(st)
			if st.status == statusPending {
				st.status = statusPersistent
			}
			u.snapshot(st)
		}
	}
	// Objects touched that were not in the flush's list: attached while
	// diffing or deleting, after the cascade (so with a later sequence).
	for _, st := range u.touchedList {
		if st.seq > u.lastSeq && s.states[st.ptr] == st && st.status == statusPersistent {
			s.touch(st)
			u.snapshot(st)
		}
	}
}

// leaveRelated takes a deleted object out of the reverse side of each of
// its relationships, on the objects it refers to (now or when last
// flushed) whose side the session knows.
func (u *unitOfWork) leaveRelated(st *state) {
	for _, r := range st.m.Relationships {
		rr := r.Reverse
		if !r.HasField || rr == nil || !rr.HasField {
			continue
		}
		var others []unsafe.Pointer
		if r.Uselist {
			others = append(others, r.GetSlice(st.ptr)...)
			others = append(others, st.coll(r)...)
		} else {
			others = append(others, r.Get(st.ptr))
			if st.snap != nil {
				others = append(others, r.Get(st.snap))
			}
		}
		for _, p := range others {
			if o := u.s.states[p]; p != nil && o != nil && o.status != statusDeleted {
				u.memRemove(o, rr, st.ptr)
			}
		}
	}
}

func (u *unitOfWork) applyColl(k collKey) {
	if u.s.states[k.st.ptr] != k.st {
		return
	}
	cur := k.r.GetSlice(k.st.ptr)
	rm := u.collRemoves[k]
	adds := u.addsOf(k)
	if len(cur) == 0 {
		// Nothing to merge with (a new parent's collection): the diff
		// reports each object once per collection — every object's
		// relationships are diffed once, a collection's additions are
		// deduplicated — so the additions are the collection.
		next := make([]unsafe.Pointer, 0, len(adds))
		for _, p := range adds {
			if !rm[p] {
				next = append(next, p)
			}
		}
		if len(next) == 0 {
			return
		}
		u.s.touch(k.st)
		u.s.saveRel(k.st.ptr, k.r)
		k.r.SetSlice(k.st.ptr, next)
		u.markTouched(k.st)
		return
	}
	next := make([]unsafe.Pointer, 0, len(cur)+len(adds))
	// Membership by scanning next while it is short (a user's articles,
	// a tag's articles in a seed), through a map beyond.
	var present map[unsafe.Pointer]struct{}
	if len(cur)+len(adds) > smallColl {
		present = make(map[unsafe.Pointer]struct{}, len(cur)+len(adds))
	}
	has := func(p unsafe.Pointer) bool {
		if present == nil {
			return slices.Contains(next, p)
		}
		_, ok := present[p]
		return ok
	}
	keep := func(p unsafe.Pointer) {
		if present != nil {
			present[p] = struct{}{}
		}
		next = append(next, p)
	}
	changed := false
	for _, p := range cur {
		if rm[p] {
			changed = true
			continue
		}
		keep(p)
	}
	for _, p := range adds {
		if rm[p] || has(p) {
			continue
		}
		keep(p)
		changed = true
	}
	if !changed {
		return
	}
	u.s.touch(k.st)
	u.s.saveRel(k.st.ptr, k.r)
	k.r.SetSlice(k.st.ptr, next)
	u.markTouched(k.st)
}

// snapArena returns the arena of this flush's snapshots of m's objects:
// they are allocated an array at a time, not one by one.
func (u *unitOfWork) snapArena(m *mapping.Mapper) *arena {
	if n := len(u.snaps); n > 0 && u.snaps[n-1].m == m {
		return u.snaps[n-1] // the usual case: objects come by mapper
	}
	for _, a := range u.snaps {
		if a.m == m {
			return a
		}
	}
	a := &u.snap0
	if len(u.snaps) > 0 {
		a = &arena{}
	}
	*a = arena{m: m}
	u.snaps = append(u.snaps, a)
	return a
}

// snapshot records st as flushed: a copy of its struct and of its
// collections. A pending object's relationships were all authoritative, so
// they count as loaded from now on. The snapshot is a new allocation: the
// journal keeps the previous one, which a rollback restores.
func (u *unitOfWork) snapshot(st *state) {
	m := st.m
	st.snap = u.snapArena(m).snapshotOf(m, st.ptr)
	for _, r := range m.Relationships {
		if !r.HasField || !r.Uselist {
			continue
		}
		cur := r.GetSlice(st.ptr)
		if len(cur) == 0 {
			if st.colls != nil {
				st.colls[r.Index] = nil
			}
			continue
		}
		if st.colls == nil {
			st.colls = chunkSlice(&u.collsChunk, len(m.Relationships))
		}
		c := chunkSlice(&u.collChunk, len(cur))
		copy(c, cur)
		st.colls[r.Index] = c
	}
	if u.isInserted(st) {
		st.setAllLoaded()
	}
}
