package migrate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
	out := cfg.Stdout
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(out, cfg.Program)
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet(cfg.Program+" "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dsn := fs.String("dsn", cfg.DSN, "the database: sqlite:FILE, postgres://…, mysql://…")
	dir := fs.String("dir", cfg.Dir, "the directory of migration files")
	allow := fs.Bool("allow-destructive", false, "let up and down run changes that drop data")
	widen := fs.Bool("widen", false, "widen integer columns narrower than the models declare")
	keep := fs.Bool("keep-unmapped", false, "never drop the tables no model maps")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(out, "usage: %s %s [flags]\n", cfg.Program, sub)
				fs.SetOutput(out)
				fs.PrintDefaults()
				return nil
			}
			return fmt.Errorf("%s %s: %w", cfg.Program, sub, err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	want := map[string][2]int{"check": {0, 0}, "diff": {0, 0}, "new": {1, 1}, "up": {0, 0}, "down": {0, 1}, "status": {0, 0}}
	n, ok := want[sub]
	if !ok {
		return fmt.Errorf("%s: unknown subcommand %q; the subcommands are check, diff, new, up, down and status", cfg.Program, sub)
	}
	if len(pos) < n[0] || len(pos) > n[1] {
		if sub == "new" {
			return fmt.Errorf("%s new: name the migration, as in %s new add_article_views", cfg.Program, cfg.Program)
		}
		return fmt.Errorf("%s %s: unexpected argument %q", cfg.Program, sub, pos[len(pos)-1])
	}
	if *dsn == "" {
		return fmt.Errorf("%s %s: name the database with -dsn or $RELM_DSN", cfg.Program, sub)
	}
	db, err := relm.Open(ctx, *dsn)
	if err != nil {
		return fmt.Errorf("%s %s: %w", cfg.Program, sub, err)
	}
	defer db.Close()
	opts := Options{AllowDestructive: *allow, Widen: *widen}
	if *keep {
		opts.Keep = func(string) bool { return true }
	}
	fsys := os.DirFS(*dir)
	if err := reg.Configure(); err != nil {
		return fmt.Errorf("%s %s: %w", cfg.Program, sub, err)
	}
	switch sub {
	case "diff":
		plan, err := Diff(ctx, db, reg, opts)
		if err != nil {
			return err
		}
		printPlan(out, plan)
	case "check":
		plan, err := Diff(ctx, db, reg, opts)
		if err != nil {
			return err
		}
		if !plan.Empty() {
			fmt.Fprint(out, plan)
			return fmt.Errorf("%s check: %w (%d steps): write a migration with %s new NAME, then %s up", cfg.Program, ErrDrift, len(plan.Steps), cfg.Program, cfg.Program)
		}
		fmt.Fprintln(out, "the database matches the models")
	case "new":
		if _, err := os.Stat(*dir); err == nil {
			st, err := Status(ctx, db, fsys)
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
				return fmt.Errorf("%s new: the database is not up to date (%s pending); run %s up first, so that the new migration holds only the new changes", cfg.Program, strings.Join(pending, ", "), cfg.Program)
			}
		}
		plan, err := Diff(ctx, db, reg, opts)
		if err != nil {
			return err
		}
		if plan.Empty() {
			fmt.Fprintln(out, "nothing to migrate: the database matches the models; no file written")
			for _, n := range plan.Notes {
				fmt.Fprintln(out, "note: "+n)
			}
			return nil
		}
		m, err := WritePlan(*dir, pos[0], plan)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s/%s and %s (%d steps", *dir, m.UpFile, m.DownFile, len(plan.Steps))
		if ds := plan.Destructive(); len(ds) > 0 {
			fmt.Fprintf(out, ", %d destructive: up needs -allow-destructive", len(ds))
		}
		fmt.Fprintln(out, ")")
	case "up":
		done, err := Up(ctx, db, fsys, opts)
		for _, m := range done {
			fmt.Fprintf(out, "applied %s\n", m.UpFile)
		}
		if err != nil {
			return err
		}
		if len(done) == 0 {
			fmt.Fprintln(out, "nothing to apply: every migration has run")
		}
	case "down":
		count := 1
		if len(pos) == 1 {
			if count, err = strconv.Atoi(pos[0]); err != nil || count < 1 {
				return fmt.Errorf("%s down: %q is not a number of migrations", cfg.Program, pos[0])
			}
		}
		done, err := Down(ctx, db, fsys, count, opts)
		for _, m := range done {
			fmt.Fprintf(out, "undid %s\n", m.UpFile)
		}
		if err != nil {
			return err
		}
		if len(done) == 0 {
			fmt.Fprintln(out, "nothing to undo: no migration has run")
		}
	case "status":
		st, err := Status(ctx, db, fsys)
		if err != nil {
			return err
		}
		if len(st) == 0 {
			fmt.Fprintf(out, "no migrations in %s\n", *dir)
		}
		for _, s := range st {
			fmt.Fprintln(out, s.String())
		}
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
