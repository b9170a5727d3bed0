# Console input (readline(), menu(), readLines(stdin()), scan(file = "")).
#
# R's stdin is not a terminal the user types into, so the functions that read
# the console are replaced, in base and utils, by versions that ask the
# client through the server (an `input` frame; the server turns it into an
# r/input request) and wait for the answer on the kernel connection. A
# cancelled request interrupts the code that asked, as Ctrl+C would.

current_exec <- new.env(parent = emptyenv())
current_exec$id <- "0"
current_exec$line <- 0L

interrupt_condition <- function(message) {
  structure(class = c("interrupt", "condition"), list(message = message, call = NULL))
}

ask_client <- function(prompt) {
  # A forked child reading the console would race the kernel for its frames.
  if (Sys.getpid() != state$pid) {
    stop("console input is not available in a forked process (such as the workers of parallel::mclapply())", call. = FALSE)
  }
  prompt <- paste(as.character(prompt), collapse = "")
  write_frame("input", current_exec$id, body = prompt)
  repeat {
    frame <- next_input_frame()
    if (is.null(frame)) stop(interrupt_condition("the server went away while R was waiting for input"))
    if (frame$id != current_exec$id) next
    if (frame$kind == "cancel") stop(interrupt_condition("input cancelled"))
    if (length(frame$fields) && frame$fields[1L] == "eof") return(NULL)
    return(body_text(frame$body))
  }
}

# The next reply or cancellation from the channel (NULL when the server has
# gone). Replies and cancellations for other ids are stale: an interrupt
# already ended the request they answer. Other frames (executions sent ahead
# of time) are set aside for the main loop in the same step as they are read,
# with interrupts suspended: the server repeats interrupts while R waits, and
# one that landed between reading a frame and setting it aside would lose it.
next_input_frame <- function() {
  suspendInterrupts({
    frame <- read_frame_now()
    while (!is.null(frame) && !frame$kind %in% c("reply", "cancel")) {
      state$frames[[length(state$frames) + 1L]] <- frame
      frame <- read_frame_now()
    }
    frame
  })
}

input_readline <- function(prompt = "") {
  text <- ask_client(prompt)
  if (is.null(text)) "" else sub("\n$", "", text)
}

is_console_input <- function(con) {
  if (is.character(con)) return(identical(con, "stdin") || identical(con, ""))
  if (!inherits(con, "connection")) return(FALSE)
  identical(tryCatch(summary(con)$description, error = function(e) ""), "stdin")
}

install_input_functions <- function() {
  original_readlines <- base::readLines
  original_scan <- base::scan

  readLines_impl <- function(con = stdin(), n = -1L, ok = TRUE, warn = TRUE, encoding = "unknown", skipNul = FALSE) {
    if (!is_console_input(con)) {
      return(original_readlines(con, n, ok, warn, encoding, skipNul))
    }
    lines <- character(0)
    while (n < 0L || length(lines) < n) {
      text <- ask_client("")
      if (is.null(text)) break
      lines <- c(lines, sub("\n$", "", text))
    }
    lines
  }
  scan_impl <- function(file = "", ..., text) {
    if (!missing(text) || !is_console_input(file)) {
      # Not console input: the original scan() gets the call exactly as it
      # was made (scan() itself looks at which arguments are missing).
      call <- sys.call()
      call[[1L]] <- original_scan
      return(eval(call, parent.frame()))
    }
    # Read until an empty line, as R's console does, then let scan() parse it.
    lines <- character(0)
    repeat {
      text <- ask_client(paste0(length(lines) + 1L, ": "))
      if (is.null(text) || !nzchar(text <- sub("\n$", "", text))) break
      lines <- c(lines, text)
    }
    original_scan(text = lines, ...)
  }
  menu_impl <- function(choices, graphics = FALSE, title = NULL) {
    n <- length(choices)
    if (!is.null(title)) cat(title, "\n\n", sep = "")
    cat(paste0(format(seq_len(n)), ": ", choices), sep = "\n")
    repeat {
      answer <- ask_client("\nSelection: ")
      # End of input answers the menu with 0 (no choice), as R does.
      if (is.null(answer)) return(0L)
      answer <- trimws(sub("\n$", "", answer))
      choice <- suppressWarnings(as.integer(answer))
      if (!is.na(choice) && choice >= 0L && choice <= n) return(choice)
      cat("Enter an item from the menu, or 0 to exit\n")
    }
  }
  replace_binding("readline", input_readline, baseenv())
  replace_binding("readLines", readLines_impl, baseenv())
  replace_binding("scan", scan_impl, baseenv())
  utils <- asNamespace("utils")
  replace_binding("menu", menu_impl, utils)
  if ("package:utils" %in% search()) replace_binding("menu", menu_impl, as.environment("package:utils"))
}

replace_binding <- function(name, value, env) {
  locked <- bindingIsLocked(name, env)
  if (locked) unlockBinding(name, env)
  assign(name, value, envir = env)
  if (locked) lockBinding(name, env)
}
