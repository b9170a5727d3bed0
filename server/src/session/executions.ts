/**
 * The work a kernel does, in order: executions (user code) and kernel
 * requests (what the server asks of R between executions: the children of
 * a variable, a refresh; see kernel/requests.R). One queue holds both, so a
 * request waits behind the executions sent before it and ahead of those
 * sent after it, and any number of requests may wait at once.
 *
 * An execution goes through explicit phases: `queued` in the server,
 * `ahead` (sent to the kernel ahead of the running one, with a grant the
 * server can take back, so it still counts as queued), `running`, and
 * `finishing` (ended in R, its output still on its way). A request is
 * `queued`, then `running`; it is sent only while R runs nothing else.
 */
import { CancellationToken, CancellationTokenSource, Disposable } from 'vscode-jsonrpc';
import type {
    ConditionParams,
    ExecuteParams,
    ExecuteResult,
    ExecutionError,
    ExecutionStateParams,
    ExecutionStatus,
    InputParams,
    InputResult,
    InterruptResult,
    QueuedExecution,
    Range,
} from '../../../common/protocol';
import { BrowserNotStoppedError, KernelNotRunningError, KernelStartFailedError } from '../../../common/protocol';
import type { Kernel } from '../kernel/process';
import type { StreamEvent, StreamName } from '../kernel/outputStream';
import { BrowserInfo, ExecFlags, FromKernel } from '../kernel/wire';
import { SessionError } from './errors';

/** How many executions may be sent to the kernel ahead of the running one. */
const AHEAD_WINDOW = 32;
const INTERRUPT_RESEND_MS = 100;
/** How long interrupts may go unanswered before the client hears that R is not responding. */
const UNRESPONSIVE_AFTER_MS = 2000;
/** JSON-RPC's code for a request the client cancelled. */
const REQUEST_CANCELLED = -32800;

export type ExecutionPhase = 'queued' | 'ahead' | 'running' | 'finishing';

interface Outcome {
    status: ExecutionStatus;
    line: number;
    message?: string;
    call?: string | null;
}

export interface Execution {
    readonly type: 'execution';
    readonly id: string;
    readonly seq: number;
    readonly params: ExecuteParams;
    phase: ExecutionPhase;
    readonly resolve: (result: ExecuteResult) => void;
    startedAt: number;
    doneAt: number;
    stdoutDone: boolean;
    stderrDone: boolean;
    outcome?: Outcome;
    /** A pending r/input request of the running execution. */
    input?: CancellationTokenSource;
    /** R's browser stop the client was asked about (with `input`): asked again after an interrupt. */
    stop?: InputParams;
    /**
     * Lines of an r/input answer beyond its first: a console takes a pasted
     * block of lines as that many answers, so the next reads get them
     * without asking the client again.
     */
    typedAhead?: string[];
    interruptTimer?: NodeJS.Timeout;
    /** When the first interrupt of this execution was sent. */
    interruptedAt?: number;
    /** Sent ahead, cancelled after the kernel had claimed it: interrupt it once it runs. */
    interruptWhenRunning?: boolean;
    /** The listener on its client's going away (a token that lives as long as the client): removed when it ends. */
    abandonListener?: Disposable;
}

export interface KernelRequest {
    readonly type: 'request';
    readonly seq: number;
    readonly method: string;
    readonly params: unknown;
    phase: 'queued' | 'running';
    readonly resolve: (result: unknown) => void;
    readonly reject: (error: Error) => void;
    /** The client gave up on it while R was serving it: R was interrupted. */
    cancelled?: boolean;
    readonly background?: boolean;
}

export interface RequestOptions {
    /** Ahead of everything waiting (settings that the next execution must see). */
    first?: boolean;
    /** Drops the waiting requests of the same method: only the latest matters. */
    supersede?: boolean;
    /**
     * Work R does while idle on its own account (describing variables): it
     * does not make the kernel busy. The caller sends it only while nothing
     * waits; an execution that arrives meanwhile waits for it to end.
     */
    background?: boolean;
}

