# Plots: run a line with Ctrl+Enter and its plot appears in the Plots view
# beside the editor, drawn at the view's size. Previous and Next (or Left
# and Right in the view) walk the history; the toolbar zooms, saves as PNG,
# SVG or PDF, copies, removes and clears. The link above a plot shows the
# line that drew it.

plot(1:10)
hist(faithful$eruptions, breaks = 20, col = "grey80", main = "Old Faithful: eruption times (min)")
plot(mpg ~ wt, data = mtcars, pch = 19, col = "steelblue", main = "Fuel economy and weight")
abline(lm(mpg ~ wt, data = mtcars), col = "firebrick", lwd = 2)

# 200,000 points: the view shows one picture, however many points R draws.
n <- 200000
plot(rnorm(n), rnorm(n), pch = ".", col = rgb(0, 0, 0, 0.3), main = "200,000 points")
