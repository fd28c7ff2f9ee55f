package relm

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/relmorm/relm/mapping"
)

// The hooks: optional methods of a model, SQLAlchemy's mapper events
// (before_insert, after_insert, …, load) and GORM's hooks. Each is declared
// on the model's pointer type, takes the context of the call that runs it
// and the session, and is found once per model when it is mapped (a
// method with a hook's name but another signature, or on a value receiver,
// is a mapping error), so a model without hooks costs nothing.
//
// Before hooks run at the start of a flush, before relm compares the
// objects with what it last read: what a BeforeInsert or BeforeUpdate sets
// — a column (UpdatedAt), a relationship, an object added to the session —
// is written by the same flush. An error from a Before hook aborts the
// flush before anything is written: the transaction rolls back, and the
// error, wrapped with the model and key, is returned by Flush or Commit.
// After hooks run once the flush's statements succeeded, inside its
// transaction (before COMMIT); an error from one rolls the flush back too.
// Each hook runs once per object per flush, in the flush's order: inserts
// table by table, parents first; then updates; deletes children first.
//
// Inside a hook, the session may be used for queries (Get, Select) and
// Add; Flush, Commit, Rollback and Close return ErrInHook.
type (
	// BeforeInserter is a model with a BeforeInsert hook, run before the
	// flush that inserts the object.
	BeforeInserter interface {
		BeforeInsert(ctx context.Context, s *Session) error
	}
	// AfterInserter is a model with an AfterInsert hook, run once the
	// object's INSERT succeeded (its generated key is set).
	AfterInserter interface {
		AfterInsert(ctx context.Context, s *Session) error
	}
	// BeforeUpdater is a model with a BeforeUpdate hook, run before the
	// flush of a persistent object whose columns or relationships changed
	// since the session last read or wrote it.
	BeforeUpdater interface {
		BeforeUpdate(ctx context.Context, s *Session) error
	}
	// AfterUpdater is a model with an AfterUpdate hook, run once the
	// flush that updated the object succeeded.
	AfterUpdater interface {
		AfterUpdate(ctx context.Context, s *Session) error
	}
	// BeforeDeleter is a model with a BeforeDelete hook, run before the
	// flush that deletes the object (also when a delete cascade or
	// delete-orphan deletes it).
	BeforeDeleter interface {
		BeforeDelete(ctx context.Context, s *Session) error
	}
	// AfterDeleter is a model with an AfterDelete hook, run once the
	// object's DELETE succeeded.
	AfterDeleter interface {
		AfterDelete(ctx context.Context, s *Session) error
	}
	// AfterLoader is a model with an AfterLoad hook, run when a query,
	// Get or a relationship load makes a new object from a row (not when
	// the row's object is already in the session), after the statement's
	// rows are read. Its error is the load's.
	AfterLoader interface {
		AfterLoad(ctx context.Context, s *Session) error
	}
)

// ErrInHook is returned by Flush, Commit, Rollback and Close called from
// a hook or listener: the session is in the middle of a flush or load.
var ErrInHook = errors.New("relm: Flush, Commit, Rollback and Close cannot be called from a hook or listener")

// Event names the moment of an object's life a flush listener is told of
// (see OnFlush).
type Event uint8

// The events of a flush, in the order a flush runs them for one object.
const (
	EventBeforeInsert Event = iota + 1
	EventAfterInsert
	EventBeforeUpdate
	EventAfterUpdate
	EventBeforeDelete
	EventAfterDelete
)

// String returns the hook's name: "BeforeInsert", ….
func (e Event) String() string {
	if e >= EventBeforeInsert && e <= EventAfterDelete {
		return mapping.HookName(e.hook())
	}
	return fmt.Sprintf("Event(%d)", uint8(e))
}

// hook returns the mapping's bit of e (the same order).
func (e Event) hook() mapping.HookSet { return 1 << (e - 1) }

// sessionExtra is what few sessions need: listeners, AfterLoad hooks,
// expired objects — kept behind one pointer so that a Session stays small.
type sessionExtra struct {
	listeners []Listener
	// loaded lists the objects loaded whose AfterLoad hook is to run
	// (see Session.afterLoad).
	loaded []hookedRow
	// expired holds the objects the next read of their row overwrites
	// (see Session.Expire); expireOnCommit is ExpireOnCommit.
	expired        map[*state]struct{}
	expireOnCommit bool
	// hard holds the objects of soft delete models whose rows the flush
	// deletes (HardDelete, softdelete.go).
	hard map[*state]struct{}
	// flushStats is what the flush being traced wrote (trace.go).
	flushStats FlushStats
}

// more returns s.extra, made on first use.
func (s *Session) more() *sessionExtra {
	if s.extra == nil {
		s.extra = &sessionExtra{}
	}
	return s.extra
}

// listeners returns the session's OnFlush listeners.
func (s *Session) listeners() []Listener {
	if s.extra == nil {
		return nil
	}
	return s.extra.listeners
}