type Work = Execution | KernelRequest;

/** The kernel as this queue drives it. */
export type KernelPort = Pick<Kernel, 'send' | 'grant' | 'revoke' | 'holdGrants' | 'releaseGrants' | 'interrupt'>;

/** What the queue tells the session; callbacks only, so that nothing here imports the session. */
export interface WorkEvents {
    executionState(params: ExecutionStateParams): void;
    condition(params: ConditionParams): void;
    input(params: InputParams, token: CancellationToken): Promise<InputResult>;
    /** What the client is told of R's browser stop while `exec` runs (debug.ts maps the kernel's report to documents). */
    browserStop(exec: ExecuteParams, info: BrowserInfo): Omit<InputParams, 'executionId' | 'prompt'>;
    /** The breakpoints in an execution's code, for its exec frame (debug.ts). */
    breaks(exec: ExecuteParams): string | undefined;
    output(executionId: string | null, stream: StreamName, text: string): void;
    /** Output buffered so far must reach the client now (an answer or a condition follows). */
    flushOutput(): void;
    /** R has ignored interrupts for a while. */
    unresponsive(): void;
    /** Whether R has work may have changed. */
    changed(): void;
    log(message: string): void;
}

export class WorkQueue {
    private kernel: KernelPort | undefined;
    /** Not sent to the kernel yet, in order. */
    private readonly waiting: Work[] = [];
    /** Sent to the kernel and not answered yet, oldest first: those finishing, the running one, those sent ahead. */
    private readonly sent: Work[] = [];
    /** Executions whose grant was taken back: the kernel will still answer them 'cancelled'. */
    private readonly revoked = new Set<number>();
    private waitingRequests = 0;
    private nextSeq = 1;
    private nextExecutionId = 1;
    /** The ids of the executions not answered yet: output is attributed by id, so two must never share one. */
    private readonly idsInUse = new Set<string>();
    /** Kernel requests served while R is stopped in its browser (requestAtStop), by seq. */
    private readonly atStop = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

    constructor(private readonly events: WorkEvents) {}

    /** A kernel ready to serve: work starts flowing to it. */
    attach(kernel: KernelPort): void {
        this.kernel = kernel;
        this.revoked.clear();
        this.pump();
    }

    /** The kernel is gone (see failSent for what it had). */
    detach(): void {
        this.kernel = undefined;
        for (const pending of this.atStop.values()) pending.reject(new SessionError(KernelNotRunningError, 'R is gone.'));
        this.atStop.clear();
    }

    get running(): Work | undefined {
        for (const work of this.sent) if (work.phase === 'running') return work;
        return undefined;
    }

    get runningExecution(): Execution | undefined {
        const running = this.running;
        return running?.type === 'execution' ? running : undefined;
    }

    /** Whether there is work in or for the kernel (background work aside). */
    get busy(): boolean {
        if (this.waiting.length) return true;
        for (const work of this.sent) if (!(work.type === 'request' && work.background)) return true;
        return false;
    }

    /** Whether R runs user code or has some waiting: kernel requests alone do not count. */
    get runningCode(): boolean {
        if (this.waiting.length > this.waitingRequests) return true;
        return this.sent.some((work) => work.type === 'execution');
    }

    /** Executions waiting their turn, those sent ahead included. */
    get queuedCount(): number {
        return this.waiting.length - this.waitingRequests + this.aheadCount;
    }

    private get aheadCount(): number {
        let n = 0;
        for (const work of this.sent) if (work.phase === 'ahead') n++;
        return n;
    }

    queue(): QueuedExecution[] {
        return [...this.sent, ...this.waiting]
            .filter((w): w is Execution => w.type === 'execution' && (w.phase === 'ahead' || w.phase === 'queued'))
            .map((e) => ({ executionId: e.id, codePreview: preview(e.params.code) }));
    }

    // -----------------------------------------------------------------------
    // Adding work

