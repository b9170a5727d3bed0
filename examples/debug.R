# Debugging: click in the gutter left of line 7 to set a breakpoint, then
# run "R: Debug File" (or F5). R stops there: F10 steps over a line, F11
# steps into a call, Shift+F11 steps out, F5 continues.

summarise_scores <- function(scores) {
  total <- sum(scores)
  n <- length(scores)
  mean_score <- total / n
  spread <- sd(scores)
  list(mean = mean_score, sd = spread)
}

result <- summarise_scores(c(12, 15, 9, 20, 14))
cat("mean", result$mean, "sd", round(result$sd, 2), "\n")
