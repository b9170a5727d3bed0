# Kernel requests: what the server asks of R between executions (the
# children of a variable, a fresh listing of the global environment; plot
# renders, data pages, help and completion are meant to join them). The
# server queues them behind the executions sent before them and sends one
# only while R runs nothing else.
#
# One table, one handler per method. A capability adds its own handlers
# from its own file with register_request(); a handler takes the request's
# params (parsed JSON, a list) and returns the result as JSON text. An error
# in a handler answers the request with a `failed` frame and its message.

request_handlers <- new.env(parent = emptyenv())

register_request <- function(method, handler) {
  assign(method, handler, envir = request_handlers)
  invisible()
}

handle_request <- function(id, method, body) {
  handler <- if (is.character(method) && nzchar(method)) get0(method, envir = request_handlers, inherits = FALSE)
  if (is.null(handler)) {
    write_frame("failed", id, body = condition_json(paste0("the kernel has no request '", method, "'"), NULL))
    return(invisible())
  }
  params <- if (length(body)) from_json(body) else list()
  # A request may take long (the children of a huge environment): the
  # server interrupts it when the client gives up on it or the user presses
  # Interrupt. An interrupt left over from before was not meant for it.
  discard_interrupt()
  result <- tryCatch(allowInterrupts(handler(params)), interrupt = function(e) NULL)
  if (is.null(result)) {
    write_frame("failed", id, body = condition_json("interrupted", NULL))
  } else {
    write_frame("response", id, body = result)
  }
}

# The variables view: children of a value, a page at a time.
register_request("variables/children", function(params) {
  result <- children(unlist(params$path), params$start %||% 0L, params$count %||% 100L)
  paste0("{\"total\":", result$total, ",\"variables\":[",
    paste(vapply(result$variables, variable_json, ""), collapse = ","), "]}")
})

# The variables view: everything in the global environment again, from
# scratch (the client's Refresh).
register_request("variables/refresh", function(params) {
  reset_snapshot() %||% "{\"added\":[],\"changed\":[],\"removed\":[]}"
})

# The variables view: descriptions that did not fit in an execution's
# budget (see DESCRIBE_BUDGET in symbols.R), a round at a time.
register_request("variables/describe", function(params) describe_pending())

# The kernel's own functions compiled while R is idle (see compile_round()).
register_request("kernel/compile", function(params) {
  to_json(list(remaining = compile_round(as.integer(params$count %||% 6L))))
})

# The client's console: R's width follows it, and cli-based packages (tibble,
# pillar, rlang's errors) colour their output as it can show (cli reads
# cli.num_colors; crayon, which older packages use, reads crayon.enabled and
# crayon.colors). A colour setting the user made themselves is left alone.
register_request("console/set", function(params) {
  if (!is.null(params$width)) options(width = as.integer(params$width))
  colors <- params$colors
  if (!is.null(colors)) {
    mine <- identical(getOption("cli.num_colors"), state$console_colors)
    if (is.null(getOption("cli.num_colors")) || mine) {
      colors <- as.integer(colors)
      options(cli.num_colors = colors, crayon.enabled = colors > 1L, crayon.colors = colors)
      state$console_colors <- colors
    }
  }
  "null"
})
