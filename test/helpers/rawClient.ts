/**
 * A client for dist/server.js that speaks the LSP base protocol itself
 * instead of through vscode-jsonrpc, for tests that must see the raw wire:
 *
 * - every response is counted per request id, so "exactly one answer per
 *   request" is checked on the bytes the server wrote (a JSON-RPC library
 *   would drop a second answer or one for an unknown id silently);
 * - malformed bytes can be written to the server's stdin;
 * - notifications are counted, and kept only when asked for, so that a run
 *   of 100,000 executions does not keep millions of objects alive.
 *
 * It also registers every server it starts and every R process the server
 * reports, so that a test run that ends early (a deadline) can stop them by
 * their own pids.
 */
import { ChildProcess, spawn } from 'child_process';
import type { ExecuteParams, ExecuteResult, InitializationOptions, KernelStatusParams } from '../../common/protocol';
import { SERVER } from './serverClient';
import { killIfRunning } from './procs';

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

/** A response, with the time its bytes arrived. */
export interface Reply<T = unknown> {
    id: Id | null;
    result?: T;
    error?: JsonRpcError;
    at: number;
}

/** Servers and R processes started by tests in this process, for cleanup by pid. */
const startedPids = new Set<number>();

/** Kills every server and R process a test started that is still running. Returns how many there were. */
export function killEverythingStarted(): number {
    let n = 0;
    for (const pid of startedPids) if (killIfRunning(pid)) n++;
    startedPids.clear();
    return n;
}

process.on('exit', () => {
    // A test run that ends (or is stopped by a deadline) leaves nothing behind.
    killEverythingStarted();
});

export interface RawStartOptions {
    init?: InitializationOptions;
    env?: Record<string, string>;
    cwd?: string;
    /** Notification methods whose messages are kept in `notifications` (all are counted). */
    keep?: string[];
    /** Do not wait for the kernel to become idle. */
    noWait?: boolean;
    /** How long the kernel may take to become idle. */
    startMs?: number;
    /** Another build of the server to run (default: RBRIDGE_TEST_SERVER, else dist/server.js). */
    server?: string;
}

const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from('\r\n\r\n');

export class RawClient {
    readonly child: ChildProcess;
    readonly pid: number;
    /** Responses per request id (key: JSON of the id). */
    readonly answers = new Map<string, Reply[]>();
    /** Requests sent, by JSON of the id. */
    readonly sent = new Map<string, { method: string; at: number }>();
    /** Responses whose id was never sent (or null). */
    readonly strayResponses: Message[] = [];
    /** Every r/kernelStatus. */
    readonly statuses: (KernelStatusParams & { at: number })[] = [];
    /** window/logMessage texts. */
    readonly logs: string[] = [];
    /** Notifications of the methods named in `keep`. */
    readonly notifications: (Message & { at: number })[] = [];
    /** How many notifications of each method arrived. */
    readonly counts = new Map<string, number>();
    /** Every R pid the server reported. */
    readonly kernelPids = new Set<number>();
    /** Handlers called for every notification of a method (before waiters wake). */
    readonly listeners = new Map<string, ((params: unknown) => void)[]>();
    /** How server → client requests (r/input) are answered. */
    onServerRequest: (message: Message) => { result?: unknown; error?: JsonRpcError } = () => ({ result: { text: '' } });
    exitCode: number | null | undefined;
    exitSignal: string | null | undefined;
    stderr = '';
    /** Bytes that did not parse as the LSP base protocol (there should be none). */
    garbage = 0;
    /** With `trace`, the last messages in both directions (for failure reports). */
    readonly trace: string[] = [];
    traceLimit = 0;

    private nextId = 1;
    private readonly keep: Set<string>;
    private readonly pending = new Map<string, (reply: Reply) => void>();
    private buffer: Buffer = EMPTY;
    private bodyLength = -1;
    private waiters: (() => void)[] = [];

    constructor(options: RawStartOptions = {}) {
        this.keep = new Set(options.keep ?? []);
        this.child = spawn(process.execPath, [options.server ?? (process.env.RBRIDGE_TEST_SERVER || SERVER), '--stdio'], {
            cwd: options.cwd,
            stdio: ['pipe', 'pipe', 'pipe'],
            env: { ...process.env, ...options.env },
        });
        this.pid = this.child.pid!;
        startedPids.add(this.pid);
        this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
        this.child.stderr!.on('data', (d: Buffer) => {
            this.stderr = (this.stderr + d.toString('utf8')).slice(-20000);
        });
        // Writes after the server has gone fail with EPIPE; the tests look at
        // the exit instead.
        this.child.stdin!.on('error', () => undefined);
        this.child.on('exit', (code, signal) => {
            this.exitCode = code;
            this.exitSignal = signal;
            startedPids.delete(this.pid);
            this.wake();
        });
    }

    /** Starts a server, initializes it and (unless noWait) waits for an idle kernel. */
    static async start(options: RawStartOptions = {}): Promise<RawClient> {
        const client = new RawClient(options);
        await client.initialize(options.init ?? {});
        if (!options.noWait) {
            await client.waitFor(() => ['idle', 'dead'].includes(client.lastStatus()?.state ?? ''), options.startMs ?? 30000, 'kernel idle');
            if (client.lastStatus()?.state === 'dead') throw new Error(`the kernel did not start: ${client.lastStatus()?.reason}`);
        }
        return client;
    }

