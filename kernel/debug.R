# Debugging: R's browser seen from the client, the locals of its frames,
# evaluation in a frame, and breakpoints.
#
# R's browser (browser(), debug(), debugonce(), trace(), recover(), a
# breakpoint) reads its commands from R's console like any prompt. When the
# server sees `Browse[n]> ` at the end of R's output it writes a call of
# browse_tool() at that prompt instead of asking the client at once; R
# evaluates it in the browsed frame, where the stack can be read: the
# frames, their calls and where each stands in its source. It sends that to
# the server (a `browser` frame), which asks the client, and serves the
# server's requests (the locals of a frame, an evaluation) until the
# client's answer comes (a `reply` frame). It then returns; R prompts again
# and the server writes the answer there, as the user typed it.
#
# Breakpoints are calls R's own browser understands: a breakpoint on a line
# inside a function puts `if (<kernel>$.rbridge_breakpoint(id)) browser()`
# before the expression of that line, in a copy of the function that keeps
# its source references (so R's stepping reports lines, and printing the
# function shows the code as written). Functions are matched to documents
# by their source text (code run from an editor reaches R through its
# console, so R knows only the text, not the file).

debug_state <- new.env(parent = emptyenv())
# The stop R is at (browse_tool() sets it): its depth, for frame numbers.
debug_state$depth <- NA_integer_
# The answer to the last stop and where it was (for the step after a breakpoint).
debug_state$last <- NULL
# The breakpoint whose browser() is being entered (its id), set by breakpoint_tool().
debug_state$hit <- NULL
# uri -> list(lines, path, breakpoints): the documents with breakpoints.
debug_state$documents <- list()
# id -> condition (a character string; "" for none): the breakpoints in effect.
debug_state$active <- new.env(parent = emptyenv())
# Functions holding breakpoints: list of list(name, env, original, instrumented, uri).
debug_state$instrumented <- list()
# Functions looked at for breakpoints and left as they were, by name (see instrument_all()).
debug_state$checked <- new.env(parent = emptyenv())
# R paused before a top-level expression (pause_before()): the breakpoint's id and the line.
debug_state$pause <- NULL

BROWSE_CALL_CHARS <- 200L
BROWSER_COMMANDS <- c("n", "s", "f", "c", "cont", "Q", "where", "help", "")
EVALUATE_OUTPUT_BYTES <- 65536L

# Called by the server at R's browser prompt (see the top of this file).
browse_tool <- function(id, level) {
  me <- sys.nframe()
  depth <- sys.parent()
  calls <- sys.calls()
  suspendInterrupts({
    # Nothing here may fail at the user's prompt: the stop is reported
    # (with what could be read) and served whatever happens.
    step <- tryCatch(read_stop(level, depth, calls, me), error = function(e) {
      list(info = list(level = level, depth = depth, call = "", frames = list(), problem = conditionMessage(e)))
    })
    if (!is.null(step$auto)) {
      # The server gives R the command at its next prompt: it says so (a
      # reply) before this returns, so that the prompt cannot come first.
      write_frame("browser", id, body = to_json(list(level = level, auto = step$auto)))
      serve_stopped(id)
    } else {
      info <- step$info
      debug_state$depth <- depth
      write_frame("browser", id, body = to_json(info))
      answer <- serve_stopped(id)
      debug_state$depth <- NA_integer_
      debug_state$last <- list(answer = answer, breakpoint = info$breakpointId, depth = depth, line = frame_line(info, depth))
    }
  })
  discard_interrupt()
  invisible()
}

# The stop's report, or the command R is to be given at once (see auto_step()).
read_stop <- function(level, depth, calls, me) {
  info <- stop_info(level, depth, calls, me)
  # An expression typed at a breakpoint's stop leaves R at that stop.
  last <- debug_state$last
  if (is.null(info$breakpointId) && !is.null(last$breakpoint) && !last$answer %in% BROWSER_COMMANDS &&
    identical(last$depth, depth) && depth > 0L && identical(last$line, frame_line(info, depth))) {
    info$breakpointId <- last$breakpoint
  }
  list(info = info, auto = auto_step(info))
}

