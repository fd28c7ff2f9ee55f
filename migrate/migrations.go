package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/relmorm/relm/dialect"
)

// Markers a migration file's header carries, which Up and Down obey.
const (
	// MarkDestructive: running the file destroys data (an up that drops
	// a column, a down that drops one the up added).
	MarkDestructive = "-- relm:destructive"
	// MarkIrreversible: the down file cannot bring back what the up
	// removed.
	MarkIrreversible = "-- relm:irreversible"
)

// Migration is one numbered pair of files, NNNN_name.up.sql and
// NNNN_name.down.sql.
type Migration struct {
	Version int
	Name    string
	// UpFile and DownFile are the files' names; DownFile is "" when
	// there is none.
	UpFile, DownFile string
	Up, Down         string // the files' contents
}

// Checksum is the SHA-256 of the up file, in hex.
func (m Migration) Checksum() string { return checksum(m.Up) }

// DownChecksum is the SHA-256 of the down file, in hex.
func (m Migration) DownChecksum() string { return checksum(m.Down) }

func (m Migration) upDestructive() bool   { return hasMark(m.Up, MarkDestructive) }
func (m Migration) downDestructive() bool { return hasMark(m.Down, MarkDestructive) }
func (m Migration) irreversible() bool    { return hasMark(m.Down, MarkIrreversible) }

func hasMark(s, mark string) bool {
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == mark {
			return true
		}
		if t != "" && !strings.HasPrefix(t, "--") {
			return false // markers are in the header
		}
	}
	return false
}

var fileName = regexp.MustCompile(`^([0-9]+)_([A-Za-z0-9_]+)\.(up|down)\.sql$`)

// Load reads the migration files of fsys's top directory, sorted by
// version; a directory that does not exist holds none. A version with two names, or a down file without its up file,
// is an error naming the files.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no directory yet: no migrations
	}
	if err != nil {
		return nil, fmt.Errorf("migrate: read migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		v, _ := strconv.Atoi(m[1])
		raw, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", e.Name(), err)
		}
		mig := byVersion[v]
		if mig == nil {
			mig = &Migration{Version: v, Name: m[2]}
			byVersion[v] = mig
		} else if mig.Name != m[2] {
			return nil, fmt.Errorf("migrate: version %d has two names, %s and %s: renumber one of the files", v, mig.Name, m[2])
		}
		if m[3] == "up" {
			mig.UpFile, mig.Up = e.Name(), string(raw)
		} else {
			mig.DownFile, mig.Down = e.Name(), string(raw)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.UpFile == "" {
			return nil, fmt.Errorf("migrate: %s has no %04d_%s.up.sql", m.DownFile, m.Version, m.Name)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// WritePlan writes plan as the next migration of dir (created if need
// be): NNNN_name.up.sql with the plan's SQL and NNNN_name.down.sql with
// the SQL that undoes it, each with a header of markers (MarkDestructive,
// MarkIrreversible). It returns the migration written.
func WritePlan(dir, name string, plan *Plan) (Migration, error) {
	slug := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(name), "_"), "_")
	if slug == "" {
		return Migration{}, fmt.Errorf("migrate: migration name %q has no letters or digits", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Migration{}, fmt.Errorf("migrate: %w", err)
	}
	existing, err := Load(os.DirFS(dir))
	if err != nil {
		return Migration{}, err
	}
	v := 1
	if len(existing) > 0 {
		v = existing[len(existing)-1].Version + 1
	}
	head := fmt.Sprintf("-- relm migration %04d %s, for %s\n", v, slug, plan.Dialect)
	up, down := head, head
	var destructive, downDestructive, irreversible bool
	for _, s := range plan.Steps {
		destructive = destructive || s.Destructive
		downDestructive = downDestructive || s.DownDestructive
		irreversible = irreversible || s.Irreversible
	}
	if destructive {
		up += MarkDestructive + "\n"
	}
	if downDestructive {
		down += MarkDestructive + "\n"
	}
	if irreversible {
		down += MarkIrreversible + "\n"
	}
	up += "\n" + plan.SQL()
	down += "\n" + plan.DownSQL()
	m := Migration{Version: v, Name: slug, Up: up, Down: down,
		UpFile: fmt.Sprintf("%04d_%s.up.sql", v, slug), DownFile: fmt.Sprintf("%04d_%s.down.sql", v, slug)}
	if err := os.WriteFile(filepath.Join(dir, m.UpFile), []byte(up), 0o644); err != nil {
		return Migration{}, fmt.Errorf("migrate: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, m.DownFile), []byte(down), 0o644); err != nil {
		return Migration{}, fmt.Errorf("migrate: %w", err)
	}
	return m, nil
}

// Applied is a migration recorded in relm_migrations.
type Applied struct {
	Version      int
	Name         string
	Checksum     string // of the up file, when it ran
	DownChecksum string
	AppliedAt    string // RFC 3339, UTC
}

// MigrationStatus is a migration file and whether it ran.
type MigrationStatus struct {
	Migration
	Applied   bool
	AppliedAt string
	// Changed reports that the up file differs from the one that ran.
	Changed bool
	// Missing reports a version recorded as applied whose file is gone;
	// only Version and Name are set.
	Missing bool
	// Partial is, on MySQL and MariaDB, the number of statements of a
	// pending migration that a run which failed part way applied; Up
	// resumes after them.
	Partial int
}

// String renders the status on one line: "0003 add_article_views applied 2026-…".
func (s MigrationStatus) String() string {
	st := "pending"
	switch {
	case s.Partial > 0:
		st = fmt.Sprintf("pending, FAILED PART WAY: %d of its statements applied, up resumes after them", s.Partial)
	case s.Missing:
		st = "applied " + s.AppliedAt + ", FILE MISSING"
	case s.Changed:
		st = "applied " + s.AppliedAt + ", FILE CHANGED SINCE"
	case s.Applied:
		st = "applied " + s.AppliedAt
	}
	return fmt.Sprintf("%04d %s %s", s.Version, s.Name, st)
}

// Status lists the migrations of fsys and the applied versions whose
// files are gone, with what relm_migrations records of each.
func Status(ctx context.Context, db Database, fsys fs.FS) ([]MigrationStatus, error) {
	migs, err := Load(fsys)
	if err != nil {
		return nil, err
	}
	applied, err := readApplied(ctx, db, db.Dialect())
	if err != nil {
		return nil, err
	}
	st := status(migs, applied)
	partial, err := readPartial(ctx, db, db.Dialect())
	if err != nil {
		return nil, err
	}
	for i := range st {
		if !st[i].Applied {
			st[i].Partial = partial[st[i].Version]
		}
	}
	return st, nil
}

// readPartial reads, on MySQL and MariaDB, how many statements of each
// migration a failed up applied.
func readPartial(ctx context.Context, ex dialect.Executor, d dialect.Dialect) (map[int]int, error) {
	out := map[int]int{}
	if d.Name() != "mysql" {
		return out, nil
	}
	names, err := d.TableNames(ctx, ex)
	if err != nil {
		return nil, &InspectError{Err: err}
	}
	found := false
	for _, n := range names {
		found = found || n == progressTable
	}
	if !found {
		return out, nil
	}
	rows, err := ex.QueryContext(ctx, "SELECT id, done FROM "+d.Quote(progressTable)+" WHERE id LIKE 'up:%'")
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", progressTable, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   string
			done int
		)
		if err := rows.Scan(&id, &done); err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", progressTable, err)
		}
		if v, err := strconv.Atoi(strings.TrimPrefix(id, "up:")); err == nil && done > 0 {
			out[v] = done
		}
	}
	return out, rows.Err()
}

