package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/relmorm/relm/dialect"
)

// Database is what Apply, Up and Down need: a DB that also hands out its
// *sql.DB, from which they take one connection for the migration's
// transaction, pragmas and lock. *relm.DB satisfies it.
type Database interface {
	DB
	SQL() *sql.DB
}

// StatementError reports the statement of a migration that failed. On
// MySQL and MariaDB, whose DDL commits, the statements before it are
// applied and recorded, and running the same plan or migration again
// resumes at this one; elsewhere nothing was applied.
type StatementError struct {
	What      string // the plan or migration file
	Index     int    // 1-based
	Count     int
	Statement string
	Applied   int // statements applied and recorded before it
	Err       error
}

// Error names the statement, its cause and what was kept.
func (e *StatementError) Error() string {
	kept := "nothing was applied"
	if e.Applied > 0 {
		kept = fmt.Sprintf("statements 1-%d are applied and recorded: fix the cause and run it again to resume at statement %d", e.Applied, e.Index)
	}
	return fmt.Sprintf("migrate: %s: statement %d of %d failed: %v; %s (statement: %s)", e.What, e.Index, e.Count, e.Err, kept, e.Statement)
}

// Unwrap returns the database's error.
func (e *StatementError) Unwrap() error { return e.Err }

// ForeignKeyCheckError reports rows that a SQLite table rebuild left
// violating a foreign key; the transaction was rolled back.
type ForeignKeyCheckError struct {
	Table, Parent string
	Rows          int
}

// Error names the table, the table it references and the count.
func (e *ForeignKeyCheckError) Error() string {
	return fmt.Sprintf("migrate: after the rebuild, %d rows of table %q reference rows of %q that do not exist; nothing was applied", e.Rows, e.Table, e.Parent)
}

// Apply runs the plan's statements on db: on PostgreSQL in one
// transaction; on SQLite in one transaction with foreign-key enforcement
// off (its table rebuilds drop and rename tables) and PRAGMA
// foreign_key_check before the commit; on MySQL and MariaDB, whose DDL
// commits, statement by statement, recording each one done in the table
// relm_migrate_progress so that applying the same plan again after a
// failure resumes where it stopped; under the lock Up takes (see Up). A
// plan with destructive steps is refused, with a *DestructiveError naming
// them, unless opts.AllowDestructive. Each statement is logged at Info (Error when it
// fails) through db's logger, when it has one (relm.WithLogger), as are
// those of Revert, Up and Down.
func Apply(ctx context.Context, db Database, plan *Plan, opts Options) error {
	ctx = withLogger(ctx, db)
	if plan.Dialect != db.Dialect().Name() {
		return fmt.Errorf("migrate: the plan is written for %s, the database is %s", plan.Dialect, db.Dialect().Name())
	}
	if !opts.AllowDestructive {
		if ds := plan.Destructive(); len(ds) > 0 {
			e := &DestructiveError{What: "the plan"}
			for _, s := range ds {
				e.Steps = append(e.Steps, s.Description)
			}
			return e
		}
	}
	stmts := plan.Statements()
	if len(stmts) == 0 {
		return nil
	}
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: apply: %w", err)
	}
	defer conn.Close()
	return serialized(ctx, conn, db.Dialect(), func() error {
		return run(ctx, conn, db.Dialect(), "the plan", "plan:"+plan.Checksum(), stmts, nil)
	})
}

// serialized runs fn under the migration lock on PostgreSQL and MariaDB
// (see locked); on SQLite the write transaction fn begins serializes it.
func serialized(ctx context.Context, conn *sql.Conn, d dialect.Dialect, fn func() error) error {
	if d.Name() == "sqlite" {
		return fn()
	}
	return locked(ctx, conn, d, fn)
}

// Revert runs the statements that undo the plan (Plan.DownStatements) on
// db, as Apply runs a plan. Undoing a step that destroys data (dropping a
// column the plan added) or that cannot bring back what the plan removed
// (an Irreversible step) is refused with a *DestructiveError unless
// opts.AllowDestructive.
func Revert(ctx context.Context, db Database, plan *Plan, opts Options) error {
	ctx = withLogger(ctx, db)
	if plan.Dialect != db.Dialect().Name() {
		return fmt.Errorf("migrate: the plan is written for %s, the database is %s", plan.Dialect, db.Dialect().Name())
	}
	if !opts.AllowDestructive {
		e := &DestructiveError{What: "undoing the plan"}
		for _, s := range plan.Steps {
			switch {
			case s.Irreversible:
				e.Steps = append(e.Steps, "undo "+s.Description+" (cannot restore the data)")
			case s.DownDestructive:
				e.Steps = append(e.Steps, "undo "+s.Description)
			}
		}
		if len(e.Steps) > 0 {
			return e
		}
	}
	stmts := plan.DownStatements()
	if len(stmts) == 0 {
		return nil
	}
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: revert: %w", err)
	}
	defer conn.Close()
	return serialized(ctx, conn, db.Dialect(), func() error {
		return run(ctx, conn, db.Dialect(), "undoing the plan", "down:"+plan.Checksum(), stmts, nil)
	})
}

