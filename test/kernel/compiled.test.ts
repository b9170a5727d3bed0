/**
 * kernel/main.R: the compiled kernel kept between sessions (save_compiled(),
 * load_compiled(), load_rest()) and what keeps a file from being loaded.
 */
import * as assert from 'assert';
import { KernelCases, runKernelCases } from './kernelR';

describe('kernel tier: the compiled kernel kept between sessions', function () {
    let r: KernelCases;
    before(async function () {
        this.timeout(60_000);
        r = await runKernelCases({
            roundTrip: String.raw`
                dir <- tempfile("cache-")
                dir.create(dir, mode = "0700")
                path <- file.path(dir, "kernel-0123456789abcdef.rds")
                # A kernel as a new session has it: sourced, nothing compiled.
                fresh <- function() {
                  e <- new.env(parent = parent.env(k))
                  for (file in kernel_files) sys.source(file.path(Sys.getenv("RBRIDGE_KERNEL_DIR"), file), envir = e, keep.source = FALSE)
                  e
                }
                compiled <- function(e, name) typeof(.Internal(bodyCode(get(name, envir = e)))) == "bytecode"
                # What the warm-up rounds do, for a few functions.
                for (name in c("describe_pending", "hex_text")) assign(name, compiler::cmpfun(get(name, envir = k)), envir = k)
                saved <- save_compiled(path)
                mode <- format(file.info(path)$mode)
                k2 <- fresh()
                before <- compiled(k2, "describe_pending")
                loaded <- k2$load_compiled(path)
                after <- list(compiled(k2, "describe_pending"), compiled(k2, "hex_text"), compiled(k2, "symbol_changes"))
                # The loaded functions live in the new kernel and work there.
                home <- identical(environment(k2$describe_pending), k2)
                works <- k2$hex_text("61c3a9")
                refused <- list()
                Sys.chmod(path, "620", use_umask = FALSE)
                refused$groupWritable <- !fresh()$load_compiled(path)
                Sys.chmod(path, "600")
                link <- file.path(dir, "link.rds")
                file.symlink(path, link)
                refused$link <- !fresh()$load_compiled(link)
                other <- readRDS(path, refhook = function(name) k)
                other$r <- "R version 0.0.0"
                saveRDS(other, path, refhook = function(e) if (identical(e, k)) "kernel")
                Sys.chmod(path, "600")
                refused$otherR <- !fresh()$load_compiled(path)
                writeLines("not an R object", path)
                refused$garbage <- !fresh()$load_compiled(path)
                refused$missing <- !fresh()$load_compiled(file.path(dir, "none.rds"))
                refused$none <- !fresh()$load_compiled("")
                list(saved = saved, mode = mode, before = before, loaded = loaded, after = after, home = home, works = works, refused = refused)`,
            rest: String.raw`
                kdir <- Sys.getenv("RBRIDGE_KERNEL_DIR")
                dir <- tempfile("cache-")
                dir.create(dir, mode = "0700")
                path <- file.path(dir, "kernel-rest.rds")
                # A kernel as bootstrap.R leaves it before the config: what says hello only.
                booted <- function() {
                  originals <- new.env(parent = baseenv())
                  e <- new.env(parent = originals)
                  first <- c("wire.R", "describe.R", "main.R")
                  for (file in first) sys.source(file.path(kdir, file), envir = e, keep.source = FALSE)
                  e$KERNEL <- list(dir = kdir, files = kernel_files, first = first,
                    capabilities = c("plots.R", "dataview.R", "language.R", "help.R", "jobs.R", "debug.R"), originals = originals)
                  e
                }
                functions <- function(e) sort(Filter(function(n) is.function(get(n, envir = e)), ls(e)))
                fromFiles <- booted()
                fromFiles$load_rest(NULL)
                fromFiles$save_compiled(path)
                saved <- fromFiles$read_compiled(path)
                fromCache <- booted()
                fromCache$load_rest(saved)
                # What is kept is what a start runs: a line added to it runs.
                marked <- saved
                marked$parsed[["plots.R"]] <- c(marked$parsed[["plots.R"]], expression(KEPT_MARK <- TRUE))
                fromMarked <- booted()
                fromMarked$load_rest(marked)
                list(
                  files = identical(functions(fromFiles), functions(k)),
                  cache = identical(functions(fromCache), functions(k)),
                  kept = names(saved$parsed),
                  named = all(c("paste0", "Encoding<-", "%in%") %in% saved$named),
                  cold = identical(fromCache$COLD_FUNCTIONS, fromFiles$COLD_FUNCTIONS) && "capture" %in% fromCache$COLD_FUNCTIONS,
                  copied = exists("paste0", envir = parent.env(fromCache), inherits = FALSE),
                  mark = isTRUE(fromMarked$KEPT_MARK)
                )`,
        });
    });

    it('saves the compiled functions and loads them into a new kernel, compiled and living there', () => {
        const g = r.get<{ saved: boolean; mode: string; before: boolean; loaded: boolean; after: boolean[]; home: boolean; works: string }>('roundTrip');
        assert.strictEqual(g.saved, true);
        assert.strictEqual(g.mode, '600', 'the file is closed to others');
        assert.strictEqual(g.before, false, 'a new kernel starts uncompiled');
        assert.strictEqual(g.loaded, true);
        assert.deepStrictEqual(g.after, [true, true, false], 'the compiled ones come back compiled; the others stay as sourced');
        assert.strictEqual(g.home, true, "the loaded functions' environment is the new kernel");
        assert.strictEqual(g.works, 'aé');
    });

    it("keeps the kernel's files parsed, and a start loads the rest of the kernel from them as from the files", () => {
        const g = r.get<{ files: boolean; cache: boolean; kept: string[]; named: boolean; cold: boolean; copied: boolean; mark: boolean }>('rest');
        assert.strictEqual(g.files, true, 'loaded from the files, the kernel has every function');
        assert.strictEqual(g.cache, true, 'loaded from what was kept, too');
        assert.deepStrictEqual([...g.kept].sort(), ['dataview.R', 'debug.R', 'describe.R', 'exec.R', 'help.R', 'input.R', 'jobs.R', 'language.R', 'main.R', 'plots.R', 'repl.R', 'requests.R', 'symbols.R', 'wire.R']);
        assert.strictEqual(g.named, true, 'the words name base functions, operators and replacement functions');
        assert.strictEqual(g.cold, true, "the capabilities' functions are known as such either way");
        assert.strictEqual(g.copied, true, 'the base functions named are copied');
        assert.strictEqual(g.mark, true, 'the kept code is what runs');
    });

    it('loads nothing from a file others can write, a link, another R, garbage, or no file', () => {
        const g = r.get<{ refused: Record<string, boolean> }>('roundTrip');
        assert.deepStrictEqual(g.refused, { groupWritable: true, link: true, otherR: true, garbage: true, missing: true, none: true });
    });
});
