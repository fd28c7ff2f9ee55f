#!/usr/bin/env bash
# The full benchmark run of BENCHMARKS.md: every workload on SQLite,
# PostgreSQL and MariaDB, each contender side by side, repeated in
# interleaved rounds (each round runs every contender once per workload), then
# summarised with benchstat and cmd/benchtab.
#
#   bench/run.sh                      # the full run (17-40 minutes, by machine)
#   COUNT=2 SCALE_COUNT=1 bench/run.sh  # a quicker look
#   RELM_BENCH_ARTICLES=2000 bench/run.sh   # (b) and (c) at a small size
#
# Results go to bench/results/ (OUT= to change): bench.txt (raw output),
# benchstat.txt, table.md (medians and ratios to hand-written SQL),
# summary.md (the ratios in one table, and paired by round) and machine.txt.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"
export CGO_ENABLED=0 # gorm.io/driver/sqlite imports mattn/go-sqlite3, which stays unused: every contender runs on modernc.org/sqlite

COUNT=${COUNT:-6}             # rounds of (a), (c), (d)
SCALE_COUNT=${SCALE_COUNT:-3} # rounds of (b), the 100,000-article writes
SEED_TIME=${SEED_TIME:-10x}   # iterations of (a) per round (each one creates the schema)
MICRO_TIME=${MICRO_TIME:-1s}  # benchtime of the micro operations (d)
OUT=${OUT:-results}
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

mkdir -p "$OUT"
command -v benchstat >/dev/null || go install "$BENCHSTAT"
go test -c -o "$OUT/bench.test" .

{
	echo "date: $(date -u +%FT%TZ)"
	echo "go: $(go version)"
	echo "nproc: $(nproc)"
	echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "postgres: $(psql -h 127.0.0.1 -U postgres -d test -Atc 'SHOW server_version' 2>/dev/null || echo '?')"
	echo "mariadb: $(mariadb -h 127.0.0.1 -u root -N -e 'SELECT VERSION()' 2>/dev/null || echo '?')"
	echo "sqlite: modernc.org/sqlite $(go list -m -f '{{.Version}}' modernc.org/sqlite)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "articles (b, c): ${RELM_BENCH_ARTICLES:-100000}; rounds: $COUNT (a, c, d), $SCALE_COUNT (b)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

failed=0
run() { # run BENCH-REGEXP BENCHTIME; a failure is reported at the end, the rounds go on
	"$OUT/bench.test" -test.run='^$' -test.bench="$1" -test.benchtime="$2" -test.benchmem -test.timeout=2h | tee -a "$OUT/bench.txt" ||
		failed=$((failed + 1))
}

: >"$OUT/bench.txt"
for i in $(seq 1 "$COUNT"); do
	echo "== round $i of $COUNT"
	export RELM_BENCH_ROUND=$i # each round runs the contenders in another order (roundOrder)
	run '^Benchmark(Seed|SeedRows)$' "$SEED_TIME"
	if [ "$i" -le "$SCALE_COUNT" ]; then
		# (b) runs each contender in a process of its own, in the round's
		# order: the first contender of a process pays for growing the Go
		# heap and SQLite's C allocator into fresh pages (measured on (b):
		# 0.1-0.4 s), and with fewer rounds than contenders one fixed
		# order would hand that cost to some and not others. The order is
		# each()'s (roundOrder in env_test.go): it starts at contender i
		# and goes forward in even rounds, backward in odd ones.
		scale=(raw relm gorm bun pgx)
		n=${#scale[@]}
		for ((k = 0; k < n; k++)); do
			if ((i % 2)); then j=$(((i - k) % n)); else j=$(((i + k) % n)); fi
			orm=${scale[(j + n) % n]}
			run "^BenchmarkSeedScale\$/^orm=$orm\$" 1x
		done
	fi
	run '^BenchmarkLoadGraph$' 1x
	run '^Benchmark(InsertOne|InsertMulti|InsertMultiDistinct|Update|Read|ReadSlice)$' "$MICRO_TIME"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

benchstat -col /orm "$OUT/bench.txt" >"$OUT/benchstat.txt"
go run ./cmd/benchtab "$OUT/bench.txt" >"$OUT/table.md"
{
	echo "Ratio of the medians to raw:"
	echo
	go run ./cmd/benchtab -summary "$OUT/bench.txt"
	echo
	echo "Median of each round's ratio to raw (-paired):"
	echo
	go run ./cmd/benchtab -summary -paired "$OUT/bench.txt"
} >"$OUT/summary.md"
cat "$OUT/table.md"
if [ "$failed" -gt 0 ]; then
	echo "$failed benchmark runs failed: see the --- FAIL lines in $OUT/bench.txt" >&2
	grep -A3 -e '--- FAIL' "$OUT/bench.txt" >&2 || true
	exit 1
fi
