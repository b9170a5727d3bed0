# Cost of the kernel's end-of-execution plot check (check_plots() in
# kernel/plots.R) for an execution that draws nothing, measured inside R.
#
# Usage: Rscript plots.R <kernel dir>
# The kernel files are sourced into a private environment as
# kernel/bootstrap.R does, without starting the kernel; frames go nowhere.
# Results go to stdout as "RESULT <key> <value>" lines (times in
# microseconds per check, the median of 7 batches).
local({
  dir <- commandArgs(trailingOnly = TRUE)[[1L]]
  kernel <- new.env(parent = baseenv())
  for (file in c("wire.R", "describe.R", "symbols.R", "input.R", "exec.R", "repl.R", "requests.R", "plots.R")) {
    sys.source(file.path(dir, file), envir = kernel, keep.source = FALSE)
  }
  kernel$write_frame <- function(...) invisible()
  kernel$install_plots()
  report <- function(key, value) cat("RESULT", key, format(value, digits = 6), "\n")
  # Microseconds per call of f, the median of 7 batches of n calls, minus
  # the loop's own cost.
  per_call <- function(n, f) {
    batch <- function(g) {
      t0 <- proc.time()[["elapsed"]]
      for (i in seq_len(n)) g()
      (proc.time()[["elapsed"]] - t0) / n * 1e6
    }
    nothing <- function() NULL
    stats::median(vapply(1:7, function(k) batch(f), 0)) - stats::median(vapply(1:7, function(k) batch(nothing), 0))
  }
  check <- function() kernel$check_plots("1")
  # Compiled, as the kernel's functions are once R has been idle a moment.
  for (name in c("check_plots", "is_ours", "capture", "settings_only", "plot_index", "page_snapshot")) {
    assign(name, compiler::cmpfun(get(name, envir = kernel)), envir = kernel)
  }
  report("none", per_call(20000, check))
  plot(1:10)
  check()
  report("small", per_call(2000, check))
  hist(rnorm(1e4))
  check()
  report("hist", per_call(2000, check))
  plot(stats::rnorm(2e5), stats::rnorm(2e5), pch = ".")
  check()
  report("scatter", per_call(50, check))
  # A user's own device open, not the kernel's.
  grDevices::png(tempfile(fileext = ".png"))
  report("userDevice", per_call(20000, check))
  invisible(grDevices::dev.off())
})
