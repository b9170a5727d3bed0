# The data viewer: View() and the variables tree open a table in a grid that
# pages, sorts, filters and summarises it, here in R (server module
# server/src/session/dataViews.ts).
#
# A view never holds the data of a global variable: it keeps the
# variable's path and looks the object up again for each request, so that
# R does not copy the object at its next in-place change. Only a value that
# no global variable holds (View(head(df))) is kept.
# Sorts and filters are kept as row indices (an integer vector), never as a
# copy of the data.
#
# R counts references and never forgets one: an object that was ever put in
# a list (order(), do.call(), lapply()'s arguments) or bound in an
# environment a closure captured (tryCatch()'s handlers, a function(j) ...
# passed to lapply()) stays "shared", and the user's next change to it
# copies it. So the functions below that hold the object or one of its
# columns use loops, not closures, and hand R's sorting and summaries
# subsets (copies of their own), never a column itself.

views <- new.env(parent = emptyenv())
views$all <- list()
views$next_id <- 1L

# Rows of a page formatted by one format() call per column; a format()
# method that takes longer than this is stopped and its cells shown as
# unavailable.
FORMAT_TIME_LIMIT <- 1
# A cell's display string is cut at this many characters (the grid shows the
# start and the whole text on hover, up to this).
CELL_MAX_CHARS <- 2000L

# View(), as the search path finds it before utils::View (which needs a GUI
# this R does not have). The code that calls it goes on at once.
#
# A view follows a global variable by its path: View(df), and also View(d)
# in a function called as f(df), or any value that is the very object a
# global variable holds (found by global_holding()), so that the view keeps
# no reference that would make R copy the variable at its next change. Any
# other value (View(head(df))) is kept. An active binding is refused before
# it is read: each read runs its function, so there is no object to follow.
view_function <- function(x, title) {
  expr <- substitute(x)
  if (missing(title)) title <- paste(deparse(expr, width.cutoff = 60L, nlines = 1L), collapse = "")
  title <- as.character(title)[1L]
  home <- if (is.symbol(expr)) binding_home(as.character(expr), parent.frame())
  if (!is.null(home) && bindingIsActive(as.character(expr), home)) {
    message("View(): '", as.character(expr), "' is an active binding: each read runs its function, so there is no table to follow. Assign its value and view that: x <- ", as.character(expr), "; View(x)")
    return(invisible())
  }
  why <- not_viewable(x)
  if (!is.null(why)) {
    message("View(): ", why)
    return(invisible())
  }
  path <- if (identical(home, globalenv())) as.character(expr) else global_holding(x)
  view <- new_view(title, path, if (is.null(path)) x)
  view$schema <- schema_of(x, title)
  suspendInterrupts(write_frame("view", current_exec$id, view$id, body = view_json(view, x)))
  invisible()
}

# The environment, from `env` up, where `name` is bound (NULL: nowhere).
binding_home <- function(name, env) {
  while (!identical(env, emptyenv())) {
    if (exists(name, envir = env, inherits = FALSE)) return(env)
    env <- parent.env(env)
  }
  NULL
}

# The name of a global variable whose value is the very object `x` (a
# function's argument that a global variable was given to), or NULL.
# identical() of one object with itself returns at once; active bindings
# and promises not yet evaluated are skipped, not read.
global_holding <- function(x) {
  names <- ls(globalenv(), all.names = TRUE, sorted = FALSE)
  kinds <- binding_kinds(globalenv(), names)
  for (k in seq_along(names)) {
    if (kinds[[k]] != 0L) next
    value <- globalenv()[[names[[k]]]]
    if (typeof(value) == typeof(x) && length(value) == length(x) && identical(value, x)) return(names[[k]])
  }
  NULL
}

