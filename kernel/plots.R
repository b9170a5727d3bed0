# Plots: every page R draws on the default device becomes a plot of the
# history, announced to the server (a `plot` frame) with a PNG at the size
# of the client's Plots view, and rendered again at any size or format on
# request.
#
# The default device (options(device)) is the kernel's own: a pdf(NULL)
# with its display list on, which draws nothing anywhere and writes no
# file. A page is recorded (recordPlot()) when it ends: when a new page
# starts on the device (the hooks before.plot.new and before.grid.newpage,
# which base graphics, grid, lattice and ggplot2 all go through), and at the
# end of each execution, which also catches drawing added to a page already
# announced (lines() after plot()). A recording is replayed (replayPlot())
# into a png/svg/pdf device for each picture.
#
# The device is not interactive (dev.interactive() is FALSE), so plot.lm()
# and the like draw all their pages without asking "Hit <Return> to see
# next plot". Devices the user opens (png(), pdf(), ggsave()) work as in R:
# they are not the kernel's, and it leaves them alone.

plots <- new.env(parent = emptyenv())
# The history, oldest first: list(id, record, bytes, exec, line).
plots$history <- list()
plots$next_id <- 1L
# The number of the kernel's device (0: none open) and the token it is
# tagged with in R's list of devices: a device the user opens later may get
# the same number.
plots$device <- 0L
plots$token <- NULL
plots$tokens <- 0L
# The plot on the device's current page once announced, and the length of
# the page's display list then.
plots$current <- NULL
plots$current_length <- 0L
# The length of the page's display list when the user removed its plot
# from the history (-1: not removed): the page is not announced again
# unless it grows.
plots$dismissed <- -1L
# Where the page on the device started: the execution and its line.
plots$page_exec <- "0"
plots$page_line <- 0L
# The client's view: list(width, height, pixel_ratio, background), or NULL.
plots$settings <- NULL
# When a page that ended in the middle of an execution was last rendered.
plots$rendered_at <- 0
plots$noticed_device <- NULL

# The history's caps; the options rbridge.plots.maxCount and
# rbridge.plots.maxBytes change them.
PLOTS_MAX_COUNT <- 50L
PLOTS_MAX_BYTES <- 100 * 1024^2

plots_max <- function(what) {
  value <- switch(what,
    count = getOption("rbridge.plots.maxCount", PLOTS_MAX_COUNT),
    bytes = getOption("rbridge.plots.maxBytes", PLOTS_MAX_BYTES)
  )
  value <- suppressWarnings(as.numeric(value)[1L])
  if (is.na(value) || value < 1) if (what == "count") PLOTS_MAX_COUNT else PLOTS_MAX_BYTES else value
}
# R's default device is 7 by 7 inches; a device opened before the client
# said its size gets the size of a typical view.
PLOT_DEFAULT_SIZE <- c(width = 672, height = 480)
PLOT_MIN_SIZE <- c(width = 480, height = 360)
# Pages that end while an execution goes on (a loop drawing plot after
# plot) are rendered at most once a second; the others when shown.
PLOT_RENDER_INTERVAL <- 1
DPI <- 96

install_plots <- function() {
  # The option rbridge.device keeps the kernel's device, for a user who set
  # another one to come back to it.
  options(device = plot_device, rbridge.device = plot_device)
  ensure_plot_hooks()
}

ensure_plot_hooks <- function() {
  if (!any(vapply(getHook("before.plot.new"), identical, NA, plot_new_hook))) setHook("before.plot.new", plot_new_hook)
  if (!any(vapply(getHook("before.grid.newpage"), identical, NA, grid_newpage_hook))) setHook("before.grid.newpage", grid_newpage_hook)
}