# What the client is told of the stop: the frames (outermost first), their
# calls and where each stands in its source.
stop_info <- function(level, depth, calls, me) {
  hit <- debug_state$hit
  debug_state$hit <- NULL
  frames <- list()
  for (i in seq_len(depth)) {
    # Where frame i stands: the call it made into frame i + 1, or for the
    # browsed frame the expression it runs next: the srcref of this tool's
    # own call, which R made from there, unless other code entered the
    # browser (recover(), trace()): then its call from the browsed frame.
    ref <- if (i < depth) attr(calls[[i + 1L]], "srcref")
    if (i == depth && depth + 1L < me) ref <- attr(calls[[depth + 1L]], "srcref")
    if (i == depth && is.null(ref)) ref <- attr(calls[[me]], "srcref")
    frame <- c(list(index = i, call = call_text(calls[[i]]), name = call_name(calls[[i]])), srcref_info(ref))
    frames[[i]] <- frame
  }
  info <- list(level = level, depth = depth, call = if (depth > 0L) frames[[depth]]$call else "", frames = frames)
  pause <- debug_state$pause
  if (depth == 0L && !is.null(pause)) {
    # Paused before a top-level expression (pause_tool()): its line of the execution.
    info$execLine <- pause$line
    info$pause <- TRUE
    if (!is.null(pause$id)) info$breakpointId <- pause$id
  } else if (depth == 0L) {
    info$top <- srcref_info(attr(calls[[me]], "srcref"))
  }
  if (!is.null(hit) && depth > 0L) info$breakpointId <- hit
  info
}

# The line frame `depth` of a stop stands at (NULL when unknown).
frame_line <- function(info, depth) {
  if (depth < 1L || length(info$frames) < depth) return(NULL)
  info$frames[[depth]]$line1
}

call_text <- function(call) {
  text <- tryCatch(paste(deparse(call, width.cutoff = 500L, nlines = 1L), collapse = " "), error = function(e) "<call>")
  if (nchar(text) > BROWSE_CALL_CHARS) text <- paste0(substr(text, 1L, BROWSE_CALL_CHARS - 1L), "\u2026")
  text
}

call_name <- function(call) {
  f <- call[[1L]]
  if (is.symbol(f)) return(as.character(f))
  if (is.call(f) && length(f) == 3L && as.character(f[[1L]]) %in% c("::", ":::", "$", "@")) {
    return(paste(deparse(f, nlines = 1L), collapse = ""))
  }
  ""
}

# A source reference as the server maps it to a document: lines and
# (character) columns, and the file it came from, or the text R parsed
# (code typed or run from an editor reaches R through its console).
srcref_info <- function(ref) {
  if (is.null(ref) || length(ref) < 6L) return(list())
  srcfile <- attr(ref, "srcfile")
  info <- list(line1 = ref[1L], col1 = ref[5L], line2 = ref[3L], col2 = ref[6L])
  file <- srcfile_path(srcfile)
  if (!is.null(file)) {
    info$file <- file
  } else if (is.environment(srcfile) && !is.null(srcfile$lines)) {
    info$text <- paste(srcfile$lines, collapse = "\n")
    info$code <- paste(getSrcLines(srcfile, ref[1L], ref[1L]), collapse = "")
  }
  info
}

# The file a srcfile was read from (source(), sys.source()), absolute; NULL
# for text R parsed from its console or the kernel's own parse.
srcfile_path <- function(srcfile) {
  if (!is.environment(srcfile)) return(NULL)
  name <- srcfile$filename
  if (is.null(name) || !nzchar(name) || identical(name, "<code>") || identical(name, "<text>")) return(NULL)
  if (!isTRUE(srcfile$isFile) && is.null(srcfile$wd)) return(NULL)
  path <- if (grepl("^(/|~)", name)) name else file.path(srcfile$wd %||% getwd(), name)
  normalizePath(path, mustWork = FALSE)
}

# After `n` (or `s`) at a breakpoint's stop, R stops once more at the same
# line, before the expression itself (the breakpoint's browser() ran just
# before it): that stop is stepped over, so that one step runs one line.
auto_step <- function(info) {
  last <- debug_state$last
  debug_state$last <- NULL
  if (is.null(last) || is.null(last$breakpoint) || !last$answer %in% c("n", "s")) return(NULL)
  if (info$depth != last$depth || info$depth == 0L) return(NULL)
  line <- frame_line(info, info$depth)
  if (is.null(line) || !identical(line, last$line)) return(NULL)
  last$answer
}

