package relm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// Priced has uuid and decimal columns: a uuid.UUID (a uuid without a tag),
// a string uuid, an exact decimal in a string and one in a float64.
type Priced struct {
	ID    int       `relm:"pk"`
	Ref   uuid.UUID `relm:"unique"`
	Alias *string   `relm:"type:uuid"`
	Price string    `relm:"type:decimal(10,2)"`
	Ratio float64   `relm:"type:decimal(6,3)"`
}

func TestUUIDAndDecimalColumns(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Priced{})
		must(t, reg.CreateAll(ctx, db))
		ddl := strings.Join(log.Statements(), "\n")
		want := map[string][]string{
			"sqlite":   {`"ref" TEXT`, `"alias" TEXT`, `"price" TEXT`},
			"postgres": {`"ref" UUID`, `"alias" UUID`, `"price" NUMERIC(10,2)`, `"ratio" NUMERIC(6,3)`},
			"mysql":    {"`ref` CHAR(36)", "`price` DECIMAL(10,2)", "`ratio` DECIMAL(6,3)"},
		}[db.Dialect().Name()]
		if d, ok := db.Dialect().(*mysql.Dialect); ok && d.MariaDB() {
			var major, minor int
			fmt.Sscanf(strings.TrimPrefix(d.ServerVersion(), "5.5.5-"), "%d.%d", &major, &minor)
			if major > 10 || major == 10 && minor >= 7 {
				want[0] = "`ref` UUID" // MariaDB 10.7 and later have a UUID type
			}
		}
		for _, w := range want {
			if !strings.Contains(ddl, w) {
				t.Fatalf("DDL lacks %s:\n%s", w, ddl)
			}
		}
		s := relm.NewSession(db, reg)
		defer s.Close()
		alias := uuid.NewString()
		p := &Priced{Ref: uuid.New(), Alias: &alias, Price: "12.30", Ratio: 0.125}
		must(t, s.Add(p))
		must(t, s.Add(&Priced{Ref: uuid.New(), Price: "1.00"}))
		must(t, s.Commit(ctx))

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Get[Priced](ctx, s2, p.ID)
		must(t, err)
		if got.Ref != p.Ref || got.Alias == nil || *got.Alias != alias || got.Price != "12.30" || got.Ratio != 0.125 {
			t.Fatalf("read back %+v (alias %v), want %+v (alias %s)", got, got.Alias, p, alias)
		}
		found, err := relm.Select[Priced](s2).Where(relm.Eq("Ref", p.Ref)).All(ctx)
		must(t, err)
		if len(found) != 1 || found[0].ID != p.ID {
			t.Fatalf("Where Ref = %s found %v", p.Ref, found)
		}
		// Unchanged: nothing to write. Changed: the decimal is written exactly.
		log.Reset()
		must(t, s2.Commit(ctx))
		if n := len(log.Statements()); n != 0 {
			t.Fatalf("an unchanged object sent %v", log.Statements())
		}
		got.Price = "99999999.99"
		must(t, s2.Commit(ctx))
		if v := queryStrings(t, db, "SELECT "+q(db, "price")+" FROM "+q(db, "priceds")+" WHERE "+q(db, "id")+" = ?", p.ID); len(v) != 1 || v[0] != "99999999.99" {
			t.Fatalf("price column holds %v", v)
		}
	})
}

// A malformed decimal is refused when the model is mapped, naming the
// struct, the field and the form to write.
func TestDecimalTagRefusesMalformed(t *testing.T) {
	type BadDecimal struct {
		ID    int    `relm:"pk"`
		Price string `relm:"type:decimal(2,5)"`
	}
	err := mapping.NewRegistry().Register(&BadDecimal{})
	if err == nil || !strings.Contains(err.Error(), "BadDecimal.Price") || !strings.Contains(err.Error(), "decimal(10,2)") {
		t.Fatalf("decimal(2,5): %v, want an error naming BadDecimal.Price", err)
	}
}
