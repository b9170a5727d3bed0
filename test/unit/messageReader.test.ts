/**
 * The server's reader of the LSP base protocol (server/src/transport/messageReader.ts),
 * tested directly on a PassThrough stream: no server, no R.
 */
import * as assert from 'assert';
import { PassThrough } from 'stream';
import fc from 'fast-check';
import type { Message } from 'vscode-languageserver/node';
import { FramedMessageReader, INVALID_RESPONSE_CODE, MAX_CONTENT_LENGTH, MAX_HEADER_BYTES } from '../../server/src/transport/messageReader';

/** Errors longer than this are not short. */
const SHORT = 400;

interface Harness {
    stream: PassThrough;
    reader: FramedMessageReader;
    messages: Message[];
    errors: string[];
    closes: number;
    /** Writes each chunk as its own 'data' event. */
    feed(...chunks: (Buffer | string)[]): Promise<void>;
    /** The ids of the messages read, in order. */
    ids(): unknown[];
}

function harness(): Harness {
    const stream = new PassThrough();
    const reader = new FramedMessageReader(stream);
    const h: Harness = {
        stream,
        reader,
        messages: [],
        errors: [],
        closes: 0,
        async feed(...chunks) {
            for (const chunk of chunks) {
                stream.write(chunk);
                // One turn of the event loop: the chunk is read before the next is written.
                await new Promise((resolve) => setImmediate(resolve));
            }
        },
        ids: () => h.messages.map((m) => (m as { id?: unknown }).id),
    };
    reader.onError((e) => h.errors.push(e.message));
    reader.onClose(() => h.closes++);
    reader.listen((m) => h.messages.push(m));
    return h;
}

function frame(body: string | Buffer, header?: string): Buffer {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return Buffer.concat([Buffer.from(header ?? `Content-Length: ${bytes.length}\r\n\r\n`, 'latin1'), bytes]);
}

function request(id: string | number, params: unknown = {}): string {
    return JSON.stringify({ jsonrpc: '2.0', id, method: 'r/status', params });
}

/** The params of a message read. */
function paramsOf<P = { text: string; code: string }>(m: Message | undefined): P {
    return (m as unknown as { params: P }).params;
}

function assertShort(errors: string[]): void {
    for (const e of errors) assert.ok(e.length <= SHORT, `an error of ${e.length} characters: ${e.slice(0, 300)}…`);
}

/** Splits `bytes` into pieces of `size` bytes. */
function pieces(bytes: Buffer, size: number): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
    return out;
}

