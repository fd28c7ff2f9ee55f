package relm_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// Issue 31, item 3: upsert.

type upAccount struct {
	ID     int    `relm:"pk"`
	Email  string `relm:"size:64;unique"`
	Name   string `relm:"size:64"`
	Visits int
}

func (upAccount) TableName() string { return "up_accounts" }

type upStock struct {
	ID   int    `relm:"pk"`
	Shop string `relm:"size:16;unique:ux_up_stock"`
	SKU  string `relm:"size:16;unique:ux_up_stock"`
	Qty  int
}

func (upStock) TableName() string { return "up_stocks" }

// upSetup creates the tables and saves ada (5 visits) and, in the
// second shop, sku-1 (qty 3); it returns the registry and ada's key.
func upSetup(t *testing.T, db *relm.DB, log *testdb.Log) (*mapping.Registry, int) {
	t.Helper()
	reg := mapping.NewRegistry()
	qtMust(t, reg.Register(&upAccount{}, &upStock{}))
	qtMust(t, reg.CreateAll(qtCtx, db))
	s := qtSession(t, db, reg)
	ada := &upAccount{Email: "ada@example.com", Name: "Ada", Visits: 5}
	qtMust(t, s.AddAll(ada, &upStock{Shop: "b", SKU: "sku-1", Qty: 3}))
	qtMust(t, s.Commit(qtCtx))
	log.Reset()
	return reg, ada.ID
}

// upGolden holds the statements (as %q of the list) of each case per dialect.
var upGolden = map[string]map[string]string{
	"do update": {
		"sqlite":   "[\"INSERT INTO \\\"up_accounts\\\" (\\\"email\\\", \\\"name\\\", \\\"visits\\\") VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT (\\\"email\\\") DO UPDATE SET \\\"name\\\" = EXCLUDED.\\\"name\\\" RETURNING \\\"id\\\", \\\"email\\\", \\\"name\\\", \\\"visits\\\"\"]",
		"postgres": "[\"INSERT INTO \\\"up_accounts\\\" (\\\"email\\\", \\\"name\\\", \\\"visits\\\") VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT (\\\"email\\\") DO UPDATE SET \\\"name\\\" = EXCLUDED.\\\"name\\\" RETURNING \\\"id\\\", \\\"email\\\", \\\"name\\\", \\\"visits\\\"\"]",
		"mysql":    "[\"INSERT INTO `up_accounts` (`email`, `name`, `visits`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`) RETURNING `id`, `email`, `name`, `visits`\"]",
	},
	"do update all": {
		"sqlite":   "[\"INSERT INTO \\\"up_stocks\\\" (\\\"shop\\\", \\\"sku\\\", \\\"qty\\\") VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT (\\\"shop\\\", \\\"sku\\\") DO UPDATE SET \\\"qty\\\" = EXCLUDED.\\\"qty\\\" RETURNING \\\"id\\\", \\\"shop\\\", \\\"sku\\\", \\\"qty\\\"\"]",
		"postgres": "[\"INSERT INTO \\\"up_stocks\\\" (\\\"shop\\\", \\\"sku\\\", \\\"qty\\\") VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT (\\\"shop\\\", \\\"sku\\\") DO UPDATE SET \\\"qty\\\" = EXCLUDED.\\\"qty\\\" RETURNING \\\"id\\\", \\\"shop\\\", \\\"sku\\\", \\\"qty\\\"\"]",
		"mysql":    "[\"INSERT INTO `up_stocks` (`shop`, `sku`, `qty`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE `qty` = VALUES(`qty`) RETURNING `id`, `shop`, `sku`, `qty`\"]",
	},
	"do nothing": {
		"sqlite":   "[\"INSERT INTO \\\"up_accounts\\\" (\\\"email\\\", \\\"name\\\", \\\"visits\\\") VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT (\\\"email\\\") DO NOTHING RETURNING \\\"id\\\", \\\"email\\\", \\\"name\\\", \\\"visits\\\"\" \"SELECT t0.\\\"id\\\", t0.\\\"email\\\", t0.\\\"name\\\", t0.\\\"visits\\\" FROM \\\"up_accounts\\\" t0 WHERE t0.\\\"email\\\" = ?\"]",
		"postgres": "[\"INSERT INTO \\\"up_accounts\\\" (\\\"email\\\", \\\"name\\\", \\\"visits\\\") VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT (\\\"email\\\") DO NOTHING RETURNING \\\"id\\\", \\\"email\\\", \\\"name\\\", \\\"visits\\\"\" \"SELECT t0.\\\"id\\\", t0.\\\"email\\\", t0.\\\"name\\\", t0.\\\"visits\\\" FROM \\\"up_accounts\\\" t0 WHERE t0.\\\"email\\\" = $1\"]",
		"mysql":    "[\"INSERT INTO `up_accounts` (`email`, `name`, `visits`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE `id` = `id` RETURNING `id`, `email`, `name`, `visits`\"]",
	},
}

