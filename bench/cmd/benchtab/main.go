// Command benchtab reads `go test -bench` output of the bench module (names
// BenchmarkX/orm=C/db=D) and prints, per workload and database, the median
// of each metric per contender and its ratio to hand-written database/sql
// (orm=raw), as Markdown tables. benchstat gives the confidence intervals;
// this gives the ratios the targets are stated in.
//
//	go run ./cmd/benchtab results/bench.txt
//	go run ./cmd/benchtab -summary run1/bench.txt run2/bench.txt
//	go run ./cmd/benchtab -summary -paired run1/bench.txt run2/bench.txt
//
// With -paired the summary gives, instead of the ratio of the medians, the
// median of the ratios within each round: bench/run.sh runs every
// contender once per workload in each round, so the k-th sample of a
// contender and the k-th of raw code ran minutes apart at most, where the
// rounds of a pool are up to an hour apart. A server whose speed drifts
// from round to round (PostgreSQL's DDL in (a) takes 14 ms in one round and
// 23 ms in the next, for every contender) then moves both samples of a
// pair, not the ratio.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^Benchmark([^/\s]+)/orm=([^/\s]+)/db=([^/\s-]+)(?:-\d+)?\s+\d+\s+(.*)$`)

type key struct{ bench, db, orm string }

var (
	order      = []string{"raw", "pgx", "relm", "gorm", "bun"}
	benchOrder = []string{"Seed", "SeedRows", "SeedScale", "LoadGraph", "InsertOne", "InsertMulti", "InsertMultiDistinct", "Update", "Read", "ReadSlice"}
	dbOrder    = []string{"sqlite", "postgres", "mysql"}
)

func main() {
	summary := flag.Bool("summary", false, "print only the time ratios to raw, one row per workload")
	paired := flag.Bool("paired", false, "with -summary: the median of each round's ratio to raw, not the ratio of the medians")
	flag.Parse()
	samples := map[key]map[string][]float64{}
	for _, path := range flag.Args() {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			m := line.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			k := key{m[1], m[3], m[2]}
			if samples[k] == nil {
				samples[k] = map[string][]float64{}
			}
			fields := strings.Fields(m[4])
			for i := 0; i+1 < len(fields); i += 2 {
				v, err := strconv.ParseFloat(fields[i], 64)
				if err == nil {
					samples[k][fields[i+1]] = append(samples[k][fields[i+1]], v)
				}
			}
		}
		f.Close()
	}
	benches := map[string]bool{}
	for k := range samples {
		benches[k.bench] = true
	}
	var names []string
	for b := range benches {
		names = append(names, b)
	}
	sort.Slice(names, func(i, j int) bool { return rank(benchOrder, names[i]) < rank(benchOrder, names[j]) })
	if *summary {
		printSummary(samples, names, *paired)
		return
	}
	for _, b := range names {
		fmt.Printf("### %s\n\n", b)
		fmt.Println("| db | contender | n | median time | × raw | B/op | × raw | allocs/op | × raw | stmts/op |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
		for _, db := range dbOrder {
			base := samples[key{b, db, "raw"}]
			for _, orm := range order {
				s := samples[key{b, db, orm}]
				if s == nil {
					continue
				}
				t := median(s["ns/op"])
				row := fmt.Sprintf("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |", db, orm, len(s["ns/op"]),
					dur(t), ratio(t, median(base["ns/op"])),
					num(median(s["B/op"])), ratio(median(s["B/op"]), median(base["B/op"])),
					num(median(s["allocs/op"])), ratio(median(s["allocs/op"]), median(base["allocs/op"])),
					num(median(s["stmts/op"])))
				if orm == "relm" {
					row = strings.ReplaceAll(row, "| relm |", "| **relm** |")
				}
				fmt.Println(row)
			}
		}
		fmt.Println()
	}
}

func rank(list []string, s string) int {
	if i := slices.Index(list, s); i >= 0 {
		return i
	}
	return len(list)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func num(v float64) string {
	if v == 0 {
		return "–"
	}
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	default:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
}

func dur(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.0f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// printSummary prints median time ÷ median time of raw for each workload
// (rows) and database × contender (columns), or with paired the median of
// the rounds' ratios (pairedRatio); a failed or missing run is "–".
func printSummary(samples map[key]map[string][]float64, names []string, paired bool) {
	orms := []string{"relm", "gorm", "bun", "pgx"}
	fmt.Print("| workload |")
	for _, db := range dbOrder {
		for _, orm := range orms {
			if orm == "pgx" && db != "postgres" {
				continue
			}
			fmt.Printf(" %s %s |", orm, db)
		}
	}
	fmt.Print("\n|---|")
	for _, db := range dbOrder {
		for _, orm := range orms {
			if orm == "pgx" && db != "postgres" {
				continue
			}
			fmt.Print("---|")
		}
	}
	fmt.Println()
	for _, b := range names {
		fmt.Printf("| %s |", b)
		for _, db := range dbOrder {
			raw := samples[key{b, db, "raw"}]["ns/op"]
			for _, orm := range orms {
				if orm == "pgx" && db != "postgres" {
					continue
				}
				s := samples[key{b, db, orm}]["ns/op"]
				var r string
				if paired {
					r = pairedRatio(s, raw)
				} else {
					r = ratio(median(s), median(raw))
				}
				if orm == "relm" && r != "–" {
					r = "**" + r + "**"
				}
				fmt.Printf(" %s |", r)
			}
		}
		fmt.Println()
	}
}

// pairedRatio returns the median of a[k] ÷ b[k], the k-th samples being
// those of the same round (each file holds its rounds in order, and a round
// one sample of every contender); "–" when the counts differ (a failed
// run), since the pairs would no longer be rounds.
func pairedRatio(a, b []float64) string {
	if len(a) == 0 || len(a) != len(b) {
		return "–"
	}
	r := make([]float64, len(a))
	for k := range a {
		if b[k] == 0 {
			return "–"
		}
		r[k] = a[k] / b[k]
	}
	return fmt.Sprintf("%.2f", median(r))
}