describe('FramedMessageReader (the server reader of the base protocol)', function () {
    describe('well-formed input', () => {
        it('reads one message, and several in one chunk, with every header style', async () => {
            const h = harness();
            await h.feed(frame(request(1)));
            assert.deepStrictEqual(h.messages, [{ jsonrpc: '2.0', id: 1, method: 'r/status', params: {} }]);
            const headers = [
                (n: number) => `Content-Length: ${n}\r\n\r\n`,
                (n: number) => `content-length: ${n}\r\n\r\n`,
                (n: number) => `CONTENT-LENGTH:${n}\r\n\r\n`,
                (n: number) => `Content-Length:    ${n}   \r\n\r\n`,
                (n: number) => `Content-Length \t: ${n}\r\n\r\n`,
                (n: number) => `Content-Length: 000${n}\r\n\r\n`,
                (n: number) => `Content-Length: ${n}\r\nContent-Length: ${n}\r\n\r\n`,
                (n: number) => `Content-Length: ${n}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n`,
                (n: number) => `Content-Type: application/vscode-jsonrpc; charset=UTF8\r\nContent-Length: ${n}\r\n\r\n`,
                (n: number) => `Content-Type: application/json; charset="utf-8"\r\nContent-Length: ${n}\r\n\r\n`,
                (n: number) => `Content-Type: application/json\r\nContent-Length: ${n}\r\n\r\n`,
                (n: number) => `X-Fuzz: yes\r\nContent-Length: ${n}\r\nX-Other:\r\n\r\n`,
                // Empty header blocks before a header are skipped.
                (n: number) => `\r\n\r\n\r\nContent-Length: ${n}\r\n\r\n`,
            ];
            const chunk = Buffer.concat(
                headers.map((header, i) => {
                    const body = Buffer.from(request(`h${i}`, { text: 'é€😀' }), 'utf8');
                    return frame(body, header(body.length));
                }),
            );
            await h.feed(chunk);
            assert.deepStrictEqual(h.ids(), [1, ...headers.map((_, i) => `h${i}`)]);
            assert.strictEqual(paramsOf(h.messages[1]).text, 'é€😀');
            assert.deepStrictEqual(h.errors, []);
        });

        it('reads messages split at every byte boundary, and one byte at a time', async () => {
            const stream = Buffer.concat([
                frame(request('a', { text: 'naïve — 😀' })),
                Buffer.from('\r\n\r\n'),
                frame(request(2), `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(request(2))}\r\n\r\n`),
                frame(JSON.stringify({ jsonrpc: '2.0', method: 'note' })),
            ]);
            const expected = ['a', 2, undefined];
            for (let i = 1; i < stream.length; i++) {
                const h = harness();
                await h.feed(stream.subarray(0, i), stream.subarray(i));
                assert.deepStrictEqual(h.ids(), expected, `split at byte ${i}`);
                assert.deepStrictEqual(h.errors, [], `split at byte ${i}`);
                assert.strictEqual(paramsOf(h.messages[0]).text, 'naïve — 😀');
            }
            const h = harness();
            await h.feed(...pieces(stream, 1));
            assert.deepStrictEqual(h.ids(), expected);
            assert.deepStrictEqual(h.errors, []);
        });

        it('reads random sequences of messages cut into random chunks', async () => {
            await fc.assert(
                fc.asyncProperty(
                    fc.array(fc.tuple(fc.oneof(fc.string(), fc.fullUnicodeString()), fc.boolean()), { minLength: 1, maxLength: 8 }),
                    fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
                    async (specs, cuts) => {
                        const bytes = Buffer.concat(specs.map(([text, blank], i) => Buffer.concat([Buffer.from(blank ? '\r\n\r\n' : ''), frame(request(i, { text }))])));
                        const chunks: Buffer[] = [];
                        let at = 0;
                        for (let k = 0; at < bytes.length; k++) {
                            const size = cuts[k % cuts.length];
                            chunks.push(bytes.subarray(at, at + size));
                            at += size;
                        }
                        const h = harness();
                        await h.feed(...chunks);
                        assert.deepStrictEqual(h.ids(), specs.map((_, i) => i));
                        assert.deepStrictEqual(
                            h.messages.map((m) => paramsOf(m).text),
                            specs.map(([text]) => text),
                        );
                        assert.deepStrictEqual(h.errors, []);
                    },
                ),
                { numRuns: 200 },
            );
        });

        it('reads a 50 MB body that arrives in 64 KB chunks, quickly', async () => {
            const h = harness();
            const code = 'x'.repeat(50 * 1024 * 1024);
            const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 'big', method: 'r/execute', params: { code } }));
            const all = Buffer.concat([frame(body), frame(request('after'))]);
            const t0 = performance.now();
            await h.feed(...pieces(all, 64 * 1024));
            const ms = performance.now() - t0;
            assert.deepStrictEqual(h.ids(), ['big', 'after']);
            assert.strictEqual(paramsOf(h.messages[0]).code.length, code.length);
            assert.deepStrictEqual(h.errors, []);
            // Joined once: a few hundred milliseconds, where joining at every chunk would take minutes.
            assert.ok(ms < 10000, `${Math.round(ms)} ms`);
        });

        it('reads 20,000 small messages, each in its own chunk or all in one, in well under a second', async () => {
            const frames = Array.from({ length: 20000 }, (_, i) => frame(request(i)));
            const one = harness();
            let t0 = performance.now();
            await one.feed(Buffer.concat(frames));
            const together = performance.now() - t0;
            assert.strictEqual(one.messages.length, frames.length);
            // Direct 'data' events: what the reader costs, without the stream's own.
            const each = harness();
            t0 = performance.now();
            for (const f of frames) each.stream.emit('data', f);
            const separately = performance.now() - t0;
            assert.strictEqual(each.messages.length, frames.length);
            assert.ok(together < 1000 && separately < 1000, `${Math.round(together)} ms in one chunk, ${Math.round(separately)} ms in separate chunks`);
        });

        it('decodes invalid UTF-8 as U+FFFD', async () => {
            const h = harness();
            const body = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"u","method":"r/execute","params":{"code":"a'), Buffer.from([0xff, 0xc3, 0x80, 0xe2, 0x82]), Buffer.from('"}}')]);
            await h.feed(frame(body));
            assert.deepStrictEqual(h.errors, []);
            assert.strictEqual(paramsOf(h.messages[0]).code, 'a\ufffdÀ\ufffd');
        });

        it('passes on responses, and a response with neither result nor error as an error response', async () => {
            const h = harness();
            await h.feed(
                frame('{"jsonrpc":"2.0","id":3,"result":null}'),
                frame('{"jsonrpc":"2.0","id":"4","error":{"code":1,"message":"no"}}'),
                frame('{"jsonrpc":"2.0","id":5}'),
                frame('{"jsonrpc":"2.0","id":6,"error":null}'),
            );
            assert.deepStrictEqual(h.messages, [
                { jsonrpc: '2.0', id: 3, result: null },
                { jsonrpc: '2.0', id: '4', error: { code: 1, message: 'no' } },
                { jsonrpc: '2.0', id: 5, error: { code: INVALID_RESPONSE_CODE, message: 'the response had neither a result nor an error' } },
                { jsonrpc: '2.0', id: 6, error: { code: INVALID_RESPONSE_CODE, message: 'the response had neither a result nor an error' } },
            ]);
            assert.strictEqual(h.errors.length, 2);
            assert.match(h.errors[0], /neither result nor error/);
        });

        it('accepts a Content-Length of exactly the limit, and waits for the body without an error', async () => {
            const h = harness();
            await h.feed(`Content-Length: ${MAX_CONTENT_LENGTH}\r\n\r\n{"jsonrpc"`);
            assert.deepStrictEqual(h.errors, []);
            assert.deepStrictEqual(h.messages, []);
        });

        it('fires close once when the stream ends, and errors of the stream', async () => {
            const h = harness();
            h.stream.emit('error', new Error('read EIO'));
            assert.deepStrictEqual(h.errors, ['read EIO']);
            h.stream.end();
            await new Promise((resolve) => setImmediate(resolve));
            await new Promise((resolve) => setImmediate(resolve));
            assert.strictEqual(h.closes, 1);
        });

        it('stops reading when the listener is disposed', async () => {
            const stream = new PassThrough();
            const reader = new FramedMessageReader(stream);
            const got: Message[] = [];
            const listening = reader.listen((m) => got.push(m));
            stream.emit('data', frame(request(1)));
            listening.dispose();
            stream.emit('data', frame(request(2)));
            assert.strictEqual(got.length, 1);
            assert.throws(() => reader.listen(() => undefined), /only once/);
        });
    });

    describe('framing errors: reported, and the next message still arrives', () => {
        const bad = Buffer.from(request('bad'));
        const cases: [string, Buffer][] = [
            ...['-500', '-1', '-0', 'abc', '', 'NaN', '0x1', '1e3', '+5', ' 5 5', '٣', '5.0', '5;'].map((v): [string, Buffer] => [`Content-Length "${v}"`, frame(bad, `Content-Length: ${v}\r\n\r\n`)]),
            ...['2147483648', '4294967296', '99999999999999999999', '9'.repeat(5000), String(MAX_CONTENT_LENGTH + 1)].map((v): [string, Buffer] => [
                `Content-Length ${v.length > 20 ? `of ${v.length} digits` : v} over the limit`,
                frame(bad, `Content-Length: ${v}\r\n\r\n`),
            ]),
            ['no Content-Length', frame(bad, 'Content-Type: application/json\r\n\r\n')],
            ['no Content-Length, only another header', frame(bad, 'X: y\r\n\r\n')],
            ['a header line without a colon', Buffer.from('hello there\r\n\r\n')],
            ['a header line without a colon, then a body', frame(bad, `Content-Length ${bad.length}\r\n\r\n`)],
            ['a header line without a name', frame(bad, `: x\r\nContent-Length: ${bad.length}\r\n\r\n`)],
            ['two different Content-Lengths', frame(bad, `Content-Length: ${bad.length}\r\nContent-Length: ${bad.length + 1}\r\n\r\n`)],
            ['bare LF line ends', frame(bad, `Content-Length: ${bad.length}\n\n`)],
            ['bare LF after a good line', frame(bad, `Content-Length: ${bad.length}\r\nX: y\n\r\n\r\n`)],
            ['a header longer than the limit', Buffer.from('x'.repeat(MAX_HEADER_BYTES + 100))],
            ['a header of blanks longer than the limit', Buffer.from(' '.repeat(MAX_HEADER_BYTES * 3))],
            ['a name and blanks, never a colon', Buffer.from('Content-Length' + ' '.repeat(MAX_HEADER_BYTES * 2))],
            ['Content-Length: 0', frame(Buffer.alloc(0))],
            ...[1, 2, 10, 30, bad.length].map((k): [string, Buffer] => [`Content-Length too small by ${k}`, frame(bad, `Content-Length: ${bad.length - k}\r\n\r\n`)]),
        ];
        const garbage = [Buffer.from('x'), Buffer.from('xyz: '), Buffer.from([0, 1, 2, 0xff, 0xfe]), Buffer.from('\r\n'), Buffer.from('{"jsonrpc":"2.0"}'), Buffer.from('Content-'), Buffer.from('\n\n\r\r'), Buffer.from('Content-Length: 5\r\n')];
        for (const g of garbage) cases.push([`garbage ${JSON.stringify(g.toString('latin1'))} before a header`, Buffer.concat([g, frame(bad)])]);

        for (const [label, bytes] of cases) {
            it(label, async () => {
                for (const chunking of ['one chunk', 'chunks of 7 bytes', 'a chunk each']) {
                    const h = harness();
                    const after = Buffer.concat([frame(request('next')), frame(request('then'))]);
                    if (chunking === 'one chunk') await h.feed(Buffer.concat([bytes, after]));
                    else if (chunking === 'a chunk each') await h.feed(bytes, frame(request('next')), frame(request('then')));
                    else await h.feed(...pieces(Buffer.concat([bytes, after]), 7));
                    const ids = h.ids();
                    // The bad frame itself may be read when garbage is only in front of it.
                    assert.deepStrictEqual(
                        ids.filter((id) => id !== 'bad'),
                        ['next', 'then'],
                        `${chunking}: read ${JSON.stringify(ids)}; errors ${JSON.stringify(h.errors)}`,
                    );
                    // Garbage that is only empty lines is no error.
                    const least = label.startsWith('garbage "\\r\\n"') ? 0 : 1;
                    assert.ok(h.errors.length >= least && h.errors.length <= 2, `${chunking}: ${h.errors.length} errors: ${JSON.stringify(h.errors)}`);
                    assertShort(h.errors);
                }
            });
        }

        it('says what was wrong, briefly and escaped', async () => {
            const h = harness();
            await h.feed(frame(bad, 'Content-Length: -500\r\n\r\n'), frame(request(1)));
            await h.feed(`Content-Length: ${2 ** 31}\r\n\r\n`, frame(request(2)));
            await h.feed(frame(bad, 'X: \u0001y\r\n\r\n'), frame(request(3)));
            await h.feed(Buffer.concat([Buffer.from('\u0000\u0007 no colon \u001b[31m'.repeat(50)), Buffer.from('\r\n\r\n')]), frame(request(4)));
            assert.deepStrictEqual(h.ids(), [1, 2, 3, 4]);
            assert.match(h.errors[0], /^framing error: Content-Length "-500" is not a number of bytes; skipping to the next header$/);
            assert.match(h.errors[1], /^framing error: Content-Length 2147483648 is over the limit of 268435456 bytes/);
            assert.match(h.errors[2], /^framing error: no Content-Length in the header "X: \\x01y"/);
            assert.match(h.errors[3], /^framing error: a header line without a colon: "\\x00\\x07 no colon \\x1b\[31m/);
            assert.match(h.errors[3], /…; skipping to the next header$/);
            assertShort(h.errors);
        });

        it('reports one framing error until a header is accepted again', async () => {
            const h = harness();
            await h.feed('a\r\n\r\nb\r\n\r\nContent-Length: x\r\n\r\nContent-Length: -1\r\n\r\n', 'Content-Length: y\r\n\r\n', frame(request(1)), 'c\r\n\r\n', frame(request(2)));
            assert.deepStrictEqual(h.ids(), [1, 2]);
            assert.strictEqual(h.errors.length, 2, JSON.stringify(h.errors));
        });

        it('drops a frame whose Content-Type names another charset, and stays in step', async () => {
            for (const charset of ['latin1', 'utf-16', 'ISO-8859-1', '"ascii"', '']) {
                const h = harness();
                const body = Buffer.from(request('bad'));
                await h.feed(frame(body, `Content-Type: application/json; charset=${charset}\r\nContent-Length: ${body.length}\r\n\r\n`), frame(request('next')));
                assert.deepStrictEqual(h.ids(), ['next'], `charset ${charset}`);
                assert.strictEqual(h.errors.length, 1);
                assert.match(h.errors[0], /^Content-Type names the charset .*; only utf-8 is read: the message \(\d+ bytes\) is skipped$/);
            }
            // Also when its body arrives in pieces.
            const h = harness();
            const body = Buffer.from(request('bad', { code: 'y'.repeat(200000) }));
            await h.feed(...pieces(Buffer.concat([frame(body, `Content-Length: ${body.length}\r\nContent-Type: text/plain; charset=latin1\r\n\r\n`), frame(request('next'))]), 65536));
            assert.deepStrictEqual(h.ids(), ['next']);
        });

        it('a Content-Length too large by a few bytes loses only its own message: the ones it took in are read again', async () => {
            for (const k of [1, 3, 10, 15, 16, 17, 40, 200, 1000, 5000]) {
                for (const chunkSize of [1 << 20, 7]) {
                    const h = harness();
                    const following = Array.from({ length: 100 }, (_, i) => frame(request(`next${i}`)));
                    await h.feed(...pieces(Buffer.concat([frame(bad, `Content-Length: ${bad.length + k}\r\n\r\n`), ...following]), chunkSize));
                    assert.deepStrictEqual(
                        h.ids(),
                        following.map((_, i) => `next${i}`),
                        `too large by ${k}, chunks of ${chunkSize}: ${JSON.stringify(h.errors)}`,
                    );
                    assert.strictEqual(h.errors.length, 1);
                    assert.match(h.errors[0], /^message body is not valid JSON .*; reading again from byte \d+, where a header starts$/);
                    assertShort(h.errors);
                }
            }
        });

        it('a Content-Length too large by an empty header block still reads the message', async () => {
            const h = harness();
            await h.feed(frame(bad, `Content-Length: ${bad.length + 4}\r\n\r\n`), '\r\n\r\n', frame(request('next')));
            assert.deepStrictEqual(h.ids(), ['bad', 'next']);
            assert.deepStrictEqual(h.errors, []);
        });

        it('keeps memory bounded while resynchronizing through megabytes of garbage', async () => {
            const h = harness();
            await h.feed(`Content-Length: ${2 ** 31}\r\n\r\n`, ...Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 0x20)), frame(request('next')));
            assert.deepStrictEqual(h.ids(), ['next']);
            assert.strictEqual(h.errors.length, 1);
            const internal = h.reader as unknown as { buf: Buffer; parts: Buffer[] };
            assert.strictEqual(internal.buf.length + internal.parts.length, 0);
        });
    });

    describe('JSON that is not a message', () => {
        const notMessages = [
            '[]',
            '[1, 2, 3]',
            '[{"jsonrpc":"2.0","id":1,"method":"r/status"}]',
            '"just a string"',
            '17',
            'null',
            'true',
            '{}',
            '{"jsonrpc":"2.0"}',
            '{"jsonrpc":"2.0","id":null,"method":"r/status"}',
            '{"jsonrpc":"2.0","id":{},"method":"r/status"}',
            '{"jsonrpc":"2.0","id":true,"method":"r/status"}',
            '{"jsonrpc":"2.0","id":[1],"method":"r/execute","params":{"code":"1"}}',
            '{"jsonrpc":"2.0","method":17}',
            '{"jsonrpc":"2.0","id":1,"method":17}',
            '{"jsonrpc":"2.0","id":null,"result":1}',
            '{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"x"}}',
            '{"jsonrpc":"2.0","id":false,"result":1}',
        ];
        for (const body of notMessages) {
            it(`drops ${body} with a short error`, async () => {
                const h = harness();
                await h.feed(frame(body), frame(request('next')));
                assert.deepStrictEqual(h.ids(), ['next']);
                assert.strictEqual(h.errors.length, 1);
                assert.match(h.errors[0], /^dropped a message that is not a JSON-RPC request, notification or response \(.+\): ".*"$/);
                assertShort(h.errors);
            });
        }

        it('drops bodies that are not JSON with a short error', async () => {
            const h = harness();
            await h.feed(
                frame('{"jsonrpc": "2.0", "id": 999, "method": "r/status", "params": {'),
                frame(Buffer.from([0xff, 0xfe, 0x7b, 0x7d])),
                frame('x'.repeat(1024 * 1024)),
                frame('{'.repeat(100000)),
                frame(request('next')),
            );
            assert.deepStrictEqual(h.ids(), ['next']);
            assert.strictEqual(h.errors.length, 4);
            for (const e of h.errors) assert.match(e, /^message body is not valid JSON \(\d+ bytes: ".*"…?\): /);
            assertShort(h.errors);
        });

        it('survives JSON nested 100,000 deep: dropped when not a message, passed on when it is inside one', async () => {
            const depth = 100000;
            const arrays = '['.repeat(depth) + ']'.repeat(depth);
            const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
            const h = harness();
            const t0 = performance.now();
            await h.feed(
                frame(arrays),
                frame(objects),
                frame(`{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"x","data":${arrays}}}`),
                frame(`{"jsonrpc":"2.0","id":"deep","method":"fuzz/deep","params":${arrays}}`),
                frame(`{"jsonrpc":"2.0","id":"deep2","method":"r/execute","params":{"code":${objects}}}`),
                frame(request('next')),
            );
            const ms = performance.now() - t0;
            // Passed on (or, where the parser gives up, reported): either way short errors and no crash.
            const ids = h.ids();
            assert.deepStrictEqual(
                ids.filter((id) => id !== 'deep' && id !== 'deep2'),
                ['next'],
            );
            assert.strictEqual(h.errors.length + ids.length, 6, JSON.stringify(h.errors));
            assertShort(h.errors);
            assert.ok(ms < 5000, `${Math.round(ms)} ms`);
        });
    });
});
