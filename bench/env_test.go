package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	gormmysql "gorm.io/driver/mysql"
	gormpg "gorm.io/driver/postgres"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
	"github.com/relmorm/relm/dialect"
	"github.com/relmorm/relm/dialect/mysql"
	"github.com/relmorm/relm/mapping"
)

// Servers: the same variables and defaults as the library's tests.
const (
	defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defaultMySQL    = "mysql://root@127.0.0.1:3306/test"
)

// env is one database: a fresh database (SQLite file on tmpfs, or a database
// created on the server for this run) and one *sql.DB that every contender
// uses, with the same pool settings and driver.
type env struct {
	name string // sqlite, postgres, mysql
	err  error  // the server could not be reached

	dsn       string // relm DSN
	d         dialect.Dialect
	db        *sql.DB
	maxParams int

	relm      *relm.DB
	blogReg   *mapping.Registry
	microReg  *mapping.Registry
	gorm      *gorm.DB
	bun       *bun.DB
	pgx       *pgx.Conn // PostgreSQL only: pgx's native interface
	teardown  []func()
	dataReady int // number of articles of the loaded (c) dataset, 0 if none
}

var (
	envOnce sync.Once
	envs    []*env
	ctx     = context.Background()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, e := range envs {
		for i := len(e.teardown) - 1; i >= 0; i-- {
			e.teardown[i]()
		}
	}
	os.Exit(code)
}

// allEnvs opens the three databases once per process.
func allEnvs() []*env {
	envOnce.Do(func() {
		for _, name := range []string{"sqlite", "postgres", "mysql"} {
			e := &env{name: name}
			e.err = e.open()
			envs = append(envs, e)
		}
	})
	return envs
}

// each runs f as sub-benchmarks orm=C/db=D for every contender and database,
// databases in the outer loop so that the contenders of one database run
// back to back on the same state. The contenders' order changes from one
// round of bench/run.sh to the next (see roundOrder), so that none always
// runs first or right after the same other.
func each(b *testing.B, contenders []string, f func(b *testing.B, e *env, orm string)) {
	order := roundOrder(contenders, benchRound())
	for _, e := range allEnvs() {
		for _, orm := range order {
			if orm == "pgx" && e.name != "postgres" {
				continue
			}
			b.Run("orm="+orm+"/db="+e.name, func(b *testing.B) {
				if e.err != nil {
					msg := fmt.Sprintf("%s unreachable: %v", e.name, e.err)
					if os.Getenv("CI") == "true" {
						b.Fatal(msg + " (CI=true: every database must run)")
					}
					b.Skip(msg)
				}
				f(b, e, orm)
			})
		}
	}
}

// benchRound is the round of bench/run.sh (RELM_BENCH_ROUND; one process
// per round, where -count would repeat each sub-benchmark back to back), 0
// outside it.
func benchRound() int {
	round, _ := strconv.Atoi(os.Getenv("RELM_BENCH_ROUND"))
	return round
}

// roundOrder is the contenders' order in round r: it starts at contender r
// (mod n), so that over n rounds each runs first once, and goes forward
// through the list in even rounds and backward in odd ones, so that each
// contender runs right after two different others: turning alone kept
// every contender's predecessor (relm ran right after raw code, GORM right
// after relm, in every round where they were not first). bench/run.sh
// orders (b)'s processes the same way.
func roundOrder(contenders []string, r int) []string {
	n := len(contenders)
	order := make([]string, n)
	start := (r%n + n) % n
	for i := range order {
		k := start + i
		if r%2 != 0 {
			k = start - i
		}
		order[i] = contenders[(k%n+n)%n]
	}
	return order
}

func randomSuffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (e *env) open() error {
	var err error
	switch e.name {
	case "sqlite":
		// On tmpfs: writes measure the ORM, not the disk.
		base := "/dev/shm"
		if st, err := os.Stat(base); err != nil || !st.IsDir() {
			base = os.TempDir()
		}
		dir, err := os.MkdirTemp(base, "relm-bench-")
		if err != nil {
			return err
		}
		e.teardown = append(e.teardown, func() { os.RemoveAll(dir) })
		e.dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	case "postgres", "mysql":
		server := os.Getenv("RELM_TEST_POSTGRES")
		if e.name == "mysql" {
			server = os.Getenv("RELM_TEST_MYSQL")
		}
		if server == "" {
			server = map[string]string{"postgres": defaultPostgres, "mysql": defaultMySQL}[e.name]
		}
		if e.dsn, err = e.createDatabase(server); err != nil {
			return err
		}
	}
	d, driverDSN, err := relm.ParseDSN(e.dsn)
	if err != nil {
		return err
	}
	e.d = d
	e.maxParams = d.MaxParams()
	db, err := sql.Open(d.DriverName(), driverDSN)
	if err != nil {
		return err
	}
	e.teardown = append(e.teardown, func() { db.Close() })
	if e.name == "sqlite" {
		db.SetMaxOpenConns(1) // as relm.Open does: one writer
	} else {
		db.SetMaxOpenConns(4)
		db.SetMaxIdleConns(4)
	}
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	e.db = db
	if m, ok := d.(*mysql.Dialect); ok {
		if err := m.Detect(ctx, db); err != nil { // as relm.Open does
			return err
		}
	}
	e.relm = relm.New(db, d, relm.WithLogger(statementTimes()))
	if e.blogReg, err = blog.NewRegistry(); err != nil {
		return err
	}
	e.microReg = mapping.NewRegistry()
	if err := e.microReg.Register(&Model{}); err != nil {
		return err
	}
	if err := e.microReg.Configure(); err != nil {
		return err
	}
	e.gorm, err = openGorm(e, logger.Discard)
	if err != nil {
		return err
	}
	e.bun = openBun(e)
	if e.name == "postgres" {
		conn, err := pgx.Connect(ctx, e.dsn)
		if err != nil {
			return err
		}
		e.pgx = conn
		e.teardown = append(e.teardown, func() { conn.Close(context.Background()) })
	}
	// The schemas of (b), (c) and (d), created once; (a) creates its own.
	if err := e.blogReg.CreateAll(ctx, e.relm); err != nil {
		return err
	}
	return e.microReg.CreateAll(ctx, e.relm)
}

// createDatabase creates a database of its own on the server for this run,
// dropped when the run ends, and returns its DSN with the write settings of
// the benchmark: PostgreSQL sessions with synchronous_commit off (a startup
// parameter, so every pooled connection has it); MariaDB with
// interpolateParams on (for every contender), and the server's
// innodb_flush_log_at_trx_commit set to 2 for the run and restored after.
func (e *env) createDatabase(server string) (string, error) {
	d, driverDSN, err := relm.ParseDSN(server)
	if err != nil {
		return "", err
	}
	admin, err := sql.Open(d.DriverName(), driverDSN)
	if err != nil {
		return "", err
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return "", err
	}
	admin.SetMaxOpenConns(1)
	e.teardown = append(e.teardown, func() { admin.Close() })
	name := "relm_bench_" + randomSuffix()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	e.teardown = append(e.teardown, func() {
		drop := "DROP DATABASE IF EXISTS " + name
		if e.name == "postgres" {
			drop += " WITH (FORCE)"
		}
		if _, err := admin.ExecContext(context.Background(), drop); err != nil {
			fmt.Fprintf(os.Stderr, "bench: drop %s: %v\n", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	q := u.Query()
	switch e.name {
	case "postgres":
		q.Set("synchronous_commit", "off")
	case "mysql":
		q.Set("interpolateParams", "true")
		var old string
		if err := admin.QueryRowContext(ctx, "SELECT @@GLOBAL.innodb_flush_log_at_trx_commit").Scan(&old); err != nil {
			return "", err
		}
		if _, err := strconv.Atoi(old); err != nil {
			return "", fmt.Errorf("innodb_flush_log_at_trx_commit = %q", old)
		}
		if _, err := admin.ExecContext(ctx, "SET GLOBAL innodb_flush_log_at_trx_commit = 2"); err != nil {
			return "", err
		}
		e.teardown = append(e.teardown, func() {
			if _, err := admin.ExecContext(context.Background(), "SET GLOBAL innodb_flush_log_at_trx_commit = "+old); err != nil {
				fmt.Fprintf(os.Stderr, "bench: restore innodb_flush_log_at_trx_commit=%s: %v\n", old, err)
			}
		})
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func openGorm(e *env, l logger.Interface) (*gorm.DB, error) {
	var dialector gorm.Dialector
	switch e.name {
	case "sqlite":
		dialector = &gormsqlite.Dialector{DriverName: "sqlite", Conn: e.db}
	case "postgres":
		dialector = gormpg.New(gormpg.Config{Conn: e.db})
	case "mysql":
		dialector = gormmysql.New(gormmysql.Config{Conn: e.db})
	}
	// As go-orm-benchmarks configures it: no implicit transaction around
	// each write (the seeds open one explicitly).
	return gorm.Open(dialector, &gorm.Config{SkipDefaultTransaction: true, Logger: l})
}

func openBun(e *env) *bun.DB {
	var db *bun.DB
	switch e.name {
	case "sqlite":
		db = bun.NewDB(e.db, sqlitedialect.New())
	case "postgres":
		db = bun.NewDB(e.db, pgdialect.New())
	default:
		db = bun.NewDB(e.db, mysqldialect.New())
	}
	db.RegisterModel((*bArticleTag)(nil)) // the m2m link model
	return db
}

// envInt reads a positive integer from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
