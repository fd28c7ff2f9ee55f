package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/relmorm/relm"
	"github.com/relmorm/relm/blog"
)

// seedCmd creates the schema, seeds it and prints the tables with their row
// counts and the throughput.
func seedCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seed", stdout)
	o := blog.DefaultSeedOptions()
	dsn := fs.String("dsn", defaultDSN, "database: sqlite:FILE, postgres://user@host:5432/db?sslmode=disable or mysql://user@host:3306/db")
	fs.IntVar(&o.Users, "users", o.Users, "users to create, each with one userinfo")
	fs.IntVar(&o.Categories, "categories", o.Categories, "categories to create")
	fs.IntVar(&o.Tags, "tags", o.Tags, "tags to create")
	fs.IntVar(&o.Articles, "articles", o.Articles, "articles to create")
	fs.IntVar(&o.MinTags, "min-tags", o.MinTags, "distinct tags per article, at least")
	fs.IntVar(&o.MaxTags, "max-tags", o.MaxTags, "distinct tags per article, at most")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "random seed: the same seed gives the same data (0: a random one)")
	fs.IntVar(&o.BatchSize, "batch", blog.DefaultBatchSize, "articles committed per transaction (bounds memory)")
	echo := fs.Bool("echo", false, "log every SQL statement to stderr")
	reset := fs.Bool("reset", false, "drop the blog's tables and create them again first")
	if err := fs.parse(args); err != nil {
		return err
	}
	if o.BatchSize == 0 {
		return fmt.Errorf("--batch is 0; give a positive number of articles per commit")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	db, err := open(ctx, *dsn, *echo, false, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	reg, err := blog.NewRegistry()
	if err != nil {
		return err
	}
	// Check before --reset too: a table of the same name that is not the
	// blog's is somebody else's, and is not ours to drop.
	if err := blog.CheckSchema(ctx, db, reg); err != nil {
		return err
	}
	if *reset {
		if err := reg.DropAll(ctx, db); err != nil {
			return err
		}
	}
	if err := reg.CreateAll(ctx, db); err != nil {
		return err
	}
	if f, ok := stderr.(*os.File); ok && !*echo && isTerminal(f) {
		bar := &progressBar{w: f, start: time.Now()}
		o.Progress = bar.update
	}
	stats, err := blog.Seed(ctx, db, reg, o)
	if err != nil {
		return err
	}
	if err := printTables(ctx, stdout, db, *dsn); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s rows in %s: %s rows/s\n",
		thousands(stats.Total()), stats.Elapsed.Round(time.Millisecond), thousands(int64(stats.RowsPerSecond())))
	return nil
}

// tablesCmd lists the tables of an existing database with their row counts.
func tablesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tables", stdout)
	dsn := fs.String("dsn", defaultDSN, "database: sqlite:FILE, postgres://… or mysql://…")
	echo := fs.Bool("echo", false, "log every SQL statement to stderr")
	if err := fs.parse(args); err != nil {
		return err
	}
	db, err := open(ctx, *dsn, *echo, true, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	return printTables(ctx, stdout, db, *dsn)
}

// printTables prints every table of the database with its row count, as
// the tutorial's "show tables" does.
func printTables(ctx context.Context, w io.Writer, db *relm.DB, dsn string) error {
	counts, err := blog.Counts(ctx, db)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	slices.Sort(names)
	head := "Tables_in_" + databaseName(dsn)
	nameW, rowsW := len(head), len("rows")
	for _, n := range names {
		nameW = max(nameW, len(n))
		rowsW = max(rowsW, len(thousands(counts[n])))
	}
	line := "+" + strings.Repeat("-", nameW+2) + "+" + strings.Repeat("-", rowsW+2) + "+\n"
	io.WriteString(w, line)
	fmt.Fprintf(w, "| %-*s | %*s |\n", nameW, head, rowsW, "rows")
	io.WriteString(w, line)
	for _, n := range names {
		fmt.Fprintf(w, "| %-*s | %*s |\n", nameW, n, rowsW, thousands(counts[n]))
	}
	io.WriteString(w, line)
	switch len(names) {
	case 0:
		fmt.Fprintln(w, "Empty set")
	case 1:
		fmt.Fprintln(w, "1 table")
	default:
		fmt.Fprintf(w, "%d tables\n", len(names))
	}
	return nil
}

// thousands formats n with thousands separators: 1,000,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// progressBar draws the articles committed so far on one terminal line.
type progressBar struct {
	w     io.Writer
	start time.Time
}

const barWidth = 30

func (p *progressBar) update(done, total int) {
	if total == 0 {
		return
	}
	filled := barWidth * done / total
	elapsed := time.Since(p.start)
	rate := ""
	if s := elapsed.Seconds(); s > 0 && done > 0 {
		r := float64(done) / s
		rate = fmt.Sprintf("  %s articles/s", thousands(int64(r)))
		if done < total {
			eta := time.Duration(float64(total-done) / r * float64(time.Second))
			rate += "  eta " + eta.Round(time.Second).String()
		}
	}
	fmt.Fprintf(p.w, "\r\x1b[Kseeding [%s%s] %3d%%  %s/%s%s",
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled),
		100*done/total, thousands(int64(done)), thousands(int64(total)), rate)
	if done == total {
		fmt.Fprintln(p.w)
	}
}
