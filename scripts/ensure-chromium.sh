#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (make test runs this).
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[civicmarkets] installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
  echo "[civicmarkets] installing Debian's chromium for the browser tests (sudo)"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "[civicmarkets] the browser tests need Chromium at $browser." >&2
  echo "Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH to one." >&2
  exit 1
fi