// Listener is told of every object a flush writes (see OnFlush).
type Listener func(ctx context.Context, s *Session, ev Event, obj any) error

// OnFlush returns a session option that calls fn for every object the
// session's flushes insert, update or delete, before and after its
// statement, with the same timing, order and effect as the model's hooks
// (SQLAlchemy's session and mapper events for all classes): fn's error on
// a Before event aborts the flush; fn may change the object. Listeners run
// after the object's own hook, in the order they were given.
func OnFlush(fn Listener) SessionOption {
	return func(s *Session) { s.more().listeners = append(s.more().listeners, fn) }
}

// hooking reports whether a flush of s may have hooks or listeners to run:
// a registry whose models declare no hook, in a session without listeners,
// skips every hook phase.
func (s *Session) hooking() bool { return len(s.listeners()) > 0 || s.reg.Hooked() }

// hookRun is what a flush with hooks records: the event each object had
// (0: none), and the objects in the order their Before hooks ran, for the
// After hooks.
type hookRun struct {
	seen map[*state]Event
	ran  []*state
	// after says that an After hook or a listener is due: the flush
	// then runs in a transaction, which the hook's error rolls back.
	after bool
}

// wants reports whether st's mapper or a listener takes ev.
func (u *unitOfWork) wants(st *state, ev Event) bool {
	return len(u.s.listeners()) > 0 || st.m.Hooks().Has(ev.hook())
}

// beforeHooks runs the BeforeInsert and BeforeUpdate hooks of the flush's
// objects, then cascades again from what they changed, and runs the hooks
// of the objects that joined, until none joins: each object's hook runs
// once. It returns the flush's states after the last cascade.
func (u *unitOfWork) beforeHooks(all []*state) ([]*state, error) {
	h := &hookRun{seen: map[*state]Event{}}
	u.hooks = h
	for {
		var todo []*state
		for _, st := range all {
			if _, ok := h.seen[st]; ok {
				continue
			}
			var ev Event
			switch {
			case st.status == statusPending:
				ev = EventBeforeInsert
			case st.status == statusPersistent && u.dirty(st):
				ev = EventBeforeUpdate
			}
			h.seen[st] = ev
			if ev != 0 && (u.wants(st, ev) || u.wants(st, ev+1)) {
				todo = append(todo, st)
			}
		}
		if len(todo) == 0 {
			return all, nil
		}
		if err := u.runBefore(todo); err != nil {
			return nil, err
		}
		var err error
		if all, err = u.cascade(); err != nil {
			return nil, err
		}
		u.kept.states = all
	}
}

// updatedHooks runs BeforeUpdate for the persistent objects the diff gave a
// foreign key to write (children moved between collections) that had no
// hook yet: their column changes are written; the diff is over, so changes
// to their relationships wait for the next flush.
func (u *unitOfWork) updatedHooks(all []*state) error {
	var todo []*state
	for _, st := range all {
		if st.status == statusPersistent && u.hooks.seen[st] == 0 && len(u.syncsOf(st)) > 0 {
			u.hooks.seen[st] = EventBeforeUpdate
			if u.wants(st, EventBeforeUpdate) || u.wants(st, EventAfterUpdate) {
				todo = append(todo, st)
			}
		}
	}
	return u.runBefore(todo)
}

// deleteHooks runs BeforeDelete for the objects the flush deletes, those
// of the delete cascade and delete-orphan included, children first.
func (u *unitOfWork) deleteHooks(deleted []*state) error {
	var todo []*state
	for _, st := range deleted {
		if u.hooks.seen[st] != EventBeforeDelete {
			u.hooks.seen[st] = EventBeforeDelete
			if u.wants(st, EventBeforeDelete) || u.wants(st, EventAfterDelete) {
				todo = append(todo, st)
			}
		}
	}
	return u.runBefore(todo)
}

// runBefore sorts the states in flush order and runs their Before hooks
// and the listeners, recording them for the After hooks.
func (u *unitOfWork) runBefore(todo []*state) error {
	if len(todo) == 0 {
		return nil
	}
	if err := u.flushSort(todo); err != nil {
		return err
	}
	for _, st := range todo {
		ev := u.hooks.seen[st]
		u.hooks.ran = append(u.hooks.ran, st)
		if u.wants(st, ev+1) {
			u.hooks.after = true
		}
		if err := u.call(st, ev); err != nil {
			return err
		}
	}
	return nil
}

// flushSort orders states as the flush writes them: inserts, then updates,
// table by table parents first; deletes last, children first; within a
// table, in order of arrival.
func (u *unitOfWork) flushSort(sts []*state) error {
	plan, err := u.s.flushPlan()
	if err != nil {
		return err
	}
	rank := func(st *state) int {
		r, _ := plan.rankOf(st.m)
		if u.hooks.seen[st] == EventBeforeDelete {
			return 2*len(plan.mappers) + (len(plan.mappers) - r)
		}
		if u.hooks.seen[st] == EventBeforeUpdate {
			return len(plan.mappers) + r
		}
		return r
	}
	slices.SortStableFunc(sts, func(a, b *state) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return a.seq - b.seq
	})
	return nil
}

