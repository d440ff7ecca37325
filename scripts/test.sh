#!/usr/bin/env bash
# The test command: sets up what the tests need on a fresh machine, runs
# every test with all features, then the build without default features.
# Under CI=true a missing tool or server fails the run; it never skips.
#
# Servers, started for this run only and stopped on exit (by PID):
# - PostgreSQL (Debian's package, installed with apt if missing): a fresh
#   cluster in a temporary directory, owned by the `postgres` user, on
#   127.0.0.1 and a free port, password (scram-sha-256) login only;
#   exported as ROTAPLAN_TEST_PG (a superuser connection URL).
# - MariaDB (Debian's mariadb-server, installed with apt if missing): a
#   fresh datadir in the temporary directory (mariadb-install-db), mariadbd
#   on 127.0.0.1 and a free port, run as `mysql` when we are root; no
#   anonymous users, root by unix socket only, and an `admin` user with a
#   random password over TCP; exported as ROTAPLAN_TEST_MYSQL (a URL).
# - moto's Secrets Manager server, from a virtualenv cached in
#   target/moto-venv, on 127.0.0.1 and a free port; exported as
#   ROTAPLAN_TEST_MOTO (the endpoint URL).
# - cargo-lambda's Lambda Runtime API emulator (`cargo lambda watch
#   --only-lambda-apis`, from PyPI into target/cargo-lambda-venv) on
#   127.0.0.1 and a free port; exported as ROTAPLAN_TEST_LAMBDA_EMULATOR
#   (host:port) and ROTAPLAN_TEST_CARGO_LAMBDA (the cargo-lambda program,
#   whose `invoke` the tests use).
# - Prometheus (Debian's `prometheus` package, installed with apt if
#   missing): only its programs, exported as ROTAPLAN_TEST_PROMETHEUS_BIN
#   (the server) and ROTAPLAN_TEST_PROMTOOL. tests/cli_metrics.rs starts the
#   server itself, since only the test knows the port of the `plan run
#   --metrics` it scrapes: on 127.0.0.1 and a free port, with a generated
#   config and its storage in the test's temporary directory, killed by PID
#   when the test ends. (The package's own service is never started here.)
# Outside CI a server that cannot be set up is reported and its tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_SPEC='moto[server]==5.2.5'
CARGO_LAMBDA_SPEC='cargo-lambda==1.9.2'
CI="${CI:-false}"
run_dir="$(mktemp -d /tmp/rotaplan-test.XXXXXX)"
chmod 755 "$run_dir"
pg_bin=""
pg_data=""
moto_pid=""
my_pid=""
cl_pid=""

cleanup() {
    set +e
    if [ -n "$moto_pid" ]; then
        kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
    fi
    if [ -n "$cl_pid" ]; then
        kill "$cl_pid" 2>/dev/null && wait "$cl_pid" 2>/dev/null
    fi
    if [ -n "$my_pid" ]; then
        kill "$my_pid" 2>/dev/null && wait "$my_pid" 2>/dev/null
    fi
    if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
        as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 ||
            kill "$(head -1 "$pg_data/postmaster.pid")" 2>/dev/null
    fi
    rm -rf "$run_dir"
}
trap cleanup EXIT

