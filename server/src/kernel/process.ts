/**
 * One R process running the kernel (kernel/*.R): launch, handshake, typed
 * messages in and out, output streams, interrupt, exit. Owned by Session,
 * which decides what to run; this class only knows how to talk to R.
 */
import { compiledCacheFile } from './compiledCache';
import { ChildProcess, spawn } from 'child_process';
import { randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { KernelDeathCause } from '../../../common/protocol';
import { FromKernel, FrameDecoder, FrameError, Hello, KERNEL_PROTOCOL_VERSION, KernelConfig, RawFrame, ToKernel, decode, encode } from './wire';
import { OutputStream, StreamEvent } from './outputStream';
import { RConsole } from './console';
import { KernelChannel, createInputPipe, createKernelChannel, createOutputPipe, makeKernelFifos } from './channel';
import { killProcessGroup, killProcessTree, ownProcessGroup, sendInterrupt } from './platform';

export const MINIMUM_R_VERSION = '4.1.0';

export interface KernelOptions {
    rPath: string;
    rArgs: string[];
    cwd?: string;
    env?: Record<string, string>;
    /** Which user profile R runs: see run_profile() in kernel/main.R. */
    profile: 'trusted' | 'home';
    kernelDir: string;
    /** How long R may take to connect and say hello. */
    startTimeoutMs?: number;
    /**
     * R started before its session was known (kernel/prestart.ts): once R
     * has said hello it waits for its config until adopt() says which
     * profile it runs.
     */
    holdConfig?: boolean;
}

export type { Hello } from './wire';

export interface ExitInfo {
    code: number | null;
    signal: string | null;
    stderrTail: string;
    /** Set when the kernel did not die by itself (killed by us, broke the protocol) or said why (bye). */
    reason?: string;
    cause: Exclude<KernelDeathCause, 'startFailed'>;
}

/** What a running kernel tells its owner. `exit` comes only for a kernel that got ready. */
export interface KernelEvents {
    message(message: FromKernel): void;
    output(stream: 'stdout' | 'stderr', events: StreamEvent[]): void;
    exit(info: ExitInfo): void;
}

/**
 * A kernel as Session uses it: KernelProcess is the real one, and unit tests
 * give Session a fake through SessionOptions.createKernel.
 */
export interface Kernel {
    readonly pid: number | undefined;
    readonly hello: Hello | undefined;
    /** Resolves once the kernel is ready to serve; rejects with KernelStartError. */
    start(): Promise<Hello>;
    send(message: ToKernel): void;
    grant(id: number): void;
    revoke(ids: number[]): Set<number>;
    holdGrants(runningId: number): void;
    releaseGrants(): void;
    interrupt(): boolean;
    pauseOutput(paused: boolean): void;
    /** Stops R for good; safe to call more than once. */
    kill(reason: string): void;
    /** Asks R to finish and exit; kills it after the grace period. */
    shutdown(graceMs?: number): Promise<void>;
    /** Resolves once R's process is gone (at once if it never started). */
    readonly exited: Promise<void>;
}

export type KernelFactory = (options: KernelOptions, events: KernelEvents) => Kernel;

/** A start-up failure with a message meant for the user. */
export class KernelStartError extends Error {}

const STDERR_TAIL_CHARS = 4000;

/** Kernels whose R has not exited yet: the server's exit must not leave them behind. */
const live = new Set<KernelProcess>();
process.on('exit', () => {
    for (const kernel of live) kernel.abandon();
});

export class KernelProcess implements Kernel {
    readonly secret = randomBytes(32).toString('hex');
    readonly markerToken = randomBytes(8).toString('hex');
    pid: number | undefined;
    hello: Hello | undefined;

    private child: ChildProcess | undefined;
    private channel: KernelChannel | undefined;
    private authenticated = false;
    private tmpDir: string | undefined;
    /** R's tempdir(), as its hello said. */
    private rTempDir: string | undefined;
    private stderrTail = '';
    private hasExited = false;
    /** Until the kernel is ready, a failure is reported by start() alone, not as an exit event. */
    private ready = false;
    private crashTimer: NodeJS.Timeout | undefined;
    /** Whether frames written in this tick are being held for one write. */
    private corked = false;
    private exitReason: string | undefined;
    private exitCause: ExitInfo['cause'] | undefined;
    private markExited: () => void = () => undefined;
    readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));
    private outputs: (net.Socket | NodeJS.ReadableStream)[] = [];
    private readonly decoder = new FrameDecoder();
    private starting: Promise<Hello> | undefined;
    /** The config frame, once R has said hello; held back while options.holdConfig. */
    private config: KernelConfig | undefined;

    constructor(private options: KernelOptions, private readonly events: KernelEvents) {}

    /** Starts R (once: a later call gets the same start); resolves with the kernel's hello once it is connected and ready to serve. */
    start(): Promise<Hello> {
        this.starting ??= this.spawnR();
        return this.starting;
    }

    /** Whether R is gone or going (killed, exited, failed to start). */
    get gone(): boolean {
        return this.hasExited || this.exitReason !== undefined;
    }

    /** A kernel started with holdConfig gets its profile: R goes on starting. */
    adopt(profile: KernelOptions['profile']): void {
        this.options = { ...this.options, profile, holdConfig: false };
        this.sendConfig();
    }

    private sendConfig(): void {
        if (!this.config || this.options.holdConfig) return;
        const config = { ...this.config, profile: this.options.profile };
        this.config = undefined;
        this.send({ kind: 'config', config });
    }

    private async spawnR(): Promise<Hello> {
        let channel: KernelChannel;
        let stdin: ReturnType<typeof createInputPipe>;
        let stdout: ReturnType<typeof createOutputPipe>;
        let stderr: ReturnType<typeof createOutputPipe>;
        try {
            this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-'));
            makeKernelFifos(this.tmpDir);
            channel = createKernelChannel(this.tmpDir);
            this.channel = channel;
            stdin = createInputPipe(this.tmpDir);
            stdout = createOutputPipe(this.tmpDir, 'out');
            stderr = createOutputPipe(this.tmpDir, 'err');
        } catch (e) {
            this.channel?.close();
            this.removeTmpDir();
            this.markExited();
            throw new KernelStartError(`The kernel's private channel could not be made: ${(e as Error).message}`);
        }
        this.listenToChannel(channel);
        // Worked out (the kernel's files hashed) before R starts, not while R waits for its config.
        const compiledCache = compiledCacheFile(this.options.kernelDir) ?? '';
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            ...this.options.env,
            R_PROFILE_USER: path.join(this.options.kernelDir, 'bootstrap.R'),
            RBRIDGE_KERNEL_DIR: this.options.kernelDir,
            RBRIDGE_TO_KERNEL: channel.toKernelPath,
            RBRIDGE_FROM_KERNEL: channel.fromKernelPath,
            RBRIDGE_GRANTS: channel.grantsPath,
            RBRIDGE_SECRET: this.secret,
        };
        // R reads ./.Renviron (of the working directory) before anything of
        // the kernel runs, and its values win: in an untrusted workspace it
        // could name another profile (R_PROFILE, R_PROFILE_USER) and so run
        // the workspace's code. There R reads the user's own ~/.Renviron only.
        if (this.options.profile !== 'trusted') {
            env.R_ENVIRON_USER = path.join(env.HOME || os.homedir(), '.Renviron');
            // R started before its session was known is adopted by a trusted
            // one only where R read the same file either way (see
            // kernel/prestart.ts): the kernel then unsets the variable, as
            // R started for a trusted workspace does not have it.
            env.RBRIDGE_ENVIRON_USER = 'set';
        }
        // R's own temporary folder (tempdir()) inside the kernel's private
        // folder: removed with it when R is killed, which R cannot do itself.
        const rTemp = path.join(this.tmpDir!, 'tmp');
        fs.mkdirSync(rTemp, { mode: 0o700 });
        env.TMPDIR = rTemp;
        // --no-readline before --interactive: after it, R ignores it (and reads its
        // console through readline, which echoes and keeps a history).
        const args = ['--no-readline', '--interactive', '--no-restore', '--no-save', '--quiet', ...this.options.rArgs];
        const closeChildEnds = () => {
            for (const pipe of [stdin, stdout, stderr]) pipe.closeChildEnd();
        };
        return new Promise<Hello>((resolve, reject) => {
            let settled = false;
            const fail = (message: string) => {
                if (settled) return;
                settled = true;
                this.kill(message);
                if (!this.child) {
                    this.removeTmpDir();
                    this.markExited();
                }
                reject(new KernelStartError(message));
            };
            const timeout = setTimeout(
                () => fail(`R did not start within ${(this.options.startTimeoutMs ?? 30000) / 1000} s.${this.tailForMessage()}`),
                this.options.startTimeoutMs ?? 30000,
            );
            // Everything after --args is for the user's code (commandArgs()).
            const ownArgs = this.options.rArgs.includes('--args') ? this.options.rArgs.slice(0, this.options.rArgs.indexOf('--args')) : this.options.rArgs;
            const blocked = ownArgs.find((a) => ['--vanilla', '--no-init-file', '-f', '-e'].includes(a) || a.startsWith('--file'));
            if (blocked) {
                clearTimeout(timeout);
                closeChildEnds();
                fail(
                    `The R argument '${blocked}' cannot be used: it stops R from loading the kernel (or replaces its input). Remove it from the extra R arguments setting (\`rbridge.rArgs\`).`,
                );
                return;
            }
            const override = renvironOverride(env, this.options.cwd ?? process.cwd());
            if (override) {
                clearTimeout(timeout);
                closeChildEnds();
                fail(override);
                return;
            }
            if (this.options.cwd && !isDirectory(this.options.cwd)) {
                clearTimeout(timeout);
                closeChildEnds();
                fail(`The working directory '${this.options.cwd}' does not exist. Change the working directory setting (\`rbridge.workingDirectory\`, or the \`cwd\` initialization option).`);
                return;
            }
            let child: ChildProcess;
            try {
                child = spawn(this.options.rPath, args, {
                    cwd: this.options.cwd,
                    env,
                    stdio: [stdin.childEnd, stdout.childEnd, stderr.childEnd],
                    detached: ownProcessGroup,
                    windowsHide: true,
                });
            } catch (e) {
                clearTimeout(timeout);
                closeChildEnds();
                fail(spawnFailureMessage(this.options.rPath, e as NodeJS.ErrnoException));
                return;
            }
            this.child = child;
            live.add(this);
            closeChildEnds();
            this.pid = child.pid;
            this.attachOutput('stdout', stdout.open(child.stdout));
            const errors = stderr.open(child.stderr);
            this.attachOutput('stderr', errors);
            // What R wrote before it exited can still be on its way when the exit is seen.
            const errorsEnded = new Promise<void>((resolve) => {
                errors.once('end', resolve);
                errors.once('close', resolve);
                setTimeout(resolve, 200).unref();
            });
            // R's stdin is its console: the code it runs (see RConsole).
            this.consoleInput = stdin.open(child.stdin);
            this.consoleInput?.on('error', () => undefined);
            child.on('error', (e: NodeJS.ErrnoException) => {
                clearTimeout(timeout);
                fail(spawnFailureMessage(this.options.rPath, e));
            });
            child.on('exit', (code, signal) => {
                clearTimeout(timeout);
                this.onExit(code, signal);
                if (settled) return;
                if (this.exitReason) fail(`${this.exitReason}.`);
                else void errorsEnded.then(() => fail(startExitMessage(code, signal, this.stderrTail)));
            });
            this.onHello = (hello) => {
                const problem = checkHello(hello);
                if (problem) {
                    clearTimeout(timeout);
                    fail(problem);
                    return;
                }
                this.hello = hello;
                this.rTempDir = hello.tempDir;
                // What the kernel must not take from its environment (which a
                // workspace's .Renviron could set) comes on the private channel.
                this.config = {
                    marker: this.markerToken,
                    profile: this.options.profile,
                    userProfile: this.userProfile(),
                    compiledCache,
                    grants: channel.grants.dir,
                };
                this.sendConfig();
            };
            this.onReady = () => {
                clearTimeout(timeout);
                if (settled) return;
                settled = true;
                this.ready = true;
                resolve(this.hello!);
            };
        });
    }

    private onHello: (hello: Hello) => void = () => undefined;

    /** R's console (its stdin) and what comes back of it on stdout. */
    private consoleInput: NodeJS.WritableStream | undefined;
    /** The code of the executions sent, split into lines when R's console first needs them, until their end marker on stdout. */
    private readonly code = new Map<number, string | string[]>();
    /** An interrupt waits for R to read the rest of a group of lines: the execution (as the console numbers it) it is meant for. */
    private interruptWanted: number | undefined;
    private readonly console = new RConsole({
        write: (text) => this.consoleInput?.write(text),
        linesOf: (id) => {
            const code = this.code.get(id);
            if (typeof code !== 'string') return code;
            const lines = code.replace(/\r\n?/g, '\n').split('\n');
            this.code.set(id, lines);
            return lines;
        },
        ask: (id, prompt, browser) => this.events.message({ kind: 'input', id, prompt, browser }),
        stuck: () => this.kill("R's console loop no longer hands control to the kernel (its hooks were removed or fail)", 'died'),
        release: (id, text) => this.send({ kind: 'reply', id, text, eof: false }),
        drained: () => {
            const wanted = this.interruptWanted;
            this.interruptWanted = undefined;
            // One meant for an execution that has ended since (a cancelled
            // read ended it) would interrupt whatever R runs now.
            if (wanted === undefined || wanted !== this.console.runningId) return;
            if (this.pid !== undefined && !this.hasExited) sendInterrupt(this.pid);
        },
    });

    /**
     * R_PROFILE_USER itself has to name the kernel's bootstrap; a profile the
     * user named there still runs (when trusted, see run_profile() in
     * kernel/main.R).
     */
    private userProfile(): string {
        return this.options.env?.R_PROFILE_USER ?? process.env.R_PROFILE_USER ?? '';
    }
    private onReady: () => void = () => undefined;

    send(message: ToKernel): void {
        const writer = this.channel?.writer;
        if (!writer || writer.destroyed || !this.authenticated) return;
        if (message.kind === 'exec') this.code.set(message.id, message.code);
        const question = this.console.question;
        if ((message.kind === 'reply' || message.kind === 'cancel') && question?.id === message.id) {
            // An answer to R's own question goes to its console.
            if (message.kind === 'reply') this.console.answer(message.text.replace(/\n$/, ''));
            else this.console.cancelQuestion();
            // At the browser's stop the kernel serves requests until it hears the answer too (kernel/debug.R).
            if (!question.kernelWaits) return;
        }
        // Frames sent in the same tick (a burst of executions) go out in one
        // write: every write that wakes R costs more than R's work on 1+1.
        if (!this.corked) {
            this.corked = true;
            writer.cork();
            process.nextTick(() => {
                this.corked = false;
                writer.uncork();
            });
        }
        writer.write(encode(message));
    }

    /** Lets the kernel run execution `id`, which was sent ahead of time. */
    grant(id: number): void {
        this.channel?.grants.add(id);
    }

    /**
     * Takes back the grants of `ids` that the kernel has not used yet and
     * returns those ids; the kernel will skip them.
     */
    revoke(ids: number[]): Set<number> {
        return this.channel?.grants.revoke(ids) ?? new Set();
    }

    /**
     * Holds back the grants R has not used yet, so that R cannot start an
     * execution sent ahead while an interrupt meant for the running one may
     * still arrive (the server repeats interrupts until the running one
     * ends). R waits for its next grant until releaseGrants(). Only grants
     * of executions after the running one: R may still need the running
     * one's own grant to start it.
     */
    holdGrants(runningId: number): void {
        this.channel?.grants.hold(runningId);
    }

    releaseGrants(): void {
        this.channel?.grants.release();
    }

    interrupt(): boolean {
        if (this.pid === undefined || this.hasExited) return false;
        // Not while R reads the lines of an expression: R would drop what
        // it read and take the rest as new code. It comes once R has read them.
        if (this.console.busyReading) {
            this.interruptWanted = this.console.runningId;
            return true;
        }
        return sendInterrupt(this.pid);
    }

    get alive(): boolean {
        return this.pid !== undefined && !this.hasExited;
    }

    /** Stops R for good. Safe to call more than once. */
    kill(reason: string, cause: ExitInfo['cause'] = 'stopped'): void {
        this.exitReason ??= reason;
        this.exitCause ??= cause;
        this.channel?.close();
        if (this.pid !== undefined && !this.hasExited) {
            killProcessTree(this.pid, 'SIGKILL');
        }
    }

    /** Asks R to finish its loop and exit; kills it after a grace period. */
    shutdown(graceMs = 2000): Promise<void> {
        if (!this.alive) return Promise.resolve();
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.kill('shut down');
            }, graceMs);
            this.child?.once('exit', () => {
                clearTimeout(timer);
                resolve();
            });
            this.exitReason ??= 'shut down';
            this.send({ kind: 'shutdown' });
            this.channel?.writer.end();
        });
    }

    /**
     * The first bytes from the kernel must be the secret; anything else
     * means something other than our kernel wrote to the channel, and the
     * kernel is stopped.
     */
    private listenToChannel(channel: KernelChannel): void {
        const expected = Buffer.from(this.secret + '\n', 'latin1');
        let received = Buffer.alloc(0);
        const handle = (chunk: Buffer) => {
            if (!this.authenticated) {
                received = Buffer.concat([received, chunk]);
                const n = Math.min(received.length, expected.length);
                if (!timingSafeEqual(received.subarray(0, n), expected.subarray(0, n))) {
                    this.kill('the kernel channel received data without the launch secret');
                    return;
                }
                if (received.length < expected.length) return;
                this.authenticated = true;
                channel.seal();
                chunk = received.subarray(expected.length);
                if (!chunk.length) return;
            }
            let frames: RawFrame[];
            try {
                frames = this.decoder.push(chunk);
            } catch (e) {
                this.kill(`the kernel broke the protocol: ${(e as Error).message}`);
                return;
            }
            for (const frame of frames) this.dispatch(frame);
        };
        channel.reader.on('data', handle);
        channel.reader.on('end', () => {
            // The channel ends first when R exits by itself (quit()); give the
            // exit a moment to be seen. R still alive after that means the
            // kernel loop is gone (user code closed the connection, or the
            // loop failed), and R is stopped.
            if (this.hasExited || !this.authenticated) return;
            setTimeout(() => {
                if (!this.hasExited) this.kill('the kernel closed its connection', 'died');
            }, 1000).unref();
        });
    }

    private dispatch(frame: RawFrame): void {
        this.console.heardFromKernel();
        let message: FromKernel;
        try {
            message = decode(frame);
        } catch (e) {
            if (!(e instanceof FrameError)) throw e;
            if (frame.kind === 'hello') this.kill(`the kernel sent a malformed hello`);
            else this.events.message({ kind: 'log', text: `the kernel sent a frame this server does not know: ${e.message}` });
            return;
        }
        switch (message.kind) {
            case 'hello':
                this.onHello(message.hello);
                return;
            case 'browser':
                // R's browser stopped: its console asks the client (or gives R the command itself).
                this.console.browserStopped(message.id, message.info);
                return;
            case 'bye':
                // User code is ending R; its exit comes next, with this as the cause.
                this.exitReason ??= message.reason;
                this.exitCause ??= 'quit';
                return;
        }
        // R has used the grants of an execution it ended and of those before it.
        if (message.kind === 'done') this.channel?.grants.started(message.id);
        this.events.message(message);
        if (message.kind === 'ready') this.onReady();
    }

    private attachOutput(stream: 'stdout' | 'stderr', source: net.Socket | NodeJS.ReadableStream): void {
        this.outputs.push(source);
        const splitter = new OutputStream(this.markerToken);
        source.on('data', (chunk: Buffer) => {
            // After a crash R repeats its "Selection:" prompt while it waits
            // to be stopped; none of that is worth passing on.
            if (this.crashTimer && /Possible actions:/.test(this.stderrTail)) return;
            let events = splitter.push(chunk);
            if (stream === 'stdout') {
                events = this.console.filter(events);
                // The end marker on stdout comes after every feed marker of
                // its execution: R's console needs its code no more.
                for (const event of events) if (event.kind === 'marker') this.code.delete(Number(event.id));
            }
            if (stream === 'stderr') {
                for (const event of events) if (event.kind === 'text') this.keepTail(event.text);
            }
            if (events.length) this.events.output(stream, events);
        });
        source.on('end', () => {
            const events = splitter.end();
            if (events.length) this.events.output(stream, events);
        });
        source.on('error', () => undefined);
    }

    /** Flow control: stop reading R's output while the client is behind. */
    pauseOutput(paused: boolean): void {
        for (const source of this.outputs) {
            if (paused) source.pause();
            else source.resume();
        }
    }

    private keepTail(text: string): void {
        // Searched before the tail is cut: the report may arrive in one chunk
        // with more than a tail's worth of text after it.
        const seen = this.stderrTail.slice(-64) + text;
        this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
        // After a fatal signal (a segfault in C code) R prints its report and
        // then, being interactive, would ask what to do; its state cannot be
        // trusted any more. Let the report arrive, then stop it.
        const crash = /\*\*\* caught (segfault|bus error|illegal operation) \*\*\*/.exec(seen);
        if (crash && !this.crashTimer) {
            this.crashTimer = setTimeout(() => this.kill(`R crashed (caught ${crash[1]})`, 'died'), 100);
            this.crashTimer.unref();
        }
    }

    /**
     * Synchronous: the server may be about to exit. R's own temporary folder
     * goes too: R removes it only when it exits by itself, and TMPDIR from a
     * .Renviron may have put it outside the private folder.
     */
    private removeTmpDir(): void {
        removeRTempDir(this.rTempDir);
        this.rTempDir = undefined;
        if (!this.tmpDir) return;
        try {
            fs.rmSync(this.tmpDir, { recursive: true, force: true });
        } catch {
            // Nothing more to do about it.
        }
        this.tmpDir = undefined;
    }

    /**
     * The server is exiting with this kernel still alive (an `exit`
     * notification, a fatal error): nothing asynchronous can run any more,
     * so R and its group are killed and the private folder removed now.
     */
    abandon(): void {
        if (this.pid !== undefined && !this.hasExited) killProcessTree(this.pid, 'SIGKILL');
        this.channel?.close();
        this.removeTmpDir();
    }

    private tailForMessage(): string {
        const tail = this.stderrTail.trim();
        return tail ? ` R said:\n${tail}` : '';
    }

    private onExit(code: number | null, signal: NodeJS.Signals | null): void {
        if (this.hasExited) return;
        this.hasExited = true;
        this.channel?.close();
        (this.consoleInput as net.Socket | undefined)?.destroy?.();
        this.consoleInput = undefined;
        // Output sources end by themselves when the last writer closes; a
        // background child of R may keep them open, so they are destroyed
        // after a moment rather than waited for.
        setTimeout(() => {
            for (const source of this.outputs) (source as net.Socket).destroy?.();
        }, 200).unref();
        // What R started and left behind in its process group goes with it.
        if (this.pid !== undefined) killProcessGroup(this.pid, 'SIGKILL');
        live.delete(this);
        this.removeTmpDir();
        this.markExited();
        if (this.ready) this.events.exit({ code, signal, stderrTail: this.stderrTail, reason: this.exitReason, cause: this.exitCause ?? 'died' });
    }
}

