# A long-running loop that reports progress as it goes: run it and watch the
# lines arrive one by one, then try "R: Interrupt" to stop it part way.

steps <- 30
total <- 0
for (i in seq_len(steps)) {
  total <- total + i^2
  cat(sprintf("step %2d of %d: running total %d\n", i, steps, as.integer(total)))
  Sys.sleep(0.5)
}
cat("done:", total, "\n")
