/**
 * Rserve as a peer: started from Debian's r-cran-rserve the documented way
 * (`R CMD .../Rserve/libs/Rserve --no-save --RS-port <port>`), with a
 * configuration file that keeps it on 127.0.0.1 and in the foreground, and
 * driven by the npm client rserve-client.
 *
 * Rserve forks one child process per connection; the connection's R code
 * runs in that child. Rserve's QAP1 protocol has no command to interrupt an
 * evaluation; a local client can send SIGINT to the connection's child,
 * after which the evaluation answers with error code 127 (Rserve NEWS,
 * 1.7-0) and the connection stays usable. That is what is measured here.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as rserve from 'rserve-client';
import { isListening, listeningAddresses, pidsWithArg, processGroup, track, trackPid } from '../../test/support/procs';
import { sleep, withTimeout } from '../../test/support/time';
import { freePorts } from './common';

export const RSERVE_BINARY = '/usr/lib/R/site-library/Rserve/libs/Rserve';

export class RserveServer {
    readonly child: ChildProcess;
    readonly spawnedAt: number;
    stderrTail = '';
    exited = false;

    private constructor(
        readonly port: number,
        readonly conf: string,
    ) {
        this.spawnedAt = performance.now();
        // detached: its own process group, so that it and the children it
        // forks for connections can be killed together.
        this.child = track(
            spawn('R', ['CMD', RSERVE_BINARY, '--no-save', '--RS-conf', conf, '--RS-port', String(port)], {
                stdio: ['ignore', 'ignore', 'pipe'],
                detached: true,
            }),
        );
        this.child.stderr!.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-3000)));
        this.child.on('exit', () => (this.exited = true));
    }

    /**
     * Writes the configuration and starts Rserve:
     * - `remote disable` (also Rserve's default): it binds its QAP port to
     *   127.0.0.1 and refuses other peers; checked after start.
     * - `daemon disable`: Rserve otherwise forks into the background with
     *   setsid() and its parent exits, which leaves an orphan this machine's
     *   init may not reap; in the foreground it stays the benchmark's child.
     */
    static async spawn(dir: string): Promise<RserveServer> {
        const [port] = await freePorts(1);
        const conf = path.join(dir, `rserve-${port}.conf`);
        fs.writeFileSync(conf, ['remote disable', 'daemon disable', 'shutdown disable', ''].join('\n'));
        return new RserveServer(port, conf);
    }

    /** Connects with rserve-client, retrying while Rserve is still starting. */
    async connect(timeoutMs: number): Promise<RserveClient> {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
            if (this.exited) throw new Error(`Rserve exited: ${this.stderrTail.slice(-500)}`);
            try {
                const client = await RserveClient.connect(this.port);
                this.trackChildren();
                return client;
            } catch (e) {
                if (performance.now() > deadline) throw new Error(`could not connect to Rserve within ${timeoutMs} ms: ${(e as Error).message}`);
                await sleep(2);
            }
        }
    }

    /** A bare QAP1 connection (see QapConnection). */
    async connectQap(): Promise<QapConnection> {
        const connection = await QapConnection.connect(this.port);
        this.trackChildren();
        return connection;
    }

    /**
     * Registers the processes Rserve forked for connections (they are in its
     * process group and have answered the greeting by now), so that their CPU
     * counts as the benchmark's own and they are killed at the end.
     */
    trackChildren(): void {
        for (const pid of processGroup(this.child.pid!)) if (pid !== this.child.pid) trackPid(pid);
    }

    /** The addresses Rserve listens on (should be 127.0.0.1 only). */
    addresses(): string[] {
        return listeningAddresses(this.port);
    }

    /**
     * Stops Rserve and every process of its group, then checks by the
     * configuration path and by the port that nothing is left. Returns what
     * had to be killed after SIGTERM or is still there.
     */
    async stop(): Promise<string[]> {
        const leftovers: string[] = [];
        const pgid = this.child.pid!;
        try {
            process.kill(-pgid, 'SIGTERM');
        } catch {
            // Already gone.
        }
        const deadline = performance.now() + 3000;
        while ((!this.exited || pidsWithArg(this.conf).length) && performance.now() < deadline) await sleep(20);
        for (const pid of pidsWithArg(this.conf)) {
            leftovers.push(`Rserve process ${pid}`);
            try {
                process.kill(pid, 'SIGKILL');
            } catch {
                // Gone meanwhile.
            }
        }
        try {
            process.kill(-pgid, 'SIGKILL');
        } catch {
            // The group is empty, as it should be.
        }
        await sleep(50);
        if (isListening(this.port)) leftovers.push(`something still listens on port ${this.port}`);
        return leftovers;
    }
}

/** An rserve-client connection with promises; requests are serialised (the client cannot have two in flight). */
export class RserveClient {
    private chain: Promise<unknown> = Promise.resolve();

    private constructor(private readonly connection: rserve.RserveConnection) {}

    static connect(port: number): Promise<RserveClient> {
        return new Promise((resolve, reject) => {
            let settled = false;
            rserve.connect('127.0.0.1', port, (error, client) => {
                if (settled) return;
                settled = true;
                if (error) reject(error);
                else resolve(new RserveClient(client));
            });
        });
    }

    /** Evaluates `code`; resolves with the value and the time the answer was parsed. */
    evaluate(code: string): Promise<{ value: unknown; error?: Error; at: number }> {
        const run = () =>
            new Promise<{ value: unknown; error?: Error; at: number }>((resolve) => {
                this.connection.evaluate(code, (error, value) => resolve({ value, error: error ?? undefined, at: performance.now() }));
            });
        const next = this.chain.then(run, run);
        this.chain = next;
        return next;
    }

