# Entry point of the R kernel. The server starts R with R_PROFILE_USER pointing
# here, so this file runs before R's own read-eval-print loop and never returns
# to it: the kernel loop below serves requests until the server goes away.
#
# Everything the kernel needs lives in one private environment whose parent is
# the base namespace, so that user code that empties or masks the global
# environment (rm(list = ls()), a global `print`, attach()) cannot reach it.
local({
  dir <- Sys.getenv("RBRIDGE_KERNEL_DIR")
  kernel <- new.env(parent = baseenv())
  for (file in c("wire.R", "describe.R", "symbols.R", "input.R", "exec.R", "main.R")) {
    sys.source(file.path(dir, file), envir = kernel, keep.source = FALSE)
  }
  status <- kernel$main()
  # The loop only returns when the server has gone away or asked us to stop;
  # quitting here keeps R from falling through to its console loop on stdin.
  quit(save = "no", status = status, runLast = FALSE)
})
