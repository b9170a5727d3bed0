# The kernel wire: framed messages on two FIFOs shared with the server.
#
# A frame is a 12-byte header (the length L of the rest as 11 zero-padded
# decimal digits, then "\n") followed by L bytes: one line of space-separated
# ASCII fields (kind, id, extra fields), "\n", then the body (raw bytes, UTF-8
# text or JSON depending on the kind). docs/protocol.md describes every kind.
#
# The hot path (exec in, done out) never calls jsonlite: headers are plain text
# and the body of an exec frame is the code itself.

PROTOCOL_VERSION <- 7L

# The frame kinds each way, as server/src/kernel/wire.ts declares them
# (test/protocolDoc.test.ts checks that the two lists agree).
TO_KERNEL_KINDS <- c("config", "exec", "request", "reply", "cancel", "shutdown")
FROM_KERNEL_KINDS <- c("hello", "ready", "symbols", "cond", "input", "done", "response", "failed", "log", "bye", "plot", "plots", "view", "help", "job", "browser", "breakpoints")

# Flags of an exec frame (ExecFlags in wire.ts).
FLAG_STOP_ON_ERROR <- 1L
FLAG_ECHO <- 2L
FLAG_CLAIM <- 4L

state <- new.env(parent = emptyenv())
# The kernel's own process: forked children (parallel::mclapply) have another.
state$pid <- Sys.getpid()

NEWLINE <- as.raw(10L)

# readBin(), writeBin() and cat() check their arguments at every call
# (%in%, mode(), typeof()): several times the cost of the transfer itself
# on the path of every execution. The kernel's frames and markers call what
# they call, with arguments the kernel knows to be right, where base calls
# it that way (checked once; another R gets the functions themselves).
INTERNAL_IO <- local({
  last <- function(f) body(f)[[length(body(f))]]
  identical(last(base::readBin), quote(.Internal(readBin(con, what, n, size, signed, swap)))) &&
    identical(last(base::writeBin), quote(.Internal(writeBin(object, con, size, swap, useBytes)))) &&
    identical(last(base::cat), quote(.Internal(cat(list(...), file, sep, fill, labels, append))))
})

read_raw <- if (INTERNAL_IO) {
  function(con, n) .Internal(readBin(con, "raw", n, NA_integer_, TRUE, FALSE))
} else {
  function(con, n) readBin(con, "raw", n)
}

# Writes text to a text-mode connection (R's own streams, the markers' handles
# on them) and flushes it.
write_text <- if (INTERNAL_IO) {
  function(text, con) {
    .Internal(cat(list(text), con, "", FALSE, NULL, FALSE))
    flush.connection(con)
  }
} else {
  function(text, con) {
    cat(text, file = con)
    flush.connection(con)
  }
}

# Writes raw bytes to a binary connection (the channel, R's stdin) and
# flushes them.
write_raw <- if (INTERNAL_IO) {
  function(bytes, con) {
    .Internal(writeBin(bytes, con, NA_integer_, FALSE, FALSE))
    flush.connection(con)
  }
} else {
  function(bytes, con) {
    writeBin(bytes, con)
    flush.connection(con)
  }
}

connect <- function(to_kernel, from_kernel, grants, secret) {
  # Two FIFOs made by the server in its private folder (see server/src/kernel/channel.ts).
  # Reads and writes on them are plain system calls that an interrupt does
  # not abort, unlike R's socket connections.
  # "e": opened close-on-exec (glibc's fopen), so that processes R starts
  # (system(), pipes) do not inherit the channel.
  state$input <- file(to_kernel, open = "reb", raw = TRUE)
  state$output <- file(from_kernel, open = "web", raw = TRUE)
  state$frames <- list()
  open_grants(grants)
  # The secret goes first, before any frame: the server stops a kernel whose
  # channel does not start with it.
  writeBin(charToRaw(paste0(secret, "\n")), state$output)
  flush(state$output)
  invisible()
}

