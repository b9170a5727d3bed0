/**
 * Protocol edges: the console settings (r/console), answers to r/input that
 * a console would split into lines, execution ids that clients choose,
 * shutdown before initialize, negative ranges, console input from forked
 * children. Real R.
 */
import * as assert from 'assert';
import type { ExecuteResult } from '../../common/protocol';
import { Message, WireClient, clientsPerTest } from '../support/wireClient';

describe('protocol edges (real R)', function () {
    this.timeout(60000);
    const start = clientsPerTest({ keep: ['r/output'] });
    const output = (client: WireClient, executionId: string, stream: 'stdout' | 'stderr' = 'stdout') => client.textOf(executionId, stream);

    async function run(client: WireClient, code: string, executionId = `x${client.newId()}`): Promise<string> {
        const result = await client.execute({ code, executionId });
        assert.strictEqual(result.status, 'ok', JSON.stringify(result));
        return output(client, executionId);
    }

    describe('r/console', () => {
        it("sets R's width and colours before the next execution, and again for a new kernel", async () => {
            const client = await start();
            assert.strictEqual(await run(client, 'cat(getOption("width"))'), '80');
            // Sent while R runs code: the running code keeps its width, the next one sees the new one.
            const running = client.executeReply({ code: 'Sys.sleep(0.3); cat(getOption("width"))', executionId: 'running' });
            assert.deepStrictEqual((await client.request('r/console', { width: 127, colors: 256 })).result, null);
            const next = client.executeReply({ code: 'cat(getOption("width"), cli::num_ansi_colors())', executionId: 'next' });
            await Promise.all([running, next]);
            assert.strictEqual(output(client, 'running'), '80');
            assert.strictEqual(output(client, 'next'), '127 256');
            await client.request('r/restart', {});
            assert.strictEqual(await run(client, 'cat(getOption("width"), getOption("cli.num_colors"))'), '127 256');
        });

        it('refuses a width out of range and a colour count below 1', async () => {
            const client = await start();
            for (const params of [{ width: 5 }, { width: 1.5 }, { colors: 0 }, { width: '80' }]) {
                const reply = await client.request('r/console', params);
                assert.strictEqual(reply.error?.code, -32602, JSON.stringify(params));
            }
        });
    });

    describe('r/input answers', () => {
        function answering(text: string) {
            return (message: Message) => (message.method === 'r/input' ? { result: { text } } : { result: null });
        }

        it('takes a pasted block as one line per read, like a console; \\r\\n and \\r end lines', async () => {
            let asked = 0;
            const client = await start({
                onServerRequest: (m) => (asked++, answering('first\r\nsecond\rthird\n')(m)),
            });
            const out = await run(client, 'a <- readline(); b <- readline(); c <- readline(); cat(a, b, c, sep = "|")');
            assert.strictEqual(out, 'first|second|third');
            assert.strictEqual(asked, 1, 'the later reads did not ask the client');
        });

        it('cancels an answer with a NUL character, saying why', async () => {
            const client = await start({ onServerRequest: answering('a\u0000b') });
            const result = await client.execute({ code: 'x <- readline("? ")', executionId: 'nul' });
            assert.strictEqual(result.status, 'interrupted');
            assert.match(output(client, 'nul', 'stderr'), /NUL character, which R cannot read/);
            assert.strictEqual(await run(client, 'cat(exists("x"))'), 'FALSE');
        });
    });

    describe('execution ids', () => {
        it("never gives an execution an id a client chose for one that has not ended, nor lets two share one", async () => {
            const client = await start();
            // The client takes e2 for itself while the server numbers its own.
            const mine = client.executeReply({ code: 'Sys.sleep(0.3); cat("mine")', executionId: 'e2' });
            const twin = await client.request('r/execute', { code: 'cat("twin")', executionId: 'e2' });
            assert.strictEqual(twin.error?.code, -32602, 'a second execution with a pending id is refused');
            // Numbered while e2 has not ended: the server skips it.
            const ids = (await Promise.all([1, 2, 3].map(() => client.execute('cat("server")')))).map((r) => r.executionId);
            await mine;
            assert.ok(!ids.includes('e2'), `server ids ${ids.join(', ')}`);
            assert.strictEqual(output(client, 'e2'), 'mine', 'nothing else was attributed to e2');
        });
    });

    describe('lifecycle requests', () => {
        it('answers shutdown before initialize with ServerNotInitialized, and can still be initialized', async () => {
            const client = new WireClient({});
            try {
                const early = await client.request('shutdown');
                assert.strictEqual(early.error?.code, -32002, JSON.stringify(early));
                await client.initialize();
                await client.waitForIdle();
                assert.strictEqual((await client.execute('1')).status, 'ok');
                assert.strictEqual((await client.request('shutdown')).error, undefined);
                const late = await client.request('initialize', { processId: null, rootUri: null, capabilities: {} });
                assert.strictEqual(late.error?.code, -32600, 'nothing starts after shutdown');
                const after = await client.request('r/status');
                assert.strictEqual(after.error?.code, -32600);
            } finally {
                await client.stop();
            }
        });
    });

    it('refuses a range with negative lines or characters', async () => {
        const client = await start();
        const reply = await client.request<ExecuteResult>('r/execute', {
            code: 'stop("x")',
            uri: 'file:///a.R',
            range: { start: { line: -3, character: 0 }, end: { line: 0, character: 9 } },
        });
        assert.strictEqual(reply.error?.code, -32602);
        assert.match(reply.error!.message, /non-negative/);
    });

    it('gives console input asked for in a forked child a clear error, and the session goes on', async () => {
        const client = await start();
        const result = await client.execute({
            code: 'r <- parallel::mclapply(1:2, function(i) tryCatch(readline("? "), error = conditionMessage), mc.cores = 2); cat(unlist(r), sep = "\\n")',
            executionId: 'forked',
        });
        assert.strictEqual(result.status, 'ok');
        assert.match(output(client, 'forked'), /console input is not available in a forked process/);
        assert.strictEqual(await run(client, 'cat(1 + 1)'), '2');
    });
});