# Fatal under CI, a warning otherwise.
unavailable() {
    if [ "$CI" = "true" ]; then
        echo "error: $1 (CI=true: servers are required)" >&2
        exit 1
    fi
    echo "warning: $1; its tests will be skipped" >&2
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() { # port seconds
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

apt_install() {
    [ "$(id -u)" = 0 ] || { echo "not root: cannot apt-get install $*" >&2; return 1; }
    if [ -z "${apt_updated:-}" ]; then
        apt-get update -qq || return 1
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || return 1
}

# PostgreSQL refuses to run as root: run its tools as `postgres` then.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

find_pg_bin() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

setup_postgres() {
    pg_bin="$(find_pg_bin)" || true
    if [ -z "$pg_bin" ]; then
        echo "== installing PostgreSQL (apt)"
        apt_install postgresql || return 1
        pg_bin="$(find_pg_bin)" || return 1
    fi
    local dir="$run_dir/pg" port password
    port="$(free_port)" || return 1
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')" || return 1
    mkdir -p "$dir" || return 1
    printf '%s\n' "$password" >"$dir/pwfile"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir" || return 1; fi
    chmod 700 "$dir"
    echo "== PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
    as_pg "$pg_bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth=scram-sha-256 --pwfile="$dir/pwfile" --no-sync >"$run_dir/initdb.log" 2>&1 ||
        { cat "$run_dir/initdb.log" >&2; return 1; }
    pg_data="$dir/data"
    # Password login over TCP only; no trust anywhere (tests prove that an
    # old password stops working).
    printf 'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n' >"$pg_data/pg_hba.conf"
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c log_statement=none" start >/dev/null ||
        { cat "$dir/server.log" >&2; return 1; }
    export ROTAPLAN_TEST_PG="postgresql://postgres:$password@127.0.0.1:$port/postgres"
}

# mariadbd refuses to run as root unless told: run it as `mysql` then.
as_mysql() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u mysql -- "$@"
    else
        "$@"
    fi
}

setup_mariadb() {
    if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
        echo "== installing MariaDB (apt)"
        apt_install mariadb-server || return 1
    fi
    local mariadbd dir="$run_dir/mariadb" port password
    mariadbd="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
    port="$(free_port)" || return 1
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')" || return 1
    mkdir -p "$dir/data" || return 1
    if [ "$(id -u)" = 0 ]; then chown -R mysql: "$dir" || return 1; fi
    chmod 700 "$dir"
    echo "== MariaDB $("$mariadbd" --version | awk '{print $3}') on 127.0.0.1:$port"
    as_mysql mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=socket \
        --skip-test-db >"$run_dir/mariadb-install.log" 2>&1 ||
        { cat "$run_dir/mariadb-install.log" >&2; return 1; }
    # Started directly (not through a wrapper) so that $! is the server.
    if [ "$(id -u)" = 0 ]; then
        "$mariadbd" --no-defaults --user=mysql --datadir="$dir/data" --bind-address=127.0.0.1 --port="$port" \
            --socket="$dir/mariadbd.sock" --pid-file="$dir/mariadbd.pid" --skip-name-resolve \
            --innodb-flush-log-at-trx-commit=0 --log-error="$dir/server.log" >>"$dir/server.log" 2>&1 &
    else
        "$mariadbd" --no-defaults --datadir="$dir/data" --bind-address=127.0.0.1 --port="$port" \
            --socket="$dir/mariadbd.sock" --pid-file="$dir/mariadbd.pid" --skip-name-resolve \
            --innodb-flush-log-at-trx-commit=0 --log-error="$dir/server.log" >>"$dir/server.log" 2>&1 &
    fi
    my_pid=$!
    wait_for_port "$port" 60 || { cat "$dir/server.log" >&2; return 1; }
    # The unix socket is root's only way in; tests log in over TCP with a
    # password (they prove that an old password stops working).
    mariadb --no-defaults -S "$dir/mariadbd.sock" -u root -e \
        "DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;
         CREATE USER 'admin'@'%' IDENTIFIED BY '$password'; GRANT ALL ON *.* TO 'admin'@'%' WITH GRANT OPTION;" ||
        { cat "$dir/server.log" >&2; return 1; }
    export ROTAPLAN_TEST_MYSQL="mysql://admin:$password@127.0.0.1:$port"
}

setup_moto() {
    local venv=target/moto-venv port
    if ! "$venv/bin/python" -c 'import moto.server' 2>/dev/null ||
        [ "$("$venv/bin/python" -c 'import moto; print(moto.__version__)')" != "${MOTO_SPEC##*==}" ]; then
        echo "== installing $MOTO_SPEC into $venv"
        rm -rf "$venv"
        if ! python3 -m venv "$venv"; then
            rm -rf "$venv"
            apt_install python3-venv || return 1
            python3 -m venv "$venv" || return 1
        fi
        "$venv/bin/pip" install -q --disable-pip-version-check "$MOTO_SPEC" || return 1
    fi
    port="$(free_port)" || return 1
    "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$run_dir/moto.log" 2>&1 &
    moto_pid=$!
    wait_for_port "$port" 60 || { cat "$run_dir/moto.log" >&2; return 1; }
    echo "== moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)') on 127.0.0.1:$port"
    export ROTAPLAN_TEST_MOTO="http://127.0.0.1:$port"
}

setup_lambda_emulator() {
    local venv=target/cargo-lambda-venv port
    if ! "$venv/bin/cargo-lambda" lambda --version 2>/dev/null | grep -q "^cargo-lambda ${CARGO_LAMBDA_SPEC##*==} "; then
        echo "== installing $CARGO_LAMBDA_SPEC into $venv"
        rm -rf "$venv"
        python3 -m venv "$venv" || return 1
        "$venv/bin/pip" install -q --disable-pip-version-check "$CARGO_LAMBDA_SPEC" || return 1
    fi
    port="$(free_port)" || return 1
    "$venv/bin/cargo-lambda" lambda watch --only-lambda-apis -A 127.0.0.1 -P "$port" >"$run_dir/cargo-lambda.log" 2>&1 &
    cl_pid=$!
    wait_for_port "$port" 60 || { cat "$run_dir/cargo-lambda.log" >&2; return 1; }
    echo "== $("$venv/bin/cargo-lambda" lambda --version | awk '{print $1, $2}') emulator on 127.0.0.1:$port"
    export ROTAPLAN_TEST_LAMBDA_EMULATOR="127.0.0.1:$port"
    export ROTAPLAN_TEST_CARGO_LAMBDA="$PWD/$venv/bin/cargo-lambda"
}

setup_prometheus() {
    if [ ! -x /usr/bin/prometheus ] || [ ! -x /usr/bin/promtool ]; then
        echo "== installing Prometheus (apt)"
        apt_install prometheus || return 1
    fi
    /usr/bin/prometheus --version >/dev/null 2>&1 || return 1
    /usr/bin/promtool --version >/dev/null 2>&1 || return 1
    echo "== Prometheus $(/usr/bin/prometheus --version 2>&1 | head -1 | awk '{print $3}') and promtool (the server is started by tests/cli_metrics.rs)"
    export ROTAPLAN_TEST_PROMETHEUS_BIN=/usr/bin/prometheus
    export ROTAPLAN_TEST_PROMTOOL=/usr/bin/promtool
}

command -v python3 >/dev/null || apt_install python3 python3-venv || unavailable "cannot install python3"
setup_postgres || unavailable "cannot set up PostgreSQL"
setup_mariadb || unavailable "cannot set up MariaDB"
setup_moto || unavailable "cannot set up the moto server"
setup_lambda_emulator || unavailable "cannot set up the cargo-lambda emulator"
setup_prometheus || unavailable "cannot set up Prometheus"

echo "== cargo test --all-features"
cargo test --all-features --locked 2>&1
echo "== cargo test --no-default-features"
cargo test --no-default-features --locked --lib --tests 2>&1
