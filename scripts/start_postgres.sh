#!/usr/bin/env bash
# Start the local PostgreSQL server (Debian package) and create the test role and database.
# Prints the SQLAlchemy URL on success; prints nothing when PostgreSQL is not installed.
set -euo pipefail
command -v pg_ctlcluster >/dev/null 2>&1 || exit 0
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
pg_ctlcluster "$ver" main status >/dev/null 2>&1 || pg_ctlcluster "$ver" main start >/dev/null
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
as_pg "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='qa'\" | grep -q 1 || psql -qc \"CREATE ROLE qa LOGIN PASSWORD 'qa' CREATEDB\"" >/dev/null
as_pg "psql -qtc \"SELECT 1 FROM pg_database WHERE datname='qa_test'\" | grep -q 1 || createdb -O qa qa_test" >/dev/null
echo "postgresql+psycopg://qa:qa@127.0.0.1:5432/qa_test"
