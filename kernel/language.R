# Completion, signature help and hover from the live session (server module
# server/src/session/language.ts, which works out the context from the
# document's text). Nothing the user wrote is evaluated: names are looked
# up, bindings are listed without calling active bindings or forcing
# promises, packages are never loaded, and a request stops collecting after
# LANGUAGE_BUDGET seconds (it answers with what it has). A completion cut
# short, by the deadline or by COMPLETION_MAX, says so (`incomplete`): the
# client then asks again as the user types more.

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
      if (!exists(key, envir = x, inherits = FALSE) || lookup_kinds(x, key) != 0L) return(NULL)
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
  kind <- lookup_kinds(env, name)
  kind == 0L || kind == 1L && startsWith(environmentName(env), "package:") || kind == 1L && isNamespace(env)
}

# binding_kinds() for completion and hover. Without rlang, binding_kinds()
# takes every promise for a value; base R still sees one in any environment
# but the global one: substitute() of a name there gives a promise's
# expression and an ordinary binding's value, forcing nothing (an active
# binding would be called: those are known already, and skipped). An
# expression (a call, a symbol) is taken for a promise, so a value that is
# itself a call is not read either: the safe side. Any other answer is a
# value, or a promise of a constant, which runs no code when forced. In the
# global environment substitute() gives the name back, whatever it binds:
# there, without rlang, the variables snapshot has already evaluated every
# promise after the last execution (docs/protocol.md).
lookup_kinds <- function(env, names) {
  kinds <- binding_kinds(env, names)
  if (has_rlang || identical(env, globalenv())) return(kinds)
  for (i in which(kinds == 0L)) {
    code <- tryCatch(do.call(substitute, list(as.name(names[[i]]), env)), error = expression_on_error)
    if (is.language(code)) kinds[[i]] <- 1L
  }
  kinds
}

# substitute() fails on `...`: taken for an expression.
expression_on_error <- function(e) quote(error)

past_deadline <- function(deadline) proc.time()[["elapsed"]] > deadline

# What one completion answers: its items, and whether they are cut short.
completion_answer <- function(items = list(), incomplete = FALSE) list(items = items, incomplete = incomplete)

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
# environment's come from the server's own cache), at most `room` of them.
# An empty prefix matches thousands, and the first packages on the search
# path fill the list: it is cut, and says so.
complete_names <- function(prefix, deadline, room = COMPLETION_MAX) {
  items <- list()
  for (pos in seq_along(search())[-1L]) {
    if (past_deadline(deadline)) return(completion_answer(items, TRUE))
    env <- as.environment(pos)
    names <- ls(env, all.names = startsWith(prefix, "."), pattern = paste0("^", escape_regex(prefix)))
    if (!length(names)) next
    if (length(names) > room - length(items)) {
      items <- c(items, name_items(env, pos, utils::head(names, room - length(items))))
      return(completion_answer(items, TRUE))
    }
    items <- c(items, name_items(env, pos, names))
  }
  completion_answer(items)
}

name_items <- function(env, pos, names) {
  items <- list()
  if (!length(names)) return(items)
  where <- sub("^package:", "", search()[[pos]])
  # The kernel's own attached functions, View() aside.
  if (where == "tools:rbridge") names <- intersect(names, c("View", "rbridge_job"))
  # A package's objects are promises until first used (lazy loading):
  # they are not forced, and taken for functions (datasets for data).
  kinds <- lookup_kinds(env, names)
  for (i in seq_along(names)) {
    kind <- if (kinds[[i]] == 0L) value_kind(get(names[[i]], envir = env, inherits = FALSE)) else if (where == "datasets") "dataframe" else if (kinds[[i]] == 1L) "function" else "variable"
    items[[length(items) + 1L]] <- completion_item(names[[i]], kind, where)
  }
  items
}

escape_regex <- function(text) gsub("([][{}()+*^$|\\\\?.])", "\\\\\\1", text)

