package relm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/migrate"
	"github.com/relmorm/relm/schema"
)

// Shipment has a composite key (region, number); Parcel refers to it by a
// composite foreign key of two columns (each `fk:` to one key column, which
// relm pairs into one FOREIGN KEY constraint), and Manifest is its
// one-to-one.
type Shipment struct {
	Region   string    `relm:"pk;size:8"`
	Number   int       `relm:"pk"`
	Note     string    `relm:"size:40"`
	Parcels  []*Parcel `relm:"back_populates:Shipment;order_by:Label"`
	Manifest *Manifest `relm:"back_populates:Shipment"`
	Legs     []*Leg    `relm:"back_populates:Shipment;cascade:all,delete-orphan"`
}

// Leg is deleted with its shipment (cascade delete), its composite foreign
// key NOT NULL.
type Leg struct {
	ID             int
	ShipmentRegion string    `relm:"size:8;fk:shipments.region"`
	ShipmentNumber int       `relm:"fk:shipments.number"`
	Shipment       *Shipment `relm:"back_populates:Legs"`
}

type Parcel struct {
	ID             int
	Label          string    `relm:"size:20"`
	ShipmentRegion *string   `relm:"size:8;fk:shipments.region"`
	ShipmentNumber *int      `relm:"fk:shipments.number"`
	Shipment       *Shipment `relm:"back_populates:Parcels"`
}

type Manifest struct {
	ID             int
	Body           string    `relm:"size:20"`
	ShipmentNumber *int      `relm:"fk:shipments.number"` // declared first: paired by the key's order
	ShipmentRegion *string   `relm:"size:8;fk:shipments.region"`
	Shipment       *Shipment `relm:"back_populates:Manifest"`
}

func compositeFKRegistry(t *testing.T) *mapping.Registry {
	return registry(t, &Shipment{}, &Parcel{}, &Manifest{}, &Leg{})
}

// The configuration pairs the two columns with the key, in the key's
// order, and the DDL has one composite FOREIGN KEY.
func TestCompositeForeignKeyConfigured(t *testing.T) {
	reg := compositeFKRegistry(t)
	m, err := reg.Mapper(&Manifest{})
	must(t, err)
	r := m.Relationship("Shipment")
	if len(r.LocalFields) != 2 || r.LocalFields[0].Name != "ShipmentRegion" || r.RemoteFields[1].Name != "Number" {
		t.Fatalf("Manifest.Shipment joins %v on %v, want (ShipmentRegion, ShipmentNumber) → (Region, Number)", r.LocalFields, r.RemoteFields)
	}
	fks := m.Table.ForeignKeys()
	if len(fks) != 1 || len(fks[0].Columns) != 2 {
		t.Fatalf("manifests has foreign keys %v, want one of two columns", fks)
	}
}

