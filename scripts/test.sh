#!/usr/bin/env bash
# `npm test`: typecheck (server, browser and client configs), unit tests, lint, integration and end-to-end suites, in that order, each timed.
# Integration and e2e need the Docker engine, the sandbox images and Chromium;
# this script provides them (as the README promises) before running the suites.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
run() {
  local name="$1"; shift
  local started=$SECONDS
  echo "=== $name"
  if "$@"; then echo "=== $name: ok in $((SECONDS - started)) s"; else echo "=== $name: FAILED in $((SECONDS - started)) s"; failed+=("$name"); fi
}

run "build package" npm run --silent build || true
run "typecheck" npm run --silent typecheck
run "unit" npm run --silent test:unit
run "lint" npm run --silent lint
if ! bash scripts/install-system-deps.sh --browser; then
  failed+=("system dependencies")
fi
run "images" node dist/server/cli/main.js images build
run "build site" npm run --silent build --workspace site
run "build vitepress site" npm run --silent build --workspace site-vitepress
run "integration" npm run --silent test:integration
run "e2e" npm run --silent test:e2e

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all suites passed"
