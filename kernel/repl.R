# Running user code at R's true top level, through R's own read-eval-print
# loop (docs/protocol.md, "Code runs at R's top level", says why).
#
# R reads its console from a pipe that the server writes. The kernel never
# evaluates user code itself: for each execution it parses the code (to
# report syntax errors before anything runs and to find its expressions),
# then hands the code to R's loop one group of lines at a time (the lines of
# one expression, or of several that share a line). It does so by writing a
# feed marker on stdout (see hand_over()) and returning to R's loop. R
# parses, evaluates and prints them exactly as its console does.
#
# How the kernel gets control back:
# - After every top-level expression that completes, R calls its task
#   callbacks; the kernel's, registered first, counts the expressions of
#   the group and feeds the next group, or ends the execution and serves
#   the server's frames until the next execution (R sits in the callback
#   while it is idle).
# - An expression that fails (an error, an interrupt, a jump to the top
#   level) runs no task callback: R prints its message and its prompt. The
#   prompt is unique to the session (p/c markers); when the server sees it
#   with nothing left to feed, it writes a resume call (a top-level call of
#   the kernel) that ends or continues the execution and then serves.
# - Global calling handlers see the conditions that reach the top level
#   (those no handler in user code took): they report errors and warnings
#   with their line, and keep stderr in order with stdout.

RESUME_FUNCTION <- quote(base::as.environment("tools:rbridge")$resume)

is_resume_call <- function(expr) is.call(expr) && identical(expr[[1L]], RESUME_FUNCTION)

# Groups handed to R's loop: a resume call carries the count the server had
# seen when it wrote it.
state$feeds <- 0

state$run <- NULL
state$started <- FALSE

# R's just-in-time compiler compiles each of the kernel's functions on its
# first or second use: the user's first executions would wait for it (about
# 100 ms over the first two). The server asks the kernel to compile them
# while R is idle after it starts, a few at a time (kernel request
# `kernel/compile`, see server/src/session/warmup.ts): the path of an
# execution first. The task callback and the global handlers are left to
# the JIT: R holds the functions they were registered with.
WARM_FIRST <- c(
  "resume", "restore_hooks", "exec_request", "start_run", "parse_line", "parse_code", "may_assign", "read_raw", "write_raw", "write_text",
  "write_console", "discard_interrupt", "code_srcfile", "line_groups", "advance",
  "join_groups", "expr_bytes", "expr_text", "hand_over", "mark_stdout", "expression_done",
  "finish_run", "end_execution", "symbol_changes", "end_of_output", "mark_streams",
  "serve_until_fed", "serve_frames", "handle", "claim", "discard_interrupt", "record_failure",
  "jumped", "printed_error", "active_run", "resume_next", "error_line", "sync_streams", "to_stderr",
  "check_plots", "is_ours"
)

# The capabilities' functions, compiled last (kernel/bootstrap.R lists
# them).
COLD_FUNCTIONS <- character(0)

# Compiles up to `count` kernel functions not compiled yet (or loads rlang
# first); returns how many remain.
compile_round <- function(count) {
  kernel <- environment(compile_round)
  # rlang tells promises and active bindings from values for the variables'
  # bookkeeping; loading it (about 80 ms) is the first round, rather than
  # a wait in the first execution that makes a variable.
  if (has_rlang && is.null(rlang_binding_types)) {
    rlang_binding_types <<- tryCatch(get("ffi_env_binding_types", envir = asNamespace("rlang")), error = function(e) FALSE)
    return(1L)
  }
  hooks <- c("after_top_level", "on_top_error", "on_top_warning", "on_top_message", "on_top_interrupt")
  # The capabilities' functions last: once all are compiled the kernel is
  # saved, and a later session starts with every function compiled.
  names <- setdiff(union(union(WARM_FIRST, setdiff(ls(kernel), COLD_FUNCTIONS)), COLD_FUNCTIONS), hooks)
  todo <- names[vapply(names, function(name) {
    f <- get(name, envir = kernel)
    typeof(f) == "closure" && typeof(.Internal(bodyCode(f))) != "bytecode"
  }, NA)]
  for (name in todo[seq_len(min(count, length(todo)))]) assign(name, compiler::cmpfun(get(name, envir = kernel)), envir = kernel)
  remaining <- max(0L, length(todo) - count)
  if (!remaining && !isTRUE(state$compiled_loaded)) {
    state$compiled_loaded <- TRUE
    tryCatch(save_compiled(state$compiled_cache), error = function(e) log_line("could not save the compiled kernel: ", conditionMessage(e)))
  }
  remaining
}