func status(migs []Migration, applied map[int]Applied) []MigrationStatus {
	var out []MigrationStatus
	seen := map[int]bool{}
	for _, m := range migs {
		s := MigrationStatus{Migration: m}
		if a, ok := applied[m.Version]; ok {
			s.Applied, s.AppliedAt, s.Changed = true, a.AppliedAt, a.Checksum != m.Checksum()
		}
		seen[m.Version] = true
		out = append(out, s)
	}
	for v, a := range applied {
		if !seen[v] {
			out = append(out, MigrationStatus{Migration: Migration{Version: v, Name: a.Name}, Applied: true, AppliedAt: a.AppliedAt, Missing: true})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out
}

// verify returns a *ChecksumError for the first applied migration whose
// up file changed, or an error for one whose file is gone.
func verify(st []MigrationStatus, applied map[int]Applied) error {
	for _, s := range st {
		switch {
		case s.Missing:
			return fmt.Errorf("migrate: version %04d %s is recorded as applied at %s but its file is gone; nothing was applied: restore it", s.Version, s.Name, s.AppliedAt)
		case s.Changed:
			a := applied[s.Version]
			return &ChecksumError{Version: s.Version, File: s.UpFile, Recorded: a.Checksum, OnDisk: s.Checksum(), AppliedAt: a.AppliedAt}
		}
	}
	return nil
}

func createTableSQL(d dialect.Dialect) string {
	opts := ""
	if d.Name() == "mysql" {
		opts = " DEFAULT CHARSET=utf8mb4"
	}
	return "CREATE TABLE IF NOT EXISTS " + d.Quote(MigrationsTable) + ` (
	version BIGINT NOT NULL PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	down_checksum VARCHAR(64) NOT NULL,
	applied_at VARCHAR(40) NOT NULL
)` + opts
}

// readApplied reads relm_migrations; a database without it has applied
// nothing.
func readApplied(ctx context.Context, ex dialect.Executor, d dialect.Dialect) (map[int]Applied, error) {
	names, err := d.TableNames(ctx, ex)
	if err != nil {
		return nil, &InspectError{Err: err}
	}
	out := map[int]Applied{}
	found := false
	for _, n := range names {
		found = found || n == MigrationsTable
	}
	if !found {
		return out, nil
	}
	rows, err := ex.QueryContext(ctx, "SELECT version, name, checksum, down_checksum, applied_at FROM "+d.Quote(MigrationsTable))
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", MigrationsTable, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Applied
		if err := rows.Scan(&a.Version, &a.Name, &a.Checksum, &a.DownChecksum, &a.AppliedAt); err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", MigrationsTable, err)
		}
		out[a.Version] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", MigrationsTable, err)
	}
	return out, nil
}

