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
  # The copies of the base functions the kernel names go here once all of
  # the kernel is read (load_rest() in main.R).
  originals <- new.env(parent = baseenv())
  kernel <- new.env(parent = originals)
  # First what says hello and reads the config: the config names the
  # compiled kernel an earlier session kept, which has the other files
  # parsed (parsing them is most of what loading the kernel costs).
  first <- c("wire.R", "describe.R", "main.R")
  for (file in first) sys.source(file.path(dir, file), envir = kernel, keep.source = FALSE)
  kernel$KERNEL <- list(dir = dir, files = files, first = first, capabilities = capabilities, originals = originals)
  kernel$start()
})