# NULL when `x` can be shown as a table, else why not.
not_viewable <- function(x) {
  if (is.data.frame(x)) return(NULL)
  d <- dim(x)
  if (length(d) == 2L && (is.atomic(x) || is.list(x))) return(NULL)
  if (length(d) > 2L) return(paste0("an array of ", length(d), " dimensions cannot be shown as a table; view a slice of it, such as x[, , 1]"))
  if (is.atomic(x) && !is.null(x)) return(NULL)
  what <- if (is.environment(x)) "an environment" else if (is.function(x)) "a function" else if (is.list(x)) "a list" else if (is.null(x)) "NULL" else paste0("an object of class ", class(x)[1L])
  paste0("the data viewer shows data frames, matrices, tables and vectors; this is ", what, ". See it in the Variables view.")
}

new_view <- function(title, path, value) {
  id <- views$next_id
  views$next_id <- id + 1L
  view <- new.env(parent = emptyenv())
  view$id <- id
  view$title <- title
  view$path <- path
  view$value <- value
  view$keys <- list()
  view$filters <- list()
  view$index <- NULL
  view$schema <- NULL
  views$all[[as.character(id)]] <- view
  view
}

view_of <- function(id) {
  view <- views$all[[as.character(id)]]
  if (is.null(view)) stop("there is no data view ", id, " (it was closed, or R was restarted)")
  view
}

# The object a view shows, looked up now.
view_object <- function(view) {
  if (is.null(view$path)) return(view$value)
  x <- resolve_path(view$path)
  why <- not_viewable(x)
  if (!is.null(why)) stop("'", paste(view$path, collapse = ""), "' is no longer a table: ", why)
  x
}

# The table behind any viewable object: its rows, columns, one column's
# values at some rows, column names and row names.
table_rows <- function(x) {
  if (is.data.frame(x)) return(.row_names_info(x, 2L))
  d <- dim(x)
  if (length(d) == 2L) d[[1L]] else length(x)
}

table_columns <- function(x) {
  if (is.data.frame(x)) return(length(x))
  d <- dim(x)
  if (length(d) == 2L) d[[2L]] else 1L
}

# S3 methods the user defines in the global environment (format.myclass,
# `[.myclass`) are found only from code whose environment leads there; the
# kernel's own does not (its parent is a copy of base). Subsetting and
# formatting a table's values go through these.
in_user_scope <- function(f) {
  environment(f) <- globalenv()
  f
}
user_subset <- in_user_scope(function(x, i) x[i])
user_cells <- in_user_scope(function(x, i, j) if (is.null(i)) x[, j] else x[i, j])
user_format <- in_user_scope(function(x) base::format(x, trim = TRUE))

# Column j (1-based) at rows `i` (NULL: all rows).
table_column <- function(x, j, i = NULL) {
  if (is.data.frame(x)) {
    col <- .subset2(x, j)
    # A matrix column (I(matrix)) or a data frame column: its first column.
    if (length(dim(col)) == 2L) col <- if (is.data.frame(col)) .subset2(col, 1L) else col[, 1L]
    return(if (is.null(i)) col else if (is.object(col)) user_subset(col, i) else col[i])
  }
  if (length(dim(x)) == 2L) {
    col <- user_cells(x, i, j)
    if (inherits(x, "table")) col <- as.vector(col)
    return(col)
  }
  if (inherits(x, "table")) x <- as.vector(x)
  if (is.null(i)) x else x[i]
}

table_names <- function(x, title) {
  n <- table_columns(x)
  names <- if (is.data.frame(x)) names(x) else if (length(dim(x)) == 2L) colnames(x) else title
  if (is.null(names)) names <- paste0("V", seq_len(n))
  names[is.na(names) | !nzchar(names)] <- paste0("V", which(is.na(names) | !nzchar(names)))
  names
}

# Row names worth showing (not 1..n), or NULL.
table_row_names <- function(x) {
  if (is.data.frame(x)) return(if (.row_names_info(x) > 0L) row.names(x) else NULL)
  if (length(dim(x)) == 2L) return(rownames(x))
  names(x)
}

