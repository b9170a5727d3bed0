/**
 * The server ↔ kernel wire (see docs/protocol.md, "Kernel wire"): THE
 * vocabulary of the kernel protocol. Every frame kind either side sends is
 * declared here once, as a member of `ToKernel` or `FromKernel`, and in
 * `kernel/wire.R` for the R side; test/protocolDoc.test.ts checks both lists
 * against each other and against the document.
 *
 * A frame is a 12-byte header (the length of the rest as 11 zero-padded
 * decimal digits and "\n"), a line of space-separated ASCII fields (kind,
 * id, extra fields) and a body of raw bytes. The hot path (exec in, done
 * out) needs no JSON: its fields are plain text and the body of an exec
 * frame is the code itself.
 */
import type { ExecutionStatus, SymbolsChangedParams, Variable } from '../../../common/protocol';

export const KERNEL_PROTOCOL_VERSION = 7;

const HEADER_BYTES = 12;
/** Bigger frames are refused: nothing legitimate comes near this size. */
export const MAX_FRAME_BYTES = 1 << 30;

/** Flags of an exec frame; FLAG_* in kernel/wire.R. */
export const ExecFlags = {
    /** Stop at the first top-level expression that fails. */
    stopOnError: 1,
    /** Echo each expression with R's prompts before it runs. */
    echo: 2,
    /** Sent ahead of time: run only with a grant (see Grants in channel.ts). */
    claim: 4,
} as const;

/** What the kernel says about itself first (the hello frame). */
export interface Hello {
    protocol: number;
    pid: number;
    rVersion: string;
    rlang: boolean;
    /** The version of jsonlite, or null when it is not installed (the kernel then stops). */
    jsonlite?: string | null;
    /** R's tempdir(): the server removes it once R is gone (see removeRTempDir() in process.ts). */
    tempDir?: string;
}

/** How user code ended R (a bye frame): 'quit' for quit(). */
export type ByeCause = 'quit';

/** What the kernel learns from the server right after its hello, rather than from its environment. */
export interface KernelConfig {
    /** The per-launch token of the end-of-output markers (see outputStream.ts). */
    marker: string;
    /** Which user profile R runs: see run_profile() in kernel/main.R. */
    profile: 'trusted' | 'home';
    /** The profile R_PROFILE_USER named, if any. */
    userProfile: string;
    /** The file of the kernel's compiled functions (see compiledCache.ts), or "" for none. */
    compiledCache: string;
    /** The folder of the grant files (see Grants in channel.ts). */
    grants: string;
}

export type ToKernel =
    /** The answer to a valid hello: the kernel's settings. */
    | { kind: 'config'; config: KernelConfig }
    /** `breaks`: the breakpoints on its top-level lines, "id:line,..." (lines of `code`, 1-based). */
    | { kind: 'exec'; id: number; flags: number; code: string; breaks?: string }
    /** A kernel request: `method` names a handler in kernel/requests.R's table, `params` is JSON. */
    | { kind: 'request'; id: number; method: string; params: unknown }
    /** The answer to an input frame; `eof` for end of input. */
    | { kind: 'reply'; id: number; text: string; eof: boolean }
    /** Ends the wait for input of execution `id` (and interrupts the code that asked). */
    | { kind: 'cancel'; id: number }
    | { kind: 'shutdown' };