// afterHooks runs the After hook matching each Before one that ran, in the
// same order, once the flush's statements succeeded.
func (u *unitOfWork) afterHooks() error {
	if u.hooks == nil || !u.hooks.after {
		return nil
	}
	for _, st := range u.hooks.ran {
		if !u.wants(st, u.hooks.seen[st]+1) {
			continue
		}
		if err := u.call(st, u.hooks.seen[st]+1); err != nil {
			return err
		}
	}
	return nil
}

// call runs st's hook for ev, then the listeners.
func (u *unitOfWork) call(st *state, ev Event) error {
	s := u.s
	m := st.m
	if m.Hooks().Has(ev.hook()) {
		obj := m.Interface(st.ptr)
		var err error
		s.inHook.Add(1)
		switch ev {
		case EventBeforeInsert:
			err = obj.(BeforeInserter).BeforeInsert(u.ctx, s)
		case EventAfterInsert:
			err = obj.(AfterInserter).AfterInsert(u.ctx, s)
		case EventBeforeUpdate:
			err = obj.(BeforeUpdater).BeforeUpdate(u.ctx, s)
		case EventAfterUpdate:
			err = obj.(AfterUpdater).AfterUpdate(u.ctx, s)
		case EventBeforeDelete:
			err = obj.(BeforeDeleter).BeforeDelete(u.ctx, s)
		case EventAfterDelete:
			err = obj.(AfterDeleter).AfterDelete(u.ctx, s)
		}
		s.inHook.Add(-1)
		if err != nil {
			return hookError(st, ev.String(), err)
		}
	}
	for _, fn := range s.listeners() {
		s.inHook.Add(1)
		err := fn(u.ctx, s, ev, m.Interface(st.ptr))
		s.inHook.Add(-1)
		if err != nil {
			return hookError(st, ev.String()+" listener", err)
		}
	}
	return nil
}

// hookError wraps a hook's error with the model and key of its object.
func hookError(st *state, what string, err error) error {
	key := st.key
	if key == nil {
		if k, ok := st.m.Identity(st.ptr); ok {
			key = k
		}
	}
	if key == nil {
		return fmt.Errorf("relm: %s of a new %s: %w", what, st.m.Name(), err)
	}
	return fmt.Errorf("relm: %s of %s %v: %w", what, st.m.Name(), key, err)
}

// dirty reports whether the persistent st differs from what the session
// last read or wrote: a column, a reference or a collection.
func (u *unitOfWork) dirty(st *state) bool {
	if st.snap == nil {
		return true // Save: every column is written
	}
	changed, _, err := appendChanged(u.kept.changed[:0], st)
	u.kept.changed = changed
	if err != nil || len(changed) > 0 {
		return true
	}
	for _, r := range st.m.Relationships {
		if !r.HasField {
			continue
		}
		if !r.Uselist {
			if r.Get(st.ptr) != r.Get(st.snap) {
				return true
			}
			continue
		}
		if cur := r.GetSlice(st.ptr); !slices.Equal(cur, st.coll(r)) && (len(cur) > 0 || st.isLoaded(r)) {
			return true
		}
	}
	return false
}

// afterLoad runs the AfterLoad hooks of the objects the last statement
// loaded (sessionExtra.loaded), once its rows are closed.
func (s *Session) afterLoad(ctx context.Context) error {
	for s.extra != nil && len(s.extra.loaded) > 0 {
		list := s.extra.loaded
		s.extra.loaded = nil
		for _, l := range list {
			s.inHook.Add(1)
			err := l.m.Interface(l.p).(AfterLoader).AfterLoad(ctx, s)
			s.inHook.Add(-1)
			if err != nil {
				s.extra.loaded = nil
				k, _ := l.m.Identity(l.p)
				return fmt.Errorf("relm: AfterLoad of %s %v: %w", l.m.Name(), k, err)
			}
		}
	}
	return nil
}

// hookedRow is a loaded object whose AfterLoad hook is to run.
type hookedRow struct {
	m *mapping.Mapper
	p objPtr
}

// noteLoaded lists the new object p of m for its AfterLoad hook when m has
// one.
func (s *Session) noteLoaded(m *mapping.Mapper, p objPtr) {
	if m.Hooks().Has(mapping.HookAfterLoad) {
		h := s.more()
		h.loaded = append(h.loaded, hookedRow{m, p})
	}
}

// dropLoaded forgets the AfterLoad hooks due after a load that failed.
func (s *Session) dropLoaded() {
	if s.extra != nil {
		s.extra.loaded = nil
	}
}
