// Column shapes beyond one scalar per field: a key the program makes (a
// UUID, or a generator of its own), a JSON document changed in place, and
// an embedded struct whose fields are columns of the outer table.
//
// The SQLAlchemy it mirrors:
//
//	class Customer(Base):
//	    __tablename__ = "customers"
//	    id = Column(Uuid, primary_key=True, default=uuid.uuid4)
//	    name = Column(String(64))
//	    settings = Column(MutableDict.as_mutable(JSON))
//	    home_street = Column(String(64)); home_city = Column(String(64))
//	    home = composite(Address, home_street, home_city)
//	    orders = relationship("Order", back_populates="customer")
//
//	class Order(Base):
//	    __tablename__ = "orders"
//	    number = Column(String(16), primary_key=True, default=next_number)
//	    customer_id = Column(ForeignKey("customers.id"))
//
// Run it with: go run ./examples/column-shapes
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/google/uuid"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Address is embedded: its fields are columns of the table that embeds it.
type Address struct {
	Street string `relm:"size:64"`
	City   string `relm:"size:64"`
}

// Customer has a UUID key made by relm before its INSERT, a JSON column and
// an embedded address (columns home_street, home_city).
type Customer struct {
	ID       uuid.UUID      `relm:"pk;default:uuid"`
	Name     string         `relm:"size:64"`
	Settings map[string]any `relm:"type:json"`
	Home     Address        `relm:"embed:home_"`
	Orders   []*Order       `relm:"back_populates:Customer"`
}

func (Customer) TableName() string { return "customers" }

// Order's key comes from a generator of the program's own.
type Order struct {
	Number     string    `relm:"pk;size:16;default:order_number"`
	CustomerID uuid.UUID `relm:"fk:customers.id"`
	Customer   *Customer `relm:"back_populates:Orders"`
}

func (Order) TableName() string { return "orders" }

var next = 0

func init() {
	// Registered before the models are: default:order_number names it.
	mapping.RegisterGenerator("order_number", func() (any, error) {
		next++
		return fmt.Sprintf("A-%04d", next), nil
	})
}

// statements prints the INSERTs and UPDATEs relm sends, without their
// values (the UUIDs differ from run to run).
type statements struct{}

func (statements) Enabled(context.Context, slog.Level) bool { return true }
func (statements) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if q := a.Value.String(); a.Key == "sql" && (strings.HasPrefix(q, "INSERT") || strings.HasPrefix(q, "UPDATE")) {
			fmt.Println("  sql:", q)
		}
		return true
	})
	return nil
}
func (h statements) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h statements) WithGroup(string) slog.Handler      { return h }

func run(ctx context.Context) error {
	db, err := relm.Open(ctx, "sqlite::memory:", relm.WithLogger(slog.New(statements{})))
	if err != nil {
		return err
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&Customer{}, &Order{}); err != nil {
		return err
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		return err
	}
	m, err := reg.Mapper(&Customer{})
	if err != nil {
		return err
	}
	fmt.Print("customers columns:")
	for _, c := range m.Table.Columns {
		fmt.Print(" ", c.Name)
	}
	fmt.Println()

	fmt.Println("a customer and two orders, keys made by relm:")
	s := relm.NewSession(db, reg)
	defer s.Close()
	c := &Customer{
		Name:     "Ada",
		Settings: map[string]any{"theme": "light"},
		Home:     Address{Street: "1 Main St", City: "Oslo"},
		Orders:   []*Order{{}, {}},
	}
	if err := s.Add(c); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	fmt.Printf("  customer key is a version %d UUID; orders %s, %s, each with the customer's key: %v\n",
		c.ID.Version(), c.Orders[0].Number, c.Orders[1].Number,
		c.Orders[0].CustomerID == c.ID && c.Orders[1].CustomerID == c.ID)

	fmt.Println("a JSON map changed in place, and one embedded field:")
	c.Settings["theme"] = "dark"
	c.Home.City = "Bergen"
	if err := s.Commit(ctx); err != nil {
		return err
	}

	fmt.Println("read back in a new session, by the embedded field's path:")
	s2 := relm.NewSession(db, reg)
	defer s2.Close()
	back, err := relm.Select[Customer](s2).Where(relm.Eq("Home.City", "Bergen")).SelectIn("Orders").All(ctx)
	if err != nil {
		return err
	}
	for _, b := range back {
		fmt.Printf("  %s of %s, %s: theme %v, %d orders\n", b.Name, b.Home.Street, b.Home.City, b.Settings["theme"], len(b.Orders))
	}
	return nil
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
