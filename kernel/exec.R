# Executions: their start (exec_request), the parse and its errors, the
# echo, and the kernel's own evaluation of code that R's console cannot
# take (a line longer than it reads, see repl.R). Everything else runs
# through R's own loop (repl.R).
#
# The kernel's evaluation keeps the semantics of R's console as far as it
# can from inside a function: each top-level expression is evaluated in the
# global environment in turn, visible values are printed (print() for S3 and
# plain values, show() for S4, dispatched from the global environment so
# that user methods are found), warnings are printed the way R prints them,
# and an error stops the rest of the code when asked to.

# The call that evaluates user code. Conditions raised directly at top level
# carry this call; R's console shows those without a call, and so do we.
EVAL_CALL <- quote(eval(expr, .GlobalEnv))
PRINT_CALL <- as.call(list(base::print, quote(x)))
SHOW_CALL <- as.call(list(methods::show, quote(x)))

BASE <- baseenv()

# An interrupt R holds pending is delivered and caught. (Not resumed from a
# calling handler: R delivers it from inside Sys.sleep() without the
# "resume" restart.)
discard_interrupt <- function() {
  tryCatch(allowInterrupts(Sys.sleep(0)), interrupt = no_interrupt)
}

no_interrupt <- function(i) NULL

# `breaks`: the breakpoints in the code, when it came from a document that
# has some ("id:line,..."; see pause_before()); NA for none.
exec_request <- function(id, flags, code, breaks = NA_character_) {
  if (bitwAnd(flags, FLAG_CLAIM) && !claim(id)) {
    end_of_output(id)
    write_frame("done", id, c("cancelled", 0L))
    return(invisible())
  }
  current_exec$id <- id
  start_run(id, code, bitwAnd(flags, FLAG_STOP_ON_ERROR) != 0L, bitwAnd(flags, FLAG_ECHO) != 0L, breaks)
}

no_targets <- function(e) character(0)

symbols_failed <- function(e) {
  log_line("changed-symbol bookkeeping failed: ", conditionMessage(e))
  NULL
}

# Keeps stdout and stderr in the order R wrote them. The server reads the two
# pipes separately and cannot tell which of two writes on different pipes
# came first, so text on stderr is fenced: a sync marker on both streams
# before it and after it. The server lets nothing after sync n on one
# stream pass before the other stream has reached sync n too (see
# StreamMerger in server/src/kernel/outputStream.ts).
sync_streams <- function() {
  state$sync <- state$sync + 1L
  mark_streams(paste0("s", state$sync))
}
state$sync <- 0L

# Text for stderr, in its place among the output (an interrupt cannot land
# between the markers and leave one stream waiting for the other).
to_stderr <- function(text) {
  suspendInterrupts({
    sync_streams()
    cat(text, file = stderr())
    flush(stderr())
    sync_streams()
  })
}

# message() as R's default handler does it, fenced like all text on stderr.
# Handlers in user code (suppressMessages(), withCallingHandlers()) run
# before this one, which is established outside them.
on_message <- function(m) {
  to_stderr(conditionMessage(m))
  invokeRestart("muffleMessage")
}

# Writes the end-of-output marker to both of R's output streams. The server
# answers an execution only once it has read the marker on both, so that all
# of the execution's output (from R, from C code, from child processes) has
# reached it first.
end_of_output <- function(id) mark_streams(id)

# Writes marker `id` (an execution's seq, or s<n> for a sync) to both
# streams, after whatever R still holds in its buffers, past any sink().
# (flush.connection() rather than flush(): this is on the path of every
# execution, and it skips the S3 dispatch.)
mark_streams <- function(id) {
  flush.connection(stdout())
  flush.connection(stderr())
  mark <- paste0(state$marker, id, "\036")
  # A value printed last is still in state$out's buffer (print_buffered):
  # it goes out in the same write as the marker.
  write_text(mark, state$out)
  state$out_pending <- FALSE
  write_text(mark, state$err)
}

outcome_of <- function(status, line = 0L, detail = "", targets = character(0)) {
  list(status = status, line = line, detail = detail, targets = targets)
}