# The default device. R calls it when something is drawn and no device is
# open (and for dev.new()).
plot_device <- function(...) {
  size <- plot_size(plots$settings)
  # The page's background is the view's (white unless the client says
  # otherwise), as on R's own screen devices: base graphics record it with
  # the plot and fill each page with it wherever the plot is drawn again,
  # and a transparent one would make saved pictures transparent.
  background <- if (is.null(plots$settings)) "white" else plots$settings$background
  grDevices::pdf(NULL, width = size[["width"]] / DPI, height = size[["height"]] / DPI, bg = background)
  grDevices::dev.control(displaylist = "enable")
  number <- grDevices::dev.cur()
  # The tag rides on the device's entry in R's own list of devices, which R
  # replaces when the device closes.
  plots$tokens <- plots$tokens + 1L
  plots$token <- plots$tokens
  devices <- get(".Devices", envir = baseenv())
  devices[[number]] <- structure(devices[[number]], rbridge = plots$token)
  assign(".Devices", devices, envir = baseenv())
  plots$device <- number
  plots$current <- NULL
  plots$current_length <- 0L
  plots$dismissed <- -1L
  page_started()
  invisible()
}

# The device takes the view's size, but no less than R needs to draw a
# plot with its default margins: code must not fail with "figure margins
# too large" because the view is small (the picture then says so instead).
plot_size <- function(settings) {
  if (is.null(settings)) return(PLOT_DEFAULT_SIZE)
  c(width = max(settings$width, PLOT_MIN_SIZE[["width"]]), height = max(settings$height, PLOT_MIN_SIZE[["height"]]))
}

is_ours <- function() {
  if (plots$device == 0L) return(FALSE)
  number <- dev_cur()
  number == plots$device && identical(attr(.Devices[[number]], "rbridge"), plots$token)
}

dev_cur <- grDevices::dev.cur

page_started <- function() {
  plots$page_exec <- current_exec$id
  plots$page_line <- current_exec$line
}

# before.plot.new: R's plot.new() calls it through try(), which would print
# an error; the kernel's own failures go to the log instead. A new figure
# of par(mfrow) on the same page is not a new page.
plot_new_hook <- function() {
  if (is_ours() && isTRUE(graphics::par("page"))) page_ending()
  invisible()
}

grid_newpage_hook <- function() {
  if (is_ours()) page_ending()
  invisible()
}

page_ending <- function() {
  suspendInterrupts(tryCatch(
    {
      due <- as.numeric(Sys.time()) - plots$rendered_at >= PLOT_RENDER_INTERVAL
      capture(ended = TRUE, render = due)
    },
    error = function(e) log_line("the kernel could not record a plot: ", conditionMessage(e))
  ))
  page_started()
}

# At the end of each execution: what the execution drew on the page that
# is still on the device. Cheap when nothing is open: no device, no work.
# The usual case, a page announced and unchanged, is settled before the
# error handling is set up (which costs as much again).
check_plots <- function(exec) {
  if (identical(.Device, "null device")) return(invisible())
  ours <- is_ours()
  if (ours && !is.null(plots$current) && length(page_snapshot()[[1L]]) == plots$current_length) return(invisible())
  tryCatch(
    if (ours) capture(ended = FALSE, render = TRUE, exec = exec) else check_device_option(exec),
    error = function(e) log_line("the kernel could not record a plot: ", conditionMessage(e))
  )
  invisible()
}

# The user set options(device) to another device: plots no longer come
# here. Said once for each such setting.
check_device_option <- function(exec) {
  device <- getOption("device")
  if (identical(device, plot_device)) {
    plots$noticed_device <- NULL
    return()
  }
  if (identical(device, plots$noticed_device)) return()
  plots$noticed_device <- device
  write_frame("plots", exec, "device",
    body = "R's default graphics device was changed (options(device)): plots go to that device, not to the Plots view. To see them here again, run options(device = getOption(\"rbridge.device\")) and draw again.")
}