    /**
     * Queues an execution; `refuse` answers it at once with kernelDied and
     * that reason. `abandoned` fires when the client that sent it went
     * away: an execution that has not started is then dropped (answered
     * 'cancelled'), one that runs goes on.
     */
    execute(params: ExecuteParams, token?: CancellationToken, refuse?: string, abandoned?: CancellationToken): Promise<ExecuteResult> {
        if (params.executionId !== undefined && this.idsInUse.has(params.executionId)) {
            return Promise.reject(new SessionError(-32602, `r/execute: the executionId '${params.executionId}' belongs to an execution that has not ended yet`));
        }
        return new Promise((resolve) => {
            const exec: Execution = {
                type: 'execution',
                id: params.executionId ?? this.freeId(),
                seq: this.nextSeq++,
                params,
                phase: 'queued',
                resolve,
                startedAt: 0,
                doneAt: 0,
                stdoutDone: false,
                stderrDone: false,
            };
            if (params.code.includes('\0')) {
                this.finish(exec, {
                    executionId: exec.id,
                    status: 'parseError',
                    error: { message: 'the code contains a NUL character, which R cannot parse', line: lineOfNul(params.code) },
                    durationMs: 0,
                });
                return;
            }
            if (refuse !== undefined) {
                this.finish(exec, failure(exec, 'kernelDied', refuse));
                return;
            }
            // A request cancelled before it was dispatched comes with a token
            // that is cancelled already and never fires.
            if (token?.isCancellationRequested) {
                this.finish(exec, { executionId: exec.id, status: 'cancelled', durationMs: 0 });
                return;
            }
            token?.onCancellationRequested(() => this.cancel(exec));
            exec.abandonListener = abandoned?.onCancellationRequested(() => {
                if (exec.phase === 'queued' || exec.phase === 'ahead') this.cancel(exec);
            });
            this.idsInUse.add(exec.id);
            this.waiting.push(exec);
            this.pump();
            // 'queued' only for an execution that has to wait its turn.
            if (exec.phase !== 'running') {
                this.events.executionState({ executionId: exec.id, state: 'queued', position: this.queuedCount - 1 });
            }
            this.events.changed();
        });
    }

    /** A server-assigned id that no execution not yet answered has (a client may have chosen `e7` itself). */
    private freeId(): string {
        let id: string;
        do id = `e${this.nextExecutionId++}`;
        while (this.idsInUse.has(id));
        return id;
    }

    /** Queues a kernel request; resolves with the handler's result. */
    request(method: string, params: unknown, token?: CancellationToken, options: RequestOptions = {}): Promise<unknown> {
        return new Promise((resolve, reject) => {
            if (token?.isCancellationRequested) {
                reject(new SessionError(REQUEST_CANCELLED, 'the request was cancelled'));
                return;
            }
            if (options.supersede) {
                for (const old of this.waiting.filter((w): w is KernelRequest => w.type === 'request' && w.method === method)) {
                    this.waiting.splice(this.waiting.indexOf(old), 1);
                    this.waitingRequests--;
                    old.resolve(undefined);
                }
            }
            const request: KernelRequest = { type: 'request', seq: this.nextSeq++, method, params, phase: 'queued', resolve, reject, background: options.background };
            if (options.first) this.waiting.unshift(request);
            else this.waiting.push(request);
            this.waitingRequests++;
            token?.onCancellationRequested(() => {
                // Waiting: dropped. Being served: R is interrupted (a request
                // may take long, e.g. the children of a huge environment).
                if (request.phase === 'running') {
                    request.cancelled = true;
                    this.kernel?.interrupt();
                    return;
                }
                const index = this.waiting.indexOf(request);
                if (index < 0) return;
                this.waiting.splice(index, 1);
                this.waitingRequests--;
                reject(new SessionError(REQUEST_CANCELLED, 'the request was cancelled'));
                this.events.changed();
            });
            this.pump();
            this.events.changed();
        });
    }

    // -----------------------------------------------------------------------
    // Sending work to the kernel

