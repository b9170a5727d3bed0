# The job controller: an R process of its own, beside the kernel, that runs
# background jobs as futures of R's `future` framework (server/src/jobs/).
# The kernel never drives jobs: a busy console, a restart or a crash of the
# session's R does not touch them.
#
# It reads commands from stdin and writes events to stdout, one JSON object
# a line each way (docs/protocol.md, "Background jobs"); everything else R
# prints goes to stderr (the server's log). Between commands it polls its
# running futures: future relays the conditions a worker signals as
# "immediate" while it runs, so output, progress (progressr) and the
# worker's pid arrive live, and resolved futures give their value.
#
# The plan: by default a pool of local workers made here
# (parallelly::makeClusterPSOCK) and used as `plan(cluster)`, so that a job
# can be cancelled by stopping its worker, which is then replaced. Any
# other plan (a cluster of other machines, future.batchtools) is set with
# the `plan` command: its jobs are cancelled by abandoning them.

suppressPackageStartupMessages({
  library(jsonlite)
  library(future)
})
# Events go to the process's stdout (the connection taken before the sink);
# anything else printed goes to stderr.
ctl_events <- stdout()
sink(stderr())
# Backends that keep files (future.batchtools' registries, ./.future by
# default) keep them in the controller's private folder, not in the user's
# working directory.
options(future.cache.path = file.path(tempdir(), ".future"))
ctl_commands <- file("stdin", open = "r", blocking = FALSE)

ctl <- new.env()
ctl$jobs <- list()        # by id: list(id, state, future, expr, ...)
ctl$order <- character()  # ids in arrival order
ctl$pool <- NULL          # our cluster, when the plan is ours
ctl$workers <- 2L
ctl$own_plan <- TRUE
ctl$dead <- integer()     # pool workers stopped or dead, started again when no job runs
ctl$plan_error <- NULL    # why the plan given could not be used
ctl$server_pid <- as.integer(commandArgs(trailingOnly = TRUE)[1])

ctl_send <- function(event) {
  writeLines(toJSON(event, auto_unbox = TRUE, null = "null", digits = NA, force = TRUE), ctl_events)
  flush(ctl_events)
}

ctl_elapsed <- function(job) {
  if (is.null(job$started)) 0 else round(as.numeric(difftime(Sys.time(), job$started, units = "secs")) * 1000)
}

ctl_state <- function(job, state, extra = list()) {
  job$state <- state
  ctl$jobs[[job$id]] <- job
  ctl_send(c(list(event = "state", jobId = job$id, state = state, elapsedMs = ctl_elapsed(job)),
             if (!is.null(job$worker)) list(worker = job$worker), extra))
  job
}

# ---------------------------------------------------------------------------
# The plan

ctl_use_pool <- function(workers) {
  ctl_stop_pool()
  ctl$workers <- max(1L, as.integer(workers))
  ctl$own_plan <- TRUE
}

ctl_ensure_pool <- function() {
  if (!ctl$own_plan || !is.null(ctl$pool)) return(invisible())
  ctl$pool <- parallelly::makeClusterPSOCK(ctl$workers, autoStop = FALSE, verbose = FALSE)
  plan(cluster, workers = ctl$pool)
}

ctl_stop_pool <- function() {
  if (!is.null(ctl$pool)) try(parallel::stopCluster(ctl$pool[setdiff(seq_along(ctl$pool), ctl$dead)]), silent = TRUE)
  ctl$pool <- NULL
  ctl$dead <- integer()
}

ctl_node_pid <- function(node) {
  pid <- node$session_info$process$pid
  if (is.null(pid)) NA_integer_ else as.integer(pid)
}

# The worker of a cancelled job is stopped, and a worker that died is
# written off: the pool has one worker less until no job runs, and then the
# missing ones are started again and the plan set anew. (A new plan forgets
# which workers are busy: set while a job runs, it would send the next job
# to that job's worker.)
ctl_retire_worker <- function(pid, f) {
  if (is.null(ctl$pool) || is.na(pid)) return(invisible())
  index <- which(vapply(ctl$pool, ctl_node_pid, integer(1)) == pid)
  if (!length(index)) return(invisible())
  tools::pskill(pid, tools::SIGKILL)
  # future forgets the future of a worker it finds gone.
  if (!is.null(f)) try(suppressWarnings(value(f)), silent = TRUE)
  ctl$dead <- union(ctl$dead, index)
}