# Records the page on the kernel's device: a new plot, an update of the plot
# announced for this page, or nothing when the page is unchanged or empty.
capture <- function(ended, render, exec = current_exec$id) {
  record <- page_snapshot()
  length <- length(record[[1L]])
  id <- plots$current
  announced_length <- plots$current_length
  dismissed <- plots$dismissed
  if (ended) {
    plots$current <- NULL
    plots$current_length <- 0L
    plots$dismissed <- -1L
  }
  if (length == 0L || is.null(id) && length == dismissed) return(invisible())
  index <- if (is.null(id)) 0L else plot_index(id)
  if (index > 0L && (length == announced_length || settings_only(record[[1L]], announced_length))) return(invisible())
  record <- as_recorded_plot(record)
  entry <- list(id = id, record = record, bytes = as.numeric(utils::object.size(record)), exec = exec, line = current_exec$line)
  if (index > 0L) {
    kind <- "update"
    if (plots$history[[index]]$exec == entry$exec) entry$line <- plots$history[[index]]$line
    plots$history[[index]] <- entry
  } else {
    kind <- "new"
    entry$id <- plots$next_id
    plots$next_id <- plots$next_id + 1L
    if (plots$page_exec == entry$exec) entry$line <- plots$page_line
    plots$history[[length(plots$history) + 1L]] <- entry
    drop_over_caps(exec)
  }
  if (!ended) {
    plots$current <- entry$id
    plots$current_length <- length
  }
  announce(entry, kind, render)
}

# Whether the display list grew since `from` only by settings (par(),
# palette()), which change nothing on the page: par(mfrow = ...) before the
# next plot is not an update of the last one.
settings_only <- function(list, from) {
  if (length(list) <= from) return(FALSE)
  all(vapply(list[seq.int(from + 1L, length(list))], function(entry) {
    symbol <- entry[[2L]][[1L]]
    is.list(symbol) && is.character(symbol$name) && symbol$name %in% c("C_par", "palette2")
  }, NA))
}

# The current device's display list and graphics state, as recordPlot()
# takes them but without what recordPlot() adds (its class and attributes
# cost three times as much as the copy for a small plot, and the check at
# the end of every execution only needs the list's length).
page_snapshot <- function() .External2(C_getSnapshot)
C_getSnapshot <- get("C_getSnapshot", envir = asNamespace("grDevices"))

as_recorded_plot <- function(record) {
  attr(record, "pid") <- Sys.getpid()
  class(record) <- "recordedplot"
  record
}

plot_index <- function(id) {
  for (i in seq_along(plots$history)) if (plots$history[[i]]$id == id) return(i)
  0L
}

# The oldest plots go when the history holds more than PLOTS_MAX_COUNT or
# its recordings more than PLOTS_MAX_BYTES (the newest always stays).
drop_over_caps <- function(exec) {
  dropped <- integer(0)
  repeat {
    n <- length(plots$history)
    bytes <- sum(vapply(plots$history, function(p) p$bytes, 0))
    if (n <= 1L || (n <= plots_max("count") && bytes <= plots_max("bytes"))) break
    dropped <- c(dropped, plots$history[[1L]]$id)
    plots$history <- plots$history[-1L]
  }
  if (length(dropped)) {
    if (!is.null(plots$current) && plots$current %in% dropped) plots$current <- NULL
    write_frame("plots", exec, c("capped", paste(dropped, collapse = ",")))
  }
}

announce <- function(entry, kind, render) {
  settings <- plots$settings
  image <- raw(0)
  size <- c(0, 0, 0)
  if (render && !is.null(settings)) {
    image <- tryCatch(
      render_record(entry$record, settings$width, settings$height, settings$pixel_ratio, "png", settings$background),
      error = function(e) raw(0)
    )
    plots$rendered_at <- as.numeric(Sys.time())
    if (length(image)) size <- c(settings$width, settings$height, settings$pixel_ratio)
  }
  write_frame("plot", entry$exec, c(entry$id, kind, entry$line, size), body = image)
}

PLOT_MIME_TYPES <- c(png = "image/png", svg = "image/svg+xml", pdf = "application/pdf")