func upCheck(t *testing.T, db *relm.DB, log *testdb.Log, name string) {
	t.Helper()
	d := db.Dialect().Name()
	st := fmt.Sprintf("%q", log.Statements())
	if want, ok := upGolden[name][d]; !ok || st != want {
		t.Errorf("%s on %s: SQL %s\nwant %s", name, d, st, want)
	}
	log.Reset()
}

// upRows reads the accounts back through a fresh session.
func upRows(t *testing.T, db *relm.DB, reg *mapping.Registry) string {
	t.Helper()
	rows, err := relm.Select[upAccount](qtSession(t, db, reg)).OrderBy("Email").All(qtCtx)
	qtMust(t, err)
	out := ""
	for _, r := range rows {
		out += fmt.Sprintf("%s:%s:%d ", r.Email, r.Name, r.Visits)
	}
	return out
}

func TestUpsertDoUpdate(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, adaID := upSetup(t, db, log)
		s := qtSession(t, db, reg)
		ada := &upAccount{Email: "ada@example.com", Name: "Ada L.", Visits: 99}
		bob := &upAccount{Email: "bob@example.com", Name: "Bob", Visits: 1}
		qtMust(t, relm.Insert[upAccount](s).OnConflict("Email").DoUpdate("Name").Exec(qtCtx, ada, bob))
		upCheck(t, db, log, "do update")
		// Each object holds its row: ada's key and visits, the new name.
		if ada.ID != adaID || ada.Name != "Ada L." || ada.Visits != 5 || bob.ID == 0 || bob.ID == adaID || bob.Visits != 1 {
			t.Errorf("objects after upsert: %+v %+v (ada's key %d)", ada, bob, adaID)
		}
		if got, want := upRows(t, db, reg), "ada@example.com:Ada L.:5 bob@example.com:Bob:1 "; got != want {
			t.Errorf("rows %q, want %q", got, want)
		}
		// Both persistent in the session, under their keys, in step.
		got, err := relm.Select[upAccount](s).Where(relm.Eq("ID", bob.ID)).One(qtCtx)
		qtMust(t, err)
		if got != bob {
			t.Errorf("the session's object for bob's row is %p, not the upserted %p", got, bob)
		}
		log.Reset()
		qtMust(t, s.Commit(qtCtx))
		if st := log.Statements(); len(st) != 0 {
			t.Errorf("Commit after an upsert wrote %q: the snapshots are not the rows", st)
		}
		ada.Visits = 6
		qtMust(t, s.Commit(qtCtx))
		if got := upRows(t, db, reg); got != "ada@example.com:Ada L.:6 bob@example.com:Bob:1 " {
			t.Errorf("a change after the upsert: rows %q", got)
		}

		// A composite unique index; DoUpdateAll.
		log.Reset()
		st := &upStock{Shop: "b", SKU: "sku-1", Qty: 10}
		qtMust(t, relm.Insert[upStock](s).OnConflict("Shop", "SKU").DoUpdateAll().Exec(qtCtx, st, &upStock{Shop: "a", SKU: "sku-1", Qty: 1}))
		upCheck(t, db, log, "do update all")
		if st.ID == 0 || st.Qty != 10 {
			t.Errorf("stock after upsert: %+v", st)
		}
	})
}

func TestUpsertDoNothing(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, adaID := upSetup(t, db, log)
		s := qtSession(t, db, reg)
		ada := &upAccount{Email: "ada@example.com", Name: "Impostor", Visits: 99}
		cyd := &upAccount{Email: "cyd@example.com", Name: "Cyd"}
		qtMust(t, relm.Insert[upAccount](s).OnConflict("Email").DoNothing().Exec(qtCtx, ada, cyd))
		upCheck(t, db, log, "do nothing")
		// The conflicting object gets the existing row, key included.
		if ada.ID != adaID || ada.Name != "Ada" || ada.Visits != 5 || cyd.ID == 0 {
			t.Errorf("objects after DO NOTHING: %+v %+v (ada's key %d)", ada, cyd, adaID)
		}
		if got, want := upRows(t, db, reg), "ada@example.com:Ada:5 cyd@example.com:Cyd:0 "; got != want {
			t.Errorf("rows %q, want %q", got, want)
		}
	})
}

