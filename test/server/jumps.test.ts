/**
 * A session nothing at R level can lose: a jump to the top level from the
 * code being run ends only that execution; R, the user's variables and the
 * queue behind it stay. Real R.
 */
import * as assert from 'assert';
import { WireClient } from '../support/wireClient';

describe('jumps to the top level (real R)', function () {
    this.timeout(60000);
    let client: WireClient;
    beforeEach(async () => {
        client = await WireClient.start({ keep: ['r/output'] });
    });
    afterEach(async () => {
        await client?.stop();
    });

    const stdout = (executionId: string) => client.textOf(executionId);

    it('ends only the running execution on invokeRestart("abort"); variables and the queue stay', async () => {
        const pid = client.kernelPid;
        const jumping = client.executeReply({ code: 'x <- 1\ncat("before\\n")\ninvokeRestart("abort")\ncat("not here\\n")', executionId: 'jump' });
        const behind = client.executeReply({ code: 'cat("x is", x)', executionId: 'behind' });
        const jumped = (await jumping).result!;
        assert.strictEqual(jumped.status, 'interrupted');
        assert.match(jumped.error!.message, /jumped to the top level/);
        assert.strictEqual(jumped.error!.line, 3);
        assert.strictEqual(stdout('jump'), 'before\n');
        assert.strictEqual((await behind).result?.status, 'ok');
        assert.strictEqual(stdout('behind'), 'x is 1');
        assert.strictEqual(client.kernelPid, pid, 'the same R');
        assert.ok(!client.statuses.some((s) => s.state === 'dead'));
    });

    it('reports what the jumping code changed, and R goes on after several jumps', async () => {
        for (let i = 1; i <= 3; i++) {
            const r = await client.execute({ code: `v${i} <- ${i}; invokeRestart("abort")`, executionId: `j${i}` });
            assert.strictEqual(r.status, 'interrupted');
        }
        const names = ((await client.request<{ variables: { name: string }[] }>('r/variables', {})).result?.variables ?? []).map((v) => v.name);
        assert.deepStrictEqual(names, ['v1', 'v2', 'v3']);
        assert.strictEqual((await client.execute({ code: 'cat(v1 + v2 + v3)', executionId: 'sum' })).status, 'ok');
        assert.strictEqual(stdout('sum'), '6');
    });

    it('survives a jump from a function deep in the stack, from on.exit, and from a handler', async () => {
        const codes = [
            'f <- function(n) if (n == 0) invokeRestart("abort") else f(n - 1); f(50)',
            'g <- function() { on.exit(invokeRestart("abort")); 1 }; g()',
            'withCallingHandlers(warning("w"), warning = function(w) invokeRestart("abort"))',
        ];
        for (const code of codes) {
            const r = await client.execute({ code, executionId: `c${codes.indexOf(code)}` });
            assert.strictEqual(r.status, 'interrupted', code);
        }
        assert.strictEqual((await client.execute({ code: 'cat("alive")', executionId: 'alive' })).status, 'ok');
        assert.strictEqual(stdout('alive'), 'alive');
    });

    it('survives an options(error) handler that aborts, and Q at a browser prompt', async () => {
        const pid = client.kernelPid;
        const aborting = await client.execute({ code: 'kept <- 7\noptions(error = function() invokeRestart("abort"))\nstop("boom")', executionId: 'handler' });
        assert.notStrictEqual(aborting.status, 'ok');
        await client.execute({ code: 'options(error = NULL)', executionId: 'reset' });
        client.onServerRequest = () => ({ result: { text: 'Q' } });
        const quitting = client.executeReply({ code: 'f <- function() { browser(); 1 }\nf()\ncat("not here")', executionId: 'Q' });
        const behind = client.executeReply({ code: 'cat("kept is", kept)', executionId: 'after-Q' });
        const quit = (await quitting).result!;
        assert.strictEqual(quit.status, 'interrupted');
        assert.doesNotMatch(stdout('Q'), /not here/);
        assert.strictEqual((await behind).result?.status, 'ok');
        assert.strictEqual(stdout('after-Q'), 'kept is 7');
        assert.strictEqual(client.kernelPid, pid, 'the same R');
    });

    it('survives an error in on.exit while an interrupt unwinds the code', async () => {
        const pid = client.kernelPid;
        const running = client.executeReply({ code: 'kept2 <- 3\nf <- function() { on.exit(stop("cleanup failed")); Sys.sleep(30) }\nf()', executionId: 'onexit' });
        await client.waitFor(() => client.statuses.some((s) => s.state === 'busy'), 10000, 'R busy');
        await new Promise((resolve) => setTimeout(resolve, 500));
        await client.request('r/interrupt', {});
        const result = (await running).result!;
        assert.ok(result.status === 'interrupted' || result.status === 'error', result.status);
        assert.strictEqual((await client.execute({ code: 'cat(kept2)', executionId: 'still' })).status, 'ok');
        assert.strictEqual(stdout('still'), '3');
        assert.strictEqual(client.kernelPid, pid, 'the same R');
    });
});
