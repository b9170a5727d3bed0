/**
 * The command-line client on a real terminal: a pseudo-terminal made by
 * util-linux's `script` (`script -qfec CMD /dev/null`), so that rbridge
 * sees a TTY on stdin and stdout and runs its interactive console (line
 * editing, raw mode, history, Ctrl+D, Ctrl+Z). What is written to the
 * process goes to the terminal as keys; what the terminal shows is
 * collected raw, escape sequences included. No npm package is needed.
 *
 * The shell command prints `PID <pid>` of the shell (and `TTY <device>`)
 * first, so that a test can signal the process and resize the terminal.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI, ROOT } from '../support/paths';
import { childrenOf, isRunning, killIfRunning, track, trackPid } from '../support/procs';
import { WatchedProcess } from './watchedProcess';

export interface PtyOptions {
    /** Terminal size at the start. */
    columns?: number;
    rows?: number;
    /** Extra environment; HOME defaults to a fresh temporary folder (for ~/.rbridge_history). */
    env?: Record<string, string>;
    /**
     * Run rbridge under `bash -c "set -m; …; fg"` instead of exec'ing it:
     * job control, so that Ctrl+Z really stops it and the shell's `fg`
     * continues it, as at an interactive shell.
     */
    jobControl?: boolean;
}

/** A shell word. */
function quote(word: string): string {
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

export class PtyProcess extends WatchedProcess {
    /** Everything the terminal showed, raw. */
    output = '';
    /** The temporary HOME (unless the test gave one). */
    readonly home: string;

    private constructor(child: ChildProcess, home: string) {
        super(child);
        this.home = home;
    }

    protected received(_stream: 'stdout' | 'stderr', text: string): void {
        this.output += text;
    }

    static start(args: string[], options: PtyOptions = {}): PtyProcess {
        const home = options.env?.HOME ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-pty-home-'));
        const cli = ['node', CLI, ...args].map(quote).join(' ');
        const size = `stty cols ${options.columns ?? 100} rows ${options.rows ?? 40}`;
        const command = options.jobControl
            ? `bash -c ${quote(`set -m; echo "PID $$ TTY $(tty)"; ${size}; ${cli}; echo STOPPED; fg`)}`
            : `echo "PID $$ TTY $(tty)"; ${size}; exec ${cli}`;
        // A terminal of 256 colours, whatever the test run's own terminal says.
        const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', HOME: home };
        // What else Node's getColorDepth() reads: a CI variable alone means no colour, TMUX means 24-bit.
        for (const name of ['COLORTERM', 'NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'R_CLI_NUM_COLORS', 'CI', 'TMUX', 'TERM_PROGRAM', 'TEAMCITY_VERSION']) delete env[name];
        const child = track(
            spawn('script', ['-qfec', command, '/dev/null'], {
                cwd: ROOT,
                env: { ...env, ...options.env },
                stdio: ['pipe', 'pipe', 'pipe'],
            }),
        );
        return new PtyProcess(child, home);
    }

    /** The shell's pid (rbridge's own, unless `jobControl`). */
    get shellPid(): number {
        const match = /PID (\d+) TTY/.exec(this.output);
        if (!match) throw new Error(`no PID line yet; ${this.describe()}`);
        return Number(match[1]);
    }

    /** The terminal device (/dev/pts/N). */
    get tty(): string {
        const match = /TTY (\/dev\/\S+)/.exec(this.output);
        if (!match) throw new Error(`no TTY line yet; ${this.describe()}`);
        return match[1];
    }

    /** rbridge's pid: the shell's own, or its child under `jobControl`. */
    cliPid(): number {
        const shell = this.shellPid;
        const children = childrenOf(shell);
        const pid = children.length ? children[0] : shell;
        trackPid(pid);
        return pid;
    }

    /** Keys, as typed. */
    type(keys: string): void {
        this.child.stdin!.write(keys);
    }

    /** Sets the terminal's size; the kernel sends SIGWINCH to the program in the foreground. */
    resize(columns: number, rows = 40): void {
        execFileSync('stty', ['-F', this.tty, 'cols', String(columns), 'rows', String(rows)]);
    }

    /** How often `text` occurs in the output so far. */
    count(text: string): number {
        return this.output.split(text).length - 1;
    }

    /** Waits until the output (after `from` characters) matches. */
    waitFor(text: string | RegExp, ms = 20000, from = 0): Promise<void> {
        const found = () => {
            const out = this.output.slice(from);
            return typeof text === 'string' ? out.includes(text) : text.test(out);
        };
        return this.until(found, ms, `${String(text)} on the terminal`);
    }

    /**
     * Ends everything: rbridge gets SIGTERM (it shuts its server and R down),
     * then `script` goes; all by pid.
     */
    async stop(): Promise<void> {
        if (!this.exited) {
            let cli: number | undefined;
            try {
                cli = this.cliPid();
            } catch {
                // It never printed its pid.
            }
            if (cli !== undefined && isRunning(cli)) {
                process.kill(cli, 'SIGCONT');
                process.kill(cli, 'SIGTERM');
                await this.waitForExit(8000).catch(() => undefined);
            }
            if (!this.exited && this.child.pid !== undefined) killIfRunning(this.child.pid);
        }
        if (this.home.includes('rbridge-pty-home-')) fs.rmSync(this.home, { recursive: true, force: true });
    }

    describe(): string {
        return `terminal output: ${JSON.stringify(this.output.slice(-3000))}`;
    }
}
