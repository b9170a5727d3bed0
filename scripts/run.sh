#!/usr/bin/env bash
# The main job: installs what is missing (R, jsonlite, rlang, npm packages),
# builds, and starts the command-line client on a live R session. Arguments
# go to the client (rbridge --help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
exec node dist/cli.js "$@"