func TestCompositeForeignKey(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := compositeFKRegistry(t)
		s := newSession(t, db, log, reg)
		north := &Shipment{Region: "north", Number: 1, Note: "a",
			Parcels:  []*Parcel{{Label: "p1"}, {Label: "p2"}},
			Manifest: &Manifest{Body: "m1"}, Legs: []*Leg{{}, {}}}
		south := &Shipment{Region: "south", Number: 1, Note: "b", Parcels: []*Parcel{{Label: "p3"}}}
		must(t, s.Add(north))
		must(t, s.Add(south))
		must(t, s.Commit(ctx))
		// Each child's two foreign-key columns were set from its parent.
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "parcels")+" WHERE shipment_region = ? AND shipment_number = ?", "north", 1); n != 2 {
			t.Fatalf("%d parcels of (north, 1), want 2", n)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "manifests")+" WHERE shipment_region = ? AND shipment_number = ?", "north", 1); n != 1 {
			t.Fatalf("%d manifests of (north, 1), want 1", n)
		}
		if n := log.Count("INSERT"); n != 4 {
			t.Fatalf("%d INSERTs, want 4:\n%s", n, log)
		}

		// Moving a parcel updates both columns in one UPDATE.
		p2 := north.Parcels[1]
		p2.Shipment = south
		log.Reset()
		must(t, s.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "parcels")+" WHERE shipment_region = ? AND shipment_number = ?", "south", 1); n != 2 {
			t.Fatalf("%d parcels of (south, 1) after the move, want 2:\n%s", n, log)
		}
		if n := log.Count("UPDATE"); n != 1 {
			t.Fatalf("%d UPDATEs for the move, want 1:\n%s", n, log)
		}
		if len(north.Parcels) != 1 || len(south.Parcels) != 2 {
			t.Fatalf("collections not kept in step: north %d, south %d", len(north.Parcels), len(south.Parcels))
		}

		// Select-in loading on the two columns: one statement per level,
		// by row values.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		log.Reset()
		ships, err := relm.Select[Shipment](s2).OrderBy("Region").SelectIn("Parcels.Shipment", "Manifest").All(ctx)
		must(t, err)
		if n := log.Count("SELECT"); n != 3 {
			t.Fatalf("%d SELECTs, want 3 (shipments, parcels, manifests):\n%s", n, log)
		}
		if !strings.Contains(log.String(), ") IN ((") {
			t.Fatalf("select-in did not use row values:\n%s", log)
		}
		if len(ships) != 2 || len(ships[0].Parcels) != 1 || len(ships[1].Parcels) != 2 || ships[0].Manifest == nil || ships[0].Manifest.Body != "m1" || ships[1].Manifest != nil {
			t.Fatalf("loaded %+v", ships)
		}
		for _, sh := range ships {
			for _, p := range sh.Parcels {
				if p.Shipment != sh {
					t.Fatalf("parcel %s's shipment is %p, want %p", p.Label, p.Shipment, sh)
				}
			}
		}
		// Many-to-one select-in from the children, and joined loading.
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		log.Reset()
		parcels, err := relm.Select[Parcel](s3).OrderBy("Label").SelectIn("Shipment").All(ctx)
		must(t, err)
		if len(parcels) != 3 || parcels[0].Shipment.Region != "north" || parcels[1].Shipment != parcels[2].Shipment || log.Count("SELECT") != 2 {
			t.Fatalf("parcels %+v after %d SELECTs", parcels, log.Count("SELECT"))
		}
		s4 := relm.NewSession(db, reg)
		defer s4.Close()
		log.Reset()
		ships, err = relm.Select[Shipment](s4).OrderBy("Region").Joined("Parcels", "Manifest").All(ctx)
		must(t, err)
		if log.Count("SELECT") != 1 || len(ships) != 2 || len(ships[1].Parcels) != 2 || ships[0].Manifest == nil {
			t.Fatalf("joined: %+v after:\n%s", ships, log)
		}
		if st := log.Statements()[0]; !strings.Contains(st, " AND ") {
			t.Fatalf("joined loading does not join on both columns: %s", st)
		}
		// Any over the composite join.
		found, err := relm.Select[Shipment](s4).Where(relm.Any("Parcels", relm.Eq("Label", "p2"))).All(ctx)
		must(t, err)
		if len(found) != 1 || found[0].Region != "south" {
			t.Fatalf("Any(Parcels, p2) = %+v, want the south shipment", found)
		}
		onSouth, err := relm.Select[Parcel](s4).Where(relm.Has("Shipment", relm.Eq("Region", "south"))).OrderBy("Label").All(ctx)
		must(t, err)
		if len(onSouth) != 2 || onSouth[0].Label != "p2" || onSouth[1].Label != "p3" {
			t.Fatalf("Has(Shipment, south) = %+v, want p2 and p3", onSouth)
		}

		// Removing a child without delete-orphan nulls both columns;
		// deleting a parent nulls its remaining children's.
		s5 := relm.NewSession(db, reg)
		defer s5.Close()
		sh, err := relm.Get[Shipment](ctx, s5, relm.Key{"south", 1})
		must(t, err)
		must(t, relm.Load(ctx, s5, sh, "Parcels"))
		sh.Parcels = sh.Parcels[:1]
		must(t, s5.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "parcels")+" WHERE shipment_region IS NULL AND shipment_number IS NULL"); n != 1 {
			t.Fatalf("%d parcels with both columns NULL, want 1", n)
		}
		nsh, err := relm.Get[Shipment](ctx, s5, relm.Key{"north", 1})
		must(t, err)
		log.Reset()
		must(t, s5.Delete(nsh))
		must(t, s5.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "parcels")+" WHERE shipment_region IS NULL AND shipment_number IS NULL"); n != 2 {
			t.Fatalf("%d parcels with both columns NULL after the delete, want 2:\n%s", n, log)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "manifests")+" WHERE shipment_region IS NULL"); n != 1 {
			t.Fatalf("the manifest still refers to the deleted shipment:\n%s", log)
		}
		if n := countRows(t, db, "shipments"); n != 1 {
			t.Fatalf("%d shipments, want 1", n)
		}
		// The legs, not loaded, were read by both columns and deleted.
		if n := countRows(t, db, "legs"); n != 0 {
			t.Fatalf("%d legs left after their shipment's delete:\n%s", n, log)
		}
		if !strings.Contains(log.String(), q(db, "shipment_region")+" = ") {
			t.Fatalf("the legs were not read by the composite key:\n%s", log)
		}
	})
}

// A foreign key to part of a composite key, or with a type that does not
// match the key's, is refused at configuration, naming the struct and field.
type halfRef struct {
	ID             int
	ShipmentRegion string    `relm:"size:8;fk:shipments.region"`
	Shipment       *Shipment `relm:""`
}