// run executes stmts on conn as Apply documents; after, when set, runs
// last in the same transaction (or, on MySQL, after the last statement).
func run(ctx context.Context, conn *sql.Conn, d dialect.Dialect, what, id string, stmts []string, after func(dialect.Executor) error) error {
	switch d.Name() {
	case "mysql":
		return runSteps(ctx, conn, d, what, id, stmts, after)
	case "sqlite":
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fmt.Errorf("migrate: %s: %w", what, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %s: begin: %w", what, err)
	}
	defer tx.Rollback()
	for i, s := range stmts {
		if err := execStmt(ctx, tx, s); err != nil {
			return &StatementError{What: what, Index: i + 1, Count: len(stmts), Statement: s, Err: err}
		}
	}
	if d.Name() == "sqlite" {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return err
		}
	}
	if after != nil {
		if err := after(tx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %s: commit: %w", what, err)
	}
	return nil
}

func foreignKeyCheck(ctx context.Context, tx dialect.Executor) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("migrate: foreign key check: %w", err)
	}
	defer rows.Close()
	var first *ForeignKeyCheckError
	for rows.Next() {
		var (
			table, parent string
			rowid         sql.NullInt64
			fkid          int
		)
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("migrate: foreign key check: %w", err)
		}
		if first == nil {
			first = &ForeignKeyCheckError{Table: table, Parent: parent}
		}
		if first.Table == table && first.Parent == parent {
			first.Rows++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: foreign key check: %w", err)
	}
	if first != nil {
		return first
	}
	return nil
}

// ProgressError reports a migration that failed part way on MySQL or
// MariaDB and whose statements already applied have changed since, so
// that it cannot be resumed.
type ProgressError struct {
	What string
	Done int
}

// Error says what was recorded and what to do.
func (e *ProgressError) Error() string {
	return fmt.Sprintf("migrate: %s failed earlier after applying %d statements, and those statements have changed since; nothing was applied: restore them (edit only the statements from %d on), or undo their effect by hand and delete its row from %s",
		e.What, e.Done, e.Done+1, progressTable)
}

// runSteps runs stmts one by one on MySQL or MariaDB, whose DDL commits,
// recording in relm_migrate_progress, under id, how many are done and a
// checksum of them. Run again after a failure, it resumes at the
// statement that failed, provided the statements before it are the same
// (the one that failed, and those after it, may have been fixed); a
// plan's id includes its checksum, so a new plan starts afresh.
func runSteps(ctx context.Context, conn *sql.Conn, d dialect.Dialect, what, id string, stmts []string, after func(dialect.Executor) error) error {
	q := d.Quote
	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+q(progressTable)+
		" (id VARCHAR(191) NOT NULL PRIMARY KEY, done INTEGER NOT NULL, prefix VARCHAR(64) NOT NULL) DEFAULT CHARSET=utf8mb4"); err != nil {
		return fmt.Errorf("migrate: %s: create %s: %w", what, progressTable, err)
	}
	prefix := func(n int) string { return checksum(strings.Join(stmts[:n], "\n;\n")) }
	var (
		done     int
		recorded string
	)
	err := conn.QueryRowContext(ctx, "SELECT done, prefix FROM "+q(progressTable)+" WHERE id = ?", id).Scan(&done, &recorded)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		done = 0
		_, err = conn.ExecContext(ctx, "INSERT INTO "+q(progressTable)+" (id, done, prefix) VALUES (?, 0, ?)", id, prefix(0))
	case err == nil && (done > len(stmts) || prefix(done) != recorded):
		return &ProgressError{What: what, Done: done}
	}
	if err != nil {
		return fmt.Errorf("migrate: %s: read progress: %w", what, err)
	}
	for i := done; i < len(stmts); i++ {
		if err := execStmt(ctx, conn, stmts[i]); err != nil {
			return &StatementError{What: what, Index: i + 1, Count: len(stmts), Statement: stmts[i], Applied: i, Err: err}
		}
		if _, err := conn.ExecContext(ctx, "UPDATE "+q(progressTable)+" SET done = ?, prefix = ? WHERE id = ?", i+1, prefix(i+1), id); err != nil {
			return fmt.Errorf("migrate: %s: record progress after statement %d: %w", what, i+1, err)
		}
	}
	if after != nil {
		if err := after(conn); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM "+q(progressTable)+" WHERE id = ?", id); err != nil {
		return fmt.Errorf("migrate: %s: clear progress: %w", what, err)
	}
	return nil
}

// splitScript splits an SQL script into statements: a statement ends at
// a line that ends with a semicolon (Plan.SQL puts it on a line of its
// own); lines that begin with -- between statements are comments.
func splitScript(s string) []string {
	var out []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if len(cur) == 0 && (t == "" || strings.HasPrefix(t, "--")) {
			continue
		}
		if strings.HasSuffix(t, ";") {
			cur = append(cur, strings.TrimSuffix(strings.TrimRight(line, " \t\r"), ";"))
			if st := strings.TrimSpace(strings.Join(cur, "\n")); st != "" {
				out = append(out, st)
			}
			cur = cur[:0]
			continue
		}
		cur = append(cur, line)
	}
	if st := strings.TrimSpace(strings.Join(cur, "\n")); st != "" {
		out = append(out, st)
	}
	return out
}
