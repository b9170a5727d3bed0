# callr::r_session as a peer, driven from R (callr is an R API: its caller
# is an R process) and timed inside R with Sys.time() (microseconds on
# Linux). Run by bench/peers/run.ts as
#   Rscript callr.R <warmup> <rtt> <sequential> <printReps> <interruptReps> <startupReps>
# It writes "PID <pid>" when it starts a session (so that the benchmark can
# count and, if need be, kill it) and "RESULT <key> <value>" lines.
args <- as.integer(commandArgs(trailingOnly = TRUE))
if (length(args) != 6L) stop("usage: callr.R warmup rtt sequential printReps interruptReps startupReps")
names(args) <- c("warmup", "rtt", "sequential", "print", "interrupt", "startup")
suppressPackageStartupMessages(library(callr))

now <- function() as.numeric(Sys.time())
out <- function(...) {
  cat(..., "\n", sep = " ")
  flush(stdout())
}
result <- function(key, values) out("RESULT", key, paste(format(values, digits = 7, scientific = FALSE, trim = TRUE), collapse = ","))
new_session <- function() {
  rs <- r_session$new(wait = TRUE, wait_timeout = 30000)
  out("PID", rs$get_pid())
  rs
}
one_plus_one <- function() 1 + 1

# Start to first result: r_session$new() (which waits until the session
# is ready) and the first rs$run() of 1+1, in a fresh session each time.
startup <- ready <- numeric(0)
for (i in seq_len(args[["startup"]])) {
  t0 <- now()
  rs <- new_session()
  t1 <- now()
  v <- rs$run(one_plus_one)
  t2 <- now()
  stopifnot(identical(v, 2))
  startup <- c(startup, t2 - t0)
  ready <- c(ready, t1 - t0)
  rs$close()
}
result("startup", startup)
result("ready", ready)

rs <- new_session()

# Round trip: rs$run(function() 1+1), one at a time.
rtt <- numeric(0)
for (i in seq_len(args[["warmup"]] + args[["rtt"]])) {
  t0 <- now()
  v <- rs$run(one_plus_one)
  t1 <- now()
  if (!identical(v, 2)) stop("rs$run(1+1) returned ", deparse(v))
  if (i > args[["warmup"]]) rtt <- c(rtt, t1 - t0)
}
result("rtt", rtt)

# Many executions: r_session runs one call at a time (rs$call() while busy
# is an error), so they are sequential.
t0 <- now()
for (i in seq_len(args[["sequential"]])) rs$run(one_plus_one)
result("sequential", now() - t0)

# print(1:1e6), its output delivered: rs$run_with_output() redirects the
# session's stdout to a temporary file for the call and returns the text
# with the result, after the call. The function returns NULL so that the
# 1:1e6 that print() returns is not also serialised back.
invisible(rs$run(function() options(max.print = 1e7)))
print_times <- print_bytes <- numeric(0)
for (i in seq_len(args[["print"]])) {
  t0 <- now()
  r <- rs$run_with_output(function() {
    print(1:1e6)
    NULL
  })
  print_times <- c(print_times, now() - t0)
  print_bytes <- c(print_bytes, nchar(r$stdout, type = "bytes"))
}
result("print", print_times)
result("printBytes", print_bytes)

# Interrupt: rs$call() starts Sys.sleep(100) in the background; 300 ms
# later rs$interrupt() (SIGINT to the session); timed until the session's
# answer has been read (an interrupt error), then until a following
# rs$run(1+1) has answered.
to_answer <- to_next <- numeric(0)
for (i in seq_len(args[["interrupt"]])) {
  rs$call(function() Sys.sleep(100))
  Sys.sleep(0.3)
  t0 <- now()
  rs$interrupt()
  if (processx::poll(list(rs$get_poll_connection()), 10000)[[1]] != "ready") stop("no answer within 10 s of rs$interrupt()")
  answer <- rs$read()
  t1 <- now()
  if (is.null(answer$error) || !inherits(answer$error$parent, "interrupt")) stop("the interrupted call did not answer with an interrupt (message code ", answer$code, ")")
  v <- rs$run(one_plus_one)
  t2 <- now()
  stopifnot(identical(v, 2))
  to_answer <- c(to_answer, t1 - t0)
  to_next <- c(to_next, t2 - t0)
}
result("interrupt", to_answer)
result("interruptNext", to_next)
rs$close()
out("DONE")
