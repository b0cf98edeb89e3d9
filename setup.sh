#!/usr/bin/env bash
# Install everything the product needs on a fresh Debian machine with Python 3.11; quick when done.
#   - Debian packages: chromium (browser tests, PDF brief), fonts-noto-cjk (Chinese in charts/PDF) and
#     openjdk-17-jre-headless (Java runtime of Spark local mode: the dbt `spark` target, tests/spark)
#   - uv, then the pinned Python stack into ./.venv from uv.lock (uv sync --frozen)
#   - the dbt manifest (dbt parse), which the Dagster code location needs on a fresh checkout
# Idempotent; needs root or sudo only when a Debian package is missing.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
for pkg in chromium fonts-noto-cjk openjdk-17-jre-headless; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -m uv --version >/dev/null 2>&1; then
  echo "setup: installing uv"
  python3 -m pip install --quiet uv 2>/dev/null || python3 -m pip install --quiet --user --break-system-packages uv
fi

python3 -m uv sync --all-groups --frozen --python 3.11 --quiet

# dbt manifest for the Dagster code location (FAILURE_CLASSES.md #4); parse needs no database
CSW_BUILD_DB="${CSW_BUILD_DB:-$PWD/warehouse/build.duckdb}" \
  .venv/bin/dbt parse --project-dir dbt --profiles-dir dbt --quiet >/dev/null
echo "setup: ready (.venv, dbt manifest)"
