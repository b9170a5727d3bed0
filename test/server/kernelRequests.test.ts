/**
 * Kernel requests (r/variables with `path` or `refresh`): they wait in the
 * server's queue behind the executions sent before them, several at once,
 * can be cancelled while they wait, and fail clearly when R goes. Also the
 * protocol edges around them: empty-array params, the page cap. Real R.
 */
import * as assert from 'assert';
import { KernelNotRunningError, MAX_VARIABLES_PAGE, VariablesResult } from '../../common/protocol';
import { WireClient } from '../support/wireClient';

describe('kernel requests (real R)', function () {
    this.timeout(60000);
    let client: WireClient;

    beforeEach(async () => {
        client = await WireClient.start({ keep: ['r/condition'] });
    });
    afterEach(async () => {
        await client?.stop();
    });

    it('answers several requests sent at once, in order, between executions', async () => {
        await client.execute('l <- list(a = 1, b = "x"); e <- new.env(); e$v <- 2');
        const order: string[] = [];
        const track = <T>(name: string, p: Promise<T>) => p.then((r) => (order.push(name), r));
        const first = track('exec 1', client.executeReply({ code: 'Sys.sleep(0.3); y <- 1' }));
        const children = track('children l', client.request<VariablesResult>('r/variables', { path: ['l'] }));
        const second = track('exec 2', client.executeReply({ code: 'z <- y + 1' }));
        const env = track('children e', client.request<VariablesResult>('r/variables', { path: ['e'] }));
        const refresh = track('refresh', client.request<VariablesResult>('r/variables', { refresh: true }));
        const [l, e, r] = [await children, await env, await refresh];
        await Promise.all([first, second]);
        assert.deepStrictEqual(order, ['exec 1', 'children l', 'exec 2', 'children e', 'refresh']);
        assert.deepStrictEqual(l.result?.variables.map((v) => v.name), ['a', 'b']);
        assert.deepStrictEqual(e.result?.variables.map((v) => v.name), ['v']);
        // The refresh ran after `z <- y + 1`: the new variables are there.
        assert.deepStrictEqual(r.result?.variables.map((v) => v.name), ['e', 'l', 'y', 'z']);
    });

    it('drops a request cancelled while it waits, and runs the rest', async () => {
        await client.execute('l <- as.list(1:3)');
        const running = client.executeReply({ code: 'Sys.sleep(0.5)' });
        const id = client.newId();
        const cancelled = client.request('r/variables', { path: ['l'] }, id);
        const kept = client.request<VariablesResult>('r/variables', { path: ['l'] });
        client.cancel(id);
        const answer = await cancelled;
        assert.strictEqual(answer.error?.code, -32800, JSON.stringify(answer));
        assert.strictEqual((await kept).result?.total, 3);
        assert.strictEqual((await running).result?.status, 'ok');
    });

    it('fails requests waiting for a kernel that dies, and serves them again after a restart', async () => {
        await client.execute('l <- list(1)');
        const dying = client.executeReply({ code: 'Sys.sleep(0.2); quit(status = 2)' });
        const waiting = client.request('r/variables', { path: ['l'] });
        assert.strictEqual((await dying).result?.status, 'kernelDied');
        const answer = await waiting;
        assert.strictEqual(answer.error?.code, KernelNotRunningError, JSON.stringify(answer));
        assert.match(answer.error!.message, /R is not running: R was quit/);
        await client.request('r/restart', {});
        await client.execute('l <- list(1, 2)');
        assert.strictEqual((await client.request<VariablesResult>('r/variables', { path: ['l'] })).result?.total, 2);
    });

    it(`returns at most ${MAX_VARIABLES_PAGE} children per page`, async () => {
        await client.execute('many <- as.list(1:2500)');
        const all = await client.request<VariablesResult>('r/variables', { path: ['many'] });
        assert.strictEqual(all.result?.total, 2500);
        assert.strictEqual(all.result?.variables.length, MAX_VARIABLES_PAGE);
        const last = await client.request<VariablesResult>('r/variables', { path: ['many'], start: 2000, count: 5000 });
        assert.strictEqual(last.result?.variables.length, 500);
        assert.strictEqual(last.result?.variables[0].name, '[[2001]]');
    });

    it('takes empty-array params as no params (as some clients send them)', async () => {
        await client.execute('a <- 1');
        const variables = await client.request<VariablesResult>('r/variables', []);
        assert.deepStrictEqual(variables.result?.variables.map((v) => v.name), ['a']);
        assert.strictEqual((await client.request<{ state: string }>('r/status', [])).result?.state, 'idle');
        assert.deepStrictEqual((await client.request('r/interrupt', [])).result, { interrupted: false, cancelled: 0 });
        const positional = await client.request('r/variables', [{ path: ['a'] }]);
        assert.strictEqual(positional.error?.code, -32602, 'a non-empty array is still refused');
    });

    it('places conditions on the lines that raised them, in the document', async () => {
        const code = 'x <- 1\nf <- function() warning("careful")\nf()\nstop("boom")';
        const range = { start: { line: 20, character: 4 }, end: { line: 23, character: 12 } };
        const done = await client.executeReply({ code, uri: 'file:///w/analysis.R', range, executionId: 'cond' });
        assert.strictEqual(done.result?.status, 'error');
        const conditions = client.notifications.filter((n) => n.method === 'r/condition').map((n) => n.params as Record<string, unknown>);
        assert.deepStrictEqual(
            conditions.map((c) => [c.kind, c.line, c.uri, c.range]),
            [
                ['warning', 3, 'file:///w/analysis.R', { start: { line: 22, character: 0 }, end: { line: 22, character: 3 } }],
                ['error', 4, 'file:///w/analysis.R', { start: { line: 23, character: 0 }, end: { line: 23, character: 12 } }],
            ],
        );
        // Without a document, the line within the code alone.
        await client.executeReply({ code: '1\nwarning("w")', executionId: 'plain' });
        const plain = client.notifications.map((n) => n.params as Record<string, unknown>).find((c) => c.executionId === 'plain');
        assert.strictEqual(plain?.line, 2);
        assert.strictEqual(plain?.uri, undefined);
    });
});
