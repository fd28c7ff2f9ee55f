package ddl_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"

	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/dialect/sqlite"
	"github.com/relmorm/relm/schema"
)

// Create two tables on SQLite and read them back. Any dialect.Executor
// works: a relm.DB, which logs every statement, or a plain *sql.DB as here.
func Example() {
	ctx := context.Background()
	d := sqlite.New()
	dsn, err := d.DriverDSN("sqlite::memory:")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open(d.DriverName(), dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database

	md := schema.NewMetaData()
	for _, t := range []*schema.Table{
		{Name: "users", Columns: []*schema.Column{
			{Name: "id", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true},
			{Name: "username", Type: schema.String(64), NotNull: true, Index: true},
		}},
		{Name: "articles", Columns: []*schema.Column{
			{Name: "id", Type: schema.Integer, PrimaryKey: true, AutoIncrement: true},
			{Name: "title", Type: schema.String(255), NotNull: true},
			{Name: "user_id", Type: schema.Integer, References: "users.id", OnDelete: schema.Cascade},
		}},
	} {
		if err := md.Add(t); err != nil {
			log.Fatal(err)
		}
	}

	if err := ddl.CreateAll(ctx, db, d, md); err != nil {
		log.Fatal(err)
	}
	tables, err := ddl.Inspect(ctx, db, d)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tables {
		fmt.Println(t.Name)
		for _, c := range t.Columns {
			fmt.Printf("  %s %s nullable=%v pk=%v\n", c.Name, c.Type, c.Nullable, c.PrimaryKey)
		}
		for _, ix := range t.Indexes {
			fmt.Printf("  index %s %v\n", ix.Name, ix.Columns)
		}
		for _, fk := range t.ForeignKeys {
			fmt.Printf("  %v -> %s%v on delete %s\n", fk.Columns, fk.RefTable, fk.RefColumns, fk.OnDelete)
		}
	}
	// Output:
	// articles
	//   id INTEGER nullable=false pk=true
	//   title VARCHAR(255) nullable=false pk=false
	//   user_id INTEGER nullable=true pk=false
	//   [user_id] -> users[id] on delete CASCADE
	// users
	//   id INTEGER nullable=false pk=true
	//   username VARCHAR(64) nullable=false pk=false
	//   index ix_users_username [username]
}
