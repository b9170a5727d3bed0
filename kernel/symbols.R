# Changed-symbol bookkeeping for the global environment.
#
# After each execution the kernel compares the global environment with the
# previous snapshot. A snapshot keeps, per binding, the object's address (an
# external pointer that does not keep the object alive and adds no
# reference, so a later in-place change such as x[1] <- 0 still happens in
# place), its kind (value, promise, active binding) and the JSON of its last
# description. The comparison is one identical() over the address lists when
# nothing moved, and a bisection over them when something did; only what
# changed is described again.
#
# Objects modified in place keep their address (a regular vector after
# x[2] <- 0, a data.table after :=, an environment after env$a <- 1). Those are
# found from the code itself: every symbol that is the target of an
# assignment, or that data.table-style code modifies, is described again and
# reported when its description differs.

# How long describing the changed variables may take after an execution, in
# seconds: past it, the rest are reported as pending (name only) and
# described while R is idle (describe_pending(), a kernel request the server
# sends when nothing else waits), so that the answer of an execution that
# creates thousands of variables never waits for their descriptions.
DESCRIBE_BUDGET <- 0.002
# The first few are described whatever the clock says: an execution that
# changes a handful of variables reports them whole, also on a busy machine.
DESCRIBE_ALWAYS <- 16L
# How long one round of describing pending variables may take: an execution
# that arrives meanwhile waits at most this long.
PENDING_BUDGET <- 0.02

# How many bindings an execution looks at (kind and address, about 0.6 µs
# each) besides its assignment targets and the names it added: with up to
# this many globals, all of them; with more, this many in turn (a window
# that moves on with every execution), and the rest are "unchecked" until
# R is idle (describe_pending() goes on with them), so that the cost of an
# execution does not grow with the number of globals.
CHECK_WINDOW <- 1500L

# A snapshot has, per name of the global environment (in ls() order): its
# binding's kind and its value's address as last looked at, the JSON of its
# last description, and whether it is unchecked (an execution may have
# changed it since it was last looked at). `pending` names have no
# description yet; `envs` are the names of environments; `from` is where the
# next window begins.
empty_snapshot <- function() {
  list(names = character(0), kinds = integer(0), addresses = list(), json = character(0), unchecked = logical(0),
    pending = character(0), envs = character(0), from = 1L)
}
snapshot <- empty_snapshot()

# The kinds of the bindings `names` and the addresses of their values
# (NULL for promises and active bindings, which are neither forced nor
# called).
look_at <- function(env, names) {
  kinds <- binding_kinds(env, names)
  addresses <- vector("list", length(names))
  if (has_rlang) {
    for (i in which(kinds == 0L)) addresses[[i]] <- .Internal(address(env[[names[i]]]))
  } else {
    # Without rlang a promise cannot be told from a value, so getting one
    # forces it, and forcing can fail: one failing promise must not fail
    # every execution.
    for (i in which(kinds == 0L)) addresses[[i]] <- tryCatch(.Internal(address(env[[names[i]]])), error = address_failed)
  }
  list(kinds = kinds, addresses = addresses)
}

address_failed <- function(e) NULL

# Positions where two equally long lists of addresses differ, by bisection:
# one identical() call when nothing differs.
differing <- function(a, b, offset = 0L) {
  if (identical(a, b)) return(integer(0))
  n <- length(a)
  if (n == 1L) return(offset + 1L)
  h <- n %/% 2L
  c(
    differing(a[seq_len(h)], b[seq_len(h)], offset),
    differing(a[(h + 1L):n], b[(h + 1L):n], offset + h)
  )
}

# Symbols that `exprs` may have modified in place. Code that names no
# assignment operator and no function that could modify in place is not
# walked at all.
ASSIGNING <- c("<-", "=", "<<-", "assign", ":=")

# The names in the code (one C call), rather than searches of its text.
may_assign <- function(exprs) {
  names <- all.names(exprs, unique = TRUE)
  any(match(ASSIGNING, names, 0L) > 0L) || any(startsWith(names, "set"))
}