condition_json <- function(message, call) {
  paste0("{\"message\":", json_string(message), ",\"call\":", if (is.null(call)) "null" else json_string(call), "}")
}

# What srcfilecopy() makes, without its checks and clock reads (this is on
# the path of every execution).
code_srcfile <- function(lines) {
  srcfile <- new.env(hash = FALSE, parent = emptyenv())
  srcfile$filename <- "<code>"
  srcfile$wd <- ""
  srcfile$isFile <- FALSE
  srcfile$lines <- lines
  srcfile$fixedNewlines <- TRUE
  srcfile$timestamp <- SRCFILE_TIME
  srcfile$Enc <- "unknown"
  class(srcfile) <- c("srcfilecopy", "srcfile")
  srcfile
}
SRCFILE_TIME <- Sys.time()

parse_code <- function(code) {
  lines <- strsplit(code, "\n", fixed = TRUE)[[1L]]
  srcfile <- code_srcfile(lines)
  # Parse data (for getParseData()) costs ten times the parse itself, and
  # console code has no use for it; the user's own setting is kept.
  saved <- options(keep.parse.data = FALSE)
  exprs <- tryCatch(
    parse(text = code, keep.source = TRUE, srcfile = srcfile, encoding = "UTF-8"),
    error = function(e) e
  )
  options(saved)
  list(exprs = exprs, lines = lines, srcfile = srcfile)
}

parse_failure <- function(e, lines, echo = FALSE) {
  message <- conditionMessage(e)
  where <- regmatches(message, regexec("^[^\n]*?:([0-9]+):([0-9]+): ([^\n]*)", message))[[1L]]
  if (length(where) == 4L) {
    line <- as.integer(where[2L])
    column <- as.integer(where[3L])
    what <- where[4L]
  } else {
    line <- 1L
    column <- 0L
    what <- message
  }
  incomplete <- grepl("INCOMPLETE_STRING", message, fixed = TRUE) || (column == 0L && line > length(lines))
  if (incomplete) {
    return(outcome_of("incomplete", min(line, max(1L, length(lines))), condition_json("incomplete expression", NULL)))
  }
  context <- if (line >= 1L && line <= length(lines)) lines[line] else ""
  # The code up to the line that does not parse, then the error, as R's
  # console shows it (nothing of it runs).
  if (echo) echo_lines(lines, 0L, min(line, length(lines)), unparsed_continued(lines, line))
  text <- paste0("Error: ", what, " in line ", line, ": ", context, "\n")
  to_stderr(text)
  outcome_of("parseError", line, condition_json(paste0(what, " (line ", line, ", column ", column, ")"), NULL))
}

# The echo shows the code as it was written, whole lines at a time, as R's
# console shows what is typed at its prompt: a line with several
# expressions (`a; b`) once, before the first of them runs, with its
# comments, and with any characters (srcref columns count bytes and
# characters differently, so no line is cut at a column). Lines between
# expressions (comments, blank lines) come with the expression after them.
# Writes lines from + 1 to `to` (1-based) and returns the last line written.
echo_lines <- function(lines, from, to, continued) {
  if (to <= from) return(from)
  at <- seq.int(from + 1L, to)
  prompts <- ifelse(continued[at], state$user_continue %||% "+ ", state$user_prompt %||% "> ")
  cat(paste0(prompts, lines[at], "\n"), sep = "", file = stdout())
  to
}

# For each line: whether it continues an expression begun on a line above
# (its prompt is then the continuation prompt).
continued_lines <- function(n, srcrefs) {
  continued <- logical(n)
  for (ref in srcrefs) if (ref[3L] > ref[1L]) continued[seq.int(ref[1L] + 1L, ref[3L])] <- TRUE
  continued
}

