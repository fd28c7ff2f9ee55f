package mapping_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/ddl"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/schema"
)

// check stops an example on an error it does not expect.
func check(err error) {
	if err != nil {
		panic(err)
	}
}

// openMemory opens an in-memory SQLite database.
func openMemory() *relm.DB {
	db, err := relm.Open(context.Background(), "sqlite::memory:")
	check(err)
	return db
}

// printRelationships prints every configured relationship of the given
// models: name, direction, the columns it joins on and its other side.
func printRelationships(reg *mapping.Registry, models ...any) {
	for _, model := range models {
		m, err := reg.Mapper(model)
		check(err)
		for _, r := range m.Relationships {
			fmt.Println(describeRelationship(r))
		}
	}
}

func describeRelationship(r *mapping.Relationship) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", r, r.Direction)
	if r.Direction == mapping.ManyToMany {
		fmt.Fprintf(&b, " on %s = %s, %s = %s",
			joinCols(r.LocalColumns), joinCols(r.SecondaryLocal), joinCols(r.SecondaryRemote), joinCols(r.RemoteColumns))
	} else {
		fmt.Fprintf(&b, " on %s = %s", joinCols(r.LocalColumns), joinCols(r.RemoteColumns))
	}
	if r.Uselist {
		fmt.Fprintf(&b, ", []*%s", r.Target.Name())
	} else {
		fmt.Fprintf(&b, ", *%s", r.Target.Name())
	}
	if r.IsBackref {
		b.WriteString(", backref")
		if !r.HasField {
			b.WriteString(" (no field)")
		}
	}
	if r.Reverse != nil {
		fmt.Fprintf(&b, ", reverse %s", r.Reverse)
	}
	return b.String()
}

func joinCols(cs []*schema.Column) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Table().Name + "." + c.Name
	}
	return strings.Join(s, ",")
}

// printTables prints the tables of the database as the inspector reads
// them back: columns with type, nullability and key, and foreign keys.
func printTables(db *relm.DB) {
	tables, err := ddl.Inspect(context.Background(), db, db.Dialect())
	check(err)
	for _, t := range tables {
		fmt.Println(t.Name)
		for _, c := range t.Columns {
			line := "  " + c.Name + " " + c.Type
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
}