assignment_targets <- function(exprs) {
  # A set (environment keys), not a growing vector: 100,000 assignments in
  # one execution must stay linear.
  found <- new.env(hash = TRUE, parent = emptyenv())
  add <- function(name) if (!is.null(name) && length(name) == 1L && !is.na(name) && nzchar(name)) assign(name, TRUE, envir = found)
  target_of <- function(lhs) {
    while (is.call(lhs) && length(lhs) >= 2L) lhs <- lhs[[2L]]
    if (is.symbol(lhs)) as.character(lhs) else if (is.character(lhs) && length(lhs) == 1L) lhs else NULL
  }
  walk <- function(e) {
    if (!is.call(e)) return()
    head <- e[[1L]]
    if (is.symbol(head)) {
      fn <- as.character(head)
      if (fn %in% c("<-", "=", "<<-") && length(e) == 3L) {
        add(target_of(e[[2L]]))
      } else if (fn %in% c("->", "->>") && length(e) == 3L) {
        add(target_of(e[[3L]]))
      } else if (fn == "assign" && length(e) >= 2L && is.character(e[[2L]])) {
        add(e[[2L]])
      } else if (fn == "[" && length(e) >= 3L && any(vapply(as.list(e)[-(1:2)], is_walrus, NA))) {
        add(target_of(e[[2L]]))
      } else if (startsWith(fn, "set") && length(e) >= 2L && is.symbol(e[[2L]])) {
        add(as.character(e[[2L]]))
      }
    }
    # By index: an empty argument (the `, ` in m[, 1]) is R's missing
    # argument, which cannot be bound to a loop variable.
    parts <- as.list(e)
    for (i in seq_along(parts)) if (is.call(parts[[i]])) walk(parts[[i]])
  }
  for (e in exprs) walk(e)
  ls(found, all.names = TRUE, sorted = FALSE)
}

is_walrus <- function(e) is.call(e) && identical(e[[1L]], as.name(":="))

# Compares the global environment with the last snapshot. Returns NULL when
# nothing changed and nothing is left unchecked, else the JSON body of a
# `symbols` frame. `suspects`: names the execution may have modified in
# place (its assignment targets), looked at whatever the window.
symbol_changes <- function(suspects = character(0), window = CHECK_WINDOW) {
  env <- globalenv()
  before <- snapshot
  now <- before
  # What ls(env, sorted = FALSE) returns, without its argument handling
  # (this is on the path of every execution).
  names <- .Internal(ls(env, FALSE, FALSE))
  n <- length(names)
  # Environments (R6 objects among them) change without any assignment to
  # their name (cnt$add()): every execution looks at them again.
  suspects <- c(suspects, before$envs)
  same <- identical(names, before$names)
  if (!n && same && !length(suspects)) {
    state$changed_names <- character(0)
    return(NULL)
  }
  # The common case, on the path of every execution: a few globals, none
  # the code assigned, and all as they were (one identical() each).
  seen <- NULL
  if (same && n <= window && !length(now$pending)) {
    seen <- look_at(env, names)
    if (!length(suspects) &&
      identical(seen$addresses, before$addresses) && identical(seen$kinds, before$kinds)) {
      state$changed_names <- character(0)
      return(NULL)
    }
  }
  if (same) {
    added <- integer(0)
    removed <- character(0)
  } else {
    m <- match(names, before$names)
    added <- which(is.na(m))
    removed <- before$names[is.na(match(before$names, names))]
    now$names <- names
    # NA (NULL for the addresses) where a name was added.
    now$kinds <- before$kinds[m]
    now$addresses <- before$addresses[m]
    now$json <- before$json[m]
    now$pending <- intersect(before$pending, names)
  }
  # What is looked at now: the window, the suspects, and not the added or
  # pending names (they are described below or later, with their address).
  if (n <= window) {
    # Every name, suspects included (seen already when nothing was added).
    look <- seq_len(n)
    now$from <- 1L
  } else {
    from <- if (before$from > n) 1L else before$from
    look <- (seq.int(from - 1L, length.out = window) %% n) + 1L
    now$from <- look[window] %% n + 1L
    at <- match(suspects, names)
    look <- union(look, at[!is.na(at)])
  }
  skip <- c(added, if (length(now$pending)) match(now$pending, names))
  if (length(skip)) look <- look[!look %in% skip]
  if (is.null(seen)) seen <- look_at(env, names[look])
  changed <- look[union(differing(seen$addresses, now$addresses[look]), which(seen$kinds != now$kinds[look]))]
  now$kinds[look] <- seen$kinds
  now$addresses[look] <- seen$addresses
  # Whatever this execution did not look at may have changed.
  now$unchecked <- rep.int(n > window, n)
  now$unchecked[c(look, skip)] <- FALSE
  unchecked <- if (n > window) sum(now$unchecked) else 0L
  if (!length(added) && !length(changed) && !length(removed) && !length(suspects)) {
    snapshot <<- now
    state$changed_names <- character(0)
    return(if (unchecked) unchecked_json(unchecked))
  }
  outcome <- describe_changes(env, now, added, changed, suspects, look)
  now <- outcome$now
  changed <- outcome$changed
  # For breakpoints (kernel/debug.R): the functions an execution defined.
  state$changed_names <- names[c(added, changed)]
  snapshot <<- now
  if (!length(added) && !length(changed) && !length(removed)) return(if (unchecked) unchecked_json(unchecked))
  # Those not described yet go by name only (an execution that makes
  # 10,000 variables would otherwise send a megabyte of placeholders).
  late <- outcome$late
  pending <- ""
  if (length(late)) {
    pending <- paste0(
      names_field("addedPending", names[added[added %in% late]]),
      names_field("changedPending", names[changed[changed %in% late]])
    )
    added <- added[!added %in% late]
    changed <- changed[!changed %in% late]
  }
  paste0(
    "{\"added\":[", paste(now$json[added], collapse = ","),
    "],\"changed\":[", paste(now$json[changed], collapse = ","), "]", pending,
    ",\"removed\":", if (length(removed)) json_array_of_strings(removed) else "[]",
    if (unchecked) paste0(",\"unchecked\":", unchecked),
    "}"
  )
}