export type FromKernel =
    | { kind: 'hello'; hello: Hello }
    /** The kernel serves from now on; `symbols` lists the global environment. */
    | { kind: 'ready'; symbols: SymbolsChangedParams }
    /**
     * What execution `id` changed; `unchecked`: how many variables it had
     * no time to look at (see Variables.checkWhenIdle).
     */
    | { kind: 'symbols'; id: number; symbols: SymbolsChangedParams; unchecked: number }
    /** A warning or error of execution `id`, raised by the top-level expression starting at `line` (1-based; 0 unknown). */
    | { kind: 'cond'; id: number; condition: 'warning' | 'error'; line: number; message: string; call: string | null }
    /** R waits for a line of input (readline()), or at a question on its console; `browser` when R's browser stopped (see 'browser'). */
    | { kind: 'input'; id: number; prompt: string; browser?: BrowserInfo }
    /** Execution `id` ended; `line` is the failing line (0 when none). */
    | { kind: 'done'; id: number; status: ExecutionStatus; line: number; message?: string; call?: string | null }
    | { kind: 'response'; id: number; result: unknown }
    /** A kernel request failed, or the kernel could not even start execution `id`. */
    | { kind: 'failed'; id: number; message: string }
    | { kind: 'log'; text: string }
    /** User code is ending R: its exit comes next, with `reason` as the cause. */
    | { kind: 'bye'; cause: ByeCause; reason: string }
    /**
     * Execution `id` drew plot `plotId` (the kernel's number): a new page or
     * an update of one announced before; `line` of its code started it (0
     * unknown). `png` is the plot rendered at the view's size (width ×
     * height CSS pixels at pixelRatio), or empty.
     */
    | { kind: 'plot'; id: number; plotId: number; change: 'new' | 'update'; line: number; width: number; height: number; pixelRatio: number; png: Buffer }
    /** The history lost plots to its caps ('capped'), or plots no longer reach the view ('device', with a message). */
    | { kind: 'plots'; id: number; reason: 'capped' | 'device'; plotIds: number[]; message: string }
    /** Execution `id` called View(): the kernel opened data view `viewId`; `info` is JSON {title, rows, totalRows, columns, class}. */
    | { kind: 'view'; id: number; viewId: number; info: unknown }
    /** Execution `id` asked for help (?topic): `page` is JSON, a page {topic, package, title, html} or {query, matches}. */
    | { kind: 'help'; id: number; page: unknown }
    /** Execution `id` called rbridge_job(): `info` is JSON {code, name, globalsFile, packages, resultName}. */
    | { kind: 'job'; id: number; info: unknown }
    /**
     * R stopped in its browser while execution `id` runs: `info` is JSON
     * BrowserInfo (kernel/debug.R); the kernel serves requests until the
     * stop's `reply` comes. With `auto`, it waits for nothing: the server
     * gives R that command itself.
     */
    | { kind: 'browser'; id: number; info: BrowserInfo }
    /** Breakpoints (ids) came into effect in functions execution `id` defined. */
    | { kind: 'breakpoints'; id: number; verified: number[] };

/** Where a frame stands in its source, as R knows it: the file, or the text R parsed from its console. */
export interface KernelSrcref {
    line1?: number;
    col1?: number;
    line2?: number;
    col2?: number;
    /** An absolute path (source() of a file). */
    file?: string;
    /** The text R parsed (its console's copy of one top-level expression), and the first line of the srcref in it. */
    text?: string;
    code?: string;
}
export interface BrowserInfo {
    level: number;
    depth?: number;
    call?: string;
    frames?: (KernelSrcref & { index: number; call: string; name: string })[];
    /** The position at the top level (depth 0). */
    top?: KernelSrcref;
    breakpointId?: number;
    auto?: string;
    /** R paused before the top-level expression on this line of the execution (a breakpoint, or a step). */
    execLine?: number;
    pause?: boolean;
    problem?: string;
}

export type ToKernelKind = ToKernel['kind'];
export type FromKernelKind = FromKernel['kind'];

/** The declared kinds, each way (the `satisfies` clauses keep them equal to the unions). */
export const TO_KERNEL_KINDS = ['config', 'exec', 'request', 'reply', 'cancel', 'shutdown'] as const satisfies readonly ToKernelKind[];
export const FROM_KERNEL_KINDS = [
    'hello',
    'ready',
    'symbols',
    'cond',
    'input',
    'done',
    'response',
    'failed',
    'log',
    'bye',
    'plot',
    'plots',
    'view',
    'help',
    'job',
    'browser',
    'breakpoints',
] as const satisfies readonly FromKernelKind[];
// Compile-time check of the other direction: every kind of the unions is listed.
type Missing<U, L extends readonly string[]> = Exclude<U, L[number]>;
const allToListed: Missing<ToKernelKind, typeof TO_KERNEL_KINDS> extends never ? true : never = true;
const allFromListed: Missing<FromKernelKind, typeof FROM_KERNEL_KINDS> extends never ? true : never = true;
void allToListed;
void allFromListed;

/** A frame as read off the wire, before decoding. */
export interface RawFrame {
    kind: string;
    id: string;
    fields: string[];
    body: Buffer;
}

