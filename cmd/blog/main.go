// Command blog is the tutorial's blog program on relm: it creates the six
// tables of package blog and fills them with fake users, categories, tags
// and articles through a relm session, lists the tables of a database with
// their row counts, shows a user or an article with its relationships, and
// draws the ER diagram.
//
//	blog [seed] [--dsn sqlite:blog.db] [--users 10] [--categories 5] [--tags 20]
//	     [--articles 100] [--min-tags 2] [--max-tags 5] [--seed 1] [--batch 10000]
//	     [--reset] [--echo]
//	blog tables  [--dsn DSN]
//	blog show    (--user ID | --article ID) [--dsn DSN] [--echo]
//	blog diagram [--format mermaid|dot]
//	blog migrate (check | diff | new NAME | up | down [N] | status) [--dsn DSN] [--dir migrations]
//	     [--allow-destructive] [--widen] [--keep-unmapped]
//
// DSNs: sqlite:FILE, postgres://user@host:5432/db?sslmode=disable,
// mysql://user@host:3306/db. Every error is one line on stderr and exit
// status 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/relmorm/relm"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const defaultDSN = "sqlite:blog.db"

// connectTimeout bounds how long opening the database may take, so that an
// unreachable server fails instead of hanging.
const connectTimeout = 15 * time.Second

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands []command

func init() {
	commands = []command{
		{"seed", "create the blog's tables and fill them with fake data (the default)", seedCmd},
		{"tables", "list the tables of a database with their row counts", tablesCmd},
		{"show", "show a user (--user ID) or an article (--article ID) with its relationships", showCmd},
		{"diagram", "print the blog's ER diagram (Mermaid, or --format dot)", diagramCmd},
		{"migrate", "evolve the schema: check, diff, new NAME, up, down [N], status (blog migrate help)", migrateCmd},
	}
}

// run is the program: args without the program name. It returns the exit
// status: 0, or 1 after printing a one-line error on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "seed"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args, stdout, stderr)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		default:
			fmt.Fprintf(stderr, "blog %s: %s\n", name, oneLine(err.Error()))
			return 1
		}
	}
	fmt.Fprintf(stderr, "blog: unknown command %q; the commands are seed, tables, show, diagram and migrate (blog help)\n", name)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: blog [command] [flags]   (blog COMMAND -h lists a command's flags)")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}

// flags is a command's flag set: errors come back to the caller, to be
// printed as one line, and -h prints the usage on stdout.
type flags struct {
	*flag.FlagSet
	stdout io.Writer
}

func newFlags(name string, stdout io.Writer) flags {
	fs := flag.NewFlagSet("blog "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // parse prints it, for -h only
	return flags{fs, stdout}
}

// parse parses args; -h prints the usage and returns flag.ErrHelp.
func (fs flags) parse(args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(fs.stdout, "usage: %s [flags]\n", fs.Name())
			fs.SetOutput(fs.stdout)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%v (-h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (-h lists the flags)", fs.Arg(0))
	}
	return nil
}

// open opens the database named by dsn, logging statements to stderr when
// echo is set. mustExist refuses a SQLite file that does not exist rather
// than creating an empty one.
func open(ctx context.Context, dsn string, echo bool, mustExist bool, stderr io.Writer) (*relm.DB, error) {
	d, driverDSN, err := relm.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if mustExist && d.Name() == "sqlite" {
		path, _, _ := strings.Cut(strings.TrimPrefix(driverDSN, "file:"), "?")
		if path != ":memory:" {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("no database at %s (blog seed --dsn %s creates one)", path, dsn)
			}
		}
	}
	var opts []relm.Option
	if echo {
		opts = append(opts, relm.WithLogger(echoLogger(stderr)))
	}
	octx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	return relm.Open(octx, dsn, opts...)
}

// databaseName names the database of a DSN for the "Tables_in_…" heading:
// a SQLite file's base name without extension, or a server URL's path.
func databaseName(dsn string) string {
	_, rest, _ := strings.Cut(dsn, ":")
	rest, _, _ = strings.Cut(rest, "?")
	if strings.HasPrefix(rest, "//") {
		if i := strings.Index(rest[2:], "/"); i >= 0 {
			rest = rest[2+i:]
		}
	}
	name := strings.TrimSuffix(filepath.Base(rest), filepath.Ext(rest))
	if name == "" || name == "." || name == "/" || strings.Contains(name, ":") {
		return "db"
	}
	return name
}

// oneLine folds an error message onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
