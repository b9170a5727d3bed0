/**
 * The fast-check arbitraries of the fuzz (fuzz.stress.ts): malformed LSP
 * frames, each with what it deserves from the server.
 */
import fc from 'fast-check';
import { allMethods } from '../../common/protocol';
import type { Id } from '../support/wireClient';

export const InvalidParams = -32602;
export const MethodNotFound = -32601;

/** What a frame deserves. */
export type Expect =
    | { kind: 'answer'; code: number }
    | { kind: 'none' }
    /** A request whose answer cannot be predicted (a known method with random params): at most one. */
    | { kind: 'any' };

/**
 * One frame, as fast-check generates it: the body in parts (strings are
 * UTF-8 and may hold the placeholder ID, replaced by a fresh request id
 * when the frame is sent; byte arrays are sent as they are), a header
 * style, and what the frame deserves.
 */
export interface FrameSpec {
    label: string;
    parts: (string | Uint8Array)[];
    header: HeaderStyle;
    expect: Expect;
}

type HeaderStyle = 'plain' | 'contentType' | 'lowercase' | 'spaces' | 'extraHeader' | 'contentTypeFirst';
const ID = '"__ID__"';

const headerStyle = fc.constantFrom<HeaderStyle>('plain', 'plain', 'plain', 'contentType', 'lowercase', 'spaces', 'extraHeader', 'contentTypeFirst');

function header(style: HeaderStyle, length: number): string {
    switch (style) {
        case 'plain':
            return `Content-Length: ${length}\r\n\r\n`;
        case 'contentType':
            return `Content-Length: ${length}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n`;
        case 'contentTypeFirst':
            return `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: ${length}\r\n\r\n`;
        case 'lowercase':
            return `content-length: ${length}\r\n\r\n`;
        case 'spaces':
            return `Content-Length:    ${length}   \r\n\r\n`;
        case 'extraHeader':
            return `X-Fuzz: yes\r\nContent-Length: ${length}\r\n\r\n`;
    }
}

// ---------------------------------------------------------------------------
// Arbitraries for phase A

/** Methods the server handles: a random name that hits one is not "unknown". */
const REQUEST_METHODS = new Set(['initialize', 'shutdown', 'textDocument/completion', 'textDocument/hover', 'textDocument/signatureHelp', ...allMethods]);
/** Notifications the fuzz must not send: they end the session or change tracing. */
const EXCLUDED = new Set(['exit', 'shutdown', '$/setTrace']);

/** A JSON value that is never null or undefined (absent fields are made separately). */
const someJson = fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== null);
const notBoolean = someJson.filter((v) => typeof v !== 'boolean');
const notString = someJson.filter((v) => typeof v !== 'string');
const notNumber = someJson.filter((v) => typeof v !== 'number');
const notStringArray = someJson.filter((v) => !(Array.isArray(v) && v.every((x) => typeof x === 'string')));
const badIndex = fc.oneof(fc.integer({ min: -1e6, max: -1 }), fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)), notNumber);
/** Params that are not an object and not an array (arrays are spread into positional params). */
// Finite numbers only: JSON.stringify turns Infinity into null, and null
// params are valid (the same as absent).
const scalarParams = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }));

function request(method: string, params: unknown | undefined, expect: Expect, label: string): FrameSpec {
    const body = JSON.stringify({ jsonrpc: '2.0', id: '__ID__', method, ...(params === undefined ? {} : { params }) });
    return { label, parts: [body], header: 'plain', expect };
}

const badExecute: fc.Arbitrary<FrameSpec> = fc.oneof(
    scalarParams.map((p) => request('r/execute', p, { kind: 'answer', code: InvalidParams }, 'r/execute: params not an object')),
    fc.record({ code: notString }, { requiredKeys: [] }).map((p) => request('r/execute', p, { kind: 'answer', code: InvalidParams }, 'r/execute: code missing or not a string')),
    fc
        .tuple(fc.constantFrom('stopOnError', 'echo', 'uri', 'executionId', 'range'), someJson)
        .filter(([key, v]) => (key === 'stopOnError' || key === 'echo' ? typeof v !== 'boolean' : key === 'uri' ? typeof v !== 'string' : key === 'executionId' ? typeof v !== 'string' && typeof v !== 'number' : true))
        .map(([key, v]) =>
            // The code is valid R that would do something visible: a wrong
            // field must stop it before it runs.
            request('r/execute', { code: 'fuzz_ran <- TRUE', [key]: v }, { kind: 'answer', code: InvalidParams }, `r/execute: ${key} of the wrong type`),
        ),
    fc.array(fc.oneof(notString, fc.record({ code: notString })), { minLength: 1, maxLength: 1 }).map((p) =>
        request('r/execute', p, { kind: 'answer', code: InvalidParams }, 'r/execute: one positional param, not valid'),
    ),
    // Two or more positional params: refused like one (the server never
    // spreads them into the handler's arguments).
    fc.array(someJson, { minLength: 1, maxLength: 3 }).map((rest) =>
        request('r/execute', [{ code: 'fuzz_ran <- TRUE' }, ...rest], { kind: 'answer', code: InvalidParams }, 'r/execute: two or more positional params'),
    ),
    fc.constant(request('r/execute', undefined, { kind: 'answer', code: InvalidParams }, 'r/execute: no params')),
);

