#!/usr/bin/env bash
# Installs what the browser tests need, if missing: Debian's Chromium, and the npm packages
# (playwright-core to drive it, axe-core to scan pages). Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
# Debian packages: Chromium (and fonts) for the browser tests, poppler-utils for pdftotext,
# which reads the print edition back in the PDF tests, and wrk for the load test.
missing=()
command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1 || missing+=(chromium fonts-liberation)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
# wrk drives the load test of quire-bench (crates/quire-bench/tests/bench/load.rs).
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]} (one time)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: ${missing[*]}; install them first" >&2
    exit 1
  fi
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  echo "installing playwright-core and axe-core from npm (one time)..."
  npm ci --no-audit --no-fund --silent
fi