ctl_revive_workers <- function() {
  if (!length(ctl$dead) || is.null(ctl$pool) || ctl_running() > 0L) return(invisible())
  for (index in ctl$dead) {
    node <- tryCatch(parallelly::makeClusterPSOCK(1L, autoStop = FALSE, verbose = FALSE)[[1]], error = function(e) NULL)
    if (!is.null(node)) ctl$pool[[index]] <- node
  }
  ctl$dead <- integer()
  plan(cluster, workers = ctl$pool)
}

# A plan that cannot be set, or a sequential one (it would run jobs inside
# the controller, one at a time, deaf to everything else), fails every job
# with the reason, rather than running it somewhere it was not meant to.
ctl_set_plan <- function(expr) {
  ctl_stop_pool()
  ctl$own_plan <- FALSE
  ctl$plan_error <- tryCatch({
    eval(parse(text = expr, keep.source = FALSE), envir = globalenv())
    if (inherits(plan("next"), "sequential")) {
      "a sequential plan would run jobs inside the job controller, one at a time; choose multisession, cluster or a batchtools plan"
    }
  }, error = function(e) conditionMessage(e))
  if (!is.null(ctl$plan_error)) ctl_send(list(event = "failed", op = "plan", message = ctl$plan_error))
}

ctl_capacity <- function() {
  if (ctl$own_plan) return(ctl$workers - length(ctl$dead))
  n <- tryCatch(nbrOfWorkers(), error = function(e) 1L)
  if (is.infinite(n)) 1000L else max(1L, as.integer(n))
}

# ---------------------------------------------------------------------------
# What a job runs in its worker

