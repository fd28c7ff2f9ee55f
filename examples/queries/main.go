// Queries beyond loading objects: an aggregate per group scanned into a
// struct, a row locked for a read-modify-write, a bulk UPDATE and
// DELETE by condition that keep the session's objects in step, a SQL
// fragment, subqueries and keyset pagination.
//
// The SQLAlchemy it mirrors:
//
//	session.execute(select(Category.name, func.count(Product.id).label("products"),
//	                       func.sum(Product.stock).label("stock"))
//	                .join(Product.category).group_by(Category.name)
//	                .having(func.count(Product.id) >= 2).order_by(Category.name))
//	session.scalars(select(Product).where(Product.id == 1).with_for_update()).one()
//	session.execute(update(Product).where(Product.stock == 0)
//	                .values(name=Product.name + " (sold out)"))   # synchronize_session
//	session.execute(delete(Product).where(Product.price > 1000))
//	select(Product).where(func.upper(Product.name) == "SAW")
//	select(Category).where(Category.id.in_(select(Product.category_id).where(Product.price == 0)))
//	select(Category).where(exists().where(Product.category_id == Category.id, Product.stock > 0))
//	select(Product).order_by(Product.name, Product.id)
//	               .where(tuple_(Product.name, Product.id) > (last.name, last.id)).limit(2)
//
// Run it with: go run ./examples/queries
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Category has many products.
type Category struct {
	ID       int
	Name     string     `relm:"size:32"`
	Products []*Product `relm:"back_populates:Category"`
}

func (Category) TableName() string { return "categories" }

// Product belongs to a category.
type Product struct {
	ID         int
	Name       string `relm:"size:64"`
	Price      int
	Stock      int
	CategoryID int       `relm:"fk:categories.id"`
	Category   *Category `relm:"back_populates:Products"`
}

func (Product) TableName() string { return "products" }

// perCategory is one row of the aggregate: fields filled by name.
type perCategory struct {
	Category string
	Products int
	Stock    int
}

func run(ctx context.Context) error {
	db, err := relm.Open(ctx, "sqlite::memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	reg := mapping.NewRegistry()
	if err := reg.Register(&Category{}, &Product{}); err != nil {
		return err
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		return err
	}
	s := relm.NewSession(db, reg)
	defer s.Close()
	tools, garden := &Category{Name: "tools"}, &Category{Name: "garden"}
	for _, p := range []*Product{
		{Name: "hammer", Price: 25, Stock: 4, Category: tools},
		{Name: "saw", Price: 40, Stock: 0, Category: tools},
		{Name: "drill", Price: 1200, Stock: 2, Category: tools},
		{Name: "rake", Price: 30, Stock: 0, Category: garden},
	} {
		if err := s.Add(p); err != nil {
			return err
		}
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	if err := aggregates(ctx, s); err != nil {
		return err
	}
	if err := lockAndBulk(ctx, s); err != nil {
		return err
	}
	return fragments(ctx, s)
}

// aggregates shows an aggregate per group scanned into a struct.
func aggregates(ctx context.Context, s *relm.Session) error {
	fmt.Println("products and stock per category, with at least two products:")
	rows, err := relm.Scan[perCategory](ctx, relm.Select[Product](s).
		Join("Category").
		Columns(relm.Col("Category.Name").As("Category"), relm.Count("ID").As("Products"), relm.Sum("Stock").As("Stock")).
		GroupBy("Category.Name").
		Having(relm.Count("ID").Ge(2)).
		OrderBy("Category"))
	if err != nil {
		return err
	}
	for _, r := range rows {
		fmt.Printf("  %s: %d products, %d in stock\n", r.Category, r.Products, r.Stock)
	}
	return nil
}

// lockAndBulk shows a row locked for a read-modify-write, then a bulk
// UPDATE and DELETE by condition.
func lockAndBulk(ctx context.Context, s *relm.Session) error {
	fmt.Println("sell a hammer, its row locked until the commit:")
	hammer, err := relm.Select[Product](s).Where(relm.Eq("Name", "hammer")).ForUpdate().One(ctx)
	if err != nil {
		return err
	}
	hammer.Stock--
	if err := s.Commit(ctx); err != nil {
		return err
	}
	fmt.Printf("  hammer: %d left\n", hammer.Stock)

	fmt.Println("bulk: mark what is sold out, drop what costs over 1000:")
	saw, err := relm.Select[Product](s).Where(relm.Eq("Name", "saw")).One(ctx)
	if err != nil {
		return err
	}
	n, err := relm.Update[Product](s).Where(relm.Eq("Stock", 0)).Set("Price", 0).Exec(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("  %d repriced; the saw the session holds costs %d\n", n, saw.Price)
	n, err = relm.Delete[Product](s).Where(relm.Gt("Price", 1000)).Exec(ctx)
	if err != nil {
		return err
	}
	left, err := relm.Select[Product](s).OrderBy("Name").All(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("  %d deleted; left:", n)
	for _, p := range left {
		fmt.Printf(" %s (%d)", p.Name, p.Price)
	}
	fmt.Println()
	return s.Commit(ctx)
}

// fragments shows a SQL fragment with a field reference, subqueries (IN
// and a correlated EXISTS) and keyset pages.
func fragments(ctx context.Context, s *relm.Session) error {
	fmt.Println("a SQL fragment, subqueries and keyset pages:")
	saw, err := relm.Select[Product](s).Where(relm.Expr("upper(?) = ?", relm.F("Name"), "SAW")).One(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("  upper(name) = 'SAW': %s\n", saw.Name)
	free, err := relm.Select[Category](s).Where(relm.In("ID",
		relm.Select[Product](s).Columns(relm.Col("CategoryID")).Where(relm.Eq("Price", 0)))).OrderBy("Name").All(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("  categories with a free product:")
	for _, c := range free {
		fmt.Printf(" %s", c.Name)
	}
	fmt.Println()
	stocked, err := relm.Select[Category](s).Where(relm.Exists(relm.Select[Product](s).
		Where(relm.Eq("CategoryID", relm.Outer("ID")), relm.Gt("Stock", 0)))).All(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("  categories with stock: %d (%s)\n", len(stocked), stocked[0].Name)
	page := func() *relm.Query[Product] { return relm.Select[Product](s).OrderBy("Name", "ID").Limit(2) }
	ps, err := page().All(ctx)
	for n := 1; err == nil && len(ps) > 0; n++ {
		fmt.Printf("  page %d:", n)
		for _, p := range ps {
			fmt.Printf(" %s", p.Name)
		}
		fmt.Println()
		last := ps[len(ps)-1]
		ps, err = page().After(last.Name, last.ID).All(ctx)
	}
	return err
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