# A recording replayed into a file of `format`, read back as bytes. The
# device that was current stays current; the file is removed.
render_record <- function(record, width, height, pixel_ratio, format, background) {
  file <- tempfile("rbridge-plot-", fileext = paste0(".", format))
  before <- grDevices::dev.cur()
  opened <- 0L
  on.exit({
    if (opened > 0L && opened %in% grDevices::dev.list()) grDevices::dev.off(opened)
    if (before > 1L && before %in% grDevices::dev.list()) grDevices::dev.set(before)
    unlink(file)
  })
  switch(format,
    png = grDevices::png(file,
      width = round(width * pixel_ratio), height = round(height * pixel_ratio),
      res = DPI * pixel_ratio, type = "cairo", bg = background
    ),
    svg = if (requireNamespace("svglite", quietly = TRUE)) {
      svglite::svglite(file, width = width / DPI, height = height / DPI, bg = background)
    } else {
      grDevices::svg(file, width = width / DPI, height = height / DPI, bg = background)
    },
    pdf = grDevices::pdf(file, width = width / DPI, height = height / DPI, bg = background)
  )
  opened <- grDevices::dev.cur()
  grDevices::replayPlot(record)
  grDevices::dev.off(opened)
  opened <- 0L
  size <- file.size(file)
  if (is.na(size) || size == 0) stop("the plot could not be rendered")
  readBin(file, "raw", size)
}

# Kernel requests of the Plots view (server/src/session/plots.ts).

# The view's size: the next pictures are rendered at it, and a device
# opened from now on takes it.
register_request("plots/settings", function(params) {
  plots$settings <- list(
    width = plot_dimension(params$width, "width"),
    height = plot_dimension(params$height, "height"),
    pixel_ratio = plot_ratio(params$pixelRatio),
    background = plot_background(params$background)
  )
  "null"
})

register_request("plots/render", function(params) {
  id <- as.integer(params$plotId)
  index <- if (length(id) == 1L && !is.na(id)) plot_index(id) else 0L
  if (index == 0L) stop("there is no plot ", params$plotId, " (it was removed, or R was restarted)")
  format <- params$format %||% "png"
  if (!is.character(format) || !format %in% names(PLOT_MIME_TYPES)) stop("unsupported format '", format, "': use png, svg or pdf")
  width <- plot_dimension(params$width, "width")
  height <- plot_dimension(params$height, "height")
  ratio <- if (format == "png") plot_ratio(params$pixelRatio) else 1
  background <- plot_background(params$background %||% plots$settings$background)
  bytes <- tryCatch(
    render_record(plots$history[[index]]$record, width, height, ratio, format, background),
    error = function(e) stop("the plot could not be drawn at ", width, "\u00d7", height, ": ", conditionMessage(e), call. = FALSE)
  )
  paste0(
    "{\"format\":\"", format, "\",\"mimeType\":\"", PLOT_MIME_TYPES[[format]],
    "\",\"width\":", width, ",\"height\":", height, ",\"pixelRatio\":", ratio,
    ",\"data\":\"", gsub("\n", "", jsonlite::base64_enc(bytes), fixed = TRUE), "\"}"
  )
})

register_request("plots/remove", function(params) {
  index <- plot_index(as.integer(params$plotId))
  if (index > 0L) {
    if (identical(plots$current, plots$history[[index]]$id)) dismiss_page()
    plots$history <- plots$history[-index]
  }
  if (index > 0L) "{\"removed\":true}" else "{\"removed\":false}"
})

register_request("plots/clear", function(params) {
  ids <- vapply(plots$history, function(p) p$id, 0L)
  plots$history <- list()
  if (!is.null(plots$current)) dismiss_page()
  to_json(list(removed = I(ids)))
})

# The plot of the page on the device was removed: the page stays as it is
# on the device, but is announced again only when drawing adds to it.
dismiss_page <- function() {
  plots$dismissed <- plots$current_length
  plots$current <- NULL
}

plot_dimension <- function(value, what) {
  value <- suppressWarnings(as.numeric(value))
  if (length(value) != 1L || is.na(value) || value < 1 || value > 20000) stop("the ", what, " must be a number of pixels from 1 to 20000")
  round(value)
}

plot_ratio <- function(value) {
  if (is.null(value)) return(1)
  value <- suppressWarnings(as.numeric(value))
  if (length(value) != 1L || is.na(value) || value <= 0 || value > 8) stop("the pixel ratio must be a number above 0 and at most 8")
  value
}

plot_background <- function(value) {
  if (is.null(value) || !nzchar(value)) return("white")
  ok <- tryCatch(is.matrix(grDevices::col2rgb(value)), error = function(e) FALSE)
  if (!ok) stop("'", value, "' is not a colour R knows")
  value
}
