/**
 * rbridge's side of the server: starts `node server.js --stdio` in a process
 * group of its own and speaks the protocol of common/protocol.ts over its
 * stdio, or attaches to a detached session (common/sessions.ts) over its
 * socket; either way it keeps track of the kernel's state from
 * r/kernelStatus. The console and script code (rbridge.ts) runs
 * executions, interrupts R and waits for kernel states through this class,
 * and hears about output, status changes, input requests and an
 * unexpected end of the server through the handlers it passes in.
 *
 * What happens to R is taken from the server's facts, never guessed from the
 * order of messages: `deathCause` says why R is gone, `restartInMs` that a
 * new R is on its way, `restartAbandoned` that none will come. The server
 * sends `dead` before it answers the executions the death ended, so a
 * `kernelDied` answer always finds the death already known here.
 */
import { ChildProcess, spawn } from 'child_process';
import type * as net from 'net';
import {
    CancellationToken,
    MessageConnection,
    SocketMessageReader,
    SocketMessageWriter,
    StreamMessageReader,
    StreamMessageWriter,
    createMessageConnection,
} from 'vscode-jsonrpc/node';
import {
    ConsoleParams,
    ConsoleRequest,
    ExecuteParams,
    ExecuteRequest,
    ExecuteResult,
    InitializationOptions,
    InputParams,
    InputRequest,
    InputResult,
    InterruptRequest,
    KernelState,
    KernelStatusNotification,
    KernelStatusParams,
    OutputNotification,
    OutputParams,
    PlotNotification,
    PlotParams,
    PlotSettingsNotification,
    PlotSettingsParams,
    RenderPlotParams,
    RenderPlotRequest,
    RenderPlotResult,
    DataViewCloseRequest,
    DataViewInfo,
    DataViewOpenNotification,
    DataViewRowsRequest,
    DataViewRowsResult,
    DataViewSchemaRequest,
    DataViewSchemaResult,
    ExecutionResultNotification,
    JobCancelRequest,
    JobCancelResult,
    JobInfo,
    JobListRequest,
    JobOutputNotification,
    JobOutputParams,
    JobProgressNotification,
    JobProgressParams,
    JobResultRequest,
    JobResultResult,
    JobStartParams,
    JobStartRequest,
    JobStateNotification,
    RestartRequest,
    SessionInfoRequest,
    SessionInfoResult,
    StatusRequest,
    StatusResult,
    StopSessionRequest,
} from '../common/protocol';
import { SessionEntry, attachSocket } from '../common/sessions';
import { launchArgs } from '../common/launch';

/** How long the server gets to shut R down and exit before it is killed. */
const SHUTDOWN_MS = 3000;
/**
 * How long a new R may take to become ready once the server starts it: the
 * server's own start-up limit (30 s) and a margin.
 */
const RESTART_READY_MS = 40000;

export interface ConnectionHandlers {
    output(p: OutputParams): void;
    plot(p: PlotParams): void;
    /** R code called View(). */
    view(p: DataViewInfo): void;
    /** Every r/kernelStatus, after the state here has taken it in. */
    status(p: KernelStatusParams): void;
    input(p: InputParams, token: CancellationToken): Promise<InputResult>;
    /** The server went away, or could not be started, without being asked to stop. */
    serverFailed(message: string): void;
    /** The result of an execution whose client went away (attached to a session). */
    executionResult(p: ExecuteResult): void;
    /** Background jobs' news (r/job/state, r/job/output, r/job/progress), of every job of the session. */
    job?(event: JobEvent): void;
}

/** One notification about a background job. */
export type JobEvent = { kind: 'state'; params: JobInfo } | { kind: 'output'; params: JobOutputParams } | { kind: 'progress'; params: JobProgressParams };

/** What an attached client learns before it says `initialized`. */
export interface AttachInfo {
    info: SessionInfoResult;
    status: StatusResult;
}

export class ServerConnection {
    private child: ChildProcess | undefined;
    /** The session's socket, when attached to a detached session. */
    private socket: net.Socket | undefined;
    private connection: MessageConnection | undefined;
    private exited = false;
    private exit: Promise<void> = Promise.resolve();
    private stopping = false;
    private readonly listeners = new Set<(p: KernelStatusParams) => void>();

