package relm_test

// Tests against a PostgreSQL primary and two hot standbys
// (scripts/pg-replicas.sh). They run when RELM_TEST_PG_REPLICAS holds the
// replica set's DSN — .ci/run starts it and sets the variable — and are
// skipped otherwise, saying how to run them. They never look for a replica
// set by themselves: one of them kills the primary and promotes a standby,
// which must not happen to servers someone else is using. A replica set
// named by RELM_TEST_PG_REPLICAS that cannot be reached fails them under
// CI=true.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
)

// pgReplicasDefaultDSN is the replica set scripts/pg-replicas.sh starts
// (scripts/pg-replicas.sh dsn prints it).
const pgReplicasDefaultDSN = "postgres://postgres@127.0.0.1:5441,127.0.0.1:5442,127.0.0.1:5443/test?sslmode=disable"

// pgReplicas is a fresh database on the replica set.
type pgReplicas struct {
	dsn    string   // postgres://postgres@h1,h2,h3/relm_r…?…
	hosts  []string // host:port of each node, the primary first
	prefix string   // postgres://postgres@
	path   string   // /relm_r…
	query  string   // ?… of RELM_TEST_PG_REPLICAS, or ""
}

// on returns a DSN of the database listing the hosts given, in that order.
func (r *pgReplicas) on(hosts ...string) string {
	return r.prefix + strings.Join(hosts, ",") + r.path + r.query
}

// node returns a one-host DSN of the database on host.
func (r *pgReplicas) node(host string) string { return r.on(host) }

func pgReplicasSkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("pg-replicas: %s (RELM_TEST_PG_REPLICAS is set and CI=true: the replica tests must run)", msg)
	}
	t.Skipf("pg-replicas: %s — skipping the replica tests; start the servers with `scripts/pg-replicas.sh start`", msg)
}

