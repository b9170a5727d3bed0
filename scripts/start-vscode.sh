#!/usr/bin/env bash
# The main job: installs what is missing (R with jsonlite and rlang, the npm
# packages, Chromium's and code-server's prerequisites, code-server itself),
# builds and packages the extension as a VSIX, installs that VSIX into a
# code-server of its own, and serves VS Code with R Bridge and the examples/
# folder on http://127.0.0.1:PORT. Open the printed address in a browser;
# Ctrl+C stops it.
#
# PORT: the port to use (default: 8080, or the first free one after it).
# RBRIDGE_VSCODE_CACHE: where code-server and this server's settings live
#   (default ~/.cache/rbridge-vscode).
# RBRIDGE_WORKSPACE_TRUST=on: ask whether to trust the folder, as VS Code
#   does by default. Off by default: this is a local session for the
#   examples, bound to 127.0.0.1, where R should start when a file opens.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
code_server=$(bash scripts/install-vscode.sh | tail -n 1)
npm run package --silent >/dev/null
vsix=$root/$(node -p 'const p = require("./package.json"); `${p.name}-${p.version}.vsix`')

cache=${RBRIDGE_VSCODE_CACHE:-$HOME/.cache/rbridge-vscode}
state=$cache/start
mkdir -p "$state/user-data/User" "$state/extensions"
# Only the first start writes the settings, so that the user's own changes stay.
if [ ! -f "$state/user-data/User/settings.json" ]; then
  cat >"$state/user-data/User/settings.json" <<'EOF'
{
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "update.mode": "none",
    "git.openRepositoryInParentFolders": "never"
}
EOF
fi
# The config file keeps code-server from writing ~/.config/code-server/config.yaml.
printf 'auth: none\ncert: false\n' >"$state/config.yaml"
entry=$code_server/node_modules/code-server/out/node/entry.js
common=(--config "$state/config.yaml" --user-data-dir "$state/user-data" --extensions-dir "$state/extensions")
# Installing the VSIX again on every start keeps the served extension in step with the checkout.
node "$entry" "${common[@]}" --force --install-extension "$vsix" >/dev/null

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${PORT:-}" ]; then
  port=$PORT
  if listening "$port"; then
    echo "start-vscode: port $port is in use; choose another with PORT=..." >&2
    exit 1
  fi
else
  port=8080
  while listening "$port"; do
    port=$((port + 1))
    if [ "$port" -gt 8180 ]; then
      echo "start-vscode: no free port between 8080 and 8180; set PORT=..." >&2
      exit 1
    fi
  done
fi

trust=(--disable-workspace-trust)
[ "${RBRIDGE_WORKSPACE_TRUST:-off}" = on ] && trust=()

# code-server runs in a process group of its own, so that Ctrl+C here stops
# it together with its extension host. R runs in a detached session of the
# examples folder (it outlives a reload of the page); it is stopped too.
setsid node "$entry" "${common[@]}" --auth none --bind-addr "127.0.0.1:$port" \
  --disable-telemetry --disable-update-check --disable-getting-started-override \
  "${trust[@]}" "$root/examples" >"$state/code-server.log" 2>&1 &
pid=$!
stop() {
  trap - INT TERM EXIT
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  node "$root/dist/cli.js" stop-session "$root/examples" >/dev/null 2>&1 || true
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

for _ in $(seq 300); do
  listening "$port" && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-vscode: code-server did not start; see $state/code-server.log" >&2
    exit 1
  fi
  sleep 0.1
done

echo
echo "R Bridge in VS Code: http://127.0.0.1:$port/?folder=$root/examples"
echo "(code-server's log: $state/code-server.log; Ctrl+C stops it)"
wait "$pid"
