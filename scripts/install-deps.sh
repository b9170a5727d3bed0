#!/usr/bin/env bash
# Installs the system packages the project needs, where they are missing:
# R with jsonlite (and rlang, so that both kernel paths are tested).
set -euo pipefail

need=()
command -v Rscript >/dev/null 2>&1 || need+=(r-base-core)
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'quit(status = !requireNamespace("jsonlite", quietly = TRUE))' >/dev/null 2>&1; then
  need+=(r-cran-jsonlite)
fi
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'quit(status = !requireNamespace("rlang", quietly = TRUE))' >/dev/null 2>&1; then
  need+=(r-cran-rlang)
fi
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing: ${need[*]}. Install them (as root: apt-get install ${need[*]})." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
