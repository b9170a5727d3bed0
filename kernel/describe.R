# Describing values for the variable explorer.
#
# A description must be cheap whatever the size of the object (a 1e7-row
# data.frame, a list of 1e6 elements), must not copy the object, and must not
# run user code where that can be avoided: no str(), no object.size() on big
# recursive objects, and formatting only through base classes known to be safe.
#
# No function here creates a closure (an inline handler or an lapply()
# function) while it holds a user object: a closure keeps its defining frame
# alive, the frame keeps a reference to the object, and R then copies the
# object on the user's next in-place change (x[1] <- 0). Handlers and
# helpers are defined at the top level of the kernel instead.

na_on_error <- function(e) NA_real_

PREVIEW_VALUES <- 20L
SUMMARY_CHARS <- 120L
SAFE_FORMAT_CLASSES <- c("Date", "POSIXct", "difftime", "numeric_version")

# Which environment bindings are promises or active bindings, without forcing
# or calling them. rlang's C helpers can tell; base R cannot see a promise
# without forcing it, so without rlang every promise is treated as a value
# (and gets forced by the snapshot; docs/protocol.md says so).
has_rlang <- FALSE
rlang_binding_types <- NULL

binding_kinds <- function(env, names) {
  if (!length(names)) return(integer(0))
  if (has_rlang) {
    # 0 = an ordinary value, 1 = an unforced promise, 2 = an active binding
    # (rlang's own coding). rlang returns NULL when all are ordinary values.
    if (is.null(rlang_binding_types)) {
      rlang_binding_types <<- tryCatch(get("ffi_env_binding_types", envir = asNamespace("rlang")), error = function(e) FALSE)
    }
    if (!isFALSE(rlang_binding_types)) {
      kinds <- .Call(rlang_binding_types, env, names)
      return(if (is.null(kinds)) integer(length(names)) else as.integer(kinds))
    }
    lazy <- rlang::env_binding_are_lazy(env, names)
    active <- rlang::env_binding_are_active(env, names)
  } else {
    lazy <- logical(length(names))
    active <- vapply(names, bindingIsActive, NA, env, USE.NAMES = FALSE)
  }
  as.integer(lazy) + 2L * as.integer(active)
}

truncate_text <- function(text) {
  text <- gsub("[\r\n\t]+", " ", text)
  long <- nchar(text, type = "chars", allowNA = TRUE)
  long[is.na(long)] <- 0L
  cut <- long > SUMMARY_CHARS
  if (any(cut)) text[cut] <- paste0(substr(text[cut], 1L, SUMMARY_CHARS - 1L), "\u2026")
  text
}

safe_length <- function(x) {
  # length() dispatches on classed objects. Without a length method of its
  # own (data.frame, factor, Date, ...) it is R's internal length, which
  # cannot fail; with one, a broken method must not break the explorer (at
  # the price of a reference kept by the handler, see above).
  if (!is.object(x) || (!isS4(x) && !has_length_method(class(x)))) return(length(x))
  n <- tryCatch(length(x), error = na_on_error)
  if (length(n) != 1L || !is.numeric(n)) NA_real_ else as.numeric(n)
}

has_length_method <- function(classes) {
  for (cls in classes) if (!is.null(utils::getS3method("length", cls, optional = TRUE))) return(TRUE)
  FALSE
}

safe_dim <- function(x) {
  if (is.data.frame(x)) return(c(.row_names_info(x, 2L), length(x)))
  d <- attr(x, "dim", exact = TRUE)
  if (is.null(d)) NULL else as.numeric(d)
}

atomic_size <- function(x) {
  bytes <- switch(typeof(x), logical = 4, integer = 4, double = 8, complex = 16, raw = 1, NA_real_)
  if (is.na(bytes)) return(NA_real_)
  48 + bytes * length(x)
}

# An estimate of the memory an object holds, only where it is cheap to get:
# atomic vectors by arithmetic, character vectors and small lists through
# object.size(); NA where walking the object would cost too much.
cheap_size <- function(x) {
  if (is.atomic(x) && !is.character(x)) return(atomic_size(x))
  if (is.character(x) && length(x) <= 1e4) return(as.numeric(utils::object.size(x)))
  if (is.list(x) && !is.object(x) && length(x) <= 1e3) return(as.numeric(utils::object.size(x)))
  if (is.data.frame(x)) {
    total <- 0
    for (i in seq_along(x)) {
      col <- .subset2(x, i)
      if (!is.atomic(col) || is.character(col)) return(NA_real_)
      total <- total + atomic_size(col)
    }
    return(total)
  }
  NA_real_
}