    async initialize(init: InitializationOptions): Promise<void> {
        const reply = await this.request('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: init });
        if (reply.error) throw new Error(`initialize failed: ${reply.error.message}`);
        this.notify('initialized', {});
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

    /** Sends a request; resolves with its first response. */
    request<T = unknown>(method: string, params?: unknown, id: Id = this.newId()): Promise<Reply<T>> {
        const key = JSON.stringify(id);
        const promise = new Promise<Reply<T>>((resolve) => this.pending.set(key, resolve as (reply: Reply) => void));
        this.sent.set(key, { method, at: performance.now() });
        this.write({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
        return promise;
    }

    /** Registers a request id as sent without writing anything (for requests written as raw bytes). */
    expectAnswer<T = unknown>(id: Id, method: string): Promise<Reply<T>> {
        const key = JSON.stringify(id);
        this.sent.set(key, { method, at: performance.now() });
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
        const reply = await this.request<ExecuteResult>('r/execute', typeof code === 'string' ? { code } : code, id);
        if (reply.error) throw new Error(`r/execute answered with error ${reply.error.code}: ${reply.error.message}`);
        return reply.result!;
    }

    write(message: Message): void {
        if (this.traceLimit) this.remember(`→ ${JSON.stringify(message).slice(0, 160)}`);
        const body = Buffer.from(JSON.stringify(message), 'utf8');
        this.writeRaw(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
    }

    writeRaw(bytes: Buffer | string): boolean {
        if (this.exitCode !== undefined || this.child.stdin!.destroyed) return false;
        return this.child.stdin!.write(bytes);
    }

    /** Resolves when the server's stdin has taken everything written so far. */
    drained(): Promise<void> {
        const stdin = this.child.stdin!;
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

    /** How many responses arrived for `id`. */
    answerCount(id: Id): number {
        return this.answers.get(JSON.stringify(id))?.length ?? 0;
    }

    /** Ids answered more than once, and sent ids never answered. */
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

    count(method: string): number {
        return this.counts.get(method) ?? 0;
    }

    wake(): void {
        for (const w of this.waiters.splice(0)) w();
    }

    /** The last kernel states and log lines, for failure messages. */
    recent(): string {
        const states = this.statuses.slice(-6).map((s) => `${s.state}${s.pid ? ` pid ${s.pid}` : ''}${s.reason ? ` (${s.reason})` : ''}`);
        return `last kernel states: ${states.join(' → ') || 'none'}; last logs: ${JSON.stringify(this.logs.slice(-4))}; server ${this.exitCode === undefined ? 'running' : `exited with ${this.exitCode ?? this.exitSignal}`}`;
    }

    /** Waits until `condition` holds, re-checking on every message; fails after `ms` with `what` and the recent states. */
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

    /** Resolves with `promise`, or rejects after `ms` naming `what`. */
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

    /** shutdown + exit, then waits for the server to exit (killing it after a grace period). */
    async stop(ms = 8000): Promise<void> {
        if (this.exitCode !== undefined) return;
        try {
            await this.within(this.request('shutdown'), ms, 'shutdown');
            this.notify('exit');
            await this.waitExit(ms);
        } catch {
            killIfRunning(this.pid);
            await this.waitExit(2000).catch(() => undefined);
        }
    }

    private onData(chunk: Buffer): void {
        this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
        for (;;) {
            if (this.bodyLength < 0) {
                const end = this.buffer.indexOf(HEADER_END);
                if (end < 0) break;
                const header = this.buffer.subarray(0, end).toString('ascii');
                const m = /Content-Length: (\d+)/i.exec(header);
                if (!m) {
                    // The server wrote something that is not a message header.
                    this.garbage += end + 4;
                    this.buffer = this.buffer.subarray(end + 4);
                    continue;
                }
                this.bodyLength = Number(m[1]);
                this.buffer = this.buffer.subarray(end + 4);
            }
            if (this.buffer.length < this.bodyLength) break;
            const body = this.buffer.subarray(0, this.bodyLength);
            this.buffer = this.buffer.subarray(this.bodyLength);
            this.bodyLength = -1;
            let message: Message;
            try {
                message = JSON.parse(body.toString('utf8')) as Message;
            } catch {
                this.garbage += body.length;
                continue;
            }
            this.dispatch(message);
        }
        if (!this.buffer.length) this.buffer = EMPTY;
        this.wake();
    }

    private remember(line: string): void {
        this.trace.push(`${performance.now().toFixed(1)} ${line}`);
        if (this.trace.length > this.traceLimit) this.trace.splice(0, this.trace.length - this.traceLimit);
    }

    private dispatch(message: Message): void {
        const at = performance.now();
        if (this.traceLimit) this.remember(`← ${JSON.stringify(message).slice(0, 160)}`);
        if (message.method === undefined) {
            const key = JSON.stringify(message.id);
            if (message.id === null || message.id === undefined || !this.sent.has(key)) {
                this.strayResponses.push(message);
                return;
            }
            const reply: Reply = { id: message.id, result: message.result, error: message.error, at };
            const list = this.answers.get(key);
            if (list) list.push(reply);
            else this.answers.set(key, [reply]);
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
                startedPids.add(status.pid);
            }
        } else if (method === 'window/logMessage') {
            this.logs.push((message.params as { message: string }).message);
        }
        if (this.keep.has(method)) this.notifications.push({ ...message, at });
        for (const listener of this.listeners.get(method) ?? []) listener(message.params);
    }
}