# The same for code that does not parse at line `bad`: the complete
# expressions before it are found by parsing the lines above it (up to 50
# tries, going up from the line before the failure, for the start of the
# expression that fails); the failing expression continues from its first
# line to `bad`.
unparsed_continued <- function(lines, bad) {
  n <- length(lines)
  continued <- logical(n)
  bad <- min(bad, n)
  if (bad <= 1L) return(continued)
  for (k in seq.int(bad - 1L, max(0L, bad - 51L))) {
    if (k == 0L) {
      refs <- list()
    } else {
      parsed <- tryCatch(parse(text = lines[seq_len(k)], keep.source = TRUE), error = function(e) NULL)
      if (is.null(parsed)) next
      refs <- attr(parsed, "srcref")
    }
    continued <- continued_lines(n, refs)
    if (bad > k + 1L) continued[seq.int(k + 2L, bad)] <- TRUE
    return(continued)
  }
  # Not found near the failure: one expression from the first line.
  continued[seq.int(2L, bad)] <- TRUE
  continued
}

# Evaluates one top-level expression; NULL on success, else a description of
# the failure.
eval_top <- function(expr, srcfile) {
  error_line <- NA_integer_
  tryCatch(
    withCallingHandlers(
      {
        allowInterrupts({
          value <- withVisible(eval(expr, .GlobalEnv))
          if (value$visible) {
            # .Last.value is kept for printed values only: a reference from
            # the base environment to the value of `x <- big` would make
            # R copy `big` on the next in-place change.
            unlockBinding(".Last.value", BASE)
            .Internal(assign(".Last.value", value[[1L]], BASE, FALSE))
            lockBinding(".Last.value", BASE)
            print_value(value$value)
          }
          # Drop the list's reference so that the value can still be modified
          # in place later (a reference held here would force a copy).
          value[1L] <- list(NULL)
        })
        NULL
      },
      warning = on_warning,
      message = on_message,
      error = function(e) {
        error_line <<- innermost_line(srcfile)
        record_traceback()
      }
    ),
    interrupt = function(e) list(status = "interrupted"),
    error = function(e) {
      call <- conditionCall(e)
      if (identical(call, EVAL_CALL)) call <- NULL
      message <- conditionMessage(e)
      to_stderr(format_error(message, call))
      dcall <- if (is.null(call)) NULL else deparse_call(call)
      line <- if (is.na(error_line)) current_exec$line else error_line
      write_frame("cond", current_exec$id, c("error", line), body = condition_json(message, dcall))
      list(status = "error", line = error_line, detail = condition_json(message, dcall))
    }
  )
}

print_value <- function(x) {
  # As R's console: plain values print directly, objects and functions
  # through print()/show() called from the global environment.
  if (!is.object(x) && !is.function(x)) {
    if (is.atomic(x) && length(x) <= 10000L && .Internal(sink.number(TRUE)) == 0L) return(print_buffered(x))
    return(print.default(x))
  }
  env <- new.env(parent = .GlobalEnv)
  env$x <- x
  on.exit(rm("x", envir = env))
  if (isS4(x) && !is.environment(x)) eval(SHOW_CALL, env) else eval(PRINT_CALL, env)
}

# A small plain value is printed into the kernel's buffered handle on
# stdout and reaches the pipe in one write (with the end-of-output marker
# when it is the last): R writes every printed fragment separately ("[1]",
# " 2", "\n"), and each write wakes the server. The sink is popped however
# print ends (an interrupt included).
print_buffered <- function(x) {
  .Internal(sink(state$out, FALSE, FALSE, FALSE))
  on.exit({
    .Internal(sink(-1L, FALSE, FALSE, FALSE))
    state$out_pending <- TRUE
  })
  print.default(x)
}

# Sends what print_buffered() left in the buffer, before anything else can
# write to stdout (the next expression, its echo).
flush_printed <- function() {
  if (isTRUE(state$out_pending)) {
    flush.connection(state$out)
    state$out_pending <- FALSE
  }
}

# The line, within the executed code, of the innermost call that failed.
innermost_line <- function(srcfile) {
  calls <- sys.calls()
  for (i in rev(seq_along(calls))) {
    ref <- attr(calls[[i]], "srcref")
    if (!is.null(ref) && identical(attr(ref, "srcfile"), srcfile)) return(ref[1L])
  }
  NA_integer_
}

