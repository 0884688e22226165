#!/usr/bin/env bash
# Installs what the browser tests need, if missing: Debian's Chromium, and the npm packages
# (playwright-core to drive it, axe-core to scan pages). Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium (one time)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation poppler-utils >/dev/null
  else
    echo "chromium is missing; install Debian's chromium package" >&2
    exit 1
  fi
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  echo "installing playwright-core and axe-core from npm (one time)..."
  npm ci --no-audit --no-fund --silent
fi