    /** Sends the next piece of work to the kernel when it is free, and executions ahead of time. */
    pump(): void {
        const kernel = this.kernel;
        if (!kernel) return;
        let running = this.running;
        if (!running) {
            const next = this.sent.find((w) => w.phase === 'ahead') ?? this.waiting.shift();
            if (!next) return;
            if (next.phase === 'queued') {
                if (next.type === 'request') this.waitingRequests--;
                this.send(kernel, next, false);
            }
            next.phase = 'running';
            running = next;
            if (next.type === 'execution') {
                next.startedAt = performance.now();
                this.events.executionState({ executionId: next.id, state: 'running' });
                if (next.interruptWhenRunning) this.interruptExecution(next);
            }
        }
        // Executions behind a running execution go ahead of time, up to the
        // first request (which waits until R runs nothing else).
        if (running.type !== 'execution') return;
        let ahead = this.aheadCount;
        while (ahead < AHEAD_WINDOW && this.waiting[0]?.type === 'execution') {
            const next = this.waiting.shift() as Execution;
            this.send(kernel, next, true);
            next.phase = 'ahead';
            ahead++;
        }
    }

    private send(kernel: KernelPort, work: Work, ahead: boolean): void {
        this.sent.push(work);
        if (work.type === 'request') {
            kernel.send({ kind: 'request', id: work.seq, method: work.method, params: work.params });
            return;
        }
        let flags = 0;
        if (work.params.stopOnError !== false) flags |= ExecFlags.stopOnError;
        if (work.params.echo) flags |= ExecFlags.echo;
        if (ahead) flags |= ExecFlags.claim;
        const breaks = this.events.breaks(work.params);
        kernel.send(breaks ? { kind: 'exec', id: work.seq, flags, code: work.params.code, breaks } : { kind: 'exec', id: work.seq, flags, code: work.params.code });
        if (ahead) kernel.grant(work.seq);
    }

    // -----------------------------------------------------------------------
    // Messages from the kernel

    /** Handles the kernel messages that concern work; returns false for others. */
    onMessage(message: FromKernel): boolean {
        switch (message.kind) {
            case 'done':
                this.onDone(message);
                return true;
            case 'response':
                this.onResponse(message.id, message.result);
                return true;
            case 'failed':
                this.onFailed(message.id, message.message);
                return true;
            case 'cond':
                this.onCondition(message);
                return true;
            case 'input':
                this.onInput(message.id, message.prompt, message.browser);
                return true;
            default:
                return false;
        }
    }

    private sentExecution(seq: number): Execution | undefined {
        for (const work of this.sent) if (work.type === 'execution' && work.seq === seq) return work;
        return undefined;
    }

    private onDone(message: Extract<FromKernel, { kind: 'done' }>): void {
        const exec = this.sentExecution(message.id);
        if (!exec || exec.phase !== 'running') {
            if (!this.revoked.delete(message.id)) this.events.log(`kernel finished an unknown execution ${message.id}`);
            return;
        }
        this.ended(exec, { status: message.status, line: message.line, message: message.message, call: message.call });
    }

    /** Execution `exec` has ended in R; its answer goes out once its output has arrived. */
    private ended(exec: Execution, outcome: Outcome): void {
        exec.doneAt = performance.now();
        exec.input?.cancel();
        exec.input = undefined;
        clearInterval(exec.interruptTimer);
        exec.outcome = outcome;
        exec.phase = 'finishing';
        // The interrupted execution has ended: no more interrupts for it.
        this.kernel?.releaseGrants();
        this.pump();
        this.maybeFinish(exec);
    }

    private onResponse(seq: number, result: unknown): void {
        const atStop = this.atStop.get(seq);
        if (atStop) {
            this.atStop.delete(seq);
            atStop.resolve(result);
            return;
        }
        const running = this.running;
        if (running?.type !== 'request' || running.seq !== seq) {
            this.events.log(`kernel answered an unknown request ${seq}`);
            return;
        }
        this.remove(running);
        running.resolve(result);
        this.pump();
        this.events.changed();
    }

