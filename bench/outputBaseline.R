# How fast R itself writes the output-throughput workloads when nobody reads
# them: the baseline the server's delivered rate is compared with.
#
# Usage: Rscript outputBaseline.R <mode> <reps> <code>
#   mode "sink":   time the code with sink("/dev/null") around it, and also
#                  write it once to a temporary file to count its bytes.
#   mode "stdout": time the code with R's own stdout being /dev/null (the
#                  driver spawns this script so); the console write path is
#                  then the same as the kernel's, only the reader is missing.
# Results go to stderr as "RESULT <key> <value>" lines, because in "stdout"
# mode stdout is /dev/null.
args <- commandArgs(trailingOnly = TRUE)
mode <- args[[1L]]
reps <- as.integer(args[[2L]])
code <- parse(text = args[[3L]])
options(max.print = 1e7)
report <- function(key, value) cat("RESULT", key, format(value, digits = 15), "\n", file = stderr())
for (i in seq_len(reps)) {
  if (mode == "sink") {
    sink("/dev/null")
    elapsed <- system.time(eval(code, globalenv()))[["elapsed"]]
    sink()
  } else {
    elapsed <- system.time(eval(code, globalenv()))[["elapsed"]]
  }
  report("seconds", elapsed)
}
if (mode == "sink") {
  # The exact number of bytes the code prints, so the driver can check that
  # the server delivered all of it.
  file <- tempfile()
  sink(file)
  eval(code, globalenv())
  sink()
  report("bytes", file.size(file))
  unlink(file)
}
