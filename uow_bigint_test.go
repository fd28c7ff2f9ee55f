package relm_test

import (
	"math"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// beyond32 does not fit the 32-bit INTEGER of PostgreSQL and MySQL.
const beyond32 = 3_000_000_000

type WideOwner struct {
	ID    int         `relm:"pk;autoincrement:false"`
	Count int         `relm:"column:cnt"`
	Hits  uint        `relm:"column:hits"`
	Maybe *int        `relm:"column:maybe"`
	Items []*WideItem `relm:"backref:Owner"`
}

func (WideOwner) TableName() string { return "wide_owners" }

type WideItem struct {
	ID      int        `relm:"pk;autoincrement:false"`
	OwnerID *int       `relm:"fk:wide_owners.id"`
	Owner   *WideOwner // bound by the backref
}

func (WideItem) TableName() string { return "wide_items" }

type WideAuto struct {
	ID   int
	Name string `relm:"size:16"`
}

func (WideAuto) TableName() string { return "wide_autos" }

// TestUOWIntHolds64Bits: a Go int is 64 bits, and so is its column on
// every database (issue 35.4) — 3,000,000,000 in int, uint and *int
// fields, in a primary key and in the foreign key that refers to it, is
// written, read back by Get and by a select-in load, and is what the
// database holds; a generated key past 2^31 comes back into an int field.
func TestUOWIntHolds64Bits(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &WideOwner{}, &WideItem{}, &WideAuto{})
		s := newSession(t, db, log, reg)
		big := beyond32 + 7
		o := &WideOwner{ID: beyond32, Count: beyond32 + 1, Hits: beyond32 + 2, Maybe: &big}
		it := &WideItem{ID: beyond32 + 3, Owner: o}
		must(t, s.AddAll(o, it))
		must(t, s.Commit(ctx))
		if it.OwnerID == nil || *it.OwnerID != beyond32 {
			t.Fatalf("OwnerID = %v after commit, want %d", it.OwnerID, beyond32)
		}
		var got struct{ id, cnt, hits, maybe, fk int64 }
		must(t, db.SQL().QueryRowContext(ctx, "SELECT o.id, o.cnt, o.hits, o.maybe, i.owner_id FROM wide_owners o JOIN wide_items i ON i.owner_id = o.id").
			Scan(&got.id, &got.cnt, &got.hits, &got.maybe, &got.fk))
		if got.id != beyond32 || got.cnt != beyond32+1 || got.hits != beyond32+2 || got.maybe != beyond32+7 || got.fk != beyond32 {
			t.Fatalf("the database holds %+v, want 3000000000, …01, …02, …07, 3000000000", got)
		}

		s2 := relm.NewSession(db, reg)
		t.Cleanup(func() { s2.Close() })
		back, err := relm.Get[WideOwner](ctx, s2, beyond32)
		must(t, err)
		if back == nil || back.ID != beyond32 || back.Count != beyond32+1 || back.Hits != beyond32+2 || back.Maybe == nil || *back.Maybe != big {
			t.Fatalf("Get read %+v", back)
		}
		owners, err := relm.Select[WideOwner](s2).SelectIn("Items").All(ctx)
		must(t, err)
		if len(owners) != 1 || len(owners[0].Items) != 1 || owners[0].Items[0].ID != beyond32+3 {
			t.Fatalf("select-in through the 64-bit key: %+v", owners)
		}

		// An update past 2^31 of a value field, too.
		back.Count = 2 * beyond32
		must(t, s2.Commit(ctx))
		if n := queryInt(t, db, "SELECT cnt FROM wide_owners"); n != 2*beyond32 {
			t.Fatalf("cnt = %d after the update, want %d", n, 2*beyond32)
		}

		// A generated key past 2^31: BIGSERIAL, BIGINT AUTO_INCREMENT, and
		// on SQLite the rowid, which follows the largest one there is.
		switch db.Dialect().Name() {
		case "postgres":
			must(t, execSQL(db, "SELECT setval(pg_get_serial_sequence('wide_autos', 'id'), 2999999999)"))
		case "mysql":
			must(t, execSQL(db, "ALTER TABLE wide_autos AUTO_INCREMENT = 3000000000"))
		case "sqlite":
			must(t, execSQL(db, "INSERT INTO wide_autos (id, name) VALUES (2999999999, 'seed')"))
		}
		a := &WideAuto{Name: "a"}
		must(t, s2.Add(a))
		must(t, s2.Commit(ctx))
		// A Galera node hands out keys in steps of the cluster's size
		// (auto_increment_increment), so the first may be a little past.
		if a.ID < beyond32 || a.ID > beyond32+16 {
			t.Fatalf("generated key %d, want %d or just past it", a.ID, beyond32)
		}
		if n := queryInt(t, db, "SELECT id FROM wide_autos WHERE name = 'a'"); n != a.ID {
			t.Fatalf("the row holds key %d, the object %d", n, a.ID)
		}

		// A uint beyond BIGINT fails the statement, naming the value,
		// rather than being clamped or wrapped by the server.
		s3 := relm.NewSession(db, reg)
		t.Cleanup(func() { s3.Close() })
		must(t, s3.Add(&WideOwner{ID: 1, Hits: math.MaxUint64}))
		err = s3.Commit(ctx)
		if err == nil || !strings.Contains(err.Error(), "18446744073709551615 does not fit a BIGINT column") {
			t.Fatalf("commit of a uint beyond BIGINT: %v, want an error naming the value", err)
		}
		if n := countRows(t, db, "wide_owners"); n != 1 {
			t.Fatalf("wide_owners has %d rows after the refused insert, want 1", n)
		}
	})
}

func execSQL(db *relm.DB, stmt string) error {
	_, err := db.SQL().ExecContext(ctx, stmt)
	return err
}