// lockID is the key of the PostgreSQL advisory lock and the name of the
// MariaDB lock that serialize migration runs.
const (
	lockID   = 7_312_032_032 // "relm 32"
	lockName = "relm_migrations"
)

// locked runs fn with the migration lock held on conn: pg_advisory_lock
// on PostgreSQL, GET_LOCK on MySQL and MariaDB (waiting up to a minute),
// and on SQLite an exclusive transaction (BEGIN EXCLUSIVE, with
// foreign-key enforcement off for table rebuilds and PRAGMA
// foreign_key_check before the commit), in which fn runs whole.
func locked(ctx context.Context, conn *sql.Conn, d dialect.Dialect, fn func() error) (err error) {
	switch d.Name() {
	case "postgres":
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockID); err != nil {
			return fmt.Errorf("migrate: take the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockID)
		return fn()
	case "mysql":
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", lockName).Scan(&got); err != nil {
			return fmt.Errorf("migrate: take the migration lock: %w", err)
		}
		if got.Int64 != 1 {
			return fmt.Errorf("migrate: another process held the migration lock %q for a minute; try again when it is done", lockName)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", lockName)
		return fn()
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	// busy_timeout (5 s) bounds one wait; another migration may take
	// longer, so wait up to a minute, as GET_LOCK does.
	for deadline := time.Now().Add(time.Minute); ; {
		_, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "locked") && !strings.Contains(err.Error(), "BUSY") || time.Now().After(deadline) {
			return fmt.Errorf("migrate: take the migration lock (BEGIN EXCLUSIVE): %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("migrate: take the migration lock (BEGIN EXCLUSIVE): %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := fn(); err != nil {
		return err
	}
	if err := foreignKeyCheck(ctx, conn); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// apply runs one migration file's statements and then record, in the
// way of the dialect: inside locked's transaction on SQLite, in a
// transaction of its own on PostgreSQL, statement by statement with
// recorded progress on MySQL and MariaDB.
func apply(ctx context.Context, conn *sql.Conn, d dialect.Dialect, what, id string, stmts []string, record func(dialect.Executor) error) error {
	if d.Name() != "sqlite" {
		return run(ctx, conn, d, what, id, stmts, record)
	}
	for i, s := range stmts {
		if err := execStmt(ctx, conn, s); err != nil {
			return &StatementError{What: what, Index: i + 1, Count: len(stmts), Statement: s, Err: err}
		}
	}
	return record(conn)
}

// Up applies the migrations of fsys that have not run, in order, each
// recorded in relm_migrations with the checksums of its files, under the
// migration lock (see locked), so that two processes starting at once do
// not both apply one. Before anything runs it checks that every applied
// migration's up file is unchanged (a *ChecksumError otherwise) and that
// no pending one is marked destructive (a *DestructiveError, unless
// opts.AllowDestructive). It returns the migrations it applied. On SQLite
// the whole run is one transaction; on PostgreSQL each migration is one;
// on MariaDB a migration that failed part way resumes at the statement
// that failed.
func Up(ctx context.Context, db Database, fsys fs.FS, opts Options) ([]Migration, error) {
	ctx = withLogger(ctx, db)
	d := db.Dialect()
	return runLocked(ctx, db, fsys, "up", func(conn *sql.Conn, migs []Migration, applied map[int]Applied, done *[]Migration) error {
		if err := verify(status(migs, applied), applied); err != nil {
			return err
		}
		var pending []Migration
		for _, m := range migs {
			if _, ok := applied[m.Version]; !ok {
				pending = append(pending, m)
			}
		}
		if !opts.AllowDestructive {
			e := &DestructiveError{What: "migrating up"}
			for _, m := range pending {
				if m.upDestructive() {
					e.Steps = append(e.Steps, m.UpFile+" is marked destructive")
				}
			}
			if len(e.Steps) > 0 {
				return e
			}
		}
		for _, m := range pending {
			record := func(ex dialect.Executor) error {
				_, err := ex.ExecContext(ctx, "INSERT INTO "+d.Quote(MigrationsTable)+" (version, name, checksum, down_checksum, applied_at) VALUES ("+
					dialect.Placeholder(d, 1)+", "+dialect.Placeholder(d, 2)+", "+dialect.Placeholder(d, 3)+", "+dialect.Placeholder(d, 4)+", "+dialect.Placeholder(d, 5)+")",
					m.Version, m.Name, m.Checksum(), m.DownChecksum(), time.Now().UTC().Format(time.RFC3339))
				if err != nil {
					return fmt.Errorf("migrate: record %s: %w", m.UpFile, err)
				}
				return nil
			}
			id := fmt.Sprintf("up:%d", m.Version)
			if err := apply(ctx, conn, d, m.UpFile, id, splitScript(m.Up), record); err != nil {
				return err
			}
			*done = append(*done, m)
		}
		return nil
	})
}

// runLocked runs fn under the migration lock on one connection of db, with
// the migrations of fsys and the records of those applied (the records'
// table is created first when missing), and returns the migrations fn
// reported done: none on SQLite when fn failed, since the run's one
// transaction rolled them back with it. op names the command in errors;
// ctx carries the statement logger (withLogger), for fn's statements too.
func runLocked(ctx context.Context, db Database, fsys fs.FS, op string,
	fn func(conn *sql.Conn, migs []Migration, applied map[int]Applied, done *[]Migration) error) ([]Migration, error) {
	migs, err := Load(fsys)
	if err != nil {
		return nil, err
	}
	d := db.Dialect()
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %s: %w", op, err)
	}
	defer conn.Close()
	var done []Migration
	err = locked(ctx, conn, d, func() error {
		if op == "up" {
			if _, err := conn.ExecContext(ctx, createTableSQL(d)); err != nil {
				return fmt.Errorf("migrate: create %s: %w", MigrationsTable, err)
			}
		}
		applied, err := readApplied(ctx, conn, d)
		if err != nil {
			return err
		}
		return fn(conn, migs, applied, &done)
	})
	if err != nil && d.Name() == "sqlite" {
		done = nil // rolled back with the transaction
	}
	return done, err
}

// Down undoes the last n applied migrations, newest first, with their down
// files, under the migration lock, and deletes their records. It refuses,
// before anything runs, a migration whose file changed since it ran (a
// *ChecksumError) and, unless opts.AllowDestructive, a down file marked
// destructive or irreversible (a *DestructiveError): undoing a migration
// that dropped a column cannot bring its values back. It returns the
// migrations undone.
func Down(ctx context.Context, db Database, fsys fs.FS, n int, opts Options) ([]Migration, error) {
	ctx = withLogger(ctx, db)
	d := db.Dialect()
	return runLocked(ctx, db, fsys, "down", func(conn *sql.Conn, migs []Migration, applied map[int]Applied, done *[]Migration) error {
		st := status(migs, applied)
		if err := verify(st, applied); err != nil {
			return err
		}
		var undo []Migration
		for i := len(st) - 1; i >= 0 && len(undo) < n; i-- {
			if st[i].Applied {
				undo = append(undo, st[i].Migration)
			}
		}
		e := &DestructiveError{What: "migrating down"}
		for _, m := range undo {
			a := applied[m.Version]
			switch {
			case m.DownFile == "":
				return fmt.Errorf("migrate: %s has no down file; nothing was undone", m.UpFile)
			case a.DownChecksum != m.DownChecksum():
				return &ChecksumError{Version: m.Version, File: m.DownFile, Recorded: a.DownChecksum, OnDisk: m.DownChecksum(), AppliedAt: a.AppliedAt}
			case opts.AllowDestructive:
			case m.irreversible():
				e.Steps = append(e.Steps, m.DownFile+" cannot restore the data its up removed (marked irreversible)")
			case m.downDestructive():
				e.Steps = append(e.Steps, m.DownFile+" is marked destructive")
			}
		}
		if len(e.Steps) > 0 {
			return e
		}
		for _, m := range undo {
			record := func(ex dialect.Executor) error {
				if _, err := ex.ExecContext(ctx, "DELETE FROM "+d.Quote(MigrationsTable)+" WHERE version = "+dialect.Placeholder(d, 1), m.Version); err != nil {
					return fmt.Errorf("migrate: unrecord %s: %w", m.UpFile, err)
				}
				return nil
			}
			id := fmt.Sprintf("down:%d", m.Version)
			if err := apply(ctx, conn, d, m.DownFile, id, splitScript(m.Down), record); err != nil {
				return err
			}
			*done = append(*done, m)
		}
		return nil
	})
}
