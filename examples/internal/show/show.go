// Package show prints what the examples configure and create: the
// relationships of a registry and the tables of a database.
package show

import (
	"context"
	"fmt"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// Relationships prints every relationship of the registry's mappers, in
// registration order: name, direction, join columns and the other side.
func Relationships(reg *mapping.Registry) {
	for _, m := range reg.Mappers() {
		for _, r := range m.Relationships {
			fmt.Printf("  %s: %s", r, r.Direction)
			if r.Direction == mapping.ManyToMany {
				fmt.Printf(" on %s = %s, %s = %s", cols(r.LocalColumns), cols(r.SecondaryLocal),
					cols(r.SecondaryRemote), cols(r.RemoteColumns))
			} else {
				fmt.Printf(" on %s = %s", cols(r.LocalColumns), cols(r.RemoteColumns))
			}
			if r.Uselist {
				fmt.Printf(", []*%s", r.Target.Name())
			} else {
				fmt.Printf(", *%s", r.Target.Name())
			}
			if r.IsBackref {
				fmt.Print(", backref")
				if !r.HasField {
					fmt.Print(" (no field)")
				}
			}
			if r.Reverse != nil {
				fmt.Printf(", reverse %s", r.Reverse)
			}
			fmt.Println()
		}
	}
}

func cols(cs []*schema.Column) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Table().Name + "." + c.Name
	}
	return strings.Join(s, ",")
}

// Tables prints the tables of the database as they were created: columns
// with their type, NOT NULL and PK, and the foreign keys.
func Tables(ctx context.Context, db *relm.DB) error {
	tables, err := ddl.Inspect(ctx, db, db.Dialect())
	if err != nil {
		return err
	}
	for _, t := range tables {
		fmt.Printf("  %s\n", t.Name)
		for _, c := range t.Columns {
			line := "    " + c.Name + " " + c.Type
			if !c.Nullable {
				line += " NOT NULL"
			}
			if c.PrimaryKey {
				line += " PK"
			}
			for _, fk := range t.ForeignKeys {
				if len(fk.Columns) == 1 && fk.Columns[0] == c.Name {
					line += " -> " + fk.RefTable + "(" + strings.Join(fk.RefColumns, ",") + ")"
				}
			}
			fmt.Println(line)
		}
	}
	return nil
}

// Run opens an in-memory SQLite database, creates the registry's tables
// and prints the relationships and the tables under title.
func Run(title string, reg *mapping.Registry) error {
	ctx := context.Background()
	if err := reg.Configure(); err != nil {
		return err
	}
	db, err := relm.Open(ctx, "sqlite::memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := reg.CreateAll(ctx, db); err != nil {
		return err
	}
	fmt.Println(title)
	fmt.Println("relationships:")
	Relationships(reg)
	fmt.Println("tables:")
	return Tables(ctx, db)
}