export function encode(message: ToKernel): Buffer {
    switch (message.kind) {
        case 'config':
            // Plain fields, no JSON: the kernel reads this before anything
            // else, and loading jsonlite for it would cost every start-up.
            // Paths in hex: a path may hold spaces, which separate fields.
            return encodeFrame(
                'config',
                0,
                [message.config.marker, message.config.profile, hexField(message.config.compiledCache), hexField(message.config.grants)],
                message.config.userProfile,
            );
        case 'exec':
            return encodeFrame('exec', message.id, message.breaks ? [message.flags, message.breaks] : [message.flags], message.code);
        case 'request':
            return encodeFrame('request', message.id, [message.method], JSON.stringify(message.params ?? {}));
        case 'reply':
            return encodeFrame('reply', message.id, message.eof ? ['eof'] : [], message.text);
        case 'cancel':
            return encodeFrame('cancel', message.id, []);
        case 'shutdown':
            return encodeFrame('shutdown', 0, []);
    }
}

export class FrameError extends Error {}

const STATUSES: ReadonlySet<string> = new Set<ExecutionStatus>(['ok', 'error', 'parseError', 'incomplete', 'cancelled', 'interrupted']);
const EMPTY_SYMBOLS: SymbolsChangedParams = { added: [], changed: [], removed: [] };

/**
 * A frame from the kernel as a typed message. A kind this server does not
 * know throws FrameError; a body that does not parse is read leniently (an
 * empty symbol list, an empty message), so that one bad value never leaves
 * an execution unanswered.
 */
export function decode(frame: RawFrame): FromKernel {
    const id = Number(frame.id);
    switch (frame.kind) {
        case 'hello': {
            const hello = parseJson(frame.body) as Hello | undefined;
            if (!hello || typeof hello !== 'object') throw new FrameError('malformed hello');
            return { kind: 'hello', hello };
        }
        case 'ready':
            return { kind: 'ready', symbols: symbolsOf(parseJson(frame.body)) };
        case 'symbols': {
            const value = parseJson(frame.body) as { unchecked?: unknown } | undefined;
            return { kind: 'symbols', id, symbols: symbolsOf(value), unchecked: typeof value?.unchecked === 'number' ? value.unchecked : 0 };
        }
        case 'cond': {
            const detail = conditionOf(frame.body);
            return {
                kind: 'cond',
                id,
                condition: frame.fields[0] === 'error' ? 'error' : 'warning',
                line: Number(frame.fields[1]) || 0,
                message: detail.message,
                call: detail.call,
            };
        }
        case 'input':
            return { kind: 'input', id, prompt: frame.body.toString('utf8') };
        case 'done': {
            const status = STATUSES.has(frame.fields[0]) ? (frame.fields[0] as ExecutionStatus) : 'error';
            const done: FromKernel = { kind: 'done', id, status, line: Number(frame.fields[1]) || 0 };
            if (frame.body.length) {
                const detail = conditionOf(frame.body);
                done.message = detail.message;
                done.call = detail.call;
            }
            return done;
        }
        case 'response':
            return { kind: 'response', id, result: parseJson(frame.body) ?? null };
        case 'failed':
            return { kind: 'failed', id, message: conditionOf(frame.body).message || 'the kernel failed' };
        case 'log':
            return { kind: 'log', text: frame.body.toString('utf8') };
        case 'bye':
            return { kind: 'bye', cause: 'quit', reason: frame.body.toString('utf8') };
        case 'plot':
            return {
                kind: 'plot',
                id,
                plotId: Number(frame.fields[0]) || 0,
                change: frame.fields[1] === 'update' ? 'update' : 'new',
                line: Number(frame.fields[2]) || 0,
                width: Number(frame.fields[3]) || 0,
                height: Number(frame.fields[4]) || 0,
                pixelRatio: Number(frame.fields[5]) || 1,
                png: frame.body,
            };
        case 'help':
            return { kind: 'help', id, page: parseJson(frame.body) ?? {} };
        case 'job':
            return { kind: 'job', id, info: parseJson(frame.body) ?? {} };
        case 'browser': {
            const info = parseJson(frame.body) as BrowserInfo | undefined;
            return { kind: 'browser', id, info: info && typeof info === 'object' ? info : { level: 1, problem: 'malformed browser frame' } };
        }
        case 'breakpoints': {
            const body = parseJson(frame.body) as { verified?: unknown } | undefined;
            const verified = Array.isArray(body?.verified) ? body.verified.filter((v): v is number => typeof v === 'number') : [];
            return { kind: 'breakpoints', id, verified };
        }
        case 'view':
            return { kind: 'view', id, viewId: Number(frame.fields[0]) || 0, info: parseJson(frame.body) ?? {} };
        case 'plots':
            return {
                kind: 'plots',
                id,
                reason: frame.fields[0] === 'device' ? 'device' : 'capped',
                plotIds: (frame.fields[1] ?? '').split(',').filter(Boolean).map(Number),
                message: frame.body.toString('utf8'),
            };
        default:
            throw new FrameError(`unknown frame kind '${frame.kind.slice(0, 40)}'`);
    }
}

