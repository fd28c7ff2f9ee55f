package relm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// Wallet has a UUID key relm generates (default:uuid) and owns Entries,
// whose keys are integers the database generates; a Entry owns Remarks,
// whose string keys relm generates again (default:uuid7).
type Wallet struct {
	ID      uuid.UUID `relm:"pk;default:uuid"`
	Name    string    `relm:"size:40"`
	Entries []*Entry  `relm:"back_populates:Wallet;order_by:ID"`
}

type Entry struct {
	ID       int            `relm:"pk"`
	WalletID uuid.UUID      `relm:"fk:wallets.id"`
	Wallet   *Wallet        `relm:"back_populates:Entries"`
	Title    string         `relm:"size:40"`
	Meta     map[string]any `relm:"type:json"`
	Remarks  []*Remark      `relm:"back_populates:Entry;order_by:Body"`
}

type Remark struct {
	ID      string `relm:"pk;default:uuid7;size:36"`
	EntryID int    `relm:"fk:entries.id"`
	Entry   *Entry `relm:"back_populates:Remarks"`
	Body    string `relm:"size:40"`
}

// Client-generated keys: relm fills a zero key from its generator before
// the INSERT, so those rows need no RETURNING, and their children's foreign
// keys are set from them as from any key — mixed in one graph with keys the
// database generates.
func TestClientGeneratedKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Wallet{}, &Entry{}, &Remark{})
		s := newSession(t, db, log, reg)
		a := &Wallet{Name: "ann", Entries: []*Entry{
			{Title: "one", Meta: map[string]any{"pinned": true}, Remarks: []*Remark{{Body: "a"}, {Body: "b"}}},
			{Title: "two", Remarks: []*Remark{{Body: "c"}}},
		}}
		preset := uuid.New()
		b := &Wallet{ID: preset, Name: "bob"}
		must(t, s.Add(a))
		must(t, s.Add(b))
		must(t, s.Commit(ctx))

		if a.ID == uuid.Nil || a.ID.Version() != 4 || b.ID != preset {
			t.Fatalf("keys %s (version %d) and %s, want a random v4 key and the preset %s", a.ID, a.ID.Version(), b.ID, preset)
		}
		for _, p := range a.Entries {
			if p.ID == 0 || p.WalletID != a.ID {
				t.Fatalf("post %+v: key or account_id not set from %s", p, a.ID)
			}
			for _, r := range p.Remarks {
				if len(r.ID) != 36 || r.ID[14] != '7' || r.EntryID != p.ID {
					t.Fatalf("remark %+v: want a v7 UUID key and post_id %d", r, p.ID)
				}
			}
		}
		// One INSERT per table; RETURNING only where the database makes the key.
		if n := log.Count("INSERT"); n != 3 {
			t.Fatalf("sent %d INSERTs, want 3:\n%s", n, log)
		}
		for _, st := range log.Statements() {
			if strings.HasPrefix(st, "INSERT") && !strings.Contains(st, q(db, "entries")) && strings.Contains(st, "RETURNING") {
				t.Fatalf("a row with a client key was inserted with RETURNING: %s", st)
			}
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "entries")+" WHERE "+q(db, "wallet_id")+" = ?", a.ID.String()); n != 2 {
			t.Fatalf("%d entries rows hold wallet_id %s, want 2", n, a.ID)
		}
		if got := queryStrings(t, db, "SELECT "+q(db, "id")+" FROM "+q(db, "remarks")+" WHERE "+q(db, "body")+" = 'c'"); len(got) != 1 || got[0] != a.Entries[1].Remarks[0].ID {
			t.Fatalf("remarks row holds id %v, want %s", got, a.Entries[1].Remarks[0].ID)
		}

		// Loaded back by the UUID key, with both collections; changed and
		// written by it.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Select[Wallet](s2).Where(relm.Eq("ID", a.ID)).SelectIn("Entries.Remarks").One(ctx)
		must(t, err)
		if got.ID != a.ID || len(got.Entries) != 2 || len(got.Entries[0].Remarks) != 2 || got.Entries[0].Remarks[1].ID != a.Entries[0].Remarks[1].ID {
			t.Fatalf("loaded %+v", got)
		}
		if got.Entries[0].Meta["pinned"] != true || got.Entries[1].Meta != nil {
			t.Fatalf("select-in loaded entries' JSON %v, %v", got.Entries[0].Meta, got.Entries[1].Meta)
		}
		// The joined loader scans a JSON column of the joined table too.
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		rs, err := relm.Select[Remark](s3).Joined("Entry").OrderBy("Body").All(ctx)
		must(t, err)
		if len(rs) != 3 || rs[0].Entry == nil || rs[0].Entry.Meta["pinned"] != true || rs[2].Entry.Meta != nil {
			t.Fatalf("joined load of the entries' JSON: %+v", rs)
		}
		got.Name = "anne"
		got.Entries[0].Remarks = append(got.Entries[0].Remarks, &Remark{Body: "d"})
		log.Reset()
		must(t, s2.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "wallets")+" WHERE "+q(db, "name")+" = 'anne' AND "+q(db, "id")+" = ?", a.ID.String()); n != 1 {
			t.Fatalf("the UPDATE by UUID key did not land:\n%s", log)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "remarks")+" WHERE "+q(db, "entry_id")+" = ?", got.Entries[0].ID); n != 3 {
			t.Fatalf("post %d has %d remarks, want 3", got.Entries[0].ID, n)
		}
	})
}

func init() {
	mapping.RegisterGenerator("test_failing", func() (any, error) { return nil, errors.New("no entropy today") })
}

// A generator that fails fails the commit, naming the model and the field;
// nothing is written.
func TestClientGeneratedKeyFailure(t *testing.T) {
	type Ticket struct {
		ID   string `relm:"pk;default:test_failing;size:36"`
		Name string `relm:"size:40"`
	}
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Wallet{}, &Entry{}, &Remark{}, &Ticket{})
		s := newSession(t, db, log, reg)
		must(t, s.Add(&Wallet{Name: "ann", Entries: []*Entry{{Title: "x"}}}))
		must(t, s.Add(&Ticket{Name: "t"}))
		err := s.Commit(ctx)
		if err == nil || !strings.Contains(err.Error(), "Ticket.ID") || !strings.Contains(err.Error(), "no entropy today") {
			t.Fatalf("commit with a failing generator: %v, want an error naming Ticket.ID", err)
		}
		for _, tbl := range []string{"wallets", "entries", "tickets"} {
			if n := countRows(t, db, tbl); n != 0 {
				t.Fatalf("a failed commit left %d rows in %s", n, tbl)
			}
		}
	})
}

// A generator relm does not know, or a UUID generator on a field that
// cannot hold one, is refused when the model is mapped.
func TestClientGeneratedKeyRefusals(t *testing.T) {
	type Unknown struct {
		ID string `relm:"pk;default:uuid9"`
	}
	type IntUUID struct {
		ID int `relm:"pk;default:uuid"`
	}
	for _, tc := range []struct {
		model any
		want  []string
	}{
		{&Unknown{}, []string{"Unknown.ID", "uuid9", "uuid7"}},
		{&IntUUID{}, []string{"IntUUID.ID", "default:uuid", "int"}},
	} {
		err := mapping.NewRegistry().Register(tc.model)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%T: %v, want an error with %q", tc.model, err, w)
			}
		}
	}
}
