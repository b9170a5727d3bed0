import * as assert from 'assert';
import type { ExecuteResult, InputResult } from '../../common/protocol';
import { ConsoleCore, ConsoleHost } from '../../client/src/console/consoleCore';
import { LineEditor } from '../../client/src/console/lineEditor';
import { OutputBuffer } from '../../client/src/console/outputBuffer';
import { StderrClassifier, displayWidth, overstrikeCarriageReturns, stripAnsi, styled } from '../../client/src/console/text';

/** A host that records executions and answers them when the test says so. */
class FakeHost implements ConsoleHost {
    readonly executions: { code: string; echo: boolean; answer: (status: ExecuteResult['status']) => void }[] = [];
    interrupts = 0;
    readonly widths: number[] = [];
    history: readonly string[] = [];

    resized(columns: number): void {
        this.widths.push(columns);
    }

    historyChanged(entries: readonly string[]): void {
        this.history = [...entries];
    }

    execute(code: string, echo: boolean): Promise<ExecuteResult> {
        return new Promise((resolve) => {
            this.executions.push({ code, echo, answer: (status) => resolve({ executionId: 'x', status, durationMs: 0 }) });
        });
    }

    interrupt(): void {
        this.interrupts++;
    }
}

function makeConsole(options: ConstructorParameters<typeof ConsoleCore>[2] = {}) {
    const host = new FakeHost();
    const written: string[] = [];
    const core = new ConsoleCore(host, (data) => written.push(data), { flushMs: 5, ...options });
    core.open(80);
    return { host, core, written };
}

/** Lets the promise callbacks of the console run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A cancellation the server makes (withdraw()), as the console sees it. */
function serverCancel(): { signal: { isCancellationRequested: boolean; onCancellationRequested(l: () => void): { dispose(): void } }; withdraw(): void } {
    const listeners: (() => void)[] = [];
    const signal = {
        isCancellationRequested: false,
        onCancellationRequested: (l: () => void) => {
            listeners.push(l);
            return { dispose: () => undefined };
        },
    };
    return {
        signal,
        withdraw: () => {
            signal.isCancellationRequested = true;
            listeners.forEach((l) => l());
        },
    };
}