    private onFailed(seq: number, message: string): void {
        const atStop = this.atStop.get(seq);
        if (atStop) {
            this.atStop.delete(seq);
            atStop.reject(new SessionError(-32603, message));
            return;
        }
        const running = this.running;
        if (running?.seq !== seq) {
            this.events.log(`kernel reported a failure of unknown work ${seq}: ${message}`);
            return;
        }
        if (running.type === 'request') {
            this.remove(running);
            running.reject(running.cancelled ? new SessionError(REQUEST_CANCELLED, 'the request was cancelled') : new SessionError(-32603, message));
            this.pump();
            this.events.changed();
            return;
        }
        // The kernel could not even start the execution: it ends as an error
        // without waiting for markers.
        running.stdoutDone = running.stderrDone = true;
        this.ended(running, { status: 'error', line: 0, message });
    }

    private onCondition(message: Extract<FromKernel, { kind: 'cond' }>): void {
        const exec = this.sentExecution(message.id);
        this.events.flushOutput();
        const params: ConditionParams = { executionId: exec?.id ?? String(message.id), kind: message.condition, message: message.message };
        if (message.call) params.call = message.call;
        if (message.line > 0) {
            params.line = message.line;
            const where = exec && locate(exec, message.line);
            if (where) Object.assign(params, where);
        }
        this.events.condition(params);
    }

    /**
     * The execution the kernel calls `seq`, as clients know it, with `line`
     * of its code in the coordinates of its document when it gave them.
     * Output batched so far goes out first: what comes next is in order
     * after it.
     */
    origin(seq: number, line: number): { executionId: string | null; line?: number; uri?: string; range?: Range } {
        this.events.flushOutput();
        const exec = this.sentExecution(seq);
        if (!exec) return { executionId: null };
        if (line <= 0) return { executionId: exec.id };
        return { executionId: exec.id, line, ...locate(exec, line) };
    }

    private onInput(seq: number, prompt: string, browser?: BrowserInfo): void {
        const exec = this.sentExecution(seq);
        const kernel = this.kernel;
        if (!kernel) return;
        if (!exec || exec.phase !== 'running') {
            kernel.send({ kind: 'cancel', id: seq });
            return;
        }
        if (browser) {
            // R is back at its browser's prompt: an interrupt has done its work (R's browser takes it).
            clearInterval(exec.interruptTimer);
            exec.interruptTimer = undefined;
            exec.interruptedAt = undefined;
        }
        // Lines the client sent ahead in an earlier answer come first.
        const typed = exec.typedAhead?.shift();
        if (typed !== undefined) {
            kernel.send({ kind: 'reply', id: seq, text: typed, eof: false });
            return;
        }
        this.events.flushOutput();
        const params: InputParams = { executionId: exec.id, prompt };
        if (browser) Object.assign(params, this.events.browserStop(exec.params, browser));
        this.ask(exec, seq, params);
    }

    /** Asks the client for the answer to R's read (or browser stop) `params`. */
    private ask(exec: Execution, seq: number, params: InputParams): void {
        const kernel = this.kernel;
        if (!kernel) return;
        const source = new CancellationTokenSource();
        exec.input = source;
        exec.stop = params.kind === 'browser' ? params : undefined;
        this.events.input(params, source.token).then(
            (answer) => {
                if (exec.input !== source || source.token.isCancellationRequested) return;
                exec.input = undefined;
                exec.stop = undefined;
                if (!answer || typeof answer.text !== 'string') {
                    kernel.send({ kind: 'cancel', id: seq });
                    return;
                }
                if (answer.text.includes('\0')) {
                    // R strings cannot hold NUL: say so where the user looks, and end the read as Ctrl+C would.
                    this.events.output(exec.id, 'stderr', 'The answer contains a NUL character, which R cannot read; the input was cancelled.\n');
                    kernel.send({ kind: 'cancel', id: seq });
                    return;
                }
                // One line per read, as in a console: a pasted block answers
                // this read and the next ones; `\r\n` and `\r` end lines too.
                const lines = answer.text.split(/\r\n|\r|\n/);
                if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
                exec.typedAhead = lines.slice(1);
                kernel.send({ kind: 'reply', id: seq, text: lines[0] ?? '', eof: answer.eof === true && lines.length <= 1 });
            },
            () => {
                if (exec.input !== source) return;
                exec.input = undefined;
                exec.stop = undefined;
                kernel.send({ kind: 'cancel', id: seq });
            },
        );
    }