column_type <- function(col) {
  if (is.factor(col)) return("factor")
  if (inherits(col, "Date")) return("date")
  if (inherits(col, "POSIXt")) return("datetime")
  if (is.object(col)) return("other")
  switch(typeof(col), double = "number", integer = "integer", logical = "logical", character = "character", complex = "complex", list = "list", "other")
}

view_json <- function(view, x) {
  paste0(
    "{\"title\":", json_string(view$title),
    ",\"rows\":", format(view_rows(view, x), scientific = FALSE),
    ",\"totalRows\":", format(table_rows(x), scientific = FALSE),
    ",\"columns\":", table_columns(x),
    ",\"class\":", json_array_of_strings(class(x)),
    if (!is.null(view$path)) paste0(",\"path\":", json_array_of_strings(view$path)),
    "}"
  )
}

view_rows <- function(view, x) if (is.null(view$index)) table_rows(x) else length(view$index)

schema_of <- function(x, title) {
  names <- table_names(x, title)
  first <- if (table_rows(x) > 0L) 1L else integer(0)
  schema <- vector("list", length(names))
  for (j in seq_along(names)) {
    col <- table_column(x, j, first)
    schema[[j]] <- list(index = j - 1L, name = names[[j]], type = column_type(col), class = I(class(col)))
  }
  schema
}

# Display strings of a column's values: format() of the whole page at once
# (numbers share their decimals, as R prints them), NA as null, a failed or
# slow format() as error cells.
format_cells <- function(values) {
  n <- length(values)
  if (!n) return(list())
  na <- tryCatch(is.na(values), error = function(e) rep(FALSE, n))
  if (length(na) != n) na <- rep(FALSE, n)
  text <- tryCatch(
    {
      setTimeLimit(elapsed = FORMAT_TIME_LIMIT, transient = TRUE)
      on.exit(setTimeLimit(elapsed = Inf))
      format_values(values)
    },
    error = function(e) {
      why <- conditionMessage(e)
      if (grepl("time limit", why)) why <- paste0("format() took longer than ", FORMAT_TIME_LIMIT, " s")
      structure(why, failed = TRUE)
    }
  )
  if (isTRUE(attr(text, "failed"))) return(rep(list(list(error = as.character(text))), n))
  text <- enc2utf8(as.character(text))
  long <- nchar(text, type = "chars", allowNA = TRUE) > CELL_MAX_CHARS
  long[is.na(long)] <- FALSE
  if (any(long)) text[long] <- paste0(substr(text[long], 1L, CELL_MAX_CHARS), "\u2026")
  out <- as.list(text)
  # NaN is NA to is.na() but shown as itself.
  nan <- if (is.double(values) && !is.object(values)) is.nan(values) else rep(FALSE, n)
  out[na & !nan] <- list(NULL)
  out
}

format_values <- function(values) {
  if (is.factor(values)) return(as.character(values))
  if (is.character(values)) return(values)
  if (is.list(values) && !is.object(values)) {
    return(vapply(values, function(cell) {
      if (is.null(cell)) return("NULL")
      if (is.atomic(cell) && length(cell) <= 10L) return(paste(format(cell, trim = TRUE), collapse = ", "))
      paste0("<", class(cell)[1L], " [", length(cell), "]>")
    }, ""))
  }
  if (is.double(values) && !is.object(values)) {
    # format() of a vector with NA or non-finite values keeps its decimals
    # for the others; NaN and Inf come out as those words.
    return(format(values, trim = TRUE, digits = 7L))
  }
  user_format(values)
}