function checkHello(hello: Hello): string | undefined {
    if (hello.protocol !== KERNEL_PROTOCOL_VERSION) {
        return (
            `The R kernel speaks protocol version ${hello.protocol}, but this server expects version ${KERNEL_PROTOCOL_VERSION}. ` +
            'The kernel files do not belong to this server: reinstall the extension (or rebuild with `npm run build`).'
        );
    }
    if (compareVersions(hello.rVersion, MINIMUM_R_VERSION) < 0) {
        return `R ${hello.rVersion} is too old: R ${MINIMUM_R_VERSION} or newer is needed. Install a newer R or point the R path setting at one.`;
    }
    if (!hello.jsonlite) {
        return (
            'The R package jsonlite is not installed, and the kernel needs it. Install it with ' +
            'install.packages("jsonlite") in R, or on Debian and Ubuntu with `apt-get install r-cran-jsonlite`.'
        );
    }
    return undefined;
}

/**
 * Removes `dir`, R's tempdir() as the kernel reported it, only if it is what
 * R makes there: a real folder (not a link) named Rtmp and six characters,
 * owned by this user. Anything else is left alone.
 */
export function removeRTempDir(dir: string | undefined): void {
    if (!dir || !path.isAbsolute(dir) || !/^Rtmp[A-Za-z0-9]{6}$/.test(path.basename(dir))) return;
    try {
        const stat = fs.lstatSync(dir);
        if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) return;
        fs.rmSync(dir, { recursive: true, force: true });
    } catch {
        // Gone already, or not ours to remove.
    }
}

