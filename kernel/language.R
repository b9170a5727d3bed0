# Completion, signature help and hover from the live session (server module
# server/src/session/language.ts, which works out the context from the
# document's text). Nothing the user wrote is evaluated: names are looked
# up, bindings are listed without calling active bindings or forcing
# promises, and a request stops collecting after LANGUAGE_BUDGET seconds
# (it answers with what it has).

LANGUAGE_BUDGET <- 0.05
# How many items one completion answers with at most.
COMPLETION_MAX <- 500L

language_state <- new.env(parent = emptyenv())
language_state$packages <- NULL
language_state$packages_at <- 0

# The value of an expression like `df`, `l$a`, `l[["b"]]`, `e$f`, `obj@s`,
# looked up without evaluating anything: NULL when it cannot be reached so.
lookup_object <- function(text) {
  parts <- regmatches(text, gregexpr("^[A-Za-z.][A-Za-z0-9._]*|`[^`]+`|\\$[A-Za-z.][A-Za-z0-9._]*|\\$`[^`]+`|@[A-Za-z.][A-Za-z0-9._]*|\\[\\[\"[^\"]*\"\\]\\]", text, perl = TRUE))[[1L]]
  if (!length(parts) || sum(nchar(parts)) != nchar(text)) return(NULL)
  name <- gsub("`", "", parts[[1L]])
  env <- find_binding(name)
  if (is.null(env) || !may_get(env, name)) return(NULL)
  x <- get(name, envir = env, inherits = FALSE)
  for (part in parts[-1L]) {
    if (startsWith(part, "@")) {
      slot <- substring(part, 2L)
      if (!isS4(x) || !slot %in% methods::slotNames(x)) return(NULL)
      x <- methods::slot(x, slot)
      next
    }
    key <- if (startsWith(part, "$")) gsub("`", "", substring(part, 2L)) else sub("^\\[\\[\"(.*)\"\\]\\]$", "\\1", part)
    if (is.environment(x)) {
      if (!exists(key, envir = x, inherits = FALSE) || binding_kinds(x, key) != 0L) return(NULL)
      x <- get(key, envir = x, inherits = FALSE)
    } else if (is.list(x) && !is.null(names(x)) && key %in% names(x)) {
      x <- .subset2(x, key)
    } else {
      return(NULL)
    }
  }
  x
}

# The environment on the search path (the global environment first) that
# binds `name`, or NULL.
find_binding <- function(name) {
  for (env in c(list(globalenv()), lapply(seq_along(search())[-1L], as.environment))) {
    if (exists(name, envir = env, inherits = FALSE)) return(env)
  }
  NULL
}

# Whether a binding may be read: an ordinary value; or, in an attached
# package, a promise of R's lazy loading (reading it loads the package's own
# object, no code of the user's). The user's promises and active bindings
# are never touched.
may_get <- function(env, name) {
  kind <- binding_kinds(env, name)
  kind == 0L || kind == 1L && startsWith(environmentName(env), "package:") || kind == 1L && isNamespace(env)
}

completion_item <- function(label, kind, detail = "", insert = NULL) {
  item <- list(label = label, kind = kind, detail = detail)
  if (!is.null(insert)) item$insert <- insert
  item
}

# What a value is, in a line: "data.frame [32 × 11]", "function(x, ...)",
# "numeric [10]".
value_detail <- function(x) {
  if (is.function(x)) return(signature_of("", x))
  cls <- class(x)[1L]
  d <- dim(x)
  if (is.data.frame(x)) d <- c(.row_names_info(x, 2L), length(x))
  size <- if (length(d)) paste(format(d, big.mark = ",", scientific = FALSE, trim = TRUE), collapse = " \u00d7 ") else format(length(x), big.mark = ",", trim = TRUE)
  paste0(cls, " [", size, "]")
}

value_kind <- function(x) {
  if (is.function(x)) return("function")
  if (is.data.frame(x)) return("dataframe")
  if (is.environment(x)) return("module")
  "variable"
}

