/**
 * `rbridge`, the command-line client: starts the rbridge server (server.js,
 * next to this bundle in dist/), or attaches to a detached session
 * (`--attach`, `--session`), and drives one R session through it over the
 * same JSON-RPC contract as the VS Code extension (common/protocol.ts). It
 * runs `-e` expressions, a script, or an interactive console, or runs a
 * script as a background job and follows it (`rbridge job`). The server
 * connection and the kernel's state are in connection.ts, finding, starting,
 * listing and stopping sessions in sessions.ts, how jobs are written in
 * jobs.ts; this file is what the user sees: the console, output, messages
 * and the exit status.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { CancellationToken } from 'vscode-jsonrpc/node';
import {
    ConsoleParams,
    ExecuteParams,
    ExecuteResult,
    ExecutionStatus,
    InitializationOptions,
    InputParams,
    InputResult,
    JobInfo,
    JobProgressParams,
    KernelStatusParams,
    OutputParams,
    PlotParams,
    DataViewInfo,
    SessionInfoResult,
    StatusResult,
} from '../common/protocol';
import { SessionEntry, listSessions, sameFolder } from '../common/sessions';
import { CliOptions, RunMode, USAGE, parseArgs } from './args';
import { AttachInfo, ConnectionHandlers, JobEvent, ServerConnection } from './connection';
import { describeResult, formatDuration, formatJobError, formatJobs, jobLabel, progressBar, progressLine } from './jobs';
import { LineSource, ReadCancelled } from './lines';
import { SessionProblem, attachProblem, chooseSession, formatBytes, formatSessions, startSession, waitForExit } from './sessions';
import { formatTable } from './table';

const HISTORY_FILE = path.join(os.homedir(), '.rbridge_history');
const HISTORY_LINES = 1000;
/** Ctrl+C presses, while one execution runs, after which rbridge gives up on R and quits. */
const INTERRUPTS_BEFORE_QUIT = 4;
/** A partial output line longer than this is not carried into the prompt; the prompt starts a new line. */
const PROMPT_PREFIX_MAX = 200;
/** How long terminal resizes are collected before R is told the new width. */
const RESIZE_DEBOUNCE_MS = 100;
/** How many rows View(x) prints. */
const VIEW_ROWS = 10;
/** The progress line on a terminal is drawn at most this often. */
const PROGRESS_DRAW_MS = 100;
/** Into a pipe or a file, a progress line is written at most this often (the last one always). */
const PROGRESS_LINE_MS = 1000;
/** How long the session's R may take to start when a job needs it (the server's own limit is 30 s). */
const R_READY_MS = 40000;
/** How long a job's cancel (r/job/cancel) may take after Ctrl+C before rbridge leaves anyway. */
const JOB_CANCEL_MS = 5000;

interface Running {
    interrupts: number;
}

/** The background job `rbridge job` follows. */
interface FollowedJob {
    /** Known once r/job/start has answered; news of jobs before then waits in `early`. */
    jobId?: string;
    early: JobEvent[];
    /** The script, absolute (as the server knows it) and as the user named it. */
    file: string;
    shownFile: string;
    /** Resolves with the job's last state once it has ended. */
    ended: (info: JobInfo) => void;
    /** The worker has been named. */
    workerSaid: boolean;
    /** Ctrl+C was pressed: the job is being cancelled. */
    cancelling: boolean;
    progress?: JobProgressParams;
    /** The progress line is on the terminal now (and is wiped before other output). */
    progressShown: boolean;
    /** The last plain progress line (not on a terminal). */
    progressSaid?: string;
    progressDrawnAt: number;
    progressTimer?: ReturnType<typeof setTimeout>;
}

class Cli {
    private readonly server: ServerConnection;
    private finishing: Promise<never> | undefined;

    /** Deaths of R, each already reported to the user. */
    private deaths = 0;
    /** R's exit status when user code ended R with q(): rbridge then exits with it. */
    private quitStatus: number | undefined;

    /** The execution in progress, if any: Ctrl+C interrupts it. */
    private running: Running | undefined;
    /** Executions that wrote to stderr, so that their errors are not printed a second time. */
    private readonly wroteStderr = new Set<string>();

    /** The REPL's input, or (in -e and file mode) stdin once R asks for input. */
    private lines: LineSource | undefined;
    /** Lines of an incomplete expression, in the REPL. */
    private pending: string[] = [];
    /** Consecutive Ctrl+C presses at an empty prompt. */
    private ctrlC = 0;
    /** Called when R dies while the REPL waits for a line. */
    private abortRead: (() => void) | undefined;
    private diedWhileIdle = false;
    /** Views R code opened (View()) during the running execution, shown after it. */
    private views: DataViewInfo[] = [];
    /** The plot lines, in order (see onPlot). */
    private plots: Promise<void> = Promise.resolve();

    /** The detached session this client is attached to (--attach, --session). */
    private attachedTo: SessionEntry | undefined;
    /** The session's first r/kernelStatus after attaching repeats a state, not news (a death that happened earlier). */
    private replaying = false;
    /** The connection to the session broke: R may or may not be running, so "R keeps running" is not said. */
    private lost = false;
    /** The console is running (it says so when it detaches, and what other clients' code did). */
    private inRepl = false;
    /** Code that was running when this client attached, by execution id, for the line that says it ended. */
    private readonly foreign = new Map<string, string>();

    /** What the terminal shows after the last line break of R's output, for the next prompt. */
    private tail = '';
    /** R's own prompt while the terminal reads R an answer (readline(), `Browse[1]> `), without the output before it. */
    private answering: string | undefined;
    /** Ctrl+C at R's browser prompt: stops reading its answer (R stays stopped, and the server asks again). */
    private leaveBrowserRead: (() => void) | undefined;
    private readonly blocked = new Set<NodeJS.WriteStream>();

    /** The job `rbridge job` follows. */
    private followed: FollowedJob | undefined;

