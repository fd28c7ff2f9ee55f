package relm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/relmorm/relm/dialect"
)

// A DB opened on a postgres:// DSN with several hosts — a PostgreSQL
// primary and its hot standbys, kept by PostgreSQL's own streaming
// replication — routes statements by the rule of the Galera mode (see
// cluster.go and [DB]), with these differences:
//
//   - the primary is the node that answers pg_is_in_recovery() = false: the
//     first such node in DSN order when the DB is opened, and, when a
//     transaction cannot begin on it because it is gone, the first such node
//     among the others (a standby promoted meanwhile), with a warning. A
//     standby is never taken for the primary, since it would refuse writes;
//   - read-your-writes: after every commit through the DB relm remembers
//     the WAL position the primary has reached (readYourWrites.noteCommit);
//     a read outside a transaction on a standby first waits until the
//     standby has replayed that position (pg_last_wal_replay_lsn()), polling
//     with a short backoff for at most the DB's replica wait
//     (WithReplicaWait), and runs on the primary when no standby got there
//     in time. A read therefore sees every commit the DB made before it
//     began, wherever it runs.

// DefaultReplicaWait is how long a read outside a transaction waits, by
// default, for a PostgreSQL standby to replay the DB's last commit before
// it runs on the primary instead (see [WithReplicaWait]).
const DefaultReplicaWait = 500 * time.Millisecond

// WithReplicaWait sets how long a read outside a transaction, on a DB
// opened on a postgres:// DSN with several hosts (a primary and its hot
// standbys), waits for a standby to replay the last commit the DB made
// before it runs on the primary instead: the bound of read-your-writes'
// wait ([DefaultReplicaWait] unless set). d ≤ 0 never waits: a read that a
// standby cannot serve at once runs on the primary. Elsewhere it has no
// effect.
func WithReplicaWait(d time.Duration) Option { return func(db *DB) { db.replicaWait = max(d, 0) } }

// The poll of a standby's replay position while a read waits: from
// replayPollMin, doubling, to replayPollMax between two polls.
const (
	replayPollMin = 100 * time.Microsecond
	replayPollMax = time.Millisecond
)

// probeTimeout bounds each question relm asks a node about its role or WAL
// position outside the caller's statement (a host that drops packets
// rather than refusing the connection would otherwise hold it).
const probeTimeout = 5 * time.Second

// readYourWrites is the WAL position a DB's reads must see.
type readYourWrites struct {
	lsn atomic.Uint64 // the highest WAL position noted after a commit
	// seq numbers the commits noted; a commit whose position could not be
	// read (the primary died right after it) makes reads go to the primary
	// until a later commit's position is known: unknownSeq > knownSeq.
	seq, unknownSeq, knownSeq atomic.Uint64
}

// lsnAfterCommit is the WAL position that covers every commit the server
// acknowledged before it runs: the flush position, since a synchronous
// commit returns once its record is flushed (and a standby receives only
// flushed WAL); with synchronous_commit=off a commit returns before its
// record is flushed, and the insert position covers it.
const lsnAfterCommit = "SELECT (CASE WHEN current_setting('synchronous_commit') = 'off' THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_flush_lsn() END)::text"

// noteCommit reads the WAL position of primary n after a commit on it.
func (rw *readYourWrites) noteCommit(n *node) {
	seq := rw.seq.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	var s string
	err := n.sql.QueryRowContext(ctx, lsnAfterCommit).Scan(&s)
	lsn, perr := parseLSN(s)
	if err != nil || perr != nil {
		maxStore(&rw.unknownSeq, seq)
		return
	}
	// seq was taken after the commit; every commit noted with a lower seq
	// had completed before, and lsn covers it.
	maxStore(&rw.lsn, lsn)
	maxStore(&rw.knownSeq, seq)
}

// need returns the WAL position a read must see, and false when it is not
// known (a read then goes to the primary).
func (rw *readYourWrites) need() (uint64, bool) {
	known := rw.knownSeq.Load()
	return rw.lsn.Load(), rw.unknownSeq.Load() <= known
}

func maxStore(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// parseLSN parses PostgreSQL's text form of a WAL position, "16/B374D848".
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("relm: WAL position %q is not of the form X/Y", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("relm: WAL position %q: %w", s, err)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("relm: WAL position %q: %w", s, err)
	}
	return h<<32 | l, nil
}

// formatLSN is parseLSN's inverse, for messages.
func formatLSN(v uint64) string { return fmt.Sprintf("%X/%X", v>>32, uint32(v)) }

