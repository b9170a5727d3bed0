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
 *
 * Detached sessions (`rbridge.session.detached`, the default with a
 * workspace folder): the server runs as a session process of its own
 * (`server.js --session`, common/sessions.ts) that outlives the window, and
 * the client speaks LSP to it over its Unix socket. On start the window
 * attaches to its workspace's live session if there is one started with the
 * same workspace trust, else starts one. Letting go of the client
 * (deactivate, R: Detach from Session) only detaches: R keeps running, with
 * its variables and a running execution. What means "stop R" (R: Stop
 * Session, and a restart that needs new launch settings) is r/stopSession.
 * A session that ends while attached: if it ended in order (its registry
 * entry is gone: another window's R: Stop Session, a signal, its idle
 * timeout) the state is 'stopped' and nothing restarts; if it vanished (a
 * crash, SIGKILL) the policy above applies and a new session is started.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
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
    EvaluateParams,
    EvaluateResult,
    SetBreakpointsParams,
    SetBreakpointsResult,
    BreakpointsChangedParams,
    ExecuteRequest,
    ExecuteResult,
    ExecutionResultNotification,
    ExecutionStateNotification,
    ExecutionStateParams,
    HelpParams,
    HelpRequest,
    HelpResult,
    InitializationOptions,
    InputParams,
    InputRequest,
    EvaluateRequest,
    SetBreakpointsRequest,
    BreakpointsChangedNotification,
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
    SessionInfoRequest,
    SessionInfoResult,
    ShowHelpMatchesNotification,
    ShowHelpMatchesParams,
    ShowHelpNotification,
    ShowHelpParams,
    StopSessionRequest,
    SymbolsChangedNotification,
    SymbolsChangedParams,
    VariablesParams,
    VariablesRequest,
    VariablesResult,
} from '../../common/protocol';
import { AttachError, SessionEntry, attachSocket, entryFile, listSessions, registryDir } from '../../common/sessions';
import { processGone, sessionFor, spawnSession, terminateSession } from './detachedSessions';
import { R_DOCUMENTS } from './language/documents';
import { sameLaunch } from './launchOptions';
import { SessionState, restartComing, stateFromStatus } from './sessionState';
import { Settings } from './settings';
import { launchArgs } from '../../common/launch';

export type { DeadState, DeathCause, SessionState } from './sessionState';

/** Where an execution came from; `session`: another window started it, and it was still running when this one attached. */
export type ExecutionOrigin = 'editor' | 'console' | 'variables' | 'help' | 'api' | 'session';

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
    /** Started by a window that went away (a reload): its answer comes as r/executionResult. */
    adopted?: boolean;
}

/** This window attached to a detached session. */
export interface AttachEvent {
    entry: SessionEntry;
    /** What r/sessionInfo said (undefined if the server did not answer it). */
    info: SessionInfoResult | undefined;
    /** The session was running before this window attached (a reload, another window's session). */
    reattached: boolean;
    /** How many pieces of output the session kept while no window was attached (they follow the event). */
    backlog: number;
}

