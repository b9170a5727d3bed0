/**
 * The R session as clients see it: one kernel at a time, started, restarted
 * and stopped through one serial chain, with its lifecycle as one tagged
 * union. The session routes; the work itself is elsewhere: executions.ts
 * (the queue of executions and kernel requests, interrupts), output.ts
 * (batching and flow control of R's output), capabilities.ts (variables,
 * plots, the data viewer, completion, help, background jobs, warm-up),
 * restartPolicy.ts.
 */
import { CancellationToken } from 'vscode-jsonrpc';
import type {
    ConsoleParams,
    ExecuteParams,
    ExecuteResult,
    InterruptResult,
    KernelDeathCause,
    KernelStartCause,
    KernelState,
    KernelStatusParams,
    RestartResult,
    StatusResult,
    VariablesParams,
    VariablesResult,
} from '../../../common/protocol';
import { KernelNotRunningError, KernelStartFailedError, RBusyError } from '../../../common/protocol';
import { StreamMerger } from '../kernel/outputStream';
import { ExitInfo, Kernel, KernelEvents, KernelFactory, KernelProcess, KernelStartError } from '../kernel/process';
import type { FromKernel } from '../kernel/wire';
import { Capabilities } from './capabilities';
import type { Debug } from './debug';
import type { DataViews } from './dataViews';
import { SessionError } from './errors';
import { RequestOptions, WorkQueue } from './executions';
import type { Help } from './help';
import type { Jobs } from './jobs';
import type { Language } from './language';
import { OutputBatcher } from './output';
import type { Plots } from './plots';
import { RESTART_WINDOW_MS, RestartPolicy } from './restartPolicy';
import type { SessionClient, SessionOptions } from './types';

export { SessionError } from './errors';
export type { SessionClient, SessionOptions } from './types';

type Lifecycle =
    | { kind: 'new' }
    | { kind: 'starting'; cause: KernelStartCause; kernel: Kernel }
    | { kind: 'running'; kernel: Kernel }
    | { kind: 'dead'; reason: string; cause: KernelDeathCause; restartTimer?: NodeJS.Timeout };

const UNRESPONSIVE_REASON =
    'R is not responding to the interrupt (it may be inside C code that does not check for interrupts). Wait, or restart R.';

export class Session {
    private life: Lifecycle = { kind: 'new' };
    private disposed = false;
    private chain: Promise<unknown> = Promise.resolve();
    /** The state last announced in r/kernelStatus. */
    private announced: KernelState | undefined;
    /** A requested restart is stopping the kernel: 'dead' is not announced, the next state is the new kernel's. */
    private stopping = false;
    private readonly restarts = new RestartPolicy();
    private readonly capabilities: Capabilities;
    /** The capabilities' requests go straight to them (frontend.ts). */
    readonly plots: Plots;
    readonly dataViews: DataViews;
    readonly language: Language;
    readonly help: Help;
    readonly jobs: Jobs;
    readonly debug: Debug;
    private readonly output: OutputBatcher;
    private readonly work: WorkQueue;
    private readonly createKernel: KernelFactory;
    /** The client console's width and colours, applied to every kernel (r/console). */
    private console: ConsoleParams = {};

