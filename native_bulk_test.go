package relm_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/dialect/postgres"
	"github.com/relmorm/relm/internal/testdb"
)

// preparedBulk counts the statements prepared by relm's own bulk path on
// the connection the query runs on (pgx's statement cache names its own
// stmtcache_…, relm's are relm_…).
const preparedBulk = `SELECT COUNT(*) FROM pg_prepared_statements WHERE name LIKE 'relm\_%' AND statement LIKE 'INSERT INTO "kinds"%unnest%'`

// TestNativeBulkPrepared: on PostgreSQL, a one-statement commit of rows in
// arrays (INSERT … SELECT unnest(…)) runs as a statement relm prepares
// once per connection and binds with arrays it writes in binary itself;
// the rows read back as written, hard values included. A statement the
// server no longer holds (DEALLOCATE ALL) or whose result changed type
// (the key column altered) is prepared again, and the commit goes
// through; a statement that fails on a row reports PostgreSQL's error,
// and the prepared statement serves the next commit.
func TestNativeBulkPrepared(t *testing.T) {
	if strings.Contains(testdb.ServerDSN("postgres"), ",") {
		t.Skip("RELM_TEST_POSTGRES names several hosts: relm runs its statements through database/sql there, and a read of pg_prepared_statements goes to a standby")
	}
	log := &testdb.Log{}
	db := testdb.Open(t, "postgres", log.Option())
	db.SQL().SetMaxOpenConns(1) // one connection: what it prepared is visible
	reg := registry(t, &Kinds{})
	s := newSession(t, db, log, reg)

	var written []*Kinds
	commit := func(step string, n int) {
		t.Helper()
		rows := hostileRows("postgres", n)
		for i, k := range rows {
			k.Tag = step + "-" + k.Tag
			if i == 0 {
				k.BY = nil // a NULL blob first: the has-NULLs flag set after the fact
			}
		}
		log.Reset()
		must(t, s.AddAll(rows))
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if st := bulkInserts(log); len(st) != 1 || !strings.Contains(st[0], "unnest") {
			t.Fatalf("%s: statements %v, want one INSERT … unnest", step, kinds(db, log.Statements()))
		}
		for _, k := range rows {
			if k.ID == 0 {
				t.Fatalf("%s: a row without its key", step)
			}
		}
		written = append(written, rows...)
	}

	commit("first", 200) // 13 columns: 2,600 values, in arrays
	if n := queryInt(t, db, preparedBulk); n != 1 {
		t.Fatalf("after the first commit: %d bulk statements prepared by relm, want 1", n)
	}
	commit("again", 150)
	if n := queryInt(t, db, preparedBulk); n != 1 {
		t.Fatalf("after the second commit: %d bulk statements prepared by relm, want 1 (reused)", n)
	}

	// The server forgets the statement (DEALLOCATE ALL would also drop
	// pgx's own, which pgx does not survive).
	name := queryStrings(t, db, strings.Replace(preparedBulk, "COUNT(*)", "name", 1))[0]
	_, err := db.SQL().ExecContext(ctx, "DEALLOCATE "+name)
	must(t, err)
	commit("deallocated", 150)

	// The key column changes type: the prepared INSERT's RETURNING no
	// longer matches ("cached plan must not change result type").
	typ := queryStrings(t, db, "SELECT data_type FROM information_schema.columns WHERE table_name = 'kinds' AND column_name = 'id'")[0]
	other := map[string]string{"bigint": "integer", "integer": "bigint"}[typ]
	if other == "" {
		t.Fatalf("kinds.id is %s", typ)
	}
	_, err = db.SQL().ExecContext(ctx, "ALTER TABLE kinds ALTER COLUMN id TYPE "+other)
	must(t, err)
	// First a commit of two statements (the rows and an UPDATE), in a
	// transaction, through database/sql: pgx prepares the INSERT afresh,
	// relm's stale statement is not used for it.
	written[0].S = "changed in a transaction"
	commit("in-tx", 150)
	if got := kinds(db, log.Statements()); !slices.Contains(got, "BEGIN") || !slices.Contains(got, "UPDATE kinds") {
		t.Fatalf("in-tx: statements %v, want a transaction with the INSERT and an UPDATE", got)
	}
	commit("altered", 150)
	if n := queryInt(t, db, preparedBulk); n != 1 {
		t.Fatalf("after the retries: %d bulk statements prepared by relm, want 1", n)
	}

	// A row that breaks a constraint: PostgreSQL's error, testable with
	// errors.As, and the next commit still runs prepared.
	_, err = db.SQL().ExecContext(ctx, "CREATE UNIQUE INDEX kinds_tag ON kinds (tag)")
	must(t, err)
	dup := hostileRows("postgres", 150)
	for _, k := range dup {
		k.Tag = "dup-" + k.Tag
	}
	dup[149].Tag = dup[0].Tag
	must(t, s.AddAll(dup))
	err = s.Commit(ctx)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("duplicate tag: %v, want a unique violation (23505)", err)
	}
	var stErr *relm.StatementError
	if !errors.As(err, &stErr) || !strings.Contains(stErr.SQL, "unnest") {
		t.Fatalf("duplicate tag: %v, want a StatementError of the bulk INSERT", err)
	}
	s.Close()
	s = relm.NewSession(db, reg)
	defer s.Close()
	commit("after-error", 150)
	if n := queryInt(t, db, preparedBulk); n != 1 {
		t.Fatalf("after the error: %d bulk statements prepared by relm, want 1", n)
	}
	if n := countRows(t, db, "kinds"); n != len(written) {
		t.Fatalf("%d rows, want %d (the failed commit wrote none)", n, len(written))
	}
	readBackKinds(t, db, reg, written)
}

