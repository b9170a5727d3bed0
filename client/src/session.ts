/**
 * The R session as the extension sees it: the language server process
 * (dist/server.js, through vscode-languageclient) and the R kernel behind
 * it. It starts, stops and restarts them through one serial chain, sends
 * executions and keeps a cancellation token for each until it is answered
 * (so that queued ones can be cancelled one by one), and turns the server's
 * notifications into events for the console, the variables view and the
 * status bar.
 *
 * Restart policy, decided on purpose:
 * - **R dies** (a crash, q(), a killed process): the server notices and,
 *   with `rbridge.autoRestart` on, starts a new R itself, with a back-off
 *   and a cap (5 restarts in 5 minutes; see docs/protocol.md). The extension
 *   does not add a second policy on top: the server's r/kernelStatus says
 *   whether a restart is coming (`restartInMs`) or abandoned
 *   (`restartAbandoned`), and feedback.ts tells the user.
 * - **The server process itself dies** (a bug in the server, or it was
 *   killed): R goes with it, so the session is lost either way. The
 *   extension starts a new server once, at once, so that the user keeps a
 *   working R without doing anything; if it dies again within 3 minutes,
 *   something is persistently wrong and restarting in a loop would only
 *   hide it, so the extension stops and says so, with a button to try again
 *   and one to show the log. vscode-languageclient's own default (4
 *   restarts in 3 minutes, with its generic message) is not used.
 * - **R cannot start** (not found, too old, no jsonlite): nothing is
 *   retried automatically; the user is told why, and the next explicit
 *   command (run, restart) tries again, with the settings as they are then.
 */
import * as vscode from 'vscode';
import {
    CloseAction,
    CloseHandlerResult,
    ErrorAction,
    ErrorHandlerResult,
    LanguageClient,
    LanguageClientOptions,
    RequestType,
    ResponseError,
    RevealOutputChannelOn,
    ServerOptions,
    TransportKind,
} from 'vscode-languageclient/node';
import {
    ClearPlotsRequest,
    ClearPlotsResult,
    ConditionNotification,
    ConditionParams,
    ConsoleParams,
    ConsoleRequest,
    DataViewChangedNotification,
    DataViewChangedParams,
    DataViewInfo,
    DataViewOpenNotification,
    ExecuteParams,
    ExecuteRequest,
    ExecuteResult,
    ExecutionStateNotification,
    ExecutionStateParams,
    HelpParams,
    HelpRequest,
    HelpResult,
    InitializationOptions,
    InputParams,
    InputRequest,
    InputResult,
    InterruptRequest,
    InterruptResult,
    KernelNotRunningError,
    KernelStatusNotification,
    KernelStatusParams,
    OutputNotification,
    OutputParams,
    PlotNotification,
    PlotParams,
    PlotSettingsNotification,
    PlotSettingsParams,
    PlotsChangedNotification,
    PlotsChangedParams,
    PlotsRequest,
    PlotsResult,
    Range,
    RemovePlotRequest,
    RemovePlotResult,
    RenderPlotParams,
    RenderPlotRequest,
    RenderPlotResult,
    RestartRequest,
    ShowHelpMatchesNotification,
    ShowHelpMatchesParams,
    ShowHelpNotification,
    ShowHelpParams,
    SymbolsChangedNotification,
    SymbolsChangedParams,
    VariablesParams,
    VariablesRequest,
    VariablesResult,
} from '../../common/protocol';
import { R_DOCUMENTS } from './language/documents';
import { sameLaunch } from './launchOptions';
import { SessionState, restartComing, stateFromStatus } from './sessionState';
import { Settings } from './settings';

export type { DeadState, DeathCause, SessionState } from './sessionState';

export type ExecutionOrigin = 'editor' | 'console' | 'variables' | 'help' | 'api';

export interface ExecutionRequest {
    code: string;
    origin: ExecutionOrigin;
    /** The document the code comes from, and where: errors are mapped back to it. */
    uri?: string;
    range?: Range;
    echo: boolean;
    stopOnError: boolean;
}

