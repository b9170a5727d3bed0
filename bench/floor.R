# The raw pipe floor: the least a persistent R process behind a pipe can do.
# It reads one line of code at a time from stdin, evaluates it in the global
# environment, prints a visible value as R's console would, then writes a
# sentinel line so that the driver knows the result is complete. There is no
# framing, no output attribution, no interrupt handling and no variable
# bookkeeping: whatever the real server costs beyond this is its own overhead.
SENTINEL <- "\001END\001"
con <- file("stdin", open = "r")
repeat {
  line <- readLines(con, n = 1L)
  # An empty read means the driver closed the pipe: the benchmark is over.
  if (!length(line)) break
  value <- withVisible(eval(parse(text = line), globalenv()))
  if (value$visible) print(value$value)
  cat(SENTINEL, "\n", sep = "")
  # Rscript's stdout to a pipe is block-buffered; the driver waits for the
  # sentinel, so every result must leave the process at once.
  flush(stdout())
}
