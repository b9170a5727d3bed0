/**
 * A lean client for dist/server.js, written for measuring rather than for
 * convenience.
 *
 * The benchmark counts from the moment a request is written until its answer
 * has been parsed, so everything the client does on that path is part of the
 * number. vscode-jsonrpc's connection adds a setImmediate hop and promise
 * layers per message on the client side, which would inflate the server's
 * figures; this client parses the LSP base protocol directly in the 'data'
 * handler and stamps each message with the time its bytes arrived.
 */
import { isAlive } from '../server/src/kernel/platform';
import { ChildProcess, spawn } from 'child_process';
import { performance } from 'perf_hooks';
import type { ExecuteParams, ExecuteResult, KernelStatusParams, OutputParams } from '../common/protocol';
import { track, trackPid } from './procs';

export interface Reply<T = unknown> {
    result?: T;
    error?: { code: number; message: string };
    /** performance.now() when the bytes carrying the answer were read. */
    at: number;
    /** Position of the answer among all messages the server sent (for ordering checks). */
    seq: number;
}

/** What the client remembers about the output of one execution. */
export interface OutputRecord {
    bytes: number;
    stderrBytes: number;
    /** Arrival time of the first r/output notification. */
    firstAt: number;
    /** Position of the first r/output notification among all messages the server sent. */
    firstSeq: number;
    /** Arrival time of the last r/output notification. */
    lastAt: number;
    /** The text itself, kept only while it is short (for correctness checks). */
    text: string;
}

const KEEP_TEXT_CHARS = 4096;
const EMPTY = Buffer.alloc(0);

interface JsonMessage {
    id?: number | string | null;
    method?: string;
    params?: unknown;
    result?: unknown;
    error?: { code: number; message: string };
}

export class LspClient {
    readonly child: ChildProcess;
    /** performance.now() just before spawn(). */
    readonly spawnedAt: number;
    readonly outputs = new Map<string, OutputRecord>();
    readonly statuses: (KernelStatusParams & { at: number })[] = [];
    readonly kernelPids = new Set<number>();
    /** Arrival time of the first r/kernelStatus 'idle'. */
    firstIdleAt: number | undefined;
    /** Output that no execution claimed (executionId null). */
    strayOutputBytes = 0;
    exitCode: number | null | undefined;
    exitSignal: string | null | undefined;
    stderrTail = '';

    private nextId = 1;
    private received = 0;
    private readonly pending = new Map<number, (reply: Reply) => void>();
    private buffer: Buffer = EMPTY;
    private bodyLength = -1;
    private readonly exitWaiters: (() => void)[] = [];
    private readonly statusWaiters: (() => void)[] = [];

