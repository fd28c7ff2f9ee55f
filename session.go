package relm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/mapping"
)

// ErrSessionClosed is returned by every method of a closed session.
var ErrSessionClosed = errors.New("relm: session is closed")

// ErrNotFound is returned (wrapped) when a row looked up by key does not exist.
var ErrNotFound = errors.New("relm: not found")

// ErrConcurrentUse is returned by a session operation called while another
// operation of the same session is running in another goroutine. A session
// belongs to one goroutine at a time: open one per goroutine (the DB is
// shared). The operation refused changed nothing.
var ErrConcurrentUse = errors.New("relm: the session is in use by another goroutine; a session belongs to one goroutine at a time — open one per goroutine")

// Session is a unit of work over a DB, like SQLAlchemy's Session: it tracks
// the objects added to it or loaded through it (one object per row — the
// identity map), and at Flush or Commit writes every change among them in
// dependency order, in few statements, in one transaction.
//
// A session belongs to one goroutine at a time; open one per request, job
// or goroutine (the DB underneath is shared and safe for concurrent use).
type Session struct {
	db  *DB
	reg *mapping.Registry

	tx       *Tx
	states   map[objPtr]*state
	identity identityMap
	seq      int
	gen      uint32 // numbers flushes (state marks)
	// inHook counts the hooks and listeners running (hooks.go): while
	// one runs, the session's operations may be entered again (nested
	// counts them), as the hook runs on the session's goroutine. (The
	// small fields are paired to keep the struct at 160 bytes.)
	inHook  atomic.Int32
	journal *journal
	// stateSlab hands out the states of objects added or reached by a
	// cascade (see slabAlloc); loads take theirs from their arena.
	stateSlab []state
	// unindexed holds loaded objects that have no state yet and are not
	// in states and identity (see Session.index).
	unindexed []loadedRow
	closed    bool
	raise     bool
	// unscoped makes the loads include soft-deleted rows while a
	// WithDeleted query runs (softdelete.go).
	unscoped bool
	nested   atomic.Int32
	// iterating counts the Query.Iter loops running, whose rows hold a
	// connection.
	iterating int32
	// busy is set while an operation runs (enter, leave): a second
	// goroutine's call meanwhile gets ErrConcurrentUse instead of racing
	// on the session's maps.
	busy atomic.Bool
	// extra holds what few sessions need (OnFlush listeners, AfterLoad
	// hooks due, expired objects: see sessionExtra); nil for most.
	extra *sessionExtra
}

// enter marks the start of an operation of the session, refused with
// ErrConcurrentUse while another one runs. Every exported operation enters
// first and leaves when done; the unexported ones it calls do not.
func (s *Session) enter() error {
	if !s.busy.CompareAndSwap(false, true) {
		if s.inHook.Load() > 0 {
			s.nested.Add(1) // a hook using its session
			return nil
		}
		return ErrConcurrentUse
	}
	return nil
}

// leave marks the end of an operation begun with enter.
func (s *Session) leave() {
	if s.nested.Load() > 0 {
		s.nested.Add(-1)
		return
	}
	s.busy.Store(false)
}

// enterTop is enter for the operations a hook may not call (Flush,
// Commit, Rollback, Close).
func (s *Session) enterTop() error {
	if s.inHook.Load() > 0 {
		return ErrInHook
	}
	return s.enter()
}

// enterWait is enter for the operations that return no error (Contains,
// Len, Expunge): they wait for the running operation to end.
func (s *Session) enterWait() {
	for !s.busy.CompareAndSwap(false, true) {
		if s.inHook.Load() > 0 {
			s.nested.Add(1) // a hook using its session
			return
		}
		runtime.Gosched()
	}
}

// NewSession starts a session on db for the models of reg. It configures
// reg if that has not happened yet; a configuration error is returned by the
// session's first operation.
func NewSession(db *DB, reg *mapping.Registry, opts ...SessionOption) *Session {
	s := &Session{db: db, reg: reg} // its maps are made on first use
	for _, o := range opts {
		o(s)
	}
	return s
}

// DB returns the database of the session.
func (s *Session) DB() *DB { return s.db }

// Registry returns the registry of the session.
func (s *Session) Registry() *mapping.Registry { return s.reg }

// executor returns the open transaction, or the DB when none is open.
func (s *Session) executor() dialect.Executor {
	if s.tx != nil {
		return s.tx
	}
	return s.db
}

