# Cost of the kernel's changed-symbol bookkeeping (kernel/symbols.R), and of
# the rest of the kernel's per-execution work, measured inside R.
#
# Usage: Rscript symbols.R <kernel dir>
# The kernel files are sourced into a private environment exactly as
# kernel/bootstrap.R does, without starting the kernel loop. Results go to
# stdout as "RESULT <key> <value>" lines (times in milliseconds).
#
# Everything runs inside local() so that the benchmark's own variables do not
# sit in the global environment and get counted as globals.
local({
  args <- commandArgs(trailingOnly = TRUE)
  dir <- args[[1L]]
  kernel <- new.env(parent = baseenv())
  for (file in c("wire.R", "describe.R", "symbols.R", "input.R", "exec.R", "main.R")) {
    sys.source(file.path(dir, file), envir = kernel, keep.source = FALSE)
  }
  kernel$has_rlang <- TRUE
  genv <- globalenv()

  report <- function(key, value) cat("RESULT", key, format(value, digits = 6), "\n")
  # Per-call wall times in ms; before() runs outside the timed part.
  time_calls <- function(n, call, before = function(i) NULL) {
    out <- numeric(n)
    for (i in seq_len(n)) {
      before(i)
      t0 <- Sys.time()
      call(i)
      out[i] <- as.numeric(Sys.time() - t0, units = "secs") * 1000
    }
    out
  }
  # The p99 is the nearest-rank percentile, as percentile() of
  # test/support/stats.ts computes it for every other figure of the reports.
  summarize <- function(key, times) {
    sorted <- sort(times)
    report(paste0(key, ".median"), stats::median(times))
    report(paste0(key, ".p99"), sorted[max(1L, ceiling(0.99 * length(sorted)))])
    report(paste0(key, ".n"), length(times))
  }

  # The kernel loads rlang at its first non-empty snapshot; load it here
  # first so that its one-off cost is reported apart from the snapshots.
  t0 <- Sys.time()
  loadNamespace("rlang")
  report("rlangLoad", as.numeric(Sys.time() - t0, units = "secs") * 1000)

  # ---------------------------------------------------------------------------
  # The kernel's per-execution path for `1+1` with an empty global
  # environment (the state of the round-trip test), its output streams and
  # its connection pointed at /dev/null: what R spends per execution before
  # any pipe or server is involved. These are diagnostics for the report;
  # the kernel's internals change, so a helper that no longer exists is
  # skipped rather than failing the run. Each is timed as the mean of a
  # loop, because single calls of a few microseconds are below what
  # Sys.time() resolves well.
  rm(list = ls(genv, all.names = TRUE), envir = genv)
  kernel$reset_snapshot()
  kernel$state$marker <- "\036RBMbench:"
  kernel$state$out <- file("/dev/null", open = "ab", raw = TRUE)
  kernel$state$err <- file("/dev/null", open = "ab", raw = TRUE)
  # The channel to the server has been a socket (state$con) and FIFOs
  # (state$output); both names are pointed at /dev/null so that this works
  # with either version of the kernel.
  kernel$state$con <- file("/dev/null", open = "wb", raw = TRUE)
  kernel$state$output <- file("/dev/null", open = "wb", raw = TRUE)
  parsed <- tryCatch(kernel$parse_code("1+1"), error = function(e) NULL)
  steps <- list(
    whole = function() kernel$exec_request("1", 1L, "1+1"),
    discard = function() kernel$discard_interrupt(),
    parse = function() kernel$parse_code("1+1"),
    run = function() kernel$run_code("1+1", TRUE, FALSE),
    evalTop = function() kernel$eval_top(parsed$exprs[[1L]], parsed$srcfile),
    targets = if (length(formals(kernel$assignment_targets)) > 1L) function() kernel$assignment_targets(parsed$exprs, "1+1") else function() kernel$assignment_targets(parsed$exprs),
    markers = function() kernel$end_of_output("1"),
    symbols = function() kernel$symbol_changes(character(0)),
    frame = function() kernel$write_frame("done", "1", c("ok", 0L), body = ""),
    plainEval = function() {
      value <- withVisible(eval(parse(text = "1+1"), genv))
      if (value$visible) print(value$value)
    }
  )
  means <- list()
  notes <- character(0)
  # The printing steps write to stdout, so stdout is diverted while they run
  # and the results are reported afterwards.
  sink("/dev/null")
  for (name in names(steps)) {
    step <- steps[[name]]
    ok <- tryCatch({
      for (i in 1:200) step()
      TRUE
    }, error = function(e) {
      notes <<- c(notes, paste0("exec.", name, " skipped: ", conditionMessage(e)))
      FALSE
    })
    if (!ok) next
    n <- 5000L
    t0 <- Sys.time()
    for (i in seq_len(n)) step()
    means[[name]] <- as.numeric(Sys.time() - t0, units = "secs") * 1000 / n
  }
  sink()
  for (name in names(means)) report(paste0("exec.", name), means[[name]])
  for (note in notes) cat("NOTE", gsub("[\r\n]+", " ", note), "\n")
  # The round-trip test also needs the spread: single calls of the whole path.
  sink("/dev/null")
  whole <- tryCatch(time_calls(3000L, function(i) kernel$exec_request(as.character(i), 1L, "1+1")), error = function(e) NULL)
  sink()
  if (!is.null(whole)) summarize("exec.wholeCalls", whole)

  # ---------------------------------------------------------------------------
  # symbol_changes() with 0, 100 and 10,000 numeric globals.
  for (size in c(0L, 100L, 10000L)) {
    rm(list = ls(genv, all.names = TRUE), envir = genv)
    for (i in seq_len(size)) assign(sprintf("v%05d", i), stats::rnorm(10), envir = genv)
    # The first snapshot describes every global; it is what the kernel does
    # at start-up and on a full refresh.
    t0 <- Sys.time()
    kernel$reset_snapshot()
    report(sprintf("reset.%d", size), as.numeric(Sys.time() - t0, units = "secs") * 1000)
    # What does not fit in the reset's budget is described while R is idle:
    # the steady state is measured.
    idle_rounds <- 0L
    while (!grepl("\"pending\":0,\"unchecked\":0}", kernel$describe_pending(), fixed = TRUE)) idle_rounds <- idle_rounds + 1L
    report(sprintf("idleRounds.%d", size), idle_rounds)
    n <- if (size >= 10000L) 300L else 2000L
    # With more globals than the kernel looks at after an execution, a
    # report says how many are unchecked, and nothing more.
    no_change <- function(body) is.null(body) || startsWith(body, "{\"added\":[],\"changed\":[],\"removed\":[]")
    unchanged <- time_calls(n, function(i) {
      if (!no_change(kernel$symbol_changes())) stop("symbol_changes() reported a change where there was none")
    })
    summarize(sprintf("unchanged.%d", size), unchanged)
    # The kinds and addresses of one window of bindings, which every call
    # pays before any comparison.
    window <- ls(genv)[seq_len(min(size, kernel$CHECK_WINDOW))]
    summarize(sprintf("window.%d", size), time_calls(if (size >= 10000L) 100L else 500L, function(i) kernel$look_at(genv, window)))
    if (size > 0L) {
      # One binding replaced by a new vector (a new address): what `x <- ...`
      # does. Called without suspects, the change is found by the address
      # comparison alone, by the call whose window reaches it (with more
      # globals than the window, not necessarily this one).
      target <- sprintf("v%05d", size %/% 2L)
      changed <- time_calls(n, function(i) {
        found <- !no_change(kernel$symbol_changes())
        if (!found && size <= kernel$CHECK_WINDOW) stop("symbol_changes() missed a changed binding")
      }, before = function(i) assign(target, stats::rnorm(10), envir = genv))
      summarize(sprintf("changed.%d", size), changed)
      # The same change as the kernel really sees it after `x <- ...`: the
      # assignment target is also passed as a suspect and described again.
      suspect <- time_calls(n, function(i) kernel$symbol_changes(target),
        before = function(i) assign(target, stats::rnorm(10), envir = genv))
      summarize(sprintf("changedSuspect.%d", size), suspect)
    }
  }
  rm(list = ls(genv, all.names = TRUE), envir = genv)
})