    constructor(
        private readonly options: CliOptions,
        private readonly mode: RunMode,
    ) {
        this.server = new ServerConnection({
            output: (p) => this.onOutput(p),
            plot: (p) => this.onPlot(p),
            view: (p) => this.views.push(p),
            status: (p) => this.onKernelStatus(p),
            input: (p, token) => this.onInput(p, token),
            serverFailed: (message) => {
                if (this.finishing) return;
                this.lost = true;
                this.message(message);
                void this.finish(1);
            },
            executionResult: (p) => this.onForeignResult(p),
            job: (e) => this.onJobEvent(e),
        });
    }

    // -----------------------------------------------------------------------
    // The server

    /** How R is started: by this client's server, or by a session whose first client this is. */
    private initOptions(): InitializationOptions {
        return {
            rPath: this.options.rPath && /[\\/]/.test(this.options.rPath) ? path.resolve(this.options.rPath) : this.options.rPath,
            rArgs: this.options.scriptArgs.length ? ['--args', ...this.options.scriptArgs] : [],
            cwd: path.resolve(this.options.cwd ?? process.cwd()),
            autoRestart: this.options.autoRestart,
            workspaceTrusted: this.options.trusted,
        };
    }

    async start(serverPath: string): Promise<void> {
        await this.server.start(serverPath, this.initOptions());
        this.afterStart();
    }

    /**
     * Attaches to a detached session: says which, and what happened while
     * no client was there, before the session's backlog is printed. A
     * session whose R has ended, with no new one coming, gets a new R.
     */
    async attach(entry: SessionEntry): Promise<void> {
        let attached: AttachInfo;
        try {
            attached = await this.server.attach(entry, this.initOptions());
        } catch (e) {
            throw attachProblem(entry, e);
        }
        this.attachedTo = entry;
        this.describeAttach(entry, attached.info, attached.status);
        // A client that attaches to a running session hears its state once
        // more (r/kernelStatus), then the backlog.
        this.replaying = attached.info.reattached;
        const replayed = attached.info.reattached ? this.server.waitForStatus((p) => !p.notice, 5000) : Promise.resolve(false);
        await this.server.ready();
        await replayed;
        this.replaying = false;
        if (this.server.state === 'dead' && !this.server.restartComing) {
            const reason = this.server.lastStatus?.reason;
            this.message(`R in this session had ended${reason ? ` (${reason})` : ''}; starting a new R`);
            await this.server.restart();
        }
        this.afterStart();
    }

    /** The lines said on attaching: the session, R, and what came to pass meanwhile. */
    private describeAttach(entry: SessionEntry, info: SessionInfoResult, status: StatusResult): void {
        const r = status.rVersion && status.pid ? `R ${status.rVersion}, pid ${status.pid}` : status.state === 'dead' ? 'R not running' : info.reattached ? `R ${status.state}` : 'starting R';
        const others = info.clients ? `; ${info.clients} other client${info.clients === 1 ? '' : 's'} attached` : '';
        this.message(`attached to R session ${info.id ?? entry.id} (${r}, workspace ${info.workspace ?? entry.workspace}${others})`);
        if (info.dropped.length) {
            const shown = info.dropped.slice(0, 5).map((d) => `\`${d.codePreview}\``);
            if (info.dropped.length > shown.length) shown.push(`and ${info.dropped.length - shown.length} more`);
            const n = info.dropped.length;
            this.message(`${n === 1 ? '1 execution' : `${n} executions`} queued by a client that left ${n === 1 ? 'was' : 'were'} dropped, not run: ${shown.join(', ')}`);
        }
        if (info.backlogBytes || info.backlogDroppedBytes) {
            const lost = info.backlogDroppedBytes ? `; ${formatBytes(info.backlogDroppedBytes)} before it could not be kept` : '';
            this.message(`output from while no client was attached follows (${formatBytes(info.backlogBytes)}${lost})`);
        }
        if (info.running) {
            this.foreign.set(info.running.executionId, info.running.codePreview);
            const seconds = Math.round(info.running.elapsedMs / 1000);
            // A job runs beside it, on a worker of its own.
            const after = this.mode === 'job' ? '' : ', and code given here runs after it';
            this.message(`R is running \`${info.running.codePreview}\` (for ${seconds} s); its output follows${after}`);
        }
    }

    private afterStart(): void {
        if (this.options.plots) {
            const [width, height] = this.options.plotSize;
            this.server.plotSettings({ width, height, pixelRatio: 1 });
        }
        this.followTerminal();
    }

    /**
     * On a terminal, R prints as wide as it is and in the colours it shows,
     * from the start and after every resize (SIGWINCH). Into a pipe or a
     * file nothing is said, and R keeps its defaults (80 columns, no colour).
     */
    private followTerminal(): void {
        const stdout = process.stdout;
        if (!stdout.isTTY) return;
        const send = () => {
            const params = terminalConsole(stdout);
            if (params) this.server.console(params);
        };
        send();
        let timer: ReturnType<typeof setTimeout> | undefined;
        stdout.on('resize', () => {
            if (timer) clearTimeout(timer);
            timer = setTimeout(send, RESIZE_DEBOUNCE_MS);
            timer.unref();
        });
    }

    /** Shuts the server (and with it R) down and exits with `code`. Only the first call counts. */
    finish(code: number): Promise<never> {
        this.finishing ??= this.shutdown(code);
        return this.finishing;
    }

    private async shutdown(code: number): Promise<never> {
        // Pictures still on their way are written before R goes.
        await this.plots;
        if (this.lines?.interactive) saveHistory(this.lines.history);
        this.lines?.close();
        // Leaving the console of a session only detaches from it.
        if (this.attachedTo && this.inRepl && !this.lost && this.quitStatus === undefined) {
            this.message('detached; R keeps running (rbridge --attach to come back)');
        }
        await this.server.shutdown();
        await Promise.all([drain(process.stdout), drain(process.stderr)]);
        process.exit(code);
    }