    constructor(serverPath: string, cwd: string) {
        this.spawnedAt = performance.now();
        // BENCH_SERVER_NODE_ARGS passes extra flags to the server's node (for
        // example --cpu-prof), to find out where the server spends its time.
        const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
        this.child = spawn(process.execPath, [...nodeArgs, serverPath, '--stdio'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
        track(this.child, 'server');
        this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
        this.child.stderr!.on('data', (chunk: Buffer) => {
            this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
        });
        // A server that dies mid-write must not crash the benchmark with EPIPE.
        this.child.stdin!.on('error', () => undefined);
        this.child.on('exit', (code, signal) => {
            this.exitCode = code;
            this.exitSignal = signal;
            for (const waiter of this.exitWaiters.splice(0)) waiter();
            for (const resolve of this.pending.values()) {
                resolve({ error: { code: -1, message: `server exited (${code ?? signal})` }, at: performance.now(), seq: ++this.received });
            }
            this.pending.clear();
        });
    }

    get pid(): number {
        return this.child.pid!;
    }

    get alive(): boolean {
        return this.exitCode === undefined;
    }

    /** Spawns a server, initializes it and waits for the kernel to be idle. */
    static async start(serverPath: string, cwd: string, timeoutMs = 30000): Promise<LspClient> {
        const client = new LspClient(serverPath, cwd);
        await client.initialize(timeoutMs);
        await client.waitForIdle(timeoutMs);
        return client;
    }

    /** The initialize/initialized handshake; resolves with the arrival time of the initialize answer. */
    async initialize(timeoutMs = 30000): Promise<number> {
        const reply = await withTimeout(
            this.request('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: {} }),
            timeoutMs,
            'initialize',
        );
        if (reply.error) throw new Error(`initialize failed: ${reply.error.message}`);
        this.notify('initialized', {});
        return reply.at;
    }

    waitForIdle(timeoutMs: number): Promise<void> {
        return withTimeout(
            new Promise<void>((resolve, reject) => {
                const check = () => {
                    if (this.firstIdleAt !== undefined) resolve();
                    else if (!this.alive) reject(new Error(`server exited before the kernel was idle: ${this.stderrTail}`));
                    else {
                        const dead = this.statuses.find((s) => s.state === 'dead');
                        if (dead) reject(new Error(`kernel died while starting: ${dead.reason ?? ''}`));
                        else this.statusWaiters.push(check);
                    }
                };
                this.exitWaiters.push(check);
                check();
            }),
            timeoutMs,
            'kernel idle',
        );
    }

    /** Encodes one JSON-RPC message in the LSP base protocol. */
    static frame(message: object): Buffer {
        const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
        return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
    }

    /** Registers an answer slot and returns the framed request, for callers that batch writes. */
    prepare<T>(method: string, params: unknown): { bytes: Buffer; reply: Promise<Reply<T>> } {
        const id = this.nextId++;
        const reply = new Promise<Reply<T>>((resolve) => this.pending.set(id, resolve as (r: Reply) => void));
        return { bytes: LspClient.frame({ id, method, params }), reply };
    }

    request<T>(method: string, params: unknown): Promise<Reply<T>> {
        const { bytes, reply } = this.prepare<T>(method, params);
        this.write(bytes);
        return reply;
    }

    execute(params: ExecuteParams): Promise<Reply<ExecuteResult>> {
        return this.request<ExecuteResult>('r/execute', params);
    }

    notify(method: string, params: unknown): void {
        this.write(LspClient.frame({ method, params }));
    }

    write(bytes: Buffer): void {
        if (this.alive) this.child.stdin!.write(bytes);
    }

    /**
     * Shuts the server down the way an editor does (shutdown, exit), then
     * makes sure the server and every kernel it started are gone. Returns the
     * pids that were still alive and had to be killed, so the report can name
     * a server that leaves processes behind.
     */
    async stop(): Promise<number[]> {
        const leftovers: number[] = [];
        if (this.alive) {
            await withTimeout(this.request('shutdown', null), 5000, 'shutdown').catch(() => undefined);
            this.notify('exit', null);
            this.child.stdin!.end();
            const exited = await withTimeout(
                new Promise<void>((resolve) => (this.alive ? this.exitWaiters.push(resolve) : resolve())),
                5000,
                'server exit',
            ).then(
                () => true,
                () => false,
            );
            if (!exited) {
                leftovers.push(this.pid);
                this.child.kill('SIGKILL');
            }
        }
        // The server stops R on shutdown; give it a moment, then check.
        const deadline = performance.now() + 3000;
        for (const pid of this.kernelPids) {
            while (isAlive(pid) && performance.now() < deadline) await sleep(20);
            if (isAlive(pid)) {
                leftovers.push(pid);
                try {
                    process.kill(pid, 'SIGKILL');
                } catch {
                    // Gone in the meantime.
                }
            }
        }
        return leftovers;
    }

    /** Drops the per-execution output records (between phases, to keep memory flat). */
    clearOutputs(): void {
        this.outputs.clear();
        this.strayOutputBytes = 0;
    }

    private onData(chunk: Buffer): void {
        const at = performance.now();
        const buf = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
        let pos = 0;
        for (;;) {
            if (this.bodyLength < 0) {
                const end = buf.indexOf('\r\n\r\n', pos, 'latin1');
                if (end < 0) break;
                const header = buf.toString('latin1', pos, end);
                const match = /Content-Length:\s*(\d+)/i.exec(header);
                if (!match) throw new Error(`bad message header from the server: ${JSON.stringify(header)}`);
                this.bodyLength = Number(match[1]);
                pos = end + 4;
            }
            if (buf.length - pos < this.bodyLength) break;
            const body = buf.toString('utf8', pos, pos + this.bodyLength);
            pos += this.bodyLength;
            this.bodyLength = -1;
            this.dispatch(JSON.parse(body) as JsonMessage, at);
        }
        this.buffer = pos >= buf.length ? EMPTY : buf.subarray(pos);
    }

    private dispatch(message: JsonMessage, at: number): void {
        const seq = ++this.received;
        if (message.method === undefined) {
            const resolve = this.pending.get(message.id as number);
            if (resolve) {
                this.pending.delete(message.id as number);
                resolve({ result: message.result, error: message.error, at, seq });
            }
            return;
        }
        if (message.id !== undefined && message.id !== null) {
            // A request from the server (r/input is the only one it sends);
            // nothing in the benchmark reads input, so answer with end of input.
            this.write(LspClient.frame({ id: message.id, result: { text: '', eof: true } }));
            return;
        }
        switch (message.method) {
            case 'r/output': {
                const p = message.params as OutputParams;
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
                return;
            }
            case 'r/kernelStatus': {
                const p = message.params as KernelStatusParams;
                this.statuses.push({ ...p, at });
                if (p.pid) {
                    this.kernelPids.add(p.pid);
                    trackPid(p.pid);
                }
                if (p.state === 'idle' && this.firstIdleAt === undefined) this.firstIdleAt = at;
                for (const waiter of this.statusWaiters.splice(0)) waiter();
                return;
            }
            default:
            // r/executionState, r/symbolsChanged, r/condition and
            // window/logMessage are not needed by any measurement.
        }
    }
}

export { isAlive };

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every wait in the benchmark is bounded: a hung server fails one section, not the run. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
