package relm_test

import (
	"strings"
	"testing"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
)

// Geo is embedded in Address with a prefix of its own.
type Geo struct {
	Lat float64
	Lng float64
}

// Address is a group of columns embedded, by named fields, in Customer.
type Address struct {
	Street string `relm:"size:80"`
	City   string `relm:"size:40;index"`
	Geo    Geo    `relm:"embed:geo_"`
}

// Stamps is embedded anonymously: its fields are promoted, and so are its
// columns.
type Stamps struct {
	CreatedAt time.Time
	Note      *string `relm:"size:40"`
}

// Customer embeds one struct anonymously and Address three times: twice
// with a prefix, once without.
type Customer struct {
	ID   int    `relm:"pk"`
	Name string `relm:"size:40"`
	Stamps
	Home    Address `relm:"embed:home_"`
	Work    Address `relm:"embed:work_"`
	Billing Address `relm:"embed"`
}

// An embedded struct's fields are columns of the outer table (GORM's
// embedded and embeddedPrefix, SQLAlchemy's composite columns): written,
// read back, diffed column by column and queried by Go path or column name.
func TestEmbeddedStructColumns(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := registry(t, &Customer{})
		m, err := reg.Mapper(&Customer{})
		must(t, err)
		var cols []string
		for _, c := range m.Table.Columns {
			cols = append(cols, c.Name)
		}
		want := "id name created_at note home_street home_city home_geo_lat home_geo_lng work_street work_city work_geo_lat work_geo_lng street city geo_lat geo_lng"
		if got := strings.Join(cols, " "); got != want {
			t.Fatalf("columns %s, want %s", got, want)
		}
		if f := m.Field("Home.Geo.Lat"); f == nil || f.Column.Name != "home_geo_lat" {
			t.Fatalf("field Home.Geo.Lat maps to %v", f)
		}
		must(t, reg.CreateAll(ctx, db))
		ddl := strings.Join(log.Statements(), "\n")
		for _, c := range []string{"home_city", "work_geo_lng", "geo_lat", "created_at"} {
			if !strings.Contains(ddl, q(db, c)) {
				t.Fatalf("DDL lacks column %s:\n%s", c, ddl)
			}
		}
		if !strings.Contains(ddl, "ix_customers_home_city") {
			t.Fatalf("DDL lacks the index of Home.City:\n%s", ddl)
		}

		s := relm.NewSession(db, reg)
		defer s.Close()
		now := time.Now().UTC().Truncate(time.Second)
		c := &Customer{Name: "ann", Stamps: Stamps{CreatedAt: now},
			Home:    Address{Street: "1 Main St", City: "Oslo", Geo: Geo{Lat: 59.9, Lng: 10.7}},
			Work:    Address{Street: "2 Dock Rd", City: "Bergen"},
			Billing: Address{City: "Trondheim"}}
		must(t, s.Add(c))
		must(t, s.Add(&Customer{Name: "bob", Stamps: Stamps{CreatedAt: now}, Home: Address{City: "Bergen"}, Work: Address{City: "Oslo"}}))
		must(t, s.Commit(ctx))
		if got := queryStrings(t, db, "SELECT "+q(db, "home_city")+" FROM "+q(db, "customers")+" WHERE "+q(db, "work_city")+" = 'Bergen'"); len(got) != 1 || got[0] != "Oslo" {
			t.Fatalf("rows hold home_city %v", got)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "customers")+" WHERE "+q(db, "home_geo_lat")+" > 59 AND "+q(db, "city")+" = 'Trondheim'"); n != 1 {
			t.Fatalf("nested prefixed and unprefixed columns: %d rows match, want 1", n)
		}

		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		got, err := relm.Get[Customer](ctx, s2, c.ID)
		must(t, err)
		if got.Home != c.Home || got.Work != c.Work || got.Billing != c.Billing || !got.CreatedAt.Equal(now) {
			t.Fatalf("read back %+v, want %+v", got, c)
		}

		// A change in an embedded struct updates its column only.
		got.Work.Geo.Lng = 5.3
		log.Reset()
		must(t, s2.Commit(ctx))
		stmts := log.Statements()
		if len(stmts) != 1 || !strings.Contains(stmts[0], q(db, "work_geo_lng")) || strings.Contains(stmts[0], q(db, "home_geo_lng")) {
			t.Fatalf("changing Work.Geo.Lng sent %v, want one UPDATE of work_geo_lng", stmts)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "customers")+" WHERE "+q(db, "work_geo_lng")+" = 5.3"); n != 1 {
			t.Fatalf("work_geo_lng not written (%d rows)", n)
		}

		// Queried by Go path or by column name; ordered by Go path.
		for _, cond := range []relm.Cond{relm.Eq("Home.City", "Oslo"), relm.Eq("home_city", "Oslo"), relm.Gt("Home.Geo.Lat", 59.0)} {
			found, err := relm.Select[Customer](s2).Where(cond).All(ctx)
			must(t, err)
			if len(found) != 1 || found[0].Name != "ann" {
				t.Fatalf("%v found %v", cond, found)
			}
		}
		found, err := relm.Select[Customer](s2).OrderBy("Work.City desc").All(ctx)
		must(t, err)
		if len(found) != 2 || found[0].Name != "bob" {
			t.Fatalf("ordered by Work.City desc: %v", found)
		}
		if _, err := relm.Select[Customer](s2).Where(relm.Eq("Home.Town", "x")).All(ctx); err == nil || !strings.Contains(err.Error(), "Home") {
			t.Fatalf("an unknown embedded field: %v", err)
		}
	})
}

