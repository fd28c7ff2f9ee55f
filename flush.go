package relm

import (
	"context"
	"database/sql"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
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
	collFlat    []objPtr
	collRemoves map[collKey]map[objPtr]bool
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

	// rankLists holds byRank's lists of rows when the plan has few tables.
	rankLists [16][]*state

	snaps []*arena // where the flush's snapshots come from, one per mapper
	// snap0 is the first of snaps: most flushes snapshot one mapper.
	snap0 arena
	// kept is memory the pooled unit of work passes from one flush to the
	// next (see release).
	kept scratch
	// Where the snapshots of collections come from (see chunkSlice).
	collsChunk [][]objPtr
	collChunk  []objPtr

	// hooks records the hooks this flush ran (hooks.go); nil when the
	// session has no hook or listener to run.
	hooks *hookRun

	now time.Time // the flush's time, for softdelete fields (flushTime)

	// nInserted and nUpdated count the rows the flush inserted and
	// updated, for a Tracer (trace.go).
	nInserted, nUpdated int
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
	hooking := s.hooking()
	if hooking {
		// Before the diff, so that what the hooks change is written.
		if all, err = u.beforeHooks(all); err != nil {
			return nil, nil, nil, err
		}
	}
	u.lastSeq = s.seq
	if err := u.diff(all); err != nil {
		return nil, nil, nil, err
	}
	if hooking {
		if err := u.updatedHooks(all); err != nil {
			return nil, nil, nil, err
		}
	}
	deleted, err := u.expandDeletes(all)
	if err != nil {
		return nil, nil, nil, err
	}
	if hooking {
		if err := u.deleteHooks(deleted); err != nil {
			return nil, nil, nil, err
		}
	}
	u.dedupeLinks()
	if err := u.checkLinkWriters(all, deleted); err != nil {
		return nil, nil, nil, err
	}
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
	u.noteFlushStats(len(deleted))
	if err := u.afterHooks(); err != nil {
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
	if !u.onlyRowWrites(deleted) {
		return false
	}
	if u.hooks != nil && u.hooks.after {
		return false // an After hook's error must be able to take it back
	}
	var c singleCount
	for _, st := range all {
		if u.s.states[st.ptr] != st {
			continue
		}
		switch st.status {
		case statusPending:
			if !u.countInsert(&c, st) {
				return false
			}
		case statusPersistent:
			if !u.countUpdate(&c, st) {
				return false
			}
		}
	}
	return c.oneStatement(u.d)
}

// onlyRowWrites reports whether the flush writes nothing but its objects'
// own rows: no DELETE, no SET NULL of a detached or orphaned row, no link
// row.
func (u *unitOfWork) onlyRowWrites(deleted []*state) bool {
	if len(deleted) > 0 || len(u.detaches) > 0 || len(u.orphans) > 0 {
		return false
	}
	for i := range u.linkOrder {
		if !u.linkOrder[i].dead {
			return false
		}
	}
	return true
}

// singleCount is what single counts of a flush's rows.
type singleCount struct {
	ins      *mapping.Mapper // the mapper of the rows inserted
	genField *mapping.Field  // its generated key's field, if any
	nIns     int             // rows inserted
	nUpd     int             // rows updated
	nKeyed   int             // rows inserted with an explicit generated key
}

// countInsert counts st, a pending row, into c, and reports false when the
// flush cannot be one statement: a second table, defaults to read back,
// or a parent inserted first.
func (u *unitOfWork) countInsert(c *singleCount, st *state) bool {
	if c.ins != nil && c.ins != st.m {
		return false
	}
	if c.ins == nil {
		if auto := st.m.Table.AutoIncrementColumn(); auto != nil {
			c.genField = st.m.FieldByColumn(auto.Name)
		}
	}
	c.ins = st.m
	c.nIns++
	if dfs := st.m.Defaulted(); len(dfs) > 0 && zeroDefaults(dfs, st) != 0 {
		return false // the defaults are read back: a second statement
	}
	if c.genField != nil {
		if _, ok := c.genField.Key(st.ptr); ok {
			c.nKeyed++ // an explicit value for the generated key
		}
	}
	for _, sy := range u.syncsOf(st) {
		if sy.parent != nil && sy.parent.status != statusPersistent {
			return false // the parent is inserted first
		}
	}
	return true
}

// countUpdate counts st, a persistent row, into c when it has changed
// columns, and reports false when the flush cannot be one statement: a
// foreign key to sync, or a change the transaction path must report.
func (u *unitOfWork) countUpdate(c *singleCount, st *state) bool {
	if len(u.syncsOf(st)) > 0 {
		return false
	}
	changed, _, err := appendChanged(u.kept.changed[:0], st)
	u.kept.changed = changed
	if err != nil {
		return false // the transaction path reports it
	}
	if len(changed) > 0 {
		c.nUpd++
	}
	return true
}

// oneStatement decides from the counts whether the rows are one statement
// on d: one UPDATE, or INSERTs only, all with or all without the generated
// key, whose keys come back in the statement's result (RETURNING) into a
// field that holds them, within the parameter limit.
func (c *singleCount) oneStatement(d dialect.Dialect) bool {
	if c.nIns == 0 {
		return c.nUpd <= 1
	}
	if c.nUpd > 0 {
		return false
	}
	if c.nKeyed > 0 && c.nKeyed < c.nIns {
		return false // two INSERTs: with and without the generated key
	}
	gen := c.genField != nil && c.nKeyed == 0
	if gen && !d.Returning() {
		return false // the keys' step is read on the inserting connection
	}
	if gen && !holdsInt64(c.genField) {
		// A generated key the field might not hold fails after the
		// INSERT: only a transaction can take that back.
		return false
	}
	cols := len(c.ins.Fields)
	if gen {
		cols--
	}
	if cols == 0 {
		return c.nIns == 1
	}
	return c.nIns*cols <= d.MaxParams()
}

// ptrOf returns the object of st, nil for a nil st.
func ptrOf(st *state) objPtr {
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

func (u *unitOfWork) isInserted(st *state) bool { return st.fmark == u.gen && st.inserted }

func (u *unitOfWork) isTouched(st *state) bool { return st.fmark == u.gen && st.touched }

// execute writes the prepared flush, in SQLAlchemy's order: the new rows of
// each table, parents first; the changed rows; the keys of cycles
// (post-updates); one-to-one detaches; link rows; then the deletes,
// children first.
func (u *unitOfWork) execute(all, deleted []*state) error {
	plan, err := u.s.flushPlan()
	if err != nil {
		return err
	}
	pending, persistent, err := u.byRank(plan, all)
	if err != nil {
		return err
	}
	// Inserts, parents first.
	for r, m := range plan.mappers {
		if m == nil || len(pending[r]) == 0 {
			continue
		}
		if err := u.stampVersions(m, pending[r]); err != nil {
			return err
		}
		if err := u.insertTable(m, pending[r]); err != nil {
			return err
		}
		u.nInserted += len(pending[r])
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

// byRank returns the new and the changed rows of each table, indexed by the
// table's rank in plan. A flush of a few rows cuts every list from one
// array the unit of work keeps (scratch); a larger one gives each table's
// new rows an array of the right size.
func (u *unitOfWork) byRank(plan *flushPlan, all []*state) (pending, persistent [][]*state, err error) {
	n := len(plan.mappers)
	lists := u.rankLists[:]
	if 2*n > len(lists) {
		lists = make([][]*state, 2*n)
	}
	pending, persistent = lists[:n], lists[n:2*n]
	live := func(st *state) bool {
		return (st.status == statusPending || st.status == statusPersistent) && u.s.states[st.ptr] == st // not forgotten during the diff
	}
	if len(all) <= keptScratch && 2*n <= len(u.rankLists) {
		var counts [len(unitOfWork{}.rankLists)]int
		total := 0
		for _, st := range all {
			if live(st) {
				r, err := plan.rankOf(st.m)
				if err != nil {
					return nil, nil, err
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
	} else if len(all) > keptScratch {
		counts := make([]int, n)
		for _, st := range all {
			if st.status == statusPending {
				r, err := plan.rankOf(st.m)
				if err != nil {
					return nil, nil, err
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
		if !live(st) {
			continue
		}
		r, err := plan.rankOf(st.m)
		if err != nil {
			return nil, nil, err
		}
		if st.status == statusPending {
			pending[r] = append(pending[r], st)
		} else {
			persistent[r] = append(persistent[r], st)
		}
	}
	return pending, persistent, nil
}

// finalize records a flush that succeeded in the session: the other side of
// every relationship in memory (memsync.go), the deleted objects gone, and a
// snapshot of every object the flush wrote (snapshot.go).
func (u *unitOfWork) finalize(all, deleted []*state) {
	u.syncMemory(deleted)
	for _, st := range deleted {
		u.s.forget(st)
	}
	u.snapshotFlushed(all)
}
