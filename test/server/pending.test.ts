/**
 * Variables are described within a budget after each execution; what does
 * not fit comes later, while R is idle, and is never lost. Real R.
 */
import * as assert from 'assert';
import type { SymbolsChangedParams, Variable, VariablesResult } from '../../common/protocol';
import { WireClient } from '../support/wireClient';

describe('variables described within a budget (real R)', function () {
    this.timeout(60000);
    let client: WireClient;
    beforeEach(async () => {
        client = await WireClient.start({ keep: ['r/symbolsChanged'] });
    });
    afterEach(async () => {
        await client?.stop();
    });

    const changes = () => client.notifications.filter((n) => n.method === 'r/symbolsChanged').map((n) => n.params as SymbolsChangedParams);
    async function globals(): Promise<Variable[]> {
        return (await client.request<VariablesResult>('r/variables', {})).result!.variables;
    }
    /** Polls the server's variables (answered from its cache) until `ok`. */
    async function until(ok: (vars: Variable[]) => boolean, what: string, ms = 30000): Promise<void> {
        const deadline = Date.now() + ms;
        for (;;) {
            const vars = await globals();
            if (ok(vars)) return;
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }

    it('answers an execution that creates 5,000 variables before describing them all, then describes every one', async () => {
        const result = await client.execute('for (i in 1:5000) assign(sprintf("v%04d", i), i)');
        assert.strictEqual(result.status, 'ok');
        const first = changes()[changes().length - 1];
        assert.strictEqual(first.added.length, 5001, 'v0001 to v5000 and the loop variable i');
        const pending = first.added.filter((v) => v.pending);
        assert.ok(pending.length > 4000, `${pending.length} of 5000 left for later`);
        assert.deepStrictEqual(Object.keys(pending[0]).sort(), ['class', 'hasChildren', 'length', 'name', 'path', 'pending', 'summary', 'type']);
        // Described later, while R is idle, without being asked.
        await until((vars) => !vars.some((v) => v.pending), 'every variable described');
        const all = (await globals()).filter((v) => v.name !== 'i');
        assert.strictEqual(all.length, 5000);
        assert.deepStrictEqual([all[0].name, all[0].summary, all[0].type], ['v0001', '1', 'integer']);
        assert.deepStrictEqual([all[4999].name, all[4999].summary], ['v5000', '5000']);
        assert.strictEqual(client.lastStatus()?.state, 'idle', 'describing in the background does not make R busy');
    });

    it('reports a changed big object at once or later, never not at all', async () => {
        await client.execute('big <- data.frame(a = as.numeric(1:1e6), b = as.character(1:1e6)); for (i in 1:3000) assign(sprintf("w%04d", i), i)');
        await until((vars) => !vars.some((v) => v.pending), 'every variable described');
        // 3,000 changes in one execution, the big one among them.
        await client.execute('for (i in 1:3000) assign(sprintf("w%04d", i), -i); big$a[1] <- -1; big$c <- 1');
        await until((vars) => vars.find((v) => v.name === 'big')?.summary === '1000000 obs. of 3 variables', 'big described again');
        await until((vars) => vars.find((v) => v.name === 'w3000')?.summary === '-3000', 'w3000 described again');
    });

    it('lets an execution that arrives during background describing run soon', async () => {
        await client.execute('for (i in 1:5000) assign(sprintf("v%04d", i), i)');
        const t0 = performance.now();
        const r = await client.execute('1 + 1');
        const ms = performance.now() - t0;
        assert.strictEqual(r.status, 'ok');
        // A round of describing takes at most 20 ms: generous bound for a shared machine.
        assert.ok(ms < 1000, `1 + 1 took ${ms} ms`);
    });

    it('with more globals than an execution looks at, reports a change made without an assignment to its name once R is idle', async () => {
        await client.execute('for (i in 1:5000) assign(sprintf("v%04d", i), i); bump <- function(name) assign(name, -1, envir = globalenv())');
        await until((vars) => !vars.some((v) => v.pending), 'every variable described');
        // Several executions in a row, each changing one variable the code
        // does not name: a window of the names after each, the rest once R
        // has been idle. Each is reported, and with its new value.
        const names = ['v0100', 'v1700', 'v2900', 'v4321', 'v5000'];
        for (const name of names) assert.strictEqual((await client.execute(`bump("${name}")`)).status, 'ok');
        await until((vars) => names.every((name) => vars.find((v) => v.name === name)?.summary === '-1'), `${names.join(', ')} reported changed`);
        const reported = new Set(changes().flatMap((c) => c.changed.map((v) => v.name)));
        for (const name of names) assert.ok(reported.has(name), `${name} was not reported as changed`);
        assert.strictEqual(client.lastStatus()?.state, 'idle', 'checking in the background does not make R busy');
        // Nothing left for later: an execution that changes nothing reports nothing.
        const before = changes().length;
        await client.execute('1 + 1');
        await new Promise((resolve) => setTimeout(resolve, 500));
        const late = changes().slice(before).filter((c) => c.added.length || c.changed.length || c.removed.length);
        assert.deepStrictEqual(late, [], 'changes reported for an execution that changed nothing');
    });
});
