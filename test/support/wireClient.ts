/**
 * A client for dist/server.js that speaks the LSP base protocol itself
 * instead of through vscode-jsonrpc. Tests that must see the raw wire and
 * the benchmarks both use it:
 *
 * - every response is counted per request id, so that "exactly one answer
 *   per request" is checked on the bytes the server wrote (a JSON-RPC
 *   library would drop a second answer or one for an unknown id silently);
 *   `account: false` keeps only what is needed to resolve the requests;
 * - malformed bytes can be written to the server's stdin (writeRaw), and
 *   many requests can be framed first and written at once (prepare);
 * - every message is stamped with performance.now() when its bytes arrived
 *   and with its position among all messages (`at`, `seq`), with no
 *   vscode-jsonrpc layers (a setImmediate hop and promises per message) on
 *   the path, so that a benchmark times the server and not the client;
 * - notifications are counted, and kept only when asked for (`keep`), so
 *   that a run of 100,000 executions does not keep millions of objects
 *   alive; with `recordOutputs` the output of each execution is summed up
 *   (bytes, first and last arrival, the first few KB of text).
 *
 * Every server it starts and every R process the server reports is
 * registered (procs.ts), so that a run that ends early (a deadline, Ctrl+C)
 * stops them by their own pids.
 *
 * test/support/serverClient.ts is the other test client: vscode-jsonrpc's
 * connection, as an editor would use it.
 */
import { ChildProcess, spawn } from 'child_process';
import type { Socket } from 'net';
import { performance } from 'perf_hooks';
import type { ExecuteParams, ExecuteResult, InitializationOptions, KernelStatusParams, OutputParams } from '../../common/protocol';
import { SERVER } from './paths';
import { isRunning, killIfRunning, track, trackPid } from './procs';
import { sleep } from './time';

export type Id = number | string;

export interface JsonRpcError {
    code: number;
    message: string;
    data?: unknown;
}

export interface Message {
    jsonrpc?: string;
    id?: Id | null;
    method?: string;
    params?: unknown;
    result?: unknown;
    error?: JsonRpcError;
}

/** A response. */
export interface Reply<T = unknown> {
    id: Id | null;
    result?: T;
    error?: JsonRpcError;
    /** performance.now() when the bytes carrying it were read. */
    at: number;
    /** Its position among all messages the server sent (for ordering checks). */
    seq: number;
}

/** What the client remembers about the output of one execution (with `recordOutputs`). */
export interface OutputRecord {
    /** stdout bytes (UTF-8). */
    bytes: number;
    stderrBytes: number;
    /** Arrival time of the first r/output notification. */
    firstAt: number;
    /** Position of the first r/output notification among all messages the server sent. */
    firstSeq: number;
    /** Arrival time of the last r/output notification. */
    lastAt: number;
    /** The text of both streams, kept only while it is short (for correctness checks). */
    text: string;
}

export type ServerRequestHandler = (message: Message) => { result?: unknown; error?: JsonRpcError };

export interface WireClientOptions {
    init?: InitializationOptions;
    env?: Record<string, string>;
    cwd?: string;
    /** Notification methods whose messages are kept in `notifications` (all are counted). */
    keep?: string[];
    /** Sum up each execution's output in `outputs` (see OutputRecord). */
    recordOutputs?: boolean;
    /** Keep every answer per request id and every id sent, for accounting() (default true). */
    account?: boolean;
    /** start(): do not wait for the kernel to become idle. */
    noWait?: boolean;
    /** start(): how long the kernel may take to become idle (default 30 s). */
    startMs?: number;
    /** Another build of the server to run (default: RBRIDGE_TEST_SERVER, else dist/server.js). */
    server?: string;
    /** Extra flags for the server's node (for example --cpu-prof). */
    nodeArgs?: string[];
    /** Extra arguments for the server, after --stdio (for example --launch). */
    serverArgs?: string[];
    /** How server → client requests (r/input) are answered (default: an empty line). */
    onServerRequest?: ServerRequestHandler;
    /**
     * Speak on this socket (a detached session, after its handshake) instead
     * of starting a server; `pid` is the session's server. The client's
     * "exit" is then the socket closing.
     */
    socket?: { socket: Socket; pid: number };
}

/** Output text kept per execution with `recordOutputs`. */
const KEEP_TEXT_CHARS = 4096;
const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from('\r\n\r\n');

