/**
 * Code run through R Bridge behaves exactly as in R's own console. Each
 * case runs the same code in a plain `R --interactive` reading its console
 * from a pipe (the reference) and through the server, and compares what R
 * printed on stdout and on stderr. Through the server the chunks of a case
 * are separate executions (an error ends an execution); the reference reads
 * them one after the other.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputParams, RestartRequest } from '../../common/protocol';
import { TestClient } from '../support/serverClient';

const PROMPT = '<prompt>';

/** What plain R prints for `chunks`, its prompts taken out. */
function plainR(chunks: string[]): { stdout: string; stderr: string } {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-fidelity-'));
    const input = [`options(prompt = "${PROMPT}", continue = "${PROMPT}")`, ...chunks].join('\n') + '\n';
    // As the kernel starts it: --no-readline first (after --interactive R
    // ignores it, and readline echoes the input).
    const ran = spawnSync('R', ['--no-readline', '--interactive', '--quiet', '--no-save', '--no-restore'], {
        input,
        cwd: home,
        env: { ...process.env, HOME: home, R_PROFILE_USER: '', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
        encoding: 'utf8',
        timeout: 60000,
    });
    fs.rmSync(home, { recursive: true, force: true });
    // R's first prompt comes before the line that sets the prompts.
    const stdout = ran.stdout.replace(/^> /, '').split(PROMPT).join('');
    return { stdout, stderr: ran.stderr };
}

describe('R at its top level: the same as R’s own console (real R, plain R as the reference)', function () {
    this.timeout(120000);
    let client: TestClient;
    before(async () => {
        client = await TestClient.start({ env: { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
    });
    after(async () => {
        await client?.stop();
    });

    async function throughServer(chunks: string[]): Promise<{ stdout: string; stderr: string }> {
        let stdout = '';
        let stderr = '';
        for (const code of chunks) {
            const result = await client.execute(code);
            stdout += client.textOf(result.executionId, 'stdout');
            stderr += client.textOf(result.executionId, 'stderr');
        }
        return { stdout, stderr };
    }

    async function same(chunks: string[]): Promise<{ stdout: string; stderr: string }> {
        const ours = await throughServer(chunks);
        const reference = plainR(chunks);
        assert.strictEqual(ours.stdout.trimEnd(), reference.stdout.trimEnd(), `stdout of:\n${chunks.join('\n')}`);
        assert.strictEqual(ours.stderr.trimEnd(), reference.stderr.trimEnd(), `stderr of:\n${chunks.join('\n')}`);
        return ours;
    }

    it('runs code at the top level: no frames, the global environment as parent.frame(), no call', async () => {
        const out = await same([
            'sys.nframe()\nidentical(parent.frame(), globalenv())\nis.null(sys.call())\nf <- function() length(sys.calls())\nf()',
            'assign("pf_x", 1, envir = parent.frame()); exists("pf_x")\nif (sys.nframe() == 0L) cat("main runs\\n")',
        ]);
        assert.match(out.stdout, /^\[1\] 0\n\[1\] TRUE\n\[1\] TRUE\n\[1\] 1\n\[1\] TRUE\nmain runs/);
    });

    it('auto-prints as R does: invisible(), (invisible()), .Last.value, S4 show', async () => {
        await same([
            'invisible(5)\n.Last.value\n(invisible(6))\nx <- 7\n.Last.value',
            'setClass("FidPt", representation(x = "numeric"))\nnew("FidPt", x = 1)\nsetMethod("show", "FidPt", function(object) cat("<FidPt", object@x, ">\\n"))\nnew("FidPt", x = 2)',
        ]);
    });

    it("keeps data.table's := silent", async () => {
        const out = await same(['suppressPackageStartupMessages(library(data.table))\ndt <- data.table(a = 1:3)\ndt[, b := a * 2]\ndt[, b]']);
        assert.strictEqual(out.stdout, '[1] 2 4 6\n');
    });

    it('prints errors and warnings as R does, honouring warning.length and warn', async () => {
        await same([
            'f <- function() { warning("careful"); 1 }\nf()',
            'g <- function() { warning("w1"); warning("w2"); 2 }\ng()',
            'options(warn = 1); f(); options(warn = 0)',
            'stop("plain")',
            'h <- function(x) stop("in h: ", x)\nh("arg")',
            'options(warning.length = 100); stop(strrep("x", 3000))',
            'cnd <- structure(class = c("custom", "error", "condition"), list(message = "raw", call = NULL))\nconditionMessage.custom <- function(c) "from a method"\nstop(cnd)',
            'options(warning.length = 1000, show.error.messages = FALSE); stop("not shown")',
            'options(show.error.messages = TRUE, warning.expression = quote(cat("a warning was raised\\n"))); warning("w"); options(warning.expression = NULL)',
            'options(error = function() cat("the error option ran\\n")); stop("with a handler")',
            'options(error = NULL)',
        ]);
    });

    it('shows traceback() of the last error with only the code’s own calls', async () => {
        const out = await same(['outer <- function() inner()\ninner <- function() stop("deep")\nouter()', 'traceback()']);
        assert.match(out.stdout, /2: inner\(\)[^]*1: outer\(\)/);
    });

    it('formats rlang errors with their bullets, and rlang::last_error() finds them', async function () {
        if (!fs.existsSync('/usr/lib/R/site-library/rlang') && !fs.existsSync('/usr/lib/R/library/rlang')) this.skip();
        const out = await same(['rlang::abort("oops", body = c(i = "a hint"))', 'rlang::last_error()', 'rlang::last_trace()']);
        assert.match(out.stdout + out.stderr, /Error:\n! oops\n. a hint/);
        assert.doesNotMatch(out.stdout + out.stderr, /no error|Can't show last error/);
    });

    it('prints tibbles and cli output as R does', async () => {
        await same(['tibble::tibble(a = 1:2, b = c("x", "y"))', 'cli::cli_text("Some {.emph text}")']);
    });

    it('runs options(error = recover) as R does: it offers the frames through r/input', async () => {
        const asked: InputParams[] = [];
        client.inputHandler = (p) => {
            asked.push(p);
            return { text: '0' };
        };
        const result = await client.execute({ code: 'options(error = recover)\ninner <- function() stop("deep")\nouter <- function() inner()\nouter()', executionId: 'recover' });
        client.inputHandler = () => ({ text: '' });
        await client.run('options(error = NULL)');
        assert.strictEqual(result.status, 'error');
        assert.strictEqual(asked.length, 1);
        assert.match(asked[0].prompt, /Selection: $/);
        const out = client.textOf('recover', 'stdout');
        assert.match(out, /Enter a frame number, or 0 to exit/);
        assert.match(out, /1: outer\(\)\n2: .*inner\(\)/);
    });

    it('returns to the prompt on invokeRestart("abort"), keeping the variables', async () => {
        const result = await client.execute('kept <- 42; invokeRestart("abort"); cat("not reached\\n")');
        assert.strictEqual(result.status, 'interrupted');
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), '');
        assert.strictEqual(await client.run('kept'), '[1] 42\n');
    });

    it('stops at browser() and takes its commands through r/input', async () => {
        const asked: InputParams[] = [];
        const answers = ['n', 'cat("inside, y is", y, "\\n")', 'c'];
        client.inputHandler = (p) => {
            asked.push(p);
            return { text: answers.shift() ?? 'c' };
        };
        const result = await client.execute({ code: 'f <- function() {\n  y <- 2\n  browser()\n  y * 10\n}\nf()', executionId: 'browse' });
        client.inputHandler = () => ({ text: '' });
        assert.strictEqual(result.status, 'ok', JSON.stringify(result.error));
        assert.deepStrictEqual(
            asked.map((p) => p.prompt),
            ['Browse[1]> ', 'Browse[2]> ', 'Browse[2]> '],
        );
        const out = client.textOf('browse', 'stdout');
        assert.match(out, /Called from: f\(\)/);
        assert.match(out, /inside, y is 2/);
        assert.match(out, /\[1\] 20\n$/);
    });

    it('runs .Last and exit finalizers when the code quits', async () => {
        const code = '.Last <- function() cat("last ran\\n")\ne <- new.env(); invisible(reg.finalizer(e, function(e) cat("finalized\\n"), onexit = TRUE))\nq("no")';
        const reference = plainR([code]);
        assert.strictEqual(reference.stdout.trimEnd(), 'last ran\nfinalized');
        const result = await client.execute({ code, executionId: 'quits' });
        assert.strictEqual(result.status, 'kernelDied');
        assert.strictEqual(client.textOf('quits', 'stdout').trimEnd(), reference.stdout.trimEnd());
        await client.connection.sendRequest(RestartRequest, {});
        await client.waitFor(() => client.lastStatus()?.state === 'idle', 30000, 'R started again');
        assert.strictEqual(await client.run('1'), '[1] 1\n');
    });

    it('asks through r/input when quit() asks to save, and "c" cancels', async () => {
        const asked: InputParams[] = [];
        client.inputHandler = (p) => {
            asked.push(p);
            return { text: 'c' };
        };
        const result = await client.execute({ code: 'q(save = "ask")', executionId: 'ask-quit' });
        client.inputHandler = () => ({ text: '' });
        assert.deepStrictEqual(
            asked.map((p) => p.prompt),
            ['Save workspace image? [y/n/c]: '],
        );
        assert.notStrictEqual(result.status, 'ok');
        assert.strictEqual(await client.run('"still here"'), '[1] "still here"\n');
    });
});
