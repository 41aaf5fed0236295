#!/usr/bin/env bash
# Runs the browser tests of the web pages (e2e.mjs) with the arguments given. It installs nothing: what it
# needs (Debian's chromium, Node.js 20+, playwright-core from this folder's package-lock.json) is put in
# place by bin/prepare-tests, as .ci/run does; without it, it says so and exits 3.
#   run.sh --check               only check that chromium and playwright-core are there
#   run.sh MODE [options...]     see e2e.mjs
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chromium="${NETRA_CHROMIUM:-/usr/bin/chromium}"

missing=()
[[ -x "$chromium" ]] || missing+=("chromium ($chromium)")
if ! command -v node >/dev/null; then
  missing+=("Node.js 20 or newer")
elif (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  missing+=("Node.js 20 or newer (found $(node --version))")
fi
[[ -f "$here/node_modules/playwright-core/package.json" ]] || missing+=("playwright-core (npm ci in $here)")
if (( ${#missing[@]} > 0 )); then
  echo "browser tests: missing $(IFS=', '; echo "${missing[*]}"); run bin/prepare-tests (it installs them, as .ci/run does)" >&2
  exit 3
fi

if [[ "${1:-}" == "--check" ]]; then
  echo "browser tests: chromium $("$chromium" --version 2>/dev/null | awk '{print $2}'), playwright-core $(node -p "require('$here/node_modules/playwright-core/package.json').version")" >&2
  exit 0
fi
export NETRA_CHROMIUM="$chromium"
exec node "$here/e2e.mjs" "$@"
