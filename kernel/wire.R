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
  writeBin(c(charToRaw(sprintf("%011.0f\n", rest)), head, NEWLINE, body), state$output)
  flush(state$output)
}

read_exactly <- function(n) {
  if (n <= 0) return(raw(0))
  out <- readBin(state$input, "raw", n)
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

# An execution the server sent ahead of time runs only with a grant: the
# next 16-byte record on the grants FIFO, "<id> go" or "<id> no" (the server
# took the grant back to cancel it). See Grants in server/src/kernel/channel.ts.
claim <- function(id) {
  record <- read_grant()
  if (nchar(record, "bytes") != 16L) return(FALSE)
  granted <- substr(record, 14L, 15L) == "go"
  if (as.numeric(substr(record, 1L, 12L)) != as.numeric(id)) {
    log_line("grant for execution ", substr(record, 1L, 12L), " while starting ", id)
    return(FALSE)
  }
  granted
}

# Grant records must be read exactly, 16 bytes at a time: a file()
# connection's stdio buffer would read ahead into records the server may
# still take back. fifo() reads exactly (plain read() calls of the size
# asked) but has no close-on-exec mode, so a fifo() kept open would be
# inherited by every process R starts. So the FIFO is held by a file()
# connection opened close-on-exec and never read, and each claim reads its
# record through a fifo() opened on /proc/self/fd/N of that connection (a
# new open file description of the same, by then unlinked, FIFO) and closed
# at once, while no user code runs. Without /proc (macOS) the fifo() stays
# open, inherited as before (see docs/platforms.md).
open_grants <- function(path) {
  before <- fds_on(path)
  state$grants_holder <- file(path, open = "reb", raw = TRUE)
  state$grants_reopen <- NULL
  mine <- setdiff(fds_on(path), before)
  if (length(mine) == 1L) {
    state$grants_reopen <- file.path("/proc/self/fd", mine)
    state$server_pid <- parent_pid()
    return(invisible())
  }
  state$grants <- fifo(path, open = "rb", blocking = TRUE)
  invisible()
}

# The descriptors of this process open on `path` (none without /proc).
fds_on <- function(path) {
  fds <- list.files("/proc/self/fd")
  fds[Sys.readlink(file.path("/proc/self/fd", fds)) %in% normalizePath(path)]
}

# The next grant record as a string ("" when the server is gone). Each
# claim of a pipelined burst pays for this, so it avoids what costs more
# than the read itself: tryCatch(), S3 dispatch of close(), getOption().
read_grant <- function() {
  if (is.null(state$grants_reopen)) return(read_record(state$grants))
  record <- grant_written()
  if (nchar(record, "bytes") == 16L) return(record)
  # Else wait for it. Opening a FIFO for reading waits for a writer: with
  # the server gone (killed by SIGKILL, so it could not stop R) it would
  # wait for ever, where a read returns end of file. An orphaned R is
  # adopted by another process, so a new parent means no grant.
  if (!identical(parent_pid(), state$server_pid)) return("")
  con <- fifo(state$grants_reopen, "rb", TRUE, "native.enc")
  on.exit(close.connection(con))
  read_record(con)
}

# The grant if it is written already (usually): a non-blocking open and
# read takes it without waiting. A record is written whole, so it comes
# whole or not at all.
grant_written <- function() {
  con <- fifo(state$grants_reopen, "rb", FALSE, "native.enc")
  record <- read_record(con)
  close.connection(con)
  record
}

# readChar() reads exactly the bytes asked for, like readBin(), but where
# nothing is there yet it returns "" with a warning (which is muffled here)
# rather than failing, so no tryCatch() is needed; at end of file (no
# writer left) it returns character(0).
read_record <- function(con) {
  record <- withCallingHandlers(readChar(con, 16L, useBytes = TRUE), warning = muffle_warning)
  if (length(record)) record else ""
}

muffle_warning <- function(w) invokeRestart("muffleWarning")

parent_pid <- function() {
  stat <- readLines("/proc/self/stat", warn = FALSE)
  # The command name in parentheses may hold spaces; the state and the
  # parent's pid follow it.
  strsplit(sub("^.*\\) ", "", stat), " ", fixed = TRUE)[[1L]][2L]
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