# Names of the search path that start with `prefix` (the global
# environment's come from the server's own cache).
complete_names <- function(prefix, deadline) {
  items <- list()
  for (pos in seq_along(search())[-1L]) {
    if (proc.time()[["elapsed"]] > deadline || length(items) >= COMPLETION_MAX) break
    env <- as.environment(pos)
    names <- ls(env, all.names = startsWith(prefix, "."), pattern = paste0("^", escape_regex(prefix)))
    if (!length(names)) next
    names <- utils::head(names, COMPLETION_MAX - length(items))
    where <- sub("^package:", "", search()[[pos]])
    # The kernel's own attached functions, View() aside.
    if (where == "tools:rbridge") names <- intersect(names, c("View", "rbridge_job"))
    if (!length(names)) next
    # A package's objects are promises until first used (lazy loading):
    # they are not forced, and taken for functions (datasets for data).
    kinds <- binding_kinds(env, names)
    for (i in seq_along(names)) {
      kind <- if (kinds[[i]] == 0L) value_kind(get(names[[i]], envir = env, inherits = FALSE)) else if (where == "datasets") "dataframe" else if (kinds[[i]] == 1L) "function" else "variable"
      items[[length(items) + 1L]] <- completion_item(names[[i]], kind, where)
    }
  }
  items
}

escape_regex <- function(text) gsub("([][{}()+*^$|\\\\?.])", "\\\\\\1", text)

# Elements of `x` after `$`, `[["` or `@`.
complete_members <- function(x, operator, prefix) {
  if (operator == "@") {
    if (!isS4(x)) return(list())
    names <- methods::slotNames(x)
    kinds <- rep("field", length(names))
  } else if (is.environment(x)) {
    names <- ls(x, all.names = FALSE)
    kinds <- rep("field", length(names))
  } else {
    names <- names(x)
    if (is.null(names)) return(list())
    kinds <- rep(if (is.data.frame(x)) "column" else "field", length(names))
  }
  keep <- startsWith(names, prefix) & nzchar(names)
  names <- names[keep]
  kinds <- kinds[keep]
  items <- vector("list", min(length(names), COMPLETION_MAX))
  for (i in seq_along(items)) {
    detail <- if (!is.environment(x) && operator != "@") member_detail(.subset2(x, names[[i]])) else ""
    items[[i]] <- completion_item(names[[i]], kinds[[i]], detail)
  }
  items
}

member_detail <- function(x) {
  if (is.factor(x)) return(paste0("factor [", length(levels(x)), " levels]"))
  value_detail(x)
}

# Exports of a package (`pkg::`), or all its objects (`pkg:::`), without
# loading it when it is not loaded (from its installed metadata).
complete_package <- function(package, internal, prefix) {
  names <- if (package %in% loadedNamespaces()) {
    if (internal) ls(asNamespace(package), all.names = TRUE) else getNamespaceExports(package)
  } else {
    info <- system.file("Meta", "nsInfo.rds", package = package)
    if (!nzchar(info)) return(list())
    exports <- readRDS(info)$exports
    if (is.null(exports)) character(0) else exports
  }
  names <- sort(names[startsWith(names, prefix)])
  lapply(utils::head(names, COMPLETION_MAX), function(n) completion_item(n, "function", package))
}

installed_packages <- function() {
  # The library folders change rarely: listed again at most every 30 s.
  if (is.null(language_state$packages) || proc.time()[["elapsed"]] - language_state$packages_at > 30) {
    language_state$packages <- sort(unique(unlist(lapply(.libPaths(), function(lib) list.files(lib)))))
    language_state$packages_at <- proc.time()[["elapsed"]]
  }
  language_state$packages
}

complete_files <- function(prefix) {
  dir <- if (grepl("/", prefix, fixed = TRUE)) sub("/[^/]*$", "/", prefix) else ""
  start <- substring(prefix, nchar(dir) + 1L)
  where <- if (nzchar(dir)) path.expand(dir) else "."
  files <- list.files(where, all.files = startsWith(start, "."), no.. = TRUE)
  files <- utils::head(files[startsWith(files, start)], COMPLETION_MAX)
  lapply(files, function(f) {
    directory <- dir.exists(file.path(where, f))
    completion_item(paste0(dir, f, if (directory) "/" else ""), if (directory) "folder" else "file", "")
  })
}