# Elements of `x` after `$`, `[["` or `@`: the first COMPLETION_MAX, each
# with its class and size while the deadline allows (500 elements of a list
# can take longer); past it, the names alone, and the answer is incomplete.
complete_members <- function(x, operator, prefix, deadline) {
  if (operator == "@") {
    if (!isS4(x)) return(completion_answer())
    names <- methods::slotNames(x)
    kinds <- rep("field", length(names))
  } else if (is.environment(x)) {
    names <- ls(x, all.names = FALSE)
    kinds <- rep("field", length(names))
  } else {
    names <- names(x)
    if (is.null(names)) return(completion_answer())
    kinds <- rep(if (is.data.frame(x)) "column" else "field", length(names))
  }
  keep <- startsWith(names, prefix) & nzchar(names)
  names <- names[keep]
  kinds <- kinds[keep]
  cut <- length(names) > COMPLETION_MAX
  items <- vector("list", min(length(names), COMPLETION_MAX))
  describe <- !is.environment(x) && operator != "@"
  for (i in seq_along(items)) {
    if (describe && past_deadline(deadline)) {
      describe <- FALSE
      cut <- TRUE
    }
    detail <- if (describe) member_detail(.subset2(x, names[[i]])) else ""
    items[[i]] <- completion_item(names[[i]], kinds[[i]], detail)
  }
  completion_answer(items, cut)
}

member_detail <- function(x) {
  if (is.factor(x)) return(paste0("factor [", length(levels(x)), " levels]"))
  value_detail(x)
}

# Exports of a package (`pkg::`), or all its objects (`pkg:::`). A package
# that is not loaded is not loaded for this: its names come from its
# lazy-load index (R/<pkg>.rdx, which names every object without reading
# one), its exports from its parsed NAMESPACE file (Meta/nsInfo.rds:
# export() names and exportPattern() patterns, matched against the index).
complete_package <- function(package, internal, prefix, deadline) {
  cut <- FALSE
  names <- if (package %in% loadedNamespaces()) {
    if (internal) ls(asNamespace(package), all.names = TRUE) else getNamespaceExports(package)
  } else {
    dir <- find.package(package, quiet = TRUE)
    if (!length(dir)) return(completion_answer())
    info <- file.path(dir, "Meta", "nsInfo.rds")
    ns <- if (file.exists(info)) readRDS(info) else list()
    index <- file.path(dir, "R", paste0(package, ".rdx"))
    if (past_deadline(deadline) || !file.exists(index)) {
      # No index (a package without R code), or no time left: the names
      # the NAMESPACE file gives.
      cut <- past_deadline(deadline)
      as.character(ns$exports)
    } else {
      all <- names(readRDS(index)$variables)
      if (internal) all else union(as.character(ns$exports), all[Reduce(`|`, lapply(as.character(ns$exportPatterns), grepl, x = all), logical(length(all)))])
    }
  }
  names <- names[startsWith(names, prefix) & (startsWith(prefix, ".") | !startsWith(names, "."))]
  names <- sort(unique(names))
  completion_answer(lapply(utils::head(names, COMPLETION_MAX), package_item, package), cut || length(names) > COMPLETION_MAX)
}

package_item <- function(name, package) completion_item(name, "function", package)

# Installed packages, listed again at most every 30 s (the library folders
# change rarely); incomplete (and not kept) when the deadline passes first.
installed_packages <- function(deadline) {
  if (!is.null(language_state$packages) && proc.time()[["elapsed"]] - language_state$packages_at <= 30) return(completion_answer(language_state$packages))
  found <- character(0)
  for (lib in .libPaths()) {
    if (past_deadline(deadline)) return(completion_answer(sort(unique(found)), TRUE))
    found <- c(found, list.files(lib))
  }
  language_state$packages <- sort(unique(found))
  language_state$packages_at <- proc.time()[["elapsed"]]
  completion_answer(language_state$packages)
}

