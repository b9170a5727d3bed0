/**
 * The private channel between the server and one kernel: FIFOs in the
 * kernel's private folder for frames each way, the grants of executions
 * sent ahead, and R's two output streams (see docs/protocol.md, "Kernel
 * wire", and docs/security.md).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { isWindows } from './platform';

/**
 * A pipe for one of R's output streams. On Unix it is a FIFO: R writes to a
 * plain pipe (a socket, which Node uses for child stdio by default, costs R a
 * wakeup per flushed fragment and halves output throughput), and the kernel
 * can reopen it through /dev/fd to write its end-of-output markers past any
 * sink(). Elsewhere, Node's own stdio pipe.
 */
export interface OutputPipe {
    /** What to pass to spawn() as this stream's stdio entry. */
    childEnd: number | 'pipe';
    /** The server's reading end, once the child has been spawned. */
    open(childStream: NodeJS.ReadableStream | null): net.Socket | NodeJS.ReadableStream;
    /** Close the server's copy of the child's end (after spawn). */
    closeChildEnd(): void;
}

/** The FIFOs of one kernel: the channel's three, R's console input and its two output streams. */
export const KERNEL_FIFOS = ['to-kernel', 'from-kernel', 'grants', 'in', 'out', 'err'] as const;

/**
 * Makes the kernel's FIFOs (mode 0600) in its private folder, in one run of
 * mkfifo(1): Node has no mkfifo of its own, and every process spawned costs
 * start-up time.
 */
export function makeKernelFifos(dir: string): void {
    if (isWindows) return;
    execFileSync('mkfifo', ['-m', '600', ...KERNEL_FIFOS.map((name) => path.join(dir, name))]);
}

/** One of R's output streams, on its FIFO made by makeKernelFifos(). */
export function createOutputPipe(dir: string, name: 'out' | 'err'): OutputPipe {
    if (isWindows) {
        return {
            childEnd: 'pipe',
            open: (childStream) => childStream as NodeJS.ReadableStream,
            closeChildEnd: () => undefined,
        };
    }
    const fifo = path.join(dir, name);
    // Opening the reading end without O_NONBLOCK would block until a writer
    // appears; with it, the writing end can then be opened at once.
    const readFd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writeFd = fs.openSync(fifo, fs.constants.O_WRONLY);
    fs.unlinkSync(fifo);
    return {
        childEnd: writeFd,
        open: () => new net.Socket({ fd: readFd, readable: true, writable: false }),
        closeChildEnd: closerOf(writeFd),
    };
}

/** Closes `fd` once, however often it is called. */
function closerOf(fd: number): () => void {
    let open = true;
    return () => {
        if (open) fs.closeSync(fd);
        open = false;
    };
}

/** R's console input (its stdin) and the server's writing end. */
export interface InputPipe {
    /** What to pass to spawn() as R's stdin. */
    childEnd: number | 'pipe';
    /** The server's writing end, once the child has been spawned. */
    open(childStream: NodeJS.WritableStream | null): NodeJS.WritableStream | undefined;
    /** Close the server's copy of the child's end (after spawn). */
    closeChildEnd(): void;
}

/**
 * R's stdin, on its FIFO made by makeKernelFifos(): a FIFO rather than
 * Node's stdio pipe (a socket), so that the kernel can open it for writing
 * too (/proc/self/fd/0) and hand R a line without a round trip through the
 * server (see kernel/repl.R).
 */
export function createInputPipe(dir: string): InputPipe {
    if (isWindows) {
        return { childEnd: 'pipe', open: (childStream) => childStream ?? undefined, closeChildEnd: () => undefined };
    }
    const fifo = path.join(dir, 'in');
    // The server's end first, for reading and writing (which does not wait
    // for a reader); R's reading end then opens at once, and blocking.
    const writeFd = fs.openSync(fifo, fs.constants.O_RDWR);
    const readFd = fs.openSync(fifo, fs.constants.O_RDONLY);
    fs.unlinkSync(fifo);
    return {
        childEnd: readFd,
        open: () => new net.Socket({ fd: writeFd, readable: false, writable: true }),
        closeChildEnd: closerOf(readFd),
    };
}