    // -----------------------------------------------------------------------
    // Messages from the server

    private onOutput(p: OutputParams): void {
        if (p.stream === 'stderr' && p.executionId) this.wroteStderr.add(p.executionId);
        this.write(p.stream, p.text);
    }

    /**
     * A plot: one line where R's output goes, `[plot N]`; with --plots DIR
     * the picture is written to DIR/plot-N.png first (an update of the plot
     * writes the same file again) and the line names the file. R sends the
     * picture with the plot, except for pages that ended in the middle of
     * an execution: those are asked for (the request waits behind the
     * execution). The lines keep the order of the plots.
     */
    private onPlot(p: PlotParams): void {
        const updated = p.kind === 'update' ? ' updated' : '';
        const dir = this.options.plots;
        if (!dir) {
            this.write('stdout', `[plot ${p.plotId}${updated}]\n`);
            return;
        }
        const [width, height] = this.options.plotSize;
        const image = p.image ? Promise.resolve(p.image) : this.server.renderPlot({ plotId: p.plotId, width, height, pixelRatio: 1, format: 'png' });
        this.plots = this.plots.then(async () => {
            let data: string;
            try {
                data = (await image).data;
            } catch (e) {
                this.write('stdout', `[plot ${p.plotId}${updated}: not written: ${(e as Error).message}]\n`);
                return;
            }
            const file = path.join(dir, `plot-${p.plotId}.png`);
            try {
                fs.writeFileSync(file, Buffer.from(data, 'base64'));
                this.write('stdout', `[plot ${p.plotId}${updated}: ${file}]\n`);
            } catch (e) {
                this.message(`could not write ${file}: ${(e as Error).message}`);
            }
        });
    }

    private onKernelStatus(p: KernelStatusParams): void {
        if (this.finishing) return;
        if (this.replaying && !p.notice) {
            // The session's state as it was when we attached: not news.
            this.replaying = false;
            return;
        }
        if (p.notice) {
            // Not a change of state: advice (R ignoring interrupts).
            if (p.reason) this.message(p.reason);
            return;
        }
        if (p.state !== 'dead') return;
        switch (p.deathCause) {
            case 'startFailed':
                // R could not be started (not found, too old, a broken
                // installation); nothing retries that by itself.
                this.message(p.reason ?? 'R could not be started.');
                void this.finish(1);
                return;
            case 'quit':
                // The code being run ended R with q() or quit(): the session
                // is over, with R's exit status.
                this.quitStatus = typeof p.exitCode === 'number' ? p.exitCode : 1;
                break;
            default:
                this.deaths++;
                this.message(`${p.deathCause === 'stopped' ? 'R was stopped' : 'R died'}: ${p.reason ?? 'no reason was given'}`);
                break;
        }
        if (!this.running) {
            this.diedWhileIdle = true;
            this.abortRead?.();
        }
    }

    /** Code that was running when we attached has ended (its client had gone): said in the console. */
    private onForeignResult(p: ExecuteResult): void {
        const code = this.foreign.get(p.executionId);
        this.foreign.delete(p.executionId);
        if (this.finishing || !this.inRepl) return;
        const what = code ? `\`${code}\`` : 'the code of a client that left';
        this.message(p.status === 'ok' || p.status === 'error' ? `${what} has finished` : `${what} ended: ${p.status}`);
    }

    private async onInput(p: InputParams, token: CancellationToken): Promise<InputResult> {
        this.lines ??= new LineSource(false);
        const lines = this.lines;
        if (lines.atEnd) return { text: '', eof: true };
        let prompt = p.prompt;
        if (lines.interactive) prompt = this.promptPrefix() + prompt;
        else if (prompt) this.write('stdout', prompt);
        const abort = new AbortController();
        const subscription = token.onCancellationRequested(() => abort.abort());
        if (lines.interactive) this.answering = p.prompt;
        // Ctrl+C at the browser's prompt ends this read at once, so that
        // what is typed next waits for the question the server asks again
        // (after its interrupt) instead of answering this one, which it
        // withdraws; this request is answered once withdrawn.
        let left = false;
        const leave = () => {
            left = true;
            abort.abort();
        };
        if (p.kind === 'browser') this.leaveBrowserRead = leave;
        try {
            // An answer: Ctrl+D ends only this read. Kept out of the history
            // (a password, a menu choice), except what is typed at R's
            // browser (`n`, `where`, R code), which R's console keeps too.
            const line = await lines.read(prompt, abort.signal, 'answer');
            if (lines.interactive) this.tail = '';
            if (line !== null && p.kind === 'browser') lines.addHistory(line);
            return line === null ? { text: '', eof: true } : { text: line };
        } catch (e) {
            // The server cancelled the request (an interrupt ended the code
            // that asked); it ignores whatever is answered now.
            if (!(e instanceof ReadCancelled)) throw e;
            if (left && !token.isCancellationRequested) await new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
            return { text: '', eof: true };
        } finally {
            this.answering = undefined;
            if (this.leaveBrowserRead === leave) this.leaveBrowserRead = undefined;
            subscription.dispose();
        }
    }

    // -----------------------------------------------------------------------
    // Output

    private write(stream: 'stdout' | 'stderr', text: string): void {
        this.wipeProgress();
        const lines = this.lines;
        if (this.answering !== undefined && lines?.interactive && lines.waiting) {
            // R's output that arrives while its question shows (what R
            // printed just before asking, such as the browser's `debug at
            // #4: x <- 1`, may come a moment after the question): the prompt
            // row goes, the output takes its place, and the prompt follows
            // it with what has been typed, as in R's console.
            lines.hidePrompt();
            process.stdout.write(this.tail);
            this.put(stream, text);
            lines.reprompt(this.promptPrefix() + this.answering);
            return;
        }
        if (this.attachedTo && lines?.interactive && lines.waiting) {
            // Output of other clients' code (or from before we attached)
            // while the prompt shows: it goes above the prompt, which is
            // drawn again under it with what has been typed.
            lines.hidePrompt();
            this.put(stream, text);
            if (this.tail) {
                process.stdout.write('\n');
                this.tail = '';
            }
            lines.showPrompt();
            return;
        }
        this.put(stream, text);
    }

