# Help: R's help pages as HTML for a client's help viewer, from the Rd files
# of the installed packages (tools::Rd2HTML), without R's dynamic help
# server (it listens on a loopback port with no secret). Server module:
# server/src/session/help.ts.
#
# When the client shows help itself (the request help/viewer), ?topic and
# help() in R code send the page (a `help` frame) instead of printing it:
# the kernel registers its own print methods for what help() and
# help.search() return. Without a viewer (the command-line client) help
# prints as text, as in R's console, through a pager that writes to the
# console without the overstrike R's text help uses for bold and underline.

help_state <- new.env(parent = emptyenv())
help_state$viewer <- FALSE
help_state$links <- NULL
help_state$originals <- list()

install_help <- function() {
  options(pager = console_pager)
}

# R's pager, as a function: the files' text to stdout, without overstrike.
console_pager <- function(files, header = "", title = "", delete.file = FALSE) {
  for (i in seq_along(files)) {
    if (length(header) >= i && nzchar(header[[i]])) cat(header[[i]], "\n", sep = "")
    text <- readLines(files[[i]], warn = FALSE, encoding = "UTF-8")
    writeLines(gsub(".\b", "", text, useBytes = TRUE))
  }
  if (isTRUE(delete.file)) unlink(files)
  invisible()
}

register_request("help/viewer", function(params) {
  enabled <- isTRUE(params$enabled)
  if (enabled != help_state$viewer) {
    help_state$viewer <- enabled
    if (enabled) {
      for (class in names(HELP_PRINTERS)) {
        help_state$originals[[class]] <- utils::getS3method("print", class)
        registerS3method("print", class, HELP_PRINTERS[[class]], envir = asNamespace("utils"))
      }
    } else {
      for (class in names(HELP_PRINTERS)) registerS3method("print", class, help_state$originals[[class]], envir = asNamespace("utils"))
    }
  }
  "null"
})

# print() of help(topic): one page goes to the viewer, several make a list
# to choose from; no page at all prints R's own message.
print_help_topic <- function(x, ...) {
  paths <- as.character(x)
  if (!length(paths) || !help_state$viewer || identical(attr(x, "type"), "pdf")) return(help_state$originals$help_files_with_topic(x, ...))
  if (length(paths) == 1L) {
    page <- tryCatch(help_page_json(paths[[1L]]), error = function(e) NULL)
    if (is.null(page)) return(help_state$originals$help_files_with_topic(x, ...))
    suspendInterrupts(write_frame("help", current_exec$id, body = page))
  } else {
    matches <- lapply(paths, function(p) list(topic = attr(x, "topic"), package = basename(dirname(dirname(p))), title = help_title(p)))
    suspendInterrupts(write_frame("help", current_exec$id, body = to_json(list(query = attr(x, "topic"), matches = matches))))
  }
  invisible(x)
}

print_help_search <- function(x, ...) {
  if (!help_state$viewer) return(help_state$originals$hsearch(x, ...))
  suspendInterrupts(write_frame("help", current_exec$id, body = search_json(x)))
  invisible(x)
}

# help(package = p): the package's pages, as a list to choose from.
print_package_info <- function(x, ...) {
  if (!help_state$viewer || is.null(x$name)) return(help_state$originals$packageInfo(x, ...))
  suspendInterrupts(write_frame("help", current_exec$id, body = package_topics_json(x$name, paste0("package:", x$name))))
  invisible(x)
}

# print() methods of what help(), help.search() and help(package =) return,
# the kernel's own while a client shows help (help/viewer).
HELP_PRINTERS <- list(help_files_with_topic = print_help_topic, hsearch = print_help_search, packageInfo = print_package_info)

search_json <- function(x) {
  m <- x$matches
  query <- paste(x$pattern, collapse = " ")
  matches <- if (is.null(m) || !nrow(m)) list() else {
    keep <- !duplicated(paste(m$Package, m$Topic))
    m <- m[keep, , drop = FALSE]
    lapply(seq_len(nrow(m)), function(i) list(topic = m$Topic[[i]], package = m$Package[[i]], title = m$Title[[i]]))
  }
  to_json(list(query = query, matches = matches))
}