write_frame <- function(kind, id = 0L, fields = NULL, body = raw(0)) {
  # A forked child (parallel::mclapply) shares the channel with the kernel
  # and inherits its handlers; what it would write would interleave with
  # the kernel's own frames. It says nothing.
  if (Sys.getpid() != state$pid) return(invisible())
  if (is.character(body)) body <- charToRaw(enc2utf8(body))
  head <- charToRaw(paste(c(kind, id, fields), collapse = " "))
  rest <- length(head) + 1L + length(body)
  write_raw(c(charToRaw(sprintf("%011.0f\n", rest)), head, NEWLINE, body), state$output)
}

read_exactly <- function(n) {
  if (n <= 0) return(raw(0))
  out <- read_raw(state$input, n)
  # readBin() on a FIFO returns fewer bytes only at end of file.
  if (length(out) < n) NULL else out
}

# The next frame to handle: one set aside while R waited for console input
# first, else the next one from the channel.
next_frame <- function() {
  if (length(state$frames)) {
    frame <- state$frames[[1L]]
    state$frames <- state$frames[-1L]
    return(frame)
  }
  read_frame()
}

# An execution the server sent ahead of time runs only with a grant: an
# empty file go-<id> in the grants folder, which R removes to claim it. The
# server renames it to take it back: no-<id> (cancelled: R skips the
# execution) or held-<id> (R waits). One of the two wins, never both. See
# Grants in server/src/kernel/channel.ts.
claim <- function(id) {
  go <- paste0(state$grants_dir, "/go-", id)
  repeat {
    if (remove_file(go)) return(TRUE)
    if (remove_file(paste0(state$grants_dir, "/no-", id))) return(FALSE)
    # Held back: the server rings when that changes. At end of file the
    # server is gone, and with it the grant.
    if (!length(readBin(state$grants_bell, "raw", 1L))) return(FALSE)
  }
}

# file.remove(), which warns where there is no such file: that is an answer
# here, not a problem.
remove_file <- function(path) withCallingHandlers(file.remove(path), warning = muffle_warning)

muffle_warning <- function(w) invokeRestart("muffleWarning")

# The grants FIFO is only a doorbell: its bytes mean nothing, so its file()
# connection (close-on-exec, so that processes R starts do not inherit it)
# may read ahead. The folder of the grant files comes with the config frame.
open_grants <- function(path) {
  state$grants_bell <- file(path, open = "reb", raw = TRUE)
  invisible()
}

# Returns NULL when the server has closed the connection. A frame is read
# whole or not at all: an interrupt may only land before or after it (this
# matters while R waits for console input with interrupts allowed), never
# between its header and its body.
read_frame <- function() suspendInterrupts(read_frame_now())

read_frame_now <- function() {
  header <- read_exactly(12L)
  if (is.null(header) || length(header) < 12L) return(NULL)
  n <- as.numeric(rawToChar(header[1:11]))
  rest <- read_exactly(n)
  if (is.null(rest)) return(NULL)
  nl <- match(NEWLINE, rest)
  fields <- strsplit(rawToChar(rest[seq_len(nl - 1L)]), " ", fixed = TRUE)[[1L]]
  body <- if (nl < length(rest)) rest[(nl + 1L):length(rest)] else raw(0)
  list(kind = fields[1L], id = fields[2L], fields = fields[-(1:2)], body = body)
}

# Text sent as hex digits ("-" for none, then ""): paths in a field.
hex_text <- function(hex) {
  if (is.na(hex) || hex == "-" || !nzchar(hex)) return("")
  digits <- strsplit(hex, "")[[1L]]
  text <- rawToChar(as.raw(strtoi(paste0(digits[c(TRUE, FALSE)], digits[c(FALSE, TRUE)]), 16L)))
  Encoding(text) <- "UTF-8"
  text
}

body_text <- function(body) {
  if (!length(body)) return("")
  text <- rawToChar(body)
  Encoding(text) <- "UTF-8"
  text
}

to_json <- function(x) {
  jsonlite::toJSON(x, auto_unbox = TRUE, null = "null", na = "null", digits = NA)
}

from_json <- function(body) {
  jsonlite::parse_json(body_text(body), simplifyVector = FALSE)
}

log_line <- function(...) {
  write_frame("log", 0L, body = paste0(...))
}
