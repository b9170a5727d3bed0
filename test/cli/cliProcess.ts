/**
 * Runs the real command-line client (`node dist/cli.js ...`) as a child
 * process and records what it prints, so that tests can wait for output or
 * for its exit with a deadline instead of sleeping.
 */
import { ChildProcess, spawn } from 'child_process';
import { CLI, ROOT } from '../support/paths';
import { track } from '../support/procs';

export interface CliRunOptions {
    /** Text for stdin, which is then closed; omit to keep stdin open for write(). */
    input?: string;
    cwd?: string;
    env?: Record<string, string>;
}

export interface CliExit {
    code: number | null;
    signal: NodeJS.Signals | null;
}

export class CliProcess {
    stdout = '';
    stderr = '';
    exited: CliExit | undefined;
    private readonly waiters = new Set<() => void>();

    private constructor(readonly child: ChildProcess) {
        child.stdout!.on('data', (d: Buffer) => {
            this.stdout += d.toString();
            this.wake();
        });
        child.stderr!.on('data', (d: Buffer) => {
            this.stderr += d.toString();
            this.wake();
        });
        // 'close' rather than 'exit': by then all of its output has been read.
        child.on('close', (code, signal) => {
            this.exited = { code, signal };
            this.wake();
        });
        // A client that has exited cannot take more input; the test sees its exit.
        child.stdin!.on('error', () => undefined);
    }

    static start(args: string[], options: CliRunOptions = {}): CliProcess {
        // Registered, so that it is killed if the test run ends first.
        const child = track(
            spawn(process.execPath, [CLI, ...args], {
                cwd: options.cwd ?? ROOT,
                env: { ...process.env, ...options.env },
                stdio: ['pipe', 'pipe', 'pipe'],
            }),
        );
        const run = new CliProcess(child);
        if (options.input !== undefined) child.stdin!.end(options.input);
        return run;
    }

    /** Runs the client to its end and returns what it printed and its exit. */
    static async run(args: string[], options: CliRunOptions & { timeoutMs?: number } = {}): Promise<CliProcess & { exited: CliExit }> {
        const run = CliProcess.start(args, { input: '', ...options });
        await run.waitForExit(options.timeoutMs ?? 30000);
        return run as CliProcess & { exited: CliExit };
    }

    write(text: string): void {
        this.child.stdin!.write(text);
    }

    end(): void {
        this.child.stdin!.end();
    }

    async waitForExit(ms = 30000): Promise<CliExit> {
        await this.waitFor(() => this.exited !== undefined, ms, 'the client to exit');
        return this.exited!;
    }

    /** Waits until `stream` contains `text`. */
    waitForOutput(text: string | RegExp, ms = 20000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
        const found = () => (typeof text === 'string' ? this[stream].includes(text) : text.test(this[stream]));
        return this.waitFor(found, ms, `${String(text)} on ${stream}`);
    }

    async waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
        const deadline = Date.now() + ms;
        while (!condition()) {
            // Once the client has exited nothing more will arrive.
            if (this.exited) throw new Error(`the client exited (${JSON.stringify(this.exited)}) before ${what}; ${this.describe()}`);
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

    /** Stops the client if it is still running (after a failed test). */
    kill(): void {
        if (!this.exited) this.child.kill('SIGKILL');
    }

    describe(): string {
        return `stdout: ${JSON.stringify(this.stdout)}, stderr: ${JSON.stringify(this.stderr)}`;
    }

    private wake(): void {
        for (const waiter of [...this.waiters]) waiter();
    }
}