    private put(stream: 'stdout' | 'stderr', text: string): void {
        const target = stream === 'stdout' ? process.stdout : process.stderr;
        // A stream whose reader has gone (EPIPE) never drains: its output is
        // dropped rather than waited for, so that the server's messages keep
        // flowing (its answer to shutdown among them).
        if (target.errored || target.destroyed || !target.writable) return;
        if (!target.write(text) && !this.blocked.has(target)) {
            // Flow control: stop reading the server while the terminal or
            // pipe is behind. The server in turn stops reading R.
            this.blocked.add(target);
            this.server.pauseReading();
            target.once('drain', () => {
                this.blocked.delete(target);
                if (!this.blocked.size) this.server.resumeReading();
            });
        }
        const cut = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
        this.tail = cut >= 0 ? text.slice(cut + 1) : this.tail + text;
        if (this.tail.length > 4 * PROMPT_PREFIX_MAX) this.tail = this.tail.slice(-2 * PROMPT_PREFIX_MAX);
    }

    /** Our stdout or stderr failed (its reader went away): stop waiting for it to drain, and end. */
    outputFailed(target: NodeJS.WriteStream): void {
        if (this.blocked.delete(target) && !this.blocked.size) this.server.resumeReading();
        void this.finish(1);
    }

    /** A note from rbridge itself, on stderr, on a line of its own. */
    private message(text: string): void {
        this.startLine();
        this.write('stderr', `rbridge: ${text}\n`);
    }

    /** An error in the R code that R itself did not print. */
    private codeError(text: string): void {
        this.startLine();
        this.write('stderr', `Error: ${text}\n`);
    }

    private startLine(): void {
        const onTerminal = process.stderr.isTTY && process.stdout.isTTY;
        // Attached, write() moves the prompt out of the way itself.
        const prompting = this.lines?.interactive && this.lines.waiting && !this.attachedTo;
        if (onTerminal && (this.tail || prompting)) {
            process.stderr.write('\n');
            this.tail = '';
        }
    }

    /**
     * Readline draws its prompt from the start of the row, which would wipe
     * output that did not end with a line break (`cat("Name: ")` before
     * readline()); that text becomes part of the prompt instead, so that the
     * row looks as it does in R's console.
     */
    private promptPrefix(): string {
        if (this.tail.length > PROMPT_PREFIX_MAX) {
            process.stdout.write('\n');
            this.tail = '';
        }
        return this.tail;
    }

    // -----------------------------------------------------------------------
    // Executions

    /**
     * Runs code. The server reports R's death (r/kernelStatus `dead`, see
     * onKernelStatus) before it answers the executions the death ended, so
     * `deathReported` is known when the answer is.
     */
    private async run(params: ExecuteParams): Promise<{ result: ExecuteResult; deathReported: boolean }> {
        const running: Running = { interrupts: 0 };
        this.running = running;
        const deathsBefore = this.deaths;
        const result = await this.server.execute(params);
        if (this.running === running) this.running = undefined;
        await this.showViews();
        return { result, deathReported: this.deaths > deathsBefore };
    }

    /**
     * View(x): the first rows, once the execution that asked has ended (R
     * serves data views only while it runs no code), as a table on stdout.
     */
    private async showViews(): Promise<void> {
        for (const view of this.views.splice(0)) {
            try {
                const { schema, rows } = await this.server.viewHead(view.viewId, VIEW_ROWS);
                await this.plots;
                this.write('stdout', formatTable(view, schema, rows, process.stdout.isTTY ? process.stdout.columns : 80));
            } catch (e) {
                this.message(`View(): ${(e as Error).message}`);
            }
        }
    }

    /**
     * Explains a failed execution in -e or file mode. R has already printed
     * errors (and most parse errors) on stderr; only what it did not print
     * is added.
     */
    private report(result: ExecuteResult, deathReported: boolean, where: string): void {
        if (this.finishing) return;
        switch (result.status) {
            case 'ok':
            case 'error':
                break;
            case 'parseError':
                if (!this.wroteStderr.has(result.executionId)) this.codeError(`${result.error?.message ?? 'the code could not be parsed'} in ${where}`);
                break;
            case 'incomplete':
                this.codeError(`incomplete expression: ${where} ends in the middle of an expression`);
                break;
            case 'interrupted':
                // An interrupt, or a jump to the top level (invokeRestart("abort")),
                // which ends a script as in R (Execution halted).
                this.message(result.error?.message && result.error.message !== 'interrupted' ? `${where}: ${result.error.message}` : 'interrupted');
                break;
            case 'cancelled':
                this.message('cancelled');
                break;
            case 'kernelDied':
                // The death itself has been reported; without one (R was
                // restarted, or the connection broke), the answer's reason.
                if (!deathReported) this.message(`${where} did not finish: ${result.error?.message ?? 'no reason was given'}`);
                break;
        }
    }

    /** Whether a failure ends the run even with --no-stop-on-error. */
    private static endsRun(status: ExecutionStatus): boolean {
        return status === 'interrupted' || status === 'cancelled' || status === 'kernelDied';
    }