func (s *Session) check() error {
	if s.closed {
		return ErrSessionClosed
	}
	s.index()
	if s.iterating > 0 && (s.tx != nil || s.db.sql.Stats().MaxOpenConnections == 1) {
		// The loop's rows hold the only connection (SQLite) or the
		// transaction's: a statement now would wait for itself.
		return ErrIterating
	}
	return s.reg.Configure()
}

// ErrIterating is returned by a session operation that would issue a
// statement inside a Query.Iter loop while the loop's rows hold the
// connection it needs (SQLite's single connection, or an open transaction).
// Collect what the loop needs, then act after it.
var ErrIterating = errors.New("relm: a statement inside an Iter loop would wait for the loop's own connection")

// mapperOf returns the mapper and struct address of obj, a pointer to a
// mapped struct.
func (s *Session) mapperOf(obj any) (*mapping.Mapper, objPtr, error) {
	t := reflect.TypeOf(obj)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("relm: want a pointer to a mapped struct, got %T", obj)
	}
	m, err := s.reg.MapperOf(t)
	if err != nil {
		return nil, nil, err
	}
	p, err := m.Pointer(obj)
	if err != nil {
		return nil, nil, err
	}
	return m, p, nil
}

// Add places obj — a pointer to a mapped struct — in the session: it is
// inserted at the next flush, as SQLAlchemy's Session.add inserts a new
// object. Its key may be set (a key the program chooses, or an explicit
// value for a generated key): the INSERT then carries it, and fails with a
// *ConstraintError matching ErrUnique when the row exists — an existing
// row is never overwritten by a new object. To change a row, load it
// through the session (Get, Select) and change the loaded object. Related
// objects follow by the save-update cascade at flush; there an object
// reached with its generated key set is taken as an existing row, as it
// was loaded (see the package documentation). Adding an object for a row
// the session already holds in another object is an error wrapping
// ErrIdentityConflict.
func (s *Session) Add(obj any) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.add(obj)
}

// Save places obj in the session as the whole, current state of its row —
// GORM's Save, for an object the program holds outside any session (decoded
// from a request, kept between requests): with its primary key set, the
// next flush writes every column with an UPDATE (an error wrapping
// ErrStaleObject, naming the key, when no such row exists), and its
// collections' members that are existing rows are taken as what the
// database holds; without a key it is new, as with Add. Unlike Add, Save
// overwrites: use it only with objects that hold every column's value.
// Loading the row first (Get) and changing the loaded object writes only
// what changed.
func (s *Session) Save(obj any) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.put(obj, attachSave)
}

func (s *Session) add(obj any) error { return s.put(obj, attachAdd) }

// put brings obj into the session as Add (mode attachAdd) or Save
// (attachSave) does: an object the session holds stays as it is, or is
// no longer deleted; another is attached in that mode.
func (s *Session) put(obj any, mode attachMode) error {
	if err := s.check(); err != nil {
		return err
	}
	m, p, err := s.mapperOf(obj)
	if err != nil {
		return err
	}
	if st := s.states[p]; st != nil {
		if st.status == statusDeleted {
			s.touch(st)
			st.status = statusPersistent
		}
		return nil
	}
	_, err = s.attach(m, p, mode)
	return err
}

// AddAll adds each object; an argument may also be a slice of pointers to
// mapped structs ([]*User), whose elements are added in order.
func (s *Session) AddAll(objs ...any) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if s.states == nil && !s.closed {
		// Size the session's map once for all of them.
		n := 0
		for _, obj := range objs {
			if v := reflect.ValueOf(obj); v.Kind() == reflect.Slice {
				n += v.Len()
			} else {
				n++
			}
		}
		s.states = make(map[objPtr]*state, n)
		// And their states in one array (up to slabAlloc's largest).
		s.stateSlab = make([]state, 0, min(max(n, 2), 1024))
	}
	for _, obj := range objs {
		v := reflect.ValueOf(obj)
		if v.Kind() == reflect.Slice {
			for i := 0; i < v.Len(); i++ {
				if err := s.add(v.Index(i).Interface()); err != nil {
					return fmt.Errorf("relm: AddAll element %d: %w", i, err)
				}
			}
			continue
		}
		if err := s.add(obj); err != nil {
			return err
		}
	}
	return nil
}