install_repl <- function() {
  state$user_prompt <- getOption("prompt")
  state$user_continue <- getOption("continue")
  state$prompt <- paste0(state$marker, "p\036")
  options(prompt = state$prompt, continue = paste0(state$marker, "c\036"))
  # What the server writes to resume the kernel after a failed expression.
  # It returns the last value again, invisibly: the call leaves
  # .Last.value as the user's code left it.
  resume_call <- function(feeds) {
    suspendInterrupts(resume(feeds))
    invisible(.Last.value)
  }
  state$tools <- list(
    resume = resume_call, View = view_function, rbridge_job = job_function,
    .rbridge_browse = browse_tool, .rbridge_breakpoint = breakpoint_tool, .rbridge_pause = pause_tool
  )
  attach_tools()
  # R's stdin, opened for writing too (on Linux, /proc/self/fd/0 opens the
  # pipe itself), close-on-exec; NULL where that cannot be done.
  state$console <- tryCatch(file("/proc/self/fd/0", open = "web", raw = TRUE), error = function(e) NULL, warning = function(w) NULL)
  # And for reading, without waiting, close-on-exec too: what R has not
  # read of its input when the kernel writes a line is taken out first (see
  # write_console()).
  if (!is.null(state$console)) {
    state$console_unread <- tryCatch(file("/proc/self/fd/0", open = "reb", blocking = FALSE, raw = TRUE), error = function(e) NULL, warning = function(w) NULL)
  }
}

# Writes a line to R's input, the one R reads next. R's console reads its
# input through a buffer and waits for more on the pipe, not in its buffer:
# of two lines read at once, the second would wait unseen until some other
# line came. Whatever R has not read when the kernel writes is a line R
# need no longer read (the server's resume call for a prompt an interrupt
# cut short, or a line of code the interrupt came before), so it is taken
# out of the pipe first: the kernel's line goes into an empty pipe and R
# reads it alone, and no such spare line is left to be read later (each
# would make R prompt once more, and the server answer with another).
write_console <- function(text) {
  unread <- state$console_unread
  if (!is.null(unread)) while (length(read_raw(unread, 4096L))) NULL
  write_raw(charToRaw(text), state$console)
}

# On the search path, as IDEs do ("tools:rstudio"): the base environment
# takes no new bindings. View() there opens the data viewer (utils::View
# needs a GUI this R lacks). R attaches its default packages after the
# profile, in front of it: at the first prompt it is attached again, ahead
# of them, so that View() is found before utils::View.
attach_tools <- function() {
  if ("tools:rbridge" %in% search()) detach("tools:rbridge", character.only = TRUE)
  tools <- attach(NULL, name = "tools:rbridge")
  for (name in names(state$tools)) assign(name, state$tools[[name]], envir = tools)
  lockEnvironment(tools, bindings = TRUE)
}

# The task callback and the global handlers; user code may remove them
# (removeTaskCallback(), globalCallingHandlers(NULL)), so they are checked
# each time the kernel gets control at the top level.
ensure_hooks <- function() {
  if (!"rbridge" %in% getTaskCallbackNames()) {
    addTaskCallback(after_top_level, name = "rbridge")
  }
  ensure_plot_hooks()
  installed <- globalCallingHandlers()
  if (!any(vapply(installed, identical, NA, on_top_error))) {
    globalCallingHandlers(error = on_top_error, warning = on_top_warning, message = on_top_message, interrupt = on_top_interrupt)
  }
}

