/**
 * Runs small R snippets against the kernel's own R functions (kernel/*.R),
 * without a server and without the kernel loop: the kernel tier.
 *
 * The kernel files are sourced into a private environment the way
 * kernel/bootstrap.R does it (the same files in the same order, read from
 * bootstrap.R itself, into an environment whose parent holds copies of the
 * base functions), and kernel$run() is not called. Each snippet ("case") is
 * the body of an R function whose enclosure sees the kernel's functions by
 * name, plus `k` (the kernel environment itself, to set its state) and the
 * helpers below; what it returns comes back as JSON.
 *
 * All the cases of one test file run in a single Rscript (R starts in about
 * 0.1 s, jsonlite and rlang load once), so the tier takes a few seconds.
 * The global environment is emptied before each case.
 *
 * Helpers available in every case:
 * - `channel_to_file()`: points the kernel's channel to the server
 *   (state$output) at a new temporary file and returns its path;
 * - `frames_in(path)`: the frames in that file, read back with the kernel's
 *   own reader: a list of list(kind, id, fields, body);
 * - `streams_to_files()`: points the kernel's private handles on stdout and
 *   stderr (state$out, state$err) at temporary files, sets a marker, and
 *   returns list(out, err, marker);
 * - `text_of(path)`: a file's contents as one string;
 * - `stderr_of(expr)`: what evaluating `expr` wrote to stderr().
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KERNEL_DIR } from '../support/paths';
import { track } from '../support/procs';

/** The R that loads the kernel as bootstrap.R does and defines the helpers; `cases` is defined after it. */
const PRELUDE = String.raw`
dir <- Sys.getenv("RBRIDGE_KERNEL_DIR")
# The kernel's files, in bootstrap.R's order: every "<name>.R" it names.
boot <- readLines(file.path(dir, "bootstrap.R"))
files <- unique(gsub('"', "", unlist(regmatches(boot, gregexpr('"[A-Za-z0-9_]+[.]R"', boot)))))
base <- as.list(baseenv(), all.names = TRUE)
originals <- list2env(base[vapply(base, is.function, NA)], envir = new.env(parent = baseenv()))
k <- new.env(parent = originals)
for (file in files) sys.source(file.path(dir, file), envir = k, keep.source = FALSE)

helpers <- new.env(parent = k)
helpers$k <- k
helpers$kernel_files <- files
helpers$channel_to_file <- function() {
  path <- tempfile("frames-")
  k$state$output <- file(path, open = "wb", raw = TRUE)
  path
}
helpers$frames_in <- function(path) {
  flush(k$state$output)
  k$state$input <- file(path, open = "rb", raw = TRUE)
  on.exit(close(k$state$input))
  out <- list()
  repeat {
    f <- k$read_frame()
    if (is.null(f)) break
    out[[length(out) + 1L]] <- list(kind = f$kind, id = f$id, fields = as.list(f$fields), body = k$body_text(f$body))
  }
  out
}
helpers$streams_to_files <- function() {
  out <- tempfile("stdout-")
  err <- tempfile("stderr-")
  k$state$out <- file(out, open = "ab", raw = TRUE)
  k$state$err <- file(err, open = "ab", raw = TRUE)
  k$state$marker <- "\036RBMtest:"
  list(out = out, err = err, marker = k$state$marker)
}
helpers$text_of <- function(path) {
  for (con in list(k$state$out, k$state$err, k$state$output)) if (inherits(con, "connection")) try(flush(con), silent = TRUE)
  bytes <- readBin(path, "raw", file.size(path))
  text <- rawToChar(bytes)
  Encoding(text) <- "UTF-8"
  text
}
helpers$stderr_of <- function(expr) {
  captured <- character(0)
  tc <- textConnection("captured", "w", local = TRUE)
  sink(tc, type = "message")
  tryCatch(force(expr), finally = {
    sink(type = "message")
    close(tc)
  })
  paste0(paste(captured, collapse = "\n"), if (length(captured)) "\n" else "")
}
`;

const DRIVER = String.raw`
results <- list()
for (name in names(cases)) {
  rm(list = ls(globalenv(), all.names = TRUE), envir = globalenv())
  f <- cases[[name]]
  environment(f) <- new.env(parent = helpers)
  results[[name]] <- tryCatch(
    list(value = f()),
    error = function(e) list(error = paste0(conditionMessage(e), " (in ", paste(deparse(conditionCall(e), nlines = 1L), collapse = ""), ")"))
  )
}
writeLines(jsonlite::toJSON(results, auto_unbox = TRUE, null = "null", na = "null", digits = NA, force = TRUE), out_file, useBytes = TRUE)
`;

/** A frame as frames_in() reads it back (body as text). */
export interface Frame {
    kind: string;
    id: string;
    fields: string[];
    body: string;
}

export interface KernelCases {
    /** The value case `name` returned (JSON-decoded); throws with R's error message when the case failed. */
    get<T = unknown>(name: string): T;
    /** Everything R wrote to stderr (for failure messages). */
    stderr: string;
}

/**
 * Runs `cases` (name → body of an R function) in one Rscript against the
 * kernel's functions; resolves with their results. Fails when R cannot be
 * started or the script as a whole fails (a syntax error in a case).
 */
export async function runKernelCases(cases: Record<string, string>, timeoutMs = 60_000): Promise<KernelCases> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-kernel-test-'));
    try {
        const script = path.join(dir, 'cases.R');
        const outFile = path.join(dir, 'results.json');
        const body = Object.entries(cases)
            .map(([name, code]) => `  ${JSON.stringify(name)} = function() {\n${code}\n  }`)
            .join(',\n');
        // Everything inside local(), so that only the cases' own variables
        // ever reach the global environment.
        fs.writeFileSync(
            script,
            `local({\nout_file <- ${JSON.stringify(outFile)}\n${PRELUDE}\ncases <- list(\n${body}\n)\n${DRIVER}\n})\n`,
        );
        const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
            const child = track(
                spawn('Rscript', ['--vanilla', script], {
                    stdio: ['ignore', 'ignore', 'pipe'],
                    // A UTF-8 locale, as R has under any ordinary desktop or server.
                    env: { ...process.env, RBRIDGE_KERNEL_DIR: KERNEL_DIR, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
                }),
            );
            let err = '';
            child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-20000)));
            const timer = setTimeout(() => {
                child.kill('SIGKILL');
                reject(new Error(`Rscript did not finish within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
            }, timeoutMs);
            child.on('error', (e) => {
                clearTimeout(timer);
                reject(new Error(`could not run Rscript (the kernel tier needs R): ${e.message}`));
            });
            child.on('exit', (status) => {
                clearTimeout(timer);
                resolve({ code: status, stderr: err });
            });
        });
        if (code !== 0 || !fs.existsSync(outFile)) throw new Error(`Rscript exited with ${code}; stderr:\n${stderr.slice(-4000)}`);
        const results = JSON.parse(fs.readFileSync(outFile, 'utf8')) as Record<string, { value?: unknown; error?: string }>;
        return {
            stderr,
            get<T>(name: string): T {
                const result = results[name];
                if (!result) throw new Error(`no case named ${name}`);
                if (result.error !== undefined) throw new Error(`the R case ${name} failed: ${result.error}`);
                return result.value as T;
            },
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