preview_atomic <- function(x) {
  n <- length(x)
  if (n == 0L) return(paste0(typeof(x), "(0)"))
  k <- min(n, PREVIEW_VALUES)
  if (is.factor(x)) {
    codes <- .subset(x, seq_len(k))
    values <- levels(x)[codes]
    values[is.na(values)] <- "NA"
    text <- paste0("Factor w/ ", length(levels(x)), " levels: ", paste(values, collapse = " "))
  } else {
    head <- .subset(x, seq_len(k))
    cls <- oldClass(x)
    if (length(cls) && any(cls %in% SAFE_FORMAT_CLASSES)) {
      attributes(head) <- attributes(x)[c("class", "tzone", "units")[c("class", "tzone", "units") %in% names(attributes(x))]]
      values <- format(head)
    } else if (is.character(head)) {
      values <- ifelse(is.na(head), "NA", paste0("\"", head, "\""))
    } else {
      values <- format(head, trim = TRUE, digits = 7L)
    }
    text <- paste(values, collapse = " ")
  }
  if (n > k) text <- paste(text, "\u2026")
  text
}

function_signature <- function(f) {
  if (is.primitive(f)) return("primitive function")
  formals <- names(formals(f))
  paste0("function (", paste(formals, collapse = ", "), ")")
}

summarize <- function(x) {
  if (is.null(x)) return("NULL")
  if (isS4(x) && !is.environment(x)) {
    return(paste0("Formal class '", class(x)[1L], "' with ", length(methods::slotNames(x)), " slots"))
  }
  if (is.data.frame(x)) {
    return(paste0(.row_names_info(x, 2L), " obs. of ", length(x), " variable", if (length(x) != 1L) "s"))
  }
  if (is.environment(x)) {
    # No format() on a classed environment (an R6 object, a reference
    # class): that would run its package's format method, which may walk
    # every field.
    name <- environmentName(x)
    label <- if (nzchar(name)) name else if (is.object(x)) paste0("<", class(x)[1L], ">") else format.default(x)
    return(paste0("<environment> ", label, " (", length(x), " bindings)"))
  }
  if (is.function(x)) return(function_signature(x))
  if (is.atomic(x)) return(preview_atomic(x))
  if (is.list(x)) return(paste0("List of ", length(x)))
  if (is.symbol(x)) return(paste0("`", as.character(x), "`"))
  if (is.language(x)) return(paste(deparse(x, nlines = 1L, width.cutoff = 60L), collapse = " "))
  typeof(x)
}

has_children <- function(x) {
  if (isS4(x) && !is.environment(x)) return(length(methods::slotNames(x)) > 0L)
  if (is.environment(x)) return(length(x) > 0L)
  (is.list(x) || is.pairlist(x)) && !is.null(x) && length(x) > 0L
}

# One Variable record as an R list (see Variable in docs/protocol.md).
#
# No condition handler here: tryCatch() keeps the frame that calls it
# referenced, and with it the object. Callers catch errors in a frame that
# does not hold the object (see describe_at() in symbols.R).
describe_value <- function(name, path, x) {
  c(list(name = name, path = path), describe_fields(x))
}

describe_fields <- function(x) {
  list(
    type = if (isS4(x) && !is.environment(x)) "S4" else typeof(x),
    class = class(x),
    length = safe_length(x),
    dim = safe_dim(x),
    size = cheap_size(x),
    summary = truncate_text(summarize(x)),
    hasChildren = has_children(x)
  )
}

describe_broken <- function(name, path, why) {
  list(
    name = name, path = path, type = "unknown", class = character(0), length = NA_real_,
    dim = NULL, size = NA_real_, summary = paste0("<cannot describe: ", why, ">"), hasChildren = FALSE
  )
}

describe_special <- function(name, path, kind) {
  list(
    name = name, path = path,
    type = if (kind == 1L) "promise" else "active",
    class = character(0), length = NA_real_, dim = NULL, size = NA_real_,
    summary = if (kind == 1L) "<promise: not yet evaluated>" else "<active binding>",
    hasChildren = FALSE
  )
}

describe_binding <- function(env, name, path, kind) {
  if (kind != 0L) return(describe_special(name, path, kind))
  describe_value(name, path, env[[name]])
}