view_page <- function(view, start, count, columns) {
  x <- view_object(view)
  total <- view_rows(view, x)
  ncol <- table_columns(x)
  if (start < 0 || count < 0) stop("start and count must not be negative")
  if (is.null(columns)) columns <- seq_len(min(ncol, 200L)) - 1L
  columns <- as.integer(unlist(columns))
  bad <- columns[is.na(columns) | columns < 0L | columns >= ncol]
  if (length(bad)) stop("there is no column ", bad[[1L]], " (the table has ", ncol, ")")
  last <- min(total, start + count)
  positions <- if (last > start) seq.int(start + 1, last) else integer(0)
  rows <- if (is.null(view$index)) positions else view$index[positions]
  row_names <- table_row_names(x)
  names <- if (is.null(row_names)) format(rows, scientific = FALSE, trim = TRUE) else enc2utf8(as.character(row_names[rows]))
  values <- vector("list", length(columns))
  for (k in seq_along(columns)) values[[k]] <- format_cells(table_column(x, columns[[k]] + 1L, rows))
  paste0(
    "{\"start\":", format(start, scientific = FALSE),
    ",\"total\":", format(total, scientific = FALSE),
    ",\"columns\":", to_json(I(columns)),
    ",\"rowNames\":", to_json(I(names)),
    ",\"values\":", to_json(values), "}"
  )
}

# The rows a view shows: its filters, then its sort keys. Interruptible
# (the server interrupts R when the client cancels).
reindex <- function(view, x) {
  n <- table_rows(x)
  keep <- NULL
  for (f in view$filters) {
    test <- filter_rows(x, f)
    keep <- if (is.null(keep)) test else keep & test
  }
  index <- if (is.null(keep)) NULL else which(keep)
  if (length(view$keys)) {
    rows <- if (is.null(index)) seq_len(n) else index
    # Subsets, never the columns themselves (see the top of this file).
    keys <- vector("list", length(view$keys))
    decreasing <- logical(length(view$keys))
    for (k in seq_along(view$keys)) {
      keys[[k]] <- sort_key(table_column(x, check_column(x, view$keys[[k]]$column) + 1L, rows))
      decreasing[[k]] <- isTRUE(view$keys[[k]]$descending)
    }
    keys$decreasing <- decreasing
    keys$method <- "radix"
    keys$na.last <- TRUE
    index <- rows[do.call(base::order, keys)]
  }
  view$index <- index
  view_rows(view, x)
}

sort_key <- function(col) {
  if (is.factor(col) || is.atomic(col) && !is.complex(col) && !is.object(col)) return(col)
  if (inherits(col, c("Date", "POSIXct", "difftime"))) return(unclass(col))
  if (is.complex(col)) return(Mod(col))
  stop("a column of class ", class(col)[1L], " cannot be sorted")
}

check_column <- function(x, column) {
  column <- suppressWarnings(as.integer(column))
  if (length(column) != 1L || is.na(column) || column < 0L || column >= table_columns(x)) {
    stop("there is no column ", column, " (the table has ", table_columns(x), ")")
  }
  column
}

filter_rows <- function(x, f) {
  column <- check_column(x, f$column)
  col <- table_column(x, column + 1L)
  op <- f$op
  if (is.null(op) || !is.character(op)) stop("a filter needs an op")
  if (op == "isNA") return(is.na(col))
  if (op == "notNA") return(!is.na(col))
  text <- is.character(col) || is.factor(col)
  if (op %in% c("contains", "startsWith", "endsWith", "regex")) {
    pattern <- f$value
    if (!is.character(pattern) || length(pattern) != 1L) stop("the '", op, "' filter needs a text value")
    s <- if (is.character(col)) col else as_text(col)
    ignore <- isTRUE(f$ignoreCase)
    hit <- switch(op,
      contains = if (ignore) grepl(tolower(pattern), tolower(s), fixed = TRUE) else grepl(pattern, s, fixed = TRUE),
      startsWith = if (ignore) startsWith(tolower(s), tolower(pattern)) else startsWith(s, pattern),
      endsWith = if (ignore) endsWith(tolower(s), tolower(pattern)) else endsWith(s, pattern),
      regex = {
        check_regex(pattern, ignore)
        grepl(pattern, s, ignore.case = ignore, perl = TRUE)
      }
    )
    return(!is.na(s) & hit)
  }
  if (op == "in") {
    values <- unlist(f$values)
    if (!length(values)) return(rep(FALSE, length(col)))
    s <- if (is.factor(col)) as_text(col) else col
    return(!is.na(s) & s %in% operand(column_kind(col), values, op))
  }
  if (!op %in% c("eq", "ne", "lt", "le", "gt", "ge", "between")) stop("unknown filter op '", op, "'")
  kind <- column_kind(col)
  value <- operand(kind, f$value, op)
  lhs <- if (is.factor(col)) as_text(col) else if (inherits(col, c("Date", "POSIXct"))) unclass(col) else col
  hit <- switch(op,
    eq = lhs == value, ne = lhs != value, lt = lhs < value, le = lhs <= value, gt = lhs > value, ge = lhs >= value,
    between = lhs >= value & lhs <= operand(kind, f$value2, op)
  )
  !is.na(hit) & hit
}