# Serves the server's requests while R is stopped, until the answer to the
# stop comes; returns it ("" for a cancelled stop). Executions sent ahead of
# time are set aside for the main loop.
serve_stopped <- function(id) {
  repeat {
    frame <- read_frame_now()
    if (is.null(frame)) return("Q")
    if (frame$kind %in% c("reply", "cancel")) {
      if (frame$id != id) next
      return(if (frame$kind == "reply") sub("\n$", "", body_text(frame$body)) else "Q")
    }
    if (frame$kind == "request") {
      tryCatch(handle_request(frame$id, frame$fields[1L], frame$body), error = function(e) {
        write_frame("failed", frame$id, body = condition_json(conditionMessage(e), NULL))
      })
      next
    }
    state$frames[[length(state$frames) + 1L]] <- frame
  }
}

# The environment of frame `index` of the stop (0: the global environment).
stop_frame <- function(index) {
  index <- as.integer(index %||% debug_state$depth)
  depth <- debug_state$depth
  if (is.na(depth)) stop("R is not stopped in the browser")
  if (is.na(index) || index < 0L || index > depth) stop("no frame ", index, " (the stack has ", depth, ")")
  if (index == 0L) globalenv() else sys.frame(index)
}

# The locals of a frame, or the children of one of them.
register_request("debug/variables", function(params) {
  env <- stop_frame(params$frame)
  path <- unlist(params$path)
  start <- max(0L, as.integer(params$start %||% 0L))
  count <- max(0L, as.integer(params$count %||% 100L))
  result <- if (length(path)) children(path, start, count, env) else local_bindings(env, start, count)
  paste0("{\"total\":", result$total, ",\"variables\":[",
    paste(vapply(result$variables, variable_json, ""), collapse = ","), "]}")
})

local_bindings <- function(env, start, count) {
  names <- sort(ls(env, all.names = TRUE))
  take <- names[window_of(length(names), start, count)]
  kinds <- binding_kinds(env, take)
  vars <- list()
  for (i in seq_along(take)) vars[[i]] <- describe_binding(env, take[i], take[i], kinds[i])
  list(total = length(names), variables = vars)
}

# An expression for the debugger: evaluated in a frame of the stop, or in
# the global environment when R is not stopped. A hover only looks a name
# up: it evaluates no call and forces no promise.
register_request("debug/evaluate", function(params) {
  env <- if (is.na(debug_state$depth)) globalenv() else stop_frame(params$frame)
  text <- as.character(params$expression %||% "")
  if (identical(params$context, "hover")) return(to_json(hover_value(env, text)))
  exprs <- tryCatch(parse(text = text, keep.source = FALSE), error = function(e) e)
  if (inherits(exprs, "error")) return(to_json(list(value = conditionMessage(exprs), type = "", error = TRUE)))
  value <- NULL
  failed <- NULL
  output <- utils::capture.output(tryCatch(
    for (expr in exprs) {
      shown <- withVisible(eval(expr, env))
      value <- shown$value
      if (shown$visible) print(value)
    },
    error = function(e) failed <<- conditionMessage(e)
  ))
  text <- paste(output, collapse = "\n")
  if (!is.null(failed)) text <- paste0(if (nzchar(text)) paste0(text, "\n"), "Error: ", failed)
  if (nchar(text, type = "bytes") > EVALUATE_OUTPUT_BYTES) text <- paste0(strtrim(text, EVALUATE_OUTPUT_BYTES), "\u2026")
  result <- list(value = text, type = if (is.null(failed)) paste(class(value), collapse = "/") else "")
  if (!is.null(failed)) result$error <- TRUE
  name <- trimws(params$expression %||% "")
  if (is.null(failed) && is_name_text(name) && exists(name, envir = env, inherits = FALSE)) {
    result <- c(result, local_path(env, name))
  }
  to_json(result)
})

is_name_text <- function(text) length(text) == 1L && nzchar(text) && identical(make.names(text), text)

# A name's value for a hover: the binding where the name is found, not
# forced or called; NULL fields when the name is unknown.
hover_value <- function(env, name) {
  name <- trimws(name)
  if (!is_name_text(name)) return(list(value = "", type = ""))
  where <- env
  while (!identical(where, emptyenv()) && !exists(name, envir = where, inherits = FALSE)) where <- parent.env(where)
  if (identical(where, emptyenv())) return(list(value = "", type = ""))
  kind <- binding_kinds(where, name)
  if (kind == 1L) return(list(value = "<promise: not yet evaluated>", type = "promise"))
  if (kind == 2L) return(list(value = "<active binding>", type = "active"))
  value <- get(name, envir = where, inherits = FALSE)
  text <- paste(utils::capture.output(utils::str(value, max.level = 1L, list.len = 20L, give.attr = FALSE)), collapse = "\n")
  result <- list(value = text, type = paste(class(value), collapse = "/"))
  if (identical(where, env)) result <- c(result, local_path(env, name))
  result
}