    async runExprs(): Promise<number> {
        const { exprs } = this.options;
        let failed = false;
        for (let i = 0; i < exprs.length; i++) {
            const { result, deathReported } = await this.run({ code: exprs[i], stopOnError: this.options.stopOnError, echo: this.options.echo });
            if (this.quitStatus !== undefined) return this.quitStatus;
            if (result.status === 'ok') continue;
            failed = true;
            this.report(result, deathReported, exprs.length > 1 ? `-e #${i + 1}` : 'the -e code');
            if (this.options.stopOnError || Cli.endsRun(result.status)) {
                const left = exprs.length - i - 1;
                if (result.status === 'kernelDied' && left > 0 && !this.finishing) {
                    this.message(left === 1 ? 'the remaining -e was not run' : `the remaining ${left} -e were not run`);
                }
                break;
            }
        }
        return failed ? 1 : 0;
    }

    async runFile(file: string, code: string): Promise<number> {
        const lines = code.split('\n');
        const { result, deathReported } = await this.run({
            code,
            uri: pathToFileURL(path.resolve(file)).href,
            range: { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1].length } },
            stopOnError: this.options.stopOnError,
            echo: this.options.echo,
        });
        if (this.quitStatus !== undefined) return this.quitStatus;
        if (result.status === 'ok') return 0;
        this.report(result, deathReported, file);
        if (this.finishing) return 1;
        if (result.status === 'error' && result.error?.line && this.options.stopOnError) {
            // R's message names the failing call; this names the place.
            this.message(`error at ${file}:${result.error.line}`);
        }
        if (result.status === 'kernelDied') {
            this.message(`the rest of ${file} was not run`);
        }
        return 1;
    }

    // -----------------------------------------------------------------------
    // A background job (rbridge job FILE)

    /**
     * Runs `file` as a background job (r/job/start) and follows it: its
     * output as it comes, its progress, and at the end what became of it.
     * Resolves with the exit status: 0 done, 1 failed (or cancelled by
     * someone else), 130 cancelled with Ctrl+C.
     */
    async runJob(file: string): Promise<number> {
        const absolute = path.resolve(file);
        let ended!: (info: JobInfo) => void;
        const end = new Promise<JobInfo>((resolve) => (ended = resolve));
        const job: FollowedJob = { early: [], file: absolute, shownFile: file, ended, workerSaid: false, cancelling: false, progressShown: false, progressDrawnAt: 0 };
        this.followed = job;
        const { name, copyGlobals } = this.options.job;
        // The globals come from the session's R, which must be running by then.
        if (copyGlobals && !(await this.rRunning())) return 1;
        try {
            job.jobId = await this.server.startJob({ file: absolute, ...(name ? { name } : {}), ...(copyGlobals ? { copyGlobals } : {}) });
        } catch (e) {
            this.followed = undefined;
            this.message(`the job could not be started: ${(e as Error).message}`);
            return 1;
        }
        // The server says a job is queued before it answers with its id.
        for (const event of job.early.splice(0)) this.onJobEvent(event);
        if (job.cancelling) this.sendCancel(job);
        const info = await end;
        this.wipeProgress();
        if (job.progressTimer) clearTimeout(job.progressTimer);
        const label = jobLabel(info);
        const took = formatDuration(info.elapsedMs);
        switch (info.state) {
            case 'done': {
                const resultName = this.options.job.resultName;
                if (!resultName) {
                    this.message(`job ${label} done in ${took}: ${describeResult(info)}`);
                    return 0;
                }
                if (!(await this.rRunning())) return 1;
                try {
                    const result = await this.server.jobResult(info.jobId, resultName);
                    this.message(`job ${label} done in ${took}: ${describeResult(result)}, assigned to ${result.assignedTo ?? resultName} in the session`);
                    return 0;
                } catch (e) {
                    this.message(`job ${label} done in ${took} (${describeResult(info)}), but its result was not assigned to ${resultName}: ${(e as Error).message}`);
                    return 1;
                }
            }
            case 'error':
                this.startLine();
                this.write('stderr', formatJobError(info.error ?? { message: 'no reason was given' }, (f) => (f === job.file ? job.shownFile : f)));
                this.message(`job ${label} failed after ${took}`);
                return 1;
            default:
                if (job.cancelling) {
                    this.message(`job ${label} cancelled after ${took}`);
                    return 130;
                }
                this.message(`job ${label} was cancelled (by another client of the session) after ${took}`);
                return 1;
        }
    }

    /** Waits for the session's R to be running (it may be starting); false, said, when it does not come. */
    private async rRunning(): Promise<boolean> {
        const up = () => this.server.state === 'idle' || this.server.state === 'busy';
        if (up()) return true;
        if (this.server.state === 'dead' && !this.server.restartComing) {
            this.message(`R is not running (${this.server.lastStatus?.reason ?? 'it has ended'})`);
            return false;
        }
        const came = await this.server.waitForStatus((p) => !p.notice && (p.state === 'idle' || p.state === 'busy'), R_READY_MS);
        if (!came && !this.finishing) this.message(`R is not running (${this.server.lastStatus?.reason ?? `it did not start within ${R_READY_MS / 1000} s`})`);
        return came;
    }

    private onJobEvent(event: JobEvent): void {
        const job = this.followed;
        if (!job || this.finishing) return;
        if (job.jobId === undefined) {
            job.early.push(event);
            return;
        }
        // A session's clients hear of all its jobs; this one follows its own.
        if (event.params.jobId !== job.jobId) return;
        switch (event.kind) {
            case 'output':
                this.write(event.params.stream, event.params.text);
                this.showProgress(job);
                return;
            case 'progress':
                job.progress = event.params;
                this.showProgress(job);
                return;
            case 'state': {
                const info = event.params;
                if (info.worker && !job.workerSaid && info.state === 'running') {
                    job.workerSaid = true;
                    this.message(`job ${jobLabel(info)} is running on ${info.worker}`);
                    this.showProgress(job);
                }
                if (info.state === 'done' || info.state === 'error' || info.state === 'cancelled') job.ended(info);
                return;
            }
        }
    }

    /**
     * The job's progress: on a terminal, a line on stderr drawn over itself
     * (at most every PROGRESS_DRAW_MS, and only at the start of a line, so
     * that it never mixes with output that has not ended its line); else a
     * plain line now and then (at most every PROGRESS_LINE_MS, and when the
     * job reaches its total).
     */
    private showProgress(job: FollowedJob): void {
        const progress = job.progress;
        if (!progress || this.finishing) return;
        const terminal = Boolean(process.stderr.isTTY);
        const every = terminal ? PROGRESS_DRAW_MS : PROGRESS_LINE_MS;
        const complete = progress.total !== undefined && progress.amount >= progress.total;
        const wait = job.progressDrawnAt + every - Date.now();
        // The last step is shown at once.
        if (wait > 0 && !complete) {
            // Drawn later, with whatever is the latest then.
            job.progressTimer ??= setTimeout(() => {
                job.progressTimer = undefined;
                this.showProgress(job);
            }, wait);
            return;
        }
        if (!terminal) {
            const line = progressLine(job.jobId!, progress);
            // Output alone does not repeat the line.
            if (line === job.progressSaid) return;
            job.progressSaid = line;
            job.progressDrawnAt = Date.now();
            this.message(line);
            return;
        }
        if (this.tail) return;
        process.stderr.write(`\r\x1b[2K${progressBar(progress, process.stderr.columns || 80)}`);
        job.progressShown = true;
        job.progressDrawnAt = Date.now();
    }

    /** Takes the progress line off the terminal before other output (it comes back after). */
    private wipeProgress(): void {
        const job = this.followed;
        if (!job?.progressShown) return;
        job.progressShown = false;
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
    }

    /** Ctrl+C while following a job: cancel it (r/job/cancel), then leave with 130; a second Ctrl+C leaves at once. */
    private cancelJob(): void {
        const job = this.followed!;
        if (job.cancelling) {
            void this.finish(130);
            return;
        }
        job.cancelling = true;
        this.wipeProgress();
        this.message(job.jobId ? `cancelling job ${job.jobId}...` : 'cancelling the job...');
        // Before r/job/start has answered, the cancel follows its answer (runJob).
        if (job.jobId !== undefined) this.sendCancel(job);
    }

    private sendCancel(job: FollowedJob): void {
        const timer = setTimeout(() => {
            this.message(`job ${job.jobId} did not answer the cancel within ${JOB_CANCEL_MS / 1000} s; leaving`);
            void this.finish(130);
        }, JOB_CANCEL_MS);
        this.server.cancelJob(job.jobId!).then(
            (result) => {
                clearTimeout(timer);
                // It had ended already: runJob says how.
                if (!result.cancelled) job.cancelling = false;
            },
            (e: Error) => {
                clearTimeout(timer);
                this.message(`job ${job.jobId} could not be cancelled: ${e.message}`);
                void this.finish(130);
            },
        );
    }

    // -----------------------------------------------------------------------
    // The REPL

    async repl(): Promise<number> {
        const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
        // On a terminal readline owns Ctrl+C (raw mode turns it into a key);
        // a SIGINT from elsewhere reaches the process handler set in main().
        const lines = new LineSource(interactive, interactive ? loadHistory() : [], () => this.onInterruptKey());
        this.lines = lines;
        this.inRepl = true;
        let failed = false;
        for (;;) {
            const line = await this.nextLine();
            if (line === 'died') {
                const exit = await this.afterDeath();
                if (exit !== undefined) return exit;
                continue;
            }
            if (line === null) break;
            this.ctrlC = 0;
            if (!this.pending.length && !line.trim()) continue;
            this.pending.push(line);
            const { result, deathReported } = await this.run({
                code: this.pending.join('\n'),
                stopOnError: this.options.stopOnError,
                echo: this.options.echo,
            });
            if (this.quitStatus !== undefined) return this.quitStatus;
            // Nothing ran: keep the lines and ask for the rest with '+ '.
            if (result.status === 'incomplete') continue;
            this.pending = [];
            if (result.status === 'ok') continue;
            failed = true;
            if (result.status === 'parseError' && !this.wroteStderr.has(result.executionId)) {
                this.codeError(result.error?.message ?? 'the code could not be parsed');
            }
            if (result.status === 'kernelDied') {
                if (!deathReported && !this.finishing) this.message(`the code did not finish: ${result.error?.message ?? 'no reason was given'}`);
                const exit = await this.afterDeath();
                if (exit !== undefined) return exit;
            }
        }
        // End of input.
        if (this.pending.length && !interactive) {
            failed = true;
            this.codeError('incomplete expression at the end of the input');
        }
        if (interactive) process.stdout.write('\n');
        // At a terminal the user has seen every error already; a pipe's
        // caller learns from the status whether everything ran.
        return !interactive && failed ? 1 : 0;
    }

    /** The next line for the REPL, null at the end of input, or 'died' when R died meanwhile. */
    private async nextLine(): Promise<string | null | 'died'> {
        const lines = this.lines!;
        if (this.diedWhileIdle) {
            this.diedWhileIdle = false;
            return 'died';
        }
        const abort = new AbortController();
        this.abortRead = () => abort.abort();
        try {
            const prompt = lines.interactive ? this.promptPrefix() + (this.pending.length ? '+ ' : '> ') : '';
            const line = await lines.read(prompt, abort.signal, 'code');
            if (lines.interactive) this.tail = '';
            // Code typed at R's prompt is what the history keeps.
            if (line !== null) lines.addHistory(line);
            return line;
        } catch (e) {
            if (e instanceof ReadCancelled) {
                this.diedWhileIdle = false;
                return 'died';
            }
            throw e;
        } finally {
            this.abortRead = undefined;
        }
    }

    /** After R died in the REPL: the exit status, or undefined to carry on with a restarted R. */
    private async afterDeath(): Promise<number | undefined> {
        if (this.quitStatus !== undefined) return this.quitStatus;
        this.pending = [];
        const rest = this.lines?.interactive ? 'exiting' : 'the rest of the input was not run';
        if (!this.options.autoRestart) {
            if (!this.finishing) this.message(rest);
            return 1;
        }
        if (this.server.restartComing) this.message('waiting for R to restart...');
        if (!(await this.server.waitForRestart())) {
            if (!this.finishing) this.message(`R was not restarted; ${rest}.`);
            return 1;
        }
        this.message('R has been restarted; the workspace is empty.');
        return undefined;
    }

    /** Ctrl+C at the terminal, or SIGINT from elsewhere. */
    onInterruptKey(): void {
        if (this.finishing) return;
        if (this.followed) {
            this.cancelJob();
            return;
        }
        const running = this.running;
        if (running) {
            if (++running.interrupts >= INTERRUPTS_BEFORE_QUIT) {
                this.message('R does not respond to interrupts; quitting.');
                void this.finish(130);
                return;
            }
            // Ctrl+C while R waits for input: the typed text is dropped.
            if (this.lines?.interactive && this.lines.waiting) {
                this.lines.clearLine();
                this.tail = '';
            }
            this.leaveBrowserRead?.();
            this.server.interrupt();
            return;
        }
        const lines = this.lines;
        if (this.attachedTo && this.server.state === 'busy' && lines?.interactive && lines.waiting && !this.pending.length && !lines.currentLine) {
            // Attached, at an empty prompt while R runs code another client
            // started (or that was running when we attached): as in R's
            // console, Ctrl+C interrupts it.
            this.message('interrupting the code R is running');
            this.server.interrupt();
            return;
        }
        if (lines?.interactive && lines.waiting) {
            if (this.pending.length || lines.currentLine) {
                // Ctrl+C with something typed: drop it and start afresh.
                lines.clearLine();
                this.tail = '';
                this.pending = [];
                this.ctrlC = 0;
                lines.reprompt('> ');
                return;
            }
            if (++this.ctrlC < 2) {
                process.stdout.write('^C\n(To exit, press Ctrl+C again or Ctrl+D, or type q())\n');
                this.tail = '';
                lines.reprompt('> ');
                return;
            }
            void this.finish(0);
            return;
        }
        // Nothing to interrupt (R starting or restarting, or a pipe's REPL
        // waiting for input): Ctrl+C ends rbridge as it would any program.
        void this.finish(130);
    }
}