# The job's code, wrapped: each top-level expression is evaluated in turn in
# an environment of its own (like source() in a fresh R), what it prints is
# relayed after it (and before each message, warning or progress update),
# messages and warnings as they come, and an error with its calls and their
# source lines.
ctl_wrapper <- function(exprs, copied) {
  refs <- attr(exprs, "srcref")
  lines <- if (length(refs)) vapply(refs, function(r) as.integer(r[[1]]), 1L) else rep(NA_integer_, length(exprs))
  source_name <- if (length(refs)) attr(refs[[1]], "srcfile")$filename else NULL
  exprs <- as.list(exprs)
  bquote({
    options(progressr.enable = TRUE)
    local({
      relay <- function(class, fields) {
        fields$message <- if (is.null(fields$message)) "" else fields$message
        # future muffles a relayed condition with the innermost restart whose
        # name starts with "muffle": without one of its own here, that would
        # be the restart of a progress update being handled, which would then
        # never be relayed.
        withRestarts(signalCondition(structure(class = c(class, "immediateCondition", "condition"), fields)),
                     muffleRelay = function() NULL)
      }
      relay("rbridge_job_worker", list(pid = Sys.getpid(), host = Sys.info()[["nodename"]]))
      # stdout goes to a file of the worker's (a text connection slows down
      # as it grows); what was printed since the last flush is relayed.
      captured <- tempfile("job-stdout-")
      out <- file(captured, "w")
      sink(out)
      on.exit({ sink(); close(out); unlink(captured) }, add = TRUE)
      flush_stdout <- function() {
        flush(out)
        if (file.size(captured) == 0) return(invisible())
        sink()
        close(out)
        text <- readChar(captured, file.size(captured), useBytes = TRUE)
        out <<- file(captured, "w")
        sink(out)
        relay("rbridge_job_output", list(stream = "stdout", text = text))
      }
      env <- new.env(parent = if (.(copied)) environment() else globalenv())
      exprs <- .(exprs)
      lines <- .(lines)
      source_name <- .(source_name)
      value <- NULL
      current <- 0L
      withCallingHandlers({
        for (e in exprs) {
          current <- current + 1L
          result <- withVisible(eval(e, env))
          value <- result$value
          if (result$visible) print(result$value)
          flush_stdout()
        }
      },
      message = function(m) {
        flush_stdout()
        relay("rbridge_job_output", list(stream = "stderr", text = conditionMessage(m)))
        invokeRestart("muffleMessage")
      },
      warning = function(w) {
        flush_stdout()
        call <- conditionCall(w)
        if (identical(call, quote(eval(e, env)))) call <- NULL
        relay("rbridge_job_output", list(stream = "stderr", text = paste0(
          "Warning", if (!is.null(call)) paste0(" in ", paste(deparse(call, nlines = 1L), collapse = "")), ": ",
          conditionMessage(w), "\n")))
        invokeRestart("muffleWarning")
      },
      progression = function(p) flush_stdout(),
      error = function(e) {
        flush_stdout()
        calls <- sys.calls()
        frames <- lapply(calls, function(call) {
          ref <- attr(call, "srcref")
          file <- if (!is.null(ref)) attr(ref, "srcfile")$filename else NULL
          list(call = paste(deparse(call, nlines = 1L, width.cutoff = 80L), collapse = ""),
               file = if (length(file) && nzchar(file)) file else NULL,
               line = if (!is.null(ref)) ref[[1]] else NULL)
        })
        # The job's own frames: those after the wrapper's eval(), and before
        # the handler itself (and R's .handleSimpleError() for internal errors).
        start <- max(0L, which(vapply(calls, function(call) identical(call, quote(eval(e, env))), logical(1))))
        frames <- frames[seq_along(frames) > start]
        frames <- frames[seq_len(max(0L, length(frames) - 1L))]
        frames <- Filter(function(f) !startsWith(f$call, ".handleSimpleError("), frames)
        # The top-level expression, with its line.
        top <- list(call = paste(deparse(exprs[[current]], nlines = 1L, width.cutoff = 80L), collapse = ""),
                    file = source_name, line = lines[[current]])
        if (length(frames) && identical(frames[[1]]$call, top$call)) frames[[1]] <- top else frames <- c(list(top), frames)
        relay("rbridge_job_error", list(message = conditionMessage(e),
                                        call = if (!is.null(conditionCall(e))) paste(deparse(conditionCall(e), nlines = 1L), collapse = "") else NULL,
                                        traceback = frames))
      })
      value
    })
  })
}

# ---------------------------------------------------------------------------
# Commands

ctl_parse <- function(cmd) {
  if (!is.null(cmd$file)) {
    if (!file.exists(cmd$file)) stop("the file does not exist: ", cmd$file, call. = FALSE)
    parse(file = cmd$file, keep.source = TRUE, encoding = "UTF-8")
  } else {
    srcfile <- srcfilecopy(if (is.null(cmd$uri)) "<job>" else cmd$uri, strsplit(cmd$code, "\n", fixed = TRUE)[[1]])
    parse(text = cmd$code, keep.source = TRUE, srcfile = srcfile)
  }
}

ctl_start_cmd <- function(cmd) {
  exprs <- tryCatch(ctl_parse(cmd), error = function(e) e)
  if (inherits(exprs, "error")) {
    ctl_send(list(event = "state", jobId = cmd$jobId, state = "error", elapsedMs = 0,
                  error = list(message = conditionMessage(exprs))))
    return(invisible())
  }
  globals <- list()
  if (!is.null(cmd$globalsFile)) {
    globals <- readRDS(cmd$globalsFile)
    unlink(cmd$globalsFile)
  }
  # Source references are kept for the traceback's lines, and are not sent
  # to the worker twice: each expression carries its own.
  job <- list(id = cmd$jobId, name = cmd$name, exprs = exprs, globals = globals,
              packages = unlist(cmd$packages), state = "queued", queuedAt = Sys.time())
  ctl$jobs[[job$id]] <- job
  ctl$order <- c(ctl$order, job$id)
  ctl_state(job, "queued")
  ctl_schedule()
}

ctl_running <- function() sum(vapply(ctl$jobs, function(j) identical(j$state, "running"), logical(1)))