// bulkInserts returns the INSERTs into kinds the log holds.
func bulkInserts(log *testdb.Log) []string {
	var out []string
	for _, st := range log.Statements() {
		if kind(st) == "INSERT kinds" {
			out = append(out, st)
		}
	}
	return out
}

// TestNativeBulkExecModes: a program that chose another of pgx's query
// modes than its cached prepared statements (the simple protocol, or no
// prepared statements, as behind PgBouncer) keeps its choice: relm
// prepares nothing of its own, and the rows, hard values included, are
// written all the same — in the modes where pgx does not learn the
// parameters' types from the server, as the arrays' literals.
func TestNativeBulkExecModes(t *testing.T) {
	for _, param := range []string{"default_query_exec_mode=simple_protocol", "default_query_exec_mode=exec", "default_query_exec_mode=describe_exec", "default_query_exec_mode=cache_describe&statement_cache_capacity=0"} {
		t.Run(param, func(t *testing.T) {
			log := &testdb.Log{}
			dsn := testdb.NewDatabase(t, "postgres") + "&" + param
			db, err := relm.Open(ctx, dsn, log.Option())
			must(t, err)
			defer db.Close()
			db.SQL().SetMaxOpenConns(1)
			reg := registry(t, &Kinds{})
			s := newSession(t, db, log, reg)
			rows := hostileRows("postgres", 200)
			log.Reset()
			must(t, s.AddAll(rows))
			must(t, s.Commit(ctx))
			if st := bulkInserts(log); len(st) != 1 || !strings.Contains(st[0], "unnest") {
				t.Fatalf("statements %v, want one INSERT … unnest", kinds(db, log.Statements()))
			}
			if n := queryInt(t, db, preparedBulk); n != 0 {
				t.Fatalf("%d bulk statements prepared by relm under %s, want 0", n, param)
			}
			readBackKinds(t, db, reg, rows)
		})
	}
}

// queryTrace records what a pgx QueryTracer is told.
type queryTrace struct {
	mu    sync.Mutex
	start []string
	end   []pgx.TraceQueryEndData
}

func (q *queryTrace) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.start = append(q.start, d.SQL)
	return ctx
}

func (q *queryTrace) TraceQueryEnd(_ context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.end = append(q.end, d)
}

// TestNativeBulkTraced: the bulk INSERT relm prepares and binds itself is
// seen by the connection's pgx QueryTracer (OpenTelemetry's, a program's
// log), its start and its end with the command tag, as pgx's own Query
// is.
func TestNativeBulkTraced(t *testing.T) {
	cfg, err := pgx.ParseConfig(testdb.NewDatabase(t, "postgres"))
	must(t, err)
	trace := &queryTrace{}
	cfg.Tracer = trace
	sqldb := stdlib.OpenDB(*cfg)
	defer sqldb.Close()
	sqldb.SetMaxOpenConns(1)
	log := &testdb.Log{}
	db := relm.New(sqldb, postgres.New(), log.Option())
	reg := registry(t, &Kinds{})
	s := newSession(t, db, log, reg)
	rows := hostileRows("postgres", 200)
	must(t, s.AddAll(rows))
	trace.mu.Lock()
	before := len(trace.start)
	trace.mu.Unlock()
	must(t, s.Commit(ctx))
	if n := queryInt(t, db, preparedBulk); n != 1 {
		t.Fatalf("%d bulk statements prepared by relm, want 1: the commit did not take the prepared path", n)
	}
	trace.mu.Lock()
	start, end := trace.start[before:], trace.end[before:]
	trace.mu.Unlock() // the tracer sees the queries below too
	var traced []string
	for i, q := range start {
		if strings.HasPrefix(q, `INSERT INTO "kinds"`) {
			traced = append(traced, q)
			if end := end[i]; end.Err != nil || end.CommandTag.String() != "INSERT 0 200" {
				t.Errorf("the INSERT's trace ended with %q, %v; want INSERT 0 200 and no error", end.CommandTag.String(), end.Err)
			}
		}
	}
	if len(traced) != 1 || !strings.Contains(traced[0], "unnest") {
		t.Fatalf("traced INSERTs %q, want the one bulk INSERT", traced)
	}
	readBackKinds(t, db, reg, rows)
}