// ---------------------------------------------------------------------------

/** The terminal's width and colours for r/console: getColorDepth() follows TERM, COLORTERM, NO_COLOR and FORCE_COLOR. */
function terminalConsole(stdout: NodeJS.WriteStream): ConsoleParams | undefined {
    const params: ConsoleParams = {};
    if (stdout.columns > 0) params.width = Math.min(10000, Math.max(10, stdout.columns));
    const depth = typeof stdout.getColorDepth === 'function' ? stdout.getColorDepth() : 1;
    // 16 colours count as the basic 8 (cli has no level between 8 and 256).
    params.colors = depth >= 24 ? 16777216 : depth >= 8 ? 256 : depth >= 4 ? 8 : 1;
    return params;
}

/** Resolves once everything written to `stream` so far has been handed to the system. */
function drain(stream: NodeJS.WriteStream): Promise<void> {
    return new Promise((resolve) => {
        if (stream.destroyed || !stream.writable) {
            resolve();
            return;
        }
        stream.write('', () => resolve());
    });
}

function loadHistory(): string[] {
    try {
        const lines = fs.readFileSync(HISTORY_FILE, 'utf8').split('\n').filter((line) => line.length > 0);
        return lines.slice(-HISTORY_LINES).reverse();
    } catch {
        return [];
    }
}

