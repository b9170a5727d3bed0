/**
 * R's browser through the server (real R): every way into it stops with
 * an r/input of kind 'browser' saying where R stands, in the document the
 * code came from; its commands and expressions work as at R's console; the
 * locals of the stopped frames and evaluation in them are served while R
 * waits; an interrupt leaves R stopped, as in R; breakpoints stop R in the
 * functions defined from a document.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
    BreakpointsChangedNotification,
    BreakpointsChangedParams,
    BrowserNotStoppedError,
    EvaluateRequest,
    EvaluateResult,
    ExecuteParams,
    InputParams,
    InputResult,
    InterruptRequest,
    SetBreakpointsRequest,
    VariablesRequest,
    VariablesResult,
} from '../../common/protocol';
import { TestClient } from '../support/serverClient';

const URI = 'file:///work/analysis.R';

/** Code as an editor sends it: from `URI`, its first line at document line `line`. */
function fromDocument(code: string, line = 0, executionId?: string): ExecuteParams {
    const lines = code.split('\n');
    return {
        code,
        executionId,
        uri: URI,
        range: { start: { line, character: 0 }, end: { line: line + lines.length - 1, character: lines[lines.length - 1].length } },
    };
}

describe('the browser and breakpoints (real R)', function () {
    this.timeout(60000);
    let client: TestClient;
    /** The stops R made, in order. */
    let stops: InputParams[];
    /** Answers each stop; returns what R is given. */
    let onStop: (stop: InputParams) => Promise<string> | string;

    before(async () => {
        client = await TestClient.start({ env: { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
        client.inputHandler = async (p): Promise<InputResult> => {
            stops.push(p);
            return { text: await onStop(p) };
        };
    });
    beforeEach(() => {
        stops = [];
        onStop = () => 'c';
    });
    after(async () => {
        await client?.stop();
    });

    const lineOf = (p: InputParams) => p.range?.start.line;

    it('stops at browser() with the prompt, the depth, the call and the line in the document; n, an expression and c work as in R', async () => {
        const answers = ['n', 'cat("y is", y, "\\n")', 'c'];
        onStop = () => answers.shift() ?? 'c';
        const code = 'f <- function() {\n  y <- 2\n  browser()\n  y <- y * 10\n  y + 1\n}\nf()';
        const result = await client.execute(fromDocument(code, 10, 'browse'));
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        assert.strictEqual(stops.length, 3);
        const [first, second, third] = stops;
        assert.strictEqual(first.kind, 'browser');
        assert.strictEqual(first.prompt, 'Browse[1]> ');
        assert.strictEqual(first.level, 1);
        assert.strictEqual(first.depth, 1);
        assert.strictEqual(first.call, 'f()');
        assert.strictEqual(first.uri, URI);
        assert.strictEqual(lineOf(first), 12, 'at browser() (line 3 of the code, document line 12)');
        assert.deepStrictEqual(
            first.frames?.map((f) => [f.index, f.name, f.call]),
            [[1, 'f', 'f()']],
        );
        assert.strictEqual(lineOf(second), 13, 'n moved to the next line');
        assert.strictEqual(second.range?.start.character, 2);
        assert.strictEqual(lineOf(third), 13, 'an expression leaves R where it was');
        const out = client.textOf('browse', 'stdout');
        assert.match(out, /Called from: f\(\)/);
        assert.match(out, /y is 2/);
        assert.match(out, /\[1\] 21\n$/);
        assert.doesNotMatch(out, /Browse\[|rbridge_browse/, 'neither the prompt nor the kernel call show in the output');
    });

    it('takes an expression of several lines at the browser prompt, as R does', async () => {
        const answers = ['for (i in 1:2) {\n  cat("i is", i + k, "\\n")\n}', 'c', 'c'];
        onStop = () => answers.shift() ?? 'c';
        const result = await client.execute({ code: 'f <- function(k) { browser(); k }\nf(10)', executionId: 'lines' });
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        // R's console steps into a braced expression typed at the browser (`debug at #2`, Browse[3]>) too.
        assert.match(client.textOf('lines', 'stdout'), /debug at #2: cat\("i is", i \+ k, "\\n"\)\ni is 11 \ni is 12 \n\[1\] 10\n$/);
        assert.deepStrictEqual(
            stops.map((s) => s.prompt),
            ['Browse[1]> ', 'Browse[3]> ', 'Browse[1]> '],
            'the continuation lines came from the answer, without asking',
        );
    });

    it('gives the stack with where each frame stands, and the locals of any frame while R waits', async () => {
        let locals: VariablesResult | undefined;
        let outer: VariablesResult | undefined;
        let children: VariablesResult | undefined;
        let evaluated: EvaluateResult | undefined;
        let hover: EvaluateResult | undefined;
        let globalChildren: VariablesResult | undefined;
        let paged: VariablesResult | undefined;
        await client.execute('glist <- list(u = 1, v = 2, w = 3)');
        onStop = async () => {
            locals = await client.connection.sendRequest(VariablesRequest, { frame: 2 });
            outer = await client.connection.sendRequest(VariablesRequest, { frame: 1 });
            children = await client.connection.sendRequest(VariablesRequest, { frame: 2, path: ['lst'] });
            evaluated = await client.connection.sendRequest(EvaluateRequest, { expression: 'a * 100', frame: 2 });
            hover = await client.connection.sendRequest(EvaluateRequest, { expression: 'lazy', frame: 2, context: 'hover' });
            globalChildren = await client.connection.sendRequest(VariablesRequest, { path: ['glist'] });
            paged = await client.connection.sendRequest(VariablesRequest, { frame: 2, start: 1, count: 1 });
            return 'c';
        };
        const code = [
            'inner <- function(a, lazy) {',
            '  lst <- list(p = 1, q = "two")',
            '  browser()',
            '  a',
            '}',
            'outer <- function() {',
            '  z <- 5',
            '  inner(z + 1, stop("never forced"))',
            '}',
            'outer()',
        ].join('\n');
        const result = await client.execute(fromDocument(code, 0, 'stack'));
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        const stop = stops[0];
        assert.strictEqual(stop.depth, 2);
        assert.deepStrictEqual(
            stop.frames?.map((f) => [f.index, f.name, f.range?.start.line]),
            [
                [1, 'outer', 7],
                [2, 'inner', 2],
            ],
        );
        assert.deepStrictEqual(
            locals?.variables.map((v) => v.name),
            ['a', 'lazy', 'lst'],
        );
        assert.strictEqual(locals?.variables.find((v) => v.name === 'lazy')?.type, 'promise', 'a promise is listed, not forced');
        assert.deepStrictEqual([paged?.total, paged?.variables.map((v) => v.name)], [3, ['lazy']], 'paged like the global environment');
        assert.deepStrictEqual(
            outer?.variables.map((v) => v.name),
            ['z'],
        );
        assert.deepStrictEqual(
            children?.variables.map((v) => v.name),
            ['p', 'q'],
        );
        assert.strictEqual(evaluated?.value, '[1] 600');
        assert.strictEqual(evaluated?.type, 'numeric');
        assert.match(hover?.value ?? '', /promise/);
        assert.deepStrictEqual(
            globalChildren?.variables.map((v) => v.name),
            ['u', 'v', 'w'],
            "a global's children are served while R waits at the stop",
        );
        // Once R goes on, the frames are gone.
        await assert.rejects(client.connection.sendRequest(VariablesRequest, { frame: 1 }), (e: { code?: number }) => e.code === BrowserNotStoppedError);
    });

    it('stops for debug(), debugonce(), trace(..., browser) and recover(), each with kind browser', async () => {
        // [code, call, the lines of the first two stops (debug() steps: n)]
        const cases: [string, string, (number | undefined)[]][] = [
            ['g1 <- function(x) {\n  x + 1\n}\ndebug(g1)\ng1(1)\nundebug(g1)', 'g1(1)', [0, 1]],
            ['g2 <- function(x) {\n  x + 2\n}\ndebugonce(g2)\ng2(1)', 'g2(1)', [0, 1]],
            // trace()'s browser runs inside trace's own code: R has no source position there.
            ['g3 <- function(x) {\n  x + 3\n}\ntrace(g3, browser, print = FALSE)\ng3(1)\nuntrace(g3)', 'g3(1)', [undefined, undefined]],
        ];
        for (const [code, call, lines] of cases) {
            stops = [];
            const answers = ['n', 'c'];
            onStop = () => answers.shift() ?? 'c';
            const result = await client.execute(fromDocument(code, 20));
            assert.strictEqual(result.status, 'ok', `${code}: ${JSON.stringify(result.error)}`);
            assert.strictEqual(stops.length, 2, code);
            assert.strictEqual(stops[0].kind, 'browser', code);
            assert.strictEqual(stops[0].call, call, code);
            assert.deepStrictEqual(
                stops.map((s) => (s.range ? s.range.start.line - 20 : undefined)),
                lines,
                code,
            );
        }
        // recover(): a menu of frames (a plain question), then the browser in the one chosen.
        stops = [];
        onStop = (p) => (p.kind === 'browser' ? 'c' : p.prompt.includes('Selection') && stops.filter((s) => s.kind !== 'browser').length === 1 ? '2' : '0');
        const result = await client.execute(fromDocument('options(error = recover)\nouter2 <- function() inner2(7)\ninner2 <- function(v) {\n  stop("boom")\n}\nouter2()'));
        await client.execute('options(error = NULL)');
        assert.strictEqual(result.status, 'error');
        const browsed = stops.find((s) => s.kind === 'browser');
        assert.ok(browsed, JSON.stringify(stops));
        assert.match(browsed.call ?? '', /inner2\(7\)/);
        assert.strictEqual(browsed.depth, 2);
        assert.strictEqual(lineOf(browsed), 3, 'at stop("boom"), where the frame chosen stands');
    });

    it('nests browsers (Browse[2]>) and Q leaves them all; R, its variables and the queue stay', async () => {
        onStop = (p) => (p.level === 1 ? 'h()' : 'Q');
        const jumping = client.execute({ code: 'kept <- 1\nh <- function() { browser(); 2 }\nf <- function() { browser(); 1 }\nf()', executionId: 'nested' });
        const behind = client.execute({ code: 'cat(kept)', executionId: 'behind' });
        const result = await jumping;
        assert.strictEqual(result.status, 'interrupted');
        assert.deepStrictEqual(
            stops.map((s) => s.prompt),
            ['Browse[1]> ', 'Browse[3]> '], // as R's own console numbers them
        );
        assert.strictEqual(stops[1].depth, 2);
        assert.strictEqual((await behind).status, 'ok');
        assert.strictEqual(client.textOf('behind', 'stdout'), '1');
    });

    /**
     * At the first stop the client interrupts after `interruptMs` and answers
     * what `first` gives (when it gives it); every later stop is continued.
     * Counts the stops the client was asked at.
     */
    function interruptAtFirstStop(interruptMs: number, first: (answer: (text: string) => void) => void): { asked: number } {
        const stopsAsked = { asked: 0 };
        onStop = () =>
            new Promise<string>((resolve) => {
                if (++stopsAsked.asked > 1) return resolve('c');
                setTimeout(() => void client.connection.sendRequest(InterruptRequest, {}), interruptMs);
                first(resolve);
            });
        return stopsAsked;
    }

    it('an interrupt while R waits at the browser leaves it there, as in R: the client is asked again', async () => {
        // This answer never goes to R: the interrupt withdraws the question.
        const stopsAsked = interruptAtFirstStop(300, (answer) => setTimeout(() => answer('n'), 2000));
        const result = await client.execute({ code: 'f <- function() { v <- 3; browser(); v }\nf()', executionId: 'intr' });
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        assert.strictEqual(stopsAsked.asked, 2);
        assert.strictEqual(stops[1].kind, 'browser');
        assert.deepStrictEqual(stops[1].frames, stops[0].frames, 'the same stop');
        assert.match(client.textOf('intr', 'stdout'), /\[1\] 3\n$/);
    });

    it('an interrupt of code typed at the browser returns to the browser, as in R: the client is asked again', async () => {
        const stopsAsked = interruptAtFirstStop(500, (answer) => answer('Sys.sleep(30)'));
        const result = await client.execute({ code: 'f <- function() { v <- 4; browser(); v }\nf()', executionId: 'intr-typed' });
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        assert.strictEqual(stopsAsked.asked, 2);
        assert.match(client.textOf('intr-typed', 'stdout'), /\[1\] 4\n$/);
    });

    it('breakpoints stop R in functions defined from the document, with conditions; one removed while stopped stops R no more', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-bp-'));
        const file = path.join(dir, 'model.R');
        const lines = ['scale2 <- function(x) {', '  doubled <- x * 2', '  shifted <- doubled + 1', '  shifted', '}', 'total <- 0'];
        fs.writeFileSync(file, lines.join('\n') + '\n');
        const uri = pathToFileURL(file).href;
        const changes: BreakpointsChangedParams[] = [];
        client.connection.onNotification(BreakpointsChangedNotification, (p: BreakpointsChangedParams) => void changes.push(p));
        const set = await client.connection.sendRequest(SetBreakpointsRequest, { uri, breakpoints: [{ line: 1 }, { line: 5 }] });
        assert.deepStrictEqual(
            set.breakpoints.map((b) => [b.line, b.verified]),
            [
                [1, false],
                [5, false],
            ],
        );
        // Run from the editor: the function takes the breakpoint on line 1; R pauses before line 5, at the top level.
        await client.execute({ code: lines.join('\n'), uri, range: { start: { line: 0, character: 0 }, end: { line: 5, character: 10 } } });
        await client.waitFor(() => changes.some((c) => c.breakpoints.some((b) => b.line === 1 && b.verified)), 10000, 'verified');
        assert.deepStrictEqual(
            stops.map((s) => [s.depth, lineOf(s), s.breakpointId]),
            [[0, 5, set.breakpoints[1].id]],
        );
        stops = [];
        const answers = ['n', 'c'];
        onStop = () => answers.shift() ?? 'c';
        const hit = await client.execute({ code: 'scale2(5)', executionId: 'hit' });
        assert.strictEqual(hit.status, 'ok', JSON.stringify(hit.error));
        assert.strictEqual(stops.length, 2, JSON.stringify(stops.map((s) => [s.prompt, lineOf(s)])));
        assert.strictEqual(stops[0].uri, uri);
        assert.strictEqual(lineOf(stops[0]), 1);
        assert.strictEqual(stops[0].breakpointId, set.breakpoints[0].id);
        assert.strictEqual(lineOf(stops[1]), 2, 'one n runs one line');
        assert.match(client.textOf('hit', 'stdout'), /\[1\] 11\n$/);

        // A condition: R stops only when it is TRUE.
        await client.connection.sendRequest(SetBreakpointsRequest, { uri, breakpoints: [{ line: 2, condition: 'doubled > 50' }] });
        stops = [];
        onStop = () => 'c';
        await client.execute('scale2(1)');
        assert.strictEqual(stops.length, 0, 'the condition was FALSE');
        await client.execute('scale2(100)');
        assert.strictEqual(stops.length, 1);
        assert.strictEqual(lineOf(stops[0]), 2);

        // Removed while R is stopped: honoured from the next stop.
        await client.connection.sendRequest(SetBreakpointsRequest, { uri, breakpoints: [{ line: 1 }] });
        stops = [];
        onStop = async () => {
            if (stops.length === 1) await client.connection.sendRequest(SetBreakpointsRequest, { uri, breakpoints: [] });
            return 'c';
        };
        await client.execute('scale2(1); scale2(2)');
        assert.strictEqual(stops.length, 1, 'the second call did not stop');
        assert.strictEqual(await client.run('scale2(3)'), '[1] 7\n');
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a breakpoint on a top-level line of code run from the document pauses R before it; n steps to the next expression', async () => {
        const uri = 'file:///work/script.R';
        const lines = ['a <- 1', 'b <- a + 1', '# doubled', 'd <- b * 2', 'cat("d is", d, "\\n")'];
        await client.connection.sendRequest(SetBreakpointsRequest, { uri, text: lines.join('\n'), breakpoints: [{ line: 1 }] });
        const answers = ['a', 'n', 'c'];
        onStop = () => answers.shift() ?? 'c';
        const result = await client.execute({ code: lines.join('\n'), uri, executionId: 'script', range: { start: { line: 0, character: 0 }, end: { line: 4, character: 30 } } });
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        assert.deepStrictEqual(
            stops.map((s) => [s.depth, lineOf(s), s.breakpointId !== undefined]),
            [
                [0, 1, true],
                [0, 1, true],
                [0, 3, false],
            ],
        );
        const out = client.textOf('script', 'stdout');
        assert.match(out, /Called from: top level/);
        assert.match(out, /\[1\] 1\n/, 'a, typed at the pause, printed');
        assert.match(out, /d is 4/);
        await client.connection.sendRequest(SetBreakpointsRequest, { uri, breakpoints: [] });
    });

    it('breakpoints take effect in a function from source() of the file', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-bp-'));
        const file = path.join(dir, 'sourced.R');
        fs.writeFileSync(file, 'triple <- function(v) {\n  w <- v * 3\n  w\n}\n');
        const uri = pathToFileURL(file).href;
        await client.connection.sendRequest(SetBreakpointsRequest, { uri, breakpoints: [{ line: 2 }] });
        await client.execute(`source(${JSON.stringify(file)})`);
        onStop = () => 'c';
        assert.strictEqual(await client.run('triple(2)'), 'Called from: triple(2)\n[1] 6\n');
        assert.strictEqual(stops.length, 1);
        assert.strictEqual(stops[0].uri, uri);
        assert.strictEqual(lineOf(stops[0]), 2);
        await client.connection.sendRequest(SetBreakpointsRequest, { uri, breakpoints: [] });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it('an execution with no browser stop runs as before, and r/evaluate works in the global environment when R is not stopped', async () => {
        await client.execute('gv <- 21');
        const r = await client.connection.sendRequest(EvaluateRequest, { expression: 'gv * 2' });
        assert.strictEqual(r.value, '[1] 42');
        await assert.rejects(client.connection.sendRequest(EvaluateRequest, { expression: 'gv', frame: 1 }), (e: { code?: number }) => e.code === BrowserNotStoppedError);
        assert.strictEqual(stops.length, 0);
    });
});