    /** Whether R is stopped in its browser with the client asked: requestAtStop() is served. */
    get stopped(): boolean {
        const exec = this.runningExecution;
        return exec?.stop !== undefined && exec.input !== undefined;
    }

    /**
     * A kernel request served at once while R is stopped in its browser
     * (the kernel serves them until the stop is answered, kernel/debug.R):
     * the locals of a frame, an evaluation in one, breakpoints.
     */
    requestAtStop(method: string, params: unknown): Promise<unknown> {
        const kernel = this.kernel;
        if (!kernel || !this.stopped) return Promise.reject(new SessionError(BrowserNotStoppedError, 'R is not stopped in the browser.'));
        const seq = this.nextSeq++;
        return new Promise((resolve, reject) => {
            this.atStop.set(seq, { resolve, reject });
            kernel.send({ kind: 'request', id: seq, method, params });
        });
    }

    // -----------------------------------------------------------------------
    // Output: text belongs to the oldest execution whose stream has not ended.

    onStream(stream: StreamName, event: StreamEvent): void {
        if (event.kind === 'text') {
            let owner: string | null = null;
            for (const work of this.sent) {
                if (work.type === 'execution' && !(stream === 'stdout' ? work.stdoutDone : work.stderrDone)) {
                    owner = work.id;
                    break;
                }
            }
            this.events.output(owner, stream, event.text);
        } else if (event.kind === 'marker') {
            const seq = Number(event.id);
            // Markers arrive in execution order; one that skips an earlier
            // execution closes that one's stream too.
            for (const work of [...this.sent]) {
                if (work.seq > seq) break;
                if (work.type !== 'execution') continue;
                if (stream === 'stdout') work.stdoutDone = true;
                else work.stderrDone = true;
                this.maybeFinish(work);
            }
        }
    }

    private maybeFinish(exec: Execution): void {
        if (!exec.outcome || !exec.stdoutDone || !exec.stderrDone) return;
        this.remove(exec);
        this.events.flushOutput();
        this.finish(exec, result(exec));
        this.events.changed();
    }

    private remove(work: Work): void {
        const index = this.sent.indexOf(work);
        if (index >= 0) this.sent.splice(index, 1);
    }

    private finish(exec: Execution, answer: ExecuteResult): void {
        clearInterval(exec.interruptTimer);
        exec.abandonListener?.dispose();
        this.idsInUse.delete(exec.id);
        this.events.executionState({ executionId: exec.id, state: 'done' });
        exec.resolve(answer);
    }

    // -----------------------------------------------------------------------
    // Cancel and interrupt

    private cancel(exec: Execution): void {
        switch (exec.phase) {
            case 'queued': {
                const index = this.waiting.indexOf(exec);
                if (index < 0) return;
                this.waiting.splice(index, 1);
                this.finish(exec, { executionId: exec.id, status: 'cancelled', durationMs: 0 });
                this.events.changed();
                break;
            }
            case 'ahead':
                this.revokeAhead([exec]);
                break;
            case 'running':
                this.interruptExecution(exec);
                break;
        }
    }