local_path <- function(env, name) {
  if (binding_kinds(env, name) != 0L) return(list())
  v <- describe_value(name, name, env[[name]])
  if (!isTRUE(v$hasChildren)) return(list())
  list(path = list(name), children = as.integer(v$length %||% 0L))
}

# ---------------------------------------------------------------------------
# Breakpoints

# A breakpoint's call, in the function (see the top of this file): TRUE when
# R is to stop here, its condition (evaluated in the function's frame) TRUE
# when it has one. A breakpoint removed since is never TRUE.
breakpoint_tool <- function(id) {
  condition <- get0(as.character(id), envir = debug_state$active, inherits = FALSE)
  if (is.null(condition)) return(FALSE)
  if (nzchar(condition)) {
    ok <- tryCatch(isTRUE(eval(parse(text = condition, keep.source = FALSE)[[1L]], parent.frame())), error = function(e) FALSE)
    if (!ok) return(FALSE)
  }
  debug_state$hit <- id
  TRUE
}

# The breakpoints of one document: the whole set, replacing the last.
# Returns the ids that are in effect (in a function R has defined).
register_request("debug/breakpoints", function(params) {
  uri <- params$uri
  breakpoints <- lapply(params$breakpoints, function(b) list(id = as.integer(b$id), line = as.integer(b$line) + 1L, condition = as.character(b$condition %||% "")))
  for (id in ls(debug_state$active)) if (identical(attr(debug_state$active[[id]], "uri"), uri)) rm(list = id, envir = debug_state$active)
  for (b in breakpoints) assign(as.character(b$id), structure(b$condition, uri = uri), envir = debug_state$active)
  if (length(breakpoints)) {
    lines <- unlist(params$lines)
    if (is.null(lines)) lines <- debug_state$documents[[uri]]$lines
    debug_state$documents[[uri]] <- list(lines = as.character(lines), path = params$path, breakpoints = breakpoints)
  } else {
    debug_state$documents[[uri]] <- NULL
  }
  restore_instrumented(uri)
  debug_state$checked <- new.env(parent = emptyenv())
  verified <- instrument_all(globalenv(), uri)
  to_json(list(verified = as.list(verified)))
})

# Puts the functions breakpoints were put into back as they were.
restore_instrumented <- function(uri) {
  keep <- list()
  for (record in debug_state$instrumented) {
    if (!identical(record$uri, uri)) {
      keep[[length(keep) + 1L]] <- record
      next
    }
    env <- record$env
    if (exists(record$name, envir = env, inherits = FALSE) && binding_kinds(env, record$name) == 0L &&
      identical(get(record$name, envir = env, inherits = FALSE), record$instrumented)) {
      replace_binding(record$name, record$original, env)
    }
  }
  debug_state$instrumented <- keep
}

# Puts the breakpoints of document `uri` (all documents when NULL) into the
# functions of `env` that came from it (those named `names`, or all);
# returns the ids put in. A function already looked at and left as it was
# is not looked at again (debug_state$checked, by name, emptied when the
# breakpoints change).
instrument_all <- function(env, uri = NULL, names = NULL) {
  uris <- if (is.null(uri)) names(debug_state$documents) else intersect(uri, names(debug_state$documents))
  if (!length(uris)) return(integer(0))
  names <- if (is.null(names)) ls(env, all.names = TRUE, sorted = FALSE) else names[vapply(names, exists, NA, envir = env, inherits = FALSE)]
  if (!length(names)) return(integer(0))
  names <- names[binding_kinds(env, names) == 0L]
  values <- mget(names, envir = env)
  closures <- vapply(values, typeof, "") == "closure"
  verified <- integer(0)
  for (i in which(closures)) {
    name <- names[i]
    fun <- values[[i]]
    if (identical(debug_state$checked[[name]], fun) || is.null(attr(fun, "srcref"))) next
    if (any(vapply(debug_state$instrumented, function(r) identical(r$instrumented, fun), NA))) next
    placed <- integer(0)
    for (u in uris) {
      placed <- tryCatch(instrument_function(env, name, fun, u), error = function(e) integer(0))
      if (length(placed)) break
    }
    if (length(placed)) verified <- c(verified, placed) else assign(name, fun, envir = debug_state$checked)
  }
  verified
}

