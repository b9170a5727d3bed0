/**
 * The probe: a helper extension copied next to R Bridge that connects to a
 * Unix socket of the harness and answers from inside the extension host
 * (R Bridge's API, its events with time stamps). This is the harness's end:
 * writing the probe extension, the socket server every extension host
 * connects to, and one connection's requests and events. See "The probe" in
 * test/e2e/README.md; the extension itself is probe/extension.ts.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as readline from 'readline';
import { ROOT } from '../support/paths';
import type { Log } from './log';

/** Where the probe extension is bundled (test/e2e/probe/extension.ts). */
export const PROBE_ENTRY = path.join(ROOT, 'out', 'e2e', 'probe', 'extension.js');

export interface ProbeEvent {
    event: string;
    data: unknown;
    /** Epoch milliseconds with sub-millisecond precision (performance.timeOrigin + performance.now()). */
    time: number;
}

/** Writes the probe extension into `dir` and returns its folder. */
export function writeProbeExtension(dir: string): string {
    if (!fs.existsSync(PROBE_ENTRY)) throw new Error(`${PROBE_ENTRY} is missing; run: npm run build:tests`);
    const folder = path.join(dir, 'rbridge-test.rbridge-e2e-probe-0.0.1');
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(PROBE_ENTRY, path.join(folder, 'extension.js'));
    const manifest = {
        name: 'rbridge-e2e-probe',
        publisher: 'rbridge-test',
        version: '0.0.1',
        description: 'Answers the R Bridge end-to-end harness from inside the extension host.',
        engines: { vscode: '^1.91.0' },
        main: './extension.js',
        // It must be running before anything it should observe happens.
        activationEvents: ['*'],
        extensionKind: ['workspace'],
    };
    fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
    return folder;
}

/** One connection from a probe (one extension host; a restarted host connects again). */
export class ProbeConnection {
    readonly events: ProbeEvent[] = [];
    private nextId = 1;
    private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    private readonly listeners = new Set<() => void>();
    closed = false;

    constructor(private readonly socket: net.Socket, private readonly log: Log) {
        // One JSON message per line.
        readline.createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => {
            if (line.trim()) this.receive(JSON.parse(line) as Record<string, unknown>);
        });
        socket.on('close', () => {
            this.closed = true;
            for (const { reject } of this.pending.values()) reject(new Error('the probe disconnected (extension host gone)'));
            this.pending.clear();
            this.wake();
        });
        socket.on('error', () => undefined);
    }

    private receive(message: Record<string, unknown>): void {
        if (typeof message.id === 'number') {
            const waiter = this.pending.get(message.id);
            this.pending.delete(message.id);
            if (message.error !== undefined) waiter?.reject(new Error(String(message.error)));
            else waiter?.resolve(message.result);
            return;
        }
        const event = message as unknown as ProbeEvent;
        this.events.push(event);
        this.log.write('probe', `${event.event} ${String(JSON.stringify(event.data)).slice(0, 2000)}`);
        this.wake();
    }

    private wake(): void {
        for (const listener of [...this.listeners]) listener();
    }

    request<T>(op: string, fields: { name?: string; args?: unknown[] } = {}, timeoutMs = 30_000): Promise<T> {
        if (this.closed) return Promise.reject(new Error('the probe is disconnected'));
        const id = this.nextId++;
        return new Promise<T>((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id);
                reject(new Error(`probe request ${op} ${fields.name ?? ''} got no answer in ${timeoutMs} ms`));
            }, timeoutMs);
            this.pending.set(id, {
                resolve: (v) => {
                    clearTimeout(timer);
                    resolve(v as T);
                },
                reject: (e) => {
                    clearTimeout(timer);
                    reject(e);
                },
            });
            this.socket.write(JSON.stringify({ id, op, ...fields }) + '\n');
        });
    }

    /** Waits for an event (among those received from index `from` on) that satisfies `match`. */
    waitForEvent(match: (e: ProbeEvent) => boolean, timeoutMs: number, what: string, from = 0): Promise<ProbeEvent> {
        return new Promise((resolve, reject) => {
            let index = from;
            const check = () => {
                for (; index < this.events.length; index++) {
                    if (match(this.events[index])) {
                        done();
                        resolve(this.events[index]);
                        return;
                    }
                }
                if (this.closed) {
                    done();
                    reject(new Error(`the probe disconnected while waiting for ${what}`));
                }
            };
            const timer = setTimeout(() => {
                done();
                reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
            }, timeoutMs);
            const done = () => {
                clearTimeout(timer);
                this.listeners.delete(check);
            };
            this.listeners.add(check);
            check();
        });
    }

    close(): void {
        this.socket.destroy();
    }
}

/** The harness's end of the probe socket; every extension host that starts connects here. */
export class ProbeServer {
    private readonly connections: ProbeConnection[] = [];
    private readonly waiters = new Set<() => void>();

    private constructor(private readonly server: net.Server, readonly socketPath: string) {}

    static listen(socketPath: string, log: Log): Promise<ProbeServer> {
        return new Promise((resolve, reject) => {
            const server = net.createServer();
            const probe = new ProbeServer(server, socketPath);
            server.on('connection', (socket) => {
                probe.connections.push(new ProbeConnection(socket, log));
                log.write('harness', `probe connected (#${probe.connections.length})`);
                for (const waiter of [...probe.waiters]) waiter();
            });
            server.once('error', reject);
            server.listen(socketPath, () => resolve(probe));
        });
    }

    /** The number of connections so far; pass it to `connection()` to wait for the next one. */
    get count(): number {
        return this.connections.length;
    }

    /** Waits for connection number `index` (0-based; default the first). */
    connection(index = 0, timeoutMs = 60_000): Promise<ProbeConnection> {
        return new Promise((resolve, reject) => {
            const check = () => {
                if (this.connections.length > index) {
                    this.waiters.delete(check);
                    clearTimeout(timer);
                    resolve(this.connections[index]);
                }
            };
            const timer = setTimeout(() => {
                this.waiters.delete(check);
                reject(new Error(`no extension host connected its probe within ${timeoutMs / 1000} s`));
            }, timeoutMs);
            this.waiters.add(check);
            check();
        });
    }

    close(): void {
        for (const c of this.connections) c.close();
        this.server.close();
    }
}