// Delete marks obj for deletion at the next flush. A new object that was
// never flushed is simply removed from the session. Relationships with the
// delete cascade delete their related objects too; otherwise rows referring
// to obj get their foreign key set to NULL, as SQLAlchemy does. For a model
// with a softdelete field the row is kept and the field set instead (see
// HardDelete).
func (s *Session) Delete(obj any) error { return s.delete(obj, false) }

func (s *Session) delete(obj any, hard bool) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := s.check(); err != nil {
		return err
	}
	m, p, err := s.mapperOf(obj)
	if err != nil {
		return err
	}
	st := s.states[p]
	if st == nil {
		if _, ok := m.Identity(p); !ok {
			return fmt.Errorf("relm: Delete: the %s is not in the session and has no key", m.Name())
		}
		if st, err = s.attach(m, p, attachDelete); err != nil {
			return err
		}
	}
	s.touch(st)
	switch st.status {
	case statusPending:
		s.forget(st)
	default:
		st.status = statusDeleted
		if hard {
			s.markHard(st)
		}
	}
	return nil
}

// Contains reports whether obj is in the session.
func (s *Session) Contains(obj any) bool {
	s.enterWait()
	defer s.leave()
	s.index()
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	_, ok := s.states[v.UnsafePointer()]
	return ok
}

// Expunge removes objects from the session: it forgets them (they are not
// written at the next flush and leave the identity map) without touching
// the database. Related objects stay.
func (s *Session) Expunge(objs ...any) {
	s.enterWait()
	defer s.leave()
	s.index()
	for _, obj := range objs {
		v := reflect.ValueOf(obj)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			continue
		}
		if st := s.states[v.UnsafePointer()]; st != nil {
			s.forget(st)
		}
	}
}

// ExpungeAll empties the session, as after Close, but leaves it usable:
// the way to keep memory bounded when writing in batches.
func (s *Session) ExpungeAll() {
	s.enterWait()
	defer s.leave()
	s.expungeAll()
}

func (s *Session) expungeAll() {
	s.states = nil
	s.identity = identityMap{}
	s.unindexed = nil
	s.stateSlab = nil
	if s.extra != nil {
		s.extra.expired = nil
	}
}

// Len returns the number of objects in the session.
func (s *Session) Len() int {
	s.enterWait()
	defer s.leave()
	return len(s.states) + len(s.unindexed)
}

// Flush writes every pending change to the database inside the session's
// transaction (begun if needed) without committing it.
func (s *Session) Flush(ctx context.Context) error {
	if err := s.enterTop(); err != nil {
		return err
	}
	defer s.leave()
	if s.db.tracer != nil {
		return s.traceFlush(ctx, s.flushTx)
	}
	return s.flushTx(ctx)
}

// flushTx is Flush: the flush in the session's transaction, begun if
// needed.
func (s *Session) flushTx(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	if err := s.flush(ctx); err != nil {
		s.rollback()
		return err
	}
	return nil
}

// Commit flushes and commits the transaction. On any error everything the
// transaction wrote is rolled back, the objects return to the state they
// had before it began, and the error — naming the object and statement that
// failed, and wrapping the driver's error — is returned; the session stays
// usable.
//
// When no transaction is open (no Flush before it) and the changes are one
// statement — rows of one table in one INSERT, or one UPDATE — Commit sends
// that statement alone, without BEGIN and COMMIT: the database applies a
// single statement atomically, and the two round trips are saved. A commit
// with nothing to write sends nothing.
func (s *Session) Commit(ctx context.Context) error {
	if err := s.enterTop(); err != nil {
		return err
	}
	defer s.leave()
	if s.db.tracer != nil {
		return s.traceFlush(ctx, s.commit)
	}
	return s.commit(ctx)
}

func (s *Session) commit(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	if s.tx == nil {
		// No transaction is open: prepare the flush first, and when it is
		// a single statement run it without BEGIN and COMMIT (the journal
		// still restores the objects if it fails).
		s.journal = s.newJournal()
		single, err := s.flushOutside(ctx)
		if err != nil {
			s.rollback()
			return err
		}
		if single {
			s.db.noteWrite() // read-your-writes on PostgreSQL standbys
			s.endJournal()
			s.expireCommitted()
			return nil
		}
	} else if err := s.flush(ctx); err != nil {
		s.rollback()
		return err
	}
	if err := s.tx.Commit(); err != nil {
		s.rollback()
		return fmt.Errorf("relm: commit: %w", err)
	}
	s.tx = nil
	s.endJournal()
	s.expireCommitted()
	return nil
}

