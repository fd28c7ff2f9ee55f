package migrate_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/internal/testdb"
	"github.com/relmorm/relm/mapping"
	"github.com/relmorm/relm/migrate"
	"github.com/relmorm/relm/schema"
)

// cyclic is two tables whose foreign keys reference each other.
func cyclic(t *testing.T) *mapping.Registry {
	t.Helper()
	reg := mapping.NewRegistry()
	for _, tb := range []*schema.Table{
		{Name: "departments", Columns: []*schema.Column{
			{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
			{Name: "manager_id", Type: schema.BigInt, References: "employees.id", OnDelete: schema.SetNull},
		}},
		{Name: "employees", Columns: []*schema.Column{
			{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
			{Name: "department_id", Type: schema.BigInt, References: "departments.id", OnDelete: schema.Cascade},
			{Name: "name", Type: schema.String(64), NotNull: true, Index: true},
		}},
	} {
		if err := reg.AddTable(tb); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.Configure(); err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestPlanFromNothing: on an empty database the plan creates every table
// (a foreign key closing a cycle added afterwards, where the dialect
// needs ALTER), and then the diff is empty — as it is after CreateAll;
// undoing it leaves no table.
func TestPlanFromNothing(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg := cyclic(t)
		plan := diff(t, db, reg)
		if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, plan.SQL())
		}
		wantEmpty(t, db, reg, "after the plan")
		if err := migrate.Revert(ctx, db, plan, migrate.Options{AllowDestructive: true}); err != nil {
			t.Fatalf("%v\n%s", err, plan.DownSQL())
		}
		names, _ := db.Dialect().TableNames(ctx, db)
		for _, n := range names {
			if n != "relm_migrate_progress" { // MariaDB's record of progress
				t.Errorf("after undoing, tables %v", names)
				break
			}
		}
		if err := reg.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		wantEmpty(t, db, reg, "after CreateAll")
	})
}

// TestDropTableUndone: undoing a dropped table creates it again as it was
// (its columns, key, generated id, indexes and foreign keys), empty.
func TestDropTableUndone(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg1 := seedV1(t, db)
		plan := diff(t, db, registry(t, &author1{}, &post1{}))
		if len(plan.Steps) != 1 || plan.Steps[0].Kind != migrate.DropTable || !plan.Steps[0].Irreversible {
			t.Fatalf("plan:\n%s", plan)
		}
		if err := migrate.Apply(ctx, db, plan, migrate.Options{AllowDestructive: true}); err != nil {
			t.Fatal(err)
		}
		if err := migrate.Revert(ctx, db, plan, migrate.Options{}); !errors.Is(err, migrate.ErrDestructive) {
			t.Fatalf("undoing a drop without AllowDestructive: %v", err)
		}
		if err := migrate.Revert(ctx, db, plan, migrate.Options{AllowDestructive: true}); err != nil {
			t.Fatalf("%v\n%s", err, plan.DownSQL())
		}
		wantEmpty(t, db, reg1, "after undoing the drop")
		mustExec(t, db, "INSERT INTO legacy_notes (text) VALUES ('generated id')")
		if n := count(t, db, "SELECT COUNT(*) FROM legacy_notes"); n != 1 {
			t.Errorf("%d rows, want the 1 just written", n)
		}
	})
}

// TestRebuildKeepsTriggers: SQLite's table rebuild creates the table's
// triggers again, as its documented procedure says.
func TestRebuildKeepsTriggers(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	seedV1(t, db)
	mustExec(t, db, "CREATE TABLE audit (post_id INTEGER)")
	mustExec(t, db, "CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN INSERT INTO audit (post_id) VALUES (new.id); END")
	reg2 := registry(t, &author2{}, &post2Kept{}, &legacyNote1{}, &category2{})
	plan, err := migrate.Diff(ctx, db, reg2, migrate.Options{Keep: func(table string) bool { return table == "audit" }})
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
		t.Fatalf("%v\n%s", err, plan.SQL())
	}
	mustExec(t, db, "INSERT INTO posts (id, title, body, visits, slug, code, views, handle, rank, score) VALUES (1002, 't', 'b', 0, 's', 'new2', 0, 'h', 1, '2')")
	if n := count(t, db, "SELECT COUNT(*) FROM audit WHERE post_id = 1002"); n != 1 {
		t.Errorf("the trigger did not fire after the rebuild: %d audit rows", n)
	}
}

