package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/relmorm/relm/dialect"
)

// TestClassifyError provokes each constraint violation in an in-memory
// database and classifies the driver's error.
func TestClassifyError(t *testing.T) {
	ctx := context.Background()
	dsn, err := New().DriverDSN("sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		`CREATE TABLE "users" ("id" INTEGER PRIMARY KEY, "email" TEXT UNIQUE, "nick" TEXT NOT NULL, "age" INTEGER CHECK ("age" >= 0), CONSTRAINT "adult" CHECK ("age" < 200))`,
		`CREATE TABLE "posts" ("id" INTEGER PRIMARY KEY, "user_id" INTEGER REFERENCES "users" ("id"))`,
		`CREATE UNIQUE INDEX "uq_nick_age" ON "users" ("nick", "age")`,
		`INSERT INTO "users" VALUES (1, 'a@x', 'ada', 30)`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		stmt                      string
		kind                      dialect.ConstraintKind
		table, constraint, column string
	}{
		{`INSERT INTO "users" VALUES (2, 'a@x', 'bob', 1)`, dialect.Unique, "users", "users.email", "email"},
		{`INSERT INTO "users" VALUES (1, 'b@x', 'bob', 1)`, dialect.Unique, "users", "users.id", "id"},
		{`INSERT INTO "users" VALUES (2, 'b@x', 'ada', 30)`, dialect.Unique, "users", "users.nick, users.age", ""},
		{`INSERT INTO "users" VALUES (2, 'b@x', NULL, 1)`, dialect.NotNull, "users", "users.nick", "nick"},
		{`INSERT INTO "users" VALUES (2, 'b@x', 'bob', -1)`, dialect.Check, "", "age", ""}, // a column CHECK is named after its column
		{`INSERT INTO "users" VALUES (2, 'b@x', 'bob', 300)`, dialect.Check, "", "adult", ""},
		{`INSERT INTO "posts" VALUES (1, 99)`, dialect.ForeignKey, "", "", ""},
	} {
		_, err := db.ExecContext(ctx, c.stmt)
		ce := New().ClassifyError(err)
		if ce == nil {
			t.Errorf("%s: %v not classified", c.stmt, err)
			continue
		}
		if ce.Kind != c.kind || ce.Table != c.table || ce.Constraint != c.constraint || ce.Column != c.column {
			t.Errorf("%s: got %v %q %q %q, want %v %q %q %q", c.stmt, ce.Kind, ce.Table, ce.Constraint, ce.Column,
				c.kind, c.table, c.constraint, c.column)
		}
		if !errors.Is(ce, c.kind.Sentinel()) || !errors.Is(ce, err) {
			t.Errorf("%s: errors.Is fails on %v", c.stmt, ce)
		}
	}
	_, err = db.ExecContext(ctx, `SELECT * FROM "nowhere"`)
	if ce := ClassifyError(err); ce != nil {
		t.Errorf("a missing table classified as %v", ce)
	}
}