# A column as text, converted from a copy: as.character() of numbers makes
# a lazily converted vector that refers to its source (see the top of this
# file).
as_text <- function(col) as.character(col[seq_along(col)])

# A regular expression that does not compile is an error of its own
# (checked on an empty string, so that no column is near a handler).
check_regex <- function(pattern, ignore) {
  tryCatch(grepl(pattern, "", ignore.case = ignore, perl = TRUE), condition = function(e) {
    stop("the regular expression does not compile: ", gsub("\\s+", " ", conditionMessage(e)), call. = FALSE)
  })
  invisible()
}

# What a filter needs to know of a column to read its operand (the column
# itself stays out of the handlers below).
column_kind <- function(col) {
  if (is.numeric(col) && !is.object(col) || inherits(col, "difftime")) return(list(kind = "number"))
  if (is.logical(col)) return(list(kind = "logical"))
  if (inherits(col, "Date")) return(list(kind = "date"))
  if (inherits(col, "POSIXct")) return(list(kind = "datetime", tz = attr(col, "tzone") %||% ""))
  list(kind = "text")
}

# A filter's operand in the column's type: a number for numbers, TRUE/FALSE
# for logicals, a date for dates, text otherwise.
operand <- function(kind, value, op) {
  if (is.null(value) || !length(value)) stop("the '", op, "' filter needs a value")
  switch(kind$kind,
    number = {
      v <- suppressWarnings(as.numeric(value))
      if (anyNA(v)) stop("the '", op, "' filter of a numeric column needs a number, not '", value[is.na(v)][1L], "'")
      v
    },
    logical = {
      v <- if (is.logical(value)) value else toupper(as.character(value))
      v <- if (is.logical(v)) v else ifelse(v %in% c("TRUE", "T"), TRUE, ifelse(v %in% c("FALSE", "F"), FALSE, NA))
      if (anyNA(v)) stop("the '", op, "' filter of a logical column needs TRUE or FALSE")
      v
    },
    date = {
      v <- tryCatch(as.Date(as.character(value)), error = function(e) NA)
      if (anyNA(v)) stop("the '", op, "' filter of a date column needs a date such as 2024-01-31")
      unclass(v)
    },
    datetime = {
      v <- tryCatch(as.POSIXct(as.character(value), tz = kind$tz), error = function(e) NA)
      if (anyNA(v)) stop("the '", op, "' filter of a date-time column needs a time such as 2024-01-31 12:00")
      unclass(v)
    },
    as.character(value)
  )
}

# A number shown as a value of `like` (a date stays a date).
shown_as <- function(v, like) {
  if (is.object(like)) format(structure(v, class = class(like), tzone = attr(like, "tzone"))) else format(v, digits = 7L)
}