    constructor(
        private readonly options: SessionOptions,
        private readonly client: SessionClient,
    ) {
        this.createKernel = options.createKernel ?? ((kernelOptions, events) => new KernelProcess(kernelOptions, events));
        this.output = new OutputBatcher(
            (params) => client.output(params),
            (paused) => this.kernel?.pauseOutput(paused),
        );
        const request = (method: string, params: unknown, token?: CancellationToken, options?: RequestOptions) =>
            this.work.request(method, params, token, options);
        const requireKernel = () => {
            if (this.life.kind === 'running') return;
            const why = this.life.kind === 'dead' ? `: ${this.life.reason}` : ' yet';
            throw new SessionError(KernelNotRunningError, `R is not running${why}.`);
        };
        // For requests that never wait behind user code: RBusyError at once.
        const requireIdle = (then: string) => {
            requireKernel();
            if (this.work.runningCode) throw new SessionError(RBusyError, `R is busy running code; ${then}`);
        };
        this.capabilities = new Capabilities(
            {
                request,
                requireKernel,
                requireIdle,
                idle: () => this.life.kind === 'running' && !this.work.busy,
                running: () => this.life.kind === 'running',
                canAsk: () => this.life.kind === 'running' && !this.work.runningCode,
                origin: (seq, line) => this.work.origin(seq, line),
                requestAtStop: (method, params) => this.work.requestAtStop(method, params),
                stopped: () => this.work.stopped,
            },
            options,
            client,
        );
        ({ plots: this.plots, dataViews: this.dataViews, language: this.language, help: this.help, jobs: this.jobs, debug: this.debug } = this.capabilities);
        this.work = new WorkQueue({
            executionState: (params) => client.executionState(params),
            condition: (params) => client.condition(params),
            input: (params, token) => client.input(params, token),
            browserStop: (exec, info) => this.capabilities.debug.browserStop(exec, info),
            breaks: (exec) => this.capabilities.debug.breaks(exec),
            output: (executionId, stream, text) => this.output.add(executionId, stream, text),
            flushOutput: () => this.output.flush(),
            unresponsive: () => this.client.kernelStatus({ ...this.statusFacts(), reason: UNRESPONSIVE_REASON, notice: 'unresponsive' }),
            changed: () => {
                this.announce();
                this.capabilities.variables.describeWhenIdle();
                this.capabilities.language.whenIdle();
                this.capabilities.warmup.whenIdle();
            },
            log: (message) => client.log(message),
        });
    }

    private get kernel(): Kernel | undefined {
        return this.life.kind === 'starting' || this.life.kind === 'running' ? this.life.kernel : undefined;
    }

    // -----------------------------------------------------------------------
    // Lifecycle: start, restart and stop go through one serial chain.

    /** Starts the first kernel; a later call waits for the chain and does nothing more. */
    start(): Promise<void> {
        if (this.life.kind !== 'new') return this.chain.then(() => undefined);
        return this.serially(() => this.launch('initial'));
    }

    restart(): Promise<RestartResult> {
        return this.serially(async () => {
            this.cancelAutomaticRestart();
            this.restarts.reset();
            await this.stopKernel('restart requested');
            await this.launch('requested');
            const life = this.life as Lifecycle;
            if (life.kind !== 'running' || life.kernel.pid === undefined) {
                throw new SessionError(KernelStartFailedError, life.kind === 'dead' ? life.reason : 'R could not be started');
            }
            return { pid: life.kernel.pid };
        });
    }

