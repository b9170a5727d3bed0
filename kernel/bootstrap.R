# Entry point of the R kernel. The server starts R with R_PROFILE_USER pointing
# here, so this file runs before R's own read-eval-print loop: it connects
# the kernel and sets up its hooks, then R goes on starting and its loop
# reads the code the server writes to its stdin (see repl.R).
#
# Everything the kernel needs lives in one private environment, so that user
# code that empties or masks the global environment (rm(list = ls()), a global
# `print`, attach()) cannot reach it. Its parent holds copies of the base
# functions as they are now: user code that replaces one in the base
# environment itself (unlockBinding() and assign()) does not change what the
# kernel calls.
local({
  dir <- Sys.getenv("RBRIDGE_KERNEL_DIR")
  # The capabilities' own files (plots, the data viewer) serve requests, not
  # the execution path: their functions are compiled last while R is idle
  # (see compile_round()).
  core <- c("wire.R", "describe.R", "symbols.R", "input.R", "exec.R", "repl.R", "requests.R")
  capabilities <- c("plots.R", "dataview.R", "language.R", "help.R", "jobs.R", "debug.R")
  files <- c(core, capabilities, "main.R")
  # The base functions the kernel's files name (every word of their text,
  # operators like %in% and replacement functions like Encoding<- too): base
  # loads its functions lazily, and copying all of them would load every one,
  # about 70 ms of each start.
  text <- unlist(lapply(file.path(dir, files), readLines, warn = FALSE))
  words <- unique(unlist(strsplit(text, "[^A-Za-z0-9._%]+", perl = TRUE)))
  named <- intersect(c(words, paste0(words, "<-")), ls(baseenv(), all.names = TRUE))
  base <- mget(named, envir = baseenv())
  originals <- list2env(base[vapply(base, is.function, NA)], envir = new.env(parent = baseenv()))
  kernel <- new.env(parent = originals)
  cold <- character(0)
  for (file in files) {
    before <- ls(kernel)
    sys.source(file.path(dir, file), envir = kernel, keep.source = FALSE)
    if (file %in% capabilities) cold <- c(cold, setdiff(ls(kernel), before))
  }
  kernel$COLD_FUNCTIONS <- cold
  kernel$start()
})