# The summary of a column works on a subset of it (its values that are not
# NA), never the column itself: R's summaries (hist(), quantile(), table())
# keep references to what they are given. A column of more than
# SUMMARY_SAMPLE rows is summarised from that many evenly spaced rows (the
# result says `sample`), so that a summary holds R for a bounded time (tens
# of milliseconds) whatever the size of the table: it runs in the same
# queue as the grid's pages. What one pass over the column gives cheaply
# stays exact: the NA count, and the range of numbers and dates
# (`exactRange`).
SUMMARY_SAMPLE <- 100000L

column_summary <- function(x, column, title) {
  column <- check_column(x, column)
  n <- table_rows(x)
  rows <- if (n > SUMMARY_SAMPLE) floor(seq(1, n, length.out = SUMMARY_SAMPLE))
  summarise_values(column_head(x, column, title, rows, n))
}

column_head <- function(x, column, title, rows, n) {
  col <- table_column(x, column + 1L, rows)
  na <- is.na(col)
  out <- list(column = column, name = table_names(x, title)[[column + 1L]], type = column_type(col), rows = n, naCount = sum(na))
  if (!is.null(rows)) {
    out$sample <- length(rows)
    whole <- table_column(x, column + 1L, NULL)
    out$naCount <- sum(is.na(whole))
    if (is.numeric(whole) && !is.object(whole) || inherits(whole, c("Date", "POSIXct"))) {
      range <- suppressWarnings(range(unclass(whole), finite = TRUE))
      if (all(is.finite(range))) out$exact_range <- list(min = shown_as(range[[1L]], whole), max = shown_as(range[[2L]], whole))
    }
  }
  # A classed column (a factor) subset here, in the frame that binds it,
  # through its `[` method would stay referenced (the next change to the
  # object copies it); through user_subset() it does not.
  list(out = out, values = if (is.object(col)) user_subset(col, which(!na)) else col[!na])
}

summarise_values <- function(head) {
  out <- head$out
  values <- head$values
  rm(head)
  if (is.numeric(values) && !is.object(values) || inherits(values, c("Date", "POSIXct"))) {
    numbers <- as.numeric(unclass(values))
    finite <- numbers[is.finite(numbers)]
    out$distinct <- length(unique(numbers))
    if (length(finite)) {
      out$min <- shown_as(min(finite), values)
      out$max <- shown_as(max(finite), values)
      if (!is.null(out$exact_range)) {
        out$min <- out$exact_range$min
        out$max <- out$exact_range$max
        out$exactRange <- TRUE
      }
      if (!is.object(values)) {
        out$mean <- mean(finite)
        q <- stats::quantile(finite, c(0.25, 0.5, 0.75), names = FALSE)
        out$median <- q[[2L]]
        out$quartiles <- I(q)
      }
      h <- graphics::hist(finite, breaks = min(30L, max(1L, grDevices::nclass.Sturges(finite))), plot = FALSE)
      out$histogram <- list(breaks = I(h$breaks), counts = I(as.numeric(h$counts)))
    }
  } else if (is.atomic(values) || is.factor(values)) {
    s <- if (is.factor(values)) as.character(values) else if (is.character(values)) values else format_values(values)
    # Counted by match(), not table(), whose factor() sorts the distinct
    # values in the locale's collation (seconds for 1e5 distinct strings);
    # ties in C-locale order.
    distinct <- unique(s)
    counts <- tabulate(match(s, distinct), length(distinct))
    out$distinct <- length(distinct)
    top <- utils::head(order(-counts, distinct, method = "radix"), 10L)
    out$top <- vector("list", length(top))
    for (i in seq_along(top)) out$top[[i]] <- list(value = distinct[[top[[i]]]], count = counts[[top[[i]]]])
    if (length(s)) {
      sorted <- range(s)
      out$min <- sorted[[1L]]
      out$max <- sorted[[2L]]
    }
  }
  out$exact_range <- NULL
  to_json(out)
}

# Kernel requests of the data viewer (server/src/session/dataViews.ts).

