# A throwaway PostgreSQL for the storage tests: its own data directory, port and socket, removed at exit.
# Sourced by .ci/run; exports TEST_POSTGRES_URL, which tests/conftest.py reads.

PG_PORT="${PG_PORT:-26432}"

start_throwaway_postgres() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  PG_DIR="$(mktemp -d /tmp/ci-postgres.XXXXXX)"
  chown postgres "$PG_DIR"
  # initdb and postgres refuse to run as root: the cluster belongs to the postgres user.
  runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" intake_test
  PG_BIN="$bin"
  export TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/intake_test"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests: $TEST_POSTGRES_URL"
}

stop_throwaway_postgres() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
  rm -rf "$PG_DIR"
}