describe('console: typing R code', () => {
    it('a typed line runs without echo and stays on the screen after its prompt', async () => {
        const { host, core } = makeConsole();
        assert.strictEqual(core.text(), '> ');
        core.input('x <- 1');
        core.input('\r');
        assert.deepStrictEqual(host.executions.map((e) => [e.code, e.echo]), [['x <- 1', false]]);
        assert.strictEqual(core.text(), '> x <- 1\n');
        host.executions[0].answer('ok');
        await tick();
        assert.strictEqual(core.text(), '> x <- 1\n> ');
    });

    it('an incomplete expression asks for more with "+ " and runs once complete', async () => {
        const { host, core } = makeConsole();
        core.input('f <- function() {\r');
        host.executions[0].answer('incomplete');
        await tick();
        assert.match(core.text(), /\+ $/);
        core.input('  1\r');
        assert.strictEqual(host.executions[1].code, 'f <- function() {\n  1');
        host.executions[1].answer('incomplete');
        await tick();
        core.input('}\r');
        assert.strictEqual(host.executions[2].code, 'f <- function() {\n  1\n}');
        host.executions[2].answer('ok');
        await tick();
        assert.strictEqual(core.text(), '> f <- function() {\n+   1\n+ }\n> ');
    });

    it('a pasted block runs as one execution that R echoes', async () => {
        const { host, core } = makeConsole();
        core.input('\x1b[200~a <- 1\rb <- 2\rprint(a + b)\r\x1b[201~');
        assert.strictEqual(host.executions.length, 1);
        assert.deepStrictEqual([host.executions[0].code, host.executions[0].echo], ['a <- 1\nb <- 2\nprint(a + b)', true]);
        // Without bracketed paste, several lines in one chunk are a paste too.
        host.executions[0].answer('ok');
        await tick();
        core.input('c <- 3\rd <- 4\r');
        assert.strictEqual(host.executions[1].code, 'c <- 3\nd <- 4');
    });

    it('a pasted block that is incomplete is shown, and continues', async () => {
        const { host, core } = makeConsole();
        core.input('\x1b[200~g <- function() {\r  2\r\x1b[201~');
        host.executions[0].answer('incomplete');
        await tick();
        assert.strictEqual(core.text(), '> g <- function() {\n+   2\n+ ');
        core.input('}\r');
        assert.strictEqual(host.executions[1].code, 'g <- function() {\n  2\n}');
    });

    it('lines typed while R is busy wait their turn', async () => {
        const { host, core } = makeConsole();
        core.input('Sys.sleep(1)\r');
        core.input('1 + 1\r');
        core.input('2 + 2\r');
        assert.strictEqual(host.executions.length, 1);
        host.executions[0].answer('ok');
        await tick();
        assert.strictEqual(host.executions[1].code, '1 + 1');
        host.executions[1].answer('ok');
        await tick();
        assert.strictEqual(host.executions[2].code, '2 + 2');
    });

    it('Ctrl+C interrupts R when it is busy, and clears the line when it is not', async () => {
        const { host, core } = makeConsole();
        core.input('half typed');
        core.input('\x03');
        assert.strictEqual(host.interrupts, 0);
        assert.match(core.text(), /> half typed\^C\n> $/);
        core.input('Sys.sleep(10)\r');
        core.input('\x03');
        assert.strictEqual(host.interrupts, 1);
        host.executions[0].answer('interrupted');
        await tick();
        assert.match(core.text(), /> $/);
    });

    it('up and down recall earlier lines', async () => {
        const { host, core } = makeConsole();
        core.input('first\r');
        host.executions[0].answer('ok');
        await tick();
        core.input('second\r');
        host.executions[1].answer('ok');
        await tick();
        core.input('\x1b[A');
        assert.match(core.text(), /> second$/);
        core.input('\x1b[A');
        assert.match(core.text(), /> first$/);
        core.input('\x1b[B\x1b[B');
        assert.match(core.text(), /> $/);
    });

    it('a run from an editor is one history entry: Up brings it back whole, after "+ ", and Enter runs it as one piece', async () => {
        const { host, core, written } = makeConsole();
        core.addHistory('\nmulti_a <- 1\nmulti_b <- multi_a + 1\n\n');
        assert.deepStrictEqual(host.history, ['multi_a <- 1\nmulti_b <- multi_a + 1']);
        core.input('\x1b[A');
        assert.match(core.text(), /> multi_a <- 1\n\+ multi_b <- multi_a \+ 1$/);
        // Drawn on two rows; what comes next erases both (one row up first).
        written.length = 0;
        core.output('stdout', 'meanwhile\n');
        core.flush();
        assert.ok(written.join('').startsWith('\r\x1b[1A\x1b[J'), JSON.stringify(written));
        assert.match(core.text(), /meanwhile\n> multi_a <- 1\n\+ multi_b <- multi_a \+ 1$/);
        core.input('\r');
        assert.deepStrictEqual(host.executions.map((e) => [e.code, e.echo]), [['multi_a <- 1\nmulti_b <- multi_a + 1', false]]);
        assert.match(core.text(), /> multi_a <- 1\n\+ multi_b <- multi_a \+ 1\n$/);
        assert.deepStrictEqual(host.history, ['multi_a <- 1\nmulti_b <- multi_a + 1']);
    });

    it('an editor run added while Up is walking the history leaves the walk where it is', async () => {
        const { host, core } = makeConsole();
        core.input('one\r');
        host.executions[0].answer('ok');
        await tick();
        core.input('two\r');
        host.executions[1].answer('ok');
        await tick();
        core.input('\x1b[A\x1b[A');
        assert.match(core.text(), /> one$/);
        core.addHistory('three');
        core.input('\x1b[B');
        assert.match(core.text(), /> two$/);
        core.input('\x1b[B');
        assert.match(core.text(), /> three$/);
    });

    it('tells the host its width when it opens and when it is resized', () => {
        const { host, core } = makeConsole();
        assert.deepStrictEqual(host.widths, [80]);
        core.resize(127);
        core.resize(127);
        core.resize(100);
        assert.deepStrictEqual(host.widths, [80, 127, 100]);
        assert.strictEqual(core.columns, 100);
    });
});