# The formals of the function `name` as the session finds it: its argument
# names, and its signature as a line.
signature_of <- function(name, f) {
  if (is.primitive(f)) f <- args(f)
  if (!is.function(f)) return(NULL)
  formals <- formals(f)
  params <- character(length(formals))
  for (i in seq_along(formals)) {
    # The default as text ("" for none: the empty symbol is never bound to
    # a variable, which would be an error to read).
    default <- paste(deparse(formals[[i]], width.cutoff = 60L, nlines = 1L), collapse = "")
    params[[i]] <- if (nzchar(default)) paste0(names(formals)[[i]], " = ", default) else names(formals)[[i]]
  }
  paste0(name, "(", paste(params, collapse = ", "), ")")
}

function_named <- function(name) {
  parts <- strsplit(name, ":::?")[[1L]]
  if (length(parts) == 2L) {
    if (!parts[[1L]] %in% loadedNamespaces()) return(NULL)
    ns <- asNamespace(parts[[1L]])
    if (!exists(parts[[2L]], envir = ns, inherits = FALSE)) return(NULL)
    return(get(parts[[2L]], envir = ns, inherits = FALSE))
  }
  env <- find_binding(name)
  if (is.null(env) || !may_get(env, name)) return(NULL)
  f <- get(name, envir = env, inherits = FALSE)
  if (is.function(f)) f else NULL
}

register_request("language/complete", function(params) {
  deadline <- proc.time()[["elapsed"]] + LANGUAGE_BUDGET
  prefix <- params$prefix %||% ""
  items <- switch(params$context %||% "names",
    names = c(
      if (!is.null(params$call)) complete_arguments(params$call, prefix),
      complete_names(prefix, deadline)
    ),
    member = {
      x <- lookup_object(params$object %||% "")
      if (is.null(x)) list() else complete_members(x, params$operator %||% "$", prefix)
    },
    package = complete_package(params$package %||% "", isTRUE(params$internal), prefix),
    library = lapply(utils::head(installed_packages()[startsWith(installed_packages(), prefix)], COMPLETION_MAX), function(p) completion_item(p, "module", "package")),
    file = complete_files(prefix),
    list()
  )
  to_json(list(items = items, incomplete = proc.time()[["elapsed"]] > deadline))
})

# Argument names of the call being written (`lm(fo` → `formula = `).
complete_arguments <- function(call, prefix) {
  f <- function_named(call)
  if (is.null(f)) return(list())
  if (is.primitive(f)) f <- args(f)
  if (!is.function(f)) return(list())
  names <- names(formals(f))
  names <- names[names != "..." & startsWith(names, prefix)]
  lapply(names, function(n) completion_item(paste0(n, " = "), "argument", call, insert = paste0(n, " = ")))
}

register_request("language/signature", function(params) {
  name <- params$name %||% ""
  f <- function_named(name)
  if (is.null(f)) return("null")
  label <- signature_of(sub("^.*:::?", "", name), f)
  if (is.null(label)) return("null")
  f2 <- if (is.primitive(f)) args(f) else f
  params_ <- names(formals(f2))
  to_json(list(label = label, parameters = I(if (is.null(params_)) character(0) else params_)))
})

register_request("language/hover", function(params) {
  name <- params$name %||% ""
  f <- function_named(name)
  if (!is.null(f)) {
    title <- tryCatch({
      paths <- as.character(utils::help(sub("^.*:::?", "", name), help_type = "text"))
      if (length(paths)) help_title(paths[[1L]]) else ""
    }, error = function(e) "")
    return(to_json(list(kind = "function", signature = signature_of(sub("^.*:::?", "", name), f) %||% name, title = title)))
  }
  x <- lookup_object(name)
  if (is.null(x)) return("null")
  to_json(list(kind = value_kind(x), detail = value_detail(x), summary = tryCatch(describe_fields(x)$summary, error = function(e) "")))
})
