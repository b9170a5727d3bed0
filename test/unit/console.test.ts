/**
 * R's console on the server's side (server/src/kernel/console.ts) and the
 * prompt and feed markers on R's stdout: which lines go to R and when, the
 * echo, the resume call, R's own questions, and giving up on a console loop
 * that never hands control back.
 */
import * as assert from 'assert';
import { RConsole, browseCall, resumeCall } from '../../server/src/kernel/console';
import { OutputStream, StreamEvent } from '../../server/src/kernel/outputStream';

const TOKEN = '0123456789abcdef';
const mark = (id: string) => `\x1eRBM${TOKEN}:${id}\x1e`;

function console_(code: Record<number, string>) {
    const log = { written: [] as string[], asked: [] as [number, string][], released: [] as [number, string][], drained: 0, stuck: 0 };
    const rConsole = new RConsole({
        write: (text) => log.written.push(text),
        linesOf: (id) => code[id]?.split('\n'),
        ask: (id, prompt) => log.asked.push([id, prompt]),
        drained: () => log.drained++,
        stuck: () => log.stuck++,
        release: (id, text) => log.released.push([id, text]),
    });
    const stream = new OutputStream(TOKEN);
    const push = (text: string): string =>
        rConsole
            .filter(stream.push(Buffer.from(text)))
            .map((e) => (e.kind === 'text' ? e.text : `<${e.kind}>`))
            .join('');
    return { rConsole, log, push };
}