// openReplicas finishes Open for a PostgreSQL primary and its standbys:
// it finds the primary.
func openReplicas(ctx context.Context, c *cluster, d dialect.Dialect, dsn string, opts []Option) (*DB, error) {
	c.pg = true
	p, roles, err := c.findPrimary(ctx, 0)
	if err != nil {
		c.close(true)
		return nil, fmt.Errorf("relm: connect to %s: %w", redact(dsn), err)
	}
	c.primary.Store(p)
	db := New(c.primaryNode().sql, d, opts...)
	db.owned = true
	db.cluster = c
	for i, r := range roles {
		switch {
		case r.err != nil && lacksDatabase(r.err):
			// A standby replays CREATE DATABASE a moment later; reads
			// skip it until then.
		case r.err != nil:
			db.warn("relm: standby unavailable; reads go to the other nodes until it answers",
				slog.String("node", c.nodes[i].addr), slog.String("error", r.err.Error()))
		case !r.standby && int32(i) != p:
			db.warn("relm: two nodes of the DSN are primaries (not in recovery); transactions go to the first, the other serves reads",
				slog.String("primary", c.nodes[p].addr), slog.String("other", c.nodes[i].addr))
		}
	}
	return db, nil
}

// pgRole is what a node answered to pg_is_in_recovery().
type pgRole struct {
	standby bool  // in recovery
	err     error // it did not answer
}

// findPrimary asks every node, in parallel, whether it is in recovery, and
// returns the first node not in recovery from index from on (in DSN order,
// wrapping around), with every node's answer. No primary is an error that
// says what each host answered.
func (c *cluster) findPrimary(ctx context.Context, from int32) (int32, []pgRole, error) {
	roles := make([]pgRole, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, probeTimeout)
			defer cancel()
			var inRecovery bool
			err := n.sql.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery)
			roles[i] = pgRole{standby: inRecovery, err: err}
		})
	}
	wg.Wait()
	total := int32(len(c.nodes))
	var msgs []string
	var errs []error
	for k := range total {
		i := (from + k) % total
		if roles[i].err == nil && !roles[i].standby {
			return i, roles, nil
		}
	}
	for i, r := range roles {
		switch {
		case r.err != nil && lacksDatabase(r.err):
			msgs = append(msgs, c.nodes[i].addr+": has no such database")
			errs = append(errs, fmt.Errorf("%s: %w", c.nodes[i].addr, r.err))
		case r.err != nil && nodeUnavailable(r.err):
			msgs = append(msgs, c.nodes[i].addr+": unreachable")
			errs = append(errs, fmt.Errorf("%s: %w", c.nodes[i].addr, r.err))
		case r.err != nil:
			msgs = append(msgs, c.nodes[i].addr+": failed")
			errs = append(errs, fmt.Errorf("%s: %w", c.nodes[i].addr, r.err))
		default:
			msgs = append(msgs, c.nodes[i].addr+": a standby (in recovery)")
		}
	}
	err := fmt.Errorf("%w: %s", ErrNoPrimary, strings.Join(msgs, "; "))
	if len(errs) > 0 {
		err = fmt.Errorf("%w: %w", err, errors.Join(errs...))
	}
	return -1, roles, err
}

// ErrNoPrimary is wrapped by the error of Open, BeginTx and the statements
// that go to the primary when no host of a postgres:// DSN with several
// hosts is a primary (every one that answers is in recovery); the message
// says what each host answered.
var ErrNoPrimary = errors.New("relm: no host is a PostgreSQL primary (pg_is_in_recovery() = false)")

// switchPrimary finds the new primary after the primary (index from) failed
// with cause, and makes it the primary, with a warning.
func (c *cluster) switchPrimary(ctx context.Context, db *DB, from int32, cause error) (int32, error) {
	i, _, err := c.findPrimary(ctx, from+1)
	if err != nil {
		return -1, fmt.Errorf("relm: the primary %s is unavailable (%w), and %w", c.nodes[from].addr, cause, err)
	}
	if i == from {
		return i, nil // it answers again
	}
	if c.primary.CompareAndSwap(from, i) {
		db.warn("relm: the PostgreSQL primary is unavailable; transactions now go to the node not in recovery (a promoted standby)",
			slog.String("from", c.nodes[from].addr), slog.String("to", c.nodes[i].addr), slog.String("error", cause.Error()))
	}
	return c.primary.Load(), nil
}

