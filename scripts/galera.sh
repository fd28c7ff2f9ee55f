#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on loopback, for relm's tests and for
# trying relm on a cluster:
#
#   scripts/galera.sh start  [DIR]   start the nodes that are not running
#   scripts/galera.sh stop   [DIR]   stop every node, cleanly (node 1 last); a node
#                                    still running $RELM_GALERA_STOP_TIMEOUT (60) seconds
#                                    after SIGTERM is killed by its pid (SIGKILL)
#   scripts/galera.sh status [DIR]   one line per node; exit 0 when all 3 are synced
#   scripts/galera.sh dsn            print the relm DSN of the cluster
#
# Nodes listen on 127.0.0.1:3317, 3327 and 3337 (Galera replication on 4567,
# 4577, 4587, with IST and rsync SST on the two ports above each). Each has
# the database `test` and the user root@127.0.0.1 with no password, as the
# single server on 3306 has, so the relm DSN is
#
#   mysql://root@127.0.0.1:3317,127.0.0.1:3327,127.0.0.1:3337/test
#
# DIR (default $RELM_GALERA_DIR, else /tmp/relm-galera) holds each node's
# configuration, data and error log (DIR/n1 … DIR/n3). start is idempotent:
# with every node running it only checks them; with some running it starts
# the others, which join and receive the missing state (IST or rsync SST);
# with none running it bootstraps node 1 from its data (a new cluster the
# first time) and the others join it. stop leaves the data in DIR; delete DIR
# to start afresh. The packages (mariadb-server, galera-4, rsync, socat) are
# installed with apt when missing. The server on 3306 is not touched.
set -euo pipefail

cmd=${1:-}
G=${2:-${RELM_GALERA_DIR:-/tmp/relm-galera}}
N=3
BOOT_TIMEOUT=${RELM_GALERA_TIMEOUT:-120} # seconds for a node to join
STOP_TIMEOUT=${RELM_GALERA_STOP_TIMEOUT:-60} # seconds for a node to stop on SIGTERM, then SIGKILL

port()  { echo $((3307 + 10 * $1)); }   # SQL port of node i: 3317, 3327, 3337
gport() { echo $((4557 + 10 * $1)); }   # group communication: 4567, 4577, 4587

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
log() { echo "galera: $*" >&2; }

dsn() {
  local hosts="" i
  for i in $(seq 1 $N); do hosts+="${hosts:+,}127.0.0.1:$(port "$i")"; done
  echo "mysql://root@$hosts/test"
}