record_traceback <- function() {
  calls <- sys.calls()
  start <- 0L
  for (i in seq_along(calls)) if (identical(calls[[i]], EVAL_CALL)) start <- i
  keep <- calls[-seq_len(start)]
  # Drop the frames of the condition handling itself (.handleSimpleError(),
  # the handler, this function), as R's own traceback does.
  handler_frame <- function(call) {
    head <- call[[1L]]
    is.function(head) || identical(head, quote(h)) || identical(head, quote(.handleSimpleError)) ||
      identical(head, quote(record_traceback))
  }
  n <- 0L
  while (n < length(keep) && !handler_frame(keep[[n + 1L]])) n <- n + 1L
  last$traceback <- rev(keep[seq_len(n)])
}

deparse_call <- function(call) paste(deparse(call, nlines = 1L, width.cutoff = 500L), collapse = " ")

format_error <- function(message, call) {
  if (is.null(call)) return(paste0("Error: ", message, "\n"))
  dcall <- deparse_call(call)
  sep <- if (nchar(dcall, "w") + nchar(message, "w") > 77L || grepl("\n", message, fixed = TRUE)) " : \n  " else " : "
  paste0("Error in ", dcall, sep, message, "\n")
}

# The traceback and warnings of code the kernel evaluated itself.
last <- new.env(parent = emptyenv())
last$traceback <- NULL
last$warnings <- NULL

install_console_functions <- function() {
  # As R's own, except that the kernel's channel and its private handles on
  # the output pipes stay open: closing them would end the session.
  close_all_impl <- function() {
    if (sink.number(type = "message") > 0L) sink(stderr(), type = "message")
    n <- sink.number()
    if (n > 0L) for (i in seq_len(n)) sink()
    gc()
    own <- vapply(Filter(Negate(is.null), list(state$input, state$output, state$grants_bell, state$out, state$err, state$console, state$console_unread)), as.integer, 0L)
    set <- getAllConnections()
    for (i in set[set > 2L & !(set %in% own)]) close(getConnection(i))
    invisible()
  }
  replace_binding("closeAllConnections", close_all_impl, baseenv())
}

# Warnings follow options(warn): below 0 ignored, 0 collected and printed
# after the top-level expression, 1 printed at once, 2 and above left to R,
# which turns them into errors.
pending <- new.env(parent = emptyenv())
pending$warnings <- list()
pending$count <- 0L

on_warning <- function(w) {
  level <- getOption("warn", 0L)
  if (!is.numeric(level) || is.na(level)) level <- 0L
  if (level >= 2L) return()
  call <- conditionCall(w)
  if (identical(call, EVAL_CALL)) call <- NULL
  message <- conditionMessage(w)
  if (level >= 0L) {
    if (pending$count < 50L) {
      write_frame("cond", current_exec$id, c("warning", current_exec$line),
        body = condition_json(message, if (is.null(call)) NULL else deparse_call(call)))
    }
    if (level >= 1L) {
      to_stderr(format_warning(message, call, "Warning"))
    } else {
      pending$count <- pending$count + 1L
      if (length(pending$warnings) < 50L) pending$warnings[[length(pending$warnings) + 1L]] <- list(message = message, call = call)
    }
  }
  invokeRestart("muffleWarning")
}

format_warning <- function(message, call, label) {
  if (is.null(call)) return(paste0(label, ": ", message, "\n"))
  paste0(label, " in ", deparse_call(call), " : ", message, "\n")
}

flush_warnings <- function() {
  ws <- pending$warnings
  count <- pending$count
  if (!count) return(invisible())
  pending$warnings <- list()
  pending$count <- 0L
  one <- function(w) {
    if (is.null(w$call)) w$message else paste0("In ", deparse_call(w$call), " : ", w$message)
  }
  text <- if (count == 1L) {
    paste0("Warning message:\n", one(ws[[1L]]), "\n")
  } else if (count <= 10L) {
    paste0("Warning messages:\n", paste0(seq_along(ws), ": ", vapply(ws, one, ""), "\n", collapse = ""))
  } else if (count < 50L) {
    paste0("There were ", count, " warnings (use warnings() to see them)\n")
  } else {
    "There were 50 or more warnings (use warnings() to see the first 50)\n"
  }
  to_stderr(text)
  calls <- lapply(ws, function(w) w$call)
  names(calls) <- vapply(ws, function(w) w$message, "")
  last$warnings <- calls
  invisible()
}