    async dispose(): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        this.capabilities.dispose();
        this.cancelAutomaticRestart();
        this.work.cancelWaiting();
        this.work.revokeAll();
        const kernel = this.kernel;
        if (kernel) {
            this.work.interruptRunning();
            await kernel.shutdown(1500);
        }
        this.work.failSent('kernelDied', 'the session was shut down');
        this.work.failWaiting('kernelDied', 'the session was shut down');
    }

    private serially<T>(step: () => Promise<T>): Promise<T> {
        const next = this.chain.then(step, step);
        this.chain = next.catch(() => undefined);
        return next;
    }

    private async launch(cause: KernelStartCause): Promise<void> {
        if (this.disposed) return;
        // R's two output streams, in the order R wrote them.
        const merger = new StreamMerger((stream, event) => this.work.onStream(stream, event));
        const kernelOptions = { ...this.options, profile: this.options.workspaceTrusted ? ('trusted' as const) : ('home' as const) };
        const events: KernelEvents = {
            message: (message) => this.kernel === kernel && this.onMessage(kernel, message),
            output: (stream, events) => this.kernel === kernel && merger.push(stream, events),
            exit: (info) => {
                if (this.kernel !== kernel) return;
                // No sync marker will come any more: what was held back is output too.
                merger.flush();
                this.onExit(kernel, info);
            },
        };
        // The first R may have been started already, before the client's
        // initialize (kernel/prestart.ts).
        const kernel: Kernel = (cause === 'initial' ? this.options.prestarted?.take(kernelOptions, events) : undefined) ?? this.createKernel(kernelOptions, events);
        this.life = { kind: 'starting', cause, kernel };
        this.announce({ startCause: cause });
        try {
            await kernel.start();
        } catch (e) {
            if (this.kernel !== kernel) return;
            const reason = e instanceof KernelStartError ? e.message : `R could not be started: ${(e as Error).message}`;
            this.life = { kind: 'dead', reason, cause: 'startFailed' };
            this.client.log(reason);
            this.announce({ reason, deathCause: 'startFailed' });
            this.work.failWaiting('kernelDied', reason);
        }
    }

    /** Stops the current kernel on purpose and ends what was pending on it. */
    private async stopKernel(reason: string): Promise<void> {
        const kernel = this.kernel;
        // Quietly dead: the next state announced is the new kernel's (a
        // client would take 'dead' for a crash).
        this.life = { kind: 'dead', reason, cause: 'stopped' };
        this.stopping = true;
        try {
            this.work.detach();
            this.work.failSent('kernelDied', reason, 'cancelled');
            this.work.cancelWaiting();
            this.capabilities.kernelGone(`R was restarted: the data view's object is gone.`);
            if (kernel) {
                kernel.kill(reason);
                await kernel.exited;
            }
        } finally {
            this.stopping = false;
        }
    }

    private onExit(kernel: Kernel, info: ExitInfo): void {
        const how = info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
        const reason = info.reason ? `${info.reason} (R ${how})` : `R ${how}`;
        this.work.detach();
        this.client.log(`kernel ${kernel.pid ?? ''} ${reason}`);
        const restartInMs = this.options.autoRestart && !this.disposed ? this.restarts.next() : undefined;
        const abandoned = this.options.autoRestart && !this.disposed && restartInMs === undefined;
        const said = abandoned
            ? `${reason}. R died ${this.restarts.recentDeaths} times in ${RESTART_WINDOW_MS / 60000} minutes; not restarting it again. Restart it by hand once the cause is fixed.`
            : reason;
        this.life = { kind: 'dead', reason: said, cause: info.cause };
        if (restartInMs !== undefined) {
            this.life.restartTimer = setTimeout(() => {
                void this.serially(() => (this.life.kind === 'dead' ? this.launch('automatic') : Promise.resolve()));
            }, restartInMs);
        }
        if (abandoned) this.client.log(said);
        // The output R wrote before it died, then the death, then what it
        // cost: clients hear of the death before the failed answers.
        this.output.flush();
        this.announce({
            reason: said,
            deathCause: info.cause,
            pid: kernel.pid,
            exitCode: info.code,
            signal: info.signal,
            stderrTail: info.stderrTail,
            ...(restartInMs !== undefined ? { restartInMs } : {}),
            ...(abandoned ? { restartAbandoned: true } : {}),
        });
        this.work.failSent('kernelDied', reason);
        this.work.failWaiting('kernelDied', reason);
        this.capabilities.kernelGone(`R is gone (${reason}): the data view's object went with it.`);
    }

    private cancelAutomaticRestart(): void {
        if (this.life.kind === 'dead') {
            clearTimeout(this.life.restartTimer);
            this.life.restartTimer = undefined;
        }
    }

    // -----------------------------------------------------------------------
    // State as clients see it

    private get state(): KernelState {
        switch (this.life.kind) {
            case 'new':
                return 'starting';
            case 'starting':
                return this.life.cause === 'initial' ? 'starting' : 'restarting';
            case 'running':
                return this.work.busy ? 'busy' : 'idle';
            case 'dead':
                return 'dead';
        }
    }

    /** The kernel's state as r/kernelStatus says it. */
    statusFacts(): KernelStatusParams {
        return { state: this.state, pid: this.kernel?.pid, queueLength: this.work.queuedCount, rVersion: this.kernel?.hello?.rVersion };
    }

    /** The state for a client that attaches: with why R is gone, when it is. */
    attachStatus(): KernelStatusParams {
        const facts = this.statusFacts();
        return this.life.kind === 'dead' ? { ...facts, reason: this.life.reason, deathCause: this.life.cause } : facts;
    }

    /** Sends r/kernelStatus when the state changed, or always with `extra` facts. */
    private announce(extra?: Partial<KernelStatusParams>): void {
        // On the path of every execution: nothing is built when nothing changed.
        if (!extra && (this.state === this.announced || this.stopping)) return;
        const facts = this.statusFacts();
        this.announced = facts.state;
        this.client.kernelStatus(extra ? { ...facts, ...extra } : facts);
    }

    status(): StatusResult {
        const running = this.work.runningInfo();
        return {
            state: this.state,
            pid: this.kernel?.pid ?? null,
            rVersion: this.kernel?.hello?.rVersion ?? null,
            ...(running ? { running } : {}),
            queue: this.work.queue(),
        };
    }

    // -----------------------------------------------------------------------
    // Messages from the kernel

    private onMessage(kernel: Kernel, message: FromKernel): void {
        if (this.work.onMessage(message) || this.capabilities.onMessage(message)) return;
        switch (message.kind) {
            case 'ready':
                this.life = { kind: 'running', kernel };
                this.capabilities.variables.apply(message.symbols, true);
                this.client.log(`R ${kernel.hello?.rVersion} ready (pid ${kernel.pid}, rlang ${kernel.hello?.rlang ? 'available' : 'not installed'})`);
                this.announce({ pid: kernel.pid });
                // A new R learns the console's settings before anything else runs.
                if (Object.keys(this.console).length) this.applyConsole(true);
                this.capabilities.kernelReady();
                this.work.attach(kernel);
                this.capabilities.warmup.started();
                break;
            case 'symbols':
                this.capabilities.variables.apply(message.symbols, false, message.unchecked);
                break;
            case 'log':
                this.client.log(`kernel: ${message.text}`);
                break;
            default:
                this.client.log(`kernel sent '${message.kind}' where it has no meaning`);
        }
    }

    // -----------------------------------------------------------------------
    // Executions

    /** `abandoned`: the client that sent it went away (see WorkQueue.execute). */
    execute(params: ExecuteParams, token?: CancellationToken, abandoned?: CancellationToken): Promise<ExecuteResult> {
        const life = this.life;
        const refuse = life.kind === 'dead' && !life.restartTimer ? life.reason : undefined;
        this.capabilities.debug.executed(params);
        return this.work.execute(params, token, refuse, abandoned);
    }

    interrupt(keepQueue = false): InterruptResult {
        return this.work.interrupt(keepQueue);
    }

    /**
     * The client's console changed: R takes its width and colours before
     * the next execution sent after this (a kernel request, so nothing the
     * user sees runs), and every new kernel takes them at its start.
     */
    setConsole(params: ConsoleParams): null {
        this.console = { ...this.console, ...params };
        if (this.life.kind === 'running') this.applyConsole(false);
        return null;
    }

    private applyConsole(first: boolean): void {
        this.work.request('console/set', this.console, undefined, { supersede: true, first }).catch((e: Error) =>
            this.client.log(`the console settings could not be applied: ${e.message}`),
        );
    }

    // -----------------------------------------------------------------------
    // Variables (variables.ts)

    variablesRequest(params: VariablesParams, token?: CancellationToken): Promise<VariablesResult> {
        // A frame of R's browser stop: its locals (debug.ts). While R is
        // stopped, the children of a global come from it at once too.
        if (params.frame !== undefined) return this.capabilities.debug.variables(params);
        if (params.path?.length && this.work.stopped) return this.capabilities.debug.variables({ ...params, frame: 0 });
        return this.capabilities.variables.request(params, token);
    }
}