// beginPG starts a transaction on the primary; when the primary is gone it
// finds the new one (a standby promoted) and begins there.
func (c *cluster) beginPG(ctx context.Context, db *DB, opts *sql.TxOptions) (*Tx, error) {
	p := c.primary.Load()
	for attempt := 0; ; attempt++ {
		n := c.nodes[p]
		start := time.Now()
		tx, err := n.sql.BeginTx(ctx, opts)
		logStmt(ctx, db.logger, db.slow, "BEGIN", nil, start, err)
		if err == nil {
			t := &Tx{tx: tx, logger: db.logger, slow: db.slow, dialect: db.dialect, node: n, tracer: db.tracer}
			if opts == nil || !opts.ReadOnly {
				t.rw = &c.rw
			}
			return t, nil
		}
		if ctx.Err() != nil || !nodeUnavailable(err) || attempt > 0 {
			return nil, fmt.Errorf("relm: begin on %s: %w", n.addr, err)
		}
		n.markDown()
		if p, err = c.switchPrimary(ctx, db, p, err); err != nil {
			return nil, fmt.Errorf("relm: begin: %w", err)
		}
	}
}

// readPG runs a read outside a transaction on the next standby that has
// replayed the DB's last commit, waiting for one for at most the DB's
// replica wait, else on the primary.
func (c *cluster) readPG(ctx context.Context, db *DB, query string, args []any) (*sql.Rows, error) {
	need, known := c.rw.need()
	deadline := time.Now().Add(db.replicaWait)
	primary := c.primaryNode()
	var errs []error
	for _, n := range c.readOrder() {
		if n != primary {
			if !known {
				continue
			}
			if ok, err := n.caughtUp(ctx, need, deadline); !ok {
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
				}
				continue
			}
		} else if need > 0 && len(c.nodes) > 1 && db.logger != nil {
			db.logger.LogAttrs(ctx, slog.LevelDebug, "relm: no standby has replayed the last commit; reading on the primary",
				slog.String("lsn", formatLSN(need)), slog.Duration("waited", db.replicaWait))
		}
		rows, err := logQuery(ctx, db.logger, db.slow, n.sql, query, args)
		if err == nil || ctx.Err() != nil {
			return rows, err
		}
		switch {
		case IsConflict(err) || readOnlyRefused(err):
			// A standby cancels a read that conflicts with the WAL it
			// replays (40001), and refuses a SELECT that writes (25006):
			// the next node, the primary at last, serves it.
		case nodeUnavailable(err) || n != primary && lacksDatabase(err):
			// A standby may not have replayed a CREATE DATABASE yet.
			n.markDown()
		default:
			return rows, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
	}
	return nil, fmt.Errorf("relm: no node of the cluster could run the read: %w", errors.Join(errs...))
}

// caughtUp reports whether standby n has replayed the WAL up to need,
// polling it until deadline; an error says why it cannot tell.
func (n *node) caughtUp(ctx context.Context, need uint64, deadline time.Time) (bool, error) {
	if need == 0 || n.replayed.Load() >= need {
		return true, nil
	}
	wait := replayPollMin
	for {
		var s sql.NullString
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		err := n.sql.QueryRowContext(pctx, "SELECT pg_last_wal_replay_lsn()::text").Scan(&s)
		cancel()
		if err != nil {
			if nodeUnavailable(err) {
				n.markDown()
			}
			return false, err
		}
		if !s.Valid {
			// Not in recovery: a node promoted since, whose WAL is not the
			// primary's.
			return false, nil
		}
		lsn, err := parseLSN(s.String)
		if err != nil {
			return false, err
		}
		maxStore(&n.replayed, lsn)
		if lsn >= need {
			return true, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			// Behind for the whole wait (replay stopped, or it follows a
			// primary that is gone): reads skip it for a while rather than
			// wait for it again.
			n.markDown()
			return false, nil
		}
		t := time.NewTimer(min(wait, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, replayPollMax)
	}
}

// readOnlyRefused reports whether err is PostgreSQL's 25006
// read_only_sql_transaction: a standby refused a statement that writes.
func readOnlyRefused(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "25006"
}

// noteWrite records, on a DB of a PostgreSQL primary and its standbys, the
// WAL position after a statement that committed on its own outside a
// transaction (a Session's single-statement commit), for read-your-writes.
func (db *DB) noteWrite() {
	if c := db.cluster; c != nil && c.pg {
		c.rw.noteCommit(c.primaryNode())
	}
}