const badInterrupt: fc.Arbitrary<FrameSpec> = fc.oneof(
    scalarParams.map((p) => request('r/interrupt', p, { kind: 'answer', code: InvalidParams }, 'r/interrupt: params not an object')),
    notBoolean.map((v) => request('r/interrupt', { keepQueue: v }, { kind: 'answer', code: InvalidParams }, 'r/interrupt: keepQueue not a boolean')),
);

const badVariables: fc.Arbitrary<FrameSpec> = fc.oneof(
    scalarParams.map((p) => request('r/variables', p, { kind: 'answer', code: InvalidParams }, 'r/variables: params not an object')),
    notStringArray.map((v) => request('r/variables', { path: v }, { kind: 'answer', code: InvalidParams }, 'r/variables: path not an array of strings')),
    badIndex.map((v) => request('r/variables', { start: v }, { kind: 'answer', code: InvalidParams }, 'r/variables: start not a non-negative integer')),
    badIndex.map((v) => request('r/variables', { count: v }, { kind: 'answer', code: InvalidParams }, 'r/variables: count not a non-negative integer')),
    notBoolean.map((v) => request('r/variables', { refresh: v }, { kind: 'answer', code: InvalidParams }, 'r/variables: refresh not a boolean')),
);

const badInitialize: fc.Arbitrary<FrameSpec> = fc
    .tuple(fc.constantFrom('rPath', 'cwd', 'rArgs', 'env', 'autoRestart', 'workspaceTrusted'), someJson)
    .filter(([key, v]) =>
        key === 'rPath' || key === 'cwd'
            ? typeof v !== 'string'
            : key === 'rArgs'
              ? !(Array.isArray(v) && v.every((x) => typeof x === 'string'))
              : key === 'env'
                ? typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== 'string')
                : typeof v !== 'boolean',
    )
    .map(([key, v]) =>
        // processId stays this test's own pid: the library watches it and
        // exits the server when that process is gone.
        request('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { [key]: v } }, { kind: 'answer', code: InvalidParams }, `initialize: ${key} of the wrong type`),
    );

const methodName = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.fullUnicodeString({ maxLength: 10 }),
    fc.constantFrom('textDocument/definition', 'textDocument/references', 'workspace/executeCommand', 'r/Execute', 'r/execute ', 'R/status', '$/unknown', 'r/', ''),
);

const unknownRequest: fc.Arbitrary<FrameSpec> = fc
    .tuple(methodName.filter((m) => !REQUEST_METHODS.has(m) && !EXCLUDED.has(m)), fc.option(someJson, { nil: undefined }))
    .map(([m, p]) => request(m, p, { kind: 'answer', code: MethodNotFound }, 'unknown method'));

const notification: fc.Arbitrary<FrameSpec> = fc
    .tuple(fc.oneof(methodName, fc.constantFrom('r/execute', 'r/interrupt', 'r/restart', 'r/variables', 'r/status', 'initialized', '$/cancelRequest', '$/progress')), fc.option(someJson, { nil: undefined }))
    .filter(([m]) => !EXCLUDED.has(m))
    .map(([m, p]) => ({ label: 'notification', parts: [JSON.stringify({ jsonrpc: '2.0', method: m, ...(p === undefined ? {} : { params: p }) })], header: 'plain' as const, expect: { kind: 'none' as const } }));

/** Messages that look like answers: the server never asked, so it answers nothing. */
const strayResponse: fc.Arbitrary<FrameSpec> = fc
    .tuple(fc.oneof(fc.integer(), fc.string(), fc.constant(null)), fc.boolean(), someJson)
    .map(([id, isError, v]) => ({
        label: 'response nobody asked for',
        parts: [JSON.stringify({ jsonrpc: '2.0', id, ...(isError ? { error: { code: -1, message: 'fuzz', data: v } } : { result: v }) })],
        header: 'plain' as const,
        expect: { kind: 'none' as const },
    }));