// TestStatementsLogged: the statements a plan runs go to the DB's logger.
func TestStatementsLogged(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	db := testdb.Open(t, "sqlite", relm.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	reg := cyclic(t)
	plan := diff(t, db, reg)
	buf.Reset()
	if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "msg=\"relm migrate\""); got != len(plan.Statements()) {
		t.Errorf("%d statements logged, want %d:\n%s", got, len(plan.Statements()), buf.String())
	}
}

type indexedFK1 struct {
	ID       int  `relm:"pk"`
	AuthorID *int `relm:"fk:authors.id;index"`
}

func (indexedFK1) TableName() string { return "books" }

type indexedFK2 struct {
	ID       int  `relm:"pk"`
	AuthorID *int `relm:"fk:authors.id"`
}

func (indexedFK2) TableName() string { return "books" }

// TestDropIndexOfForeignKey: the index of a foreign-key column dropped from
// the models, the foreign key kept. (InnoDB refuses to drop the index a
// foreign key uses; the plan leaves it one of its own.)
func TestDropIndexOfForeignKey(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg1 := registry(t, &author1{}, &indexedFK1{})
		if err := reg1.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, "INSERT INTO authors (id, name) VALUES (1, 'a')")
		mustExec(t, db, "INSERT INTO books (id, author_id) VALUES (1, 1)")
		reg2 := registry(t, &author1{}, &indexedFK2{})
		plan := diff(t, db, reg2)
		if len(plan.Steps) != 1 || plan.Steps[0].Kind != migrate.DropIndex {
			t.Fatalf("plan:\n%s", plan)
		}
		if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, plan.SQL())
		}
		wantEmpty(t, db, reg2, "after the plan")
		if err := migrate.Revert(ctx, db, plan, migrate.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, plan.DownSQL())
		}
		wantEmpty(t, db, reg1, "after undoing it")
		if _, err := db.ExecContext(ctx, rebind(db, "INSERT INTO books (id, author_id) VALUES (2, 99)")); err == nil {
			t.Error("the foreign key is gone")
		}
	})
}

// TestRebuildKeepsCascadingChildren: a table rebuilt on SQLite is dropped
// and renamed with foreign keys off, so that rows referencing it ON
// DELETE CASCADE stay; and they reference it still.
func TestRebuildKeepsCascadingChildren(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *relm.DB) {
		reg1 := cyclic(t)
		if err := reg1.CreateAll(ctx, db); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 5; i++ {
			mustExec(t, db, "INSERT INTO departments (id) VALUES (?)", i)
			mustExec(t, db, "INSERT INTO employees (id, department_id, name) VALUES (?, ?, 'e')", i, i)
		}
		reg2 := mapping.NewRegistry()
		for _, tb := range []*schema.Table{
			{Name: "departments", Columns: []*schema.Column{
				{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
				{Name: "manager_id", Type: schema.BigInt, References: "employees.id", OnDelete: schema.SetNull},
				{Name: "budget", Type: schema.BigInt, NotNull: true}, // added: a rebuild on SQLite
			}},
			{Name: "employees", Columns: []*schema.Column{
				{Name: "id", Type: schema.BigInt, PrimaryKey: true, AutoIncrement: true},
				{Name: "department_id", Type: schema.BigInt, References: "departments.id", OnDelete: schema.Cascade},
				{Name: "name", Type: schema.String(64), NotNull: true, Index: true},
			}},
		} {
			if err := reg2.AddTable(tb); err != nil {
				t.Fatal(err)
			}
		}
		plan := diff(t, db, reg2)
		if err := migrate.Apply(ctx, db, plan, migrate.Options{}); err != nil {
			t.Fatalf("%v\n%s", err, plan.SQL())
		}
		wantEmpty(t, db, reg2, "after the plan")
		if n := count(t, db, "SELECT COUNT(*) FROM employees"); n != 5 {
			t.Fatalf("%d employees after the rebuild of departments, want 5", n)
		}
		mustExec(t, db, "DELETE FROM departments WHERE id = 1")
		if n := count(t, db, "SELECT COUNT(*) FROM employees"); n != 4 {
			t.Errorf("%d employees after deleting a department, want 4: the cascade no longer holds", n)
		}
	})
}
