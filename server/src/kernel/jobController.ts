/**
 * The job controller process (kernel/controller/jobs.R): an R of its own,
 * beside the kernel, that runs background jobs as futures. Commands go to
 * its stdin and events come from its stdout, one JSON object a line; what
 * else it prints (stderr) goes to the log. It leads a process group of its
 * own, so that stopping it stops its local workers too, also when the
 * server exits without a chance to say so.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { killProcessTree, ownProcessGroup } from './platform';

export interface ControllerOptions {
    rPath: string;
    cwd: string;
    env?: Record<string, string>;
    kernelDir: string;
    /** Run the workspace's .Rprofile and .Renviron (a trusted workspace). */
    trusted: boolean;
}

export interface ControllerEvents {
    event(event: Record<string, unknown>): void;
    /** The controller exited; `expected` when it was asked to. */
    exited(reason: string, expected: boolean): void;
    log(message: string): void;
}

/** Process groups of live controllers, killed when the server exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

export class JobController {
    private child: ChildProcess | undefined;
    private stopping = false;
    /** Why it was stopped, when that was a failure (it stopped answering). */
    private failure: string | undefined;
    /** A private folder (0700) for results on their way to the session. */
    readonly dir: string;
    readonly ready: Promise<void>;
    pid: number | undefined;

    constructor(
        options: ControllerOptions,
        private readonly events: ControllerEvents,
    ) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-jobs-'));
        const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, TMPDIR: this.dir };
        if (!options.trusted) {
            // As for the kernel: the workspace's .Renviron and .Rprofile are
            // not read, by the controller nor by the workers it starts.
            const home = env.HOME || os.homedir();
            env.R_ENVIRON_USER = path.join(home, '.Renviron');
            env.R_PROFILE_USER = path.join(home, '.Rprofile');
        }
        const script = path.join(options.kernelDir, 'controller', 'jobs.R');
        const child = spawn(options.rPath, ['--no-echo', '--no-restore', '--no-save', '--no-readline', '-f', script, '--args', String(process.pid)], {
            cwd: options.cwd,
            env,
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: ownProcessGroup,
        });
        this.child = child;
        this.pid = child.pid;
        if (child.pid) liveGroups.add(child.pid);
        if (!exitHookInstalled) {
            exitHookInstalled = true;
            process.on('exit', () => {
                for (const pid of liveGroups) killProcessTree(pid, 'SIGKILL');
            });
        }
        child.stdin!.on('error', () => undefined);
        let resolveReady: () => void;
        let rejectReady: (e: Error) => void;
        this.ready = new Promise((resolve, reject) => {
            resolveReady = resolve;
            rejectReady = reject;
        });
        this.ready.catch(() => undefined);
        let stderrTail = '';
        readline.createInterface({ input: child.stdout! }).on('line', (line) => {
            let event: Record<string, unknown>;
            try {
                event = JSON.parse(line) as Record<string, unknown>;
            } catch {
                this.events.log(`jobs: ${line.slice(0, 300)}`);
                return;
            }
            if (event.event === 'hello') resolveReady();
            else this.events.event(event);
        });
        readline.createInterface({ input: child.stderr! }).on('line', (line) => {
            stderrTail = `${stderrTail}${line}\n`.slice(-2000);
            this.events.log(`jobs: ${line}`);
        });
        child.on('error', (e) => rejectReady(new Error(`the job controller could not be started (${options.rPath}): ${e.message}`)));
        child.on('exit', (code, signal) => {
            if (child.pid) {
                killProcessTree(child.pid, 'SIGKILL');
                liveGroups.delete(child.pid);
            }
            this.child = undefined;
            const reason = signal ? `killed by ${signal}` : `exit code ${code}`;
            rejectReady(new Error(`the job controller exited (${reason}) before it was ready: ${stderrTail.trim().slice(-500)}`));
            this.removeDir();
            this.events.exited(this.failure ?? `the job controller stopped (${reason})`, this.stopping);
        });
    }

    get alive(): boolean {
        return this.child !== undefined;
    }

    send(command: Record<string, unknown>): void {
        this.child?.stdin?.write(`${JSON.stringify(command)}\n`);
    }

    /** Stops the controller and its workers at once; with a reason, the stop is reported as a failure. */
    stop(reason?: string): void {
        this.stopping = reason === undefined;
        if (reason !== undefined) this.failure = reason;
        const child = this.child;
        if (!child?.pid) return;
        killProcessTree(child.pid, 'SIGKILL');
    }

    private removeDir(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
