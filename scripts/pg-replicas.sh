#!/usr/bin/env bash
# A PostgreSQL primary and two hot standbys on loopback (streaming
# replication), for relm's tests and for trying relm's multi-host
# postgres:// DSN:
#
#   scripts/pg-replicas.sh start   [DIR]   start (or rebuild) the replica set
#   scripts/pg-replicas.sh stop    [DIR]   stop every server (standbys first)
#   scripts/pg-replicas.sh status  [DIR]   one line per server; exit 0 when node 1
#                                          is the primary and nodes 2, 3 stream from it
#   scripts/pg-replicas.sh dsn             print the relm DSN of the replica set
#   scripts/pg-replicas.sh kill N  [DIR]   stop node N at once (pg_ctl stop -m immediate):
#                                          a crash, for the failover test
#   scripts/pg-replicas.sh promote N [DIR] promote standby N (pg_ctl promote)
#
# Node 1 (the primary) listens on 127.0.0.1:5441, the standbys (made with
# pg_basebackup -R from node 1) on 5442 and 5443. Each trusts the user
# postgres over TCP from 127.0.0.1 and has the database `test`, as the main
# server on 5432 has, so the relm DSN is
#
#   postgres://postgres@127.0.0.1:5441,127.0.0.1:5442,127.0.0.1:5443/test?sslmode=disable
#
# DIR (default $RELM_PG_REPLICAS_DIR, else /tmp/relm-pg-replicas) holds each
# node's data directory and server log (DIR/n1 … DIR/n3, DIR/n1.log …).
# start is idempotent: with the three servers running in their roles it only
# checks them. Otherwise it makes the set whole again: node 1 is initialized
# when it has no data, a standby that was promoted (a failover) or has no
# data is made anew from node 1 with pg_basebackup, and every server that is
# down is started. stop leaves the data in DIR; delete DIR to start afresh.
# The servers run as the OS user postgres (through runuser when this runs as
# root). Debian's postgresql package is installed with apt when missing. The
# server on 5432 is not touched.
set -euo pipefail

cmd=${1:-}
case "$cmd" in
  kill|promote) NODE_ARG=${2:-}; G=${3:-${RELM_PG_REPLICAS_DIR:-/tmp/relm-pg-replicas}} ;;
  *) NODE_ARG=; G=${2:-${RELM_PG_REPLICAS_DIR:-/tmp/relm-pg-replicas}} ;;
esac
N=3
TIMEOUT=${RELM_PG_REPLICAS_TIMEOUT:-60} # seconds for a server to start, stop or catch up

port() { echo $((5440 + $1)); } # node i: 5441, 5442, 5443

have() { command -v "$1" >/dev/null 2>&1; }
# alive pid: the process runs (a zombie, not yet reaped by its parent, does not).
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
log() { echo "pg-replicas: $*" >&2; }

dsn() {
  local hosts="" i
  for i in $(seq 1 $N); do hosts+="${hosts:+,}127.0.0.1:$(port "$i")"; done
  echo "postgres://postgres@$hosts/test?sslmode=disable"
}

# PostgreSQL's binaries: the newest major version Debian installed.
pgbin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && echo "$d"
}

install_packages() {
  if [ -n "$(pgbin)" ] && [ -x "$(pgbin)/pg_basebackup" ] && have psql; then return 0; fi
  log "installing postgresql"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
  [ -n "$(pgbin)" ] || { log "no PostgreSQL under /usr/lib/postgresql after installing it"; return 1; }
}

# as_pg runs a command as the OS user postgres: the server refuses to run as
# root, and its data must belong to the user it runs as.
as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}

pgctl() { as_pg "$(pgbin)/pg_ctl" "$@"; }

# sql i QUERY: one value from node i (empty when it does not answer).
sql() { psql -h 127.0.0.1 -p "$(port "$1")" -U postgres -d postgres -XtAqc "$2" 2>/dev/null || true; }

# pid of node i's postmaster if it runs, else nothing (and status 1).
node_pid() {
  local i=$1 p
  p=$(head -1 "$G/n$i/postmaster.pid" 2>/dev/null) || return 1
  [ -n "$p" ] && alive "$p" || return 1
  tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$G/n$i" || return 1
  echo "$p"
}