describe("R's console: prompt and feed markers", () => {
    it('reads prompts, plain and joined feeds from stdout, also split across chunks', () => {
        const input = Buffer.from(`a${mark('p')}${mark('c')}${mark('q3.8')}${mark('f12.3.5')}${mark('j7.1.4:x <- 1; y <- "é"')}b`);
        for (let cut = 0; cut <= input.length; cut++) {
            const stream = new OutputStream(TOKEN);
            const events: StreamEvent[] = [...stream.push(input.subarray(0, cut)), ...stream.push(input.subarray(cut)), ...stream.end()];
            const kinds = events.filter((e) => e.kind !== 'text');
            assert.deepStrictEqual(
                kinds,
                [
                    { kind: 'prompt', continued: false },
                    { kind: 'prompt', continued: true },
                    { kind: 'prompt', continued: false, fed: { id: 3, n: 8 } },
                    { kind: 'feed', id: 12, from: 3, to: 5 },
                    { kind: 'feed', id: 7, from: 1, to: 4, text: 'x <- 1; y <- "é"' },
                ],
                `cut at ${cut}`,
            );
            assert.strictEqual(
                events
                    .filter((e) => e.kind === 'text')
                    .map((e) => (e as { text: string }).text)
                    .join(''),
                'ab',
            );
        }
    });

    it('writes the lines of a group one at a time, as R asks for them', () => {
        const { log, push } = console_({ 3: 'f <- function() {\n  1\n}\nf()' });
        assert.strictEqual(push(mark('f3.1.3')), '');
        assert.deepStrictEqual(log.written, [], 'nothing before R asks');
        assert.strictEqual(push(mark('p')), '');
        assert.strictEqual(push(mark('c')), '');
        assert.strictEqual(log.drained, 0);
        assert.strictEqual(push(`${mark('c')}out\n`), 'out\n');
        assert.deepStrictEqual(log.written, ['f <- function() {\n', '  1\n', '}\n']);
        assert.strictEqual(log.drained, 1, 'R has asked for the last line');
    });

    it('writes a joined line as one', () => {
        const { log, push } = console_({ 4: 'a <- 1\nb <- 2' });
        assert.strictEqual(push(`${mark('j4.1.2:a <- 1; b <- 2')}${mark('p')}[1] 1\n`), '[1] 1\n');
        assert.deepStrictEqual(log.written, ['a <- 1; b <- 2\n']);
    });

    it('writes the resume call at a top-level prompt with nothing to read, and gives up after five in a row', () => {
        const { rConsole, log, push } = console_({ 1: 'x <- 1' });
        push(mark('p'));
        assert.deepStrictEqual(log.written, [resumeCall(0) + '\n']);
        // It counts the groups handed to R, so that the kernel can tell a stale one.
        push(`${mark('f1.1.1')}${mark('p')}${mark('p')}`);
        assert.deepStrictEqual(log.written.slice(1), ['x <- 1\n', resumeCall(1) + '\n']);
        rConsole.heardFromKernel();
        for (let i = 0; i < 5; i++) push(mark('p'));
        assert.strictEqual(log.stuck, 0);
        push(mark('p'));
        assert.strictEqual(log.stuck, 1, "R's console loop never handed control back");
    });

    it("passes R's own questions on, takes them out of the output, and writes the answer", () => {
        const { rConsole, log, push } = console_({ 5: 'q(save = "ask")' });
        push(mark('q5.1'));
        assert.strictEqual(push('Save workspace image? [y/n/c]: '), '');
        assert.deepStrictEqual(log.asked, [[5, 'Save workspace image? [y/n/c]: ']]);
        assert.deepStrictEqual(rConsole.question, { id: 5, prompt: 'Save workspace image? [y/n/c]: ', kernelWaits: false });
        rConsole.answer('n\r\n');
        assert.deepStrictEqual(log.written, ['n \n']);
        assert.strictEqual(rConsole.question, undefined);
        // A question the client gives up on is left: c for quit().
        push('Save workspace image? [y/n/c]: ');
        rConsole.cancelQuestion();
        assert.deepStrictEqual(log.written, ['n \n', 'c\n']);
        // Output that only looks like a question, after the execution ended, stays output.
        assert.strictEqual(push(`${mark('5')}Save workspace image? [y/n/c]: `), '<marker>Save workspace image? [y/n/c]: ');
        assert.strictEqual(log.asked.length, 2);
    });

    it("has the kernel read the browser's stop at its prompt, asks the client, and writes the answer at the prompt that follows", () => {
        const { rConsole, log, push } = console_({ 5: 'f()' });
        push(mark('q5.1'));
        assert.strictEqual(push('Called from: f()\nBrowse[1]> '), 'Called from: f()\n');
        assert.deepStrictEqual(log.written, [browseCall(5, 1) + '\n'], 'the kernel reads the stop first');
        assert.deepStrictEqual(log.asked, [], 'the client is asked once the kernel reported it');
        assert.strictEqual(rConsole.question, undefined);
        rConsole.browserStopped(5, { level: 1, depth: 1, call: 'f()' });
        assert.deepStrictEqual(log.asked, [[5, 'Browse[1]> ']]);
        assert.deepStrictEqual(rConsole.question, { id: 5, prompt: 'Browse[1]> ', kernelWaits: true });
        rConsole.answer('n\r\n');
        assert.strictEqual(rConsole.question, undefined);
        assert.strictEqual(log.written.length, 1, 'the answer waits for R to prompt again');
        assert.strictEqual(push('Browse[1]> '), '');
        assert.deepStrictEqual(log.written.slice(1), ['n \n']);
        // The next stop; a given-up question is left with Q.
        push('debug at #2: x\nBrowse[2]> ');
        rConsole.browserStopped(5, { level: 2, depth: 1 });
        rConsole.cancelQuestion();
        push('Browse[2]> ');
        assert.deepStrictEqual(log.written.slice(2), [browseCall(5, 2) + '\n', 'Q\n']);
        // A stop the kernel steps over itself (after n at a breakpoint) asks nobody.
        push('Browse[2]> ');
        rConsole.browserStopped(5, { level: 2, auto: 'n' });
        assert.deepStrictEqual(log.released, [[5, 'n']], 'the kernel is told to return from its call');
        push('Browse[2]> ');
        assert.deepStrictEqual(log.written.slice(4), [browseCall(5, 2) + '\n', 'n\n']);
        assert.strictEqual(log.asked.length, 2);
    });

    it("asks the client directly when the kernel's call fails at the browser's prompt", () => {
        const { rConsole, log, push } = console_({ 5: 'f()' });
        push(mark('q5.1'));
        push('Browse[1]> ');
        // Tried again (an interrupt may have cut it short), then given up.
        assert.strictEqual(push('Error: object not found\nBrowse[1]> '), 'Error: object not found\n');
        assert.deepStrictEqual(log.written.slice(1), [browseCall(5, 1) + '\n']);
        assert.deepStrictEqual(log.asked, []);
        push('Error: object not found\nBrowse[1]> ');
        push('Error: object not found\nBrowse[1]> ');
        assert.deepStrictEqual(log.asked, [[5, 'Browse[1]> ']]);
        assert.deepStrictEqual(rConsole.question, { id: 5, prompt: 'Browse[1]> ', kernelWaits: false });
        rConsole.answer('c');
        assert.deepStrictEqual(log.written.slice(3), ['c\n']);
    });

    it("takes the kernel's own line from R's prompt, and the same prompt again as a failed line", () => {
        const { rConsole, log, push } = console_({});
        assert.strictEqual(push(`${mark('q9.4')}[1] 2\n`), '[1] 2\n');
        assert.deepStrictEqual(log.written, [], 'R reads what the kernel wrote');
        push('Save workspace image? [y/n/c]: ');
        assert.deepStrictEqual(rConsole.question, { id: 9, prompt: 'Save workspace image? [y/n/c]: ', kernelWaits: false }, 'the prompt named the running execution');
        rConsole.answer('c');
        push(mark('q9.4'));
        assert.deepStrictEqual(log.written.slice(1), [resumeCall(4) + '\n']);
    });

    it('is busy reading while R has lines to ask for (an interrupt then waits)', () => {
        const { rConsole, push } = console_({ 6: 'g(\n1)' });
        push(mark('f6.1.2'));
        assert.ok(rConsole.busyReading);
        push(mark('p'));
        assert.ok(rConsole.busyReading);
        push(mark('c'));
        assert.ok(!rConsole.busyReading);
    });
});