/**
 * The kernel channel: two FIFOs in the server's private temporary folder
 * (mode 0700), one each way. Nothing listens on any network address. R
 * opens them by path at start-up; the server unlinks them as soon as the
 * kernel has presented the per-launch secret, so no other process can open
 * them afterwards.
 *
 * FIFOs rather than a loopback socket for a reason that matters to
 * interrupts: R waits on sockets with select() and lets an interrupt unwind
 * out of that wait even inside suspendInterrupts(), which would break a
 * frame half read. A read or write on a FIFO is a plain system call that a
 * signal does not abort.
 */
export interface KernelChannel {
    /** The FIFO R reads frames from. */
    toKernelPath: string;
    /** The FIFO of grants for executions sent ahead of time (see Grants). */
    grantsPath: string;
    grants: Grants;
    /** The FIFO R writes frames to. */
    fromKernelPath: string;
    writer: net.Socket;
    reader: net.Socket;
    /** Removes the paths and the placeholder ends once R has opened its own. */
    seal(): void;
    close(): void;
}

export function createKernelChannel(dir: string): KernelChannel {
    if (isWindows) throw new Error('the kernel channel needs named pipes on Windows (see docs/platforms.md)');
    const toKernelPath = path.join(dir, 'to-kernel');
    const fromKernelPath = path.join(dir, 'from-kernel');
    const grantsPath = path.join(dir, 'grants');
    const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
    // A FIFO's writing end opens without blocking only while a reader
    // exists, and a reader sees end-of-file while no writer exists: the
    // server holds a placeholder end of each until R has opened its own.
    let placeholderReader: number | undefined = fs.openSync(toKernelPath, O_RDONLY | O_NONBLOCK);
    const writeFd = fs.openSync(toKernelPath, O_WRONLY | O_NONBLOCK);
    const readFd = fs.openSync(fromKernelPath, O_RDONLY | O_NONBLOCK);
    let placeholderWriter: number | undefined = fs.openSync(fromKernelPath, O_WRONLY | O_NONBLOCK);
    const grants = new Grants(grantsPath, grantsFolder(dir));
    const writer = new net.Socket({ fd: writeFd, readable: false, writable: true });
    const reader = new net.Socket({ fd: readFd, readable: true, writable: false });
    writer.on('error', () => undefined);
    reader.on('error', () => undefined);
    const seal = () => {
        for (const p of [toKernelPath, fromKernelPath, grantsPath]) fs.rmSync(p, { force: true });
        if (placeholderReader !== undefined) fs.closeSync(placeholderReader);
        if (placeholderWriter !== undefined) fs.closeSync(placeholderWriter);
        placeholderReader = placeholderWriter = undefined;
    };
    return {
        toKernelPath,
        fromKernelPath,
        grantsPath,
        grants,
        writer,
        reader,
        seal,
        close: () => {
            seal();
            grants.close();
            writer.destroy();
            reader.destroy();
        },
    };
}

/**
 * A new private folder (mode 0700) for the grant files: in /dev/shm where
 * there is one (a claim and a grant are a file removed and a file made, and
 * on a disk's file system its journal makes both cost several times more),
 * else in the kernel's private directory `dir`.
 */
export function grantsFolder(dir: string): string {
    try {
        if (fs.statSync('/dev/shm').isDirectory()) {
            const made = fs.mkdtempSync('/dev/shm/rbridge-grants-');
            const stat = fs.lstatSync(made);
            if (stat.isDirectory() && (!process.getuid || stat.uid === process.getuid()) && (stat.mode & 0o077) === 0) return made;
            fs.rmSync(made, { recursive: true, force: true });
        }
    } catch {
        // No usable /dev/shm: the private directory.
    }
    const folder = path.join(dir, 'grants.d');
    fs.mkdirSync(folder, { mode: 0o700 });
    return folder;
}

