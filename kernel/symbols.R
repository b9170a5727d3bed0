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

snapshot <- NULL

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

# The JSON of a variable whose description is still to come.
pending_json <- function(names) {
  paste0("{\"name\":", json_string(names), ",\"path\":[", json_string(names),
    "],\"type\":\"\",\"class\":[],\"length\":null,\"summary\":\"\",\"hasChildren\":false,\"pending\":true}")
}

take_snapshot <- function() {
  env <- globalenv()
  names <- ls(env, sorted = FALSE)
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
  list(names = names, kinds = kinds, addresses = addresses, pending = character(0), envs = character(0))
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

# Symbols that `exprs` may have modified in place. `code` is its text: code
# with no assignment operator and no call that could modify in place is
# not walked at all.
MAY_ASSIGN <- "<-|->|=|assign|set"

assignment_targets <- function(exprs, code) {
  if (!grepl(MAY_ASSIGN, code, perl = TRUE)) return(character(0))
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
# nothing changed, else the JSON body of a `symbols` frame.
symbol_changes <- function(suspects = character(0)) {
  now <- take_snapshot()
  before <- snapshot
  # Environments (R6 objects among them) change without any assignment to
  # their name (cnt$add()): every execution looks at them again.
  suspects <- c(suspects, before$envs)
  if (!length(suspects) && identical(now$names, before$names) && identical(now$kinds, before$kinds) &&
    identical(now$addresses, before$addresses)) {
    state$changed_names <- character(0)
    return(NULL)
  }
  env <- globalenv()
  if (identical(now$names, before$names)) {
    # The common case (values replaced, none added or removed): no name
    # matching, and the previous descriptions carry over as they are.
    added <- integer(0)
    removed <- character(0)
    changed <- union(differing(now$addresses, before$addresses), which(now$kinds != before$kinds))
    now$json <- before$json
  } else {
    m <- match(now$names, before$names)
    common <- which(!is.na(m))
    moved <- common[differing(now$addresses[common], before$addresses[m[common]])]
    added <- which(is.na(m))
    removed <- before$names[is.na(match(before$names, now$names))]
    kind_changed <- which(!is.na(m) & now$kinds != before$kinds[m])
    changed <- union(moved, kind_changed)
    now$json <- character(length(now$names))
    now$json[common] <- before$json[m[common]]
  }
  # Names still to be described: those pending before (and still there),
  # and whatever does not fit in the budget now.
  now$pending <- intersect(before$pending, now$names)
  deadline <- proc.time()[[3L]] + DESCRIBE_BUDGET
  fresh <- c(added, changed)
  # For breakpoints (kernel/debug.R): the functions an execution defined.
  state$changed_names <- now$names[fresh]
  done <- 0L
  for (i in fresh) {
    if (done >= DESCRIBE_ALWAYS && proc.time()[[3L]] > deadline) break
    now$json[i] <- describe_json(env, now$names[i], now$kinds[i])
    done <- done + 1L
  }
  described <- fresh[seq_len(done)]
  late <- fresh[seq_along(fresh) > done]
  if (length(late)) {
    now$json[late] <- pending_json(now$names[late])
    now$pending <- union(now$pending, now$names[late])
  }
  suspects <- setdiff(match(suspects, now$names), c(NA, added, changed))
  for (i in suspects) {
    # Past the budget a suspect cannot be told changed or not: it is looked
    # at again while R is idle, and reported then if it changed.
    if (length(described) >= DESCRIBE_ALWAYS && proc.time()[[3L]] > deadline) {
      now$pending <- union(now$pending, now$names[i])
      next
    }
    fresh <- describe_json(env, now$names[i], now$kinds[i])
    described <- c(described, i)
    if (!identical(fresh, now$json[i])) {
      now$json[i] <- fresh
      changed <- c(changed, i)
    }
  }
  now$envs <- environments_among(now, before$envs, described)
  snapshot <<- now
  if (!length(added) && !length(changed) && !length(removed)) return(NULL)
  paste0(
    "{\"added\":[", paste(now$json[added], collapse = ","),
    "],\"changed\":[", paste(now$json[changed], collapse = ","),
    "],\"removed\":", if (length(removed)) json_array_of_strings(removed) else "[]",
    "}"
  )
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

# Describes pending variables for up to `budget` seconds (at least one);
# returns the JSON body of a kernel response: those whose description
# changed, and how many are still pending.
describe_pending <- function(budget = PENDING_BUDGET) {
  env <- globalenv()
  now <- snapshot
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
    kinds <- binding_kinds(env, chunk[!is.na(at)])
    k <- 0L
    for (j in seq_along(chunk)) {
      if (done > 0L && proc.time()[[3L]] > deadline) break
      done <- done + 1L
      i <- at[j]
      if (is.na(i)) next
      k <- k + 1L
      touched <- c(touched, i)
      fresh <- describe_json(env, chunk[j], kinds[k])
      if (!identical(fresh, now$json[i])) {
        now$json[i] <- fresh
        changed <- c(changed, i)
      }
    }
  }
  now$pending <- now$pending[seq_along(now$pending) > done]
  now$envs <- environments_among(now, now$envs, touched)
  snapshot <<- now
  paste0("{\"changed\":[", paste(now$json[changed], collapse = ","), "],\"pending\":", length(now$pending), "}")
}

# The whole global environment, described afresh (after start-up and for a
# client's full refresh).
reset_snapshot <- function() {
  snapshot <<- list(names = character(0), kinds = integer(0), addresses = list(), json = character(0), pending = character(0), envs = character(0))
  symbol_changes()
}