register_request("dataView/open", function(params) {
  path <- unlist(params$path)
  if (!is.character(path) || !length(path)) stop("a path is needed")
  x <- resolve_path(path)
  why <- not_viewable(x)
  if (!is.null(why)) stop(why)
  # A global variable is looked up again each time; a part of one is kept
  # by its path too.
  view <- new_view(params$title %||% variable_title(path), path, NULL)
  view$schema <- schema_of(x, view$title)
  paste0("{\"viewId\":", view$id, ",", substring(view_json(view, x), 2L))
})

variable_title <- function(path) paste(path, collapse = "")

register_request("dataView/schema", function(params) {
  view <- view_of(params$viewId)
  x <- view_object(view)
  view$schema <- schema_of(x, view$title)
  to_json(list(columns = view$schema, rowNames = !is.null(table_row_names(x))))
})

register_request("dataView/rows", function(params) {
  view <- view_of(params$viewId)
  view_page(view, as.numeric(params$start %||% 0), as.numeric(params$count %||% 100), params$columns)
})

register_request("dataView/sort", function(params) {
  set_view_order(view_of(params$viewId), "keys", params$keys %||% list())
})

register_request("dataView/filter", function(params) {
  set_view_order(view_of(params$viewId), "filters", params$filters %||% list())
})

# A new sort or filter of a view, applied now; the old one stays when this
# fails or is interrupted.
set_view_order <- function(view, what, value) {
  old <- view[[what]]
  assign(what, value, envir = view)
  done <- FALSE
  on.exit(if (!done) assign(what, old, envir = view))
  total <- reindex_view(view)
  done <- TRUE
  to_json(list(total = total))
}

reindex_view <- function(view) reindex(view, view_object(view))

register_request("dataView/summary", function(params) {
  view <- view_of(params$viewId)
  column_summary(view_object(view), params$column, view$title)
})

register_request("dataView/close", function(params) {
  views$all[[as.character(params$viewId)]] <- NULL
  "null"
})

# The object of a view may have changed (the server saw its variable
# change): its rows are indexed again, and what the client must know comes
# back. A view whose object went away says so and keeps nothing.
register_request("dataView/refresh", function(params) {
  view <- view_of(params$viewId)
  why <- view_problem(view)
  if (!is.null(why)) return(to_json(list(removed = TRUE, reason = why, rows = 0L, totalRows = 0L, columns = 0L)))
  kept <- length(view$keys) + length(view$filters) == 0L || !order_column_gone(view) && reindexed(view)
  if (!kept) {
    view$keys <- list()
    view$filters <- list()
    view$index <- NULL
  }
  refreshed(view, !kept)
})

# Why a view's object cannot be shown any more, or NULL.
view_problem <- function(view) tryCatch(object_problem(view), error = function(e) conditionMessage(e))

object_problem <- function(view) not_viewable(view_object(view))

# Whether a column the view sorts or filters by is gone: no column at its
# index now, or one of another name (an earlier column was removed), which
# the sort or filter was not meant for.
order_column_gone <- function(view) {
  names <- table_names(view_object(view), view$title)
  for (item in c(view$keys, view$filters)) {
    j <- suppressWarnings(as.integer(item$column))
    if (length(j) != 1L || is.na(j) || j < 0L || j >= length(names) || j >= length(view$schema)) return(TRUE)
    if (!identical(view$schema[[j + 1L]]$name, names[[j + 1L]])) return(TRUE)
  }
  FALSE
}

# Indexes a view again: FALSE when its sort or filter no longer applies (a
# column's type changed), which then drops them.
reindexed <- function(view) {
  tryCatch(
    {
      reindex_view(view)
      TRUE
    },
    error = function(e) FALSE
  )
}

refreshed <- function(view, dropped) {
  x <- view_object(view)
  schema <- schema_of(x, view$title)
  changed <- !identical(schema, view$schema)
  view$schema <- schema
  to_json(list(rows = view_rows(view, x), totalRows = table_rows(x), columns = table_columns(x), schemaChanged = changed || dropped))
}
