package relm_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Jot is soft-deleted: Delete sets DeletedAt.
type Jot struct {
	ID        int `relm:"pk"`
	Text      string
	DeletedAt *time.Time `relm:"softdelete"`
}

// exsdOpen opens an in-memory SQLite database with jots "a" and "b",
// printing each statement from then on.
func exsdOpen() (*relm.DB, *mapping.Registry) {
	ctx := context.Background()
	db, err := relm.Open(ctx, "sqlite::memory:")
	exCheck(err)
	reg := mapping.NewRegistry()
	exCheck(reg.Register(&Jot{}))
	exCheck(reg.CreateAll(ctx, db))
	s := relm.NewSession(db, reg)
	exCheck(s.AddAll(&Jot{Text: "a"}, &Jot{Text: "b"}))
	exCheck(s.Commit(ctx))
	s.Close()
	return relm.New(db.SQL(), db.Dialect(), relm.WithLogger(slog.New(exsHandler{full: true}))), reg
}

// Delete of a model with a softdelete field is an UPDATE of it; queries
// then leave the row out, unless WithDeleted.
func ExampleQuery_WithDeleted() {
	ctx := context.Background()
	db, reg := exsdOpen()
	s := relm.NewSession(db, reg)
	defer s.Close()
	a, err := relm.Get[Jot](ctx, s, 1)
	exCheck(err)
	exCheck(s.Delete(a))
	exCheck(s.Commit(ctx))
	jots, err := relm.Select[Jot](s).All(ctx)
	exCheck(err)
	fmt.Println("jots:", len(jots))
	all, err := relm.Select[Jot](s).WithDeleted().All(ctx)
	exCheck(err)
	fmt.Println("with the deleted:", len(all), all[0].DeletedAt != nil)
	// Output:
	//   SQL: SELECT "id", "text", "deleted_at" FROM "jots" WHERE "id" = ? AND "deleted_at" IS NULL
	//   SQL: BEGIN
	//   SQL: UPDATE "jots" SET "deleted_at" = ? WHERE "id" IN (?)
	//   SQL: COMMIT
	//   SQL: SELECT t0."id", t0."text", t0."deleted_at" FROM "jots" t0 WHERE t0."deleted_at" IS NULL
	// jots: 1
	//   SQL: SELECT t0."id", t0."text", t0."deleted_at" FROM "jots" t0
	// with the deleted: 2 true
}

// HardDelete deletes the row of a soft delete model.
func ExampleSession_HardDelete() {
	ctx := context.Background()
	db, reg := exsdOpen()
	s := relm.NewSession(db, reg)
	defer s.Close()
	a, err := relm.Get[Jot](ctx, s, 1)
	exCheck(err)
	exCheck(s.HardDelete(a))
	exCheck(s.Commit(ctx))
	// Output:
	//   SQL: SELECT "id", "text", "deleted_at" FROM "jots" WHERE "id" = ? AND "deleted_at" IS NULL
	//   SQL: BEGIN
	//   SQL: DELETE FROM "jots" WHERE "id" IN (?)
	//   SQL: COMMIT
}

// A bulk Delete of a soft delete model is an UPDATE of the rows not yet
// deleted; HardDelete[T] deletes rows, deleted ones too.
func ExampleHardDelete() {
	ctx := context.Background()
	db, reg := exsdOpen()
	s := relm.NewSession(db, reg)
	defer s.Close()
	n, err := relm.Delete[Jot](s).Where(relm.Eq("Text", "a")).Exec(ctx)
	exCheck(err)
	fmt.Println("soft-deleted:", n)
	n, err = relm.HardDelete[Jot](s).Exec(ctx)
	exCheck(err)
	fmt.Println("deleted:", n)
	// Output:
	//   SQL: UPDATE "jots" AS t0 SET "deleted_at" = ? WHERE t0."deleted_at" IS NULL AND t0."text" = ?
	// soft-deleted: 1
	//   SQL: DELETE FROM "jots" AS t0
	// deleted: 2
}

// stmtTracer is a Tracer that prints what it is told: the flush, and each
// statement with its rows.
type stmtTracer struct{}

func (stmtTracer) StartStatement(ctx context.Context, st relm.TracedStatement) context.Context {
	return ctx
}
func (stmtTracer) EndStatement(ctx context.Context, st relm.TracedStatement, rows int64, err error) {
	fmt.Printf("  %s (%d args): %d rows\n", st.Operation, st.Args, rows)
}
func (stmtTracer) StartFlush(ctx context.Context) context.Context { return ctx }
func (stmtTracer) EndFlush(ctx context.Context, fs relm.FlushStats, err error) {
	fmt.Printf("flush: %d inserted, %d updated, %d deleted\n", fs.Inserted, fs.Updated, fs.Deleted)
}
func (stmtTracer) StartLoad(ctx context.Context, ld relm.TracedLoad) context.Context { return ctx }
func (stmtTracer) EndLoad(ctx context.Context, rows int, err error) {
	fmt.Printf("load: %d objects\n", rows)
}

// A Tracer hears of every statement, flush and load; the module
// github.com/relmorm/relm/otel is one that makes OpenTelemetry spans. (The
// two rows of this INSERT go as literals on SQLite: no arguments.)
func ExampleWithTracer() {
	ctx := context.Background()
	plain, reg := exsdOpen()
	db := relm.New(plain.SQL(), plain.Dialect(), relm.WithTracer(stmtTracer{}))
	s := relm.NewSession(db, reg)
	defer s.Close()
	exCheck(s.AddAll(&Jot{Text: "c"}, &Jot{Text: "d"}))
	exCheck(s.Commit(ctx))
	_, err := relm.Select[Jot](s).All(ctx)
	exCheck(err)
	// Output:
	//   INSERT (0 args): 2 rows
	// flush: 2 inserted, 0 updated, 0 deleted
	//   SELECT (0 args): 4 rows
	// load: 4 objects
}