# role i: primary, standby, or down (from the server itself).
role() {
  node_pid "$1" >/dev/null || { echo down; return; }
  case "$(sql "$1" 'SELECT pg_is_in_recovery()')" in
    f) echo primary ;;
    t) echo standby ;;
    *) echo down ;;
  esac
}

# streaming i: whether standby i receives WAL from node 1 (its walreceiver
# streams from port 5441).
streaming() {
  [ "$(sql "$1" "SELECT status = 'streaming' AND sender_port = $(port 1) FROM pg_stat_wal_receiver")" = t ]
}

wait_ready() { # node
  local i=$1
  for _ in $(seq 1 $((TIMEOUT * 4))); do
    [ "$(role "$i")" != down ] && return 0
    sleep 0.25
  done
  log "node $i (port $(port "$i")) does not answer after ${TIMEOUT}s; the end of $G/n$i.log:"
  tail -20 "$G/n$i.log" >&2 || true
  return 1
}

wait_streaming() { # standby
  local i=$1
  for _ in $(seq 1 $((TIMEOUT * 4))); do
    streaming "$i" && return 0
    sleep 0.25
  done
  log "standby $i (port $(port "$i")) does not stream from node 1 after ${TIMEOUT}s; the end of $G/n$i.log:"
  tail -20 "$G/n$i.log" >&2 || true
  return 1
}

start_node() { # node
  local i=$1
  node_pid "$i" >/dev/null && return 0
  if ss -ltn "sport = :$(port "$i")" 2>/dev/null | grep -q LISTEN; then
    log "port $(port "$i") is taken by another process; cannot start node $i"
    return 1
  fi
  log "starting node $i on port $(port "$i")"
  rm -f "$G/n$i/postmaster.pid"
  # -W: return at once; wait_ready waits (a standby reports ready only once
  # it is consistent, which pg_ctl -w would also wait for).
  # Every descriptor above 2 is closed first, as galera.sh does: the server
  # would hold for its whole life the lock of whoever started it (.ci/run's
  # `exec 7>/tmp/relm-pg-replicas.lock; flock 7`).
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    pgctl start -W -D "$G/n$i" -l "$G/n$i.log" -o "-p $(port "$i")" >/dev/null
  )
  wait_ready "$i"
}

stop_node() { # node [mode]
  local i=$1 mode=${2:-fast} p
  p=$(node_pid "$i") || return 0
  log "stopping node $i (pid $p)"
  pgctl stop -D "$G/n$i" -m "$mode" -t "$TIMEOUT" >/dev/null 2>&1 || true
  if alive "$p"; then
    log "node $i (pid $p) did not stop in ${TIMEOUT}s; killing it and its server processes"
    pkill -KILL -P "$p" 2>/dev/null || true # its children (by parent pid, while it is their parent)
    kill -KILL "$p" 2>/dev/null || true
    sleep 1
  fi
}

init_primary() {
  log "initializing node 1 in $G/n1"
  as_pg rm -rf "$G/n1"
  as_pg "$(pgbin)/initdb" -D "$G/n1" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$G/n1.init.log" 2>&1 ||
    { cat "$G/n1.init.log" >&2; return 1; }
  as_pg tee -a "$G/n1/postgresql.conf" >/dev/null <<EOF

# Written by relm's scripts/pg-replicas.sh: the primary of a loopback test
# replica set (the standbys copy this file; each gets its port on the command line).
listen_addresses = '127.0.0.1'
unix_socket_directories = '$G'
max_connections = 200
wal_level = replica
max_wal_senders = 10
wal_keep_size = '512MB'
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = '1s'
# Tests, not a store: no fsync (the OS's cache survives a killed server).
fsync = off
full_page_writes = off
shared_buffers = '64MB'
EOF
  as_pg tee -a "$G/n1/pg_hba.conf" >/dev/null <<EOF
host replication postgres 127.0.0.1/32 trust
EOF
}

