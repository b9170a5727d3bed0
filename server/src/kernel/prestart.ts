/**
 * R started before the client's `initialize`.
 *
 * R needs about 170 ms to reach its first prompt, and the server itself
 * about 100 ms to load and hear `initialize`, which brings R's settings
 * (its path, arguments, working directory, environment) and the
 * workspace's trust. Started at once on a guess at those settings, R does
 * both at the same time; the session adopts it when the guess was right,
 * and stops it and starts another R when it was not.
 *
 * The guess is the client's own `--launch` argument (the VS Code extension
 * passes the settings it sends with `initialize`), else R on the PATH with
 * no arguments in the server's working directory. Until adopted, R runs
 * nothing of the workspace: it is started as for an untrusted workspace
 * (it reads the user's ~/.Renviron, not ./.Renviron), and the kernel waits
 * for its config, which names the profile to run, before anything else.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { KernelEvents, KernelOptions, KernelProcess } from './process';

/**
 * Where the entry point (server/src/early.ts, a bundle of its own with its
 * own copy of these classes) leaves the early R for the server's bundle.
 */
export const PRESTARTED = Symbol.for('rbridge.prestarted');

/** The kernel's R files, beside the server's bundles in dist/. */
export function kernelDir(): string {
    return process.env.RBRIDGE_KERNEL_DIR || path.join(__dirname, '..', 'kernel');
}

/** What a session would start R with. */
export interface LaunchGuess {
    rPath: string;
    rArgs: string[];
    cwd: string;
    env?: Record<string, string>;
}

export class PrestartedKernel {
    private readonly kernel: KernelProcess;
    /** Events R sent before a session adopted it, replayed to the session. */
    private held: ((events: KernelEvents) => void)[] = [];
    private target: KernelEvents | undefined;
    private taken = false;

    constructor(
        private readonly guess: LaunchGuess,
        kernelDir: string,
        startTimeoutMs?: number,
    ) {
        const forward = (deliver: (events: KernelEvents) => void) => {
            if (this.target && !this.held.length) deliver(this.target);
            else this.held.push(deliver);
        };
        this.kernel = new KernelProcess(
            { ...guess, profile: 'home', kernelDir, startTimeoutMs, holdConfig: true },
            {
                message: (message) => forward((events) => events.message(message)),
                output: (stream, events) => forward((target) => target.output(stream, events)),
                exit: (info) => forward((events) => events.exit(info)),
            },
        );
        // A failed start is seen by take(), which then leaves R to the session.
        this.kernel.start().catch(() => undefined);
    }

    /**
     * The kernel for a session started with `options`, its events going to
     * `events` from now on; undefined (and R stopped) when R was started
     * otherwise than the session would start it, or is gone. Only the
     * first call can take it.
     */
    take(options: KernelOptions, events: KernelEvents): KernelProcess | undefined {
        if (this.taken) return undefined;
        this.taken = true;
        if (this.kernel.gone || !this.fits(options)) {
            this.kernel.kill('not the R the session asked for');
            return undefined;
        }
        this.target = events;
        // After the session has the kernel in hand (take() returns first),
        // and before anything R sends later.
        if (this.held.length) {
            queueMicrotask(() => {
                const held = this.held;
                this.held = [];
                for (const deliver of held) deliver(events);
            });
        }
        this.kernel.adopt(options.profile);
        return this.kernel;
    }

    /** Stops R if no session took it (the client never initialized, or wanted another R). */
    dispose(): void {
        if (this.taken) return;
        this.taken = true;
        this.kernel.kill('no session took it');
    }

    private fits(options: KernelOptions): boolean {
        const guess = this.guess;
        const cwd = options.cwd ?? process.cwd();
        if (options.rPath !== guess.rPath || !isDeepStrictEqual(options.rArgs, guess.rArgs)) return false;
        if (path.resolve(cwd) !== path.resolve(guess.cwd) || !isDeepStrictEqual(options.env ?? {}, guess.env ?? {})) return false;
        if (options.profile === 'trusted') {
            // R was started reading ~/.Renviron, not ./.Renviron: a trusted
            // workspace's R reads the same only where there is no
            // ./.Renviron and R_ENVIRON_USER names nothing else.
            if (process.env.R_ENVIRON_USER !== undefined || options.env?.R_ENVIRON_USER !== undefined) return false;
            if (fs.existsSync(path.join(cwd, '.Renviron'))) return false;
        }
        return true;
    }
}

/**
 * The launch a `--launch` argument describes (base64 of the JSON of
 * rPath, rArgs, cwd and env, as `initialize` would bring them), else R on
 * the PATH in `cwd`; undefined when the argument cannot be read.
 */
export function launchGuess(argv: readonly string[], cwd: string): LaunchGuess | undefined {
    const at = argv.indexOf('--launch');
    if (at < 0) return { rPath: 'R', rArgs: [], cwd };
    try {
        const value = JSON.parse(Buffer.from(argv[at + 1] ?? '', 'base64').toString('utf8')) as Partial<LaunchGuess>;
        const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
        const env = value.env;
        if (env !== undefined && (typeof env !== 'object' || env === null || !Object.values(env).every((v) => typeof v === 'string'))) return undefined;
        return {
            rPath: typeof value.rPath === 'string' && value.rPath ? value.rPath : 'R',
            rArgs: strings(value.rArgs) ? value.rArgs : [],
            cwd: typeof value.cwd === 'string' && value.cwd ? value.cwd : cwd,
            ...(env && Object.keys(env).length ? { env } : {}),
        };
    } catch {
        return undefined;
    }
}