# The task callback: one top-level expression completed.
# R calls it after what is typed at the browser's prompt too: that is not
# the end of an expression of the execution.
after_top_level <- function(expr, value, ok, visible) {
  if (is_pause_call(expr)) {
    tryCatch(suspendInterrupts(resume_paused()), error = function(e) log_line("the kernel failed after a pause: ", conditionMessage(e)))
    return(TRUE)
  }
  if (is_resume_call(expr) || is.null(state$run) || !isTRUE(state$run$fed) || in_browser()) return(TRUE)
  # Functions this expression defined get their document's breakpoints.
  if (length(debug_state$documents)) instrument_new(state$run$id, if (is_source_call(expr)) NULL else state$run$targets)
  tryCatch(suspendInterrupts(expression_done()), error = function(e) {
    log_line("the kernel failed after an expression: ", conditionMessage(e))
  })
  TRUE
}

# From the top level R calls the callback with no frame below it (so
# in_browser() itself is frame 2); after what was typed at the browser's
# prompt, the frames being debugged are below it.
in_browser <- function() sys.nframe() > 2L

expression_done <- function() {
  run <- state$run
  run$left <- run$left - 1L
  if (run$left > 0L) {
    # The next expression of the same group (they share a line).
    run$current <- run$current + 1L
    current_exec$line <- run$srcrefs[[run$current]][1L]
    return(invisible())
  }
  if (advance()) return(invisible())
  serve_until_fed()
}

# The server wrote a resume call: R was at its top-level prompt with
# nothing left to read. At start-up that is the first prompt; during an
# execution the group it was given ended without completing. A call
# written before the last group was handed over is stale: R prompted again
# before reading it (an interrupt at the prompt), and the group follows it.
resume <- function(feeds) {
  if (feeds < state$feeds) return(invisible())
  if (!state$started) {
    state$started <- TRUE
    attach_tools()
    write_frame("ready", 0L, body = reset_snapshot() %||% "{\"added\":[],\"changed\":[],\"removed\":[]}")
  }
  run <- state$run
  if (!is.null(run) && isTRUE(run$fed)) {
    failure <- run$failure %||% printed_error(run) %||% jumped(current_exec$line)
    run$fed <- FALSE
    if (!record_failure(run, failure)) {
      finish_run()
    } else if (advance()) {
      restore_hooks()
      return(invisible())
    }
  }
  # After the answer (an execution that failed waits no longer for this),
  # before any more code runs; at start-up, after the user's profile.
  restore_hooks()
  serve_until_fed()
}

# The failed code may have removed the kernel's hooks.
restore_hooks <- function() {
  tryCatch(ensure_hooks(), error = function(e) log_line("could not restore the kernel's hooks: ", conditionMessage(e)))
}

# The code jumped to the top level (invokeRestart("abort")), as R's console
# allows: the execution ends as interrupted, and R keeps everything.
jumped <- function(line) {
  list(status = "interrupted", line = line, detail = condition_json("the code jumped to the top level (invokeRestart(\"abort\")); R and its variables are kept", NULL))
}

# An error R printed without the kernel's handler seeing it (R calls no
# handlers for some errors of its own, such as a stack overflow): R's
# message buffer changed since the group was handed over.
printed_error <- function(run) {
  text <- geterrmessage()
  if (identical(text, run$errmessage) || !startsWith(text, "Error")) return(NULL)
  text <- sub("\n$", "", text)
  call <- NULL
  message <- sub("^Error: ", "", text)
  if (startsWith(text, "Error in ")) {
    at <- regexpr(" : ", text, fixed = TRUE)
    if (at > 0L) {
      call <- substr(text, 10L, at - 1L)
      message <- sub("^\\s+", "", substr(text, at + 3L, nchar(text)))
    }
  }
  list(status = "error", line = current_exec$line, detail = condition_json(message, call))
}

# Records a failed expression in the execution's outcome; TRUE when the
# execution goes on with its next expression.
record_failure <- function(run, failure) {
  if (failure$status == "interrupted") {
    run$status <- "interrupted"
    run$line <- failure$line
    run$detail <- failure$detail
    return(FALSE)
  }
  if (run$status == "ok") {
    run$status <- "error"
    run$line <- failure$line
    run$detail <- failure$detail
  }
  !run$stop
}

# Serves frames until an execution has been handed to R's loop (then R's
# loop must run: this returns) or the server goes away (then R quits).
serve_until_fed <- function() {
  # R clears time limits (setTimeLimit()) when it returns to its prompt;
  # the kernel's serving stands for that prompt.
  setTimeLimit()
  if (identical(serve_frames(), "fed")) return(invisible())
  state$finished <- TRUE
  quit(save = "no", status = 0L, runLast = FALSE)
}