export class WireClient {
    /** The server this client started (undefined when it attached to a session's socket). */
    readonly child: ChildProcess | undefined;
    readonly pid: number;
    /** performance.now() just before spawn(). */
    readonly spawnedAt: number;
    /** Responses per request id (key: JSON of the id); with `account`. */
    readonly answers = new Map<string, Reply[]>();
    /** Requests sent, by JSON of the id; with `account`. */
    readonly sent = new Map<string, { method: string; at: number }>();
    /** Responses whose id was never sent (or null). */
    readonly strayResponses: Message[] = [];
    /** Every r/kernelStatus, with its arrival time. */
    readonly statuses: (KernelStatusParams & { at: number })[] = [];
    /** Arrival time of the first r/kernelStatus 'idle'. */
    firstIdleAt: number | undefined;
    /** window/logMessage texts. */
    readonly logs: string[] = [];
    /** Notifications of the methods named in `keep`. */
    readonly notifications: (Message & { at: number; seq: number })[] = [];
    /** How many notifications of each method arrived. */
    readonly counts = new Map<string, number>();
    /** With `recordOutputs`: the output of each execution, by execution id. */
    readonly outputs = new Map<string, OutputRecord>();
    /** With `recordOutputs`: output bytes that no execution claimed (executionId null). */
    strayOutputBytes = 0;
    /** Every R pid the server reported. */
    readonly kernelPids = new Set<number>();
    /** Handlers called for every notification of a method (before waiters wake). */
    readonly listeners = new Map<string, ((params: unknown) => void)[]>();
    /** How server → client requests (r/input) are answered. */
    onServerRequest: ServerRequestHandler;
    exitCode: number | null | undefined;
    exitSignal: string | null | undefined;
    /** The last 20,000 characters the server wrote to stderr. */
    stderr = '';
    /** Bytes that did not parse as the LSP base protocol (there should be none). */
    garbage = 0;
    /** With `traceLimit`, the last messages in both directions (for failure reports). */
    readonly trace: string[] = [];
    traceLimit = 0;

    /** Where requests are written: the server's stdin, or the session's socket. */
    private readonly input: NodeJS.WritableStream & { destroyed: boolean; writableNeedDrain: boolean };
    private nextId = 1;
    private received = 0;
    private readonly keep: Set<string>;
    private readonly account: boolean;
    private readonly recordOutputs: boolean;
    private readonly pending = new Map<string, (reply: Reply) => void>();
    private buffer: Buffer = EMPTY;
    private bodyLength = -1;
    private waiters: (() => void)[] = [];

    constructor(readonly options: WireClientOptions = {}) {
        this.keep = new Set(options.keep ?? []);
        this.account = options.account ?? true;
        this.recordOutputs = options.recordOutputs ?? false;
        this.onServerRequest = options.onServerRequest ?? (() => ({ result: { text: '' } }));
        this.spawnedAt = performance.now();
        if (options.socket) {
            const { socket, pid } = options.socket;
            this.child = undefined;
            this.pid = pid;
            this.input = socket;
            socket.on('data', (chunk: Buffer) => this.onData(chunk));
            socket.on('error', () => undefined);
            socket.on('close', () => this.ended(0, null));
            socket.resume();
            return;
        }
        const server = options.server ?? (process.env.RBRIDGE_TEST_SERVER || SERVER);
        const child = track(
            spawn(process.execPath, [...(options.nodeArgs ?? []), server, '--stdio', ...(options.serverArgs ?? [])], {
                cwd: options.cwd,
                stdio: ['pipe', 'pipe', 'pipe'],
                env: { ...process.env, ...options.env },
            }),
        );
        this.child = child;
        this.pid = child.pid!;
        this.input = child.stdin!;
        child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
        child.stderr!.on('data', (d: Buffer) => {
            this.stderr = (this.stderr + d.toString('utf8')).slice(-20000);
        });
        // Writes after the server has gone fail with EPIPE; the tests look at
        // the exit instead, and a benchmark must not crash.
        child.stdin!.on('error', () => undefined);
        child.on('exit', (code, signal) => this.ended(code, signal));
    }

    /** The server exited (or the socket closed). */
    private ended(code: number | null, signal: string | null): void {
        if (this.exitCode !== undefined) return;
        this.exitCode = code;
        this.exitSignal = signal;
        // Requests still waiting will never be answered: they resolve
        // with an error (code -1) instead of waiting for their deadline.
        const at = performance.now();
        for (const [key, resolve] of this.pending) {
            resolve({ id: JSON.parse(key) as Id, error: { code: -1, message: `server exited (${code ?? signal})` }, at, seq: ++this.received });
        }
        this.pending.clear();
        this.wake();
    }