// expireCommitted expires every object after a commit when the session
// was opened with ExpireOnCommit.
func (s *Session) expireCommitted() {
	if s.extra != nil && s.extra.expireOnCommit {
		s.expireAll()
	}
}

// Rollback rolls back the open transaction, if any, and discards every
// change not committed, as SQLAlchemy's rollback does: what a flush wrote in
// the transaction is undone in the database, and nothing of it — nor of the
// changes not flushed yet — is left for a later commit to write. Each
// object the session loaded or committed gets back, in its column fields
// and relationships, what the database holds (what it held when the session
// last read or committed it); objects added since the last commit leave
// the session (their generated keys cleared), and objects marked for
// deletion are no longer. Objects given to Save, whose rows the session
// never read, leave the session too.
//
// A Flush or Commit that fails rolls back too, but keeps the objects as the
// program left them, so that it may commit again.
func (s *Session) Rollback(ctx context.Context) error {
	if err := s.enterTop(); err != nil {
		return err
	}
	defer s.leave()
	if s.closed {
		return ErrSessionClosed
	}
	s.rollback()
	s.discard()
	return nil
}

// discard puts every object of the session back as last read or committed
// (its snapshot) and forgets the objects the session holds no snapshot of
// (new ones, and those given to Save).
func (s *Session) discard() {
	s.index()
	for _, st := range s.states {
		if st.snap == nil {
			s.forget(st)
			continue
		}
		st.status = statusPersistent
		m := st.m
		m.RestoreColumns(st.ptr, st.snap)
		for _, r := range m.Relationships {
			if !r.HasField {
				continue
			}
			if !r.Uselist {
				r.Set(st.ptr, r.Get(st.snap))
				continue
			}
			prev := st.coll(r)
			if prev == nil && r.GetSlice(st.ptr) == nil {
				continue
			}
			if prev == nil && st.isLoaded(r) {
				r.SetSlice(st.ptr, []objPtr{}) // loaded and empty
				continue
			}
			r.SetSlice(st.ptr, slices.Clone(prev))
		}
	}
}

// Close rolls back any open transaction and releases the session's objects.
// A closed session cannot be used again.
func (s *Session) Close() error {
	if err := s.enterTop(); err != nil {
		return err
	}
	defer s.leave()
	if s.closed {
		return nil
	}
	s.rollback()
	s.expungeAll()
	s.closed = true
	return nil
}