ctl_schedule <- function() {
  ctl_revive_workers()
  for (id in ctl$order) {
    job <- ctl$jobs[[id]]
    if (!identical(job$state, "queued")) next
    if (ctl_running() >= ctl_capacity()) break
    if (!is.null(ctl$plan_error)) {
      ctl_state(job, "error", list(error = list(message = paste("the jobs' plan could not be set:", ctl$plan_error))))
      next
    }
    started <- tryCatch({
      ctl_ensure_pool()
      copied <- length(job$globals) > 0L
      expr <- ctl_wrapper(job$exprs, copied)
      f <- future(expr, substitute = FALSE, globals = if (copied) job$globals else TRUE, packages = job$packages,
                  seed = TRUE, lazy = FALSE, label = job$name, stdout = TRUE, conditions = "condition")
      f
    }, error = function(e) e)
    if (inherits(started, "error")) {
      ctl_state(job, "error", list(error = list(message = paste("the job could not start:", conditionMessage(started)))))
      next
    }
    job$future <- started
    job$globals <- NULL
    job$started <- Sys.time()
    job$progress <- list()
    ctl$jobs[[id]] <- job
    ctl_state(job, "running")
  }
}

ctl_cancel <- function(id) {
  job <- ctl$jobs[[id]]
  if (is.null(job) || !job$state %in% c("queued", "running")) return(invisible())
  if (identical(job$state, "running")) {
    # Our own workers are stopped and replaced; a job on another plan is
    # abandoned (its result, if it comes, is dropped).
    if (ctl$own_plan && !is.null(job$pid)) ctl_retire_worker(job$pid, job$future)
    job$future <- NULL
  }
  ctl_state(job, "cancelled")
  ctl_schedule()
}

ctl_save_result <- function(id, path, max_bytes) {
  job <- ctl$jobs[[id]]
  if (is.null(job) || !identical(job$state, "done")) {
    ctl_send(list(event = "saved", jobId = id, error = "the job has no result (it has not ended, or it failed or was cancelled)"))
    return(invisible())
  }
  if (job$bytes > max_bytes) {
    ctl_send(list(event = "saved", jobId = id, error = sprintf(
      "the result is %s, over the limit of %s for bringing it into the session; it stays with the job until the job is cleared",
      format(structure(job$bytes, class = "object_size"), units = "auto"),
      format(structure(max_bytes, class = "object_size"), units = "auto"))))
    return(invisible())
  }
  saveRDS(job$value, path, compress = FALSE)
  Sys.chmod(path, "600")
  ctl_send(list(event = "saved", jobId = id, path = path))
}

ctl_clear <- function(id) {
  job <- ctl$jobs[[id]]
  if (is.null(job) || job$state %in% c("queued", "running")) return(invisible())
  ctl$jobs[[id]] <- NULL
  ctl$order <- setdiff(ctl$order, id)
}

ctl_handle <- function(cmd) {
  switch(cmd$op,
    start = ctl_start_cmd(cmd),
    cancel = ctl_cancel(cmd$jobId),
    save = ctl_save_result(cmd$jobId, cmd$path, cmd$maxBytes),
    clear = ctl_clear(cmd$jobId),
    workers = ctl_use_pool(cmd$workers),
    plan = ctl_set_plan(cmd$expr),
    ping = ctl_send(list(event = "pong")),
    quit = ctl_quit(),
    stop("unknown command ", cmd$op)
  )
}

# ---------------------------------------------------------------------------
# Polling the running jobs

