#!/usr/bin/env bash
# Installs what the VS Code tests and scripts/start-vscode.sh need: Debian's
# Chromium (the browser window), ripgrep and the Kerberos headers (for
# code-server's native modules), and code-server 4.100.3, the last release
# that runs on Node 20, which is VS Code 1.100.3's web workbench with an
# ordinary Node extension host.
#
# code-server goes into a cache folder outside the repository, so that
# `git clean` and `npm ci` leave it alone and every checkout shares it:
# ${RBRIDGE_VSCODE_CACHE:-$HOME/.cache/rbridge-vscode}/code-server-4.100.3.
# A marker file there makes a second run a no-op. Nothing is downloaded
# from anywhere but Debian's mirrors and the npm registry: code-server's own
# postinstall (which fetches ripgrep from GitHub) is replaced by the same
# steps done by hand, as ../shared/docs/vscode-e2e.md describes.
#
# Prints the code-server folder on its last line of standard output.
set -euo pipefail

version=4.100.3
cache=${RBRIDGE_VSCODE_CACHE:-$HOME/.cache/rbridge-vscode}
target=$cache/code-server-$version
marker=$target/.rbridge-installed

log() { printf 'install-vscode: %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------
# Each package is checked by the file it provides, so that a machine that
# got them some other way is not sent to apt-get.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -e /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)
# The native modules are compiled here, so a compiler and Python must exist.
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing: ${need[*]}. Install them (as root: apt-get install ${need[*]})."
    exit 1
  fi
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- code-server -----------------------------------------------------------
if [ -f "$marker" ]; then
  printf '%s\n' "$target"
  exit 0
fi

# node-gyp would download Node's headers from nodejs.org; Debian's and
# NodeSource's Node ship them under /usr/include/node, so point it there
# unless the user chose otherwise.
if [ -z "${npm_config_nodedir:-}" ] && [ "$(npm config get nodedir 2>/dev/null)" = "undefined" ] \
  && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
# Quiet npm's advertising; it is not the user's project.
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# Build in a scratch folder and move it into place at the end, so that an
# interrupted install never looks finished.
mkdir -p "$cache"
staging=$cache/.staging-$version-$$
trap 'rm -rf "$staging"' EXIT
rm -rf "$cache"/.staging-"$version"-*
mkdir -p "$staging"
printf '{ "name": "rbridge-vscode-cache", "private": true }\n' >"$staging/package.json"

started=$(date +%s)
log "installing code-server@$version into $target (about a minute)"
cd "$staging"
npm_config_unsafe_perm=true npm install --ignore-scripts --no-save --loglevel=error "code-server@$version" >&2
npm rebuild argon2 --loglevel=error >&2

cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --loglevel=error >&2
# VS Code's search runs the ripgrep binary that the postinstall would have
# downloaded; Debian's is the same program.
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# node-pty's rebuild calls `npx node-gyp`, which npx refuses without
# confirmation when `yes=false` is configured; the rebuild would then fail
# although the modules were built.
npm_config_yes=true npm rebuild kerberos node-pty @parcel/watcher @vscode/spdlog native-watchdog --loglevel=error >&2
# The desktop build reads its modules from node_modules.asar; code-server
# ships the plain folder, so the name has to point at it.
ln -sfn node_modules node_modules.asar
(cd extensions && npm install --omit=dev --ignore-scripts --loglevel=error >&2)

cd "$cache"
# A smoke test; its own config file keeps it from writing one under ~/.config.
node "$staging/node_modules/code-server/out/node/entry.js" --config "$staging/probe.yaml" --version >/dev/null
rm -f "$staging/probe.yaml"
rm -rf "$target"
mv "$staging" "$target"
trap - EXIT
printf 'code-server %s, installed %s in %ss\n' "$version" "$(date -u +%FT%TZ)" "$(($(date +%s) - started))" >"$marker"
log "done in $(($(date +%s) - started)) s"
printf '%s\n' "$target"