/** Saves readline's history (newest first) oldest first; a failure only loses the history. */
function saveHistory(newestFirst: string[]): void {
    if (!newestFirst.length) return;
    try {
        const lines = newestFirst.slice(0, HISTORY_LINES).reverse();
        fs.writeFileSync(HISTORY_FILE, lines.join('\n') + '\n', { mode: 0o600 });
    } catch {
        // History is a convenience.
    }
}

function version(): string {
    try {
        const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
        return pkg.version ?? 'unknown';
    } catch {
        return 'unknown';
    }
}

function usageError(message: string): never {
    process.stderr.write(`rbridge: ${message}\nTry 'rbridge --help' for more information.\n`);
    process.exit(2);
}

async function main(): Promise<void> {
    const parsed = parseArgs(process.argv.slice(2));
    if (parsed.kind === 'help') {
        process.stdout.write(USAGE + '\n');
        return;
    }
    if (parsed.kind === 'version') {
        process.stdout.write(`rbridge ${version()}\n`);
        return;
    }
    if (parsed.kind === 'usageError') usageError(parsed.message);
    if (parsed.kind === 'sessions') return listCommand(parsed.json);
    if (parsed.kind === 'stopSession') return stopCommand(parsed.target);

    const { mode, options } = parsed;
    if (options.cwd !== undefined && !isDirectory(options.cwd)) usageError(`--cwd: '${options.cwd}' is not a directory`);
    if (mode === 'jobs') return jobsCommand(options);
    let script = '';
    if (mode === 'file' || mode === 'job') {
        try {
            // A byte order mark is not R code.
            script = fs.readFileSync(options.file!, 'utf8').replace(/^\uFEFF/, '');
        } catch (e) {
            usageError(`cannot read the script '${options.file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
        }
    }
    if (options.plots !== undefined) {
        try {
            fs.mkdirSync(options.plots, { recursive: true });
        } catch (e) {
            usageError(`--plots: cannot make the folder '${options.plots}': ${(e as Error).message}`);
        }
        if (!isDirectory(options.plots)) usageError(`--plots: '${options.plots}' is not a directory`);
    }
    const serverPath = path.resolve(options.server ?? path.join(__dirname, 'server.js'));
    const cwd = path.resolve(options.cwd ?? process.cwd());
    // --attach needs no server of its own; --session needs one only to start a session.
    const needsServer = !options.attach && !(options.session && listSessions().some((s) => sameFolder(s.workspace, cwd)));
    if (needsServer && !fs.existsSync(serverPath)) {
        process.stderr.write(`rbridge: the server was not found at ${serverPath} (build it with 'npm run build', or give --server PATH)\n`);
        process.exit(1);
    }

    const cli = new Cli(options, mode);
    process.on('SIGINT', () => cli.onInterruptKey());
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
        process.on(signal, () => void cli.finish(signal === 'SIGTERM' ? 143 : 129));
    }
    // A reader that went away (`rbridge ... | head`) ends the run quietly.
    process.stdout.on('error', () => cli.outputFailed(process.stdout));
    process.stderr.on('error', () => cli.outputFailed(process.stderr));
    try {
        if (options.attach) {
            await cli.attach(chooseSession(options.attach.target, cwd));
        } else if (options.session) {
            let entry = listSessions().find((s) => sameFolder(s.workspace, cwd));
            if (!entry) {
                entry = await startSession(serverPath, cwd, options.trusted, options.idleTimeoutMinutes);
                process.stderr.write(`rbridge: started R session ${entry.id} for ${entry.workspace} (pid ${entry.pid}; rbridge stop-session ends it)\n`);
            }
            await cli.attach(entry);
        } else {
            await cli.start(serverPath);
        }
        const status =
            mode === 'expr'
                ? await cli.runExprs()
                : mode === 'file'
                  ? await cli.runFile(options.file!, script)
                  : mode === 'job'
                    ? await cli.runJob(options.file!)
                    : await cli.repl();
        await cli.finish(status);
    } catch (e) {
        if (e instanceof SessionProblem) {
            sessionProblem(e);
            await cli.finish(2);
        }
        process.stderr.write(`rbridge: ${(e as Error).message ?? e}\n`);
        await cli.finish(1);
    }
}

function sessionProblem(problem: SessionProblem): void {
    process.stderr.write(`rbridge: ${problem.message}\n${problem.detail ? problem.detail.replace(/\n?$/, '\n') : ''}`);
}

/** `rbridge sessions [--json]`: the live sessions (stale entries are removed on the way). */
function listCommand(json: boolean): void {
    let sessions: SessionEntry[];
    try {
        sessions = listSessions();
    } catch (e) {
        process.stderr.write(`rbridge: the sessions cannot be listed: ${(e as Error).message}\n`);
        process.exit(1);
    }
    if (json) process.stdout.write(JSON.stringify(sessions, null, 2) + '\n');
    else if (sessions.length) process.stdout.write(formatSessions(sessions));
    else process.stderr.write('rbridge: no R session is running\n');
}

/** Ends a session command that failed: status 2 for a session problem (said as such), else 1 with `what`. */
function sessionCommandFailed(e: unknown, what: string): never {
    if (e instanceof SessionProblem) {
        sessionProblem(e);
        process.exit(2);
    }
    process.stderr.write(`rbridge: ${what}: ${(e as Error).message ?? e}\n`);
    process.exit(1);
}

/** Handlers for a connection that only asks the session something: it hears nothing. */
const QUIET: ConnectionHandlers = {
    output: () => undefined,
    plot: () => undefined,
    view: () => undefined,
    status: () => undefined,
    input: () => Promise.resolve({ text: '', eof: true }),
    serverFailed: () => undefined,
    executionResult: () => undefined,
};

/**
 * `rbridge stop-session [TARGET]`: asks the session to end R and itself
 * (r/stopSession), and waits until its server has exited (and with it its
 * registry entry).
 */
async function stopCommand(target: string | undefined): Promise<void> {
    let entry: SessionEntry | undefined;
    try {
        entry = chooseSession(target, process.cwd());
        const server = new ServerConnection(QUIET);
        try {
            await server.attach(entry, { cwd: entry.workspace });
        } catch (e) {
            throw attachProblem(entry, e);
        }
        await server.stopSession();
    } catch (e) {
        sessionCommandFailed(e, 'the session could not be stopped');
    }
    if (!(await waitForExit(entry.pid, 8000))) {
        process.stderr.write(`rbridge: R session ${entry.id} was asked to stop, but its server (pid ${entry.pid}) is still running\n`);
        process.exit(1);
    }
    // Its files are gone with it; a server killed on the way leaves them, which this removes.
    listSessions();
    process.stderr.write(`rbridge: stopped R session ${entry.id} (workspace ${entry.workspace})\n`);
    process.exit(0);
}

/**
 * `rbridge jobs`: the background jobs of a session, as a table (or JSON).
 * It connects without saying `initialized`, so that the output and the
 * news the session keeps for the next client stay kept, and a session
 * whose R has not started yet does not start one for this.
 */
async function jobsCommand(options: CliOptions): Promise<void> {
    const cwd = path.resolve(options.cwd ?? process.cwd());
    let jobs: JobInfo[];
    try {
        // --session means this directory's session (none is started to list nothing).
        const entry = chooseSession(options.session ? cwd : options.attach?.target, cwd);
        const server = new ServerConnection(QUIET);
        try {
            await server.connect(entry, { cwd: entry.workspace });
        } catch (e) {
            throw attachProblem(entry, e);
        }
        try {
            jobs = await server.listJobs();
        } finally {
            await server.shutdown();
        }
    } catch (e) {
        sessionCommandFailed(e, 'the jobs could not be listed');
    }
    if (options.json) process.stdout.write(JSON.stringify(jobs, null, 2) + '\n');
    else if (jobs.length) process.stdout.write(formatJobs(jobs));
    else process.stderr.write('rbridge: the session has no background jobs\n');
    await Promise.all([drain(process.stdout), drain(process.stderr)]);
    process.exit(0);
}

function isDirectory(dir: string): boolean {
    try {
        return fs.statSync(dir).isDirectory();
    } catch {
        return false;
    }
}

void main();
