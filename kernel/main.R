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
  state$grants_dir <- hex_text(config$fields[4L])
  # The rest of the kernel, and its functions compiled by an earlier
  # session if there was one: what runs from here on runs compiled.
  state$compiled_cache <- hex_text(config$fields[3L])
  saved <- read_compiled(state$compiled_cache)
  load_rest(saved)
  state$compiled_loaded <- install_compiled(saved)
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

# The compiled kernel is kept between sessions (see
# server/src/kernel/compiledCache.ts, which names the file): R's JIT would
# otherwise compile the kernel's functions during the user's first
# executions, about 200 ms. Closures refer to the kernel's environment by a
# name, given back when they are loaded into a new kernel. The file also
# keeps the kernel's files parsed and the words they name (see
# load_rest()): reading them is most of what loading the kernel costs.
save_compiled <- function(path) {
  if (!nzchar(path)) return(invisible(FALSE))
  kernel <- environment(save_compiled)
  names <- ls(kernel)
  keep <- vapply(names, function(name) {
    f <- get(name, envir = kernel)
    typeof(f) == "closure" && identical(environment(f), kernel) && typeof(.Internal(bodyCode(f))) == "bytecode"
  }, NA)
  functions <- mget(names[keep], envir = kernel)
  files <- if (exists("KERNEL", envir = kernel, inherits = FALSE)) read_kernel_files(KERNEL$dir, KERNEL$files)
  temp <- paste0(path, ".", Sys.getpid(), ".tmp")
  on.exit(unlink(temp))
  # Uncompressed: it is read at every start, and is a few megabytes at most.
  saveRDS(list(r = R.version.string, functions = functions, parsed = files$parsed, named = files$named), temp,
    compress = FALSE, refhook = function(e) if (identical(e, kernel)) "kernel")
  Sys.chmod(temp, "600")
  invisible(file.rename(temp, path))
}

# What save_compiled() kept, if it is there, belongs to this user, is
# closed to others and was made by this R; else NULL. The server named the
# file after a hash of the kernel's files.
read_compiled <- function(path) {
  if (is.na(path) || !nzchar(path) || !private_file(path)) return(NULL)
  kernel <- environment(read_compiled)
  saved <- tryCatch(unserialize(readBin(path, "raw", file.size(path)), refhook = function(name) kernel), error = function(e) NULL)
  if (!is.list(saved) || !identical(saved$r, R.version.string) || !is.list(saved$functions)) return(NULL)
  saved
}

# Puts the compiled functions read_compiled() found in place of the kernel's
# own; TRUE when there were any.
install_compiled <- function(saved) {
  if (is.null(saved)) return(FALSE)
  kernel <- environment(install_compiled)
  for (name in names(saved$functions)) {
    f <- saved$functions[[name]]
    if (is.function(f) && identical(environment(f), kernel) && is.function(kernel[[name]])) assign(name, f, envir = kernel)
  }
  TRUE
}

load_compiled <- function(path) install_compiled(read_compiled(path))

# A regular file (not a link) of this user that nobody else can write.
private_file <- function(path) {
  info <- file.info(path, extra_cols = TRUE)
  !is.na(info$isdir) && !info$isdir && !nzchar(Sys.readlink(path)) &&
    identical(info$uname, Sys.info()[["effective_user"]]) && bitwAnd(as.integer(info$mode), 18L) == 0L
}

# The kernel's files parsed, and the words they name (every word of their
# text, operators like %in% and replacement functions like Encoding<- too):
# the names of the base functions the kernel may call are among them.
read_kernel_files <- function(dir, files) {
  paths <- file.path(dir, files)
  text <- unlist(lapply(paths, readLines, warn = FALSE))
  words <- unique(unlist(strsplit(text, "[^A-Za-z0-9._%]+", perl = TRUE)))
  parsed <- lapply(paths, parse, keep.source = FALSE)
  names(parsed) <- files
  list(parsed = parsed, named = c(words, paste0(words, "<-")))
}

# Loads the kernel's files that bootstrap.R left for after the config (all
# but those that say hello and read it), from what an earlier session kept
# when there is that, else from the files; and copies the base functions
# the kernel names into its parent (see bootstrap.R): base loads its
# functions lazily, and copying all of them would load every one, about
# 70 ms of each start.
load_rest <- function(saved) {
  boot <- KERNEL
  found <- if (is.list(saved$parsed) && is.character(saved$named)) saved else read_kernel_files(boot$dir, boot$files)
  named <- intersect(found$named, ls(baseenv(), all.names = TRUE, sorted = FALSE))
  base <- mget(named, envir = baseenv())
  list2env(base[vapply(base, is.function, NA)], envir = boot$originals)
  kernel <- environment(load_rest)
  cold <- character(0)
  for (file in setdiff(boot$files, boot$first)) {
    before <- ls(kernel)
    for (e in found$parsed[[file]]) eval(e, kernel)
    if (file %in% boot$capabilities) cold <- c(cold, setdiff(ls(kernel), before))
  }
  COLD_FUNCTIONS <<- cold
  invisible()
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