// What cannot be embedded is refused when the model is mapped, naming the
// struct and the field.
func TestEmbeddedStructRefusals(t *testing.T) {
	type WithPtr struct {
		ID   int      `relm:"pk"`
		Home *Address `relm:"embed:home_"`
	}
	type WithRel struct {
		ID  int `relm:"pk"`
		Rel struct {
			Owner *Customer
		} `relm:"embed"`
	}
	type NotStruct struct {
		ID   int    `relm:"pk"`
		Name string `relm:"embed"`
	}
	type Untagged struct {
		ID   int `relm:"pk"`
		Home Address
	}
	type BadPrefix struct {
		ID   int     `relm:"pk"`
		Home Address `relm:"embed:home'_"`
	}
	for _, tc := range []struct {
		model any
		want  []string
	}{
		{&WithPtr{}, []string{"WithPtr.Home", "pointer", "by value"}},
		{&WithRel{}, []string{"WithRel.Rel.Owner", "relationship"}},
		{&NotStruct{}, []string{"NotStruct.Name", "embed applies to a struct"}},
		{&Untagged{}, []string{"Untagged.Home", `relm:"embed"`, "type:json"}},
		{&BadPrefix{}, []string{"BadPrefix.Home", "prefix"}},
	} {
		reg := mapping.NewRegistry()
		err := reg.Register(tc.model)
		if err == nil {
			err = reg.Configure()
		}
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%T: %v, want an error with %q", tc.model, err, w)
			}
		}
	}
}

// The programmatic form names an embedded field by its Go path; its column
// defaults to the snake_case of the last segment.
func TestEmbeddedStructProgrammatic(t *testing.T) {
	type Place struct {
		ID   int
		Home Address
	}
	reg := mapping.NewRegistry()
	m, err := reg.Map(mapping.ModelSpec{Model: (*Place)(nil), Columns: []mapping.ColumnSpec{
		{Field: "ID", PrimaryKey: true},
		{Field: "Home.City", Name: "home_city"},
		{Field: "Home.Geo.Lat"},
	}})
	must(t, err)
	must(t, reg.Configure())
	if f := m.Field("Home.City"); f == nil || f.Column.Name != "home_city" {
		t.Fatalf("Home.City maps to %v", f)
	}
	if f := m.Field("Home.Geo.Lat"); f == nil || f.Column.Name != "lat" {
		t.Fatalf("Home.Geo.Lat maps to %v", f)
	}
	p := &Place{Home: Address{City: "Oslo", Geo: Geo{Lat: 1.5}}}
	ptr, err := m.Pointer(p)
	must(t, err)
	if v := m.Field("Home.City").Value(ptr); v != "Oslo" {
		t.Fatalf("Home.City reads %v", v)
	}
	if v := m.Field("Home.Geo.Lat").Value(ptr); v != 1.5 {
		t.Fatalf("Home.Geo.Lat reads %v", v)
	}
	if _, err := mapping.NewRegistry().Map(mapping.ModelSpec{Model: (*Place)(nil), Columns: []mapping.ColumnSpec{
		{Field: "ID", PrimaryKey: true}, {Field: "Home.Town"},
	}}); err == nil || !strings.Contains(err.Error(), "Town") {
		t.Fatalf("an unknown path: %v", err)
	}
}