    /**
     * Cancels executions sent ahead: those whose grant the kernel takes
     * back are answered 'cancelled' at once (R will skip them); one whose
     * grant R has just used is running, and is interrupted once it is the
     * running one. Returns how many were cancelled.
     */
    private revokeAhead(targets: Execution[]): number {
        const revoked = this.kernel?.revoke(targets.map((e) => e.seq)) ?? new Set<number>();
        let count = 0;
        for (const exec of targets) {
            if (!revoked.has(exec.seq)) {
                exec.interruptWhenRunning = true;
                continue;
            }
            this.remove(exec);
            this.revoked.add(exec.seq);
            this.finish(exec, { executionId: exec.id, status: 'cancelled', durationMs: 0 });
            count++;
        }
        this.events.changed();
        return count;
    }

    private sentAhead(): Execution[] {
        return this.sent.filter((w): w is Execution => w.type === 'execution' && w.phase === 'ahead');
    }

    /** Interrupts the running execution and (unless `keepQueue`) cancels the executions waiting. */
    interrupt(keepQueue = false): InterruptResult {
        let cancelled = 0;
        // Executions sent ahead are taken back before the signal, so that R
        // cannot start one once it has stopped this one; those never sent
        // after it: the signal goes first.
        if (!keepQueue) {
            const ahead = this.sentAhead();
            if (ahead.length) cancelled += this.revokeAhead(ahead);
        }
        const running = this.runningExecution;
        if (running) this.interruptExecution(running);
        // A kernel request R is serving stops too (it fails as interrupted).
        else if (this.running?.type === 'request') this.kernel?.interrupt();
        if (!keepQueue) cancelled += this.cancelWaiting();
        this.events.changed();
        return { interrupted: running !== undefined, cancelled };
    }

    /** Interrupts the running execution before the kernel shuts down. */
    interruptRunning(): void {
        if (this.runningExecution) this.kernel?.interrupt();
    }

    private interruptExecution(exec: Execution): void {
        const kernel = this.kernel;
        if (!kernel) return;
        // At the browser's prompt, R takes an interrupt as a new prompt and
        // stays stopped: the client is asked again.
        if (exec.stop && exec.input) {
            const stop = exec.stop;
            exec.input.cancel();
            exec.input = undefined;
            this.ask(exec, exec.seq, stop);
            return;
        }
        kernel.holdGrants(exec.seq);
        // R waiting for console input is blocked reading the kernel channel,
        // which a signal does not break: the cancel frame ends the wait (and
        // interrupts the code that asked).
        if (exec.input) {
            exec.input.cancel();
            exec.input = undefined;
            kernel.send({ kind: 'cancel', id: exec.seq });
        }
        kernel.interrupt();
        // The kernel drops interrupts that arrive before it starts evaluating
        // (they may be stale), and C code may ignore one for a while: repeat
        // it while the same execution is still running. The clock starts at
        // the first interrupt of the execution: a user who keeps pressing
        // Interrupt hears that R is not responding as soon as one who waits.
        const since = (exec.interruptedAt ??= performance.now());
        const unanswered = () => performance.now() - since >= UNRESPONSIVE_AFTER_MS;
        // Already reported: say it again at once.
        if (unanswered()) this.events.unresponsive();
        // Already repeating it, or done repeating it.
        if (exec.interruptTimer) return;
        exec.interruptTimer = setInterval(() => {
            if (exec.phase !== 'running' || this.kernel !== kernel) {
                clearInterval(exec.interruptTimer);
                return;
            }
            if (unanswered()) {
                clearInterval(exec.interruptTimer);
                this.events.log(`execution ${exec.id} has not responded to interrupts; restart R to stop it`);
                this.events.unresponsive();
                return;
            }
            kernel.interrupt();
        }, INTERRUPT_RESEND_MS);
    }

    // -----------------------------------------------------------------------
    // Ending work when the kernel goes

    /** Answers the executions waiting with 'cancelled' (requests stay); returns how many. */
    cancelWaiting(): number {
        const cancelled = this.takeWaiting((exec) => this.finish(exec, { executionId: exec.id, status: 'cancelled', durationMs: 0 }), false);
        this.events.changed();
        return cancelled;
    }