names_field <- function(field, names) {
  if (length(names)) paste0(",\"", field, "\":", json_array_of_strings(names)) else ""
}

unchecked_json <- function(count) {
  paste0("{\"added\":[],\"changed\":[],\"removed\":[],\"unchecked\":", count, "}")
}

# Describes the `added` and `changed` positions of `now` within the budget
# (the rest become pending), and looks again at the `suspects` not among
# them, which are reported changed when their description differs.
# `looked`: the positions whose kind and address were just taken. Returns
# the updated snapshot and the changed positions.
describe_changes <- function(env, now, added, changed, suspects, looked) {
  deadline <- proc.time()[[3L]] + DESCRIBE_BUDGET
  fresh <- c(added, changed)
  done <- 0L
  for (i in fresh) {
    if (done >= DESCRIBE_ALWAYS && proc.time()[[3L]] > deadline) break
    if (is.na(now$kinds[i])) {
      # Added: not looked at yet.
      d <- describe_now(env, now$names[i])
      now$kinds[i] <- d$kind
      now$addresses[i] <- d$address
      now$json[i] <- d$json
    } else {
      now$json[i] <- describe_json(env, now$names[i], now$kinds[i])
    }
    done <- done + 1L
  }
  described <- fresh[seq_len(done)]
  late <- fresh[seq_along(fresh) > done]
  if (length(late)) {
    # No description yet: it cannot equal the one to come.
    now$json[late] <- ""
    now$pending <- union(now$pending, now$names[late])
  }
  suspects <- setdiff(match(suspects, now$names), c(NA, fresh))
  for (i in suspects) {
    # Past the budget a suspect cannot be told changed or not: it is looked
    # at again while R is idle, and reported then if it changed.
    if (length(described) >= DESCRIBE_ALWAYS && proc.time()[[3L]] > deadline) {
      now$pending <- union(now$pending, now$names[i])
      next
    }
    # Looked at with the window, unless pending (its kind may have changed).
    if (!i %in% looked) {
      d <- describe_now(env, now$names[i])
      now$kinds[i] <- d$kind
      now$addresses[i] <- d$address
      json <- d$json
    } else {
      json <- describe_json(env, now$names[i], now$kinds[i])
    }
    described <- c(described, i)
    if (!identical(json, now$json[i])) {
      now$json[i] <- json
      changed <- c(changed, i)
    }
  }
  now$envs <- environments_among(now, now$envs, described)
  list(now = now, changed = changed, late = late)
}