type badTypeRef struct {
	ID             int
	ShipmentRegion string    `relm:"size:8;fk:shipments.region"`
	ShipmentNumber string    `relm:"size:8;fk:shipments.number"`
	Shipment       *Shipment `relm:""`
}

func TestCompositeForeignKeyRefused(t *testing.T) {
	reg := mapping.NewRegistry()
	must(t, reg.Register(&Shipment{}, &Parcel{}, &Manifest{}, &Leg{}, &halfRef{}))
	err := reg.Configure()
	var ce *mapping.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "halfRef.Shipment") ||
		!strings.Contains(err.Error(), "1 of the 2 columns") || !strings.Contains(err.Error(), "`fk:shipments.number`") {
		t.Fatalf("configure: %v, want a ConfigError naming halfRef.Shipment and the missing fk:shipments.number", err)
	}
	reg = mapping.NewRegistry()
	must(t, reg.Register(&Shipment{}, &Parcel{}, &Manifest{}, &Leg{}, &badTypeRef{}))
	err = reg.Configure()
	if err == nil || !strings.Contains(err.Error(), "badTypeRef.ShipmentNumber") || !strings.Contains(err.Error(), "types differ") {
		t.Fatalf("configure: %v, want an error naming badTypeRef.ShipmentNumber and the types", err)
	}
}

// A many-to-many whose link table references a composite key: the link
// table crew_shipments holds the crew member's key and the shipment's two
// key columns; link rows are written, loaded (select-in by row values,
// joined on all columns), filtered with Any, and removed by all columns.
type CrewMember struct {
	ID        int
	Name      string      `relm:"size:20"`
	Shipments []*Shipment `relm:"secondary:crew_shipments;backref:Crew;order_by:Region"`
}

var crewShipments = &schema.Table{Name: "crew_shipments", Columns: []*schema.Column{
	{Name: "crew_member_id", Type: schema.BigInt, PrimaryKey: true, References: "crew_members.id"},
	{Name: "shipment_region", Type: schema.String(8), PrimaryKey: true, References: "shipments.region"},
	{Name: "shipment_number", Type: schema.BigInt, PrimaryKey: true, References: "shipments.number"},
}}

func TestCompositeForeignKeyManyToMany(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := mapping.NewRegistry()
		must(t, reg.Register(&Shipment{}, &Parcel{}, &Manifest{}, &Leg{}))
		must(t, reg.AddTable(crewShipments))
		must(t, reg.Register(&CrewMember{}))
		must(t, reg.Configure())
		s := newSession(t, db, log, reg)
		n1, s1 := &Shipment{Region: "north", Number: 1}, &Shipment{Region: "south", Number: 1}
		ann := &CrewMember{Name: "ann", Shipments: []*Shipment{n1, s1}}
		bob := &CrewMember{Name: "bob", Shipments: []*Shipment{s1}}
		must(t, s.Add(ann))
		must(t, s.Add(bob))
		must(t, s.Commit(ctx))
		if n := countRows(t, db, "crew_shipments"); n != 3 {
			t.Fatalf("%d link rows, want 3:\n%s", n, log)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "crew_shipments")+" WHERE shipment_region = ? AND shipment_number = ?", "south", 1); n != 2 {
			t.Fatalf("%d links to (south, 1), want 2", n)
		}
		if n := log.Count("INSERT INTO " + q(db, "crew_shipments")); n != 1 {
			t.Fatalf("%d link INSERTs, want 1:\n%s", n, log)
		}

		// Select-in both ways, one statement per level.
		s2 := relm.NewSession(db, reg)
		defer s2.Close()
		log.Reset()
		crew, err := relm.Select[CrewMember](s2).OrderBy("Name").SelectIn("Shipments.Crew").All(ctx)
		must(t, err)
		if n := log.Count("SELECT"); n != 3 {
			t.Fatalf("%d SELECTs, want 3:\n%s", n, log)
		}
		if len(crew) != 2 || len(crew[0].Shipments) != 2 || crew[0].Shipments[1].Region != "south" || len(crew[1].Shipments) != 1 || crew[1].Shipments[0] != crew[0].Shipments[1] {
			t.Fatalf("loaded %+v", crew)
		}
		// The backref (no field) was loaded by the same statements.
		log.Reset()
		back, err := relm.Related[CrewMember](ctx, s2, crew[0].Shipments[1], "Crew")
		must(t, err)
		if len(back) != 2 || len(log.Statements()) != 0 {
			t.Fatalf("(south, 1)'s crew: %d after:\n%s", len(back), log)
		}
		// Joined, and Any through the link table.
		s3 := relm.NewSession(db, reg)
		defer s3.Close()
		log.Reset()
		crew, err = relm.Select[CrewMember](s3).OrderBy("Name").Joined("Shipments").All(ctx)
		must(t, err)
		if log.Count("SELECT") != 1 || len(crew) != 2 || len(crew[0].Shipments) != 2 {
			t.Fatalf("joined: %+v:\n%s", crew, log)
		}
		north, err := relm.Select[CrewMember](s3).Where(relm.Any("Shipments", relm.Eq("Region", "north"))).All(ctx)
		must(t, err)
		if len(north) != 1 || north[0].Name != "ann" {
			t.Fatalf("Any(Shipments, north) = %+v, want ann", north)
		}

		// Removing a link deletes its row by all three columns; deleting
		// a shipment deletes its link rows.
		log.Reset()
		crew[0].Shipments = crew[0].Shipments[1:]
		must(t, s3.Commit(ctx))
		if n := queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "crew_shipments")+" WHERE shipment_region = ?", "north"); n != 0 || countRows(t, db, "crew_shipments") != 2 {
			t.Fatalf("the link to north was not removed:\n%s", log)
		}
		sh, err := relm.Get[Shipment](ctx, s3, relm.Key{"south", 1})
		must(t, err)
		must(t, s3.Delete(sh))
		must(t, s3.Commit(ctx))
		if n := countRows(t, db, "crew_shipments"); n != 0 {
			t.Fatalf("%d link rows left after deleting the shipment", n)
		}
	})
}