// pgReplicasDatabase creates a database on the primary for t, dropped when
// t ends, and waits until both standbys have it.
func pgReplicasDatabase(t testing.TB) *pgReplicas {
	t.Helper()
	dsn := os.Getenv("RELM_TEST_PG_REPLICAS")
	if dsn == "" {
		t.Skip("pg-replicas: RELM_TEST_PG_REPLICAS is not set — skipping the PostgreSQL replica tests; run them with " +
			"`scripts/pg-replicas.sh start && RELM_TEST_PG_REPLICAS=$(scripts/pg-replicas.sh dsn) go test -run TestPGReplicas .`")
	}
	_, drivers, err := relm.ParseClusterDSN(dsn)
	if err != nil {
		t.Fatalf("RELM_TEST_PG_REPLICAS=%q: %v", dsn, err)
	}
	if len(drivers) != 3 {
		t.Fatalf("RELM_TEST_PG_REPLICAS=%q names %d hosts; the tests want a primary and two standbys", dsn, len(drivers))
	}
	r := &pgReplicas{}
	scheme, rest, _ := strings.Cut(dsn, "://")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		r.prefix = scheme + "://" + authority[:at+1]
		authority = authority[at+1:]
	} else {
		r.prefix = scheme + "://"
	}
	r.hosts = strings.Split(authority, ",")
	if _, q, ok := strings.Cut(rest, "?"); ok {
		r.query = "?" + q
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", drivers[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var standby bool
	if err := admin.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&standby); err != nil {
		pgReplicasSkipOrFail(t, "primary %s unreachable: %v", r.hosts[0], err)
	}
	if standby {
		pgReplicasSkipOrFail(t, "%s, the first host of %s, is a standby (after a failover? scripts/pg-replicas.sh start rebuilds the set)", r.hosts[0], dsn)
	}
	var streaming int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").Scan(&streaming); err != nil || streaming != 2 {
		pgReplicasSkipOrFail(t, "%d standbys stream from %s, want 2 (%v; scripts/pg-replicas.sh status)", streaming, r.hosts[0], err)
	}
	name := fmt.Sprintf("relm_r%d_%d", time.Now().UnixNano()%1e9, os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	r.path = "/" + name
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// The primary may have changed (the failover test rebuilds the
		// set with node 1 the primary again); drop wherever it is.
		for _, h := range r.hosts {
			db, err := sql.Open("pgx", strings.Replace(r.on(h), r.path, "/postgres", 1))
			if err != nil {
				continue
			}
			var standby bool
			if db.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&standby) == nil && !standby {
				if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
					t.Logf("pg-replicas: drop %s on %s: %v", name, h, err)
				}
			}
			db.Close()
		}
	})
	// CREATE DATABASE reaches the standbys when they replay it.
	for _, h := range r.hosts[1:] {
		db, err := sql.Open("pgx", r.node(h))
		pgMust(t, err)
		for {
			err := db.PingContext(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("pg-replicas: database %s not on standby %s: %v", name, h, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		db.Close()
	}
	r.dsn = r.on(r.hosts...)
	return r
}

func pgMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// pgOpen opens dsn, closed when t ends.
func pgOpen(t testing.TB, dsn string, opts ...relm.Option) *relm.DB {
	t.Helper()
	db, err := relm.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// whereQuery says where a statement ran: the server's port and whether it
// is a standby.
const whereQuery = "SELECT inet_server_port(), pg_is_in_recovery()"

// TestPGReplicasRouting: on a primary and two standbys, transactions and
// statements other than SELECT run on the primary, reads outside a
// transaction round-robin on the standbys.
func TestPGReplicasRouting(t *testing.T) {
	ctx := context.Background()
	r := pgReplicasDatabase(t)
	db := pgOpen(t, r.dsn)
	if got := db.Dialect().Name(); got != "postgres" {
		t.Fatalf("dialect %s", got)
	}
	ports := map[int]int{}
	for range 10 {
		var port int
		var standby bool
		pgMust(t, queryRow(db.QueryContext(ctx, whereQuery))(&port, &standby))
		if !standby {
			t.Fatalf("a read outside a transaction ran on the primary (port %d)", port)
		}
		ports[port]++
	}
	if len(ports) != 2 || slices.Min(mapValues(ports)) != 5 {
		t.Errorf("reads per standby port: %v, want 5 on each of two", ports)
	}
	tx, err := db.BeginTx(ctx, nil)
	pgMust(t, err)
	var port int
	var standby bool
	pgMust(t, queryRow(tx.QueryContext(ctx, whereQuery))(&port, &standby))
	pgMust(t, tx.Rollback())
	if standby || fmt.Sprint("127.0.0.1:", port) != r.hosts[0] {
		t.Errorf("a transaction ran on port %d (standby %v), want the primary %s", port, standby, r.hosts[0])
	}
	// A statement that is not a SELECT goes to the primary, and a SELECT
	// a standby refuses (it writes) is run there too.
	_, err = db.ExecContext(ctx, "CREATE TABLE routed (id bigint PRIMARY KEY)")
	pgMust(t, err)
	pgMust(t, queryRow(db.QueryContext(ctx, "WITH w AS (SELECT 1) "+whereQuery))(&port, &standby))
	if standby {
		t.Errorf("a WITH statement ran on standby port %d", port)
	}
	_, err = db.ExecContext(ctx, "CREATE SEQUENCE routed_seq")
	pgMust(t, err)
	var v int64
	pgMust(t, queryRow(db.QueryContext(ctx, "SELECT nextval('routed_seq')"))(&v))
	if v != 1 {
		t.Errorf("nextval = %d", v)
	}
	// The order of the DSN does not make a standby the primary: the node not
	// in recovery is.
	db2 := pgOpen(t, r.on(r.hosts[2], r.hosts[0], r.hosts[1]))
	tx, err = db2.BeginTx(ctx, nil)
	pgMust(t, err)
	pgMust(t, queryRow(tx.QueryContext(ctx, whereQuery))(&port, &standby))
	pgMust(t, tx.Rollback())
	if standby {
		t.Errorf("with a standby first in the DSN, a transaction ran on it (port %d)", port)
	}
}

func mapValues(m map[int]int) []int {
	var out []int
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestPGReplicasBadDSN: a DSN whose hosts include no primary fails Open
// with an error naming each host and what it answered; a standby that
// cannot be reached does not stop Open, which warns.
func TestPGReplicasBadDSN(t *testing.T) {
	ctx := context.Background()
	r := pgReplicasDatabase(t)
	dead := "127.0.0.1:1"
	_, err := relm.Open(ctx, r.on(dead, r.hosts[1], r.hosts[2]))
	if !errors.Is(err, relm.ErrNoPrimary) {
		t.Fatalf("Open with the primary unreachable: %v, want ErrNoPrimary", err)
	}
	for _, want := range []string{dead + ": unreachable", r.hosts[1] + ": a standby (in recovery)", r.hosts[2] + ": a standby (in recovery)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	_, err = relm.Open(ctx, r.on(r.hosts[1], r.hosts[2]))
	if !errors.Is(err, relm.ErrNoPrimary) || !strings.Contains(err.Error(), r.hosts[1]+": a standby") {
		t.Errorf("Open on two standbys: %v, want ErrNoPrimary naming them", err)
	}
	// A host that answers with an error (no such database) is named.
	_, err = relm.Open(ctx, strings.Replace(r.dsn, r.path, "/relm_no_such_db", 1))
	if err == nil || !strings.Contains(err.Error(), r.hosts[0]) || !strings.Contains(err.Error(), "relm_no_such_db") {
		t.Errorf("Open of a database that does not exist: %v", err)
	}
	// A standby down: Open works, warns, and reads go to the other.
	log := &rtLog{}
	db := pgOpen(t, r.on(r.hosts[0], dead, r.hosts[2]), relm.WithLogger(slog.New(log)))
	if msgs := strings.Join(log.messages(), "\n"); !strings.Contains(msgs, "standby unavailable") || !strings.Contains(msgs, dead) {
		t.Errorf("no warning naming the unreachable standby %s: %s", dead, msgs)
	}
	for range 4 {
		var port int
		var standby bool
		pgMust(t, queryRow(db.QueryContext(ctx, whereQuery))(&port, &standby))
		if !standby || fmt.Sprint("127.0.0.1:", port) != r.hosts[2] {
			t.Errorf("a read ran on port %d (standby %v), want the standby %s", port, standby, r.hosts[2])
		}
	}
}

// pgReplicasScript runs scripts/pg-replicas.sh with args.
func pgReplicasScript(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("bash", append([]string{"scripts/pg-replicas.sh"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/pg-replicas.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestPGReplicasReadYourWrites: a row committed through the DSN is seen by
// a read through the DSN at once, 1,000 times, on the standbys (which wait
// until they have replayed the commit). A second DB on the same DSN, which
// did not commit, reads on the standbys without waiting and may miss the
// row: it shows the lag read-your-writes hides. The added latency is
// logged (go test -v).
func TestPGReplicasReadYourWrites(t *testing.T) {
	ctx := context.Background()
	r := pgReplicasDatabase(t)
	db := pgOpen(t, r.dsn)
	other := pgOpen(t, r.dsn)
	_, err := db.ExecContext(ctx, "CREATE TABLE ryw (id bigint PRIMARY KEY, v text)")
	pgMust(t, err)
	// Two reads through db, one per standby, wait until each has the
	// table, which the reads of the other DB need.
	for range 2 {
		pgMust(t, queryRow(db.QueryContext(ctx, "SELECT count(*) FROM ryw"))(new(int)))
	}
	const n = 1000
	var withRYW, without, commits []time.Duration
	onStandby, misses, otherMisses := 0, 0, 0
	read := func(db *relm.DB, id int) (found, standby bool, d time.Duration) {
		start := time.Now()
		var count int
		pgMust(t, queryRow(db.QueryContext(ctx, "SELECT count(*), pg_is_in_recovery() FROM ryw WHERE id = $1", id))(&count, &standby))
		return count == 1, standby, time.Since(start)
	}
	for i := 1; i <= n; i++ {
		start := time.Now()
		tx, err := db.BeginTx(ctx, nil)
		pgMust(t, err)
		_, err = tx.ExecContext(ctx, "INSERT INTO ryw VALUES ($1, 'x')", i)
		pgMust(t, err)
		pgMust(t, tx.Commit())
		commits = append(commits, time.Since(start))
		// Each read goes first every other time, so that neither is
		// timed with a standby the other read gave time to catch up.
		for k := range 2 {
			if (i+k)%2 == 0 {
				found, standby, d := read(db, i)
				if !found {
					misses++
				}
				if standby {
					onStandby++
				}
				if k == 0 {
					withRYW = append(withRYW, d)
				}
			} else {
				// The other DB knows of no commit: its read does not wait.
				found, _, d := read(other, i)
				if k == 0 {
					if !found {
						otherMisses++
					}
					without = append(without, d)
				}
			}
		}
	}
	if misses > 0 {
		t.Errorf("%d of %d reads right after a commit missed the row", misses, n)
	}
	if onStandby < n/2 {
		t.Errorf("only %d of %d reads ran on a standby; the others fell back to the primary", onStandby, n)
	}
	// A read with nothing to wait for costs the same on both DBs; the
	// difference is the wait for replay (the poll of
	// pg_last_wal_replay_lsn()), and the commit's own cost is the query
	// of the WAL position after COMMIT.
	q := func(ds []time.Duration, p float64) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[int(float64(len(s)-1)*p)]
	}
	t.Logf("%d commits, each read at once through the DSN (%d on a standby, %d on the primary, %d misses); timed when read first (%d each): "+
		"with read-your-writes median %v, p90 %v, p99 %v; the same read on a DB that did not commit, which does not wait: median %v, p90 %v, p99 %v, %d missed the row; "+
		"commit (BEGIN, INSERT, COMMIT, WAL position) median %v",
		n, onStandby, n-onStandby, misses, n/2, q(withRYW, .5), q(withRYW, .9), q(withRYW, .99),
		q(without, .5), q(without, .9), q(without, .99), otherMisses, q(commits, .5))

	// A Session's commit, one INSERT without BEGIN and COMMIT, and an
	// ExecContext outside a transaction are followed as well.
	reg := rtRegistry(t)
	pgMust(t, reg.CreateAll(ctx, db))
	for i := range 100 {
		s := relm.NewSession(db, reg)
		c := &rtCounter{Name: fmt.Sprint("c", i)}
		s.Add(c)
		pgMust(t, s.Commit(ctx))
		s2 := relm.NewSession(db, reg)
		got, err := relm.Get[rtCounter](ctx, s2, c.ID)
		if err != nil || got.Name != c.Name {
			t.Fatalf("Get right after a session's commit: %+v, %v", got, err)
		}
		s.Close()
		s2.Close()
		_, err = db.ExecContext(ctx, "UPDATE ryw SET v = $1 WHERE id = 1", fmt.Sprint(i))
		pgMust(t, err)
		var v string
		pgMust(t, queryRow(db.QueryContext(ctx, "SELECT v FROM ryw WHERE id = 1"))(&v))
		if v != fmt.Sprint(i) {
			t.Fatalf("read right after an ExecContext: %q, want %q", v, fmt.Sprint(i))
		}
	}
}

// TestPGReplicasReplayPaused: when no standby replays (replay paused on
// both), a read after a commit waits the DB's replica wait and then reads on
// the primary, and sees the row; the next reads do not wait for the
// standbys again for a while; a DB that committed nothing still reads on
// the standbys.
func TestPGReplicasReplayPaused(t *testing.T) {
	ctx := context.Background()
	r := pgReplicasDatabase(t)
	const wait = 150 * time.Millisecond
	db := pgOpen(t, r.dsn, relm.WithReplicaWait(wait))
	_, err := db.ExecContext(ctx, "CREATE TABLE paused (id bigint PRIMARY KEY)")
	pgMust(t, err)
	// Let the standbys replay the CREATE TABLE, then pause them.
	pgMust(t, queryRow(db.QueryContext(ctx, "SELECT count(*) FROM paused"))(new(int)))
	pgMust(t, queryRow(db.QueryContext(ctx, "SELECT count(*) FROM paused"))(new(int)))
	var standbys []*sql.DB
	for _, h := range r.hosts[1:] {
		s, err := sql.Open("pgx", r.node(h))
		pgMust(t, err)
		t.Cleanup(func() {
			if _, err := s.ExecContext(context.Background(), "SELECT pg_wal_replay_resume()"); err != nil {
				t.Errorf("resume replay on %s: %v", h, err)
			}
			s.Close()
		})
		_, err = s.ExecContext(ctx, "SELECT pg_wal_replay_pause()")
		pgMust(t, err)
		standbys = append(standbys, s)
	}
	for i := 1; i <= 3; i++ {
		tx, err := db.BeginTx(ctx, nil)
		pgMust(t, err)
		_, err = tx.ExecContext(ctx, "INSERT INTO paused VALUES ($1)", i)
		pgMust(t, err)
		pgMust(t, tx.Commit())
		start := time.Now()
		var count int
		var standby bool
		pgMust(t, queryRow(db.QueryContext(ctx, "SELECT count(*), pg_is_in_recovery() FROM paused WHERE id = $1", i))(&count, &standby))
		took := time.Since(start)
		if count != 1 || standby {
			t.Errorf("read %d after a commit with replay paused: count %d, on a standby %v; want the row, from the primary", i, count, standby)
		}
		// The first read waits; then the standbys that stayed behind rest
		// (a second), and the next reads go to the primary at once.
		if i == 1 && (took < wait || took > wait+2*time.Second) {
			t.Errorf("read %d took %v, want the replica wait (%v) and a little", i, took, wait)
		}
		if i > 1 && took >= wait {
			t.Errorf("read %d took %v: it waited again for standbys that did not catch up", i, took)
		}
	}
	// A DB that did not commit reads on a standby, which lacks the rows.
	other := pgOpen(t, r.dsn)
	var count int
	var standby bool
	pgMust(t, queryRow(other.QueryContext(ctx, "SELECT count(*), pg_is_in_recovery() FROM paused"))(&count, &standby))
	if !standby || count != 0 {
		t.Errorf("a DB with no commit read %d rows, on a standby %v; want 0 rows from a paused standby", count, standby)
	}
	// WithReplicaWait(0): no wait, straight to the primary.
	db0 := pgOpen(t, r.dsn, relm.WithReplicaWait(0))
	_, err = db0.ExecContext(ctx, "INSERT INTO paused VALUES (10)")
	pgMust(t, err)
	start := time.Now()
	pgMust(t, queryRow(db0.QueryContext(ctx, "SELECT count(*), pg_is_in_recovery() FROM paused WHERE id = 10"))(&count, &standby))
	if count != 1 || standby || time.Since(start) > wait {
		t.Errorf("WithReplicaWait(0): %d rows, standby %v, after %v", count, standby, time.Since(start))
	}
	_ = standbys
}

// TestPGReplicasFailover: the primary dies while a COMMIT is in flight
// (held by a deferred trigger that sleeps) and a standby is promoted
// (pg_ctl promote). The commit fails with an error naming the node and
// saying the COMMIT was sent but its outcome is unknown; the DSN's next
// transaction, and the next statement outside a transaction of another DB,
// find the new primary, the node not in recovery, with a warning. The test
// kills node 1 of scripts/pg-replicas.sh, so it runs only on the servers of
// that script, and it rebuilds the set when it ends (scripts/pg-replicas.sh
// start makes the promoted standby a standby of node 1 again).
func TestPGReplicasFailover(t *testing.T) {
	ctx := context.Background()
	r := pgReplicasDatabase(t)
	out, err := exec.Command("bash", "scripts/pg-replicas.sh", "dsn").Output()
	pgMust(t, err)
	_, scriptHosts, _ := relm.ParseClusterDSN(strings.TrimSpace(string(out)))
	_, ourHosts, _ := relm.ParseClusterDSN(os.Getenv("RELM_TEST_PG_REPLICAS"))
	if strings.Join(scriptHosts, " ") != strings.Join(ourHosts, " ") {
		t.Skipf("RELM_TEST_PG_REPLICAS is not the replica set of scripts/pg-replicas.sh (%s); the failover test kills that set's node 1", strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { pgReplicasScript(t, "start") }) // rebuild: node 1 the primary again

	log := &rtLog{}
	db := pgOpen(t, r.dsn, relm.WithLogger(slog.New(log)), relm.WithReplicaWait(200*time.Millisecond))
	bystander := pgOpen(t, r.dsn, relm.WithLogger(slog.New(&rtLog{})))
	for _, stmt := range []string{
		"CREATE TABLE ft (id bigint PRIMARY KEY)",
		// Row 99 holds its COMMIT on the server for a while.
		`CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN IF NEW.id = 99 THEN PERFORM pg_sleep(30); END IF; RETURN NULL; END $$`,
		"CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON ft DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()",
		"INSERT INTO ft VALUES (1)",
	} {
		_, err := db.ExecContext(ctx, stmt)
		pgMust(t, err)
	}
	// Both DBs have a connection open to the primary.
	pgMust(t, queryRow(bystander.QueryContext(ctx, "SELECT count(*) FROM ft"))(new(int)))
	_, err = bystander.ExecContext(ctx, "INSERT INTO ft VALUES (2)")
	pgMust(t, err)

	idle, err := db.BeginTx(ctx, nil) // open, idle, when the primary dies
	pgMust(t, err)
	_, err = idle.ExecContext(ctx, "INSERT INTO ft VALUES (98)")
	pgMust(t, err)
	inFlight, err := db.BeginTx(ctx, nil)
	pgMust(t, err)
	_, err = inFlight.ExecContext(ctx, "INSERT INTO ft VALUES (99)")
	pgMust(t, err)
	commitErr := make(chan error, 1)
	go func() { commitErr <- inFlight.Commit() }()
	// Wait until the COMMIT sleeps in the trigger on the primary.
	watch, err := sql.Open("pgx", r.node(r.hosts[0]))
	pgMust(t, err)
	defer watch.Close()
	for deadline := time.Now().Add(20 * time.Second); ; {
		var n int
		pgMust(t, watch.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'").Scan(&n))
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the COMMIT of row 99 never reached its trigger")
		}
		time.Sleep(20 * time.Millisecond)
	}
	pgReplicasScript(t, "kill", "1")

	err = <-commitErr
	if err == nil {
		t.Fatal("a COMMIT in flight when the primary died succeeded")
	}
	t.Logf("COMMIT in flight: %v", err)
	if msg := err.Error(); !strings.Contains(msg, r.hosts[0]) || !strings.Contains(msg, "lost during COMMIT: COMMIT was sent, and the transaction may or may not have been committed") {
		t.Errorf("the in-flight commit's error does not name the node and say the COMMIT was sent with an unknown outcome: %v", err)
	}
	err = idle.Commit()
	t.Logf("COMMIT of a transaction idle when the primary died: %v", err)
	if err == nil || !strings.Contains(err.Error(), r.hosts[0]) ||
		!strings.Contains(err.Error(), "COMMIT was not sent and nothing was committed") && !strings.Contains(err.Error(), "may or may not have been committed") {
		t.Errorf("the idle transaction's commit error does not say whether COMMIT was sent: %v", err)
	}

	// No primary yet: the next transaction says so, naming each host.
	_, err = db.BeginTx(ctx, nil)
	if !errors.Is(err, relm.ErrNoPrimary) || !strings.Contains(err.Error(), r.hosts[0]+": unreachable") || !strings.Contains(err.Error(), r.hosts[1]+": a standby") {
		t.Errorf("BeginTx with the primary dead and no standby promoted: %v, want ErrNoPrimary naming the hosts", err)
	}

	pgReplicasScript(t, "promote", "2")
	tx, err := db.BeginTx(ctx, nil)
	pgMust(t, err)
	var port int
	var standby bool
	pgMust(t, queryRow(tx.QueryContext(ctx, whereQuery))(&port, &standby))
	if standby || fmt.Sprint("127.0.0.1:", port) != r.hosts[1] {
		t.Errorf("the transaction after the promotion ran on port %d (standby %v), want the promoted %s", port, standby, r.hosts[1])
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO ft VALUES (3)")
	pgMust(t, err)
	pgMust(t, tx.Commit())
	warned := false
	for _, rec := range log.records {
		if rec.Level == slog.LevelWarn && strings.Contains(rec.Message, "transactions now go to") {
			attrs := map[string]string{}
			rec.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
			warned = attrs["from"] == r.hosts[0] && attrs["to"] == r.hosts[1]
		}
	}
	if !warned {
		t.Errorf("no warning naming the switch from %s to %s: %q", r.hosts[0], r.hosts[1], log.messages())
	}
	// What the new primary holds: the rows committed before, not those of
	// the commits cut; the row just committed is read at once (on the
	// primary: the other standby still follows the dead node).
	var ids []int64
	rows, err := db.QueryContext(ctx, "SELECT id FROM ft ORDER BY id")
	pgMust(t, err)
	for rows.Next() {
		var id int64
		pgMust(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	pgMust(t, rows.Err())
	if fmt.Sprint(ids) != "[1 2 3]" {
		t.Errorf("rows after the failover: %v, want [1 2 3]", ids)
	}
	// Another DB's statement outside a transaction finds the new primary
	// too (its connection could not be made: it surely was not sent).
	_, err = bystander.ExecContext(ctx, "INSERT INTO ft VALUES (4)")
	pgMust(t, err)
	pgMust(t, queryRow(db.QueryContext(ctx, "SELECT count(*) FROM ft WHERE id = 4"))(new(int)))
}
