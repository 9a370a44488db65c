#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, idempotently.
# TaskJuggler (tj3) schedules the golden fixtures independently of our engine; Chromium runs
# the web app's browser tests (Playwright drives Debian's build: no browser download).
# WeasyPrint renders PDF reports with Pango and HarfBuzz, and needs at least one font.
# MPXJ (the mpxj extra: .mpp, .xer and .mpx files) runs on a Java runtime.
# wrk drives bench/api_load.py's closed-loop reads with far less CPU than a Python client.
set -euo pipefail
need=()
command -v tj3 >/dev/null 2>&1 || need+=(tj3)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    need+=("$package")
done
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: cannot install ${need[*]} (needs root and apt-get); tests that need them will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