# Starts execution `id` of `code`: a syntax error ends it at once; else its
# first group of lines goes to R's loop. Returns "fed" when R's loop must
# run.
start_run <- function(id, code, stop_on_error, echo, breaks = NA_character_) {
  if (grepl("\r", code, fixed = TRUE)) code <- gsub("\r\n?", "\n", code)
  parsed <- if (is.na(breaks)) parse_line(code)
  if (is.null(parsed)) {
    parsed <- parse_code(code)
    if (inherits(parsed$exprs, "error")) {
      outcome <- parse_failure(parsed$exprs, parsed$lines, echo)
      return(end_execution(id, outcome$status, outcome$line, outcome$detail, character(0)))
    }
    parsed$srcrefs <- attr(parsed$exprs, "srcref")
    parsed$groups <- line_groups(parsed$srcrefs, parsed$lines)
  }
  run <- new.env(parent = emptyenv())
  run$id <- id
  run$stop <- stop_on_error
  run$echo <- echo
  run$lines <- parsed$lines
  run$exprs <- parsed$exprs
  run$srcfile <- parsed$srcfile
  run$srcrefs <- parsed$srcrefs
  if (echo) run$continued <- continued_lines(length(parsed$lines), run$srcrefs)
  run$groups <- parsed$groups
  run$next_group <- 1L
  run$status <- "ok"
  run$line <- 0L
  run$detail <- ""
  run$fed <- FALSE
  run$warnings <- 0L
  if (!is.na(breaks)) run$breaks <- parse_breaks(breaks)
  # Bookkeeping must never cost the user their execution.
  run$targets <- if (may_assign(parsed$exprs)) tryCatch(assignment_targets(parsed$exprs), error = no_targets) else character(0)
  state$run <- run
  if (advance()) "fed" else NULL
}

# Code of one line that R's console takes whole (see line_groups()), which
# parses: its expressions are one group. It is parsed without source
# references, a third of the cost of parse_code() (R's console keeps its
# own when it reads the line); they would all say line 1. NULL for any
# other code, and for code that does not parse (parse_code() then says why).
parse_line <- function(code) {
  if (grepl("\n", code, fixed = TRUE) || grepl("\036", code, fixed = TRUE) || nchar(code, type = "bytes") > CONSOLE_LINE_BYTES) {
    return(NULL)
  }
  exprs <- tryCatch(parse(text = code, keep.source = FALSE, encoding = "UTF-8"), error = no_parse)
  if (is.null(exprs)) return(NULL)
  n <- length(exprs)
  list(
    exprs = exprs, lines = if (nzchar(code)) code else character(0), srcfile = NULL,
    srcrefs = rep.int(list(LINE_ONE), n),
    groups = if (n) list(list(from = 1L, to = 1L, exprs = seq_len(n), long = FALSE, simple = FALSE)) else list()
  )
}
LINE_ONE <- c(1L, 1L, 1L, 1L)

no_parse <- function(e) NULL

# The groups of lines handed to R's loop, one at a time: each ends with the
# last line of an expression, and begins after the previous group (comments
# and blank lines go with the expression after them). Expressions that
# share a line are in one group. A group with a line too long for R's
# console (it reads 4,096 bytes at a time and cuts longer lines) is
# evaluated by the kernel instead (see eval_group()).
CONSOLE_LINE_BYTES <- 4000L

line_groups <- function(srcrefs, lines) {
  groups <- list()
  from <- 1L
  i <- 1L
  n <- length(srcrefs)
  while (i <= n) {
    first <- i
    to <- srcrefs[[i]][3L]
    while (i < n && srcrefs[[i + 1L]][1L] <= to) {
      i <- i + 1L
      to <- max(to, srcrefs[[i]][3L])
    }
    long <- any(nchar(lines[seq.int(from, to)], type = "bytes") > CONSOLE_LINE_BYTES)
    # Expressions each on one line, which can be joined with others (see join_groups()).
    simple <- !long && all(vapply(srcrefs[seq.int(first, i)], function(r) r[1L] == r[3L], NA)) &&
      !any(grepl("\036", lines[seq.int(from, to)], fixed = TRUE))
    groups[[length(groups) + 1L]] <- list(from = from, to = to, exprs = seq.int(first, i), long = long, simple = simple)
    from <- to + 1L
    i <- i + 1L
  }
  groups
}

