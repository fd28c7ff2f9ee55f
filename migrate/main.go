package migrate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/mapping"
)

// Config adjusts MainWith.
type Config struct {
	// Program names the command in messages and usage: "blog migrate".
	// "migrate" when empty.
	Program string
	// Stdout receives the output; os.Stdout when nil.
	Stdout io.Writer
	// DSN is the default of the -dsn flag; $RELM_DSN when empty.
	DSN string
	// Dir is the default of the -dir flag; "migrations" when empty.
	Dir string
}

// Main is the migration command a program embeds, since Go programs
// compile their models in: a cmd/migrate/main.go registers its models and
// calls
//
//	if err := migrate.Main(ctx, reg, os.Args[1:]); err != nil {
//		fmt.Fprintln(os.Stderr, err)
//		os.Exit(1)
//	}
//
// args is a subcommand and its flags:
//
//	check           fail when the database differs from the models (for CI)
//	diff            print the SQL that would bring the database to the models
//	new NAME        write that SQL as the next migration, NNNN_NAME.up.sql and .down.sql
//	up              apply the migrations not applied yet
//	down [N]        undo the last N migrations (1)
//	status          list the migrations and whether each ran
//
// with the flags -dsn URL (default $RELM_DSN), -dir DIR (default
// migrations), -allow-destructive (let up and down drop data), -widen
// (diff and new widen integer columns narrower than declared) and
// -keep-unmapped (diff and new leave alone the tables no model maps, in a
// database other programs share).
func Main(ctx context.Context, reg *mapping.Registry, args []string) error {
	return MainWith(ctx, reg, args, Config{})
}

// MainWith is Main with a Config.
func MainWith(ctx context.Context, reg *mapping.Registry, args []string, cfg Config) error {
	if cfg.Program == "" {
		cfg.Program = "migrate"
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.DSN == "" {
		cfg.DSN = os.Getenv("RELM_DSN")
	}
	if cfg.Dir == "" {
		cfg.Dir = "migrations"
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(cfg.Stdout, cfg.Program)
		return nil
	}
	c := &command{cfg: cfg, out: cfg.Stdout, sub: args[0]}
	help, err := c.parse(args[1:])
	if err != nil || help {
		return err
	}
	db, err := relm.Open(ctx, c.dsn)
	if err != nil {
		return fmt.Errorf("%s %s: %w", cfg.Program, c.sub, err)
	}
	defer db.Close()
	c.db = db
	if err := reg.Configure(); err != nil {
		return fmt.Errorf("%s %s: %w", cfg.Program, c.sub, err)
	}
	switch c.sub {
	case "diff":
		plan, err := Diff(ctx, db, reg, c.opts)
		if err != nil {
			return err
		}
		printPlan(c.out, plan)
		return nil
	case "check":
		return c.check(ctx, reg)
	case "new":
		return c.newMigration(ctx, reg)
	case "up":
		return c.up(ctx)
	case "down":
		return c.down(ctx)
	default: // "status"; parse refused the rest
		return c.status(ctx)
	}
}

// command is one run of MainWith: its subcommand, arguments and flags,
// and the database once open.
type command struct {
	cfg  Config
	out  io.Writer
	sub  string
	pos  []string // the arguments that are not flags
	dsn  string
	dir  string
	opts Options
	db   *relm.DB
	fsys fs.FS // the directory of migration files
}

// parse reads the flags and arguments of c's subcommand, which may come
// in any order, and checks their number. help is true when -h printed the
// subcommand's flags.
func (c *command) parse(args []string) (help bool, err error) {
	prog, sub := c.cfg.Program, c.sub
	fl := flag.NewFlagSet(prog+" "+sub, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dsn := fl.String("dsn", c.cfg.DSN, "the database: sqlite:FILE, postgres://…, mysql://…")
	dir := fl.String("dir", c.cfg.Dir, "the directory of migration files")
	allow := fl.Bool("allow-destructive", false, "let up and down run changes that drop data")
	widen := fl.Bool("widen", false, "widen integer columns narrower than the models declare")
	keep := fl.Bool("keep-unmapped", false, "never drop the tables no model maps")
	for {
		if err := fl.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(c.out, "usage: %s %s [flags]\n", prog, sub)
				fl.SetOutput(c.out)
				fl.PrintDefaults()
				return true, nil
			}
			return false, fmt.Errorf("%s %s: %w", prog, sub, err)
		}
		if fl.NArg() == 0 {
			break
		}
		c.pos = append(c.pos, fl.Arg(0))
		args = fl.Args()[1:]
	}
	want := map[string][2]int{"check": {0, 0}, "diff": {0, 0}, "new": {1, 1}, "up": {0, 0}, "down": {0, 1}, "status": {0, 0}}
	n, ok := want[sub]
	if !ok {
		return false, fmt.Errorf("%s: unknown subcommand %q; the subcommands are check, diff, new, up, down and status", prog, sub)
	}
	if len(c.pos) < n[0] || len(c.pos) > n[1] {
		if sub == "new" {
			return false, fmt.Errorf("%s new: name the migration, as in %s new add_article_views", prog, prog)
		}
		return false, fmt.Errorf("%s %s: unexpected argument %q", prog, sub, c.pos[len(c.pos)-1])
	}
	if *dsn == "" {
		return false, fmt.Errorf("%s %s: name the database with -dsn or $RELM_DSN", prog, sub)
	}
	c.dsn, c.dir = *dsn, *dir
	c.fsys = os.DirFS(*dir)
	c.opts = Options{AllowDestructive: *allow, Widen: *widen}
	if *keep {
		c.opts.Keep = func(string) bool { return true }
	}
	return false, nil
}