describe('console: readline() answers', () => {
    it('shows R\'s prompt and answers with the line typed', async () => {
        const { core } = makeConsole();
        core.setBusy(true);
        const answer = core.requestInput('Name? ');
        assert.ok(core.awaitingInput);
        assert.match(core.text(), /Name\? $/);
        core.input('Ada\r');
        assert.deepStrictEqual(await answer, { text: 'Ada' } satisfies InputResult);
        assert.match(core.text(), /Name\? Ada\n$/);
        assert.ok(!core.awaitingInput);
    });

    it('Ctrl+C refuses to answer (R stops the code) and interrupts', async () => {
        const { core, host } = makeConsole();
        core.setBusy(true);
        const answer = core.requestInput('Pick: ');
        core.input('\x03');
        await assert.rejects(answer);
        assert.strictEqual(host.interrupts, 1);
    });

    it('Ctrl+D answers end of input', async () => {
        const { core } = makeConsole();
        const answer = core.requestInput('> ');
        core.input('\x04');
        assert.deepStrictEqual(await answer, { text: '', eof: true });
    });

    it('answers stay out of the history; code typed at the prompt goes in', async () => {
        const { core, host } = makeConsole();
        core.input('code_before <- 1\r');
        host.executions[0].answer('ok');
        await tick();
        core.setBusy(true);
        const password = core.requestInput('Password: ');
        core.input('hunter2\r');
        assert.deepStrictEqual(await password, { text: 'hunter2' });
        // A paste at the prompt: its first line answers, the rest is code.
        const menu = core.requestInput('Selection: ');
        core.input('\x1b[200~2\rcode_after <- 3\r\x1b[201~');
        assert.deepStrictEqual(await menu, { text: '2' });
        core.setBusy(false);
        await tick();
        assert.deepStrictEqual(host.history, ['code_before <- 1', 'code_after <- 3']);
        host.executions[1]?.answer('ok');
        await tick();
        core.input('\x1b[A');
        assert.match(core.text(), /> code_after <- 3$/);
        core.input('\x1b[A');
        assert.match(core.text(), /> code_before <- 1$/);
        core.input('\x1b[A');
        assert.match(core.text(), /> code_before <- 1$/, 'no answer in the history');
    });

    it('a request the server cancels goes away', async () => {
        const { core } = makeConsole();
        const { signal, withdraw } = serverCancel();
        const answer = core.requestInput('Name? ', signal);
        core.input('Ad');
        withdraw();
        await assert.rejects(answer);
        assert.ok(!core.awaitingInput);
        assert.match(core.text(), /Name\? Ad\n> $/);
    });
});

