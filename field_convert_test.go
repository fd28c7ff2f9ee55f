package relm_test

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

// Level is defined on int but stored as text, through its own Valuer and
// Scanner.
type Level int

const (
	LevelLow Level = iota + 1
	LevelHigh
)

var levelNames = map[Level]string{LevelLow: "low", LevelHigh: "high"}

// Value stores a level by name.
func (l Level) Value() (driver.Value, error) {
	if n, ok := levelNames[l]; ok {
		return n, nil
	}
	return nil, fmt.Errorf("level %d has no name", int(l))
}

// Scan reads a level's name back.
func (l *Level) Scan(src any) error {
	var s string
	switch x := src.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return fmt.Errorf("level from %T", src)
	}
	for k, n := range levelNames {
		if n == s {
			*l = k
			return nil
		}
	}
	return fmt.Errorf("no level %q", s)
}

// Shout is defined on string; its Valuer (on the pointer) stores it in
// capitals and its Scanner reads it back in small letters.
type Shout string

// Value stores the text in capitals.
func (s *Shout) Value() (driver.Value, error) { return strings.ToUpper(string(*s)), nil }

// Scan reads the text back in small letters.
func (s *Shout) Scan(src any) error {
	switch x := src.(type) {
	case string:
		*s = Shout(strings.ToLower(x))
	case []byte:
		*s = Shout(strings.ToLower(string(x)))
	default:
		return fmt.Errorf("shout from %T", src)
	}
	return nil
}

// Ticket has fields of types defined on int and string with their own
// conversions.
type Ticket struct {
	ID    int    `relm:"pk"`
	Level Level  `relm:"type:varchar(8)"`
	Next  *Level `relm:"type:varchar(8)"`
	Note  Shout
}

func (Ticket) TableName() string { return "tickets" }

// TestFieldConvertsItself: a field of a type defined on a basic kind that
// has its own driver.Valuer or sql.Scanner goes through them — when it is
// written (insert, update, conditions) and read (Get, Select, Iter) — as
// database/sql and GORM would call them, not stored as its kind.
func TestFieldConvertsItself(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Ticket{})
		s := newSession(t, db, log, reg)
		high := LevelHigh
		a := &Ticket{Level: LevelLow, Next: &high, Note: "Mixed Case"}
		b := &Ticket{Level: LevelHigh, Note: "b"}
		must(t, s.AddAll([]*Ticket{a, b}))
		must(t, s.Commit(ctx))
		got := queryStrings(t, db, "SELECT level FROM tickets ORDER BY id")
		if strings.Join(got, ",") != "low,high" {
			t.Fatalf("levels stored as %q, want low, high", got)
		}
		if got := queryStrings(t, db, "SELECT note FROM tickets ORDER BY id"); strings.Join(got, ",") != "MIXED CASE,B" {
			t.Fatalf("notes stored as %q, want capitals", got)
		}

		a.Level = LevelHigh
		must(t, s.Commit(ctx))
		if got := queryStrings(t, db, "SELECT level FROM tickets WHERE id = ?", a.ID); len(got) != 1 || got[0] != "high" {
			t.Fatalf("updated level stored as %q", got)
		}

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		g, err := relm.Get[Ticket](ctx, s2, a.ID)
		must(t, err)
		if g.Level != LevelHigh || g.Next == nil || *g.Next != LevelHigh || g.Note != "mixed case" {
			t.Fatalf("Get read %+v (next %v)", g, g.Next)
		}
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		highs, err := relm.Select[Ticket](s3).Where(relm.Eq("Level", LevelHigh)).OrderBy("ID").All(ctx)
		must(t, err)
		if len(highs) != 2 || highs[0].Level != LevelHigh || highs[1].Next != nil {
			t.Fatalf("Select where level = high: %d rows, %+v", len(highs), highs)
		}
		n := 0
		for tk, err := range relm.Select[Ticket](relm.NewSession(db, reg)).Iter(ctx) {
			must(t, err)
			if tk.Level != LevelHigh {
				t.Fatalf("Iter read level %d", tk.Level)
			}
			n++
		}
		if n != 2 {
			t.Fatalf("Iter read %d tickets", n)
		}

		// A value its Valuer refuses is an error naming it; nothing is written.
		bad := &Ticket{Level: Level(7), Note: "x"}
		must(t, s.Add(bad))
		err = s.Commit(ctx)
		if err == nil || !strings.Contains(err.Error(), "level 7 has no name") {
			t.Fatalf("commit of a level without a name: %v", err)
		}
		if c := countRows(t, db, "tickets"); c != 2 {
			t.Fatalf("%d tickets after the refused commit, want 2", c)
		}
	})
}