help_title <- function(path) {
  tryCatch(tools:::.Rd_get_metadata(utils:::.getHelpFile(path), "title")[[1L]], error = function(e) "")
}

# The links of every installed package's topics (computed once: about 50 ms).
help_links <- function() {
  if (is.null(help_state$links)) help_state$links <- tools::findHTMLlinks()
  help_state$links
}

# One help page, rendered: JSON {topic, package, title, html}.
help_page_json <- function(path) {
  rd <- utils:::.getHelpFile(path)
  package <- basename(dirname(dirname(path)))
  out <- tempfile(fileext = ".html")
  on.exit(unlink(out))
  tools::Rd2HTML(rd, out, package = package, Links = help_links(), stages = "render", texmath = "katex")
  html <- paste(readLines(out, warn = FALSE, encoding = "UTF-8"), collapse = "\n")
  to_json(list(topic = basename(path), package = package, title = tools:::.Rd_get_metadata(rd, "title")[[1L]], html = help_body(html)))
}

# The body of R's page, with links made rhelp: links, examples marked, and
# nothing that loads from elsewhere (R's page links a stylesheet and KaTeX).
help_body <- function(html) {
  body <- sub("(?s).*<body[^>]*>", "", html, perl = TRUE)
  body <- sub("(?s)</body>.*", "", body, perl = TRUE)
  body <- gsub("(?s)<script.*?</script>", "", body, perl = TRUE)
  body <- gsub("<link[^>]*>", "", body, perl = TRUE)
  # ../../pkg/html/file.html, ../../pkg/help/topic.html, ../../pkg/help/topic
  body <- gsub("href=\"\\.\\./\\.\\./([^/\"]+)/(?:html|help)/([^\"#]+?)(?:\\.html)?(#[^\"]*)?\"", "href=\"rhelp:?topic=\\2&amp;package=\\1\"", body, perl = TRUE)
  body <- gsub("href=\"\\.\\./\\.\\./([^/\"]+)/(?:DESCRIPTION|html/00Index\\.html)\"", "href=\"rhelp:?package=\\1\"", body, perl = TRUE)
  body <- gsub("href=\"(?!rhelp:|#|https?:)[^\"]*\"", "href=\"#\"", body, perl = TRUE)
  sub("(<h3>Examples</h3>\\s*<pre)", "\\1 class=\"r-example\"", body, perl = TRUE)
}

# The server's request r/help: a page, or the pages that match.
register_request("help/page", function(params) {
  topic <- params$topic
  package <- params$package
  query <- params$query
  if (!is.null(query) && nzchar(query)) return(search_json(utils::help.search(query)))
  if ((is.null(topic) || !nzchar(topic)) && !is.null(package)) return(package_topics_json(package))
  if (is.null(topic) || !nzchar(topic)) stop("a topic, a package or a query is needed")
  # A package that is not installed documents nothing, as an unknown topic.
  if (!is.null(package) && !length(find.package(package, quiet = TRUE))) return("{\"matches\":[]}")
  paths <- if (is.null(package)) utils::help(topic, help_type = "html") else utils::help(topic, package = (package), help_type = "html", try.all.packages = FALSE)
  paths <- as.character(paths)
  if (!length(paths)) return("{\"matches\":[]}")
  if (length(paths) == 1L) return(help_page_json(paths[[1L]]))
  to_json(list(matches = lapply(paths, function(p) list(topic = topic, package = basename(dirname(dirname(p))), title = help_title(p)))))
})

# A package's pages with their titles (from its installed metadata), as
# matches; with `query` for a frame (help(package = p) in R code).
package_topics_json <- function(package, query = NULL) {
  dir <- find.package(package, quiet = TRUE)
  rd <- if (length(dir)) file.path(dir, "Meta", "Rd.rds") else ""
  pages <- if (nzchar(rd) && file.exists(rd)) readRDS(rd) else NULL
  matches <- if (is.null(pages)) list() else lapply(seq_len(nrow(pages)), function(i) list(topic = pages$Name[[i]], package = package, title = pages$Title[[i]]))
  to_json(c(if (!is.null(query)) list(query = query), list(matches = matches)))
}
