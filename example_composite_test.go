package relm_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Flight has a composite primary key; Seat refers to it by a composite
// foreign key: one `fk:` per column, naming each key column, which relm
// pairs into one FOREIGN KEY (airline, number) constraint.
type Flight struct {
	Airline string  `relm:"pk;size:2"`
	Number  int     `relm:"pk"`
	Seats   []*Seat `relm:"back_populates:Flight;order_by:Code"`
}

type Seat struct {
	ID            int
	Code          string  `relm:"size:4"`
	FlightAirline string  `relm:"size:2;fk:flights.airline"`
	FlightNumber  int     `relm:"fk:flights.number"`
	Flight        *Flight `relm:"back_populates:Seats"`
}

// exkSelects prints the SELECTs relm sends.
type exkSelects struct{}

func (exkSelects) Enabled(context.Context, slog.Level) bool { return true }
func (exkSelects) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if q := a.Value.String(); a.Key == "sql" && strings.HasPrefix(q, "SELECT") {
			fmt.Println("  SQL:", q)
		}
		return true
	})
	return nil
}
func (h exkSelects) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h exkSelects) WithGroup(string) slog.Handler      { return h }

// A composite primary key and a composite foreign key: Get takes the key
// as a relm.Key (or a key struct), and select-in loading joins on both
// columns with row values.
func ExampleKey() {
	ctx := context.Background()
	plain, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	defer plain.Close()
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&Flight{}, &Seat{}))
	exCheck(reg.CreateAll(ctx, plain))
	m, err := reg.Mapper(&Seat{})
	exCheck(err)
	fk := m.Table.ForeignKeys()[0]
	fmt.Printf("seats: FOREIGN KEY (%s, %s) REFERENCES %s (%s, %s)\n",
		fk.Columns[0].Name, fk.Columns[1].Name, fk.RefTable.Name, fk.RefColumns[0].Name, fk.RefColumns[1].Name)

	s := relm.NewSession(plain, reg)
	exCheck(s.Add(&Flight{Airline: "LH", Number: 400, Seats: []*Seat{{Code: "1A"}, {Code: "1B"}}}))
	exCheck(s.Add(&Flight{Airline: "AF", Number: 400, Seats: []*Seat{{Code: "2C"}}}))
	exCheck(s.Commit(ctx))
	s.Close()

	db := relm.New(plain.SQL(), plain.Dialect(), relm.WithLogger(slog.New(exkSelects{})))
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	f, err := relm.Get[Flight](ctx, s2, relm.Key{"LH", 400})
	exCheck(err)
	seats, err := relm.Select[Seat](s2).OrderBy("Code").SelectIn("Flight").All(ctx)
	exCheck(err)
	for _, st := range seats {
		fmt.Printf("%s on %s %d (the Get's object: %v)\n", st.Code, st.Flight.Airline, st.Flight.Number, st.Flight == f)
	}
	// Output:
	// seats: FOREIGN KEY (flight_airline, flight_number) REFERENCES flights (airline, number)
	//   SQL: SELECT "airline", "number" FROM "flights" WHERE "airline" = ? AND "number" = ?
	//   SQL: SELECT t0."id", t0."code", t0."flight_airline", t0."flight_number" FROM "seats" t0 ORDER BY t0."code"
	//   SQL: SELECT t0."airline", t0."number" FROM "flights" t0 WHERE (t0."airline", t0."number") IN ((?, ?))
	// 1A on LH 400 (the Get's object: true)
	// 1B on LH 400 (the Get's object: true)
	// 2C on AF 400 (the Get's object: false)
}
