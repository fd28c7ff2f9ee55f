package relm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// A commit of one statement runs it without BEGIN and COMMIT: a check that
// failed after it could not take its row back. These are the ways such a
// commit could fail after its write; each is now checked before the
// statement or sent in a transaction, and leaves no row.

// CodeKey has a key the program sets: no database default.
type CodeKey struct {
	Code string `relm:"pk;size:16"`
	Name string `relm:"size:32"`
}

// PairKey has a composite key, both parts set by the program.
type PairKey struct {
	A    int `relm:"pk;autoincrement:false"`
	B    int `relm:"pk;autoincrement:false"`
	Name string
}

// SmallKey has a generated key in a field too small for every key the
// database may generate.
type SmallKey struct {
	ID   int16 `relm:"pk"`
	Name string
}

func TestSingleStatementCommitLeavesNoRowOnError(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &CodeKey{}, &PairKey{}, &SmallKey{})
		s := newSession(t, db, log, reg)

		// An empty string key: refused before any statement.
		c := &CodeKey{Name: "nameless"}
		must(t, s.Add(c))
		err := s.Commit(ctx)
		if !errors.Is(err, relm.ErrNoKey) || !strings.Contains(err.Error(), "CodeKey.Code") {
			t.Fatalf("commit of an object with an empty key returned %v, want ErrNoKey naming CodeKey.Code", err)
		}
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("the refused commit sent %v", log.Statements())
		}
		if n := countRows(t, db, "code_keys"); n != 0 {
			t.Fatalf("%d rows after the failed commit, want 0", n)
		}
		c.Code = "k1" // the session is usable: set the key, commit again
		must(t, s.Commit(ctx))
		if n := countRows(t, db, "code_keys"); n != 1 {
			t.Fatalf("%d rows after the second commit, want 1", n)
		}

		// A composite key with one part unset, among rows that have theirs.
		must(t, s.AddAll(&PairKey{A: 1, B: 1}, &PairKey{A: 1}, &PairKey{A: 2, B: 2}))
		log.Reset()
		err = s.Commit(ctx)
		if !errors.Is(err, relm.ErrNoKey) || !strings.Contains(err.Error(), "row 2 of 3") || !strings.Contains(err.Error(), "PairKey.B") {
			t.Fatalf("commit with a composite key half set returned %v, want ErrNoKey naming row 2 and PairKey.B", err)
		}
		if n := countRows(t, db, "pair_keys"); n != 0 || len(log.Statements()) != 0 {
			t.Fatalf("%d rows and statements %v after the refused commit, want none", n, log.Statements())
		}
		s.ExpungeAll()

		// A generated key past the field's range: the INSERT succeeds, the
		// key does not fit; in a transaction, rolled back.
		switch db.Dialect().Name() {
		case "sqlite":
			_, err = db.SQL().ExecContext(ctx, "INSERT INTO small_keys (id, name) VALUES (40000, 'high')")
		case "postgres":
			_, err = db.SQL().ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('small_keys', 'id'), 40000)")
		case "mysql":
			_, err = db.SQL().ExecContext(ctx, "ALTER TABLE small_keys AUTO_INCREMENT = 40001")
		}
		must(t, err)
		before := countRows(t, db, "small_keys")
		small := &SmallKey{Name: "overflow"}
		must(t, s.Add(small))
		log.Reset()
		err = s.Commit(ctx)
		if err == nil || !strings.Contains(err.Error(), "overflows int16") {
			t.Fatalf("commit of a key past int16 returned %v, want an overflow error", err)
		}
		if n := countRows(t, db, "small_keys"); n != before {
			t.Fatalf("%d rows after the failed commit, want %d", n, before)
		}
		if log.Count("BEGIN") != 1 {
			t.Fatalf("the commit sent %v, want it in a transaction", log.Statements())
		}
		if small.ID != 0 {
			t.Fatalf("the object kept key %d", small.ID)
		}
	})
}

// Rows of one table with and without an explicit value for the generated key
// are two INSERTs: in a transaction, not as a one-statement commit.
func TestExplicitAndGeneratedKeysCommitInOneTransaction(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &SmallKey{})
		s := newSession(t, db, log, reg)
		must(t, s.AddAll(&SmallKey{ID: 100, Name: "explicit"}, &SmallKey{Name: "generated"}))
		must(t, s.Commit(ctx))
		if log.Count("INSERT") != 2 || log.Count("BEGIN") != 1 || log.Count("COMMIT") != 1 {
			t.Fatalf("sent %v, want two INSERTs between BEGIN and COMMIT", log.Statements())
		}
	})
}