# Hands the next group to R's loop (TRUE), or ends the execution when there
# is none (FALSE).
advance <- function() {
  run <- state$run
  while (run$next_group <= length(run$groups)) {
    group <- run$groups[[run$next_group]]
    run$next_group <- run$next_group + 1L
    if (group$long) {
      if (!eval_group(run, group)) break
      next
    }
    # What R wrote to stderr at the end of the last expression (its
    # warnings) comes before what the next one writes.
    if (run$next_group > 2L) sync_streams()
    run$current <- group$exprs[1L]
    run$left <- length(group$exprs)
    run$failure <- NULL
    run$errmessage <- geterrmessage()
    run$fed <- TRUE
    current_exec$line <- run$srcrefs[[run$current]][1L]
    # An interrupt that arrived before this point was meant for an earlier
    # group or execution (or sent while R was idle): it must not stop this
    # one. The server repeats an interrupt that is still wanted.
    discard_interrupt()
    # A breakpoint on this expression (or a step at the top level): R's browser first.
    if (length(run$breaks) || isTRUE(run$step_top)) {
      if (pause_before(run, group)) return(TRUE)
    }
    # Only when groups follow that it could join.
    joined <- if (group$simple && run$stop && !run$echo && !length(run$breaks) && run$next_group <= length(run$groups)) join_groups(run, group)
    hand_over(run, group$from, joined$to %||% group$to, joined$text)
    return(TRUE)
  }
  finish_run()
  FALSE
}

# Expressions that each fit on their line go to R's console several at a
# time, on one line joined by "; " (up to what the console reads at once):
# R evaluates them one by one as it would on separate lines, and an error
# drops the rest of the line, so that the execution still stops there
# (code that goes on after errors is handed over line by line, and so is
# code whose echo is shown: R's prompt goes before each line).
# Handing over each line alone costs a return to R's loop and back. NULL
# when the group is alone.
join_groups <- function(run, group) {
  exprs <- group$exprs
  to <- group$to
  last <- run$next_group - 1L
  bytes <- sum(vapply(exprs, function(k) expr_bytes(run, k), 0))
  while (last < length(run$groups)) {
    following <- run$groups[[last + 1L]]
    if (!following$simple) break
    more <- sum(vapply(following$exprs, function(k) expr_bytes(run, k), 0)) + 2 * length(following$exprs)
    if (bytes + more > CONSOLE_LINE_BYTES) break
    bytes <- bytes + more
    exprs <- c(exprs, following$exprs)
    to <- following$to
    last <- last + 1L
  }
  if (length(exprs) == length(group$exprs)) return(NULL)
  run$next_group <- last + 1L
  run$left <- length(exprs)
  texts <- vapply(exprs, function(k) expr_text(run, k), "")
  list(to = to, text = paste(texts, collapse = "; "))
}

expr_bytes <- function(run, k) {
  ref <- run$srcrefs[[k]]
  ref[4L] - ref[2L] + 1
}

expr_text <- function(run, k) {
  ref <- run$srcrefs[[k]]
  text <- rawToChar(charToRaw(run$lines[ref[1L]])[seq.int(ref[2L], ref[4L])])
  Encoding(text) <- "UTF-8"
  text
}