const TRUNCATED = JSON.stringify({ jsonrpc: '2.0', id: 'truncated', method: 'r/status', params: {} });

/** Bodies that are not JSON-RPC messages at all; the oracle decides whether one happens to be a request. */
const garbageBody: fc.Arbitrary<FrameSpec> = fc
    .oneof(
        fc.string({ maxLength: 200 }).map((s) => ['random text', Buffer.from(s, 'utf8')] as const),
        fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => ['random bytes', Buffer.from(b)] as const),
        fc.json({ maxDepth: 4 }).map((s) => ['JSON that is not a message', Buffer.from(s, 'utf8')] as const),
        fc.nat({ max: TRUNCATED.length - 1 }).map((n) => ['truncated request', Buffer.from(TRUNCATED.slice(0, n), 'utf8')] as const),
        fc.constantFrom('{"jsonrpc":"2.0","id":null,"method":"r/status"}', '{"jsonrpc":"2.0","id":{},"method":"r/status"}', '{"jsonrpc":"2.0","id":true,"method":"r/status"}', '{"jsonrpc":"2.0","id":[1],"method":"r/execute","params":{"code":"fuzz_ran <- TRUE"}}', '{"jsonrpc":"2.0","method":17}', '{}', '[]', 'null', '""', '{"jsonrpc":"2.0","id":1,"method":"r/status"', '\u0000').map((s) => ['odd message', Buffer.from(s, 'utf8')] as const),
    )
    .map(([label, body]) => ({ label, parts: [body], header: 'plain' as const, expect: oracle(body) }));

/** Deeply nested JSON, alone or where the server reads a param. */
const deeplyNested: fc.Arbitrary<FrameSpec> = fc
    .tuple(
        fc.oneof(fc.integer({ min: 500, max: 4000 }), fc.integer({ min: 4000, max: 100000 })),
        fc.constantFrom('array', 'object'),
        fc.constantFrom('alone', 'in code', 'in path', 'in unknown method', 'in error of a response'),
    )
    .map(([depth, shape, where]) => {
        const open = shape === 'array' ? '['.repeat(depth) : '{"a":'.repeat(depth);
        const close = shape === 'array' ? ']'.repeat(depth) : '1' + '}'.repeat(depth);
        const nested = open + close;
        const label = `nested ${shape} of depth ${depth} ${where}`;
        switch (where) {
            case 'alone':
                return { label, parts: [nested], header: 'plain' as const, expect: { kind: 'none' as const } };
            case 'in code':
                return { label, parts: [`{"jsonrpc":"2.0","id":${ID},"method":"r/execute","params":{"code":`, nested, '}}'], header: 'plain' as const, expect: { kind: 'answer' as const, code: InvalidParams } };
            case 'in path':
                return { label, parts: [`{"jsonrpc":"2.0","id":${ID},"method":"r/variables","params":{"path":[`, nested, ']}}'], header: 'plain' as const, expect: { kind: 'answer' as const, code: InvalidParams } };
            case 'in unknown method':
                return { label, parts: [`{"jsonrpc":"2.0","id":${ID},"method":"fuzz/deep","params":`, nested, '}'], header: 'plain' as const, expect: { kind: 'answer' as const, code: MethodNotFound } };
            default:
                return { label, parts: ['{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"x","data":', nested, '}}'], header: 'plain' as const, expect: { kind: 'none' as const } };
        }
    });

/** Invalid UTF-8 bytes inside the strings of requests (decoded as U+FFFD, the message stays valid). */
const invalidUtf8: fc.Arbitrary<FrameSpec> = fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => Buffer.from(b.map((x) => 0x80 | x))), fc.constantFrom('method', 'code', 'path'))
    .map(([bad, where]) => {
        const label = `invalid UTF-8 in ${where}`;
        if (where === 'method') return { label, parts: [`{"jsonrpc":"2.0","id":${ID},"method":"fuzz/`, bad, '"}'], header: 'plain' as const, expect: { kind: 'answer' as const, code: MethodNotFound } };
        if (where === 'code') return { label, parts: [`{"jsonrpc":"2.0","id":${ID},"method":"r/execute","params":{"stopOnError":"no","code":"`, bad, '"}}'], header: 'plain' as const, expect: { kind: 'answer' as const, code: InvalidParams } };
        return { label, parts: [`{"jsonrpc":"2.0","id":${ID},"method":"r/variables","params":{"start":-1,"path":["`, bad, '"]}}'], header: 'plain' as const, expect: { kind: 'answer' as const, code: InvalidParams } };
    });

