# readline() asks the person at the console; R Bridge shows the prompt and
# sends back what you type.

name <- readline("What is your name? ")
n <- as.integer(readline("How many rolls of a die? "))
if (is.na(n) || n < 1) n <- 3
rolls <- sample(6, n, replace = TRUE)
cat(sprintf("Hello %s, you rolled: %s (total %d)\n", name, paste(rolls, collapse = " "), sum(rolls)))
