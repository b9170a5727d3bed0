import * as assert from 'assert';
import { ErrorCodes } from 'vscode-jsonrpc/node';
import { ExecuteRequest, InterruptRequest, StatusRequest, StatusResult, VariablesRequest } from '../../common/protocol';
import { childrenOf } from '../support/procs';
import { TestClient } from '../support/serverClient';

/** Writes raw bytes to the server's stdin, bypassing the JSON-RPC library. */
function writeRaw(client: TestClient, text: string | Buffer): void {
    client.process.stdin!.write(text);
}

function frame(json: string | Buffer): Buffer {
    const body = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
    return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

describe('bad input never kills the server (real R)', function () {
    let client: TestClient;
    before(async () => {
        client = await TestClient.start();
    });
    after(async () => {
        await client?.stop();
    });

    it('answers an unknown method with MethodNotFound', async () => {
        await assert.rejects(client.connection.sendRequest('r/doesNotExist', {}), (e: { code: number }) => e.code === ErrorCodes.MethodNotFound);
        assert.strictEqual(await client.run('1'), '[1] 1\n');
    });

    it('answers invalid params with InvalidParams naming the param', async () => {
        const cases: [string, unknown, RegExp][] = [
            [ExecuteRequest.method, {}, /'code' is required/],
            [ExecuteRequest.method, { code: 42 }, /'code' is required and must be a string/],
            [ExecuteRequest.method, { code: '1', stopOnError: 'yes' }, /'stopOnError' must be a boolean/],
            [ExecuteRequest.method, { code: '1', range: { start: 1 } }, /'range' must be a range/],
            [ExecuteRequest.method, [1, 2], /params must be an object/],
            [VariablesRequest.method, { path: 'x' }, /'path' must be an array of strings/],
            [VariablesRequest.method, { start: -1 }, /'start' must be a non-negative integer/],
        ];
        for (const [method, params, message] of cases) {
            await assert.rejects(client.connection.sendRequest(method, params), (e: { code: number; message: string }) => {
                assert.strictEqual(e.code, ErrorCodes.InvalidParams);
                assert.match(e.message, message);
                return true;
            });
        }
        assert.strictEqual(await client.run('2'), '[1] 2\n');
    });

    it('answers positional params with InvalidParams, and accepts absent params where none are needed', async () => {
        for (const params of [[{ code: 'ran <- TRUE' }, 5], [{ code: 'ran <- TRUE' }]]) {
            await assert.rejects(client.connection.sendRequest(ExecuteRequest.method, params), (e: { code: number; message: string }) => {
                assert.strictEqual(e.code, ErrorCodes.InvalidParams);
                assert.match(e.message, /params must be an object/);
                return true;
            });
        }
        assert.strictEqual(await client.run('exists("ran")'), '[1] FALSE\n');
        const status = await client.connection.sendRequest<StatusResult>(StatusRequest.method);
        assert.strictEqual(status.state, 'idle');
        assert.deepStrictEqual(await client.connection.sendRequest(InterruptRequest.method), { interrupted: false, cancelled: 0 });
    });

    it('ends an execution whose handling fails inside the kernel with an error, and the kernel goes on', async () => {
        // The replaced closeAllConnections() is a closure made inside the
        // kernel's private environment: a trap there makes the next
        // execution fail inside the kernel, once.
        const trap = [
            'k <- parent.env(environment(closeAllConnections))',
            'k$start_run <- local({ kernel <- k; original <- k$start_run; function(...) { kernel$start_run <- original; stop("forced failure") } })',
            'rm(k)',
        ].join('\n');
        assert.strictEqual((await client.execute(trap)).status, 'ok');
        const failed = await client.execute({ code: '1', executionId: 'trapped' });
        assert.strictEqual(failed.status, 'error');
        assert.strictEqual(failed.error?.message, 'the R kernel failed: forced failure');
        assert.strictEqual(client.textOf('trapped', 'stderr'), 'Error in the R kernel: forced failure\n');
        assert.ok(client.logs.some((l) => /kernel error while handling 'exec': forced failure/.test(l)), client.logs.join('\n'));
        assert.strictEqual(await client.run('5'), '[1] 5\n');
    });

    it('refuses a second initialize and starts no second R', async () => {
        const pid = (await client.status()).pid!;
        await assert.rejects(
            client.connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} }),
            (e: { code: number; message: string }) => e.code === ErrorCodes.InvalidRequest && /already initialized/.test(e.message),
        );
        const statusesBefore = client.statuses.length;
        void client.connection.sendNotification('initialized', {});
        // The server handles messages in order: once r/status is answered,
        // the second initialized has been handled.
        await client.status();
        // What is tested is that nothing happens: a second R would be spawned
        // asynchronously, so give it half a second to show up (no event
        // announces a process that should not exist).
        await new Promise((r) => setTimeout(r, 500));
        assert.deepStrictEqual(childrenOf(client.process.pid!), [pid]);
        assert.deepStrictEqual(client.statuses.slice(statusesBefore), [], 'no kernel status change after the second initialized');
        assert.strictEqual(await client.run('4'), '[1] 4\n');
    });

    it('survives malformed JSON and broken frames, and goes on serving', async () => {
        writeRaw(client, frame('{"jsonrpc": "2.0", "id": 999, "method": "r/status", "params": {'));
        writeRaw(client, frame(Buffer.from([0xff, 0xfe, 0x7b, 0x7d])));
        writeRaw(client, frame('[1, 2, 3]'));
        writeRaw(client, frame('"just a string"'));
        writeRaw(client, frame('{"jsonrpc": "2.0", "id": 1000, "method": 17}'));
        assert.strictEqual(await client.run('3'), '[1] 3\n');
        assert.strictEqual(client.exitCode, undefined);
    });

    it('runs 10 MB of code', async () => {
        const line = 'x <- 1 # ' + 'y'.repeat(90) + '\n';
        const code = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)) + 'nchar("done")';
        const result = await client.execute(code);
        assert.strictEqual(result.status, 'ok');
        assert.strictEqual(client.textOf(result.executionId, 'stdout'), '[1] 4\n');
    });

    it('answers code with a NUL character as a parse error', async () => {
        const result = await client.execute('1\n2\u0000');
        assert.strictEqual(result.status, 'parseError');
        assert.strictEqual(result.error?.line, 2);
    });

    it('handles non-ASCII code and output', async () => {
        assert.strictEqual(await client.run('s <- "héllo wörld ✓"; cat(s, nchar(s), "\\n")'), 'héllo wörld ✓ 13 \n');
    });
});