    /** The kernel's state, as the server last reported it. */
    state: KernelState = 'starting';
    /** The last r/kernelStatus that changed the state (notices aside). */
    lastStatus: KernelStatusParams | undefined;

    constructor(private readonly handlers: ConnectionHandlers) {}

    /** Whether a dead R will be followed by a new one without anyone asking. */
    get restartComing(): boolean {
        const last = this.lastStatus;
        return this.state === 'restarting' || (last?.state === 'dead' && last.restartInMs !== undefined && !last.restartAbandoned);
    }

    /** Starts the server and answers its `initialize`. */
    async start(serverPath: string, init: InitializationOptions): Promise<void> {
        // --launch: the server starts R while it loads (server/src/kernel/prestart.ts).
        const child = spawn(process.execPath, [serverPath, '--stdio', ...launchArgs(init)], {
            stdio: ['pipe', 'pipe', 'inherit'],
            // A process group of its own keeps the terminal's Ctrl+C (SIGINT
            // to the whole foreground group) away from the server and R: the
            // server does not handle it and would die. rbridge turns Ctrl+C
            // into r/interrupt instead.
            detached: process.platform !== 'win32',
            windowsHide: true,
        });
        this.child = child;
        this.exit = new Promise((resolve) => {
            // 'close' rather than 'exit': by then everything the server wrote
            // has been read, so its last output is not lost.
            child.on('close', (code, signal) => {
                this.exited = true;
                resolve();
                if (this.stopping) return;
                // An R left behind by a crashed server would run on until it
                // next looked for work; it is in the server's process group.
                killTree(child);
                this.handlers.serverFailed(`the server exited unexpectedly (${signal ? `killed by ${signal}` : `exit code ${code}`})`);
            });
        });
        child.on('error', (e) => {
            if (!this.stopping) this.handlers.serverFailed(`could not start the server: ${e.message}`);
        });
        // Writes to a server that has gone are reported by its exit handler.
        child.stdin!.on('error', () => undefined);

        this.open(createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!)));
        await this.initialize(init);
        await this.connection!.sendNotification('initialized', {});
    }

    /**
     * Attaches to a detached session: the handshake, then `initialize`
     * (whose options start R only when this is the session's first client),
     * then what the session says of itself and of R, answered before
     * `initialized` so that the caller can say where it is before the
     * backlog arrives. Call ready() next. Rejects with an AttachError when
     * the session cannot be reached or refuses us.
     */
    async attach(entry: SessionEntry, init: InitializationOptions): Promise<AttachInfo> {
        await this.connect(entry, init);
        const [info, status] = await Promise.all([this.connection!.sendRequest(SessionInfoRequest, {}), this.connection!.sendRequest(StatusRequest, {})]);
        this.state = status.state;
        return { info, status };
    }

    /**
     * Connects to a detached session and answers `initialize`, nothing
     * more: a client that only asks something (`rbridge jobs`) neither
     * takes what the session kept for the next client (r/sessionInfo's
     * dropped executions, the output backlog, sent after `initialized`) nor
     * starts its R. Rejects with an AttachError as attach() does.
     */
    async connect(entry: SessionEntry, init: InitializationOptions): Promise<void> {
        const { socket } = await attachSocket(entry);
        this.socket = socket;
        this.exit = new Promise((resolve) => {
            socket.on('close', () => {
                this.exited = true;
                resolve();
                if (!this.stopping) this.handlers.serverFailed('the connection to the R session was lost (the session was stopped, or its server died)');
            });
        });
        // A broken connection is reported by its close handler.
        socket.on('error', () => undefined);
        this.open(createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket)));
        socket.resume();
        await this.initialize(init);
    }

    /** After attach(): `initialized`. The session's state, its backlog and then live traffic follow. */
    async ready(): Promise<void> {
        await this.connection!.sendNotification('initialized', {});
    }

    /** Starts a new R (r/restart): for a session whose R has ended with none coming. */
    async restart(): Promise<void> {
        await this.connection!.sendRequest(RestartRequest, {});
    }

    /** Ends the session's R and its server (r/stopSession); resolves once the connection has closed. */
    async stopSession(): Promise<void> {
        this.stopping = true;
        await this.connection!.sendRequest(StopSessionRequest, {});
        await Promise.race([this.exit, delay(SHUTDOWN_MS)]);
        this.socket?.destroy();
        this.connection?.dispose();
    }

    private open(connection: MessageConnection): void {
        this.connection = connection;
        connection.onNotification(OutputNotification, (p: OutputParams) => this.handlers.output(p));
        connection.onNotification(KernelStatusNotification, (p: KernelStatusParams) => this.onStatus(p));
        connection.onNotification(PlotNotification, (p: PlotParams) => this.handlers.plot(p));
        connection.onNotification(DataViewOpenNotification, (p: DataViewInfo) => this.handlers.view(p));
        connection.onNotification(ExecutionResultNotification, (p: ExecuteResult) => this.handlers.executionResult(p));
        connection.onNotification(JobStateNotification, (p: JobInfo) => this.handlers.job?.({ kind: 'state', params: p }));
        connection.onNotification(JobOutputNotification, (p: JobOutputParams) => this.handlers.job?.({ kind: 'output', params: p }));
        connection.onNotification(JobProgressNotification, (p: JobProgressParams) => this.handlers.job?.({ kind: 'progress', params: p }));
        // The server's diagnostics are for editors' log panels, not for the terminal.
        connection.onNotification('window/logMessage', () => undefined);
        connection.onRequest(InputRequest, (p: InputParams, token: CancellationToken) => this.handlers.input(p, token));
        connection.listen();
    }

    private async initialize(init: InitializationOptions): Promise<void> {
        await this.connection!.sendRequest('initialize', {
            processId: process.pid,
            rootUri: null,
            capabilities: {},
            initializationOptions: init,
        });
    }

    private onStatus(p: KernelStatusParams): void {
        if (!p.notice) {
            this.state = p.state;
            this.lastStatus = p;
        }
        for (const listener of [...this.listeners]) listener(p);
        this.handlers.status(p);
    }

    /**
     * Runs code; resolves with the server's answer. When the connection
     * breaks first (the server is gone, which serverFailed reports), the
     * answer is `kernelDied` with what broke.
     */
    async execute(params: ExecuteParams): Promise<ExecuteResult> {
        try {
            return await this.connection!.sendRequest(ExecuteRequest, params);
        } catch (e) {
            return { executionId: params.executionId ?? '', status: 'kernelDied', error: { message: (e as Error).message }, durationMs: 0 };
        }
    }

    /**
     * Tells the server the terminal's width and colours (r/console); R takes
     * them before the next execution. A server without r/console is ignored.
     */
    console(params: ConsoleParams): void {
        this.connection?.sendRequest(ConsoleRequest, params).catch(() => undefined);
    }

    /** A picture of a plot (r/renderPlot). */
    renderPlot(params: RenderPlotParams): Promise<RenderPlotResult> {
        if (!this.connection) return Promise.reject(new Error('not connected'));
        return this.connection.sendRequest(RenderPlotRequest, params);
    }

    /** The columns and first rows of a data view, then the view is closed. */
    async viewHead(viewId: string, count: number): Promise<{ schema: DataViewSchemaResult; rows: DataViewRowsResult }> {
        const connection = this.connection;
        if (!connection) throw new Error('not connected');
        try {
            const schema = await connection.sendRequest(DataViewSchemaRequest, { viewId });
            const rows = await connection.sendRequest(DataViewRowsRequest, { viewId, start: 0, count });
            return { schema, rows };
        } finally {
            connection.sendRequest(DataViewCloseRequest, { viewId }).catch(() => undefined);
        }
    }

    /** The size plots are drawn at (r/plotSettings): R then sends each new plot as a PNG. */
    plotSettings(params: PlotSettingsParams): void {
        this.connection?.sendNotification(PlotSettingsNotification, params).catch(() => undefined);
    }

    /** Interrupts the running execution and drops what is queued. */
    interrupt(): void {
        // keepQueue false: nothing else of ours is queued, and anything
        // that is should not run after the user asked to stop.
        this.connection?.sendRequest(InterruptRequest, { keepQueue: false }).catch(() => undefined);
    }

    /** Starts a background job (r/job/start); resolves with its id. */
    async startJob(params: JobStartParams): Promise<string> {
        return (await this.connection!.sendRequest(JobStartRequest, params)).jobId;
    }

    /** Cancels a job (r/job/cancel): its worker is stopped. */
    cancelJob(jobId: string): Promise<JobCancelResult> {
        return this.connection!.sendRequest(JobCancelRequest, { jobId });
    }

    /** A done job's result, assigned in the session as `assignTo` when given (r/job/result). */
    jobResult(jobId: string, assignTo?: string): Promise<JobResultResult> {
        return this.connection!.sendRequest(JobResultRequest, assignTo ? { jobId, assignTo } : { jobId });
    }

    /** The session's jobs, oldest first (r/job/list). */
    async listJobs(): Promise<JobInfo[]> {
        return (await this.connection!.sendRequest(JobListRequest, {})).jobs;
    }

    /** Resolves with the first status that satisfies `condition` (true), or false after `ms`. */
    waitForStatus(condition: (p: KernelStatusParams) => boolean, ms: number): Promise<boolean> {
        return new Promise((resolve) => {
            const listener = (p: KernelStatusParams) => {
                if (condition(p)) done(true);
            };
            const timer = setTimeout(() => done(false), ms);
            const done = (value: boolean) => {
                clearTimeout(timer);
                this.listeners.delete(listener);
                resolve(value);
            };
            this.listeners.add(listener);
        });
    }

    /**
     * After R died: resolves true once a new R is ready, false at once when
     * the server said that none is coming (no automatic restart, or it gave
     * up), or when the new R fails to start or dies with no further restart.
     */
    waitForRestart(): Promise<boolean> {
        if (this.state === 'idle' || this.state === 'busy') return Promise.resolve(true);
        if (!this.restartComing) return Promise.resolve(false);
        const allowance = () => (this.state === 'restarting' ? 0 : (this.lastStatus?.restartInMs ?? 0)) + RESTART_READY_MS;
        return new Promise((resolve) => {
            let timer = setTimeout(() => done(false), allowance());
            const listener = (p: KernelStatusParams) => {
                if (p.notice) return;
                if (p.state === 'idle' || p.state === 'busy') done(true);
                else if (p.state === 'dead' && !this.restartComing) done(false);
                else {
                    clearTimeout(timer);
                    timer = setTimeout(() => done(false), allowance());
                }
            };
            const done = (value: boolean) => {
                clearTimeout(timer);
                this.listeners.delete(listener);
                resolve(value);
            };
            this.listeners.add(listener);
        });
    }

    /** Flow control: stop reading the server while our output is behind (the server in turn stops reading R). */
    pauseReading(): void {
        this.child?.stdout?.pause();
        this.socket?.pause();
    }

    resumeReading(): void {
        this.child?.stdout?.resume();
        this.socket?.resume();
    }

    /**
     * Shuts the server (and with it R) down; kills both when that takes too
     * long. Attached to a session, this detaches: the session's server
     * takes `shutdown` and `exit` from one client as that client leaving,
     * and R runs on.
     */
    async shutdown(): Promise<void> {
        this.stopping = true;
        const socket = this.socket;
        if (socket) {
            const connection = this.connection;
            if (connection && !this.exited) {
                try {
                    await Promise.race([connection.sendRequest('shutdown'), delay(SHUTDOWN_MS - 500)]);
                    await connection.sendNotification('exit');
                } catch {
                    // The session is already gone.
                }
                socket.end();
                await Promise.race([this.exit, delay(SHUTDOWN_MS)]);
            }
            socket.destroy();
            connection?.dispose();
            return;
        }
        const child = this.child;
        const connection = this.connection;
        if (child && connection && !this.exited) {
            const deadline = Date.now() + SHUTDOWN_MS;
            try {
                await Promise.race([connection.sendRequest('shutdown'), delay(SHUTDOWN_MS - 500)]);
                await connection.sendNotification('exit');
            } catch {
                // The server is already gone; its exit is awaited below.
            }
            child.stdin?.end();
            await Promise.race([this.exit, delay(Math.max(0, deadline - Date.now()))]);
            if (!this.exited) killTree(child);
        }
        connection?.dispose();
    }
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Kills the server and, through its process group, the R it started. */
function killTree(child: ChildProcess): void {
    try {
        if (process.platform !== 'win32' && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
    } catch {
        // Already gone.
    }
}