    /** The pid of the connection's own R process (the child Rserve forked for it). */
    async childPid(): Promise<number> {
        const { value, error } = await withTimeout(this.evaluate('Sys.getpid()'), 5000, 'Sys.getpid() on Rserve');
        if (error || typeof value !== 'number') throw new Error(`Sys.getpid() on Rserve answered ${String(error ?? value)}`);
        trackPid(value);
        return value;
    }

    end(): void {
        this.connection.end();
    }
}

/**
 * A bare QAP1 connection (the Rserve wire protocol: a 32-byte greeting,
 * then 16-byte headers), used where rserve-client cannot go:
 * - large answers: rserve-client re-concatenates everything received so
 *   far on every chunk read (the `buffers` package's toBuffer()), which is
 *   quadratic; a 9.25 MB answer took it about 41 s when measured by hand;
 * - pipelining: rserve-client has one answer handler per connection.
 * Answers are matched to requests in order (Rserve answers each command
 * before reading the next).
 */
export class QapConnection {
    private chunks: Buffer[] = [];
    private chunkBytes = 0;
    private need = -1;
    private greeted = false;
    private readonly waiting: ((answer: { ok: boolean; payload: Buffer; at: number }) => void)[] = [];
    private onGreeting?: () => void;

    private constructor(private readonly socket: net.Socket) {
        socket.on('data', (chunk) => this.onData(chunk));
        socket.on('error', () => undefined);
    }

    static async connect(port: number, timeoutMs = 5000): Promise<QapConnection> {
        const socket = net.connect(port, '127.0.0.1');
        socket.setNoDelay(true);
        const connection = new QapConnection(socket);
        await withTimeout(
            new Promise<void>((resolve, reject) => {
                connection.onGreeting = resolve;
                socket.once('error', reject);
            }),
            timeoutMs,
            'the Rserve greeting',
        );
        return connection;
    }

    /** The bytes of one CMD_eval (3) of `code`, as a DT_STRING parameter. */
    static evalCommand(code: string): Buffer {
        const text = Buffer.from(code + '\0', 'utf8');
        const padded = Math.ceil(text.length / 4) * 4;
        const body = Buffer.alloc(4 + padded, 1);
        // Parameter header: type DT_STRING (4), 24-bit length.
        body.writeUInt32LE(4 | (padded << 8), 0);
        text.copy(body, 4);
        const header = Buffer.alloc(16);
        header.writeUInt32LE(3, 0);
        header.writeUInt32LE(body.length, 4);
        return Buffer.concat([header, body]);
    }

    /** Sends raw command bytes (one or many commands) and returns one promise per answer expected. */
    send(bytes: Buffer, answers: number): Promise<{ ok: boolean; payload: Buffer; at: number }>[] {
        const promises: Promise<{ ok: boolean; payload: Buffer; at: number }>[] = [];
        for (let i = 0; i < answers; i++) promises.push(new Promise((resolve) => this.waiting.push(resolve)));
        this.socket.write(bytes);
        return promises;
    }

    eval(code: string): Promise<{ ok: boolean; payload: Buffer; at: number }> {
        return this.send(QapConnection.evalCommand(code), 1)[0];
    }

    end(): void {
        this.socket.destroy();
    }

    private onData(chunk: Buffer): void {
        const at = performance.now();
        // Large answers arrive in many chunks: keep them apart until the
        // whole message is there, then join once.
        this.chunks.push(chunk);
        this.chunkBytes += chunk.length;
        if (this.need >= 0 && this.chunkBytes < this.need) return;
        let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
        for (;;) {
            if (!this.greeted) {
                if (buf.length < 32) break;
                buf = buf.subarray(32);
                this.greeted = true;
                this.onGreeting?.();
                continue;
            }
            if (this.need < 0) {
                if (buf.length < 16) break;
                // The length is split into a low and a high 32-bit word.
                this.need = 16 + buf.readUInt32LE(4) + buf.readUInt32LE(12) * 2 ** 32;
            }
            if (buf.length < this.need) break;
            const message = buf.subarray(0, this.need);
            buf = buf.subarray(this.need);
            this.need = -1;
            // RESP_OK is 0x10001; RESP_ERR 0x10002 (with the error code in the top byte).
            const ok = (message.readUInt32LE(0) & 0xffffff) === 0x10001;
            this.waiting.shift()?.({ ok, payload: message.subarray(16), at });
        }
        this.chunks = buf.length ? [buf] : [];
        this.chunkBytes = buf.length;
    }
}

/**
 * The text carried by a QAP1 answer holding a character vector (DT_SEXP
 * with XT_ARRAY_STR): the strings are NUL-terminated, padded with \x01.
 * Returns the number of strings and their total length in bytes.
 */
export function stringArrayText(payload: Buffer): { strings: number; bytes: number } {
    let pos = 0;
    let type = payload[pos];
    pos += type & 64 ? 8 : 4; // DT_SEXP header, DT_LARGE when over 16 MB
    type = payload[pos];
    pos += type & 64 ? 8 : 4; // SEXP header, XT_LARGE when over 16 MB
    if ((type & 63) !== 34) throw new Error(`expected a character vector (XT_ARRAY_STR), got type ${type & 63}`);
    let strings = 0;
    let bytes = 0;
    let start = pos;
    for (let i = pos; i < payload.length; i++) {
        if (payload[i] === 0) {
            strings++;
            bytes += i - start;
            start = i + 1;
        } else if (payload[i] === 1 && i === start) {
            // Padding after the last string.
            break;
        }
    }
    return { strings, bytes };
}
