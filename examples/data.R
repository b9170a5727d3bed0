# The data viewer: View() opens a table in a grid beside the editor. Click a
# column's header to sort (Shift+click adds a second key), its filter button
# to filter, its chart button for a summary; select cells and copy them with
# Ctrl+C. The grid follows changes to the object. The View Data icon of the
# Variables view does the same without running code.

View(mtcars)

cars2 <- mtcars
cars2$mpg[1] <- NA
View(cars2)

# NA, NaN, infinities and empty strings each look their own way.
odd <- data.frame(x = c(1.5, NA, NaN, Inf, -Inf), s = c("text", NA, "", "a long piece of text that the grid cuts, whole in its tooltip", "two"))
View(odd)

# A million rows scroll as smoothly as ten: only what is on screen is fetched.
big <- data.frame(a = runif(1e6), b = as.character(1:1e6))
View(big)