func TestUpsertHeldObject(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, adaID := upSetup(t, db, log)
		s := qtSession(t, db, reg)
		held, err := relm.Select[upAccount](s).Where(relm.Eq("ID", adaID)).One(qtCtx)
		qtMust(t, err)
		again := &upAccount{Email: "ada@example.com", Name: "Ada K.", Visits: 7}
		qtMust(t, relm.Insert[upAccount](s).OnConflict("Email").DoUpdate("Name", "Visits").Exec(qtCtx, again))
		if held.Name != "Ada K." || held.Visits != 7 || again.ID != adaID {
			t.Errorf("held %+v, given %+v", held, again)
		}
		got, err := relm.Select[upAccount](s).Where(relm.Eq("Email", "ada@example.com")).One(qtCtx)
		qtMust(t, err)
		if got != held {
			t.Errorf("the session's object is %p, want the held %p", got, held)
		}
		log.Reset()
		qtMust(t, s.Commit(qtCtx))
		if st := log.Statements(); len(st) != 0 {
			t.Errorf("Commit wrote %q: the held object's snapshot is not its row", st)
		}
		// The given object stayed out of the session: Add makes it a
		// second object for the row, refused.
		if err := s.Add(again); err == nil {
			t.Error("Add of the given object after the upsert: no identity conflict")
		}
	})
}

func TestUpsertBatches(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, _ := upSetup(t, db, log)
		s := qtSession(t, db, reg)
		per := db.Dialect().MaxParams() / 3 // email, name, visits
		n := per + 2
		objs := make([]*upAccount, n)
		for i := range objs {
			objs[i] = &upAccount{Email: fmt.Sprintf("u%d@example.com", i), Name: "u", Visits: i}
		}
		qtMust(t, relm.Insert[upAccount](s).OnConflict("Email").DoUpdate("Visits").Exec(qtCtx, objs...))
		if got := log.Count("INSERT"); got != 2 {
			t.Errorf("%d rows of 3 parameters under a limit of %d: %d INSERTs, want 2", n, db.Dialect().MaxParams(), got)
		}
		keys := map[int]bool{}
		for _, o := range objs {
			keys[o.ID] = true
		}
		if len(keys) != n || keys[0] {
			t.Fatalf("%d distinct keys for %d rows (a zero one: %v)", len(keys), n, keys[0])
		}
		// Again, every row a conflict: the same keys, the new values.
		again := make([]*upAccount, n)
		for i := range again {
			again[i] = &upAccount{Email: objs[i].Email, Name: "v", Visits: -i}
		}
		s2 := qtSession(t, db, reg)
		qtMust(t, relm.Insert[upAccount](s2).OnConflict("Email").DoUpdate("Visits").Exec(qtCtx, again...))
		for i, o := range again {
			if o.ID != objs[i].ID || o.Visits != -i || o.Name != "u" {
				t.Fatalf("row %d after the second upsert: %+v, want key %d", i, o, objs[i].ID)
			}
		}
	})
}

func TestUpsertBadInput(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, _ := upSetup(t, db, log)
		s := qtSession(t, db, reg)
		ins := func() *relm.Upsert[upAccount] { return relm.Insert[upAccount](s) }
		obj := func() *upAccount { return &upAccount{Email: "x@example.com", Name: "x"} }
		check := func(err error, fragments ...string) {
			t.Helper()
			expectBadQuery(t, err, fragments...)
			if n := len(log.Statements()); n != 0 {
				t.Errorf("%d statements sent: %q", n, log.Statements())
			}
			log.Reset()
		}
		check(ins().OnConflict("Name").DoNothing().Exec(qtCtx, obj()), "upAccount", "up_accounts", "(name)", "unique")
		check(ins().OnConflict("Email", "Name").DoNothing().Exec(qtCtx, obj()), "(email, name)")
		check(relm.Insert[upStock](s).OnConflict("SKU").DoNothing().Exec(qtCtx, &upStock{}), "upStock", "(sku)")
		check(ins().OnConflict("Emial").DoNothing().Exec(qtCtx, obj()), "Email")
		check(ins().OnConflict("Email").Exec(qtCtx, obj()), "DoNothing, DoUpdate")
		check(ins().DoNothing().Exec(qtCtx, obj()), "no OnConflict")
		check(ins().OnConflict("Email").DoUpdate("Nmae").Exec(qtCtx, obj()), "Name")
		check(ins().OnConflict("Email").DoUpdate().Exec(qtCtx, obj()), "DoUpdateAll")
		check(ins().OnConflict("Email").DoUpdate("ID").Exec(qtCtx, obj()), "primary key")
		check(ins().OnConflict("Email").DoNothing().DoUpdate("Name").Exec(qtCtx, obj()), "already chosen")
		check(ins().OnConflict("Email").DoNothing().Exec(qtCtx, obj(), nil), "object 2 is nil")
		check(ins().OnConflict("Email").DoNothing().Exec(qtCtx, obj(), obj()), "objects 1 and 2", "email")
		k := obj()
		k.ID = 77
		check(ins().OnConflict("Email").DoNothing().Exec(qtCtx, k, &upAccount{Email: "y"}), "1 of 2", "ID")
		held := obj()
		qtMust(t, s.Add(held))
		check(ins().OnConflict("Email").DoNothing().Exec(qtCtx, held), "already in the session")
		qtMust(t, s.Rollback(qtCtx))
		log.Reset()
		// Nothing written by any of them.
		if got := upRows(t, db, reg); got != "ada@example.com:Ada:5 " {
			t.Errorf("rows %q", got)
		}
	})
}

