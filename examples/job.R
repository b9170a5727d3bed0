# A background job: "R: Run File as Background Job" (the editor's Run menu,
# or the command palette) runs this file in an R process of its own while
# the console stays free. The Jobs view (below Variables) shows its progress;
# when it is done, "Copy Job Result to Global Environment" brings the
# bootstrap estimates into the session.

p <- progressr::progressor(steps = 8)
estimates <- numeric(8)
for (i in seq_len(8)) {
  resample <- mtcars[sample(nrow(mtcars), replace = TRUE), ]
  estimates[i] <- coef(lm(mpg ~ wt, data = resample))[["wt"]]
  Sys.sleep(0.25)
  p(message = sprintf("bootstrap sample %d of 8", i))
}
cat("mean slope:", round(mean(estimates), 2), "\n")
data.frame(sample = seq_len(8), slope = estimates)
