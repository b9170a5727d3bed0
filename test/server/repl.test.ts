import * as assert from 'assert';
import { TestClient } from '../support/serverClient';

describe('REPL semantics (real R)', function () {
    let client: TestClient;
    before(async () => {
        client = await TestClient.start();
    });
    after(async () => {
        await client?.stop();
    });

    it('auto-prints visible values and not invisible ones', async () => {
        assert.strictEqual(await client.run('1+1'), '[1] 2\n');
        assert.strictEqual(await client.run('invisible(5)'), '');
        assert.strictEqual(await client.run('x <- 3'), '');
        assert.strictEqual(await client.run('(x <- 4)'), '[1] 4\n');
    });

    it('runs each top-level expression in turn, with ; and multi-line expressions', async () => {
        const out = await client.run('a <- 1; a + 1\nf <- function(n) {\n  n * 2\n}\nf(21)\n"s"');
        assert.strictEqual(out, '[1] 2\n[1] 42\n[1] "s"\n');
    });

    it('uses print methods and S4 show methods, found from the global environment', async () => {
        const out = await client.run(
            [
                'print.myclass <- function(x, ...) cat("<myclass of", length(unclass(x)), ">\\n")',
                'structure(1:3, class = "myclass")',
                'setClass("Pt", representation(x = "numeric"))',
                'setMethod("show", "Pt", function(object) cat("Pt at", object@x, "\\n"))',
                'new("Pt", x = 7)',
            ].join('\n'),
        );
        assert.match(out, /<myclass of 3 >\n/);
        assert.match(out, /Pt at 7 \n/);
    });

    it('is not broken by a global print or cat', async () => {
        const out = await client.run('print <- function(...) stop("masked"); cat <- function(...) stop("masked"); 1:3');
        assert.strictEqual(out, '[1] 1 2 3\n');
        await client.run('rm(print, cat)');
    });

    it('answers incomplete code with `incomplete` and evaluates none of it', async () => {
        await client.run('ran <- FALSE');
        const result = await client.execute('ran <- TRUE\nf(');
        assert.strictEqual(result.status, 'incomplete');
        assert.strictEqual(await client.run('ran'), '[1] FALSE\n');
        assert.strictEqual((await client.execute('"abc')).status, 'incomplete');
        assert.strictEqual((await client.execute('if (TRUE) {')).status, 'incomplete');
    });

    it('answers a syntax error with `parseError` and its line, evaluating nothing', async () => {
        await client.run('ran <- FALSE');
        const result = await client.execute('ran <- TRUE\ny <- )\nz <- 1');
        assert.strictEqual(result.status, 'parseError');
        assert.strictEqual(result.error?.line, 2);
        assert.match(result.error!.message, /unexpected '\)'/);
        assert.strictEqual(await client.run('ran'), '[1] FALSE\n');
    });

    it('stops at the first error with stopOnError, reporting its line; later executions still run', async () => {
        await client.run('if (exists("y")) rm(y)');
        const failing = client.execute('x <- 1\nstop("boom")\ny <- 2');
        const after = client.execute('exists("y")');
        const result = await failing;
        assert.strictEqual(result.status, 'error');
        assert.strictEqual(result.error?.line, 2);
        assert.strictEqual(result.error?.message, 'boom');
        assert.match(client.textOf(result.executionId, 'stderr'), /^Error: boom\n/);
        const next = await after;
        assert.strictEqual(next.status, 'ok');
        assert.strictEqual(client.textOf(next.executionId, 'stdout'), '[1] FALSE\n');
    });

    it('goes on after an error when stopOnError is false', async () => {
        const result = await client.execute({ code: 'stop("first")\nz <- "reached"', stopOnError: false });
        assert.strictEqual(result.status, 'error');
        assert.strictEqual(await client.run('z'), '[1] "reached"\n');
    });

    it('reports the call of an error and the innermost failing line', async () => {
        const result = await client.execute('g <- function() {\n  stop("deep")\n}\ng()');
        assert.strictEqual(result.status, 'error');
        assert.strictEqual(result.error?.call, 'g()');
        assert.strictEqual(result.error?.line, 2);
        assert.match(client.textOf(result.executionId, 'stderr'), /Error in g\(\) : deep/);
        assert.match(await client.run('traceback()'), /g\(\)/);
    });

    it('maps the error line into the document when uri and range are given', async () => {
        const result = await client.execute({
            code: 'a <- 1\nstop("here")',
            uri: 'file:///tmp/analysis.R',
            range: { start: { line: 10, character: 0 }, end: { line: 11, character: 11 } },
        });
        assert.strictEqual(result.error?.line, 2);
        assert.strictEqual(result.error?.uri, 'file:///tmp/analysis.R');
        assert.deepStrictEqual(result.error?.range, { start: { line: 11, character: 0 }, end: { line: 11, character: 12 } });
    });

    it('sends message() text on stderr', async () => {
        const result = await client.execute('message("note this")');
        assert.strictEqual(result.status, 'ok');
        assert.strictEqual(client.textOf(result.executionId, 'stderr'), 'note this\n');
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), '');
    });

    it('attributes warnings to the execution that raised them, printed after it as R does', async () => {
        const first = await client.execute('f <- function() warning("careful"); f(); 1');
        const second = await client.execute('2');
        assert.strictEqual(client.textOf(first.executionId, 'stderr'), 'Warning message:\nIn f() : careful\n');
        assert.strictEqual(client.textOf(second.executionId, 'stderr'), '');
        const conditions = client.conditions.filter((c) => c.executionId === first.executionId);
        assert.deepStrictEqual(conditions, [{ executionId: first.executionId, kind: 'warning', message: 'careful', call: 'f()', line: 1 }]);
        assert.strictEqual(client.conditions.filter((c) => c.executionId === second.executionId).length, 0);
        assert.match(await client.run('warnings()'), /careful/);
    });

    it('prints a warning at once with options(warn = 1)', async () => {
        const result = await client.execute('options(warn = 1); warning("now"); cat("after\\n"); options(warn = 0)');
        assert.strictEqual(client.textOf(result.executionId, 'stderr'), 'Warning: now\n');
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), 'after\n');
    });

    it('turns warnings into errors with options(warn = 2)', async () => {
        const result = await client.execute('options(warn = 2)\nwarning("strict")\ncat("not reached\\n")');
        await client.run('options(warn = 0)');
        assert.strictEqual(result.status, 'error');
        assert.match(result.error!.message, /converted from warning.*strict/);
        assert.strictEqual(result.error?.line, 2);
        assert.doesNotMatch(client.textOf(result.executionId), /not reached/);
    });

    it('echoes code with prompts when asked', async () => {
        const result = await client.execute({ code: 'x <- 1\nif (x) {\n  "yes"\n}', echo: true });
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), '> x <- 1\n> if (x) {\n+   "yes"\n+ }\n[1] "yes"\n');
    });

    it('keeps .Last.value and attaches the default packages', async () => {
        await client.run('40 + 2');
        assert.strictEqual(await client.run('.Last.value'), '[1] 42\n');
        assert.strictEqual(await client.run('head(letters, 2); sd(c(1, 3))'), '[1] "a" "b"\n[1] 1.414214\n');
        assert.strictEqual(await client.run('interactive()'), '[1] TRUE\n');
    });

    it('keeps the kernel alive through rm(list = ls(all.names = TRUE)) and attach()', async () => {
        await client.run('rm(list = ls(all.names = TRUE)); attach(list(print = function(...) stop("x"), cat = 1), name = "evil")');
        assert.strictEqual(await client.run('1:2'), '[1] 1 2\n');
        await client.run('detach("evil")');
    });
});