export const cleanFrame: fc.Arbitrary<FrameSpec> = fc
    .tuple(
        fc.oneof(
            { arbitrary: badExecute, weight: 6 },
            { arbitrary: badInterrupt, weight: 3 },
            { arbitrary: badVariables, weight: 4 },
            { arbitrary: badInitialize, weight: 2 },
            { arbitrary: unknownRequest, weight: 5 },
            { arbitrary: notification, weight: 3 },
            { arbitrary: strayResponse, weight: 2 },
            { arbitrary: garbageBody, weight: 6 },
            { arbitrary: deeplyNested, weight: 1 },
            { arbitrary: invalidUtf8, weight: 2 },
        ),
        headerStyle,
    )
    .map(([spec, style]) => ({ ...spec, header: style }));

/**
 * What the server's reader (server/src/transport/messageReader.ts) does with a body:
 * decode it as UTF-8 (invalid bytes become U+FFFD), parse it, and pass on an
 * object with a string method and a string or number id as a request, as
 * vscode-jsonrpc classifies it. Random bodies are almost never requests;
 * when one is, an unknown method must be answered MethodNotFound.
 */
function oracle(body: Buffer): Expect {
    let message: unknown;
    try {
        message = JSON.parse(new TextDecoder('utf-8').decode(body));
    } catch {
        return { kind: 'none' };
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return { kind: 'none' };
    const m = message as { id?: unknown; method?: unknown };
    if (typeof m.method !== 'string' || (typeof m.id !== 'string' && typeof m.id !== 'number')) return { kind: 'none' };
    return REQUEST_METHODS.has(m.method) ? { kind: 'any' } : { kind: 'answer', code: MethodNotFound };
}

// ---------------------------------------------------------------------------
// Arbitraries for phase B: framing errors

export interface BadFraming {
    label: string;
    bytes: Buffer;
}

const requestBody = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 'framing', method: 'r/status', params: {} }), 'utf8');

export const badFraming: fc.Arbitrary<BadFraming> = fc.oneof(
    fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes(':') && !s.includes('\r\n')).map((s) => ({ label: 'header line without a colon', bytes: Buffer.from(`${s}\r\n\r\n`) })),
    fc.constantFrom('Content-Type: application/json\r\n\r\n', 'X: y\r\n\r\n', '\r\n\r\n').map((h) => ({ label: 'no Content-Length', bytes: Buffer.concat([Buffer.from(h), requestBody]) })),
    fc.constantFrom('abc', '', 'NaN', '0x1', '1e3', '-', '+5', '٣').map((v) => ({ label: `Content-Length "${v}"`, bytes: Buffer.concat([Buffer.from(`Content-Length: ${v}\r\n\r\n`), requestBody]) })),
    fc.integer({ min: 1, max: 2 ** 40 }).map((n) => ({ label: 'negative Content-Length', bytes: Buffer.concat([Buffer.from(`Content-Length: -${n}\r\n\r\n`), requestBody]) })),
    fc.integer({ min: 1, max: requestBody.length }).map((k) => ({ label: 'Content-Length too small', bytes: Buffer.concat([Buffer.from(`Content-Length: ${requestBody.length - k}\r\n\r\n`), requestBody]) })),
    fc.integer({ min: 1, max: 1000 }).map((k) => ({ label: 'Content-Length too large', bytes: Buffer.concat([Buffer.from(`Content-Length: ${requestBody.length + k}\r\n\r\n`), requestBody]) })),
    fc.constant({ label: 'bare LF line ends', bytes: Buffer.concat([Buffer.from(`Content-Length: ${requestBody.length}\n\n`), requestBody]) }),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ label: 'garbage before the header', bytes: Buffer.concat([Buffer.from(b), Buffer.from(`Content-Length: ${requestBody.length}\r\n\r\n`), requestBody]) })),
);

// ---------------------------------------------------------------------------

export function encode(spec: FrameSpec, id: Id): Buffer {
    const body = Buffer.concat(spec.parts.map((p) => (typeof p === 'string' ? Buffer.from(p.split(ID).join(JSON.stringify(id)), 'utf8') : Buffer.from(p))));
    return Buffer.concat([Buffer.from(header(spec.header, body.length), 'ascii'), body]);
}

export function needsId(spec: FrameSpec): boolean {
    return spec.parts.some((p) => typeof p === 'string' && p.includes(ID));
}