# The functions an execution defined get the breakpoints of their document:
# after each top-level expression those it assigns (`names`), at its end all
# (source() defines functions the code does not name). Called only while a
# document has breakpoints; the ids put in are reported.
instrument_new <- function(id, names = NULL) {
  if (!length(debug_state$documents) || (!is.null(names) && !length(names))) return(invisible())
  placed <- tryCatch(instrument_all(globalenv(), names = names), error = function(e) integer(0))
  if (length(placed)) write_frame("breakpoints", id, body = to_json(list(verified = as.list(placed))))
  invisible()
}

# A top-level call of source() or sys.source(): the functions it defines
# are not among the names the code assigns.
is_source_call <- function(expr) {
  is.call(expr) && (identical(expr[[1L]], as.name("source")) || identical(expr[[1L]], as.name("sys.source")) ||
    identical(expr[[1L]], quote(base::source)) || identical(expr[[1L]], quote(base::sys.source)))
}

# Where the function's text is in the document: the document line (1-based)
# of the srcfile's line `ref[1]`, or NA.
locate_function <- function(fun, document) {
  ref <- attr(fun, "srcref")
  srcfile <- attr(ref, "srcfile")
  file <- srcfile_path(srcfile)
  if (!is.null(file)) {
    return(if (!is.null(document$path) && identical(normalizePath(document$path, mustWork = FALSE), file)) ref[1L] else NA_integer_)
  }
  text <- getSrcLines(srcfile, ref[1L], ref[3L])
  text <- unlist(strsplit(paste(text, collapse = "\n"), "\n", fixed = TRUE))
  m <- length(text)
  lines <- document$lines
  if (!m || m > length(lines)) return(NA_integer_)
  candidates <- which(endsWith(lines, text[1L]))
  for (j in candidates) {
    if (j + m - 1L > length(lines)) next
    if (m == 1L || (startsWith(lines[j + m - 1L], text[m]) && (m <= 2L || identical(lines[(j + 1L):(j + m - 2L)], text[2L:(m - 1L)])))) return(j)
  }
  NA_integer_
}

instrument_function <- function(env, name, fun, uri) {
  document <- debug_state$documents[[uri]]
  at <- locate_function(fun, document)
  if (is.na(at)) return(integer(0))
  ref <- attr(fun, "srcref")
  # Breakpoints in the function's lines, in the srcfile's coordinates.
  wanted <- list()
  for (b in document$breakpoints) {
    line <- ref[1L] + (b$line - at)
    if (line >= ref[1L] && line <= ref[3L]) wanted[[length(wanted) + 1L]] <- list(id = b$id, line = line)
  }
  if (!length(wanted)) return(integer(0))
  placed <- new.env(parent = emptyenv())
  placed$ids <- integer(0)
  body <- with_breakpoints(body(fun), wanted, placed)
  if (!length(placed$ids)) return(integer(0))
  instrumented <- fun
  body(instrumented) <- body
  attributes(instrumented) <- attributes(fun)
  replace_binding(name, instrumented, env)
  debug_state$instrumented[[length(debug_state$instrumented) + 1L]] <- list(name = name, env = env, original = fun, instrumented = instrumented, uri = uri)
  placed$ids
}

