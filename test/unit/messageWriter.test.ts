/**
 * The server's writer of the LSP base protocol (server/src/transport/messageWriter.ts)
 * over its CoalescingWriter, tested on a PassThrough stream: no server, no R.
 */
import * as assert from 'assert';
import { PassThrough } from 'stream';
import type { Message } from 'vscode-languageserver/node';
import { CoalescingWriter } from '../../server/src/transport/coalescingWriter';
import { FramedMessageWriter } from '../../server/src/transport/messageWriter';

interface Harness {
    out: PassThrough;
    writer: FramedMessageWriter;
    /** Each write the stream received, as it came. */
    chunks: Buffer[];
    errors: string[];
    closes: number;
}

function harness(highWater?: number): Harness {
    const out = new PassThrough({ highWaterMark: 1024 });
    const chunks: Buffer[] = [];
    const h: Harness = { out, writer: new FramedMessageWriter(new CoalescingWriter(out, highWater)), chunks, errors: [], closes: 0 };
    const write = out.write.bind(out);
    out.write = ((chunk: Buffer, ...rest: never[]) => {
        chunks.push(Buffer.from(chunk));
        return write(chunk, ...rest);
    }) as typeof out.write;
    h.writer.onError(([e]) => h.errors.push(e.message));
    h.writer.onClose(() => h.closes++);
    return h;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function notification(text: string): Message {
    return { jsonrpc: '2.0', method: 'r/output', params: { executionId: 'e', stream: 'stdout', text } } as Message;
}
function response(id: number): Message {
    return { jsonrpc: '2.0', id, result: { status: 'ok' } } as Message;
}

/** Splits base-protocol bytes into their bodies, checking each Content-Length against the body's bytes. */
function bodies(bytes: Buffer): unknown[] {
    const found: unknown[] = [];
    let at = 0;
    while (at < bytes.length) {
        const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
        assert.ok(end > at, `a header at byte ${at}`);
        const header = bytes.subarray(at, end).toString('latin1');
        const length = /^Content-Length: (\d+)$/.exec(header);
        assert.ok(length, `"${header}" is exactly one Content-Length field`);
        const body = bytes.subarray(end + 4, end + 4 + Number(length[1]));
        assert.strictEqual(body.length, Number(length[1]), 'the body is as long as its header says');
        found.push(JSON.parse(body.toString('utf8')));
        at = end + 4 + body.length;
    }
    return found;
}

describe('FramedMessageWriter', () => {
    it('frames each message with its length in bytes and sends what one turn wrote in one write, in order', async () => {
        const h = harness();
        const texts = ['[1] 2\n', 'é, 日本, 🦜', ''];
        for (const text of texts) void h.writer.write(notification(text));
        void h.writer.write(response(7));
        // A response goes out at the end of the turn, with the notifications before it.
        await turn();
        assert.strictEqual(h.chunks.length, 1, 'one write');
        assert.deepStrictEqual(bodies(h.chunks[0]), [...texts.map((t) => notification(t)), response(7)]);
    });

    it('lets notifications alone wait a moment for company, and a response take them along at once', async () => {
        const h = harness();
        void h.writer.write(notification('a'));
        await turn();
        assert.strictEqual(h.chunks.length, 0, 'a notification alone waits');
        await sleep(20);
        assert.deepStrictEqual(h.chunks.map(bodies), [[notification('a')]]);
        void h.writer.write(notification('b'));
        void h.writer.write(response(1));
        await turn();
        assert.deepStrictEqual(h.chunks.map(bodies), [[notification('a')], [notification('b'), response(1)]]);
    });

    it('settles a write once the reader has caught up, not before, and loses nothing meanwhile', async () => {
        // High water 4 KiB: 20 messages of 1 KiB are more than the reader may fall behind.
        const h = harness(4096);
        const settled: number[] = [];
        const writes = Array.from({ length: 20 }, (_, i) => h.writer.write(notification(`${i}:${'x'.repeat(1000)}`)).then(() => settled.push(i)));
        void h.writer.write(response(99));
        await sleep(20);
        assert.ok(settled.length < 20, `the writes wait for the reader (${settled.length} settled)`);
        // The reader takes everything.
        const received: Buffer[] = [];
        h.out.on('data', (d: Buffer) => received.push(d));
        await Promise.all(writes);
        assert.deepStrictEqual(settled, [...settled].sort((a, b) => a - b), 'in order');
        const messages = bodies(Buffer.concat(received)) as { params?: { text: string } }[];
        assert.strictEqual(messages.length, 21);
        assert.deepStrictEqual(
            messages.slice(0, 20).map((m) => m.params!.text.split(':')[0]),
            Array.from({ length: 20 }, (_, i) => String(i)),
        );
        assert.deepStrictEqual(messages[20], response(99));
    });

    it('refuses a message JSON cannot write, says why, and goes on with the next', async () => {
        const h = harness();
        await assert.rejects(h.writer.write({ jsonrpc: '2.0', method: 'r/output', params: { big: BigInt(1) } } as unknown as Message), /BigInt/);
        void h.writer.write(response(2));
        await turn();
        assert.strictEqual(h.errors.length, 1);
        assert.match(h.errors[0], /BigInt/);
        assert.deepStrictEqual(h.chunks.map(bodies), [[response(2)]], 'nothing of the refused message was written');
    });

    it('reports the end of its stream, and drops what is written after it', async () => {
        const h = harness();
        h.out.destroy();
        await turn();
        assert.strictEqual(h.closes, 1);
        await h.writer.write(response(3));
        await turn();
        assert.strictEqual(h.chunks.length, 0);
    });
});