describe("console: R's browser (Browse[n]>)", () => {
    it('shows the prompt, answers with the command typed and keeps it in the history, as R does', async () => {
        const { core, host } = makeConsole();
        core.setBusy(true);
        const first = core.requestInput('Browse[1]> ', undefined, { browser: true });
        assert.match(core.text(), /Browse\[1\]> $/);
        core.input('n\r');
        assert.deepStrictEqual(await first, { text: 'n' });
        const second = core.requestInput('Browse[2]> ', undefined, { browser: true });
        core.input('ls()\r');
        assert.deepStrictEqual(await second, { text: 'ls()' });
        assert.match(core.text(), /Browse\[1\]> n\nBrowse\[2\]> ls\(\)\n$/);
        assert.deepStrictEqual(host.history, ['n', 'ls()']);
        // Up at the next stop brings the commands back.
        const third = core.requestInput('Browse[2]> ', undefined, { browser: true });
        core.input('\x1b[A\x1b[A\r');
        assert.deepStrictEqual(await third, { text: 'n' });
    });

    it('lines typed while R runs a step answer the next stops, one each; those left run as code when the run ends', async () => {
        const { core, host } = makeConsole();
        core.input('f()\r');
        assert.strictEqual(host.executions.length, 1);
        const first = core.requestInput('Browse[1]> ', undefined, { browser: true });
        core.input('n\r');
        assert.deepStrictEqual(await first, { text: 'n' });
        // Typed before R stops again: not code to run after f(), but the answers to the coming stops.
        core.input('n\r');
        core.input('print(x)\r');
        assert.strictEqual(host.executions.length, 1, 'nothing ran as code');
        assert.deepStrictEqual(await core.requestInput('Browse[2]> ', undefined, { browser: true }), { text: 'n' });
        assert.match(core.text(), /Browse\[2\]> n\n$/);
        // R leaves the browser with a line still waiting: it runs as code after the run, as R's console would read it.
        host.executions[0].answer('ok');
        await tick();
        assert.deepStrictEqual(
            host.executions.map((e) => e.code),
            ['f()', 'print(x)'],
        );
    });

    it('a stop answered elsewhere (the debugger) shows the command after the prompt, as if typed', async () => {
        const { core } = makeConsole();
        core.setBusy(true);
        const answer = core.requestInput('Browse[1]> ', undefined, { browser: true });
        core.input('pri');
        core.answeredElsewhere('c');
        await assert.rejects(answer);
        assert.ok(!core.awaitingInput);
        assert.match(core.text(), /Browse\[1\]> c\n$/);
    });

    it('Ctrl+C at the Browse prompt interrupts without refusing the answer: the server asks again, as R stays in its browser', async () => {
        const { core, host } = makeConsole();
        core.setBusy(true);
        const { signal, withdraw } = serverCancel();
        const answer = core.requestInput('Browse[1]> ', signal, { browser: true });
        let settled = false;
        answer.then(
            () => (settled = true),
            () => (settled = true),
        );
        core.input('ls(');
        core.input('\x03');
        await tick();
        assert.strictEqual(host.interrupts, 1);
        assert.ok(!settled, 'the question is the server\'s to withdraw');
        assert.match(core.text(), /Browse\[1\]> ls\(\^C\n$/);
        // The server withdraws it and asks again.
        withdraw();
        await assert.rejects(answer);
        const again = core.requestInput('Browse[1]> ', undefined, { browser: true });
        assert.match(core.text(), /Browse\[1\]> ls\(\^C\nBrowse\[1\]> $/);
        core.input('c\r');
        assert.deepStrictEqual(await again, { text: 'c' });
    });

    it('an answer to readline() is still no browser command: it stays out of the history', async () => {
        const { core, host } = makeConsole();
        core.setBusy(true);
        const answer = core.requestInput('Password: ');
        core.input('hunter2\r');
        await answer;
        assert.deepStrictEqual(host.history, []);
    });
});

describe('console: output', () => {
    it('colours stderr by kind: messages, warnings, errors', () => {
        const { core, written } = makeConsole();
        core.output('stdout', '[1] 2\n');
        core.output('stderr', 'a message\n');
        core.output('stderr', 'Warning message:\nIn f() : careful\n');
        core.output('stderr', 'Error in g() : boom\n');
        core.flush();
        const all = written.join('');
        assert.ok(all.includes('[1] 2\r\n'));
        assert.ok(all.includes('\x1b[36ma message\r\n'));
        assert.ok(all.includes('\x1b[33mWarning message:\r\nIn f() : careful\r\n'));
        assert.ok(all.includes('\x1b[31mError in g() : boom\r\n'));
        assert.match(core.text(), /\[1\] 2\na message\nWarning message:\nIn f\(\) : careful\nError in g\(\) : boom\n> $/);
    });

    it('collects the chunks of one turn and writes them in one piece, not per chunk', async () => {
        const { core, written } = makeConsole({ flushMs: 20 });
        const before = written.length;
        for (let i = 0; i < 1000; i++) core.output('stdout', `line ${i}\n`);
        assert.strictEqual(written.length, before);
        await new Promise((resolve) => setTimeout(resolve, 60));
        assert.strictEqual(written.length, before + 1);
        assert.ok(written[written.length - 1].includes('line 999'));
    });

    it('writes the first output after a quiet period on the next turn, without waiting for the interval', async () => {
        // An interval far longer than a turn: a write that waited for it would be seen missing.
        const { core, written } = makeConsole({ flushMs: 10_000 });
        core.output('stdout', '[1] 2\n');
        await tick();
        assert.ok(written.join('').includes('[1] 2\r\n'));
        assert.match(core.text(), /\[1\] 2\n> $/);
        core.dispose();
    });

    it('coalesces a burst: output soon after a write waits for the interval to end, then goes in one write', async () => {
        const flushMs = 150;
        const { core, written } = makeConsole({ flushMs });
        core.output('stdout', 'first\n');
        await tick();
        const afterFirst = written.length;
        assert.ok(written.join('').includes('first'));
        for (let i = 0; i < 5; i++) {
            core.output('stdout', `burst ${i}\n`);
            await tick();
        }
        assert.strictEqual(written.length, afterFirst, 'the burst is held back');
        await new Promise((resolve) => setTimeout(resolve, flushMs + 50));
        assert.strictEqual(written.length, afterFirst + 1, 'and written once');
        assert.ok(written[written.length - 1].includes('burst 0') && written[written.length - 1].includes('burst 4'));
        // Quiet again for a whole interval after that write: the next output goes at once.
        await new Promise((resolve) => setTimeout(resolve, flushMs + 20));
        core.output('stdout', 'later\n');
        await tick();
        assert.ok(written[written.length - 1].includes('later'));
    });

    it('a million lines are cut to the end, quickly, and say how much was left out', () => {
        const { core, written } = makeConsole();
        const started = Date.now();
        const chunk = Array.from({ length: 1000 }, (_, i) => `[${i}] some output text`).join('\n') + '\n';
        for (let i = 0; i < 1000; i++) core.output('stdout', chunk);
        core.flush();
        const elapsed = Date.now() - started;
        const out = written.join('');
        assert.ok(elapsed < 3000, `1e6 lines took ${elapsed} ms`);
        assert.ok(out.length < 1024 * 1024, `wrote ${out.length} characters`);
        assert.match(stripAnsi(out), /\[… 998,000 lines of output not shown …\]/);
        assert.ok(out.includes('[999] some output text'));
    });

    it('output while the user types keeps the typed text on the prompt line', () => {
        const { core } = makeConsole();
        core.input('abc');
        core.output('stdout', 'from R\n');
        core.flush();
        assert.strictEqual(core.text(), 'from R\n> abc');
    });

    it('notes appear on a line of their own', () => {
        const { core } = makeConsole();
        core.setBusy(true);
        core.output('stdout', 'partial');
        core.note('R died: boom', 'error');
        assert.match(core.text(), /partial\nR died: boom\n$/);
    });

    it('shows what was printed before the terminal opened', () => {
        const host = new FakeHost();
        const written: string[] = [];
        const core = new ConsoleCore(host, (data) => written.push(data), { flushMs: 5 });
        core.output('stdout', 'early\n');
        core.flush();
        assert.strictEqual(written.length, 0);
        core.open(80);
        assert.ok(written.join('').includes('early\r\n'));
    });
});

describe('console: transcript', () => {
    it('is undefined while nothing has run (only the console\'s notes)', () => {
        const { core } = makeConsole();
        core.note('R 4.4.1 is ready.');
        assert.strictEqual(core.transcriptText(), undefined);
    });

    it('is what the console shows, without colours or the prompt line, output still waiting included', () => {
        const { core, host } = makeConsole();
        core.input('x <- 1\r');
        host.executions[0].answer('ok');
        core.output('stdout', '> print(1:2)\n[1] 1 2\n');
        core.output('stderr', 'Warning message:\ncareful \nError: boom\n');
        core.note('at analysis.R:3', 'location');
        core.input('half typed');
        const text = core.transcriptText();
        assert.strictEqual(text, '> x <- 1\n> print(1:2)\n[1] 1 2\nWarning message:\ncareful \nError: boom\nat analysis.R:3\n');
    });

    it('keeps what a line rewritten with carriage returns ends up showing (a progress bar)', () => {
        const { core } = makeConsole();
        core.output('stdout', '  |==    |  25%\r  |====  |  50%\r  |======|  100%\ndone\n');
        assert.strictEqual(core.transcriptText(), '  |======|  100%\ndone\n');
        assert.strictEqual(overstrikeCarriageReturns('abcdef\rxy\n12\r\n'), 'xycdef\n12\n');
    });
});

describe('console pieces', () => {
    it('line editing keys', () => {
        const editor = new LineEditor();
        editor.input('hello world');
        editor.input('\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D');
        editor.input('big ');
        assert.strictEqual(editor.text, 'hello big world');
        editor.input('\x01X\x05Y');
        assert.strictEqual(editor.text, 'Xhello big worldY');
        editor.input('\x7f\x7f');
        assert.strictEqual(editor.text, 'Xhello big worl');
        editor.input('\x17');
        assert.strictEqual(editor.text, 'Xhello big ');
        editor.input('\x1b[H\x1b[3~');
        assert.strictEqual(editor.text, 'hello big ');
        editor.input('\x15');
        assert.strictEqual(editor.text, 'hello big ');
        editor.input('\x05\x15');
        assert.strictEqual(editor.text, '');
        assert.deepStrictEqual(editor.input('\x03'), [{ kind: 'interrupt' }]);
    });

    it('the output buffer keeps the end of a burst and counts the rest', () => {
        const buffer = new OutputBuffer({ maxLines: 10, maxChars: 1000 });
        for (let i = 0; i < 100; i++) buffer.append(i % 2 ? 'stdout' : 'message', `${i}\n`);
        const drained = buffer.drain();
        assert.strictEqual(drained.omittedLines, 90);
        assert.strictEqual(drained.segments.map((s) => s.text).join(''), Array.from({ length: 10 }, (_, i) => `${90 + i}\n`).join(''));
        assert.ok(buffer.isEmpty);
        buffer.append('stdout', 'x'.repeat(5000));
        const long = buffer.drain();
        assert.strictEqual(long.segments[0].text.length, 1000);
        assert.strictEqual(long.omittedChars, 4000);
    });

    it('the line after a "Warning message:" header is part of the warning', () => {
        const classifier = new StderrClassifier();
        assert.deepStrictEqual(classifier.classify('Warning message:\na warning \nplain message\n'), [
            { style: 'warning', text: 'Warning message:\na warning \n' },
            { style: 'message', text: 'plain message\n' },
        ]);
        assert.deepStrictEqual(classifier.classify('Warning messages:\n1: In f() : x\n2: y\n'), [
            { style: 'warning', text: 'Warning messages:\n1: In f() : x\n2: y\n' },
        ]);
    });

    it('an error R colours itself (rlang, cli) is still an error', () => {
        const classifier = new StderrClassifier();
        const pieces = classifier.classify('\x1b[1m\x1b[33mError\x1b[39m in `f()`:\x1b[22m\n\x1b[33m!\x1b[39m boom\n');
        assert.deepStrictEqual(pieces.map((p) => p.style), ['error']);
    });

    it('stderr classification carries across chunks', () => {
        const classifier = new StderrClassifier();
        assert.deepStrictEqual(classifier.classify('Error in f() : '), [{ style: 'error', text: 'Error in f() : ' }]);
        assert.deepStrictEqual(classifier.classify('boom\n  detail\nLoading required package: x\n'), [
            { style: 'error', text: 'boom\n  detail\n' },
            { style: 'message', text: 'Loading required package: x\n' },
        ]);
    });

    it('styles and widths', () => {
        assert.strictEqual(styled('stdout', 'a\nb'), 'a\r\nb');
        assert.strictEqual(stripAnsi(styled('error', 'x')), 'x');
        assert.strictEqual(displayWidth('abc'), 3);
        assert.strictEqual(displayWidth('日本'), 4);
    });
});
