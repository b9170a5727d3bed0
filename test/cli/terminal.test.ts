/**
 * The command-line client's console on a real (pseudo-)terminal, typed at
 * as a person would: the terminal's width and colours reach R, answers to
 * readline() stay out of the history, Ctrl+D answers R's readline() and
 * readLines(stdin()) without ending the session, R's browser (`Browse[1]> `)
 * reads its commands from the terminal, and the console works again after
 * Ctrl+Z and `fg`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CliProcess } from './cliProcess';
import { PtyProcess } from './ptyProcess';

/** The console's prompt at the start of a row, after what R printed. */
const PROMPT = /\r\n[^\r\n]*> \S*$/;
/** A new read began: readline draws its prompt (here an empty one) at the start of a row. */
// eslint-disable-next-line no-control-regex
const ASKED = /\r\n\x1b\[1G\x1b\[0J/;
/** R's question `text` at the start of a row. */
const asks = (text: string) => new RegExp(`\\r\\n\\S*${text.replace(/[?]/g, '\\?')} \\S*$`);

describe('command-line client on a terminal (real R)', function () {
    const running: PtyProcess[] = [];

    function start(args: string[] = [], options: Parameters<typeof PtyProcess.start>[1] = {}): PtyProcess {
        const pty = PtyProcess.start(args, options);
        running.push(pty);
        return pty;
    }

    /** Types a line once the console shows its prompt; resolves when the output after it matches `expect`. */
    async function run(pty: PtyProcess, line: string, expect: string | RegExp, ms = 20000): Promise<void> {
        const from = pty.output.length;
        pty.type(line + '\r');
        await pty.waitFor(expect, ms, from);
    }

    /** Waits for the first prompt (R has started). */
    async function ready(pty: PtyProcess): Promise<void> {
        await pty.waitFor(/> /, 30000);
    }

    afterEach(async () => {
        for (const pty of running.splice(0)) await pty.stop();
    });

    it('R prints as wide as the terminal and in its colours, and follows a resize (SIGWINCH)', async () => {
        const pty = start([], { columns: 97 });
        await ready(pty);
        await run(pty, 'cat("width", getOption("width"), "colours", cli::num_ansi_colors(), "\\n")', 'width 97 colours 256 ');
        pty.resize(111);
        // The width goes to R after a short pause (resizes come in bursts).
        await new Promise((resolve) => setTimeout(resolve, 400));
        await run(pty, 'cat("now", getOption("width"), "\\n")', 'now 111 ');
        // cli colours what it prints (here a bold, coloured rule of text).
        await run(pty, 'cli::cat_line(cli::col_red("in red"))', '\x1b[31min red\x1b[39m');
    });

    it('without a terminal R keeps 80 columns and no colour', async () => {
        const run = await CliProcess.run(['-e', 'cat(getOption("width"), cli::num_ansi_colors(), "\\n")']);
        assert.strictEqual(run.stdout, '80 1 \n', run.describe());
    });

    it('keeps code in the history and leaves the answers to readline() out', async () => {
        const pty = start();
        await ready(pty);
        await run(pty, 'pw <- readline("Password: ")', asks('Password:'));
        await run(pty, 'hunter2', PROMPT);
        // Up brings back the code, not the password: Enter runs it again, and R asks again.
        const from = pty.output.length;
        pty.type('\x1b[A');
        await pty.waitFor('pw <- readline("Password: ")', 5000, from);
        await run(pty, '', asks('Password:'));
        await run(pty, 'second', PROMPT);
        await run(pty, 'cat("got", pw, "\\n")', 'got second ');
        assert.ok(!/hunter2[^\r\n]*\r\n[^\r\n]*object 'hunter2' not found/.test(pty.output), pty.describe());
        // Ctrl+D at an empty prompt ends the session and saves the history.
        pty.type('\x04');
        await pty.waitForExit();
        const history = fs.readFileSync(path.join(pty.home, '.rbridge_history'), 'utf8');
        assert.match(history, /pw <- readline\("Password: "\)/);
        assert.match(history, /cat\("got", pw/);
        assert.ok(!history.includes('hunter2') && !/^second$/m.test(history), `the answers are in the history: ${JSON.stringify(history)}`);
    });

    it('leaves the answers to readLines(stdin(), n = 1) out of the history', async () => {
        const pty = start();
        await ready(pty);
        await run(pty, 'line <- readLines(stdin(), n = 1)', ASKED);
        await run(pty, 'swordfish', PROMPT);
        await run(pty, 'cat("read", line, "\\n")', 'read swordfish ');
        // Up twice brings back the two lines of code before it, not the answer between them.
        let from = pty.output.length;
        pty.type('\x1b[A');
        await pty.waitFor('cat("read", line, "\\n")', 5000, from);
        from = pty.output.length;
        pty.type('\x1b[A');
        await pty.waitFor('line <- readLines(stdin(), n = 1)', 5000, from);
        assert.ok(!pty.output.slice(from).includes('swordfish'), pty.describe());
        // Enter runs it again, and R reads again.
        await run(pty, '', ASKED);
        await run(pty, 'marlin', PROMPT);
        await run(pty, 'cat("now", line, "\\n")', 'now marlin ');
        pty.type('\x04');
        await pty.waitForExit();
        const history = fs.readFileSync(path.join(pty.home, '.rbridge_history'), 'utf8');
        assert.match(history, /line <- readLines\(stdin\(\), n = 1\)/);
        assert.ok(!history.includes('swordfish') && !history.includes('marlin'), `the answers are in the history: ${JSON.stringify(history)}`);
    });

    it('Ctrl+D answers readline() with "" and ends readLines(stdin()), and the session goes on', async () => {
        const pty = start();
        await ready(pty);
        await run(pty, 'answer <- readline("Name? ")', asks('Name?'));
        let from = pty.output.length;
        pty.type('\x04');
        await pty.waitFor(PROMPT, 10000, from);
        await run(pty, 'cat("answer has", nchar(answer), "characters\\n")', 'answer has 0 characters');
        await run(pty, 'read <- readLines(stdin())', ASKED);
        await run(pty, 'alpha', ASKED);
        await run(pty, 'beta', ASKED);
        from = pty.output.length;
        pty.type('\x04');
        await pty.waitFor(PROMPT, 10000, from);
        await run(pty, 'cat("read", length(read), "lines:", read, "\\n")', 'read 2 lines: alpha beta');
        assert.strictEqual(pty.exited, undefined, 'the session ended');
    });

    it("shows R's browser prompt and reads its commands from the terminal: n, an expression, c (kept in the history, as R keeps them)", async () => {
        const pty = start();
        await ready(pty);
        await run(pty, 'f <- function(a) { b <- a + 1; browser(); d <- b * 2; cat("d is", d, "\\n"); invisible(d) }', PROMPT);
        // What R prints before it asks comes before the prompt, on the rows above it.
        await run(pty, 'f(1)', /Called from: f\(1\)\r\n[^\r\n]*Browse\[1\]> \S*$/);
        await run(pty, 'n', /debug[^\r\n]*: d <- b \* 2\r\n[^\r\n]*Browse\[\d\]> \S*$/);
        // An expression is evaluated in the function's frame.
        await run(pty, 'cat("b is", b, "\\n")', /b is 2 \r\n[^\r\n]*Browse\[\d\]> \S*$/);
        // Ctrl+C at the prompt: R stays in its browser and asks again, as in R.
        const before = pty.count('Browse[');
        pty.type('\x03');
        await pty.until(() => pty.count('Browse[') > before, 10000, 'the Browse prompt again after Ctrl+C');
        await run(pty, 'c', /d is 4 \r\n[^\r\n]*> \S*$/);
        // Up at R's prompt brings back the browser's last command.
        const from = pty.output.length;
        pty.type('\x1b[A');
        await pty.waitFor(/> c\S*$/, 5000, from);
        pty.type('\x15\x04');
        await pty.waitForExit();
        const history = fs.readFileSync(path.join(pty.home, '.rbridge_history'), 'utf8');
        assert.match(history, /^f\(1\)\nn\ncat\("b is", b, "\\n"\)\nc$/m);
    });

    it('works again after Ctrl+Z and fg', async () => {
        const pty = start([], { jobControl: true });
        await ready(pty);
        await run(pty, 'cat("before", 1 + 1, "\\n")', 'before 2');
        const from = pty.output.length;
        // Ctrl+Z stops rbridge; the shell says so and brings it back at once with fg.
        pty.type('\x1a');
        await pty.waitFor('STOPPED', 10000, from);
        await pty.waitFor(/> /, 10000, pty.output.indexOf('STOPPED', from));
        await run(pty, 'cat("after", 40 + 2, "\\n")', 'after 42', 10000);
        await run(pty, 'cat("still", 3 * 3, "\\n")', 'still 9', 10000);
    });
});
