#!/usr/bin/env bash
# Installs the system packages the project needs, where they are missing:
# R with jsonlite (and rlang, so that both kernel paths are tested), and the
# R packages the tests use (Debian's builds: cli, tibble and R6 for colour,
# printing and environment-object tests; ggplot2, lattice and svglite for
# plots; data.table for the data viewer; future, progressr and
# future.batchtools for background jobs).
set -euo pipefail

# R package -> Debian package.
packages=(jsonlite:r-cran-jsonlite rlang:r-cran-rlang cli:r-cran-cli tibble:r-cran-tibble R6:r-cran-r6
  ggplot2:r-cran-ggplot2 lattice:r-cran-lattice svglite:r-cran-svglite data.table:r-cran-data.table
  future:r-cran-future progressr:r-cran-progressr future.batchtools:r-cran-future.batchtools)

need=()
command -v Rscript >/dev/null 2>&1 || need+=(r-base-core)
for entry in "${packages[@]}"; do
  pkg=${entry%%:*}
  deb=${entry#*:}
  if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e "quit(status = !requireNamespace('$pkg', quietly = TRUE))" >/dev/null 2>&1; then
    need+=("$deb")
  fi
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing: ${need[*]}. Install them (as root: apt-get install ${need[*]})." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