/** What a .Renviron line may not set: R reads the file before the kernel runs, and these would replace the kernel. */
const KERNEL_VARIABLES: Record<string, string> = {
    R_PROFILE_USER: "names the file R runs at start-up, which must be the kernel's bootstrap",
    RBRIDGE_KERNEL_DIR: "names the folder of the kernel's own files",
};

/**
 * The user .Renviron R will read (R's rule: the file R_ENVIRON_USER names,
 * else ./.Renviron of the working directory, else ~/.Renviron), checked for
 * a line that would stop the kernel from starting; the message for the user,
 * or undefined. Without this, R would start without the kernel and the start
 * would only time out.
 */
export function renvironOverride(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
    const home = env.HOME || os.homedir();
    const named = env.R_ENVIRON_USER;
    const candidates = named ? [named.replace(/^~(?=\/|$)/, home)] : [path.join(cwd, '.Renviron'), path.join(home, '.Renviron')];
    const file = candidates.map((f) => path.resolve(cwd, f)).find((f) => fs.existsSync(f));
    if (!file) return undefined;
    let text: string;
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch {
        return undefined;
    }
    for (const line of text.split(/\r?\n/)) {
        const name = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=/.exec(line)?.[1];
        if (name && name in KERNEL_VARIABLES) {
            return (
                `R cannot start the kernel: ${file} sets ${name}, which ${KERNEL_VARIABLES[name]} (R reads that file before the kernel runs, and its values win). ` +
                `Remove the ${name} line from ${file}` +
                (name === 'R_PROFILE_USER' ? '; to have a profile of your own run, name it with R_PROFILE_USER in the `rbridge.env` setting instead.' : '.')
            );
        }
    }
    return undefined;
}

function isDirectory(dir: string): boolean {
    try {
        return fs.statSync(dir).isDirectory();
    } catch {
        return false;
    }
}

export function compareVersions(a: string, b: string): number {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d) return d;
    }
    return 0;
}

function spawnFailureMessage(rPath: string, e: NodeJS.ErrnoException): string {
    if (e.code === 'ENOENT') {
        return (
            `R was not found (tried '${rPath}'). Install R (https://cloud.r-project.org), or set the R path: ` +
            'the `rbridge.rPath` setting in VS Code, the `rPath` initialization option, or `--r` for the command-line client.'
        );
    }
    if (e.code === 'EACCES') return `'${rPath}' cannot be run (permission denied). Check the R path setting (\`rbridge.rPath\`).`;
    return `R could not be started from '${rPath}': ${e.message}`;
}

function startExitMessage(code: number | null, signal: string | null, tail: string): string {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const said = tail.trim() ? `\nR said:\n${tail.trim()}` : '';
    return `R ${how} before the kernel was ready.${said}`;
}
