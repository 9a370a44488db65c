#!/usr/bin/env bash
# Installs the web app's front-end libraries from the npm lockfile and copies the files the app
# serves into src/plansmith/web/static/vendor (nothing is fetched at run time, no CDN).
# Idempotent: `npm ci` reinstalls exactly the locked versions.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor-assets: npm is needed for the web app's libraries (Debian: apt-get install npm)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
out=src/plansmith/web/static/vendor
mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/frappe-gantt/dist/frappe-gantt.umd.js "$out/frappe-gantt.umd.js"
cp node_modules/frappe-gantt/dist/frappe-gantt.css "$out/frappe-gantt.css"
cp node_modules/echarts/dist/echarts.min.js "$out/echarts.min.js"
cp node_modules/@picocss/pico/css/pico.min.css "$out/pico.min.css"
for package in htmx.org frappe-gantt echarts @picocss/pico; do
  name=$(basename "$package")
  cp "node_modules/$package/LICENSE"* "$out/LICENSE.$name" 2>/dev/null || true
done