func TestUpsertRollback(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg, adaID := upSetup(t, db, log)
		s := qtSession(t, db, reg)
		held, err := relm.Select[upAccount](s).Where(relm.Eq("ID", adaID)).One(qtCtx)
		qtMust(t, err)
		qtMust(t, s.Add(&upAccount{Email: "zed@example.com", Name: "Zed"}))
		qtMust(t, s.Flush(qtCtx)) // the transaction is open
		eve := &upAccount{Email: "eve@example.com", Name: "Eve"}
		qtMust(t, relm.Insert[upAccount](s).OnConflict("Email").DoUpdate("Name").Exec(qtCtx, eve,
			&upAccount{Email: "ada@example.com", Name: "Ada R."}))
		if !s.Contains(eve) || held.Name != "Ada R." {
			t.Fatalf("in the transaction: eve held %v, ada %q", s.Contains(eve), held.Name)
		}
		qtMust(t, s.Rollback(qtCtx))
		if s.Contains(eve) || held.Name != "Ada" {
			t.Errorf("after Rollback: eve held %v, ada's name %q (want Ada, as before the upsert)", s.Contains(eve), held.Name)
		}
		if got := upRows(t, db, reg); got != "ada@example.com:Ada:5 " {
			t.Errorf("rows after Rollback %q", got)
		}
	})
}

type upSoft struct {
	ID        int        `relm:"pk"`
	Email     string     `relm:"size:64;unique"`
	Name      string     `relm:"size:64"`
	DeletedAt *time.Time `relm:"softdelete"`
}

func (upSoft) TableName() string { return "up_softs" }

// An upsert meeting a soft-deleted row: the row is there, so it is the
// conflict. DoUpdate of other fields updates it and leaves it deleted —
// the object is the row as it is, deletion time included, and stays out
// of queries; DoUpdateAll writes the object's nil deletion time too,
// restoring the row; DoNothing gives the object the deleted row's key.
func TestUpsertSoftDeletedRow(t *testing.T) {
	t.Parallel()
	qtEach(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := mapping.NewRegistry()
		qtMust(t, reg.Register(&upSoft{}))
		qtMust(t, reg.CreateAll(qtCtx, db))
		s := qtSession(t, db, reg)
		ada := &upSoft{Email: "ada@example.com", Name: "Ada"}
		qtMust(t, s.Add(ada))
		qtMust(t, s.Commit(qtCtx))
		qtMust(t, s.Delete(ada))
		qtMust(t, s.Commit(qtCtx))

		s = qtSession(t, db, reg)
		again := &upSoft{Email: "ada@example.com", Name: "Ada K."}
		qtMust(t, relm.Insert[upSoft](s).OnConflict("Email").DoUpdate("Name").Exec(qtCtx, again))
		if again.ID != ada.ID || again.DeletedAt == nil || again.Name != "Ada K." {
			t.Errorf("DoUpdate on a soft-deleted row: %+v, want its key %d, the new name and a deletion time", again, ada.ID)
		}
		if n, err := relm.Select[upSoft](s).Count(qtCtx); err != nil || n != 0 {
			t.Errorf("after DoUpdate the row is seen: %d, %v", n, err)
		}
		qtMust(t, s.Commit(qtCtx))

		s = qtSession(t, db, reg)
		kept := &upSoft{Email: "ada@example.com", Name: "ignored"}
		qtMust(t, relm.Insert[upSoft](s).OnConflict("Email").DoNothing().Exec(qtCtx, kept))
		if kept.ID != ada.ID || kept.Name != "Ada K." || kept.DeletedAt == nil {
			t.Errorf("DoNothing on a soft-deleted row: %+v, want the row as it is (key %d)", kept, ada.ID)
		}
		qtMust(t, s.Commit(qtCtx))

		s = qtSession(t, db, reg)
		back := &upSoft{Email: "ada@example.com", Name: "Ada L."}
		qtMust(t, relm.Insert[upSoft](s).OnConflict("Email").DoUpdateAll().Exec(qtCtx, back))
		if back.ID != ada.ID || back.DeletedAt != nil {
			t.Errorf("DoUpdateAll on a soft-deleted row: %+v, want key %d, restored", back, ada.ID)
		}
		qtMust(t, s.Commit(qtCtx))
		got, err := relm.Select[upSoft](qtSession(t, db, reg)).One(qtCtx)
		qtMust(t, err)
		if got.Name != "Ada L." {
			t.Errorf("the restored row: %+v", got)
		}
	})
}
