package relm_test

import (
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
)

type KeyOwner struct {
	ID    int64      `relm:"pk;autoincrement:false"`
	Items []*KeyItem `relm:"backref:Owner"`
}

func (KeyOwner) TableName() string { return "key_owners" }

type KeyItem struct {
	ID      int64     `relm:"pk"`
	OwnerID int64     `relm:"fk:key_owners.id"`
	Owner   *KeyOwner // bound by the backref
	Tag     string    `relm:"size:32"`
}

func (KeyItem) TableName() string { return "key_items" }

// Select-in groups children by their parent's key: through a table indexed
// by the key when the keys fill most of their range, through a map when
// they are spread over it (the int64 extremes included). Both give every
// parent its own children and no other's.
func TestSelectInGroupsAnyIntegerKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		s := newSession(t, db, log, registry(t, &KeyOwner{}, &KeyItem{}))
		// Close keys with gaps (the table), and keys across all of int64
		// (the map).
		close := []int64{3, 4, 6, 100}
		spread := []int64{math.MinInt64 + 1, -5, -1, math.MaxInt64}
		want := map[int64][]string{}
		for _, k := range append(slices.Clone(close), spread...) {
			o := &KeyOwner{ID: k}
			must(t, s.Add(o))
			if k == 4 || k == -1 {
				continue // no items: an empty collection
			}
			for _, tag := range []string{"a", "b"} {
				name := tag + "@" + strconv.FormatInt(k, 10)
				o.Items = append(o.Items, &KeyItem{Tag: name})
				want[k] = append(want[k], name)
			}
		}
		must(t, s.Commit(ctx))

		check := func(t *testing.T, owners []*KeyOwner, keys []int64) {
			t.Helper()
			if len(owners) != len(keys) {
				t.Fatalf("%d owners, want %d", len(owners), len(keys))
			}
			for _, o := range owners {
				var got []string
				for _, it := range o.Items {
					got = append(got, it.Tag)
					if it.Owner != o {
						t.Errorf("item %s: Owner not its loading owner %d", it.Tag, o.ID)
					}
				}
				if o.Items == nil || !slices.Equal(got, want[o.ID]) {
					t.Errorf("owner %d: items %q (nil: %v), want %q", o.ID, got, o.Items == nil, want[o.ID])
				}
			}
		}
		for _, c := range []struct {
			name string
			cond relm.Cond
			keys []int64
		}{
			{"close keys", relm.And(relm.Ge("ID", 3), relm.Le("ID", 100)), close},
			{"spread keys", relm.Or(relm.Lt("ID", 3), relm.Gt("ID", 100)), spread},
			{"all keys", relm.NotNull("ID"), append(slices.Clone(close), spread...)},
		} {
			t.Run(c.name, func(t *testing.T) {
				s2 := relm.NewSession(db, s.Registry())
				defer s2.Close()
				owners, err := relm.Select[KeyOwner](s2).Where(c.cond).SelectIn("Items").All(ctx)
				must(t, err)
				check(t, owners, c.keys)
			})
		}
	})
}