# Hands lines from..to (or the one line `joined`) to R's console: the
# kernel writes a single line to R's stdin itself when it can (no round
# trip through the server), else the server does. The feed marker on
# stdout tells the server which lines R reads next, and whether it must
# write them.
hand_over <- function(run, from, to, joined = NULL) {
  # One line only: R reads its input through a buffer, and would not see a
  # second line already in it (the server writes multi-line groups a line
  # at a time, as R asks for them).
  text <- if (is.null(joined)) paste0(run$lines[from], "\n") else paste0(joined, "\n")
  written <- !is.null(state$console) && (from == to || !is.null(joined)) && nchar(text, type = "bytes") <= CONSOLE_WRITE_BYTES
  state$feeds <- state$feeds + 1
  if (run$echo) {
    # The lines as R's console shows them, then a sync: they come before
    # anything the code writes to stderr.
    echo_lines(run$lines, from - 1L, to, run$continued)
    sync_streams()
  }
  if (written) {
    # The common case says it all in R's next prompt: R reads the line the
    # kernel wrote for execution <id>, feed <n> (no marker to write and for
    # the server to read).
    options(prompt = paste0(state$marker, "q", run$id, ".", state$feeds, "\036"))
  } else {
    options(prompt = state$prompt)
    head <- paste0(run$id, ".", from, ".", to)
    mark_stdout(if (is.null(joined)) paste0("f", head) else paste0("j", head, ":", joined))
  }
  if (written) write_console(text)
}

# What the kernel writes to R's stdin itself: R reads it only after the
# kernel returns, so it must fit in the pipe (64 KiB on Linux).
CONSOLE_WRITE_BYTES <- 16384L

# A group the console cannot take, evaluated by the kernel; FALSE when the
# execution stops there.
eval_group <- function(run, group) {
  # Code the kernel evaluates itself: R's loop is not where an interrupt
  # returns to (see resume_next()).
  state$own_eval <- TRUE
  on.exit(state$own_eval <- FALSE)
  if (run$echo) echo_lines(run$lines, group$from - 1L, group$to, run$continued)
  for (k in group$exprs) {
    current_exec$line <- run$srcrefs[[k]][1L]
    # A jump to the top level (invokeRestart("abort")) ends the execution
    # as R's console would, at its prompt.
    failure <- withRestarts(eval_top(run$exprs[[k]], run$srcfile), abort = function() jumped(NULL))
    flush_printed()
    flush_warnings()
    if (is.null(failure)) next
    line <- if (is.null(failure$line) || is.na(failure$line)) run$srcrefs[[k]][1L] else failure$line
    if (!record_failure(run, list(status = failure$status, line = line, detail = failure$detail %||% condition_json("interrupted", NULL)))) return(FALSE)
  }
  TRUE
}

finish_run <- function() {
  run <- state$run
  state$run <- NULL
  current_exec$id <- "0"
  end_execution(run$id, run$status, run$line, run$detail, run$targets)
}

end_execution <- function(id, status, line, detail, targets) {
  check_plots(id)
  symbols <- tryCatch(symbol_changes(targets), error = symbols_failed)
  if (!is.null(symbols)) write_frame("symbols", id, body = symbols)
  # Functions the execution defined, however (source(), load(), ...), get
  # their document's breakpoints (reported as changed after the next one).
  if (length(debug_state$documents)) instrument_new(id, state$changed_names)
  # The markers and the answer go out last and together, so that the
  # server can answer as soon as it has seen them.
  end_of_output(id)
  write_frame("done", id, c(status, line), body = detail)
  NULL
}

# A marker on stdout only, after what R has written there.
mark_stdout <- function(id) {
  flush.connection(stdout())
  write_text(paste0(state$marker, id, "\036"), state$out)
}

active_run <- function() {
  run <- state$run
  if (is.null(run) || !isTRUE(run$fed) || Sys.getpid() != state$pid) NULL else run
}

# An error on its way to R's default handling (no handler in user code took
# it): R prints it next, after this sync, and returns to its prompt.
on_top_error <- function(e) {
  run <- active_run()
  if (is.null(run) || !is.null(run$failure)) return()
  sync_streams()
  message <- tryCatch(conditionMessage(e), error = function(x) "")
  call <- tryCatch(conditionCall(e), error = function(x) NULL)
  dcall <- if (is.call(call)) deparse_call(call) else NULL
  line <- error_line(run)
  detail <- condition_json(message, dcall)
  write_frame("cond", run$id, c("error", line), body = detail)
  run$failure <- list(status = "error", line = line, detail = detail)
}

on_top_interrupt <- function(i) {
  run <- active_run()
  if (is.null(run)) return()
  # Once the execution has failed, R may be at its prompt, reading the
  # server's resume call: an interrupt there makes R prompt again without
  # having read it. The kernel's own call replaces it (resume_next() takes
  # the unread one out), rather than the server writing a second one for
  # the second prompt, one that R would read after the kernel has moved on.
  if (is.null(run$failure)) run$failure <- list(status = "interrupted", line = current_exec$line, detail = INTERRUPTED_DETAIL)
  suspendInterrupts(resume_next(run))
}