install_packages() {
  local missing=()
  [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  [ -f /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
  have rsync || missing+=(rsync)
  have socat || missing+=(socat)
  [ ${#missing[@]} = 0 ] && return 0
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

# sock runs the mariadb client on node i's socket as the server's root
# (authenticated by unix_socket, so this needs the OS root user).
sock() { local i=$1; shift; mariadb -S "$G/n$i/mysqld.sock" -uroot -N -B "$@"; }

status_var() { sock "$1" -e "SHOW STATUS LIKE '$2'" 2>/dev/null | awk '{print $2}'; }

# pid of node i's mariadbd if it runs, else nothing (and status 1).
node_pid() {
  local i=$1 p
  p=$(cat "$G/n$i/mysqld.pid" 2>/dev/null || cat "$G/n$i/launch.pid" 2>/dev/null) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$G/n$i/my.cnf" || return 1
  echo "$p"
}

write_config() {
  local i=$1 addrs="" j
  for j in $(seq 1 $N); do addrs+="${addrs:+,}127.0.0.1:$(gport "$j")"; done
  mkdir -p "$G/n$i/data" "$G/n$i/tmp"
  cat >"$G/n$i/my.cnf" <<EOF
# Written by relm's scripts/galera.sh: node $i of a loopback test cluster.
[mysqld]
user=mysql
datadir=$G/n$i/data
tmpdir=$G/n$i/tmp
socket=$G/n$i/mysqld.sock
pid-file=$G/n$i/mysqld.pid
log-error=$G/n$i/error.log
port=$(port "$i")
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
performance_schema=OFF
max_connections=300
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=relm-test
wsrep_cluster_address=gcomm://$addrs
wsrep_node_name=n$i
wsrep_node_address=127.0.0.1:$(gport "$i")
wsrep_node_incoming_address=127.0.0.1:$(port "$i")
# Generous failure detection: on a loaded test machine a node may not be
# scheduled for seconds, and with the default 5 s it is wrongly expelled.
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(gport "$i");ist.recv_addr=127.0.0.1:$(($(gport "$i") + 1));gcache.size=64M;gcache.recover=no;evs.suspect_timeout=PT10S;evs.inactive_timeout=PT30S;evs.install_timeout=PT15S"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(($(gport "$i") + 2))
wsrep_slave_threads=2
# AUTO_INCREMENT keys: Galera's step of one per node, each node in its own
# residue class, but fixed by the node's number rather than by its place in
# the membership (which follows the nodes' random UUIDs, so that node 1 —
# where relm's writes go — handed out 1, 4, 7 on one run and 2, 5, 8 on
# the next).
wsrep_auto_increment_control=OFF
auto_increment_increment=3
auto_increment_offset=$i
EOF
}

# wait_synced i want: until node i is Synced in a cluster of at least want.
wait_synced() {
  local i=$1 want=$2 size state p
  for _ in $(seq 1 $((BOOT_TIMEOUT * 2))); do
    size=$(status_var "$i" wsrep_cluster_size || true)
    state=$(status_var "$i" wsrep_local_state_comment || true)
    if [ "${size:-0}" -ge "$want" ] && [ "$state" = Synced ]; then return 0; fi
    if ! p=$(node_pid "$i") && [ -f "$G/n$i/launch.pid" ] && ! kill -0 "$(cat "$G/n$i/launch.pid")" 2>/dev/null; then
      log "node $i (port $(port "$i")) exited while starting; the end of $G/n$i/error.log:"
      tail -25 "$G/n$i/error.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  log "node $i: cluster size ${size:-?}, state ${state:-?} after ${BOOT_TIMEOUT}s; the end of $G/n$i/error.log:"
  tail -25 "$G/n$i/error.log" >&2 || true
  return 1
}

launch() { # node, extra mariadbd arguments...
  local i=$1; shift
  rm -f "$G/n$i/mysqld.pid"
  # setsid: the node outlives the shell (and the process group) that started it.
  # Every descriptor above 2 is closed first: a node inherits them for its
  # whole life, and one of them is the lock of whoever uses the cluster
  # (.ci/run's `exec 9>/tmp/relm-galera.lock; flock 9`). The node the
  # node-kill test restarted held that lock after the test ended, and the
  # next user waited for it until the node stopped (2026-12-07).
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec setsid /usr/sbin/mariadbd --defaults-file="$G/n$i/my.cnf" "$@" >>"$G/n$i/stdout.log" 2>&1 </dev/null
  ) &
  echo $! >"$G/n$i/launch.pid"
}

start() {
  install_packages
  local i running=() stopped=()
  for i in $(seq 1 $N); do
    if node_pid "$i" >/dev/null; then running+=("$i"); else stopped+=("$i"); fi
  done
  if [ ${#stopped[@]} = 0 ]; then
    for i in $(seq 1 $N); do wait_synced "$i" $N; done
    setup_sql 1
    log "already running: $(dsn)"
    return 0
  fi
  for i in $(seq 1 $N); do
    local pt
    pt=$(port "$i")
    if printf '%s\n' "${stopped[@]}" | grep -qx "$i" && ss -ltn "sport = :$pt" 2>/dev/null | grep -q LISTEN; then
      log "port $pt is taken by another process; cannot start node $i"
      return 1
    fi
  done
  mkdir -p "$G"
  for i in $(seq 1 $N); do write_config "$i"; done
  as_root chown -R mysql:mysql "$G"
  local first=1
  if [ ${#running[@]} = 0 ]; then
    # No node runs: node 1 starts the cluster from its data; the others
    # forget their position and take a full copy from it (their history
    # may be ahead of node 1's after a crash, which Galera refuses).
    if [ ! -d "$G/n1/data/mysql" ]; then
      log "initializing node 1 in $G/n1"
      mariadb-install-db --defaults-file="$G/n1/my.cnf" --user=mysql --skip-test-db \
        >"$G/n1/install.log" 2>&1 || { cat "$G/n1/install.log" >&2; return 1; }
    fi
    [ -f "$G/n1/data/grastate.dat" ] && sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$G/n1/data/grastate.dat"
    for i in $(seq 2 $N); do rm -f "$G/n$i/data/grastate.dat"; done
    log "bootstrapping node 1 on port $(port 1)"
    launch 1 --wsrep-new-cluster
    wait_synced 1 1
    stopped=("${stopped[@]:1}")
    running=(1)
  fi
  first=${running[0]}
  for i in "${stopped[@]}"; do
    log "starting node $i on port $(port "$i")"
    # A node killed while writing leaves a ring buffer that Galera 4.23
    # scanned at startup, once taking 22 GB until the OOM killer stopped
    # it (CI, 2026-11-21); gcache.recover=no and a fresh cache avoid the
    # scan. The cache only serves IST to other joiners; the node itself
    # rejoins by IST or SST from a donor.
    as_root rm -f "$G/n$i/data/galera.cache" "$G/n$i/data"/gcache.page.*
    launch "$i"
    wait_synced "$i" 2
  done
  for i in $(seq 1 $N); do wait_synced "$i" $N; done
  setup_sql "$first"
  log "up: $(dsn)"
}

# setup_sql creates the database and the TCP user the tests use (replicated
# to every node).
setup_sql() {
  sock "$1" -e "
    CREATE DATABASE IF NOT EXISTS test;
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
}

# stop_node i: SIGTERM, and SIGKILL by pid when the node has not exited
# within STOP_TIMEOUT seconds (a node stuck in a state transfer or behind
# flow control can ignore SIGTERM for many minutes; CI once waited ten).
stop_node() {
  local i=$1 p
  p=$(node_pid "$i") || return 0
  log "stopping node $i (pid $p)"
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 $((STOP_TIMEOUT * 2))); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.5; done
  log "node $i (pid $p) did not stop within ${STOP_TIMEOUT}s of SIGTERM; killing pid $p with SIGKILL"
  kill -KILL "$p" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.5; done
  log "node $i (pid $p) is still running 10s after SIGKILL"
  return 1
}

stop() {
  local i failed=0
  for i in $(seq $N -1 1); do # node 1 last: it is the one safe to bootstrap from
    stop_node "$i" || failed=1
  done
  return $failed
}

status() {
  local i ok=0 p
  for i in $(seq 1 $N); do
    if p=$(node_pid "$i"); then
      echo "node $i 127.0.0.1:$(port "$i") pid $p cluster_size=$(status_var "$i" wsrep_cluster_size) state=$(status_var "$i" wsrep_local_state_comment)"
      [ "$(status_var "$i" wsrep_local_state_comment)" = Synced ] || ok=3
    else
      echo "node $i 127.0.0.1:$(port "$i") stopped"
      ok=3
    fi
  done
  return $ok
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  dsn) dsn ;;
  *) echo "usage: $0 start|stop|status|dsn [DIR]" >&2; exit 2 ;;
esac