# The description of binding `name`, and the kind and address of what was
# described.
describe_now <- function(env, name) {
  seen <- look_at(env, name)
  list(json = describe_json(env, name, seen$kinds), kind = seen$kinds, address = seen$addresses)
}

# The names of the environments among the variables: those known before,
# updated from what was just described (positions `described` of `now`).
environments_among <- function(now, envs, described) {
  if (!length(described)) return(intersect(envs, now$names))
  names <- now$names[described]
  is_env <- grepl("\"type\":\"environment\"", now$json[described], fixed = TRUE)
  union(setdiff(intersect(envs, now$names), names), names[is_env])
}

describe_json <- function(env, name, kind) {
  tryCatch(
    variable_json(describe_binding(env, name, name, kind)),
    error = function(e) variable_json(describe_broken(name, name, conditionMessage(e)))
  )
}

# While R is idle: describes pending variables for up to `budget` seconds
# (at least one), then looks at unchecked ones with what is left of it.
# Returns the JSON body of a kernel response: the variables whose
# description changed, how many are still pending, and how many unchecked.
describe_pending <- function(budget = PENDING_BUDGET) {
  env <- globalenv()
  now <- snapshot
  if (!identical(ls(env, sorted = FALSE), now$names)) {
    # Something other than an execution added or removed variables: a
    # whole comparison, as after an execution.
    body <- symbol_changes(window = .Machine$integer.max) %||% "{\"added\":[],\"changed\":[],\"removed\":[]}"
    return(paste0(substr(body, 1L, nchar(body) - 1L), ",\"pending\":", length(snapshot$pending), ",\"unchecked\":0}"))
  }
  deadline <- proc.time()[[3L]] + budget
  changed <- integer(0)
  touched <- integer(0)
  done <- 0L
  total <- length(now$pending)
  # Positions are looked up a chunk at a time: one match() per name would
  # cost a pass over every name each.
  while (done < total && (done == 0L || proc.time()[[3L]] <= deadline)) {
    chunk <- now$pending[seq.int(done + 1L, min(total, done + 64L))]
    at <- match(chunk, now$names)
    for (j in seq_along(chunk)) {
      if (done > 0L && proc.time()[[3L]] > deadline) break
      done <- done + 1L
      i <- at[j]
      if (is.na(i)) next
      touched <- c(touched, i)
      d <- describe_now(env, chunk[j])
      now$kinds[i] <- d$kind
      now$addresses[i] <- d$address
      now$unchecked[i] <- FALSE
      if (!identical(d$json, now$json[i])) {
        now$json[i] <- d$json
        changed <- c(changed, i)
      }
    }
  }
  now$pending <- now$pending[seq_along(now$pending) > done]
  # Unchecked bindings, a window at a time while the budget lasts: those
  # whose kind or address moved are described (or become pending).
  while (any(now$unchecked) && proc.time()[[3L]] <= deadline) {
    look <- utils::head(which(now$unchecked), CHECK_WINDOW)
    seen <- look_at(env, now$names[look])
    moved <- look[union(differing(seen$addresses, now$addresses[look]), which(seen$kinds != now$kinds[look]))]
    now$kinds[look] <- seen$kinds
    now$addresses[look] <- seen$addresses
    now$unchecked[look] <- FALSE
    for (i in moved) {
      if (proc.time()[[3L]] > deadline) {
        now$pending <- union(now$pending, now$names[i])
        next
      }
      touched <- c(touched, i)
      d <- describe_now(env, now$names[i])
      now$kinds[i] <- d$kind
      now$addresses[i] <- d$address
      if (!identical(d$json, now$json[i])) {
        now$json[i] <- d$json
        changed <- c(changed, i)
      }
    }
  }
  now$envs <- environments_among(now, now$envs, touched)
  snapshot <<- now
  paste0("{\"added\":[],\"changed\":[", paste(now$json[unique(changed)], collapse = ","), "],\"removed\":[],\"pending\":",
    length(now$pending), ",\"unchecked\":", sum(now$unchecked), "}")
}

# The whole global environment, described afresh (after start-up and for a
# client's full refresh).
reset_snapshot <- function() {
  snapshot <<- empty_snapshot()
  symbol_changes(window = .Machine$integer.max)
}
