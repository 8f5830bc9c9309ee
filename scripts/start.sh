#!/usr/bin/env bash
# `npm start`: builds whatever is missing (Docker engine, sandbox images, the
# package, the demo site) and serves the demo with its backend on
# http://localhost:3000 (override with PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm run --silent build
node dist/server/cli/main.js images build
npm run --silent build --workspace site
exec node dist/server/cli/main.js serve site/build --port "${PORT:-3000}" --config site/sandbox.config.json