/**
 * The changes in a kernel report (a `symbols` frame, the `ready` frame, a
 * `variables/refresh` or `variables/describe` result). Variables the kernel
 * had no time to describe come by name only (`addedPending`,
 * `changedPending`); they are listed as `pending` variables.
 */
export function symbolsOf(parsed: unknown): SymbolsChangedParams {
    const value = parsed as (Partial<SymbolsChangedParams> & { addedPending?: unknown; changedPending?: unknown }) | undefined;
    if (!value || typeof value !== 'object') return EMPTY_SYMBOLS;
    return {
        added: withPending(value.added ?? [], value.addedPending),
        changed: withPending(value.changed ?? [], value.changedPending),
        removed: value.removed ?? [],
    };
}

/** A path as a field of a frame: its UTF-8 bytes in hex, "-" for none. */
function hexField(text: string): string {
    return text ? Buffer.from(text, 'utf8').toString('hex') : '-';
}

function withPending(described: Variable[], names: unknown): Variable[] {
    if (!Array.isArray(names)) return described;
    for (const name of names) {
        if (typeof name !== 'string') continue;
        described.push({ name, path: [name], type: '', class: [], length: null, summary: '', hasChildren: false, pending: true });
    }
    return described;
}

function conditionOf(body: Buffer): { message: string; call: string | null } {
    const value = parseJson(body) as { message?: unknown; call?: unknown } | undefined;
    return {
        message: typeof value?.message === 'string' ? value.message : '',
        call: typeof value?.call === 'string' ? value.call : null,
    };
}

function parseJson(body: Buffer): unknown {
    try {
        return JSON.parse(body.toString('utf8'));
    } catch {
        return undefined;
    }
}

export function encodeFrame(kind: string, id: string | number, fields: readonly (string | number)[], body: Buffer | string = ''): Buffer {
    const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const head = Buffer.from([kind, String(id), ...fields.map(String)].join(' ') + '\n', 'latin1');
    const restLength = head.length + bodyBytes.length;
    const header = Buffer.from(String(restLength).padStart(11, '0') + '\n', 'latin1');
    return Buffer.concat([header, head, bodyBytes], HEADER_BYTES + restLength);
}

/**
 * Incremental frame decoder: feed it chunks as they arrive, get whole frames
 * back. A malformed header is a protocol violation (the kernel is not ours or
 * is broken) and throws.
 */
export class FrameDecoder {
    private chunks: Buffer[] = [];
    private buffered = 0;
    private expected = -1;

    push(chunk: Buffer): RawFrame[] {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        const frames: RawFrame[] = [];
        for (;;) {
            if (this.expected < 0) {
                if (this.buffered < HEADER_BYTES) break;
                const header = this.take(HEADER_BYTES).toString('latin1');
                if (!/^\d{11}\n$/.test(header)) throw new FrameError(`malformed frame header ${JSON.stringify(header)}`);
                this.expected = Number(header.slice(0, 11));
                if (this.expected > MAX_FRAME_BYTES) throw new FrameError(`frame of ${this.expected} bytes is too large`);
            }
            if (this.buffered < this.expected) break;
            const rest = this.take(this.expected);
            this.expected = -1;
            const newline = rest.indexOf(10);
            if (newline < 0) throw new FrameError('frame without a field line');
            const parts = rest.subarray(0, newline).toString('latin1').split(' ');
            frames.push({ kind: parts[0], id: parts[1] ?? '0', fields: parts.slice(2), body: rest.subarray(newline + 1) });
        }
        return frames;
    }

    private take(n: number): Buffer {
        const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
        const out = all.subarray(0, n);
        const rest = all.subarray(n);
        this.chunks = rest.length ? [rest] : [];
        this.buffered = rest.length;
        return out;
    }
}
