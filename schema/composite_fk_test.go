package schema_test

import (
	"testing"

	"github.com/relmorm/relm/schema"
)

// Columns naming every column of a composite key are grouped into one
// foreign key, in the key's order; a column naming a key column the group
// already has starts a second group; a partial group stays as
// single-column references.
func TestCompositeForeignKeyGrouping(t *testing.T) {
	md := schema.NewMetaData()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(md.Add(&schema.Table{Name: "flights", Columns: []*schema.Column{
		{Name: "airline", Type: schema.String(2), PrimaryKey: true},
		{Name: "number", Type: schema.BigInt, PrimaryKey: true},
	}}))
	must(md.Add(&schema.Table{Name: "transfers", Columns: []*schema.Column{
		{Name: "id", Type: schema.BigInt, PrimaryKey: true},
		{Name: "from_number", Type: schema.BigInt, References: "flights.number"},
		{Name: "from_airline", Type: schema.String(2), References: "flights.airline", OnDelete: schema.Cascade},
		{Name: "to_airline", Type: schema.String(2), References: "flights.airline"},
		{Name: "to_number", Type: schema.BigInt, References: "flights.number"},
		{Name: "alone", Type: schema.String(2), References: "flights.airline"},
	}}))
	must(md.Resolve())
	fks := md.Table("transfers").ForeignKeys()
	if len(fks) != 3 {
		t.Fatalf("%d foreign keys, want two composite and one partial: %+v", len(fks), fks)
	}
	names := func(cs []*schema.Column) string {
		s := ""
		for _, c := range cs {
			s += c.Name + " "
		}
		return s
	}
	if got := names(fks[0].Columns) + "→ " + names(fks[0].RefColumns); got != "from_airline from_number → airline number " || fks[0].OnDelete != schema.Cascade {
		t.Fatalf("first: %s (on delete %q), want from_airline from_number → airline number, cascade", got, fks[0].OnDelete)
	}
	if got := names(fks[1].Columns); got != "to_airline to_number " {
		t.Fatalf("second: %s", got)
	}
	if got := names(fks[2].Columns); got != "alone " || len(fks[2].RefColumns) != 1 {
		t.Fatalf("partial: %s", got)
	}
}