# `expr` with the breakpoints' calls put before the expressions of their
# lines, in the innermost block (`{`) holding the line; function
# definitions inside are reached too. Each call takes the source reference
# of the expression it stops before.
with_breakpoints <- function(expr, wanted, placed) {
  if (!is.call(expr) || !length(wanted)) return(expr)
  refs <- attr(expr, "srcref")
  if (identical(expr[[1L]], as.name("{")) && is.list(refs) && length(refs) == length(expr)) {
    items <- as.list(expr)
    new_items <- list(items[[1L]])
    new_refs <- list(refs[[1L]])
    for (i in seq_along(items)[-1L]) {
      ref <- refs[[i]]
      here <- Filter(function(w) w$line >= ref[1L] && w$line <= ref[3L], wanted)
      item <- items[[i]]
      if (length(here)) {
        item <- with_breakpoints(item, here, placed)
        # Those no inner block took stop before this expression.
        left <- Filter(function(w) !w$id %in% placed$ids, here)
        if (length(left)) {
          new_items[[length(new_items) + 1L]] <- breakpoint_call(left[[1L]]$id)
          new_refs[[length(new_refs) + 1L]] <- ref
          placed$ids <- c(placed$ids, vapply(left, function(w) w$id, 0L))
        }
      }
      new_items[[length(new_items) + 1L]] <- if (is.null(item)) list(NULL) else item
      new_refs[[length(new_refs) + 1L]] <- ref
    }
    out <- as.call(lapply(new_items, function(x) if (is.list(x) && length(x) == 1L && is.null(x[[1L]])) NULL else x))
    attributes(out) <- attributes(expr)
    attr(out, "srcref") <- new_refs
    return(out)
  }
  # Into the arguments of other calls (if, for, function definitions...).
  changed <- FALSE
  for (k in seq_along(expr)[-1L]) {
    arg <- expr[[k]]
    if (missing(arg) || !is.call(arg)) next
    new <- with_breakpoints(arg, wanted, placed)
    if (!identical(new, arg)) {
      expr[[k]] <- new
      changed <- TRUE
    }
  }
  expr
}

breakpoint_call <- function(id) {
  substitute(if (base::as.environment("tools:rbridge")$.rbridge_breakpoint(ID)) base::browser(), list(ID = as.integer(id)))
}

# ---------------------------------------------------------------------------
# Breakpoints at the top level
#
# Code run from a document with breakpoints comes with them (the exec
# frame's breakpoint field: id and line of the code). Before handing R a
# top-level expression on such a line, the kernel hands it pause_tool()
# instead: R's browser at the top level, in the global environment, as
# browser() typed at R's prompt. When it ends, the expression follows (see
# resume_paused()); after `n` or `s` there, the next top-level expression
# stops too, so that the user can step through a script.

PAUSE_FUNCTION <- quote(base::as.environment("tools:rbridge")$.rbridge_pause)

is_pause_call <- function(expr) is.call(expr) && identical(expr[[1L]], PAUSE_FUNCTION)

pause_tool <- function() eval(quote(base::browser(skipCalls = 3L)), globalenv())

# Breakpoints of an execution, from its exec frame: "id:line,id:line".
parse_breaks <- function(text) {
  if (is.null(text) || is.na(text) || !nzchar(text)) return(NULL)
  pairs <- strsplit(strsplit(text, ",", fixed = TRUE)[[1L]], ":", fixed = TRUE)
  lapply(pairs, function(p) list(id = as.integer(p[1L]), line = as.integer(p[2L])))
}

# Hands R pause_tool() before `group` when a breakpoint is on its first
# expression's line (or on the comments and blank lines before it), or when
# the user steps at the top level; FALSE when R is to run the group now.
pause_before <- function(run, group) {
  if (is.null(state$console)) return(FALSE)
  first <- run$srcrefs[[group$exprs[1L]]][1L]
  hit <- NULL
  for (b in run$breaks) {
    if (b$line < group$from || b$line > first) next
    condition <- get0(as.character(b$id), envir = debug_state$active, inherits = FALSE)
    if (is.null(condition)) next
    if (nzchar(condition) && !isTRUE(tryCatch(eval(parse(text = condition, keep.source = FALSE)[[1L]], globalenv()), error = function(e) FALSE))) next
    hit <- b$id
    break
  }
  if (is.null(hit) && !isTRUE(run$step_top)) return(FALSE)
  run$step_top <- FALSE
  run$paused <- group
  debug_state$pause <- list(id = hit, line = first)
  state$feeds <- state$feeds + 1
  options(prompt = paste0(state$marker, "q", run$id, ".", state$feeds, "\036"))
  write_console(paste0(deparse(as.call(list(PAUSE_FUNCTION))), "\n"))
  TRUE
}

# pause_tool() returned (the browser was left with c, n or s): the group it
# stood before goes to R now.
resume_paused <- function() {
  run <- state$run
  group <- run$paused
  run$paused <- NULL
  debug_state$pause <- NULL
  last <- debug_state$last
  debug_state$last <- NULL
  if (is.null(run) || is.null(group)) return(invisible())
  if (!is.null(last) && identical(last$depth, 0L) && last$answer %in% c("n", "s")) run$step_top <- TRUE
  hand_over(run, group$from, group$to)
}