// The composite FOREIGN KEY the DDL creates is what the schema check and
// the migration diff read back: a second CreateAll, CheckSchema and Diff
// find nothing to do.
func TestCompositeForeignKeyDDL(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := compositeFKRegistry(t)
		_ = newSession(t, db, log, reg)
		tables, err := ddl.Inspect(ctx, db, db.Dialect())
		must(t, err)
		found := false
		for _, tb := range tables {
			for _, fk := range tb.ForeignKeys {
				if tb.Name == "parcels" && len(fk.Columns) == 2 && fk.RefTable == "shipments" &&
					fk.Columns[0] == "shipment_region" && fk.RefColumns[1] == "number" {
					found = true
				}
			}
		}
		if !found {
			t.Fatalf("the database has no FOREIGN KEY (shipment_region, shipment_number) on parcels: %+v", tables)
		}
		must(t, reg.CheckSchema(ctx, db))
		must(t, reg.CreateAll(ctx, db))
		plan, err := migrate.Diff(ctx, db, reg, migrate.Options{})
		must(t, err)
		if !plan.Empty() {
			t.Fatalf("the diff against the created tables is not empty:\n%s", plan)
		}
	})
}

// smallParams is a dialect binding at most 5 parameters a statement, so
// that row-value lists are chunked with a few rows.
type smallParams struct{ dialect.Dialect }

func (smallParams) MaxParams() int { return 5 }

// Row-value lists are chunked under the dialect's parameter limit: with 5
// parameters, two (region, number) pairs a statement.
func TestCompositeKeyRowValuesChunked(t *testing.T) {
	eachDB(t, func(t *testing.T, db *relm.DB, log *testdb.Log) {
		reg := compositeFKRegistry(t)
		s := newSession(t, db, log, reg)
		for i := 1; i <= 7; i++ {
			must(t, s.Add(&Shipment{Region: "r", Number: i, Parcels: []*Parcel{{Label: "x"}}}))
		}
		must(t, s.Commit(ctx))
		small := relm.New(db.SQL(), smallParams{db.Dialect()}, log.Option())
		s2 := relm.NewSession(small, reg)
		defer s2.Close()
		log.Reset()
		parcels, err := relm.Select[Parcel](s2).SelectIn("Shipment").All(ctx)
		must(t, err)
		if n := log.Count("SELECT"); n != 1+4 {
			t.Fatalf("%d SELECTs, want 1 + 4 chunks of at most two pairs:\n%s", n, log)
		}
		for _, p := range parcels {
			if p.Shipment == nil || p.Shipment.Number != *p.ShipmentNumber {
				t.Fatalf("parcel %+v: shipment %+v", p, p.Shipment)
			}
		}
		ships, err := relm.Select[Shipment](s2).All(ctx)
		must(t, err)
		log.Reset()
		for _, sh := range ships {
			must(t, s2.Delete(sh))
		}
		must(t, s2.Commit(ctx))
		if n := log.Count("DELETE FROM " + q(db, "shipments")); n != 4 {
			t.Fatalf("%d DELETEs of shipments, want 4 chunks:\n%s", n, log)
		}
		if countRows(t, db, "shipments") != 0 || queryInt(t, db, "SELECT COUNT(*) FROM "+q(db, "parcels")+" WHERE shipment_number IS NOT NULL") != 0 {
			t.Fatalf("rows left:\n%s", log)
		}
	})
}
