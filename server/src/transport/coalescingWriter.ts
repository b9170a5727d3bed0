import * as net from 'net';

/**
 * The server's stdout as the JSON-RPC writer sees it, with two changes from
 * process.stdout:
 *
 * - Writes are non-blocking. Node writes to a stdout pipe synchronously, so a
 *   client that stops reading would freeze the whole server (no r/status, no
 *   interrupt). Here the pipe is opened as a non-blocking stream.
 * - Messages written in the same turn of the event loop go out in one system
 *   call. An execution produces several messages (state, output, answer);
 *   writing each separately costs more than the execution of `1+1` itself.
 *
 * - A notification may wait a little (NOTIFICATION_DELAY_MS) for company:
 *   the 'running' and 'busy' notifications of a short execution then share
 *   one write with its output and answer. A response or a request goes out
 *   at once, with everything written before it.
 *
 * A write's callback fires at once while the data waiting for the client is
 * below the high-water mark, and only after the client has caught up
 * otherwise, so the writer's callers (the output flow control in Session)
 * see a slow client.
 */
const NOTIFICATION_DELAY_MS = 2;

/**
 * Whether a chunk from the JSON-RPC writer is (the content of) a response
 * or a request: the library serializes those as {"jsonrpc":"2.0","id":...,
 * notifications without an id. Message headers count as not urgent; the
 * content follows them at once.
 */
const URGENT_PREFIX = Buffer.from('{"jsonrpc":"2.0","id"');
function isUrgent(chunk: Buffer): boolean {
    return chunk.length >= URGENT_PREFIX.length && chunk.subarray(0, URGENT_PREFIX.length).equals(URGENT_PREFIX);
}

export class CoalescingWriter {
    private pending: Buffer[] = [];
    private pendingBytes = 0;
    private scheduled = false;
    private timer: NodeJS.Timeout | undefined;
    private waiting: (() => void)[] = [];
    private readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>();

    /** The client's end is gone: writes are dropped and their callbacks called at once. */
    private closed = false;

    constructor(private readonly out: net.Socket | NodeJS.WritableStream, private readonly highWater = 4 * 1024 * 1024) {
        out.on('drain', () => this.release());
        out.on('error', (e) => {
            this.close();
            this.emit('error', e);
        });
        out.on('close', () => {
            this.close();
            this.emit('close');
        });
    }

    /**
     * Nobody will read what waits: the writers waiting for the client to
     * catch up go on (a detached session's output must not stop for a
     * client that died with its pipe full).
     */
    private close(): void {
        this.closed = true;
        this.pending = [];
        this.pendingBytes = 0;
        for (const w of this.waiting.splice(0)) w();
    }

    static forStdout(): CoalescingWriter {
        let out: net.Socket | NodeJS.WritableStream = process.stdout;
        try {
            out = new net.Socket({ fd: 1, readable: false, writable: true });
        } catch {
            // Not a pipe or socket (a file, a terminal): stay with process.stdout.
        }
        return new CoalescingWriter(out);
    }

    write(chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), callback?: (e?: Error | null) => void): boolean {
        if (typeof encoding === 'function') {
            callback = encoding;
            encoding = undefined;
        }
        if (this.closed) {
            callback?.();
            return true;
        }
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        this.pending.push(buffer);
        this.pendingBytes += buffer.length;
        if (isUrgent(buffer) || this.pendingBytes > 65536) {
            if (!this.scheduled) {
                this.scheduled = true;
                clearTimeout(this.timer);
                this.timer = undefined;
                setImmediate(() => this.flush());
            }
        } else if (!this.scheduled && !this.timer) {
            this.timer = setTimeout(() => this.flush(), NOTIFICATION_DELAY_MS);
        }
        const backlog = this.pendingBytes + ((this.out as net.Socket).writableLength ?? 0);
        if (callback) {
            if (backlog < this.highWater) callback();
            else this.waiting.push(() => callback!());
        }
        return backlog < this.highWater;
    }

    private flush(): void {
        this.scheduled = false;
        clearTimeout(this.timer);
        this.timer = undefined;
        if (!this.pending.length) return;
        const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
        this.pending = [];
        this.pendingBytes = 0;
        const ok = this.out.write(data);
        if (ok) this.release();
    }

    private release(): void {
        const backlog = this.pendingBytes + ((this.out as net.Socket).writableLength ?? 0);
        if (backlog >= this.highWater) return;
        for (const w of this.waiting.splice(0)) w();
    }

    end(): void {
        this.flush();
        this.out.end();
    }

    on(event: string, listener: (...args: unknown[]) => void): this {
        const list = this.listeners.get(event) ?? [];
        list.push(listener);
        this.listeners.set(event, list);
        return this;
    }

    once(event: string, listener: (...args: unknown[]) => void): this {
        const wrapped = (...args: unknown[]) => {
            this.off(event, wrapped);
            listener(...args);
        };
        return this.on(event, wrapped);
    }

    off(event: string, listener: (...args: unknown[]) => void): this {
        const list = this.listeners.get(event);
        if (list) this.listeners.set(event, list.filter((l) => l !== listener));
        return this;
    }

    removeListener(event: string, listener: (...args: unknown[]) => void): this {
        return this.off(event, listener);
    }

    private emit(event: string, ...args: unknown[]): void {
        for (const l of this.listeners.get(event) ?? []) l(...args);
    }
}
