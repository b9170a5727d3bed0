/**
 * kernel/exec.R, kernel/main.R, kernel/input.R and kernel/requests.R: how
 * errors and warnings are worded, parse failures, running code with the
 * console's semantics (the frames and output it produces), console input
 * read from the channel, the main loop's frame dispatch, the hello, and
 * `%||%`.
 */
import * as assert from 'assert';
import { Frame, KernelCases, runKernelCases } from './kernelR';

describe('kernel tier: running code, conditions, input and the loop (kernel/exec.R, main.R, input.R, requests.R)', function () {
    let r: KernelCases;
    before(async function () {
        this.timeout(60_000);
        r = await runKernelCases({
            formats: String.raw`
                long <- paste(rep("x", 80), collapse = "")
                list(
                  warningTop = format_warning("careful", NULL, "Warning"),
                  warningCall = format_warning("careful", quote(f(x, y = 2)), "Warning"),
                  errorTop = format_error("boom", NULL),
                  errorCall = format_error("boom", quote(g(1))),
                  errorLong = format_error(long, quote(some_function(argument))),
                  errorLines = format_error("first\nsecond", quote(h())),
                  json = jsonlite::fromJSON(condition_json("a \"quoted\" message", "f(x)"), simplifyVector = FALSE),
                  jsonNoCall = condition_json("m", NULL)
                )`,
            orElse: String.raw`
                list(null = NULL %||% "fallback", value = 1 %||% 2, false = FALSE %||% TRUE, na = NA %||% 0)`,
            parseFailures: String.raw`
                streams_to_files()
                fail <- function(code) {
                  parsed <- parse_code(code)
                  outcome <- NULL
                  text <- stderr_of(outcome <- parse_failure(parsed$exprs, parsed$lines))
                  list(status = outcome$status, line = outcome$line, detail = jsonlite::fromJSON(outcome$detail), stderr = text)
                }
                list(
                  incomplete = fail("x <- (1 +\n"),
                  openString = fail("s <- \"abc"),
                  syntax = fail("a <- 1\nb <- 2 +* 3\n"),
                  parsed = class(parse_code("1 + 1; 2")$exprs)
                )`,
            runCode: String.raw`
                frames <- channel_to_file()
                s <- streams_to_files()
                k$current_exec$id <- "9"
                groups_of <- function(code) {
                  p <- parse_code(code)
                  lapply(line_groups(attr(p$exprs, "srcref"), p$lines), function(g) c(g$from, g$to, length(g$exprs), g$long))
                }
                groups <- list(
                  simple = groups_of("# c\na <- 1\n\nb <- 2; c <- 3\nf <- function() {\n  1\n}; g <- 2\n# trailing"),
                  long = groups_of(paste0("x <- '", strrep("y", 5000), "'\n1"))
                )
                # The kernel's own evaluation (a group R's console cannot take).
                make_run <- function(code, stop, echo = FALSE) {
                  p <- parse_code(code)
                  run <- new.env()
                  run$id <- "9"; run$stop <- stop; run$echo <- echo; run$lines <- p$lines; run$exprs <- p$exprs
                  run$srcfile <- p$srcfile; run$srcrefs <- attr(p$exprs, "srcref"); run$status <- "ok"; run$line <- 0L; run$detail <- ""
                  run$continued <- continued_lines(length(p$lines), run$srcrefs)
                  list(run = run, group = list(from = 1L, to = length(p$lines), exprs = seq_along(p$exprs)))
                }
                r1 <- make_run("a <- 1\nb <- a + 1\nstop('nope')\nc <- 3", TRUE)
                err <- stderr_of(on1 <- eval_group(r1$run, r1$group))
                stopped <- list(status = r1$run$status, line = r1$run$line, detail = jsonlite::fromJSON(r1$run$detail, simplifyVector = FALSE),
                  goesOn = on1, c = exists("c", envir = globalenv(), inherits = FALSE), b = get("b", envir = globalenv()))
                r2 <- make_run("stop('first')\nd <- 4", FALSE)
                err2 <- stderr_of(on2 <- eval_group(r2$run, r2$group))
                goesOn <- list(status = r2$run$status, goesOn = on2, d = exists("d", envir = globalenv(), inherits = FALSE))
                r3 <- make_run("f <- function() warning('careful'); f(); 5", TRUE)
                warned <- stderr_of(eval_group(r3$run, r3$group))
                flush_printed()
                # With echo: the code with its prompt, then its value (R's
                # stdout is captured here, so the value is not buffered).
                r4 <- make_run("1 + 1", TRUE, TRUE)
                echoed <- utils::capture.output(invisible(eval_group(r4$run, r4$group)))
                list(groups = groups, stopped = stopped, stderr = err, goesOn = goesOn, stderr2 = err2, warnStatus = r3$run$status, warned = warned,
                  echoed = as.list(echoed), frames = frames_in(frames), stdout = text_of(s$out))`,
            input: String.raw`
                replies <- channel_to_file()
                # What the server would send while R waits for input: a stale
                # reply for another execution, an execution sent ahead, the reply.
                write_frame("reply", 3L, body = "stale")
                write_frame("exec", 8L, "0", body = "later()")
                write_frame("reply", 7L, body = "Ada\n")
                write_frame("reply", 7L, "eof")
                write_frame("cancel", 7L)
                close(k$state$output)
                asked <- channel_to_file()
                con <- file(replies, open = "rb", raw = TRUE)
                on.exit(close(con))
                k$state$input <- con
                k$state$frames <- list()
                k$current_exec$id <- "7"
                answer <- input_readline("Name? ")
                eof <- ask_client("more? ")
                cancelled <- tryCatch(ask_client("again? "), interrupt = function(e) paste("interrupt:", conditionMessage(e)))
                list(
                  answer = answer, eof = is.null(eof), cancelled = cancelled,
                  setAside = lapply(k$state$frames, function(f) paste(f$kind, f$id)),
                  prompts = lapply(frames_in(asked), function(f) paste(f$kind, f$id, f$body)),
                  consoleInput = list(is_console_input(""), is_console_input("stdin"), is_console_input(stdin()),
                    is_console_input("data.csv"), is_console_input(textConnection("x")))
                )`,
            dispatch: String.raw`
                log <- channel_to_file()
                kinds <- list(
                  shutdown = handle(list(kind = "shutdown", id = "0", fields = character(0), body = raw(0))),
                  reply = handle(list(kind = "reply", id = "3", fields = character(0), body = raw(0))),
                  cancel = handle(list(kind = "cancel", id = "3", fields = character(0), body = raw(0)))
                )
                handle(list(kind = "bogus", id = "0", fields = character(0), body = raw(0)))
                requests <- if (exists("handle_request", envir = k, inherits = FALSE)) {
                  assign("l", list(a = 1, b = "two"), envir = globalenv())
                  handle(list(kind = "request", id = "11", fields = "no/such", body = raw(0)))
                  handle(list(kind = "request", id = "12", fields = "variables/children", body = charToRaw("{\"path\":[\"l\"],\"start\":1,\"count\":5}")))
                  TRUE
                } else FALSE
                list(kinds = kinds, requests = requests, frames = frames_in(log))`,
            hello: String.raw`
                k$has_rlang <- TRUE
                jsonlite::fromJSON(hello_json(TRUE), simplifyVector = FALSE)`,
            profile: String.raw`
                good <- tempfile(fileext = ".R")
                writeLines("profile_ran <- TRUE", good)
                bad <- tempfile(fileext = ".R")
                writeLines("stop('broken profile')", bad)
                run_profile("trusted", good)
                ran <- exists("profile_ran", envir = globalenv())
                rm("profile_ran", envir = globalenv())
                run_profile("untrusted", good)
                untrusted <- exists("profile_ran", envir = globalenv())
                said <- stderr_of(run_profile("trusted", bad))
                list(ran = ran, untrusted = untrusted, said = said)`,
        });
    });

    it("words warnings and errors as R's console does", () => {
        const f = r.get<Record<string, unknown>>('formats');
        assert.strictEqual(f.warningTop, 'Warning: careful\n');
        assert.strictEqual(f.warningCall, 'Warning in f(x, y = 2) : careful\n');
        assert.strictEqual(f.errorTop, 'Error: boom\n');
        assert.strictEqual(f.errorCall, 'Error in g(1) : boom\n');
        assert.strictEqual(f.errorLong, `Error in some_function(argument) : \n  ${'x'.repeat(80)}\n`, 'a long message goes on its own line');
        assert.strictEqual(f.errorLines, 'Error in h() : \n  first\nsecond\n');
        assert.deepStrictEqual(f.json, { message: 'a "quoted" message', call: 'f(x)' });
        assert.strictEqual(f.jsonNoCall, '{"message":"m","call":null}');
    });

    it('%||% falls back only on NULL', () => {
        assert.deepStrictEqual(r.get('orElse'), { null: 'fallback', value: 1, false: false, na: null });
    });

    it('tells incomplete code from a syntax error, with the line, and says the error on stderr', () => {
        type Failure = { status: string; line: number; detail: { message: string; call: null }; stderr: string };
        const p = r.get<{ incomplete: Failure; openString: Failure; syntax: Failure; parsed: string }>('parseFailures');
        assert.strictEqual(p.incomplete.status, 'incomplete');
        assert.strictEqual(p.incomplete.stderr, '', 'incomplete code is not an error the user sees');
        assert.strictEqual(p.openString.status, 'incomplete');
        assert.strictEqual(p.syntax.status, 'parseError');
        assert.strictEqual(p.syntax.line, 2);
        assert.match(p.syntax.detail.message, /unexpected '\*' \(line 2, column \d+\)/);
        assert.match(p.syntax.stderr, /^Error: unexpected '\*' in line 2: b <- 2 \+\* 3\n$/);
        assert.strictEqual(p.parsed, 'expression');
    });

    it("groups the lines it hands to R's console, and evaluates itself the groups the console cannot take: stops at an error (or goes on), reports it with its line, prints values", () => {
        const c = r.get<{
            groups: { simple: number[][]; long: number[][] };
            stopped: { status: string; line: number; detail: { message: string; call: string | null }; goesOn: boolean; c: boolean; b: number };
            stderr: string;
            goesOn: { status: string; goesOn: boolean; d: boolean };
            stderr2: string;
            warnStatus: string;
            warned: string;
            echoed: string[];
            frames: Frame[];
            stdout: string;
        }>('runCode');
        // Each group ends with an expression and takes the comments before it;
        // expressions sharing a line go together; trailing comments are not fed.
        assert.deepStrictEqual(c.groups.simple, [
            [1, 2, 1, 0],
            [3, 4, 2, 0],
            [5, 7, 2, 0],
        ]);
        assert.deepStrictEqual(c.groups.long, [
            [1, 1, 1, 1],
            [2, 2, 1, 0],
        ]);
        assert.deepStrictEqual(c.stopped, { status: 'error', line: 3, detail: { message: 'nope', call: null }, goesOn: false, c: false, b: 2 });
        assert.strictEqual(c.stderr, 'Error: nope\n');
        assert.deepStrictEqual(c.goesOn, { status: 'error', goesOn: true, d: true }, 'without stop-on-error the rest runs, and the first error is reported');
        assert.strictEqual(c.warnStatus, 'ok', 'a warning is not a failure');
        assert.strictEqual(c.warned, 'Warning message:\nIn f() : careful\n');
        const conds = c.frames.filter((f) => f.kind === 'cond').map((f) => [f.id, ...f.fields, JSON.parse(f.body).message]);
        assert.deepStrictEqual(conds, [
            ['9', 'error', '3', 'nope'],
            ['9', 'error', '1', 'first'],
            ['9', 'warning', '1', 'careful'],
        ]);
        assert.deepStrictEqual(c.echoed, ['> 1 + 1', '[1] 2']);
        // A small value is printed into the kernel's own buffered handle on stdout.
        assert.ok(c.stdout.includes('[1] 5\n'), `the value after the warning: ${JSON.stringify(c.stdout)}`);
    });

    it('reads console input from the channel: skips stale replies, sets executions aside, knows end of input and cancellation', () => {
        const i = r.get<{ answer: string; eof: boolean; cancelled: string; setAside: string[]; prompts: string[]; consoleInput: boolean[] }>('input');
        assert.strictEqual(i.answer, 'Ada', 'the trailing newline is dropped');
        assert.strictEqual(i.eof, true);
        assert.strictEqual(i.cancelled, 'interrupt: input cancelled');
        assert.deepStrictEqual(i.setAside, ['exec 8'], 'the execution sent ahead is kept for the main loop');
        assert.deepStrictEqual(i.prompts, ['input 7 Name? ', 'input 7 more? ', 'input 7 again? ']);
        assert.deepStrictEqual(i.consoleInput, [true, true, true, false, false]);
    });

    it('dispatches frames in the main loop: shutdown stops, stale replies are ignored, unknown kinds and requests are answered', function () {
        const d = r.get<{ kinds: Record<string, unknown>; requests: boolean; frames: Frame[] }>('dispatch');
        assert.deepStrictEqual(d.kinds, { shutdown: 'stop', reply: null, cancel: null });
        assert.deepStrictEqual(d.frames[0].kind, 'log');
        assert.match(d.frames[0].body, /unknown frame kind 'bogus'/);
        if (!d.requests) return;
        const failed = d.frames.find((f) => f.id === '11')!;
        assert.strictEqual(failed.kind, 'failed');
        assert.match(JSON.parse(failed.body).message, /no request 'no\/such'/);
        const response = d.frames.find((f) => f.id === '12')!;
        assert.strictEqual(response.kind, 'response');
        const body = JSON.parse(response.body) as { total: number; variables: { name: string; summary: string }[] };
        assert.strictEqual(body.total, 2);
        assert.deepStrictEqual(body.variables.map((v) => [v.name, v.summary]), [['b', '"two"']]);
    });

    it('says hello with the protocol version, its pid and what is installed', () => {
        const h = r.get<{ protocol: number; pid: number; rVersion: string; rlang: boolean; jsonlite: string }>('hello');
        assert.ok(Number.isInteger(h.protocol) && h.protocol > 0);
        assert.ok(h.pid > 0);
        assert.match(h.rVersion, /^\d+\.\d+\.\d+$/);
        assert.strictEqual(h.rlang, true);
        assert.match(h.jsonlite, /^\d+\.\d+/);
    });

    it('runs the profile it is given only when trusted, and reports a failing one without failing', () => {
        const p = r.get<{ ran: boolean; untrusted: boolean; said: string }>('profile');
        assert.strictEqual(p.ran, true);
        assert.strictEqual(p.untrusted, false);
        assert.match(p.said, /^Error in the profile .*: broken profile\n$/);
    });
});