# make_standby i: node i anew, a copy of node 1 that streams from it.
make_standby() {
  local i=$1
  stop_node "$i" immediate
  log "making standby $i from node 1 (pg_basebackup -R)"
  as_pg rm -rf "$G/n$i"
  as_pg "$(pgbin)/pg_basebackup" -h 127.0.0.1 -p "$(port 1)" -U postgres -D "$G/n$i" -R -X stream -c fast \
    >"$G/n$i.basebackup.log" 2>&1 || { cat "$G/n$i.basebackup.log" >&2; return 1; }
}

is_standby_dir() { [ -f "$G/n$1/standby.signal" ]; }
has_data() { [ -f "$G/n$1/PG_VERSION" ]; }

start() {
  install_packages
  local i ok=1
  for i in $(seq 1 $N); do
    case "$i:$(role "$i")" in
      1:primary) ;;
      1:*) ok=0 ;;
      *:standby) streaming "$i" || ok=0 ;;
      *) ok=0 ;;
    esac
  done
  if [ $ok = 1 ]; then
    log "already running: $(dsn)"
    return 0
  fi
  as_root mkdir -p "$G"
  as_root chown postgres: "$G"
  # Node 1 must be the primary. A node 1 that is a standby, or has no data,
  # is made anew (the replica set of a test holds nothing to keep).
  if ! has_data 1 || is_standby_dir 1; then
    stop_node 1 immediate
    for i in $(seq 2 $N); do stop_node "$i" immediate; done
    init_primary
  fi
  start_node 1
  [ "$(role 1)" = primary ] || { log "node 1 started but is not a primary"; return 1; }
  sql 1 "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 || sql 1 "CREATE DATABASE test" >/dev/null
  for i in $(seq 2 $N); do
    # A standby that was promoted (failover), has no data, or follows
    # another timeline than node 1's (it replayed a promoted node's WAL) is
    # copied afresh from node 1.
    if ! has_data "$i" || ! is_standby_dir "$i"; then
      make_standby "$i"
    fi
    start_node "$i"
    if ! wait_streaming_quiet "$i"; then
      log "standby $i does not stream from node 1; making it anew"
      make_standby "$i"
      start_node "$i"
      wait_streaming "$i"
    fi
  done
  log "up: $(dsn)"
}

# wait_streaming_quiet: wait_streaming for a few seconds, without the log.
wait_streaming_quiet() {
  local i=$1
  for _ in $(seq 1 40); do
    streaming "$i" && return 0
    [ "$(role "$i")" = down ] && return 1
    sleep 0.25
  done
  return 1
}

stop() {
  local i
  for i in $(seq $N -1 1); do stop_node "$i"; done
}

status() {
  local i ok=0 p r
  for i in $(seq 1 $N); do
    r=$(role "$i")
    if p=$(node_pid "$i"); then
      case "$r" in
        primary) echo "node $i 127.0.0.1:$(port "$i") pid $p primary lsn=$(sql "$i" 'SELECT pg_current_wal_lsn()')"
          [ "$i" = 1 ] || ok=3 ;;
        standby)
          if streaming "$i"; then
            echo "node $i 127.0.0.1:$(port "$i") pid $p standby streaming from node 1, replayed=$(sql "$i" 'SELECT pg_last_wal_replay_lsn()')"
          else
            echo "node $i 127.0.0.1:$(port "$i") pid $p standby NOT streaming from node 1"; ok=3
          fi
          [ "$i" != 1 ] || ok=3 ;;
        *) echo "node $i 127.0.0.1:$(port "$i") pid $p not answering"; ok=3 ;;
      esac
    else
      echo "node $i 127.0.0.1:$(port "$i") stopped"
      ok=3
    fi
  done
  return $ok
}

check_node_arg() {
  case "$NODE_ARG" in
    [1-3]) ;;
    *) echo "usage: $0 $cmd 1|2|3 [DIR]" >&2; exit 2 ;;
  esac
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  dsn) dsn ;;
  kill) check_node_arg; stop_node "$NODE_ARG" immediate ;;
  promote) check_node_arg; pgctl promote -w -t "$TIMEOUT" -D "$G/n$NODE_ARG" >/dev/null; log "node $NODE_ARG promoted" ;;
  *) echo "usage: $0 start|stop|status|dsn|kill N|promote N [DIR]" >&2; exit 2 ;;
esac