/**
 * Grants for executions sent to the kernel ahead of time. Each is an empty
 * file in a folder of the kernel's private directory, named for the
 * execution: `go-<seq>` while R may run it, `no-<seq>` once the server took
 * it back (cancelled), `held-<seq>` while held back (an interrupt of the
 * execution before it may still arrive). R claims an execution by removing
 * `go-<seq>`; the server takes a grant back by renaming it. A rename or a
 * removal of the same file succeeds for exactly one of the two, so R never
 * runs an execution whose cancellation was answered, and the server never
 * answers 'cancelled' for one that R has started.
 *
 * A claim is one unlink(), with no descriptor that processes R starts could
 * inherit and no connection for R to open. R waits for a held grant by
 * reading the `grants` FIFO, a doorbell: the server writes a byte to it
 * whenever a grant R may wait for changes (released, or taken back); the
 * bytes mean nothing else, so R may read them ahead.
 */
export class Grants {
    /**
     * Never read: a FIFO's writing end opens without blocking only while a
     * reader exists, and the server must not wait for R to open its own.
     */
    private reader: number | undefined;
    /** The doorbell. */
    private writer: number | undefined;
    /** The grants R has not claimed, as far as the server knows, and where they are. */
    private readonly states = new Map<number, 'go' | 'held'>();
    /** New grants are held while an interrupt is under way (see hold()). */
    private holding = false;

    constructor(
        fifo: string,
        /** The folder of the grant files (see grantsFolder()). */
        readonly dir: string,
    ) {
        this.reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        this.writer = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    }

    /** Lets R run execution `id` (held if grants are being held). */
    add(id: number): void {
        const state = this.holding ? 'held' : 'go';
        try {
            fs.writeFileSync(this.file(state, id), '');
            this.states.set(id, state);
        } catch {
            // The kernel's folder is gone with R.
        }
    }

    /** Takes back the grants of `ids` R has not claimed; returns those ids (R will skip them). */
    revoke(ids: number[]): Set<number> {
        const revoked = new Set<number>();
        for (const id of ids) {
            const state = this.states.get(id);
            if (!state) continue;
            this.states.delete(id);
            if (this.move(state, 'no', id)) revoked.add(id);
        }
        if (revoked.size) this.ring();
        return revoked;
    }

    /** Holds back the grants of executions after `runningId` that R has not claimed, and those given from now on. */
    hold(runningId: number): void {
        this.holding = true;
        for (const [id, state] of this.states) {
            if (id <= runningId || state !== 'go') continue;
            if (this.move('go', 'held', id)) this.states.set(id, 'held');
            else this.states.delete(id);
        }
    }

    /** Gives the held grants back. */
    release(): void {
        this.holding = false;
        let moved = false;
        for (const [id, state] of this.states) {
            if (state !== 'held') continue;
            this.move('held', 'go', id);
            this.states.set(id, 'go');
            moved = true;
        }
        if (moved) this.ring();
    }

    /** R has started or ended execution `id`: its grant and those before it are used. */
    started(id: number): void {
        for (const key of this.states.keys()) if (key <= id) this.states.delete(key);
    }

    private file(state: 'go' | 'no' | 'held', id: number): string {
        return path.join(this.dir, `${state}-${id}`);
    }

    /** Renames a grant; false when it is not there (R claimed it). */
    private move(from: 'go' | 'held', to: 'go' | 'no' | 'held', id: number): boolean {
        try {
            fs.renameSync(this.file(from, id), this.file(to, id));
            return true;
        } catch {
            return false;
        }
    }

    /** Wakes R if it waits for a grant. */
    private ring(): void {
        if (this.writer === undefined) return;
        try {
            fs.writeSync(this.writer, '.');
        } catch {
            // Full of unread rings, or R is gone: R will look at the grants anyway.
        }
    }

    close(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
        for (const fd of [this.reader, this.writer]) if (fd !== undefined) fs.closeSync(fd);
        this.reader = this.writer = undefined;
    }
}
