#!/usr/bin/env bash
# A second MariaDB server whose default character set is latin1 (as an
# older or differently configured server's is), for relm's charset tests:
#
#   scripts/mariadb-latin1.sh start  [DIR]   start it unless it runs; wait until it answers
#   scripts/mariadb-latin1.sh stop   [DIR]   stop it, cleanly
#   scripts/mariadb-latin1.sh status [DIR]   one line; exit 0 when it answers
#   scripts/mariadb-latin1.sh dsn            print its relm DSN
#
# It listens on 127.0.0.1:$RELM_LATIN1_PORT (default 3307) with
# --character-set-server=latin1 --collation-server=latin1_swedish_ci, and
# has the database `test` and the user root@127.0.0.1 with no password, as
# the server on 3306 has, so the relm DSN is mysql://root@127.0.0.1:3307/test
# and the tests run there with
#
#   RELM_TEST_MYSQL=$(scripts/mariadb-latin1.sh dsn) RELM_TEST_MYSQL_LATIN1=1 go test -run /mysql ./...
#
# DIR (default $RELM_LATIN1_DIR, else /tmp/relm-mariadb-latin1) holds its
# configuration, data and error log; stop leaves the data there, delete DIR
# to start afresh. mariadb-server is installed with apt when missing. The
# server on 3306 is not touched.
set -euo pipefail

cmd=${1:-}
D=${2:-${RELM_LATIN1_DIR:-/tmp/relm-mariadb-latin1}}
PORT=${RELM_LATIN1_PORT:-3307}
TIMEOUT=${RELM_LATIN1_TIMEOUT:-60} # seconds for the server to answer

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
log() { echo "mariadb-latin1: $*" >&2; }

dsn() { echo "mysql://root@127.0.0.1:$PORT/test"; }

install_packages() {
  [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null 2>&1 && return 0
  log "installing mariadb-server"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq mariadb-server >/dev/null
}

# sock runs the mariadb client on the server's socket as its root
# (authenticated by unix_socket, so this needs the OS root user).
sock() { as_root mariadb -S "$D/mysqld.sock" -uroot -N -B "$@"; }

# pid of our mariadbd if it runs (started with our my.cnf), else status 1.
server_pid() {
  local p
  p=$(cat "$D/mysqld.pid" 2>/dev/null || cat "$D/launch.pid" 2>/dev/null) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$D/my.cnf" || return 1
  echo "$p"
}

# answers: the server takes queries on its socket (over TCP root@127.0.0.1
# exists only once setup_sql ran).
answers() { sock -e "SELECT 1" >/dev/null 2>&1; }

write_config() {
  mkdir -p "$D/data" "$D/tmp"
  cat >"$D/my.cnf" <<EOF
# Written by relm's scripts/mariadb-latin1.sh: a server whose defaults are latin1.
[mysqld]
user=mysql
datadir=$D/data
tmpdir=$D/tmp
socket=$D/mysqld.sock
pid-file=$D/mysqld.pid
log-error=$D/error.log
port=$PORT
bind-address=127.0.0.1
skip-name-resolve
character-set-server=latin1
collation-server=latin1_swedish_ci
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
performance_schema=OFF
max_connections=300
EOF
}

start() {
  install_packages
  if server_pid >/dev/null; then
    wait_up
    setup_sql
    log "already running: $(dsn)"
    return 0
  fi
  if ss -ltn "sport = :$PORT" 2>/dev/null | grep -q LISTEN; then
    log "port $PORT is taken by another process; set RELM_LATIN1_PORT to a free one"
    return 1
  fi
  mkdir -p "$D"
  write_config
  as_root chown -R mysql:mysql "$D"
  if [ ! -d "$D/data/mysql" ]; then
    log "initializing $D"
    as_root mariadb-install-db --defaults-file="$D/my.cnf" --user=mysql --skip-test-db \
      >"$D/install.log" 2>&1 || { cat "$D/install.log" >&2; return 1; }
  fi
  rm -f "$D/mysqld.pid"
  log "starting on port $PORT"
  # setsid: the server outlives the shell (and the process group) that started it.
  # Every descriptor above 2 is closed first, as galera.sh does: the server
  # would hold for its whole life the lock of whoever started it (.ci/run's
  # `exec 8>/tmp/relm-mariadb-latin1.lock; flock 8`).
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec setsid /usr/sbin/mariadbd --defaults-file="$D/my.cnf" >>"$D/stdout.log" 2>&1 </dev/null
  ) &
  echo $! >"$D/launch.pid"
  wait_up
  setup_sql
  log "up: $(dsn)"
}

wait_up() {
  for _ in $(seq 1 $((TIMEOUT * 2))); do
    if answers; then return 0; fi
    if ! server_pid >/dev/null && [ -f "$D/launch.pid" ] && ! kill -0 "$(cat "$D/launch.pid")" 2>/dev/null; then
      log "the server exited while starting; the end of $D/error.log:"
      tail -25 "$D/error.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  log "no answer after ${TIMEOUT}s; the end of $D/error.log:"
  tail -25 "$D/error.log" >&2 || true
  return 1
}

# setup_sql creates the database and the TCP user the tests use.
setup_sql() {
  sock -e "
    CREATE DATABASE IF NOT EXISTS test;
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
  local cs
  cs=$(sock -e "SELECT @@character_set_server, @@collation_server")
  case "$cs" in
    latin1*) ;;
    *) log "the server's default character set is $cs, not latin1"; return 1 ;;
  esac
}

stop() {
  local p
  p=$(server_pid) || { log "not running"; return 0; }
  log "stopping (pid $p)"
  as_root kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$p" 2>/dev/null; then log "did not stop in 60s; killing it"; as_root kill -KILL "$p" || true; fi
}

status() {
  local p
  if p=$(server_pid) && answers; then
    echo "mariadb-latin1 127.0.0.1:$PORT pid $p $(sock -e "SELECT @@character_set_server, @@collation_server" | tr '\t' ' ')"
    return 0
  fi
  echo "mariadb-latin1 127.0.0.1:$PORT stopped"
  return 3
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  dsn) dsn ;;
  *) echo "usage: $0 start|stop|status|dsn [DIR]" >&2; exit 2 ;;
esac
