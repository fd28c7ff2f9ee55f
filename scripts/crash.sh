#!/usr/bin/env bash
# Crash test: `blog seed` killed with SIGKILL at random moments leaves only
# whole units of work, and a rerun after the kill works.
#
#   scripts/crash.sh [sqlite] [postgres] [mysql]     (default: all three)
#
# For each database it builds cmd/blog and scripts/crashcheck, creates a
# database of its own (a temporary file for SQLite; relm_crash_PID on the
# servers, dropped at the end), and
#
#   1. runs one seed to its end, to measure how long its writing takes;
#   2. ten times: starts a seed, SIGKILLs it at a random moment of its
#      writing (from its first INSERT, seen in its --echo log, to the
#      measured duration after it), then checks the database
#      (scripts/crashcheck: PRAGMA integrity_check on SQLite; users,
#      categories and tags in whole seeds; every article with an author, a
#      category and 2 to 5 tags of its own seed; no orphan or repeated
#      article_tag row; every seed a whole number of batches), then reruns
#      the seed, which must complete, and checks again (the rerun's seed
#      holds all its articles).
#
# Every seed adds to the same database, so later seeds run, and are killed,
# on a database that already holds data. It prints one line per kill and a
# summary per database, and exits 1 at the first failure with a line naming
# the database, the kill and the check that failed.
#
# Environment: RELM_CRASH_KILLS (10), RELM_CRASH_ARTICLES (2000) and
# RELM_CRASH_BATCH (100) per seed, RELM_CRASH_RANDOM (the random seed of
# the delays; printed, to repeat a run), RELM_CRASH_POSTGRES and
# RELM_CRASH_MYSQL (server DSNs whose database is created and dropped;
# default the local servers). A server that cannot be reached is skipped
# with a message, or fails the run under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

KILLS=${RELM_CRASH_KILLS:-10}
ARTICLES=${RELM_CRASH_ARTICLES:-2000}
BATCH=${RELM_CRASH_BATCH:-100}
RANDOM_SEED=${RELM_CRASH_RANDOM:-$((($$ * 7919 + $(date +%s)) % 32768))}
RANDOM=$RANDOM_SEED
SIZES=(--users 10 --categories 5 --tags 20 --min-tags 2 --max-tags 5 --articles "$ARTICLES" --batch "$BATCH")
SEED_TIMEOUT=180 # seconds a seed that is not killed may take