ctl_relay_handlers <- function(id) {
  list(
    rbridge_job_worker = function(c) {
      job <- ctl$jobs[[id]]
      job$pid <- as.integer(c$pid)
      job$worker <- sprintf("%s (pid %d)", c$host, c$pid)
      ctl$jobs[[id]] <- job
      ctl_state(job, "running")
    },
    rbridge_job_output = function(c) ctl_send(list(event = "output", jobId = id, stream = c$stream, text = c$text)),
    rbridge_job_error = function(c) {
      job <- ctl$jobs[[id]]
      job$error <- list(message = c$message, call = c$call, traceback = c$traceback)
      ctl$jobs[[id]] <- job
    },
    progression = function(p) {
      job <- ctl$jobs[[id]]
      bar <- p$progressor_uuid
      state <- job$progress[[bar]]
      if (is.null(state)) state <- list(amount = 0, total = NA)
      if (identical(p$type, "initiate")) state$total <- p$steps
      if (identical(p$type, "update")) state$amount <- state$amount + p$amount
      job$progress[[bar]] <- state
      ctl$jobs[[id]] <- job
      if (p$type %in% c("initiate", "update")) {
        ctl_send(c(list(event = "progress", jobId = id, amount = state$amount),
                   if (!is.na(state$total)) list(total = state$total),
                   if (length(p$message) && nzchar(p$message)) list(message = p$message)))
      }
    }
  )
}

ctl_poll <- function(id) {
  job <- ctl$jobs[[id]]
  f <- job$future
  handlers <- ctl_relay_handlers(id)
  done <- tryCatch(do.call(withCallingHandlers, c(list(quote(resolved(f))), handlers)), error = function(e) e)
  if (isFALSE(done)) return(invisible())
  # The value, with what a backend that does not relay as it goes kept for the end.
  printed <- character()
  outcome <- if (inherits(done, "error")) done else tryCatch(
    withCallingHandlers(
      { printed <- utils::capture.output(v <- value(f)); list(value = v) },
      rbridge_job_output = handlers$rbridge_job_output,
      rbridge_job_error = handlers$rbridge_job_error,
      rbridge_job_worker = function(c) NULL,
      progression = handlers$progression,
      message = function(m) invokeRestart("muffleMessage"),
      warning = function(w) invokeRestart("muffleWarning")),
    error = function(e) e)
  if (length(printed)) ctl_send(list(event = "output", jobId = id, stream = "stdout", text = paste0(printed, "\n", collapse = "")))
  job <- ctl$jobs[[id]]
  job$future <- NULL
  if (inherits(outcome, "error")) {
    if (inherits(outcome, "FutureError")) {
      # The worker went away (killed, crashed, or its machine unreachable).
      if (ctl$own_plan && !is.null(job$pid)) ctl_retire_worker(job$pid, NULL)
      ctl_state(job, "error", list(error = list(message = paste("the job's worker died:", conditionMessage(outcome)))))
    } else {
      error <- if (!is.null(job$error)) job$error else list(message = conditionMessage(outcome))
      ctl_state(job, "error", list(error = error))
    }
  } else {
    job$value <- outcome$value
    job$bytes <- as.numeric(utils::object.size(outcome$value))
    ctl_state(job, "done", list(resultBytes = job$bytes, resultClass = class(outcome$value)))
  }
  ctl_schedule()
}

ctl_quit <- function() {
  ctl_stop_pool()
  quit(save = "no", status = 0)
}

ctl_server_alive <- function() is.na(ctl$server_pid) || isTRUE(tools::pskill(ctl$server_pid, 0L))

ctl_main <- function() {
  ctl_send(list(event = "hello", pid = Sys.getpid(), future = as.character(packageVersion("future"))))
  tick <- 0L
  repeat {
    lines <- readLines(ctl_commands, n = -1L, warn = FALSE)
    for (line in lines) {
      if (!nzchar(line)) next
      cmd <- tryCatch(fromJSON(line, simplifyVector = FALSE), error = function(e) NULL)
      if (is.null(cmd)) next
      tryCatch(ctl_handle(cmd), error = function(e) {
        ctl_send(list(event = "failed", op = cmd$op, jobId = cmd$jobId, message = conditionMessage(e)))
      })
    }
    running <- Filter(function(j) identical(j$state, "running") && !is.null(j$future), ctl$jobs)
    for (id in names(running)) ctl_poll(id)
    tick <- tick + 1L
    if (tick %% 20L == 0L && !ctl_server_alive()) ctl_quit()
    Sys.sleep(if (length(running)) 0.02 else 0.05)
  }
}

ctl_main()
