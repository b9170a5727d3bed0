# A small analysis of two built-in data sets: run it line by line with
# Ctrl+Enter, or select a block and run that. Nothing here draws a plot.

mt <- mtcars
mt$am <- factor(mt$am, levels = c(0, 1), labels = c("automatic", "manual"))
summary(mt[, c("mpg", "hp", "wt")])

# Fuel economy by transmission and number of cylinders.
by_group <- aggregate(mpg ~ am + cyl, data = mt, FUN = mean)
by_group[order(-by_group$mpg), ]

# How much do weight and power explain of fuel economy?
fit <- lm(mpg ~ wt + hp, data = mt)
coef(summary(fit))
round(summary(fit)$r.squared, 3)

# Iris: petal size per species.
petals <- aggregate(cbind(Petal.Length, Petal.Width) ~ Species, data = iris, FUN = median)
petals
table(iris$Species, iris$Petal.Length > 4)