dbs=("$@")
[ ${#dbs[@]} -gt 0 ] || dbs=(sqlite postgres mysql)

work=$(mktemp -d /tmp/relm-crash.XXXXXX)
created=()
skipped=()
pid=
cleanup() {
	local dsn
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
	for dsn in "${created[@]}"; do "$work/crashcheck" dropdb --dsn "$dsn" >/dev/null 2>&1 || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # timeout(1) and ^C: clean up too

go build -o "$work/blog" ./cmd/blog
go build -o "$work/crashcheck" ./scripts/crashcheck

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2fs", ms / 1000 }'; }

# fail DB WHAT MESSAGE... — the failure line, and exit 1.
fail() {
	local db=$1 what=$2
	shift 2
	echo "crash: FAIL: $db, $what: $*" >&2
	exit 1
}

# check DB WHAT DSN [--complete]: crashcheck; its summary in $checked.
check() {
	local db=$1 what=$2 dsn=$3 out start
	shift 3
	start=$(now_ms)
	if ! out=$("$work/crashcheck" check --dsn "$dsn" "${SIZES[@]}" "$@" 2>&1); then
		fail "$db" "$what" "$out"
	fi
	checked="$out; checked in $(secs $(($(now_ms) - start)))"
}

# seed_full DSN SEED LOG: runs a seed to its end and prints its duration
# in ms, or returns 1 (its output is in LOG).
seed_full() {
	local dsn=$1 seed=$2 log=$3 start
	start=$(now_ms)
	if ! timeout "$SEED_TIMEOUT" "$work/blog" seed --dsn "$dsn" "${SIZES[@]}" --seed "$seed" >"$log" 2>&1; then
		return 1
	fi
	echo $(($(now_ms) - start))
}

# write_ms LOG: how long the writing part of a seed that ran to its end
# took, in ms: "seeded N rows in DURATION" (from the users' transaction to
# the last batch's commit; the schema checks before it are left out, which
# on a loaded MariaDB take seconds and vary from run to run).
write_ms() {
	awk '/^seeded / { d = $(NF-2); sub(/:$/, "", d);
		if (d ~ /ms$/) v = d + 0; else if (d ~ /[0-9]m[0-9]/) { split(d, p, "m"); v = p[1] * 60000 + p[2] * 1000 } else v = d * 1000;
		printf "%d", v }' "$1"
}

crash_one() {
	local db=$1 dsn=$2 t0 k delay status tries ms span start waited seed=1 kills=0 checks=0
	t0=$(now_ms)
	if ! "$work/crashcheck" createdb --dsn "$dsn" >"$work/createdb.log" 2>&1; then
		if [ "${CI:-}" = true ]; then fail "$db" "creating its database" "$(cat "$work/createdb.log")"; fi
		echo "crash: $db: skipped, the server cannot be reached: $(cat "$work/createdb.log")"
		skipped+=("$db")
		return 0
	fi
	created+=("$dsn")

	# 1. The measure: one seed to its end.
	ms=$(seed_full "$dsn" $seed "$work/seed.log") || fail "$db" "the first seed (not killed)" "$(tail -3 "$work/seed.log")"
	check "$db" "after the first seed (not killed)" "$dsn" --complete
	span=$(write_ms "$work/seed.log")
	echo "crash: $db: a seed of $ARTICLES articles in batches of $BATCH takes $(secs "$ms"), $(secs "${span:-0}") of it writing"

	# 2. The kills: each seed logs its statements (--echo), and is killed
	# at a random moment of its writing, from its first INSERT (the users')
	# to the measured span after it; the span is measured again on each
	# rerun, as the database grows and the machine gets busier or idler.
	for k in $(seq 1 "$KILLS"); do
		for tries in 1 2 3 4 5; do
			seed=$((seed + 1))
			span=${span:-1000}
			[ "$span" -gt 10 ] || span=10
			# 9/10 of the span: the last seed's writing time varies, and a
			# seed that ends first costs a whole seed more.
			delay=$(((RANDOM * 32768 + RANDOM) % (span * 9 / 10)))
			"$work/blog" seed --echo --dsn "$dsn" "${SIZES[@]}" --seed $seed >"$work/killed.log" 2>"$work/killed.sql" &
			pid=$!
			start=$(now_ms)
			# Until the first INSERT is logged, or the seed failed, or
			# SEED_TIMEOUT.
			until grep -q -e '^level=DEBUG msg=sql sql="INSERT INTO ' -e '^blog seed: ' "$work/killed.sql" 2>/dev/null ||
				[ $(($(now_ms) - start)) -gt $((SEED_TIMEOUT * 1000)) ]; do
				sleep 0.01
			done
			waited=$(($(now_ms) - start))
			sleep "$(awk -v ms="$delay" 'BEGIN { printf "%.3f", ms / 1000 }')"
			kill -KILL "$pid" 2>/dev/null || true
			status=0
			wait "$pid" 2>/dev/null || status=$?
			[ $status = 0 ] || break
			# The seed finished before the kill: draw again.
			echo "crash: $db kill $k: the seed ended before its kill $(secs "$delay") after its first INSERT; drawing another moment"
			check "$db" "kill $k, after a seed that ended before its kill" "$dsn" --complete
			span=$((span * 3 / 4))
		done
		[ $status = 137 ] || fail "$db" "kill $k" "the seed was not killed (exit status $status): $(tail -3 "$work/killed.sql")"
		kills=$((kills + 1))
		local at="at $(secs "$delay") of $(secs "$span") after the first INSERT ($(secs $((waited + delay))) after the start)"
		check "$db" "kill $k $at, the check after the kill" "$dsn"
		checks=$((checks + 1))
		local after=$checked
		seed=$((seed + 1))
		ms=$(seed_full "$dsn" $seed "$work/seed.log") || fail "$db" "kill $k $at, the rerun" "did not complete: $(tail -3 "$work/seed.log")"
		check "$db" "kill $k $at, the check after the rerun" "$dsn" --complete
		checks=$((checks + 1))
		echo "crash: $db kill $k/$KILLS $at: ok ($after); rerun ok in $(secs "$ms"), checked in ${checked##*checked in }"
		span=$(write_ms "$work/seed.log")
	done
	echo "crash: $db: $kills of $KILLS kills, $checks of $((2 * KILLS)) checks passed (after each kill and each rerun) in $(secs $(($(now_ms) - t0)))"
}

echo "crash: random seed $RANDOM_SEED (RELM_CRASH_RANDOM=$RANDOM_SEED repeats the delays)"
for db in "${dbs[@]}"; do
	case $db in
	sqlite) crash_one sqlite "sqlite:$work/blog.db" ;;
	postgres) crash_one postgres "${RELM_CRASH_POSTGRES:-postgres://postgres@127.0.0.1:5432/relm_crash_$$?sslmode=disable}" ;;
	mysql) crash_one mysql "${RELM_CRASH_MYSQL:-mysql://root@127.0.0.1:3306/relm_crash_$$}" ;;
	*) echo "crash: unknown database $db (sqlite, postgres or mysql)" >&2; exit 2 ;;
	esac
done
if [ ${#skipped[@]} -gt 0 ]; then echo "crash: ok, but ${skipped[*]} skipped (no server)"; else echo "crash: ok"; fi
