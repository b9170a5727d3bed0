/**
 * kernel/requests.R: the table of kernel requests, one handler per method,
 * answered with `response` or `failed` frames; an interrupt stops a handler;
 * the console settings; and what a forked child may not do (wire.R,
 * input.R).
 */
import * as assert from 'assert';
import { Frame, KernelCases, runKernelCases } from './kernelR';

describe('kernel tier: kernel requests (kernel/requests.R)', function () {
    let r: KernelCases;
    before(async function () {
        this.timeout(60_000);
        r = await runKernelCases({
            dispatch: String.raw`
                path <- channel_to_file()
                assign("l", list(a = 1, b = "x"), envir = globalenv())
                handle_request("3", "variables/children", charToRaw('{"path":["l"],"start":0,"count":1}'))
                handle_request("4", "no/such", charToRaw("{}"))
                register_request("test/fails", function(params) stop("it broke"))
                error <- tryCatch(handle_request("5", "test/fails", charToRaw("{}")), error = conditionMessage)
                list(frames = frames_in(path), error = error)`,
            interrupted: String.raw`
                path <- channel_to_file()
                register_request("test/slow", function(params) {
                  tools::pskill(Sys.getpid(), tools::SIGINT)
                  Sys.sleep(5)
                  "\"finished\""
                })
                started <- Sys.time()
                suspendInterrupts(handle_request("6", "test/slow", charToRaw("{}")))
                list(frames = frames_in(path), seconds = as.numeric(Sys.time() - started, units = "secs"))`,
            console: String.raw`
                handle <- function(params) {
                  path <- channel_to_file()
                  handle_request("7", "console/set", charToRaw(params))
                  frames_in(path)[[1]]$kind
                }
                kind <- handle('{"width":127,"colors":256}')
                first <- list(width = getOption("width"), cli = getOption("cli.num_colors"), crayon = getOption("crayon.enabled"))
                handle('{"colors":1}')
                second <- getOption("cli.num_colors")
                options(cli.num_colors = 16L)
                handle('{"colors":256}')
                list(kind = kind, first = first, second = second, user = getOption("cli.num_colors"))`,
            forked: String.raw`
                path <- channel_to_file()
                k$state$pid <- -1L
                write_frame("log", 0L, body = "from a child")
                asked <- tryCatch(ask_client("Name? "), error = conditionMessage)
                k$state$pid <- Sys.getpid()
                list(frames = length(frames_in(path)), asked = asked)`,
        });
    });

    it('dispatches a request to its handler by method and answers with its result', () => {
        const { frames } = r.get<{ frames: Frame[] }>('dispatch');
        assert.deepStrictEqual(frames[0].kind, 'response');
        assert.strictEqual(frames[0].id, '3');
        const children = JSON.parse(frames[0].body) as { total: number; variables: { name: string }[] };
        assert.strictEqual(children.total, 2);
        assert.deepStrictEqual(children.variables.map((v) => v.name), ['a']);
    });

    it('answers an unknown method and a failing handler with failed, naming the problem', () => {
        const { frames, error } = r.get<{ frames: Frame[]; error: string }>('dispatch');
        assert.deepStrictEqual([frames[1].kind, frames[1].id], ['failed', '4']);
        assert.match(JSON.parse(frames[1].body).message, /the kernel has no request 'no\/such'/);
        // handle_request lets a handler's error through to the loop, which answers failed (main.R).
        assert.strictEqual(error, 'it broke');
        assert.strictEqual(frames.length, 2);
    });

    it('stops a handler at an interrupt and answers failed "interrupted"', () => {
        const { frames, seconds } = r.get<{ frames: Frame[]; seconds: number }>('interrupted');
        assert.deepStrictEqual([frames[0].kind, JSON.parse(frames[0].body).message], ['failed', 'interrupted']);
        assert.ok(seconds < 4, `the handler ran on for ${seconds} s`);
    });

    it("sets R's width and the colours cli may use, leaving a user's own colour setting alone", () => {
        const c = r.get<{ kind: string; first: { width: number; cli: number; crayon: boolean }; second: number; user: number }>('console');
        assert.strictEqual(c.kind, 'response');
        assert.deepStrictEqual(c.first, { width: 127, cli: 256, crayon: true });
        assert.strictEqual(c.second, 1, 'the kernel changes what it set itself');
        assert.strictEqual(c.user, 16, "the user's own cli.num_colors stays");
    });

    it('gives a forked child no voice on the channel and no console input', () => {
        const f = r.get<{ frames: number; asked: string }>('forked');
        assert.strictEqual(f.frames, 0);
        assert.match(f.asked, /console input is not available in a forked process/);
    });
});