    /** Starts a server, initializes it and (unless noWait) waits for an idle kernel. */
    static async start(options: WireClientOptions = {}): Promise<WireClient> {
        const client = new WireClient(options);
        await client.initialize(options.init ?? {}, options.startMs ?? 30000);
        if (!options.noWait) await client.waitForIdle(options.startMs ?? 30000);
        return client;
    }

    get alive(): boolean {
        return this.exitCode === undefined;
    }

    /** The initialize/initialized handshake; resolves with the arrival time of the initialize answer. */
    async initialize(init: InitializationOptions = this.options.init ?? {}, timeoutMs = 30000): Promise<number> {
        const reply = await this.within(
            this.request('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: init }),
            timeoutMs,
            'the answer to initialize',
        );
        if (reply.error) throw new Error(`initialize failed: ${reply.error.message}; stderr: ${this.stderr.slice(-500)}`);
        this.notify('initialized', {});
        return reply.at;
    }

    /** Waits until the kernel is idle; fails when it is reported dead or the server exits first. */
    async waitForIdle(timeoutMs = 30000): Promise<void> {
        await this.waitFor(() => !this.alive || ['idle', 'dead'].includes(this.lastStatus()?.state ?? ''), timeoutMs, 'kernel idle');
        if (!this.alive) throw new Error(`the server exited before the kernel was idle: ${this.stderr.slice(-2000)}`);
        if (this.lastStatus()?.state === 'dead') throw new Error(`the kernel did not start: ${this.lastStatus()?.reason}`);
    }

    lastStatus(): (KernelStatusParams & { at: number }) | undefined {
        return this.statuses[this.statuses.length - 1];
    }

    /** The pid of the current R, as last reported. */
    get kernelPid(): number | undefined {
        return this.lastStatus()?.pid;
    }

    newId(): number {
        return this.nextId++;
    }

    /** Frames a request and registers its answer slot without writing it, for callers that batch writes (writeRaw). */
    prepare<T = unknown>(method: string, params?: unknown, id: Id = this.newId()): { bytes: Buffer; reply: Promise<Reply<T>> } {
        const reply = this.expectAnswer<T>(id, method);
        return { bytes: this.encode({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }), reply };
    }

    /** Sends a request; resolves with its first response. */
    request<T = unknown>(method: string, params?: unknown, id: Id = this.newId()): Promise<Reply<T>> {
        const { bytes, reply } = this.prepare<T>(method, params, id);
        this.writeRaw(bytes);
        return reply;
    }

    /** Registers a request id as sent without writing anything (for requests written as raw bytes). */
    expectAnswer<T = unknown>(id: Id, method: string): Promise<Reply<T>> {
        const key = JSON.stringify(id);
        if (this.account) this.sent.set(key, { method, at: performance.now() });
        return new Promise<Reply<T>>((resolve) => this.pending.set(key, resolve as (reply: Reply) => void));
    }

    notify(method: string, params?: unknown): void {
        this.write({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
    }

    cancel(id: Id): void {
        this.notify('$/cancelRequest', { id });
    }

    /** r/execute; resolves with the result, or throws on an error response. */
    async execute(code: string | ExecuteParams, id?: Id): Promise<ExecuteResult> {
        const reply = await this.executeReply(typeof code === 'string' ? { code } : code, id);
        if (reply.error) throw new Error(`r/execute answered with error ${reply.error.code}: ${reply.error.message}`);
        return reply.result!;
    }

    /** Runs code that must succeed and returns what it printed on stdout (needs keep: ['r/output']). */
    async run(code: string): Promise<string> {
        const result = await this.execute(code);
        if (result.status !== 'ok') throw new Error(`${code}: ${result.status} ${result.error?.message ?? ''}`);
        return this.textOf(result.executionId);
    }

    /** r/execute; resolves with the whole response (its arrival time, an error), for timing it. */
    executeReply(params: ExecuteParams, id?: Id): Promise<Reply<ExecuteResult>> {
        return this.request<ExecuteResult>('r/execute', params, id);
    }

    /** Encodes one JSON-RPC message in the LSP base protocol. */
    static frame(message: Message): Buffer {
        const body = Buffer.from(JSON.stringify(message), 'utf8');
        return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
    }

    write(message: Message): void {
        this.writeRaw(this.encode(message));
    }

    /** Writes bytes as they are; false when the server is gone or its stdin wants draining. */
    writeRaw(bytes: Buffer | string): boolean {
        if (this.exitCode !== undefined || this.input.destroyed) return false;
        return this.input.write(bytes);
    }

    /** Resolves when the server's stdin has taken everything written so far. */
    drained(): Promise<void> {
        const stdin = this.input;
        if (!stdin.writableNeedDrain) return Promise.resolve();
        return new Promise((resolve) => {
            const done = () => {
                stdin.off('drain', done);
                stdin.off('close', done);
                resolve();
            };
            stdin.on('drain', done);
            stdin.on('close', done);
        });
    }

    /** How many responses arrived for `id` (with `account`). */
    answerCount(id: Id): number {
        return this.answers.get(JSON.stringify(id))?.length ?? 0;
    }

    /** Ids answered more than once, and sent ids never answered (with `account`). */
    accounting(): { duplicates: string[]; unanswered: string[]; stray: number } {
        const duplicates = [...this.answers].filter(([, r]) => r.length > 1).map(([k]) => k);
        const unanswered = [...this.sent.keys()].filter((k) => !this.answers.has(k));
        return { duplicates, unanswered, stray: this.strayResponses.length };
    }

    on(method: string, listener: (params: unknown) => void): void {
        const list = this.listeners.get(method) ?? [];
        list.push(listener);
        this.listeners.set(method, list);
    }

    /** The text of an execution's r/output on `stream`, from the kept notifications (needs keep: ['r/output']). */
    textOf(executionId: string, stream: 'stdout' | 'stderr' = 'stdout'): string {
        let text = '';
        for (const n of this.notifications) {
            if (n.method !== 'r/output') continue;
            const o = n.params as OutputParams;
            if (o.executionId === executionId && o.stream === stream) text += o.text;
        }
        return text;
    }

    count(method: string): number {
        return this.counts.get(method) ?? 0;
    }

    /** Drops the per-execution output records (between phases of a benchmark, to keep memory flat). */
    clearOutputs(): void {
        this.outputs.clear();
        this.strayOutputBytes = 0;
    }

    wake(): void {
        for (const w of this.waiters.splice(0)) w();
    }

    /** The last kernel states and log lines, for failure messages. */
    recent(): string {
        const states = this.statuses.slice(-6).map((s) => `${s.state}${s.pid ? ` pid ${s.pid}` : ''}${s.reason ? ` (${s.reason})` : ''}`);
        return `last kernel states: ${states.join(' → ') || 'none'}; last logs: ${JSON.stringify(this.logs.slice(-4))}; server ${this.exitCode === undefined ? 'running' : `exited with ${this.exitCode ?? this.exitSignal}`}`;
    }

    /** Waits until `condition` holds, re-checking on every batch of messages; fails after `ms` with `what` and the recent states. */
    async waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
        const deadline = Date.now() + ms;
        while (!condition()) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}; ${this.recent()}`);
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, Math.min(left, 200));
                this.waiters.push(() => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
    }

    /** Resolves with `promise`, or rejects after `ms` naming `what` and the recent states. */
    within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; ${this.recent()}`)), ms);
            promise.then(
                (v) => {
                    clearTimeout(timer);
                    resolve(v);
                },
                (e) => {
                    clearTimeout(timer);
                    reject(e);
                },
            );
        });
    }

    async waitExit(ms: number): Promise<void> {
        await this.waitFor(() => this.exitCode !== undefined, ms, 'server exit');
    }

    /**
     * Shuts the server down the way an editor does (shutdown, exit), killing
     * it if it has not exited within `ms`; then makes sure every R it
     * reported is gone (it gets 3 s). Returns the pids that were still
     * running and had to be killed, so that a caller can name a server that
     * leaves processes behind.
     */
    async stop(ms = 8000): Promise<number[]> {
        if (!this.child) return this.detach(ms);
        const leftovers: number[] = [];
        if (this.exitCode === undefined) {
            try {
                await this.within(this.request('shutdown'), ms, 'shutdown');
                this.notify('exit');
                await this.waitExit(ms);
            } catch {
                if (killIfRunning(this.pid)) leftovers.push(this.pid);
                await this.waitExit(2000).catch(() => undefined);
            }
        }
        // The server stops R on shutdown; it may take a moment.
        const deadline = performance.now() + 3000;
        for (const pid of this.kernelPids) {
            while (isRunning(pid) && performance.now() < deadline) await sleep(20);
            if (killIfRunning(pid)) leftovers.push(pid);
        }
        return leftovers;
    }

    /**
     * A client of a detached session lets go the way an editor does
     * (shutdown, exit): the session closes the socket and R goes on.
     */
    private async detach(ms: number): Promise<number[]> {
        if (this.exitCode === undefined) {
            await this.within(this.request('shutdown'), ms, 'shutdown');
            this.notify('exit');
            await this.waitExit(ms);
        }
        return [];
    }

    private encode(message: Message): Buffer {
        if (this.traceLimit) this.remember(`→ ${JSON.stringify(message).slice(0, 160)}`);
        return WireClient.frame(message);
    }

    private onData(chunk: Buffer): void {
        const at = performance.now();
        let buf = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
        let pos = 0;
        for (;;) {
            if (this.bodyLength < 0) {
                const end = buf.indexOf(HEADER_END, pos);
                if (end < 0) break;
                const header = buf.toString('ascii', pos, end);
                const m = /Content-Length: *(\d+)/i.exec(header);
                pos = end + 4;
                if (!m) {
                    // The server wrote something that is not a message header.
                    this.garbage += header.length + 4;
                    continue;
                }
                this.bodyLength = Number(m[1]);
            }
            if (buf.length - pos < this.bodyLength) break;
            const body = buf.toString('utf8', pos, pos + this.bodyLength);
            const length = this.bodyLength;
            pos += this.bodyLength;
            this.bodyLength = -1;
            let message: Message;
            try {
                message = JSON.parse(body) as Message;
            } catch {
                this.garbage += length;
                continue;
            }
            this.dispatch(message, at);
        }
        buf = pos >= buf.length ? EMPTY : buf.subarray(pos);
        this.buffer = buf;
        this.wake();
    }

    private remember(line: string): void {
        this.trace.push(`${performance.now().toFixed(1)} ${line}`);
        if (this.trace.length > this.traceLimit) this.trace.splice(0, this.trace.length - this.traceLimit);
    }

    private dispatch(message: Message, at: number): void {
        const seq = ++this.received;
        if (this.traceLimit) this.remember(`← ${JSON.stringify(message).slice(0, 160)}`);
        if (message.method === undefined) {
            const key = JSON.stringify(message.id);
            const known = message.id !== null && message.id !== undefined && (this.account ? this.sent.has(key) : this.pending.has(key));
            if (!known) {
                this.strayResponses.push(message);
                return;
            }
            const reply: Reply = { id: message.id!, result: message.result, error: message.error, at, seq };
            if (this.account) {
                const list = this.answers.get(key);
                if (list) list.push(reply);
                else this.answers.set(key, [reply]);
            }
            const resolve = this.pending.get(key);
            if (resolve) {
                this.pending.delete(key);
                resolve(reply);
            }
            return;
        }
        if (message.id !== undefined && message.id !== null) {
            // A request from the server (r/input).
            const answer = this.onServerRequest(message);
            this.write({ jsonrpc: '2.0', id: message.id, ...answer });
            return;
        }
        const method = message.method;
        this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
        if (method === 'r/kernelStatus') {
            const status = message.params as KernelStatusParams;
            this.statuses.push({ ...status, at });
            if (status.pid) {
                this.kernelPids.add(status.pid);
                trackPid(status.pid);
            }
            if (status.state === 'idle' && this.firstIdleAt === undefined) this.firstIdleAt = at;
        } else if (method === 'window/logMessage') {
            this.logs.push((message.params as { message: string }).message);
        } else if (method === 'r/output' && this.recordOutputs) {
            this.recordOutput(message.params as OutputParams, at, seq);
        }
        if (this.keep.has(method)) this.notifications.push({ ...message, at, seq });
        for (const listener of this.listeners.get(method) ?? []) listener(message.params);
    }

    private recordOutput(p: OutputParams, at: number, seq: number): void {
        const bytes = Buffer.byteLength(p.text, 'utf8');
        if (p.executionId === null) {
            this.strayOutputBytes += bytes;
            return;
        }
        let record = this.outputs.get(p.executionId);
        if (!record) {
            record = { bytes: 0, stderrBytes: 0, firstAt: at, firstSeq: seq, lastAt: at, text: '' };
            this.outputs.set(p.executionId, record);
        }
        if (p.stream === 'stdout') record.bytes += bytes;
        else record.stderrBytes += bytes;
        record.lastAt = at;
        if (record.text.length < KEEP_TEXT_CHARS) record.text += p.text.slice(0, KEEP_TEXT_CHARS);
    }
}

/**
 * Clients for the tests of one suite: `start` starts one (with `defaults`
 * under its options), and every client started is stopped after each test.
 * Call it inside a `describe`.
 */
export function clientsPerTest(defaults: WireClientOptions = {}): (options?: WireClientOptions) => Promise<WireClient> {
    const clients: WireClient[] = [];
    afterEach(async () => {
        for (const c of clients.splice(0)) await c.stop();
    });
    return async (options = {}) => {
        const client = await WireClient.start({ ...defaults, ...options });
        clients.push(client);
        return client;
    };
}
