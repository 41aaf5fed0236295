#!/usr/bin/env bash
# Runs the browser tests of the web pages: installs what they need when it is absent (Debian's chromium, and
# playwright-core from this folder's package-lock.json), then runs e2e.mjs with the arguments given.
#   run.sh --install-only        only make sure chromium and playwright-core are there
#   run.sh MODE [options...]     see e2e.mjs
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chromium="${NETRA_CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$chromium" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "browser tests: $chromium is missing and only root can install it; run: sudo apt-get install -y chromium" >&2
    exit 3
  fi
  echo "browser tests: installing chromium (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends chromium >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends chromium >&2
  fi
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser tests: node and npm (Node.js 20 or newer) are needed to drive chromium; install them first" >&2
  exit 3
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "browser tests: Node.js $(node --version) is too old; playwright-core needs 20 or newer" >&2
  exit 3
fi

if [[ ! -f "$here/node_modules/playwright-core/package.json" ]]; then
  echo "browser tests: installing playwright-core (npm ci)" >&2
  # The browser is Debian's, so nothing may download one; npm only fetches the pinned package.
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
fi

if [[ "${1:-}" == "--install-only" ]]; then
  echo "browser tests: chromium $("$chromium" --version 2>/dev/null | awk '{print $2}'), playwright-core $(node -p "require('$here/node_modules/playwright-core/package.json').version")" >&2
  exit 0
fi
export NETRA_CHROMIUM="$chromium"
exec node "$here/e2e.mjs" "$@"
