# Background jobs, the kernel's part (the jobs themselves run in the job
# controller, kernel/controller/jobs.R, an R process of its own; server
# module server/src/session/jobs.ts): rbridge_job() for R code, the globals a
# job takes from the session, and a job's result brought into the global
# environment.

# rbridge_job(expr): runs `expr` as a background job; the console goes on at
# once. Globals and packages are found as `future` finds them, here in the
# session, and sent with the job. The result is assigned to `resultName` in
# the global environment when the job ends, if one is given.
job_function <- function(expr, name = NULL, globals = TRUE, packages = NULL, resultName = NULL) {
  expr <- substitute(expr)
  if (is.null(name)) name <- paste(deparse(expr, width.cutoff = 50L, nlines = 1L), collapse = "")
  if (!requireNamespace("future", quietly = TRUE)) {
    stop("background jobs need the 'future' package: install.packages(\"future\")", call. = FALSE)
  }
  found <- future::getGlobalsAndPackages(expr, envir = parent.frame(), globals = globals)
  file <- job_globals_file()
  saveRDS(as.list(found$globals), file, compress = FALSE)
  info <- list(code = paste(deparse(expr, width.cutoff = 500L), collapse = "\n"), name = as.character(name)[1L],
               globalsFile = file, packages = unique(c(found$packages, packages)))
  if (!is.null(resultName)) info$resultName <- as.character(resultName)[1L]
  suspendInterrupts(write_frame("job", current_exec$id, body = to_json(info)))
  message("Started background job \"", info$name, "\"")
  invisible(info$name)
}

job_globals_file <- function() tempfile("job-globals-", fileext = ".rds")

# The globals a job started from the client takes from the session (its
# "copy globals" option): those its code uses, as future finds them.
register_request("jobs/globals", function(params) {
  if (!requireNamespace("future", quietly = TRUE)) stop("background jobs need the 'future' package", call. = FALSE)
  exprs <- if (!is.null(params$file)) parse(file = params$file, keep.source = FALSE) else parse(text = params$code, keep.source = FALSE)
  found <- future::getGlobalsAndPackages(as.call(c(as.name("{"), as.list(exprs))), envir = globalenv(), globals = TRUE)
  file <- job_globals_file()
  saveRDS(as.list(found$globals), file, compress = FALSE)
  to_json(list(path = file, packages = found$packages))
})

# A job's result, saved by the controller, assigned in the global
# environment; the variables view hears of it as of any assignment.
register_request("jobs/assign", function(params) {
  name <- params$name
  if (!is.character(name) || length(name) != 1L || !nzchar(name)) stop("the name to assign to is missing", call. = FALSE)
  value <- readRDS(params$path)
  unlink(params$path)
  assign(name, value, envir = globalenv())
  symbols <- tryCatch(symbol_changes(name), error = symbols_failed)
  if (!is.null(symbols)) write_frame("symbols", 0L, body = symbols)
  to_json(list(name = name))
})
