/**
 * Runs the real command-line client (`node dist/cli.js ...`) as a child
 * process and records what it prints, so that tests can wait for output or
 * for its exit with a deadline instead of sleeping.
 */
import { ChildProcess, spawn } from 'child_process';
import { CLI, ROOT } from '../support/paths';
import { track } from '../support/procs';
import { ProcessExit, WatchedProcess } from './watchedProcess';

export interface CliRunOptions {
    /** Text for stdin, which is then closed; omit to keep stdin open for write(). */
    input?: string;
    cwd?: string;
    env?: Record<string, string>;
}

export type CliExit = ProcessExit;

export class CliProcess extends WatchedProcess {
    stdout = '';
    stderr = '';

    private constructor(child: ChildProcess) {
        super(child);
    }

    protected received(stream: 'stdout' | 'stderr', text: string): void {
        this[stream] += text;
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

    /** Waits until `stream` contains `text`. */
    waitForOutput(text: string | RegExp, ms = 20000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
        const found = () => (typeof text === 'string' ? this[stream].includes(text) : text.test(this[stream]));
        return this.until(found, ms, `${String(text)} on ${stream}`);
    }

    /** Stops the client if it is still running (after a failed test). */
    kill(): void {
        if (!this.exited) this.child.kill('SIGKILL');
    }

    describe(): string {
        return `stdout: ${JSON.stringify(this.stdout)}, stderr: ${JSON.stringify(this.stderr)}`;
    }
}
