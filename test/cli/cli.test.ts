/**
 * The command-line client end to end: each test runs `node dist/cli.js` with
 * real R behind the real server, and checks what it prints and its exit code.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliProcess } from './cliProcess';

/** How many times `text` occurs in `haystack`. */
function count(haystack: string, text: string): number {
    return haystack.split(text).length - 1;
}

describe('command-line client (real R)', function () {
    let tmp: string;
    const running: CliProcess[] = [];

    /** Starts a client that stays open (stdin kept for write()); killed after the test if need be. */
    function start(args: string[]): CliProcess {
        const cli = CliProcess.start(args);
        running.push(cli);
        return cli;
    }

    function script(name: string, text: string): string {
        const file = path.join(tmp, name);
        fs.writeFileSync(file, text);
        return file;
    }

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-cli-test-'));
    });
    afterEach(() => {
        for (const cli of running.splice(0)) cli.kill();
    });
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    describe('-e', () => {
        it('prints [1] 2 for 1+1 and exits 0', async () => {
            const run = await CliProcess.run(['-e', '1+1']);
            assert.strictEqual(run.stdout, '[1] 2\n', run.describe());
            assert.strictEqual(run.stderr, '');
            assert.strictEqual(run.exited.code, 0);
        });

        it('runs several -e in order in one session', async () => {
            const run = await CliProcess.run(['-e', 'x <- 40', '-e', 'cat("second:", x + 2, "\\n")', '-e', 'cat("third\\n")']);
            assert.strictEqual(run.stdout, 'second: 42 \nthird\n', run.describe());
            assert.strictEqual(run.exited.code, 0);
        });

        it('exits 1 at an error, prints it once, and runs nothing after it', async () => {
            const run = await CliProcess.run(['-e', 'cat("first\\n")', '-e', 'stop("boom")', '-e', 'cat("not reached\\n")']);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, 'first\n');
            assert.strictEqual(count(run.stderr, 'boom'), 1, run.describe());
        });

        it('keeps going after an error with --no-stop-on-error, still exiting 1', async () => {
            // As in R's console, an error drops the rest of its line; the next lines run.
            const run = await CliProcess.run(['--no-stop-on-error', '-e', 'stop("boom"); cat("dropped\\n")\ncat("same\\n")', '-e', 'cat("next\\n")']);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, 'same\nnext\n');
        });

        it('exits 1 with a message for a parse error, without running anything', async () => {
            const run = await CliProcess.run(['-e', 'cat("never\\n"); 1 +* 2']);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, '');
            assert.match(run.stderr, /unexpected '\*'/);
            assert.strictEqual(count(run.stderr, "unexpected '*'"), 1, run.describe());
        });

        it('exits 1 with a message for an incomplete expression', async () => {
            const run = await CliProcess.run(['-e', 'f <- function(x) {']);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.match(run.stderr, /incomplete expression/);
        });

        it('echoes the code with prompts with --echo', async () => {
            const run = await CliProcess.run(['--echo', '-e', 'x <- 1\nx + 1']);
            assert.strictEqual(run.stdout, '> x <- 1\n> x + 1\n[1] 2\n', run.describe());
            assert.strictEqual(run.exited.code, 0);
        });

        it('echoes the code as it was written with --echo: one prompt per line, comments, any characters, and the code of a parse error', async () => {
            const code = ['`日本` <- 3; xé <- "é"; `日本` # a comment', '# between', 'f <- function(x) {', '  x + 1  # inside', '}; f(1)'].join('\n');
            const run = await CliProcess.run(['--echo', '-e', code]);
            assert.strictEqual(
                run.stdout,
                ['> `日本` <- 3; xé <- "é"; `日本` # a comment', '[1] 3', '> # between', '> f <- function(x) {', '+   x + 1  # inside', '+ }; f(1)', '[1] 2', ''].join('\n'),
                run.describe(),
            );
            const failed = await CliProcess.run(['--echo', '-e', 'xé <- "é"; stop("boom")', '-e', 'ok <- 1\nbad <- )']);
            assert.strictEqual(failed.stdout, '> xé <- "é"; stop("boom")\n', failed.describe());
            const parse = await CliProcess.run(['--echo', '-e', 'ok <- 1\nbad <- )']);
            assert.strictEqual(parse.stdout, '> ok <- 1\n> bad <- )\n', parse.describe());
            assert.match(parse.stderr, /unexpected '\)'/);
        });

        it('says so on stderr and exits 1 when R dies, naming the -e left out', async () => {
            const run = await CliProcess.run(['-e', 'x <- 1; tools::pskill(Sys.getpid(), 9)', '-e', 'cat("not reached\\n")']);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, '', run.describe());
            // The server's reason, once, and what was not run.
            assert.match(run.stderr, /^rbridge: R (died|was stopped): \S/m, run.describe());
            assert.strictEqual(count(run.stderr, 'rbridge: R '), 1, run.describe());
            assert.match(run.stderr, /the remaining -e was not run/, run.describe());
        });

        it('exits non-zero with a message when the only -e ends R abnormally', async () => {
            const run = await CliProcess.run(['-e', 'x <- 1; tools::pskill(Sys.getpid(), 9)']);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.match(run.stderr, /^rbridge: R (died|was stopped): \S/m, run.describe());
        });

        it('halts with a message and exit 1 at a jump to the top level (invokeRestart("abort")), as R does', async () => {
            const run = await CliProcess.run(['-e', 'x <- 1; invokeRestart("abort")', '-e', 'cat("not reached\\n")']);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, '', run.describe());
            assert.match(run.stderr, /jumped to the top level/, run.describe());
            assert.doesNotMatch(run.stderr, /R died/, 'R itself stays');
        });

        it('exits with the status given to q(), running nothing after it', async () => {
            const run = await CliProcess.run(['-e', 'cat("bye\\n"); q(status = 3)', '-e', 'cat("not reached\\n")']);
            assert.strictEqual(run.exited.code, 3, run.describe());
            assert.strictEqual(run.stdout, 'bye\n');
            assert.strictEqual(run.stderr, '');
        });
    });

    describe('input', () => {
        it('answers readline() with a line from stdin', async () => {
            const run = await CliProcess.run(['-e', 'x <- readline("Name: "); cat("Hello,", x, "\\n")'], { input: 'Ada\nsecond line\n' });
            assert.strictEqual(run.stdout, 'Name: Hello, Ada \n', run.describe());
            assert.strictEqual(run.exited.code, 0);
        });

        it('answers readLines(stdin()) with every line, up to the end of stdin', async () => {
            const run = await CliProcess.run(['-e', 'x <- readLines(stdin()); cat(length(x), x, "\\n")'], { input: 'a\nb\nc\n' });
            assert.strictEqual(run.stdout, '3 a b c \n', run.describe());
            assert.strictEqual(run.exited.code, 0);
        });

        it('answers readline() with an empty line when stdin is at its end', async () => {
            const run = await CliProcess.run(['-e', 'x <- readline("? "); cat("[", x, "]\\n", sep = "")'], { input: '' });
            assert.strictEqual(run.stdout, '? []\n', run.describe());
            assert.strictEqual(run.exited.code, 0);
        });
    });

    describe('a script', () => {
        it('runs the whole file', async () => {
            const file = script('ok.R', 'x <- c(1, 2, 3)\nfor (v in x) {\n  cat("v =", v, "\\n")\n}\nsum(x)\n');
            const run = await CliProcess.run([file]);
            assert.strictEqual(run.stdout, 'v = 1 \nv = 2 \nv = 3 \n[1] 6\n', run.describe());
            assert.strictEqual(run.exited.code, 0);
        });

        it('exits 1 at an error, naming the line, and runs nothing after it', async () => {
            const file = script('fails.R', 'cat("one\\n")\nstop("on line two")\ncat("three\\n")\n');
            const run = await CliProcess.run([file]);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, 'one\n');
            assert.strictEqual(count(run.stderr, 'on line two'), 1, run.describe());
            assert.ok(run.stderr.includes(`${file}:2`), run.describe());
        });

        it('exits 1 for a parse error in the file', async () => {
            const file = script('syntax.R', 'cat("one\\n")\nx <- )\n');
            const run = await CliProcess.run([file]);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, '');
            assert.match(run.stderr, /unexpected '\)'/);
        });

        it('says so and exits 1 when R dies in the middle, naming what was not run', async () => {
            const file = script('dies.R', 'cat("one\\n")\nx <- 1; tools::pskill(Sys.getpid(), 9)\ncat("three\\n")\n');
            const run = await CliProcess.run([file]);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, 'one\n', run.describe());
            assert.match(run.stderr, /^rbridge: R (died|was stopped): \S/m, run.describe());
            assert.ok(run.stderr.includes(`the rest of ${file} was not run`), run.describe());
        });

        it('halts with a message and exit 1 at a jump to the top level (invokeRestart("abort")), running nothing after it', async () => {
            const file = script('abort.R', 'cat("one\\n")\ninvokeRestart("abort")\ncat("not reached\\n")\n');
            const run = await CliProcess.run([file]);
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.strictEqual(run.stdout, 'one\n', run.describe());
            assert.ok(run.stderr.includes(`${file}: `), run.describe());
            assert.match(run.stderr, /jumped to the top level/, run.describe());
            assert.doesNotMatch(run.stderr, /R died/, run.describe());
        });

        it('passes the arguments after the file to commandArgs()', async () => {
            const file = script('args.R', 'cat(commandArgs(trailingOnly = TRUE), sep = "|")\n');
            const run = await CliProcess.run([file, 'a', '--b', 'c d']);
            assert.strictEqual(run.stdout, 'a|--b|c d', run.describe());
            assert.strictEqual(run.exited.code, 0);
        });

        it('exits 2 when the file cannot be read', async () => {
            const run = await CliProcess.run([path.join(tmp, 'missing.R')]);
            assert.strictEqual(run.exited.code, 2, run.describe());
            assert.match(run.stderr, /missing\.R/);
        });
    });

    describe('the REPL over a pipe', () => {
        it('joins an expression split across lines and exits 0 at the end of input', async () => {
            const input = 'f <- function(x) {\n  x * 2\n}\n\nf(21)\ns <- "two\nlines"\ncat(s, "\\n")\n';
            const run = await CliProcess.run([], { input });
            assert.strictEqual(run.stdout, '[1] 42\ntwo\nlines \n', run.describe());
            assert.strictEqual(run.stderr, '');
            assert.strictEqual(run.exited.code, 0);
        });

        it('carries on after an error and exits 1 at the end of input', async () => {
            const run = await CliProcess.run([], { input: 'stop("first")\ncat("still running\\n")\n' });
            assert.strictEqual(run.stdout, 'still running\n', run.describe());
            assert.strictEqual(count(run.stderr, 'first'), 1, run.describe());
            assert.strictEqual(run.exited.code, 1);
        });

        it('exits 1 when the input ends inside an expression', async () => {
            const run = await CliProcess.run([], { input: 'cat("ran\\n")\nlist(1,\n' });
            assert.strictEqual(run.stdout, 'ran\n', run.describe());
            assert.match(run.stderr, /incomplete expression/);
            assert.strictEqual(run.exited.code, 1);
        });

        it('interrupts R on SIGINT, and the next line still runs in the same session', async function () {
            const cli = start([]);
            cli.write('x <- 5\ncat("sleeping\\n"); Sys.sleep(30); cat("not reached\\n")\n');
            await cli.waitForOutput('sleeping\n');
            const interruptedAt = Date.now();
            cli.child.kill('SIGINT');
            cli.write('cat("after", x, "\\n")\n');
            await cli.waitForOutput('after 5 \n', 10000);
            assert.ok(Date.now() - interruptedAt < 10000);
            cli.end();
            const exit = await cli.waitForExit(10000);
            assert.ok(!cli.stdout.includes('not reached'), cli.describe());
            // An execution was interrupted, so not everything succeeded.
            assert.strictEqual(exit.code, 1, cli.describe());
        });

        it('ends with the status given to q()', async () => {
            const run = await CliProcess.run([], { input: 'cat("a\\n")\nq(status = 4)\ncat("not reached\\n")\n' });
            assert.strictEqual(run.stdout, 'a\n', run.describe());
            assert.strictEqual(run.exited.code, 4);
        });

        it('says so when R dies, and exits 1 saying that the rest of the input was not run', async () => {
            const run = await CliProcess.run([], { input: 'tools::pskill(Sys.getpid(), 9)\ncat("not reached\\n")\n' });
            assert.strictEqual(run.exited.code, 1, run.describe());
            assert.match(run.stderr, /R died: .*SIGKILL/);
            assert.match(run.stderr, /the rest of the input was not run/);
            assert.strictEqual(run.stdout, '');
        });

        it('goes on after a jump to the top level (invokeRestart("abort")), with the variables kept, as R\'s console does', async () => {
            const run = await CliProcess.run([], { input: 'x <- 1; invokeRestart("abort")\ncat("after", x, "\\n")\n' });
            assert.strictEqual(run.stdout, 'after 1 \n', run.describe());
            assert.doesNotMatch(run.stderr, /R died/, run.describe());
        });

        it('goes on in the same R after a jump to the top level with --auto-restart: a jump is not a death', async () => {
            const run = await CliProcess.run(['--auto-restart'], {
                input: 'pid <- Sys.getpid(); x <- 1; invokeRestart("abort")\ncat("after", x, Sys.getpid() == pid, "\\n")\n',
            });
            assert.strictEqual(run.stdout, 'after 1 TRUE \n', run.describe());
            assert.doesNotMatch(run.stderr, /R died|restarted/, run.describe());
        });

        it('waits for a restarted R with --auto-restart and carries on in it', async () => {
            const input = 'x <- 1\ntools::pskill(Sys.getpid(), 9)\ncat("back", exists("x"), "\\n")\n';
            const run = await CliProcess.run(['--auto-restart'], { input });
            assert.strictEqual(run.stdout, 'back FALSE \n', run.describe());
            assert.match(run.stderr, /R died/);
            assert.match(run.stderr, /restarted/);
            // The execution that R's death ended counts as a failure.
            assert.strictEqual(run.exited.code, 1);
        });

        it('lets readline() read the next line of the pipe', async () => {
            const run = await CliProcess.run([], { input: 'x <- readline("Name: ")\nGrace\ncat("Hello,", x, "\\n")\n' });
            assert.strictEqual(run.stdout, 'Name: Hello, Grace \n', run.describe());
            assert.strictEqual(run.exited.code, 0);
        });
    });

    describe('the session', () => {
        it('runs R in --cwd, and its .Rprofile only with --trusted', async () => {
            const dir = fs.mkdtempSync(path.join(tmp, 'project-'));
            fs.writeFileSync(path.join(dir, '.Rprofile'), 'from_profile <- "yes"\n');
            const code = 'cat(basename(getwd()), exists("from_profile"), "\\n")';
            const untrusted = await CliProcess.run(['--cwd', dir, '-e', code]);
            assert.strictEqual(untrusted.stdout, `${path.basename(dir)} FALSE \n`, untrusted.describe());
            const trusted = await CliProcess.run(['--cwd', dir, '--trusted', '-e', code]);
            assert.strictEqual(trusted.stdout, `${path.basename(dir)} TRUE \n`, trusted.describe());
        });

        it('says R was not found, naming the setting, for --r /nonexistent/R', async () => {
            const run = await CliProcess.run(['--r', '/nonexistent/R', '-e', '1']);
            assert.notStrictEqual(run.exited.code, 0, run.describe());
            assert.ok(run.stderr.includes('/nonexistent/R'), run.describe());
            assert.ok(run.stderr.includes('--r'), run.describe());
            // Said once, not again for the execution that could not run.
            assert.strictEqual(count(run.stderr, 'was not found'), 1, run.describe());
        });

        it('says R was not found in the REPL too', async () => {
            const run = await CliProcess.run(['--r', '/nonexistent/R'], { input: '1\n' });
            assert.notStrictEqual(run.exited.code, 0, run.describe());
            assert.ok(run.stderr.includes('/nonexistent/R'), run.describe());
        });
    });

    describe('plots', () => {
        /** Width and height of a PNG file, from its IHDR chunk. */
        function pngSize(file: string): [number, number] {
            const data = fs.readFileSync(file);
            assert.strictEqual(data.subarray(1, 4).toString('latin1'), 'PNG', `${file} is not a PNG`);
            return [data.readUInt32BE(16), data.readUInt32BE(20)];
        }

        it('--plots DIR writes each plot as a PNG and prints a line for each, an update rewriting the file', async () => {
            const dir = path.join(tmp, 'plots-out');
            const run = await CliProcess.run(
                ['--plots', dir, '--plot-size', '640x480', '-e', 'plot(1:10)', '-e', 'abline(h = 5); x <- 1', '-e', 'fit <- lm(mpg ~ wt, mtcars); plot(fit, which = 1:2)'],
                { cwd: tmp },
            );
            assert.strictEqual(run.exited.code, 0, run.describe());
            const f = (n: number) => path.join(dir, `plot-${n}.png`);
            assert.strictEqual(run.stdout, `[plot 1: ${f(1)}]\n[plot 1 updated: ${f(1)}]\n[plot 2: ${f(2)}]\n[plot 3: ${f(3)}]\n`);
            assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['plot-1.png', 'plot-2.png', 'plot-3.png']);
            for (const n of [1, 2, 3]) assert.deepStrictEqual(pngSize(f(n)), [640, 480]);
            assert.ok(!fs.existsSync(path.join(tmp, 'Rplots.pdf')), 'no Rplots.pdf in the working directory');
        });

        it('prints [plot N] without --plots, and refuses a bad --plot-size', async () => {
            const run = await CliProcess.run(['-e', 'hist(rnorm(100)); cat("done\\n")'], { cwd: tmp });
            assert.strictEqual(run.stdout, 'done\n[plot 1]\n', run.describe());
            const bad = await CliProcess.run(['--plot-size', '100', '-e', '1']);
            assert.strictEqual(bad.exited.code, 2);
            assert.match(bad.stderr, /--plot-size' needs WIDTHxHEIGHT/);
        });
    });

    describe('help', () => {
        it('prints ?topic as R prints it, in plain text without overstrike', async () => {
            const run = await CliProcess.run(['-e', '?rnorm']);
            assert.strictEqual(run.exited.code, 0, run.describe());
            assert.match(run.stdout, /^Normal +package:stats +R Documentation\n/);
            assert.match(run.stdout, /\nThe Normal Distribution\n/);
            assert.match(run.stdout, /\nUsage:\n/);
            assert.ok(!run.stdout.includes("\b"), "no backspaces");
        });
    });

    describe('View()', () => {
        it('prints the first rows of View(x) as a table with "n of N rows", after the output of its execution', async () => {
            const run = await CliProcess.run(['-e', 'View(mtcars[, 1:3], "cars"); cat("after\\n")', '-e', 'View(list(1))']);
            assert.strictEqual(run.exited.code, 0, run.describe());
            const lines = run.stdout.split('\n');
            assert.deepStrictEqual(lines.slice(0, 4), ['after', 'View: cars (32 × 3, data.frame)', '                   mpg cyl  disp', 'Mazda RX4         21.0   6 160.0']);
            assert.strictEqual(lines[13], '10 of 32 rows');
            assert.match(run.stderr, /View\(\): the data viewer shows data frames, matrices, tables and vectors; this is a list/);
        });
    });

    describe('usage', () => {
        it('exits 2 for an unknown option, naming it', async () => {
            const run = await CliProcess.run(['--bogus', '-e', '1']);
            assert.strictEqual(run.exited.code, 2, run.describe());
            assert.match(run.stderr, /unknown option '--bogus'/);
            assert.strictEqual(run.stdout, '');
        });

        it('exits 2 for -e without code, and for -e with a file', async () => {
            assert.strictEqual((await CliProcess.run(['-e'])).exited.code, 2);
            assert.strictEqual((await CliProcess.run(['-e', '1', 'script.R'])).exited.code, 2);
        });

        it('exits 2 for a --cwd that is not a directory', async () => {
            const run = await CliProcess.run(['--cwd', path.join(tmp, 'nowhere'), '-e', '1']);
            assert.strictEqual(run.exited.code, 2, run.describe());
            assert.match(run.stderr, /--cwd/);
        });

        it('prints help and the version', async () => {
            const help = await CliProcess.run(['--help']);
            assert.strictEqual(help.exited.code, 0);
            assert.match(help.stdout, /Usage:/);
            assert.match(help.stdout, /--no-stop-on-error/);
            const version = await CliProcess.run(['--version']);
            assert.strictEqual(version.exited.code, 0);
            assert.match(version.stdout, /^rbridge \d+\.\d+\.\d+\n$/);
        });
    });
});
