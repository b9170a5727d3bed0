/**
 * Everything that differs between operating systems, in one place (see
 * docs/platforms.md): how R's output reaches the server, how an interrupt is
 * delivered, and how a process is stopped.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

export const isWindows = process.platform === 'win32';

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

export function createOutputPipe(dir: string, name: string): OutputPipe {
    if (isWindows) {
        return {
            childEnd: 'pipe',
            open: (childStream) => childStream as NodeJS.ReadableStream,
            closeChildEnd: () => undefined,
        };
    }
    const fifo = path.join(dir, name);
    execFileSync('mkfifo', ['-m', '600', fifo]);
    // Opening the reading end without O_NONBLOCK would block until a writer
    // appears; with it, the writing end can then be opened at once.
    const readFd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writeFd = fs.openSync(fifo, fs.constants.O_WRONLY);
    fs.unlinkSync(fifo);
    let childEnd: number | undefined = writeFd;
    return {
        childEnd: writeFd,
        open: () => new net.Socket({ fd: readFd, readable: true, writable: false }),
        closeChildEnd: () => {
            if (childEnd !== undefined) fs.closeSync(childEnd);
            childEnd = undefined;
        },
    };
}

/** Delivers an interrupt (Ctrl+C) to R. */
export function sendInterrupt(pid: number): boolean {
    // R on Windows has no SIGINT handler for a process without a console;
    // docs/platforms.md describes what would replace this there.
    try {
        process.kill(pid, 'SIGINT');
        return true;
    } catch {
        return false;
    }
}

export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

export function killProcess(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(pid, signal);
    } catch {
        // Already gone.
    }
}
