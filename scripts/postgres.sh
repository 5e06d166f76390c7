#!/usr/bin/env bash
# A throwaway PostgreSQL for tests (the store's PostgreSQL backend, the
# host's replicas):
#
#   scripts/postgres.sh start DIR   # prints only its admin URL on stdout
#   scripts/postgres.sh stop DIR    # stops it (immediate) and removes DIR
#
# The cluster lives in DIR (data, socket, log), listens on 127.0.0.1 only on
# a free port, trusts every local connection and runs with fsync off: for
# tests, never for data. It offers TLS with a certificate for `localhost`
# signed by a throwaway root, DIR/tls/root.crt (for sslmode=verify-full
# with sslrootcert=DIR/tls/root.crt and the host `localhost`). The
# machine's own PostgreSQL service, if any, is neither needed nor touched.
# Installs Debian's `postgresql` package when no server is found. As root, the server runs as the `postgres` user (initdb
# refuses root), so DIR and its parents must be reachable by that user (a
# folder under /tmp is).
set -euo pipefail

say() { echo "postgres.sh: $*" >&2; }
die() {
    say "$*"
    exit 1
}

usage() { die "usage: $0 start DIR | stop DIR"; }

# Written at start; `stop` removes only a folder that has it.
MARKER=.deskpane-postgres

bindir() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$initdb" ] && dirname "$initdb"
}

# Runs a server command as the cluster's owner: `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

# A root and a server certificate for `localhost` (only: a URL naming
# 127.0.0.1 does not pass verify-full), both for tests only.
make_certificates() {
    local tls=$1
    if ! command -v openssl >/dev/null 2>&1; then
        [ "$(id -u)" -eq 0 ] || die "openssl is needed to make the test cluster's certificates: apt-get install openssl"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >&2
    fi
    mkdir -p "$tls"
    (
        cd "$tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=deskpane test root" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
            -keyout root.key -out root.crt
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
        printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA root.crt -CAkey root.key -CAcreateserial -days 2 -extfile server.ext -out server.crt
        rm -f server.csr server.ext root.srl root.key
    ) >"$tls.log" 2>&1 || die "could not make the test certificates; see $tls.log"
    chmod 600 "$tls/server.key"
    [ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$tls" "$tls.log"
}

start() {
    local dir=$1 bin port attempt
    bin=$(bindir) || true
    if [ -z "$bin" ]; then
        [ "$(id -u)" -eq 0 ] || die "no PostgreSQL server found under /usr/lib/postgresql and not root to install it: apt-get install postgresql"
        say "installing PostgreSQL (apt-get install postgresql)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        bin=$(bindir) || die "installed postgresql but found no initdb under /usr/lib/postgresql/*/bin"
    fi
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no \`postgres\` system user to run the server as (it comes with Debian's postgresql-common package)"
    fi

    [ -e "$dir/$MARKER" ] && die "$dir holds a cluster already: stop it first ($0 stop $dir)"
    # It is handed to the postgres user and removed by `stop`: only a new
    # or empty folder will do.
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
        die "$dir is not empty: give a new folder, e.g. \$(mktemp -d)"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    touch "$dir/$MARKER"
    mkdir -p "$dir/sock"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres:postgres "$dir"
        runuser -u postgres -- test -w "$dir" || die "the postgres user cannot write $dir: use a folder it can reach, e.g. under /tmp"
    fi

    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
        die "initdb failed; see $dir/initdb.log"
    make_certificates "$dir/tls"
    cat >>"$dir/data/postgresql.conf" <<EOF

# scripts/postgres.sh: a throwaway test cluster.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
ssl = on
ssl_cert_file = '$dir/tls/server.crt'
ssl_key_file = '$dir/tls/server.key'
EOF

    # The port is free when picked but may be taken before the server binds
    # it: try a few.
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
            local waited=0
            until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; do
                waited=$((waited + 1))
                [ "$waited" -lt 60 ] || die "the server started but does not accept connections; see $dir/server.log"
                sleep 0.5
            done
            echo "postgres://postgres@127.0.0.1:$port/postgres"
            return 0
        fi
        say "could not start on port $port (attempt $attempt); see $dir/server.log"
    done
    die "could not start PostgreSQL; see $dir/server.log"
}

stop() {
    local dir=$1 bin
    [ -e "$dir" ] || return 0
    [ -e "$dir/$MARKER" ] || die "$dir was not made by $0 start: not removing it"
    if [ -e "$dir/data/postmaster.pid" ]; then
        bin=$(bindir) || die "no PostgreSQL server binaries found to stop $dir"
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || say "pg_ctl stop failed (was it running?)"
    fi
    rm -rf "$dir"
}

[ $# -eq 2 ] || usage
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
*) usage ;;
esac
