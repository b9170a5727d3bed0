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
});
