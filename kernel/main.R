# Start-up and the loop that serves the server's frames.
#
# start() runs from R's profile stage: it connects to the server, says
# hello, runs the user's profile as allowed, and sets up the hooks through
# which R's own read-eval-print loop hands control back to the kernel
# (repl.R). Then R finishes starting and its loop reads the console pipe;
# the kernel serves frames whenever R runs no user code.
#
# Interrupts: the serving runs with interrupts suspended, and only user
# code runs with them allowed. A SIGINT that lands while the kernel waits
# for a frame or does its own bookkeeping stays pending instead of
# unwinding the kernel, and is discarded before the next execution starts.

take_env <- function(name) {
  value <- Sys.getenv(name)
  Sys.unsetenv(name)
  value
}

start <- function() {
  status <- main()
  if (status != 0L) quit(save = "no", status = status, runLast = FALSE)
}

# Tells the server why R is about to go away when user code, not the
# server, ends R (quit()); the server reports it as the cause of death.
say_bye <- function(cause, reason) {
  if (isTRUE(state$finished)) return(invisible())
  state$finished <- TRUE
  try(write_frame("bye", 0L, cause, body = reason), silent = TRUE)
  invisible()
}

main <- function() {
  to_kernel <- take_env("RBRIDGE_TO_KERNEL")
  from_kernel <- take_env("RBRIDGE_FROM_KERNEL")
  grants <- take_env("RBRIDGE_GRANTS")
  secret <- take_env("RBRIDGE_SECRET")
  environ_set <- identical(take_env("RBRIDGE_ENVIRON_USER"), "set")
  Sys.unsetenv("R_PROFILE_USER")
  # Private handles on the two output pipes, so that the end-of-output marker
  # reaches the server even while user code diverts output with sink().
  state$out <- file("/dev/fd/1", open = "abe", raw = TRUE)
  state$err <- file("/dev/fd/2", open = "abe", raw = TRUE)
  connect(to_kernel, from_kernel, grants, secret)
  # Only look for the packages here: loading them costs start-up time and
  # happens on first use (rlang at the first non-empty snapshot, jsonlite at
  # the first request with a JSON body).
  has_rlang <<- nzchar(system.file(package = "rlang"))
  has_jsonlite <- nzchar(system.file(package = "jsonlite"))
  write_frame("hello", 0L, body = hello_json(has_jsonlite))
  if (!has_jsonlite) return(1L)
  # The rest of what the kernel needs to know comes from the server on the
  # private channel, never from the environment: a workspace's .Renviron
  # can set any environment variable before the kernel runs.
  config <- read_frame()
  if (is.null(config) || config$kind != "config") return(1L)
  state$marker <- paste0("\036RBM", config$fields[1L], ":")
  # The server set R_ENVIRON_USER to keep R from reading the working
  # directory's .Renviron, before it knew the workspace was trusted (R was
  # started ahead of the session; there was no such file to read).
  if (environ_set && identical(config$fields[2L], "trusted")) Sys.unsetenv("R_ENVIRON_USER")
  # The kernel's functions compiled by an earlier session, if any: what
  # runs from here on runs compiled.
  state$grants_dir <- hex_text(config$fields[4L])
  state$compiled_cache <- hex_text(config$fields[3L])
  state$compiled_loaded <- load_compiled(state$compiled_cache)
  install_input_functions()
  install_console_functions()
  options(keep.source = TRUE, device.ask.default = FALSE)
  # Before the profile: the kernel's task callback must come before any the
  # profile adds.
  ensure_hooks()
  # Before the profile too: a profile that sets options(device) wins.
  install_plots()
  install_help()
  run_profile(config$fields[2L], body_text(config$body))
  # quit() in user code ends R without unwinding: R runs exit finalizers.
  reg.finalizer(state, function(e) say_bye("quit", "R was quit by the code being run (quit() or q())"), onexit = TRUE)
  # After the profile, so that the prompt is the kernel's whatever the
  # profile set. R then attaches the default packages, runs .First() and
  # starts its loop.
  install_repl()
  0L
}

hello_json <- function(has_jsonlite) {
  paste0(
    "{\"protocol\":", PROTOCOL_VERSION,
    ",\"pid\":", Sys.getpid(),
    ",\"rVersion\":", json_string(paste(R.version$major, R.version$minor, sep = ".")),
    ",\"rlang\":", if (has_rlang) "true" else "false",
    ",\"jsonlite\":", if (has_jsonlite) json_string(as.character(utils::packageVersion("jsonlite"))) else "null",
    # The server removes R's temporary folder when R is killed, which R
    # cannot do itself: TMPDIR from a .Renviron may have put it anywhere.
    ",\"tempDir\":", json_string(tempdir()),
    "}"
  )
}

# R's own rule for the user profile, applied only when the client said the
# workspace is trusted: the file R_PROFILE_USER names if it was set, else
# ./.Rprofile if there is one, else ~/.Rprofile. In an untrusted workspace
# only the user's own ~/.Rprofile runs.
run_profile <- function(which, user_profile = "") {
  files <- switch(which,
    trusted = if (nzchar(user_profile)) user_profile else if (file.exists(".Rprofile")) ".Rprofile" else path.expand("~/.Rprofile"),
    home = path.expand("~/.Rprofile"),
    character(0)
  )
  files <- files[file.exists(files)]
  for (f in files) {
    outcome <- tryCatch(
      {
        sys.source(f, envir = globalenv(), keep.source = FALSE)
        NULL
      },
      error = function(e) conditionMessage(e),
      # A profile that asks for console input gets no answer at start-up.
      interrupt = function(e) "interrupted (it asked for console input, which is not available at start-up)"
    )
    if (!is.null(outcome)) cat("Error in the profile ", f, ": ", outcome, "\n", sep = "", file = stderr())
  }
}

serve_frames <- function() {
  repeat {
    frame <- next_frame()
    if (is.null(frame)) return(0L)
    status <- tryCatch(handle(frame), error = function(e) {
      message <- conditionMessage(e)
      log_line("kernel error while handling '", frame$kind, "': ", message)
      if (frame$kind == "exec") {
        state$run <- NULL
        # The execution still ends the ordinary way (output markers, then
        # its answer), with the failure said where the user looks.
        to_stderr(paste0("Error in the R kernel: ", message, "\n"))
        end_of_output(frame$id)
        write_frame("done", frame$id, c("error", 0L), body = condition_json(paste("the R kernel failed:", message), NULL))
      } else {
        write_frame("failed", frame$id, body = condition_json(message, NULL))
      }
      NULL
    })
    if (identical(status, "stop")) return(0L)
    if (identical(status, "fed")) return("fed")
  }
}

handle <- function(frame) {
  switch(frame$kind,
    exec = exec_request(frame$id, as.integer(frame$fields[1L]), body_text(frame$body), frame$fields[2L]),
    request = handle_request(frame$id, frame$fields[1L], frame$body),
    # Input replies and cancellations that arrive after the code that asked
    # has ended are stale.
    reply = NULL,
    cancel = NULL,
    shutdown = "stop",
    log_line("unknown frame kind '", frame$kind, "'")
  )
}

`%||%` <- function(a, b) if (is.null(a)) b else a
