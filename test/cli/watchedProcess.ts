/**
 * A child process whose output a test watches: what it writes is collected
 * as it arrives, and a test waits for a condition on it (or for the exit)
 * with a deadline, woken by each chunk, instead of sleeping. The command-line
 * client on pipes (cliProcess.ts) and on a pseudo-terminal (ptyProcess.ts)
 * are both watched this way.
 */
import type { ChildProcess } from 'child_process';

export interface ProcessExit {
    code: number | null;
    signal: NodeJS.Signals | null;
}

export abstract class WatchedProcess {
    exited: ProcessExit | undefined;
    private readonly waiters = new Set<() => void>();

    protected constructor(readonly child: ChildProcess) {
        child.stdout!.on('data', (d: Buffer) => this.arrived('stdout', d.toString()));
        child.stderr!.on('data', (d: Buffer) => this.arrived('stderr', d.toString()));
        // 'close' rather than 'exit': by then all of its output has been read.
        child.on('close', (code, signal) => {
            this.exited = { code, signal };
            this.wake();
        });
        // A process that has exited cannot take more input; the test sees its exit.
        child.stdin!.on('error', () => undefined);
    }

    /** Keeps a chunk of output. */
    protected abstract received(stream: 'stdout' | 'stderr', text: string): void;

    /** What the process showed, for failure messages. */
    abstract describe(): string;

    /** Waits until `condition` holds; fails at the deadline, or when the process exits first (unless `exitOk`). */
    async until(condition: () => boolean, ms: number, what: string, exitOk = false): Promise<void> {
        const deadline = Date.now() + ms;
        while (!condition()) {
            // Once the process has exited nothing more will arrive.
            if (this.exited && !exitOk) throw new Error(`the process exited (${JSON.stringify(this.exited)}) before ${what}; ${this.describe()}`);
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}; ${this.describe()}`);
            await new Promise<void>((resolve) => {
                const wake = () => {
                    clearTimeout(timer);
                    this.waiters.delete(wake);
                    resolve();
                };
                const timer = setTimeout(wake, left);
                this.waiters.add(wake);
            });
        }
    }

    async waitForExit(ms = 30000): Promise<ProcessExit> {
        await this.until(() => this.exited !== undefined, ms, 'the process to exit', true);
        return this.exited!;
    }

    private arrived(stream: 'stdout' | 'stderr', text: string): void {
        this.received(stream, text);
        this.wake();
    }

    private wake(): void {
        for (const waiter of [...this.waiters]) waiter();
    }
}