# JSON, by hand: the explorer may describe thousands of bindings at once and
# jsonlite's per-call cost (about 0.2 ms) would dominate.
json_string <- function(x) {
  x <- enc2utf8(as.character(x))
  x <- gsub("\\", "\\\\", x, fixed = TRUE)
  x <- gsub("\"", "\\\"", x, fixed = TRUE)
  if (any(grepl("[\001-\037]", x, useBytes = TRUE))) {
    x <- gsub("\n", "\\n", x, fixed = TRUE)
    x <- gsub("\r", "\\r", x, fixed = TRUE)
    x <- gsub("\t", "\\t", x, fixed = TRUE)
    x <- gsub("[\001-\037]", "?", x, useBytes = TRUE)
  }
  out <- paste0("\"", x, "\"")
  out[is.na(x)] <- "null"
  out
}

json_array_of_strings <- function(x) if (length(x)) paste0("[", paste(json_string(x), collapse = ","), "]") else "[]"

json_number <- function(x) {
  if (is.null(x) || !length(x) || is.na(x[1L])) return("null")
  format(x[1L], scientific = FALSE, trim = TRUE)
}

variable_json <- function(v) {
  paste0(
    "{\"name\":", json_string(v$name),
    ",\"path\":", json_array_of_strings(v$path),
    ",\"type\":", json_string(v$type),
    ",\"class\":", json_array_of_strings(v$class),
    ",\"length\":", json_number(v$length),
    if (!is.null(v$dim)) paste0(",\"dim\":[", paste(format(v$dim, scientific = FALSE, trim = TRUE), collapse = ","), "]"),
    if (!is.na(v$size)) paste0(",\"size\":", json_number(v$size)),
    ",\"summary\":", json_string(v$summary),
    ",\"hasChildren\":", if (isTRUE(v$hasChildren)) "true" else "false",
    "}"
  )
}

# Children of the value at `path` (list elements, data.frame columns,
# environment members, S4 slots), paged. `start` is 0-based.
resolve_path <- function(path, env = globalenv()) {
  name <- path[[1L]]
  if (!exists(name, envir = env, inherits = FALSE)) stop("no variable named '", name, "'")
  kind <- binding_kinds(env, name)
  if (kind == 1L) stop("'", name, "' is a promise that has not been evaluated")
  if (kind == 2L) stop("'", name, "' is an active binding")
  x <- env[[name]]
  for (segment in path[-1L]) x <- child_value(x, segment)
  x
}

child_value <- function(x, segment) {
  head <- substr(segment, 1L, 1L)
  if (head == "@") return(methods::slot(x, substring(segment, 2L)))
  if (head == "$") {
    name <- substring(segment, 2L)
    if (!is.environment(x)) stop("not an environment")
    kind <- binding_kinds(x, name)
    if (kind != 0L) stop("'", name, "' is a ", if (kind == 1L) "promise" else "active binding")
    return(x[[name]])
  }
  index <- suppressWarnings(as.integer(sub("^\\[\\[([0-9]+)\\]\\]$", "\\1", segment)))
  if (is.na(index)) stop("bad path segment '", segment, "'")
  .subset2(x, index)
}

children <- function(path, start, count, env = globalenv()) {
  x <- resolve_path(path, env)
  start <- max(0L, as.integer(start))
  count <- max(0L, as.integer(count))
  vars <- list()
  if (isS4(x) && !is.environment(x)) {
    slots <- methods::slotNames(x)
    for (s in slots[window_of(length(slots), start, count)]) {
      vars[[length(vars) + 1L]] <- describe_value(s, c(path, paste0("@", s)), methods::slot(x, s))
    }
    return(list(total = length(slots), variables = vars))
  }
  if (is.environment(x)) {
    names <- sort(ls(x, all.names = TRUE))
    take <- names[window_of(length(names), start, count)]
    kinds <- binding_kinds(x, take)
    for (i in seq_along(take)) {
      vars[[i]] <- describe_binding(x, take[i], c(path, paste0("$", take[i])), kinds[i])
    }
    return(list(total = length(names), variables = vars))
  }
  if (is.list(x) || is.pairlist(x)) {
    labels <- names(x)
    for (i in window_of(length(x), start, count)) {
      label <- if (!is.null(labels) && !is.na(labels[i]) && nzchar(labels[i])) labels[i] else paste0("[[", i, "]]")
      vars[[length(vars) + 1L]] <- describe_value(label, c(path, paste0("[[", i, "]]")), .subset2(x, i))
    }
    return(list(total = length(x), variables = vars))
  }
  list(total = 0L, variables = vars)
}

window_of <- function(total, start, count) {
  if (start >= total || count == 0L) return(integer(0))
  seq.int(start + 1L, min(total, start + count))
}