/** Restart the server automatically at most once in this window (see the policy above). */
const SERVER_CRASH_WINDOW_MS = 3 * 60 * 1000;
/** How long `stop()` gives the server to shut R down before it is killed. */
const STOP_TIMEOUT_MS = 4000;
/** How long console size changes are collected before R is told (a drag of the panel's edge is many). */
const CONSOLE_DEBOUNCE_MS = 100;
/** How long a detached session gets to stop R and exit after r/stopSession or SIGTERM. */
const SESSION_STOP_MS = 8000;
/** The launch options each detached session this extension started was started with, by session id. */
const SESSION_LAUNCHES_KEY = 'rbridge.sessionLaunches';

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
    /** Execution ids are unique across windows: several may be attached to one session. */
    private readonly executionPrefix = `vsc-${randomBytes(3).toString('hex')}`;
    /** The detached session the client speaks to (undefined over stdio), and its socket. */
    private attachedEntry: SessionEntry | undefined;
    private attachedSocket: net.Socket | undefined;
    private sessionInfoValue: SessionInfoResult | undefined;
    /** Output of a session this window reattaches to, held until the console has said what it is. */
    private heldOutput: OutputParams[] | undefined;
    /** Sessions being stopped (server pids): never attached to meanwhile. */
    private readonly stoppingSessions = new Set<number>();
    /** The workspace's session that refused this window (another version of R Bridge). */
    private incompatibleEntry: SessionEntry | undefined;
    /** The session this window let go of (state 'detached'). */
    private detachedFrom: SessionEntry | undefined;

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
    private readonly breakpointsChangedEmitter = new vscode.EventEmitter<BreakpointsChangedParams>();
    private readonly showHelpMatchesEmitter = new vscode.EventEmitter<ShowHelpMatchesParams>();
    private readonly attachEmitter = new vscode.EventEmitter<AttachEvent>();
    private readonly noteEmitter = new vscode.EventEmitter<{ text: string; style: 'info' | 'warning' | 'error' }>();

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
    /** r/breakpointsChanged: breakpoints became verified (or not). */
    readonly onDidChangeBreakpoints = this.breakpointsChangedEmitter.event;
    /** R code asked for help that matches several pages (??words): r/showHelpMatches. */
    readonly onShowHelpMatches = this.showHelpMatchesEmitter.event;
    /** This window attached to a detached session (a new one, or one that was running: `reattached`). */
    readonly onDidAttach = this.attachEmitter.event;
    /** Something for the console about the session itself (stopped from elsewhere). */
    readonly onNote = this.noteEmitter.event;

    /** Answers R's requests for a line of input (set by the extension). */
    inputHandler: ((params: InputParams, token: vscode.CancellationToken) => Promise<InputResult>) | undefined;

    constructor(
        private readonly serverModule: string,
        private readonly settings: Settings,
        private readonly log: vscode.LogOutputChannel,
        /** Where the launch options of the detached sessions started here are kept (global state). */
        private readonly memento?: vscode.Memento,
    ) {}

    /** The detached session this window is attached to (undefined over stdio, or when not attached). */
    get attachedSession(): SessionEntry | undefined {
        return this.attachedEntry;
    }

    /** What r/sessionInfo said when this window attached to a detached session. */
    get sessionInfo(): SessionInfoResult | undefined {
        return this.sessionInfoValue;
    }

    /** The workspace's session that refused this window as from another version of R Bridge, if one did. */
    get incompatibleSession(): SessionEntry | undefined {
        return this.incompatibleEntry;
    }

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

    /** Stops the server and R (a detached session too: r/stopSession). */
    stop(): Promise<void> {
        return this.serially(() => this.shutdown());
    }

    /**
     * Lets go of a detached session, which keeps running (R: Detach from
     * Session); the state becomes 'detached'. Resolves false when this
     * window is not attached to one.
     */
    detach(): Promise<boolean> {
        return this.serially(async () => {
            const entry = this.attachedEntry;
            if (!this.client || !entry) return false;
            const state = this.stateValue;
            const r = state.kind === 'idle' || state.kind === 'busy' ? { pid: state.pid, rVersion: state.rVersion } : {};
            await this.release();
            this.detachedFrom = entry;
            this.setState({ kind: 'detached', ...r, workspace: entry.workspace });
            return true;
        });
    }

    /**
     * Attaches this window to a detached session (R: Attach to Session…),
     * letting go of the one it has (a detached session keeps running; R
     * over stdio stops).
     */
    attach(entry: SessionEntry): Promise<void> {
        return this.serially(async () => {
            if (this.client && this.attachedEntry?.id === entry.id) return;
            if (this.client) {
                if (this.attachedEntry) await this.release();
                else await this.shutdown();
            }
            await this.launch(entry);
        });
    }

    /**
     * The workspace's session refused this window (another version of R
     * Bridge): stops it (SIGTERM, as `kill` would) and starts a new one.
     */
    replaceIncompatibleSession(): Promise<void> {
        return this.serially(async () => {
            const entry = this.incompatibleEntry;
            if (entry) {
                this.log.info(`stopping the incompatible session ${entry.id} (process ${entry.pid})`);
                if (!(await terminateSession(entry.pid, SESSION_STOP_MS))) {
                    this.log.warn(`the session process ${entry.pid} did not stop; killing it`);
                    for (const pid of [entry.pid, entry.rPid]) {
                        if (pid === undefined) continue;
                        try {
                            process.kill(pid, 'SIGKILL');
                        } catch {
                            // Gone already.
                        }
                    }
                    await processGone(entry.pid, 2000);
                }
                this.incompatibleEntry = undefined;
            }
            if (!this.client) await this.launch();
        });
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

    /**
     * Starts a server and its client. Over stdio, a server of its own;
     * detached, `target` or the workspace's live session (attached), else a
     * new session process. Resolves once the server answered `initialize`
     * (and, for a session, r/sessionInfo).
     */
    private async launch(target?: SessionEntry): Promise<void> {
        this.detachedFrom = undefined;
        const options = this.settings.initializationOptions();
        this.launchOptions = options;
        const workspace = this.settings.workspaceFolder;
        const sessionSettings = this.settings.session;
        const detached = target !== undefined || (sessionSettings.detached && workspace !== undefined);
        let serverOptions: ServerOptions;
        let session: { entry: SessionEntry; socket: net.Socket; fresh: boolean } | undefined;
        if (detached) {
            this.setState({ kind: 'starting', cause: target ? 'attach' : 'initial' });
            try {
                session = await this.connectSession(target, target?.workspace ?? workspace!, options, sessionSettings.idleTimeoutMinutes);
            } catch (e) {
                if (e instanceof IncompatibleSessionError) {
                    this.incompatibleEntry = e.entry;
                    const version = e.serverVersion ? `R Bridge ${e.serverVersion}` : 'another version of R Bridge';
                    this.setState({
                        kind: 'dead',
                        cause: 'incompatibleSession',
                        reason: `The R session for ${e.entry.workspace} (process ${e.entry.pid}) was started by ${version} and cannot be attached: ${e.message}`,
                    });
                    return;
                }
                this.setState({ kind: 'dead', reason: `The R session could not be started: ${errorMessage(e)}`, cause: 'startFailed' });
                return;
            }
            const { entry, socket, fresh } = session;
            this.incompatibleEntry = undefined;
            // R is there already: the console says "Reattached", not "R is ready".
            if (!fresh) this.setState({ kind: 'starting', cause: 'attach' });
            if (fresh) this.rememberLaunch(entry.id, options);
            else this.launchOptions = this.launchOf(entry) ?? { ...options, workspaceTrusted: entry.trusted && options.workspaceTrusted === true };
            serverOptions = () => {
                // The socket comes paused (common/sessions.ts): it flows once the client's reader listens.
                const resume = (event: string | symbol) => {
                    if (event !== 'data') return;
                    socket.off('newListener', resume);
                    process.nextTick(() => socket.resume());
                };
                socket.on('newListener', resume);
                return Promise.resolve({ reader: socket, writer: socket });
            };
            // The output kept while no window was attached follows `initialized`; the console first says where it comes from.
            if (!fresh) this.heldOutput = [];
        } else {
            // --launch: the server starts R while it loads (server/src/kernel/prestart.ts).
            serverOptions = { module: this.serverModule, transport: TransportKind.stdio, args: launchArgs(this.launchOptions) };
        }
        const clientOptions: LanguageClientOptions = {
            // Completion, hover and signature help from the live session, for
            // R files and untitled R documents: the library keeps them in
            // sync with the server and registers the providers the server
            // declares (again for each new server).
            documentSelector: R_DOCUMENTS,
            outputChannel: this.log,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            initializationOptions: this.launchOptions,
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
        this.attachedEntry = session?.entry;
        this.attachedSocket = session?.socket;
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
            client.onNotification(BreakpointsChangedNotification, (p: BreakpointsChangedParams) => this.breakpointsChangedEmitter.fire(p)),
            client.onNotification(ShowHelpMatchesNotification, (p: ShowHelpMatchesParams) => this.showHelpMatchesEmitter.fire(p)),
            client.onNotification(ExecutionResultNotification, (p: ExecuteResult) => this.onExecutionResult(p)),
            client.onRequest(InputRequest, (p: InputParams, token: vscode.CancellationToken) => this.onInput(p, token)),
        ];
        if (!session) this.setState({ kind: 'starting', cause: 'initial' });
        this.log.info(
            session
                ? `${session.fresh ? 'started' : 'attaching to'} the R session ${session.entry.id} (process ${session.entry.pid}) for ${session.entry.workspace}: ${JSON.stringify(this.launchOptions)}`
                : `starting the server: ${JSON.stringify(options)}`,
        );
        try {
            await client.start();
        } catch (e) {
            if (this.client !== client) return;
            this.disposeClient();
            session?.socket.destroy();
            this.setState({ kind: 'dead', reason: `The R Bridge server could not be started: ${errorMessage(e)}`, cause: 'startFailed' });
            return;
        }
        // A new server knows nothing of the console yet; it passes it on to every R it starts.
        if (this.consoleParams) this.consoleUnsent = true;
        this.sendConsole();
        // And nothing of the Plots view: without its size, the first plot would come without a picture.
        this.sendPlotSettings();
        if (session) await this.attached(client, session.entry);
    }

    /**
     * The detached session to speak to, connected and past its handshake:
     * `target`, else the workspace's live session started with the same
     * trust, else a new session process. A session that cannot be reached
     * (its process vanished) is passed over for a new one; one from another
     * version of R Bridge is an IncompatibleSessionError.
     */
    private async connectSession(
        target: SessionEntry | undefined,
        workspace: string,
        options: InitializationOptions,
        idleTimeoutMinutes: number,
    ): Promise<{ entry: SessionEntry; socket: net.Socket; fresh: boolean }> {
        const trusted = options.workspaceTrusted === true;
        const found = target ?? sessionFor(workspace, trusted, listSessions(), this.stoppingSessions);
        if (found) {
            try {
                const { socket } = await attachSocket(found);
                return { entry: found, socket, fresh: false };
            } catch (e) {
                if (e instanceof AttachError && e.reason === 'protocol') throw new IncompatibleSessionError(found, e);
                if (target) throw e;
                this.log.warn(`the R session ${found.id} (process ${found.pid}) cannot be attached (${errorMessage(e)}); starting a new one`);
            }
        }
        const spawned = await spawnSession({ serverModule: this.serverModule, workspace, trusted, idleTimeoutMinutes, launch: options });
        const { socket } = await attachSocket(spawned);
        const entry = listSessions({ clean: false }).find((s) => s.id === spawned.id) ?? {
            ...spawned,
            workspace,
            trusted,
            protocol: 0,
            serverVersion: '',
            started: new Date().toISOString(),
            clients: 0,
        };
        return { entry, socket, fresh: true };
    }

    /**
     * The client has started on a detached session: what the session is
     * (r/sessionInfo), and after a reattach what this window missed (the
     * console's note, the output kept meanwhile, a running execution, the
     * variables).
     */
    private async attached(client: LanguageClient, entry: SessionEntry): Promise<void> {
        let info: SessionInfoResult | undefined;
        try {
            info = await client.sendRequest(SessionInfoRequest, {});
        } catch (e) {
            this.log.warn(`r/sessionInfo failed: ${errorMessage(e)}`);
        }
        if (this.client !== client) return;
        this.sessionInfoValue = info;
        this.attachedEntry = listSessions({ clean: false }).find((s) => s.id === entry.id) ?? entry;
        const reattached = info?.reattached === true;
        if (reattached && info?.running) this.adopt(info.running);
        const held = this.heldOutput ?? [];
        this.heldOutput = undefined;
        this.attachEmitter.fire({ entry: this.attachedEntry, info, reattached, backlog: held.length });
        for (const p of held) this.onOutputNotification(p);
        if (reattached) {
            // The variables view knows nothing of this R yet: the server's list, as if R had just started.
            try {
                const { variables } = await client.sendRequest(VariablesRequest, {});
                if (this.client === client) this.symbolsEmitter.fire({ added: variables, changed: [], removed: [], reset: true });
            } catch (e) {
                this.log.warn(`r/variables after attaching failed: ${errorMessage(e)}`);
            }
        }
    }

    /** An execution another window started, still running: this window shows it as its own until its answer (r/executionResult). */
    private adopt(running: NonNullable<SessionInfoResult['running']>): void {
        if (this.pendingExecutions.has(running.executionId)) return;
        const pending: PendingExecution = {
            executionId: running.executionId,
            request: { code: running.codePreview, origin: 'session', echo: false, stopOnError: false },
            state: 'running',
            runningSince: Date.now() - running.elapsedMs,
            cancellation: new vscode.CancellationTokenSource(),
            adopted: true,
        };
        this.pendingExecutions.set(running.executionId, pending);
        this.executionsEmitter.fire();
        this.startedEmitter.fire(pending);
    }

    /** r/executionResult: the answer to an execution whose window went away. */
    private onExecutionResult(result: ExecuteResult): void {
        const pending = this.pendingExecutions.get(result.executionId);
        if (!pending?.adopted) {
            this.log.info(`r/executionResult for ${result.executionId} (started by another window): ${result.status}`);
            return;
        }
        this.pendingExecutions.delete(result.executionId);
        pending.cancellation.dispose();
        const record: ExecutionRecord = { executionId: result.executionId, request: pending.request, result, wroteStderr: pending.wroteStderr === true };
        this.lastRecord = record;
        this.executionsEmitter.fire();
        this.executedEmitter.fire(record);
    }

    /** Adopted executions are never answered once the client has gone: they are forgotten. */
    private forgetAdopted(): void {
        let any = false;
        for (const [id, pending] of this.pendingExecutions) {
            if (!pending.adopted) continue;
            this.pendingExecutions.delete(id);
            pending.cancellation.dispose();
            any = true;
        }
        if (any) this.executionsEmitter.fire();
    }

    private rememberLaunch(id: string, options: InitializationOptions): void {
        if (!this.memento) return;
        const live = new Set(listSessions({ clean: false }).map((s) => s.id));
        const kept = Object.entries(this.memento.get<Record<string, InitializationOptions>>(SESSION_LAUNCHES_KEY, {})).filter(([key]) => live.has(key));
        void this.memento.update(SESSION_LAUNCHES_KEY, Object.fromEntries([...kept, [id, options]]));
    }

    /** The options a session this extension started was started with (its R's settings: a reattaching client's are ignored). */
    private launchOf(entry: SessionEntry): InitializationOptions | undefined {
        return this.memento?.get<Record<string, InitializationOptions>>(SESSION_LAUNCHES_KEY, {})[entry.id];
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

    /** Stops R and the server: over stdio by stopping the client, a detached session with r/stopSession. */
    private async shutdown(): Promise<void> {
        const client = this.client;
        const entry = this.attachedEntry;
        if (!client && this.stateValue.kind === 'detached' && this.detachedFrom) {
            // Let go of earlier: stopped from outside, as `kill` would.
            const pid = this.detachedFrom.pid;
            this.detachedFrom = undefined;
            if (!(await terminateSession(pid, SESSION_STOP_MS))) this.log.warn(`the R session process ${pid} did not exit after SIGTERM`);
            this.setState({ kind: 'stopped' });
            return;
        }
        if (!client) return;
        if (!entry) {
            await this.release();
            this.setState({ kind: 'stopped' });
            return;
        }
        const socket = this.attachedSocket;
        this.disposeClient();
        this.forgetKernel();
        this.stoppingSessions.add(entry.pid);
        try {
            await client.sendRequest(StopSessionRequest, {});
        } catch (e) {
            this.log.warn(`r/stopSession failed (${errorMessage(e)}); stopping the session with SIGTERM`);
            await terminateSession(entry.pid, SESSION_STOP_MS);
        }
        // The session closes the connection as it exits; what is left of the client goes.
        await client.dispose(STOP_TIMEOUT_MS).catch((e: unknown) => this.log.warn(`closing the client: ${errorMessage(e)}`));
        socket?.destroy();
        // So that the next start does not find it in the registry, stopping.
        if (await processGone(entry.pid, SESSION_STOP_MS)) this.stoppingSessions.delete(entry.pid);
        else this.log.warn(`the R session process ${entry.pid} did not exit after r/stopSession`);
        this.setState({ kind: 'stopped' });
    }

    /**
     * Lets go of the server: over stdio it stops with R; a detached session
     * only loses this client (LSP shutdown and exit detach) and R keeps
     * running. The state is left to the caller.
     */
    private async release(): Promise<void> {
        const client = this.client;
        if (!client) return;
        const socket = this.attachedSocket;
        this.disposeClient();
        try {
            await client.stop(STOP_TIMEOUT_MS);
        } catch (e) {
            this.log.warn(`stopping the server: ${errorMessage(e)}`);
        }
        socket?.destroy();
        this.forgetKernel();
    }

    private disposeClient(): void {
        for (const s of this.clientSubscriptions) s.dispose();
        this.clientSubscriptions = [];
        this.client = undefined;
        this.attachedEntry = undefined;
        this.attachedSocket = undefined;
        this.sessionInfoValue = undefined;
        this.heldOutput = undefined;
        this.forgetAdopted();
    }

    /** The kernel is gone without a word from the server: forget its variables. */
    private forgetKernel(): void {
        this.symbolsEmitter.fire({ added: [], changed: [], removed: [], reset: true });
    }

    private async onServerClosed(client: LanguageClient): Promise<void> {
        if (this.client !== client) return;
        const entry = this.attachedEntry;
        this.disposeClient();
        this.forgetKernel();
        if (entry && endedInOrder(entry)) {
            // Stopped on purpose from elsewhere: another window's R: Stop
            // Session, a signal, `rbridge stop`. Not a crash to recover from.
            this.log.info(`the R session ${entry.id} (process ${entry.pid}) was stopped`);
            this.noteEmitter.fire({
                text: 'The R session was stopped outside this window (R: Stop Session in another window, or a signal). Run code or use "R: Restart R" to start a new one.',
                style: 'warning',
            });
            this.setState({ kind: 'stopped' });
            return;
        }
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
        if (this.heldOutput) {
            this.heldOutput.push(p);
            return;
        }
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
        const executionId = `${this.executionPrefix}-${this.nextExecution++}`;
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

    /** r/evaluate: an expression for the debugger (in a frame while R browses, else in the global environment). */
    evaluate(params: EvaluateParams, token?: vscode.CancellationToken): Promise<EvaluateResult> {
        return this.request((client) => client.sendRequest(EvaluateRequest, params, token));
    }

    /** r/setBreakpoints: every breakpoint of one document. */
    setBreakpoints(params: SetBreakpointsParams): Promise<SetBreakpointsResult> {
        return this.request((client) => client.sendRequest(SetBreakpointsRequest, params));
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

    /**
     * The window goes (deactivate): over stdio the server and R stop; a
     * detached session only loses this client, and R keeps running.
     */
    async dispose(): Promise<void> {
        if (this.consoleTimer) clearTimeout(this.consoleTimer);
        await this.serially(() => this.release());
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
            this.breakpointsChangedEmitter,
            this.showHelpMatchesEmitter,
            this.attachEmitter,
            this.noteEmitter,
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

/** The workspace's session was started by another version of R Bridge and refused the handshake. */
class IncompatibleSessionError extends Error {
    readonly serverVersion: string | undefined;
    constructor(
        readonly entry: SessionEntry,
        cause: AttachError,
    ) {
        super(cause.message);
        this.serverVersion = cause.serverVersion ?? (entry.serverVersion || undefined);
    }
}

/**
 * Whether a detached session that closed its connection ended in order: it
 * removes its registry entry before it exits (r/stopSession, SIGTERM, its
 * idle timeout); one that crashed or was killed leaves it behind.
 */
function endedInOrder(entry: SessionEntry): boolean {
    try {
        return !fs.existsSync(entryFile(registryDir(), entry.id));
    } catch {
        return false;
    }
}