// check fails with ErrDrift, printing the plan, when the database differs
// from the models.
func (c *command) check(ctx context.Context, reg *mapping.Registry) error {
	plan, err := Diff(ctx, c.db, reg, c.opts)
	if err != nil {
		return err
	}
	if !plan.Empty() {
		fmt.Fprint(c.out, plan)
		prog := c.cfg.Program
		return fmt.Errorf("%s check: %w (%d steps): write a migration with %s new NAME, then %s up", prog, ErrDrift, len(plan.Steps), prog, prog)
	}
	fmt.Fprintln(c.out, "the database matches the models")
	return nil
}

// newMigration writes the diff as the next migration's files, refusing
// while earlier migrations are pending (the new one would hold their
// changes too).
func (c *command) newMigration(ctx context.Context, reg *mapping.Registry) error {
	if _, err := os.Stat(c.dir); err == nil {
		st, err := Status(ctx, c.db, c.fsys)
		if err != nil {
			return err
		}
		var pending []string
		for _, s := range st {
			if !s.Applied {
				pending = append(pending, s.UpFile)
			}
		}
		if len(pending) > 0 {
			return fmt.Errorf("%s new: the database is not up to date (%s pending); run %s up first, so that the new migration holds only the new changes", c.cfg.Program, strings.Join(pending, ", "), c.cfg.Program)
		}
	}
	plan, err := Diff(ctx, c.db, reg, c.opts)
	if err != nil {
		return err
	}
	if plan.Empty() {
		fmt.Fprintln(c.out, "nothing to migrate: the database matches the models; no file written")
		for _, n := range plan.Notes {
			fmt.Fprintln(c.out, "note: "+n)
		}
		return nil
	}
	m, err := WritePlan(c.dir, c.pos[0], plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "wrote %s/%s and %s (%d steps", c.dir, m.UpFile, m.DownFile, len(plan.Steps))
	if ds := plan.Destructive(); len(ds) > 0 {
		fmt.Fprintf(c.out, ", %d destructive: up needs -allow-destructive", len(ds))
	}
	fmt.Fprintln(c.out, ")")
	return nil
}

// up applies the migrations not applied yet, printing each.
func (c *command) up(ctx context.Context) error {
	done, err := Up(ctx, c.db, c.fsys, c.opts)
	for _, m := range done {
		fmt.Fprintf(c.out, "applied %s\n", m.UpFile)
	}
	if err != nil {
		return err
	}
	if len(done) == 0 {
		fmt.Fprintln(c.out, "nothing to apply: every migration has run")
	}
	return nil
}

// down undoes the last N migrations (1 when no N is given), printing each.
func (c *command) down(ctx context.Context) error {
	count := 1
	if len(c.pos) == 1 {
		n, err := strconv.Atoi(c.pos[0])
		if err != nil || n < 1 {
			return fmt.Errorf("%s down: %q is not a number of migrations", c.cfg.Program, c.pos[0])
		}
		count = n
	}
	done, err := Down(ctx, c.db, c.fsys, count, c.opts)
	for _, m := range done {
		fmt.Fprintf(c.out, "undid %s\n", m.UpFile)
	}
	if err != nil {
		return err
	}
	if len(done) == 0 {
		fmt.Fprintln(c.out, "nothing to undo: no migration has run")
	}
	return nil
}

// status lists the migrations and whether each ran.
func (c *command) status(ctx context.Context) error {
	st, err := Status(ctx, c.db, c.fsys)
	if err != nil {
		return err
	}
	if len(st) == 0 {
		fmt.Fprintf(c.out, "no migrations in %s\n", c.dir)
	}
	for _, s := range st {
		fmt.Fprintln(c.out, s.String())
	}
	return nil
}

func printPlan(out io.Writer, plan *Plan) {
	if plan.Empty() {
		fmt.Fprintln(out, "-- the database matches the models")
	} else {
		fmt.Fprint(out, plan.SQL())
	}
	for _, n := range plan.Notes {
		fmt.Fprintln(out, "-- note: "+n)
	}
}

func usage(w io.Writer, prog string) {
	fmt.Fprintf(w, `usage: %s SUBCOMMAND [flags]

  check         fail when the database differs from the models (for CI)
  diff          print the SQL that would bring the database to the models
  new NAME      write it as the next migration, NNNN_NAME.up.sql and .down.sql
  up            apply the migrations not applied yet
  down [N]      undo the last N migrations (default 1)
  status        list the migrations and whether each ran

flags: -dsn URL (default $RELM_DSN), -dir DIR (default migrations),
       -allow-destructive, -widen, -keep-unmapped
`, prog)
}