complete_library <- function(prefix, deadline) {
  packages <- installed_packages(deadline)
  names <- packages$items[startsWith(packages$items, prefix)]
  completion_answer(lapply(utils::head(names, COMPLETION_MAX), completion_item, kind = "module", detail = "package"), packages$incomplete || length(names) > COMPLETION_MAX)
}

complete_files <- function(prefix, deadline) {
  dir <- if (grepl("/", prefix, fixed = TRUE)) sub("/[^/]*$", "/", prefix) else ""
  start <- substring(prefix, nchar(dir) + 1L)
  where <- if (nzchar(dir)) path.expand(dir) else "."
  files <- list.files(where, all.files = startsWith(start, "."), no.. = TRUE)
  files <- files[startsWith(files, start)]
  cut <- length(files) > COMPLETION_MAX
  files <- utils::head(files, COMPLETION_MAX)
  items <- vector("list", length(files))
  for (i in seq_along(files)) {
    if (past_deadline(deadline)) return(completion_answer(items[seq_len(i - 1L)], TRUE))
    directory <- dir.exists(file.path(where, files[[i]]))
    items[[i]] <- completion_item(paste0(dir, files[[i]], if (directory) "/" else ""), if (directory) "folder" else "file", "")
  }
  completion_answer(items, cut)
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
  answer <- switch(params$context %||% "names",
    names = {
      # Inside a call, its arguments first, then the names.
      arguments <- if (!is.null(params$call)) complete_arguments(params$call, prefix) else list()
      names <- complete_names(prefix, deadline, COMPLETION_MAX - length(arguments))
      completion_answer(c(arguments, names$items), names$incomplete)
    },
    member = {
      x <- lookup_object(params$object %||% "")
      # The budget counts from here: the lookup reads one binding a step,
      # which can cost more once (loading rlang's namespace for the kinds,
      # a dataset's lazy loading), and should not leave `mtcars$` without
      # its columns' details.
      if (is.null(x)) completion_answer() else complete_members(x, params$operator %||% "$", prefix, proc.time()[["elapsed"]] + LANGUAGE_BUDGET)
    },
    package = complete_package(params$package %||% "", isTRUE(params$internal), prefix, deadline),
    library = complete_library(prefix, deadline),
    file = complete_files(prefix, deadline),
    completion_answer()
  )
  to_json(list(items = answer$items, incomplete = answer$incomplete))
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
  deadline <- proc.time()[["elapsed"]] + LANGUAGE_BUDGET
  name <- params$name %||% ""
  f <- function_named(name)
  if (!is.null(f)) {
    topic <- sub("^.*:::?", "", name)
    return(to_json(list(kind = "function", signature = signature_of(topic, f) %||% name, title = help_title_of(topic, home_package(name), deadline))))
  }
  x <- lookup_object(name)
  if (is.null(x)) return("null")
  to_json(list(kind = value_kind(x), detail = value_detail(x), summary = tryCatch(describe_fields(x)$summary, error = function(e) "")))
})

# The package a function name is found in (`pkg::f`, or an attached
# package), or NULL (the user's own functions have no help page).
home_package <- function(name) {
  parts <- strsplit(name, ":::?")[[1L]]
  if (length(parts) == 2L) return(parts[[1L]])
  env <- find_binding(name)
  where <- if (is.null(env)) "" else environmentName(env)
  if (startsWith(where, "package:")) substring(where, 9L) else NULL
}

# The title of the topic's help page in `package`; "" without one, or when
# the deadline has passed.
help_title_of <- function(topic, package, deadline) {
  if (is.null(package) || past_deadline(deadline)) return("")
  paths <- tryCatch(as.character(utils::help(topic, package = (package), help_type = "text", try.all.packages = FALSE)), error = no_paths)
  if (!length(paths) || past_deadline(deadline)) return("")
  help_title(paths[[1L]])
}

no_paths <- function(e) character(0)
