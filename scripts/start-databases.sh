#!/usr/bin/env bash
# Starts the PostgreSQL and MariaDB servers the tests use, if they are down,
# and waits until both answer. Installs them from Debian's packages when they
# are missing. Exits non-zero when a server cannot be reached.
set -uo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
my_up() { mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; }

if ! have pg_ctlcluster && ! pg_up; then install postgresql; fi
if ! have mariadbd && ! [ -x /usr/sbin/mariadbd ] && ! my_up; then install mariadb-server; fi

if ! pg_up; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! my_up; then
  as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi

for _ in $(seq 1 60); do
  if pg_up && my_up; then break; fi
  sleep 1
done
ok=0
if pg_up; then echo "postgres: up"; else echo "postgres: NOT reachable on 127.0.0.1:5432" >&2; ok=1; fi
if my_up; then echo "mariadb: up"; else echo "mariadb: NOT reachable on 127.0.0.1:3306" >&2; ok=1; fi

# The test database and trust for the postgres user are assumed (as on the project's machines);
# create the database if it is missing.
if pg_up; then
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1 ||
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null 2>&1 || true
fi
if my_up; then mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS test" || true; fi
exit $ok