# R goes back to its top-level prompt next, with nothing left to read: the
# call that hands control back to the kernel goes to R's console now, as
# the next line R reads, rather than from the server once it has seen the
# prompt (a round trip less on the way to the answer of an interrupted
# execution). R's prompt then says that the kernel wrote R's next line
# (q<id>.<feed>, as for the lines hand_over() writes). Not where R would
# read that line as something else: on an interrupt R first runs the
# user's options(error) handler (recover() asks which frame to browse),
# and an interrupt inside R's browser returns to the browser's prompt.
resume_next <- function(run) {
  if (is.null(state$console) || isTRUE(state$own_eval) || !is.null(getOption("error"))) return(invisible())
  if (!inherits(tryCatch(browserText(), error = identity), "error")) return(invisible())
  state$feeds <- state$feeds + 1
  options(prompt = paste0(state$marker, "q", run$id, ".", state$feeds, "\036"))
  write_console(paste0(RESUME_TEXT, "(", state$feeds, ")\n"))
}
RESUME_TEXT <- deparse(RESUME_FUNCTION)
INTERRUPTED_DETAIL <- "{\"message\":\"interrupted\",\"call\":null}"

# Warnings are R's to collect and print (options(warn), warning.length,
# "In addition:"); the kernel reports them with their line, and fences those
# R prints at once so that they keep their place among the output.
on_top_warning <- function(w) {
  run <- active_run()
  if (is.null(run)) return()
  level <- suppressWarnings(as.integer(getOption("warn", 0L)))
  if (!length(level) || is.na(level)) level <- 0L
  if (level < 0L || level >= 2L) return()
  if (run$warnings < 50L) {
    run$warnings <- run$warnings + 1L
    call <- tryCatch(conditionCall(w), error = function(x) NULL)
    message <- tryCatch(conditionMessage(w), error = function(x) "")
    write_frame("cond", run$id, c("warning", current_exec$line),
      body = condition_json(message, if (is.call(call)) deparse_call(call) else NULL))
  }
  if (level >= 1L) sync_streams()
}

# message() writes to stderr; written here, fenced, it keeps its place
# among the output: exactly what the default handler in message() writes.
# Other conditions of class "message" may have defaults of their own (cli
# writes its messages to stdout in an interactive session): R's own course
# is left to them, after a sync.
on_top_message <- function(m) {
  if (is.null(active_run())) return()
  cls <- class(m)
  plain <- identical(cls, c("simpleMessage", "message", "condition")) ||
    identical(cls, c("packageStartupMessage", "simpleMessage", "message", "condition"))
  if (!plain || is.null(findRestart("muffleMessage", m))) {
    sync_streams()
    return()
  }
  to_stderr(conditionMessage(m))
  invokeRestart("muffleMessage")
}

# The line of the executed code where the error happened: that of the
# innermost call made from this execution's code, else the first line of
# the expression that failed. R gives the code of each top-level
# expression it reads a source file of its own ("lines" holds the text
# read), numbered from the expression's first line; a function defined by
# an earlier expression of the same execution is found by that text.
error_line <- function(run) {
  start <- run$srcrefs[[run$current]][1L]
  calls <- sys.calls()
  texts <- NULL
  for (i in rev(seq_along(calls))) {
    ref <- attr(calls[[i]], "srcref")
    if (is.null(ref)) next
    srcfile <- attr(ref, "srcfile")
    if (!is.environment(srcfile) || !identical(srcfile$filename, "") || !is.character(srcfile$lines)) next
    if (is.null(texts)) {
      texts <- vapply(run$srcrefs[seq_len(run$current)], function(r) {
        paste0(run$lines[seq.int(r[1L], r[3L])], "\n", collapse = "")
      }, "")
    }
    k <- match(paste(srcfile$lines, collapse = "\n"), texts)
    if (!is.na(k)) return(run$srcrefs[[k]][1L] + ref[1L] - 1L)
  }
  start
}
