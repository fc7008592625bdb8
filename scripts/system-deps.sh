#!/usr/bin/env bash
# Install the Debian packages the project drives: chromium for the browser tests, nginx for
# the reverse-proxy config test (deploy/nginx.conf), and with `bench`, wrk for the load
# benchmarks. Idempotent: installs only what is missing. Needs
# root (apt-get), as on CI machines.
# Usage: scripts/system-deps.sh [bench]
set -euo pipefail
wanted=(chromium nginx)
if [ "${1:-}" = "bench" ]; then
  wanted+=(wrk)
fi
# `make test` too: tests/ops/test_load_bench.py drives wrk (bench/load.py on a tiny database)
[ "${1:-}" = "bench" ] || wanted+=(wrk)
missing=()
for pkg in "${wanted[@]}"; do
  # nginx lives in /usr/sbin, outside a normal user's PATH
  command -v "$pkg" >/dev/null 2>&1 || [ -x "/usr/sbin/$pkg" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: ${missing[*]}: run 'sudo apt-get install ${missing[*]}'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