// flushOutside flushes with no transaction open: a flush that is one
// statement runs alone (single is true); any other begins the session's
// transaction and runs in it.
func (s *Session) flushOutside(ctx context.Context) (single bool, err error) {
	u, all, deleted, err := s.prepareFlush(ctx)
	if err != nil {
		return false, err
	}
	defer u.release()
	if u.single(all, deleted) {
		u.oneStatement = true
		err := u.run(all, deleted)
		if u.heldJournal != nil {
			s.journal = u.heldJournal // what the flush recorded before
		}
		return true, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	s.tx, u.ex = tx, tx
	return false, u.run(all, deleted)
}

func (s *Session) begin(ctx context.Context) error {
	if s.tx != nil {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	s.tx = tx
	s.journal = s.newJournal()
	return nil
}

func (s *Session) rollback() {
	if s.tx != nil {
		_ = s.tx.Rollback()
		s.tx = nil
	}
	if s.journal != nil {
		s.journal.undo(s)
		s.dropJournal()
	}
}

// Key is the primary key of a row whose key has several columns, one value
// per key field in the order the fields are declared, for Get:
// relm.Get[ArticleTag](ctx, s, relm.Key{articleID, tagID}).
type Key []any

// Get returns the object of type T whose primary key is key. The identity
// map answers without SQL when the object is in the session; otherwise one
// SELECT loads it. A missing row is an error wrapping ErrNotFound.
//
// For a primary key of several columns, key is a Key (or []any) with one
// value per key field in declaration order, or a T or *T whose key fields
// are set (a key struct: its other fields are not read); a one-column key
// may be given these ways too. A key whose number of values or types do
// not fit T's key is an error wrapping mapping.ErrKeyArgs that names T and
// its key fields, before any SQL.
func Get[T any](ctx context.Context, s *Session, key any) (*T, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if err := s.check(); err != nil {
		return nil, err
	}
	m, err := s.reg.MapperOf(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	mapping.InstallOps[T](m)
	p, err := s.get(ctx, m, key)
	if err != nil {
		return nil, err
	}
	return typedObj[T](p), nil
}

func (s *Session) get(ctx context.Context, m *mapping.Mapper, key any) (objPtr, error) {
	if len(m.PrimaryKey) != 1 {
		return s.getComposite(ctx, m, key)
	}
	key, err := singleKey(m, key)
	if err != nil {
		return nil, fmt.Errorf("relm: Get: %w", err)
	}
	var st *state
	if v, ok := intArg(key); ok {
		st = s.identity.getInt(m, v) // as NormalizeKey, without boxing
	} else {
		st = s.identity.get(identityKey{m, mapping.NormalizeKey(key)})
	}
	if p, ok, err := s.heldForGet(m, st, key); ok {
		return p, err
	}
	return s.getByPK(ctx, m, []any{key}, key)
}

// singleKey unwraps a one-value Key ([]any) or a key struct given for a
// one-column key; other keys are returned as they are.
func singleKey(m *mapping.Mapper, key any) (any, error) {
	var vals []any
	switch k := key.(type) {
	case int, int64, int32, string:
		return key, nil
	case Key:
		vals = k
	case []any:
		vals = k
	default:
		if _, args, ok := m.KeyOfObject(key); ok {
			if args == nil {
				return nil, fmt.Errorf("%w: %s: the key struct's key field %s is not set", mapping.ErrKeyArgs, m.Name(), m.PrimaryKey[0].Name)
			}
			return args[0], nil
		}
		return key, nil
	}
	_, args, err := m.KeyOf(vals)
	if err != nil {
		return nil, err
	}
	return args[0], nil
}

// getComposite is get for a primary key of several columns: key is a Key,
// a []any or a key struct (see Get).
func (s *Session) getComposite(ctx context.Context, m *mapping.Mapper, key any) (objPtr, error) {
	var ident any
	var args []any
	var err error
	switch k := key.(type) {
	case Key:
		ident, args, err = m.KeyOf(k)
	case []any:
		ident, args, err = m.KeyOf(k)
	default:
		var ok bool
		ident, args, ok = m.KeyOfObject(key)
		switch {
		case !ok:
			err = fmt.Errorf("%w: %s has a primary key of %d columns; pass relm.Key{…} with one value per key field, or a %s with its key fields set (got a %T)",
				mapping.ErrKeyArgs, m.Name(), len(m.PrimaryKey), m.Name(), key)
		case ident == nil:
			err = fmt.Errorf("%w: %s: the key struct has key fields not set", mapping.ErrKeyArgs, m.Name())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("relm: Get: %w", err)
	}
	if p, ok, err := s.heldForGet(m, s.identity.get(identityKey{m, ident}), ident); ok {
		return p, err
	}
	return s.getByPK(ctx, m, args, ident)
}

// heldForGet answers Get from st, the identity map's state for key (nil
// for none): its object, or ErrNotFound for a soft-deleted one; ok is
// false when the row must be read (no state, deleted or expired).
func (s *Session) heldForGet(m *mapping.Mapper, st *state, key any) (_ objPtr, ok bool, _ error) {
	if st == nil || st.status == statusDeleted || s.isExpired(st) {
		return nil, false, nil
	}
	if softGone(m, st.ptr) {
		return nil, true, fmt.Errorf("relm: %s with key %v: %w (soft-deleted)", m.Name(), key, ErrNotFound)
	}
	return st.ptr, true, nil
}

// getByPK loads the row of m whose key columns hold args (one SELECT).
func (s *Session) getByPK(ctx context.Context, m *mapping.Mapper, args []any, shown any) (objPtr, error) {
	var found objPtr
	text := s.db.cache(m).selectByPK
	if sd := m.SoftDeleteField(); sd != nil {
		text += " AND " + s.db.dialect.Quote(sd.Column.Name) + " IS NULL"
	}
	err := s.query(ctx, m, text, args, 1, true, func(p objPtr) {
		if found == nil {
			found = p
		}
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("relm: %s with key %v: %w", m.Name(), shown, ErrNotFound)
	}
	return found, nil
}

// intArg returns an integer key as mapping.NormalizeKey would (int64),
// false for any other type.
func intArg(key any) (int64, bool) {
	switch k := key.(type) {
	case int:
		return int64(k), true
	case int64:
		return k, true
	case int32:
		return int64(k), true
	}
	return 0, false
}
