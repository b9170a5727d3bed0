/**
 * `rbridge`, the command-line client: starts the rbridge server (server.js,
 * next to this bundle in dist/) and drives one R session through it over the
 * same JSON-RPC contract as the VS Code extension (common/protocol.ts). It
 * runs `-e` expressions, a script, or an interactive console. The server
 * connection and the kernel's state are in connection.ts; this file is what
 * the user sees: the console, output, messages and the exit status.
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
    KernelStatusParams,
    OutputParams,
    PlotParams,
    DataViewInfo,
} from '../common/protocol';
import { CliOptions, USAGE, parseArgs } from './args';
import { ServerConnection } from './connection';
import { LineSource, ReadCancelled } from './lines';
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

interface Running {
    interrupts: number;
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

    /** What the terminal shows after the last line break of R's output, for the next prompt. */
    private tail = '';
    private readonly blocked = new Set<NodeJS.WriteStream>();

    constructor(private readonly options: CliOptions) {
        this.server = new ServerConnection({
            output: (p) => this.onOutput(p),
            plot: (p) => this.onPlot(p),
            view: (p) => this.views.push(p),
            status: (p) => this.onKernelStatus(p),
            input: (p, token) => this.onInput(p, token),
            serverFailed: (message) => {
                if (this.finishing) return;
                this.message(message);
                void this.finish(1);
            },
        });
    }

    // -----------------------------------------------------------------------
    // The server

    async start(serverPath: string): Promise<void> {
        const init: InitializationOptions = {
            rPath: this.options.rPath && /[\\/]/.test(this.options.rPath) ? path.resolve(this.options.rPath) : this.options.rPath,
            rArgs: this.options.scriptArgs.length ? ['--args', ...this.options.scriptArgs] : [],
            cwd: path.resolve(this.options.cwd ?? process.cwd()),
            autoRestart: this.options.autoRestart,
            workspaceTrusted: this.options.trusted,
        };
        await this.server.start(serverPath, init);
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

    private async onInput(p: InputParams, token: CancellationToken): Promise<InputResult> {
        this.lines ??= new LineSource(false);
        const lines = this.lines;
        if (lines.atEnd) return { text: '', eof: true };
        let prompt = p.prompt;
        if (lines.interactive) prompt = this.promptPrefix() + prompt;
        else if (prompt) this.write('stdout', prompt);
        const abort = new AbortController();
        const subscription = token.onCancellationRequested(() => abort.abort());
        try {
            // An answer: never kept in the history; Ctrl+D ends only this read.
            const line = await lines.read(prompt, abort.signal, 'answer');
            if (lines.interactive) this.tail = '';
            return line === null ? { text: '', eof: true } : { text: line };
        } catch (e) {
            // The server cancelled the request (an interrupt ended the code
            // that asked); it ignores whatever is answered now.
            if (e instanceof ReadCancelled) return { text: '', eof: true };
            throw e;
        } finally {
            subscription.dispose();
        }
    }

    // -----------------------------------------------------------------------
    // Output

    private write(stream: 'stdout' | 'stderr', text: string): void {
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
        if (onTerminal && (this.tail || (this.lines?.interactive && this.lines.waiting))) {
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
    // The REPL

    async repl(): Promise<number> {
        const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
        // On a terminal readline owns Ctrl+C (raw mode turns it into a key);
        // a SIGINT from elsewhere reaches the process handler set in main().
        const lines = new LineSource(interactive, interactive ? loadHistory() : [], () => this.onInterruptKey());
        this.lines = lines;
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
            this.server.interrupt();
            return;
        }
        const lines = this.lines;
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

    const { mode, options } = parsed;
    if (options.cwd !== undefined && !isDirectory(options.cwd)) usageError(`--cwd: '${options.cwd}' is not a directory`);
    let script = '';
    if (mode === 'file') {
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
    if (!fs.existsSync(serverPath)) {
        process.stderr.write(`rbridge: the server was not found at ${serverPath} (build it with 'npm run build', or give --server PATH)\n`);
        process.exit(1);
    }

    const cli = new Cli(options);
    process.on('SIGINT', () => cli.onInterruptKey());
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
        process.on(signal, () => void cli.finish(signal === 'SIGTERM' ? 143 : 129));
    }
    // A reader that went away (`rbridge ... | head`) ends the run quietly.
    process.stdout.on('error', () => cli.outputFailed(process.stdout));
    process.stderr.on('error', () => cli.outputFailed(process.stderr));
    try {
        await cli.start(serverPath);
        const status = mode === 'expr' ? await cli.runExprs() : mode === 'file' ? await cli.runFile(options.file!, script) : await cli.repl();
        await cli.finish(status);
    } catch (e) {
        process.stderr.write(`rbridge: ${(e as Error).message ?? e}\n`);
        await cli.finish(1);
    }
}

function isDirectory(dir: string): boolean {
    try {
        return fs.statSync(dir).isDirectory();
    } catch {
        return false;
    }
}

void main();