export interface ExecutionRecord {
    executionId: string;
    request: ExecutionRequest;
    result: ExecuteResult;
    /** Whether R wrote anything to stderr for it (an error R printed itself). */
    wroteStderr: boolean;
}

export interface PendingExecution {
    executionId: string;
    request: ExecutionRequest;
    /** 'sent': on its way, the server has not said yet whether it runs or waits. */
    state: 'sent' | 'queued' | 'running';
    /** Date.now() when it began running. */
    runningSince?: number;
    wroteStderr?: boolean;
    /** R waits for a line of input it asked for (readline(), menu(), readLines(stdin())). */
    awaitingInput?: boolean;
    readonly cancellation: vscode.CancellationTokenSource;
}

/** Restart the server automatically at most once in this window (see the policy above). */
const SERVER_CRASH_WINDOW_MS = 3 * 60 * 1000;
/** How long `stop()` gives the server to shut R down before it is killed. */
const STOP_TIMEOUT_MS = 4000;
/** How long console size changes are collected before R is told (a drag of the panel's edge is many). */
const CONSOLE_DEBOUNCE_MS = 100;

export class RSession implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private clientSubscriptions: vscode.Disposable[] = [];
    private stateValue: SessionState = { kind: 'stopped' };
    private lifecycle: Promise<unknown> = Promise.resolve();
    private launchOptions: InitializationOptions | undefined;
    private serverCrashes: number[] = [];
    private nextExecution = 1;
    private readonly pendingExecutions = new Map<string, PendingExecution>();
    private lastRecord: ExecutionRecord | undefined;
    /** The console's width and colours, for R (r/console), and whether the server has yet to hear them. */
    private consoleParams: ConsoleParams | undefined;
    private consoleUnsent = false;
    private consoleTimer: ReturnType<typeof setTimeout> | undefined;
    /** The Plots view's size and background (r/plotSettings), sent to every server started. */
    private plotSettingsParams: PlotSettingsParams | undefined;

    private readonly stateEmitter = new vscode.EventEmitter<SessionState>();
    private readonly outputEmitter = new vscode.EventEmitter<OutputParams>();
    private readonly conditionEmitter = new vscode.EventEmitter<ConditionParams>();
    private readonly symbolsEmitter = new vscode.EventEmitter<SymbolsChangedParams>();
    private readonly executionsEmitter = new vscode.EventEmitter<void>();
    private readonly startedEmitter = new vscode.EventEmitter<PendingExecution>();
    private readonly executedEmitter = new vscode.EventEmitter<ExecutionRecord>();
    private readonly noticeEmitter = new vscode.EventEmitter<KernelStatusParams>();
    private readonly plotEmitter = new vscode.EventEmitter<PlotParams>();
    private readonly plotsChangedEmitter = new vscode.EventEmitter<PlotsChangedParams>();
    private readonly dataViewOpenEmitter = new vscode.EventEmitter<DataViewInfo>();
    private readonly dataViewChangedEmitter = new vscode.EventEmitter<DataViewChangedParams>();
    private readonly showHelpEmitter = new vscode.EventEmitter<ShowHelpParams>();
    private readonly showHelpMatchesEmitter = new vscode.EventEmitter<ShowHelpMatchesParams>();

    readonly onDidChangeState = this.stateEmitter.event;
    readonly onOutput = this.outputEmitter.event;
    readonly onCondition = this.conditionEmitter.event;
    readonly onSymbolsChanged = this.symbolsEmitter.event;
    /** The set of pending executions, or the state of one, changed. */
    readonly onDidChangeExecutions = this.executionsEmitter.event;
    /** An execution began running in R. */
    readonly onDidStartExecution = this.startedEmitter.event;
    /** An execution was answered. */
    readonly onDidExecute = this.executedEmitter.event;
    /** An r/kernelStatus that is a notice (`notice` set: R ignores interrupts), not a change of state. */
    readonly onNotice = this.noticeEmitter.event;
    /** R drew a plot (r/plot). */
    readonly onPlot = this.plotEmitter.event;
    /** The plot history changed other than by a new plot (r/plotsChanged). */
    readonly onPlotsChanged = this.plotsChangedEmitter.event;
    /** R code called View(x) (r/dataView/open). */
    readonly onDataViewOpen = this.dataViewOpenEmitter.event;
    /** The object of a data view changed or went away (r/dataView/changed). */
    readonly onDataViewChanged = this.dataViewChangedEmitter.event;
    /** R code asked for a help page (?topic, help(topic)): r/showHelp. */
    readonly onShowHelp = this.showHelpEmitter.event;
    /** R code asked for help that matches several pages (??words): r/showHelpMatches. */
    readonly onShowHelpMatches = this.showHelpMatchesEmitter.event;

    /** Answers R's requests for a line of input (set by the extension). */
    inputHandler: ((params: InputParams, token: vscode.CancellationToken) => Promise<InputResult>) | undefined;

    constructor(
        private readonly serverModule: string,
        private readonly settings: Settings,
        private readonly log: vscode.LogOutputChannel,
    ) {}

    get state(): SessionState {
        return this.stateValue;
    }

    /** True while a server runs and R is ready (idle or busy). */
    get isReady(): boolean {
        return this.stateValue.kind === 'idle' || this.stateValue.kind === 'busy';
    }

    /** The options the running server was started with. */
    get initializationOptions(): InitializationOptions | undefined {
        return this.launchOptions;
    }

    get lastExecution(): ExecutionRecord | undefined {
        return this.lastRecord;
    }

    /** Executions sent and not answered yet, oldest first. */
    get pending(): PendingExecution[] {
        return [...this.pendingExecutions.values()];
    }

    get running(): PendingExecution | undefined {
        return this.pending.find((p) => p.state === 'running');
    }

    get queuedCount(): number {
        return this.pending.filter((p) => p.state !== 'running').length;
    }

    // -----------------------------------------------------------------------
    // Lifecycle: start, stop and restart go through one serial chain.

    /** Starts the server (and with it R) unless it runs; resolves once the server has answered `initialize`. */
    start(): Promise<void> {
        return this.serially(async () => {
            if (this.client) return;
            await this.launch();
        });
    }

    /** Stops the server and R. */
    stop(): Promise<void> {
        return this.serially(() => this.shutdown());
    }

    /**
     * Gives the user a fresh R. With a server running with the current
     * launch settings that is r/restart; after a change of rPath, rArgs,
     * the working directory, env, autoRestart or trust it is a new server,
     * since those are fixed at `initialize`.
     */
    restart(): Promise<void> {
        return this.serially(async () => {
            const client = this.client;
            if (!client || !this.launchOptions || !sameLaunch(this.launchOptions, this.settings.initializationOptions())) {
                await this.shutdown();
                await this.launch();
                return;
            }
            try {
                await client.sendRequest(RestartRequest, {});
            } catch (e) {
                // A start failure has been reported as r/kernelStatus 'dead'
                // already, with its reason; anything else goes to the log.
                this.log.warn(`r/restart failed: ${errorMessage(e)}`);
            }
        });
    }

    /**
     * Makes sure R is there for an explicit action: starts the server if
     * needed, and starts R again if it is dead (the user asked for it, so
     * trying again is right; nothing retries on its own). When the server
     * has a restart scheduled, nothing is asked: it queues the execution
     * and runs it on the new R.
     */
    ensureKernel(): Promise<void> {
        return this.serially(async () => {
            if (!this.client) {
                await this.launch();
                return;
            }
            if (this.stateValue.kind === 'dead' && !restartComing(this.stateValue)) {
                if (!this.launchOptions || !sameLaunch(this.launchOptions, this.settings.initializationOptions())) {
                    await this.shutdown();
                    await this.launch();
                    return;
                }
                try {
                    await this.client.sendRequest(RestartRequest, {});
                } catch (e) {
                    this.log.warn(`r/restart failed: ${errorMessage(e)}`);
                }
            }
        });
    }

    /**
     * Resolves when R is ready; rejects with the reason when it is dead or
     * could not start (a death after which a restart is scheduled is waited
     * through).
     */
    whenReady(): Promise<void> {
        const settled = (state: SessionState): 'ready' | Error | undefined => {
            if (state.kind === 'idle' || state.kind === 'busy') return 'ready';
            if (state.kind === 'dead' && !restartComing(state)) return new Error(state.reason);
            return undefined;
        };
        const now = settled(this.stateValue);
        if (now === 'ready') return Promise.resolve();
        if (now instanceof Error) return Promise.reject(now);
        return new Promise((resolve, reject) => {
            const subscription = this.onDidChangeState((state) => {
                const outcome = settled(state);
                if (!outcome) return;
                subscription.dispose();
                if (outcome === 'ready') resolve();
                else reject(outcome);
            });
        });
    }

    private serially<T>(work: () => Promise<T>): Promise<T> {
        const next = this.lifecycle.then(work, work);
        this.lifecycle = next.catch(() => undefined);
        return next;
    }

    private async launch(): Promise<void> {
        const options = this.settings.initializationOptions();
        this.launchOptions = options;
        const serverOptions: ServerOptions = {
            module: this.serverModule,
            transport: TransportKind.stdio,
        };
        const clientOptions: LanguageClientOptions = {
            // Completion, hover and signature help from the live session, for
            // R files and untitled R documents: the library keeps them in
            // sync with the server and registers the providers the server
            // declares (again for each new server).
            documentSelector: R_DOCUMENTS,
            outputChannel: this.log,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            initializationOptions: options,
            errorHandler: {
                error: (_error, _message, count): ErrorHandlerResult => ({
                    action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
                }),
                closed: (): CloseHandlerResult => {
                    // Decided in onServerClosed(), outside the library.
                    void this.onServerClosed(client);
                    return { action: CloseAction.DoNotRestart, handled: true };
                },
            },
        };
        const client = new LanguageClient('rbridge', 'R Bridge', serverOptions, clientOptions);
        this.client = client;
        this.clientSubscriptions = [
            client.onNotification(OutputNotification, (p: OutputParams) => this.onOutputNotification(p)),
            client.onNotification(ConditionNotification, (p: ConditionParams) => this.conditionEmitter.fire(p)),
            client.onNotification(SymbolsChangedNotification, (p: SymbolsChangedParams) => this.symbolsEmitter.fire(p)),
            client.onNotification(ExecutionStateNotification, (p: ExecutionStateParams) => this.onExecutionState(p)),
            client.onNotification(KernelStatusNotification, (p: KernelStatusParams) => this.onKernelStatus(p)),
            client.onNotification(PlotNotification, (p: PlotParams) => this.plotEmitter.fire(p)),
            client.onNotification(PlotsChangedNotification, (p: PlotsChangedParams) => this.plotsChangedEmitter.fire(p)),
            client.onNotification(DataViewOpenNotification, (p: DataViewInfo) => this.dataViewOpenEmitter.fire(p)),
            client.onNotification(DataViewChangedNotification, (p: DataViewChangedParams) => this.dataViewChangedEmitter.fire(p)),
            client.onNotification(ShowHelpNotification, (p: ShowHelpParams) => this.showHelpEmitter.fire(p)),
            client.onNotification(ShowHelpMatchesNotification, (p: ShowHelpMatchesParams) => this.showHelpMatchesEmitter.fire(p)),
            client.onRequest(InputRequest, (p: InputParams, token: vscode.CancellationToken) => this.onInput(p, token)),
        ];
        this.setState({ kind: 'starting', cause: 'initial' });
        this.log.info(`starting the server: ${JSON.stringify(options)}`);
        try {
            await client.start();
        } catch (e) {
            if (this.client !== client) return;
            this.disposeClient();
            this.setState({ kind: 'dead', reason: `The R Bridge server could not be started: ${errorMessage(e)}`, cause: 'startFailed' });
            return;
        }
        // A new server knows nothing of the console yet; it passes it on to every R it starts.
        if (this.consoleParams) this.consoleUnsent = true;
        this.sendConsole();
        // And nothing of the Plots view: without its size, the first plot would come without a picture.
        this.sendPlotSettings();
    }

    /**
     * The console's width or colours changed: R follows them (r/console),
     * after a short pause so that a resize sends one request, and in any
     * case before the next execution.
     */
    setConsole(params: ConsoleParams): void {
        const merged = { ...this.consoleParams, ...params };
        if (this.consoleParams && merged.width === this.consoleParams.width && merged.colors === this.consoleParams.colors) return;
        this.consoleParams = merged;
        this.consoleUnsent = true;
        if (this.consoleTimer) clearTimeout(this.consoleTimer);
        this.consoleTimer = setTimeout(() => this.sendConsole(), CONSOLE_DEBOUNCE_MS);
    }

    /**
     * The Plots view's size and the plots' background (r/plotSettings):
     * new plots come rendered at that size. Kept and sent again to every
     * server started later.
     */
    setPlotSettings(params: PlotSettingsParams): void {
        const before = this.plotSettingsParams;
        if (before && JSON.stringify(before) === JSON.stringify(params)) return;
        this.plotSettingsParams = { ...params };
        this.sendPlotSettings();
    }

    /** What the server was last told, or will be, of the Plots view. */
    get plotSettings(): PlotSettingsParams | undefined {
        return this.plotSettingsParams;
    }

    private sendPlotSettings(): void {
        const client = this.client;
        if (!this.plotSettingsParams || !client?.isRunning()) return;
        client.sendNotification(PlotSettingsNotification, this.plotSettingsParams).catch((e: unknown) => {
            this.log.warn(`r/plotSettings failed: ${errorMessage(e)}`);
        });
    }

    /** What R was last told, or will be, of the console. */
    get console(): ConsoleParams | undefined {
        return this.consoleParams;
    }

    private sendConsole(): void {
        if (this.consoleTimer) clearTimeout(this.consoleTimer);
        this.consoleTimer = undefined;
        const client = this.client;
        if (!this.consoleUnsent || !this.consoleParams || !client?.isRunning()) return;
        this.consoleUnsent = false;
        client.sendRequest(ConsoleRequest, this.consoleParams).catch((e: unknown) => {
            // An older server without r/console: R keeps its own width.
            this.log.warn(`r/console failed: ${errorMessage(e)}`);
        });
    }

    private async shutdown(): Promise<void> {
        const client = this.client;
        if (!client) return;
        this.disposeClient();
        try {
            await client.stop(STOP_TIMEOUT_MS);
        } catch (e) {
            this.log.warn(`stopping the server: ${errorMessage(e)}`);
        }
        this.forgetKernel();
        this.setState({ kind: 'stopped' });
    }

    private disposeClient(): void {
        for (const s of this.clientSubscriptions) s.dispose();
        this.clientSubscriptions = [];
        this.client = undefined;
    }

    /** The kernel is gone without a word from the server: forget its variables. */
    private forgetKernel(): void {
        this.symbolsEmitter.fire({ added: [], changed: [], removed: [], reset: true });
    }

    private async onServerClosed(client: LanguageClient): Promise<void> {
        if (this.client !== client) return;
        this.disposeClient();
        this.forgetKernel();
        const now = Date.now();
        this.serverCrashes = this.serverCrashes.filter((t) => now - t < SERVER_CRASH_WINDOW_MS);
        this.serverCrashes.push(now);
        const restarting = this.serverCrashes.length === 1;
        this.log.error(`the server exited unexpectedly${restarting ? '; starting it again' : ''}`);
        this.setState(
            restarting
                ? { kind: 'dead', reason: 'The R Bridge server stopped unexpectedly.', cause: 'serverGone', restartInMs: 0 }
                : {
                      kind: 'dead',
                      reason: 'The R Bridge server stopped unexpectedly twice within 3 minutes; it was not started again.',
                      cause: 'serverGone',
                      restartAbandoned: true,
                  },
        );
        if (restarting) {
            await this.serially(async () => {
                if (!this.client) await this.launch();
            });
        }
    }

    // -----------------------------------------------------------------------
    // Notifications

    private setState(state: SessionState): void {
        this.stateValue = state;
        this.stateEmitter.fire(state);
    }

    private onKernelStatus(p: KernelStatusParams): void {
        const state = stateFromStatus(p);
        if (state) this.setState(state);
        else this.noticeEmitter.fire(p);
    }

    private onOutputNotification(p: OutputParams): void {
        if (p.stream === 'stderr' && p.executionId !== null) {
            const pending = this.pendingExecutions.get(p.executionId);
            if (pending) pending.wroteStderr = true;
        }
        this.outputEmitter.fire(p);
    }

    private onExecutionState(p: ExecutionStateParams): void {
        const pending = this.pendingExecutions.get(p.executionId);
        if (!pending) return;
        if (p.state === 'queued') pending.state = 'queued';
        else if (p.state === 'running') {
            pending.state = 'running';
            pending.runningSince = Date.now();
            this.startedEmitter.fire(pending);
        } else return;
        this.executionsEmitter.fire();
    }

    private async onInput(p: InputParams, token: vscode.CancellationToken): Promise<InputResult> {
        if (!this.inputHandler) throw new ResponseError(-32603, 'no input handler');
        // Until it is answered, R is waiting for the user rather than busy.
        const pending = this.pendingExecutions.get(p.executionId);
        if (pending) {
            pending.awaitingInput = true;
            this.executionsEmitter.fire();
        }
        try {
            return await this.inputHandler(p, token);
        } finally {
            if (pending?.awaitingInput) {
                pending.awaitingInput = false;
                this.executionsEmitter.fire();
            }
        }
    }

    // -----------------------------------------------------------------------
    // Requests

    /** Runs code; answers when R is done with it, whatever happened (never rejects). */
    async execute(request: ExecutionRequest): Promise<ExecuteResult> {
        const executionId = `vsc-${this.nextExecution++}`;
        const pending: PendingExecution = { executionId, request, state: 'sent', cancellation: new vscode.CancellationTokenSource() };
        this.pendingExecutions.set(executionId, pending);
        this.executionsEmitter.fire();
        let result: ExecuteResult;
        try {
            await this.ensureKernel();
            const client = this.client;
            if (!client) throw new Error(this.stateValue.kind === 'dead' ? this.stateValue.reason : 'R is not running.');
            // A console change still waiting for its pause goes first, so that this code sees it.
            this.sendConsole();
            const params: ExecuteParams = {
                code: request.code,
                executionId,
                echo: request.echo,
                stopOnError: request.stopOnError,
            };
            if (request.uri && request.range) {
                params.uri = request.uri;
                params.range = request.range;
            }
            result = await client.sendRequest(ExecuteRequest, params, pending.cancellation.token);
        } catch (e) {
            // The server went away (or never came): for the caller that is
            // an execution R could not finish.
            result = { executionId, status: 'kernelDied', error: { message: errorMessage(e) }, durationMs: 0 };
        } finally {
            this.pendingExecutions.delete(executionId);
            pending.cancellation.dispose();
        }
        const record: ExecutionRecord = { executionId, request, result, wroteStderr: pending.wroteStderr === true };
        this.lastRecord = record;
        this.executionsEmitter.fire();
        this.executedEmitter.fire(record);
        return result;
    }

    /**
     * Interrupts the running execution and drops the queued ones, as Ctrl+C
     * in R's console drops what was typed ahead. Undefined when no server
     * runs.
     */
    async interrupt(): Promise<InterruptResult | undefined> {
        const client = this.client;
        if (!client) return undefined;
        try {
            return await client.sendRequest(InterruptRequest, { keepQueue: false });
        } catch (e) {
            this.log.warn(`r/interrupt failed: ${errorMessage(e)}`);
            return undefined;
        }
    }

    /**
     * Cancels the executions waiting their turn, leaving the running one
     * alone (r/interrupt would stop it too): each gets $/cancelRequest
     * through its own token. Returns how many were cancelled.
     */
    clearQueue(): number {
        let count = 0;
        for (const pending of this.pendingExecutions.values()) {
            if (pending.state !== 'queued') continue;
            pending.cancellation.cancel();
            count++;
        }
        return count;
    }

    /**
     * r/variables. The global list is answered from the server's cache at
     * once; children and refresh wait in the server's queue behind the
     * executions sent before them. `token` cancels a request that is no
     * longer wanted ($/cancelRequest).
     */
    variables(params: VariablesParams, token?: vscode.CancellationToken): Promise<VariablesResult> {
        const client = this.client;
        if (!client) return Promise.reject(new ResponseError(KernelNotRunningError, 'R is not running.'));
        return client.sendRequest(VariablesRequest, params, token);
    }

    /**
     * r/renderPlot: a plot of the history drawn again at another size or in
     * another format. Waits in the server's queue behind the executions sent
     * before it.
     */
    renderPlot(params: RenderPlotParams, token?: vscode.CancellationToken): Promise<RenderPlotResult> {
        return this.request((client) => client.sendRequest(RenderPlotRequest, params, token));
    }

    /** r/plots: the plots the server keeps, oldest first. */
    plots(): Promise<PlotsResult> {
        return this.request((client) => client.sendRequest(PlotsRequest, {}));
    }

    /** r/removePlot. */
    removePlot(plotId: string): Promise<RemovePlotResult> {
        return this.request((client) => client.sendRequest(RemovePlotRequest, { plotId }));
    }

    /** r/clearPlots. */
    clearPlots(): Promise<ClearPlotsResult> {
        return this.request((client) => client.sendRequest(ClearPlotsRequest, {}));
    }

    /**
     * A data-view request (r/dataView/*, client/src/dataView/). `token`
     * cancels it ($/cancelRequest): a sort or filter that runs is
     * interrupted in R.
     */
    dataView<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R> {
        // The typed overload (not the method's name: an undefined token would be sent as a second parameter);
        // the cast because generic params do not fit its NoInfer<RequestParam<P>>.
        return this.request((client) => client.sendRequest(type, params as never, token));
    }

    /** r/help: a help page, or the pages that match. While R runs code the server answers RBusyError at once. */
    help(params: HelpParams, token?: vscode.CancellationToken): Promise<HelpResult> {
        return this.request((client) => client.sendRequest(HelpRequest, params, token));
    }

    /** The running server's client (undefined when none runs): the console's completion speaks LSP on it. */
    get languageClient(): LanguageClient | undefined {
        return this.client;
    }

    private request<T>(send: (client: LanguageClient) => Promise<T>): Promise<T> {
        const client = this.client;
        if (!client) return Promise.reject(new ResponseError(KernelNotRunningError, 'R is not running.'));
        return send(client);
    }

    async dispose(): Promise<void> {
        if (this.consoleTimer) clearTimeout(this.consoleTimer);
        await this.stop();
        for (const emitter of [
            this.stateEmitter,
            this.outputEmitter,
            this.conditionEmitter,
            this.symbolsEmitter,
            this.executionsEmitter,
            this.startedEmitter,
            this.executedEmitter,
            this.noticeEmitter,
            this.plotEmitter,
            this.plotsChangedEmitter,
            this.dataViewOpenEmitter,
            this.dataViewChangedEmitter,
            this.showHelpEmitter,
            this.showHelpMatchesEmitter,
        ]) {
            emitter.dispose();
        }
    }
}

export function errorMessage(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

/** The JSON-RPC error code of a failed request, if it has one. */
export function errorCode(e: unknown): number | undefined {
    return e instanceof ResponseError ? e.code : undefined;
}