    /** Fails everything waiting: executions with `status`, requests with KernelNotRunningError. */
    failWaiting(status: ExecutionStatus, reason: string): void {
        this.takeWaiting((exec) => this.finish(exec, failure(exec, status, reason)), true, reason);
        this.events.changed();
    }

    private takeWaiting(end: (exec: Execution) => void, requestsToo: boolean, reason = ''): number {
        let count = 0;
        const keep: Work[] = [];
        for (const work of this.waiting.splice(0)) {
            if (work.type === 'execution') {
                end(work);
                count++;
            } else if (requestsToo) {
                work.reject(new SessionError(KernelNotRunningError, `R is not running: ${reason}`));
            } else {
                keep.push(work);
            }
        }
        this.waiting.push(...keep);
        this.waitingRequests = keep.length;
        return count;
    }

    /**
     * Ends what the kernel had: the running execution with `status`, one
     * sent ahead but not started with `notStarted`; an execution that had
     * ended in R but whose output was still on its way keeps its own result.
     */
    failSent(status: ExecutionStatus, reason: string, notStarted: ExecutionStatus = status): void {
        for (const work of this.sent.splice(0)) {
            if (work.type === 'request') {
                work.reject(new SessionError(KernelStartFailedError, reason));
                continue;
            }
            work.input?.cancel();
            clearInterval(work.interruptTimer);
            if (work.outcome) this.finish(work, result(work));
            else if (work.phase === 'ahead' && notStarted === 'cancelled') this.finish(work, { executionId: work.id, status: 'cancelled', durationMs: 0 });
            else this.finish(work, failure(work, work.phase === 'ahead' ? notStarted : status, reason));
        }
        this.events.flushOutput();
        this.events.changed();
    }

    /** Takes back the grants of every execution sent ahead (the session is shutting down). */
    revokeAll(): void {
        const ahead = this.sentAhead();
        if (ahead.length) this.revokeAhead(ahead);
    }

    runningInfo(): { executionId: string; codePreview: string; elapsedMs: number } | undefined {
        const running = this.runningExecution;
        return running && { executionId: running.id, codePreview: preview(running.params.code), elapsedMs: performance.now() - running.startedAt };
    }
}

function failure(exec: Execution, status: ExecutionStatus, message: string): ExecuteResult {
    return {
        executionId: exec.id,
        status,
        error: { message },
        durationMs: exec.startedAt ? performance.now() - exec.startedAt : 0,
    };
}

function result(exec: Execution): ExecuteResult {
    const outcome = exec.outcome!;
    const answer: ExecuteResult = {
        executionId: exec.id,
        status: outcome.status,
        durationMs: Math.round((exec.doneAt - exec.startedAt) * 1000) / 1000,
    };
    if (outcome.status !== 'ok') {
        const error: ExecutionError = { message: outcome.message ?? outcome.status };
        if (outcome.call) error.call = outcome.call;
        if (outcome.line > 0) {
            error.line = outcome.line;
            Object.assign(error, locate(exec, outcome.line));
        }
        answer.error = error;
    }
    return answer;
}

/** Line `line` (1-based) of an execution's code, in the coordinates of the document it came from. */
export function locate(exec: Pick<Execution, 'params'>, line: number): { uri: string; range: Range } | undefined {
    const { uri, range, code } = exec.params;
    if (!uri || !range) return undefined;
    const lines = code.split(/\r\n?|\n/);
    const startChar = line === 1 ? range.start.character : 0;
    const at = range.start.line + line - 1;
    return {
        uri,
        range: {
            start: { line: at, character: startChar },
            end: { line: at, character: startChar + (lines[line - 1]?.length ?? 0) },
        },
    };
}

/** The first line of some code, short, with `…` when there is more. */
export function preview(code: string): string {
    const first = code.trimStart().split('\n', 1)[0];
    const more = code.trim().includes('\n');
    const text = first.length > 80 ? first.slice(0, 79) + '…' : first;
    return more ? `${text} …` : text;
}

function lineOfNul(code: string): number {
    return code.slice(0, code.indexOf('\0')).split('\n').length;
}
