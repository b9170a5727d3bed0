/**
 * The R session as clients see it: one kernel at a time, a queue of
 * executions run one after another, output attributed to executions, the
 * global environment's variables cached, interrupt, restart and recovery
 * from a kernel that dies.
 */
import { CancellationToken, CancellationTokenSource } from 'vscode-jsonrpc';
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
    KernelState,
    KernelStatusParams,
    OutputParams,
    StatusResult,
    SymbolsChangedParams,
    Variable,
    VariablesParams,
    VariablesResult,
} from '../../../common/protocol';
import { KernelBusyError, KernelNotRunningError, KernelStartFailedError } from '../../../common/protocol';
import { ExitInfo, Hello, KernelOptions, KernelProcess, KernelStartError } from '../kernel/process';
import { Frame } from '../kernel/wire';
import { StreamEvent, StreamMerger, StreamName } from '../kernel/outputStream';

/** How the session reaches its client; server.ts implements it over JSON-RPC. */
export interface SessionClient {
    output(params: OutputParams): Promise<void>;
    executionState(params: ExecutionStateParams): void;
    condition(params: ConditionParams): void;
    symbolsChanged(params: SymbolsChangedParams): void;
    kernelStatus(params: KernelStatusParams): void;
    input(params: InputParams, token: CancellationToken): Promise<InputResult>;
    log(message: string): void;
}

export interface SessionOptions extends Omit<KernelOptions, 'profile'> {
    autoRestart: boolean;
    workspaceTrusted: boolean;
}

/** An error meant for the client, with a JSON-RPC error code. */
export class SessionError extends Error {
    constructor(readonly code: number, message: string) {
        super(message);
    }
}

const OUTPUT_FLUSH_MS = 20;
const OUTPUT_FLUSH_CHARS = 64 * 1024;
/** Stop reading R's output while this much is written but not yet taken by the client. */
const OUTPUT_HIGH_WATER = 8 * 1024 * 1024;
const OUTPUT_LOW_WATER = 1024 * 1024;
/** How many executions may be sent to the kernel ahead of the running one. */
const AHEAD_WINDOW = 32;
const INTERRUPT_RESEND_MS = 100;
/** How long interrupts may go unanswered before the client hears that R is not responding. */
const UNRESPONSIVE_AFTER_MS = 2000;
/**
 * Restart policy: a kernel that dies unexpectedly is restarted after 0.25,
 * 1, 2, 4, then 8 s, and at most 5 times in 5 minutes. A kernel that keeps
 * dying (a crashing .Rprofile, a broken R) then stays dead with its reason
 * rather than looping; r/restart always starts a new one. A kernel that
 * fails to start at all (R not found, jsonlite missing) is not retried.
 */
const RESTART_DELAYS_MS = [250, 1000, 2000, 4000, 8000];
const RESTART_WINDOW_MS = 5 * 60 * 1000;

interface Execution {
    id: string;
    seq: number;
    code: string;
    params: ExecuteParams;
    resolve: (result: ExecuteResult) => void;
    startedAt: number;
    doneAt: number;
    stdoutDone: boolean;
    stderrDone: boolean;
    outcome?: { status: ExecutionStatus; line: number; detail?: { message: string; call?: string | null } };
    input?: CancellationTokenSource;
    interruptTimer?: NodeJS.Timeout;
    /** When the first interrupt of this execution was sent. */
    interruptedAt?: number;
    /** Sent ahead, cancelled after the kernel had claimed it: interrupt it once it runs. */
    interruptWhenRunning?: boolean;
}

interface KernelOp {
    seq: number;
    kind: 'children' | 'refresh';
    resolve: (frame: Frame) => void;
    reject: (error: Error) => void;
}

type Slot = { kind: 'exec'; exec: Execution } | { kind: 'op'; op: KernelOp } | undefined;

export class Session {
    private kernel: KernelProcess | undefined;
    private generation = 0;
    private state: KernelState = 'starting';
    private deathReason: string | undefined;
    private nextSeq = 1;
    private nextExecutionId = 1;
    private readonly queue: Execution[] = [];
    /** Executions sent to the kernel whose output has not fully arrived, oldest first. */
    private readonly inFlight: Execution[] = [];
    private slot: Slot;
    /**
     * The next executions (up to AHEAD_WINDOW), already sent to the kernel
     * while the one in the slot runs, so that R goes from one to the next
     * without waiting for the server. Until R starts one, it counts as
     * queued: R runs it only with a grant from the server, and a
     * cancellation takes the grant back (KernelProcess.revoke) unless R
     * has just used it.
     */
    private readonly ahead: Execution[] = [];
    /** Revoked executions whose 'done … cancelled' from the kernel is still to come. */
    private readonly revokedSeqs = new Set<number>();
    private readonly bySeq = new Map<number, Execution>();
    private readonly variables = new Map<string, Variable>();
    private sortedVariables: Variable[] | undefined;
    private lifecycle: Promise<unknown> = Promise.resolve();
    private restartTimes: number[] = [];
    private restartTimer: NodeJS.Timeout | undefined;
    private disposed = false;
    private started = false;
    /** Whether any r/kernelStatus has been sent: the first 'starting' is announced too. */
    private announced = false;

    private outputBuffer: OutputParams[] = [];
    private outputChars = 0;
    private outputTimer: NodeJS.Timeout | undefined;
    private unacknowledged = 0;
    private outputPaused = false;

    constructor(private readonly options: SessionOptions, private readonly client: SessionClient) {}

    // -----------------------------------------------------------------------
    // Lifecycle: start, restart and stop go through one serial chain.

    /** Starts the first kernel; a second call does nothing. */
    start(): Promise<void> {
        if (this.started) return this.lifecycle.then(() => undefined);
        this.started = true;
        return this.serially(() => this.launch('starting'));
    }

    restart(): Promise<{ pid: number }> {
        return this.serially(async () => {
            clearTimeout(this.restartTimer);
            this.restartTimer = undefined;
            this.restartTimes = [];
            this.started = true;
            await this.stopKernel('restart requested', 'kernelDied');
            await this.launch('restarting');
            if (!this.kernel?.pid || this.state === 'dead') {
                throw new SessionError(KernelStartFailedError, this.deathReason ?? 'R could not be started');
            }
            return { pid: this.kernel.pid };
        });
    }

    async dispose(): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        clearTimeout(this.restartTimer);
        this.cancelQueued('cancelled');
        if (this.ahead.length) this.revokeAhead([...this.ahead]);
        const kernel = this.kernel;
        if (kernel?.alive) {
            if (this.slot?.kind === 'exec') kernel.interrupt();
            await kernel.shutdown(1500);
        }
        this.failInFlight('kernelDied', 'the session was shut down');
    }

    private serially<T>(work: () => Promise<T>): Promise<T> {
        const next = this.lifecycle.then(work, work);
        this.lifecycle = next.catch(() => undefined);
        return next;
    }

    private async launch(state: 'starting' | 'restarting'): Promise<void> {
        if (this.disposed) return;
        const generation = ++this.generation;
        this.setState(state);
        // R's two output streams, in the order R wrote them.
        const merger = new StreamMerger((stream, event) => this.onOutput(stream, event));
        const kernel = new KernelProcess(
            { ...this.options, profile: this.options.workspaceTrusted ? 'trusted' : 'home' },
            {
                frame: (frame) => generation === this.generation && this.onFrame(frame),
                output: (stream, events) => generation === this.generation && merger.push(stream, events),
                exit: (info) => {
                    if (generation !== this.generation) return;
                    // No sync marker will come any more: what was held back is output too.
                    merger.flush();
                    this.onExit(info);
                },
            },
        );
        this.kernel = kernel;
        try {
            await kernel.start();
        } catch (e) {
            if (generation !== this.generation) return;
            const reason = e instanceof KernelStartError ? e.message : `R could not be started: ${(e as Error).message}`;
            this.kernel = undefined;
            this.deathReason = reason;
            this.client.log(reason);
            this.setState('dead', { reason });
            this.failQueued('kernelDied', reason);
        }
    }

    /** Kills the current kernel on purpose and ends what was pending on it. */
    private async stopKernel(reason: string, running: ExecutionStatus): Promise<void> {
        const kernel = this.kernel;
        this.kernel = undefined;
        this.generation++;
        this.failInFlight(running, reason, 'cancelled');
        this.cancelQueued('cancelled');
        this.clearVariables();
        if (kernel?.alive) {
            await new Promise<void>((resolve) => {
                const done = setInterval(() => {
                    if (!kernel.alive) {
                        clearInterval(done);
                        resolve();
                    }
                }, 5);
                kernel.kill(reason);
            });
        }
    }

    private onExit(info: ExitInfo): void {
        const kernel = this.kernel;
        this.kernel = undefined;
        this.generation++;
        const how = info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
        const reason = info.reason ? `${info.reason} (R ${how})` : `R ${how}`;
        this.deathReason = reason;
        this.client.log(`kernel ${kernel?.pid ?? ''} ${reason}`);
        this.flushOutput();
        this.failInFlight('kernelDied', reason);
        this.failQueued('kernelDied', reason);
        this.clearVariables();
        this.setState('dead', {
            reason,
            pid: kernel?.pid,
            exitCode: info.code,
            signal: info.signal,
            stderrTail: info.stderrTail,
        });
        if (this.options.autoRestart && !this.disposed) this.scheduleRestart();
    }

    private scheduleRestart(): void {
        const now = Date.now();
        this.restartTimes = this.restartTimes.filter((t) => now - t < RESTART_WINDOW_MS);
        if (this.restartTimes.length >= RESTART_DELAYS_MS.length) {
            const reason = `R died ${this.restartTimes.length + 1} times in ${RESTART_WINDOW_MS / 60000} minutes; not restarting it again. Restart it by hand once the cause is fixed.`;
            this.client.log(reason);
            this.setState('dead', { reason: `${this.deathReason}. ${reason}` });
            return;
        }
        const delay = RESTART_DELAYS_MS[this.restartTimes.length];
        this.restartTimes.push(now);
        this.restartTimer = setTimeout(() => {
            this.restartTimer = undefined;
            void this.serially(() => (this.state === 'dead' ? this.launch('restarting') : Promise.resolve()));
        }, delay);
    }

    private setState(state: KernelState, extra: Partial<KernelStatusParams> = {}): void {
        if (state === this.state && !extra.reason && this.announced) return;
        this.announced = true;
        this.state = state;
        this.client.kernelStatus({
            state,
            pid: this.kernel?.pid ?? extra.pid,
            queueLength: this.queuedCount,
            rVersion: this.kernel?.hello?.rVersion,
            ...extra,
        });
    }

    private updateBusy(): void {
        if (this.state !== 'idle' && this.state !== 'busy') return;
        const busy = this.slot !== undefined || this.inFlight.length > 0 || this.queuedCount > 0;
        this.setState(busy ? 'busy' : 'idle');
    }

    // -----------------------------------------------------------------------
    // Executions

    execute(params: ExecuteParams, token?: CancellationToken): Promise<ExecuteResult> {
        return new Promise((resolve) => {
            const id = params.executionId ?? `e${this.nextExecutionId++}`;
            const exec: Execution = {
                id,
                seq: this.nextSeq++,
                code: params.code,
                params,
                resolve,
                startedAt: 0,
                doneAt: 0,
                stdoutDone: false,
                stderrDone: false,
            };
            if (params.code.includes('\0')) {
                this.finish(exec, {
                    executionId: id,
                    status: 'parseError',
                    error: { message: 'the code contains a NUL character, which R cannot parse', line: lineOfNul(params.code) },
                    durationMs: 0,
                });
                return;
            }
            if (this.state === 'dead' && !this.restartPending()) {
                this.finish(exec, this.failure(exec, 'kernelDied', this.deathReason ?? 'R is not running'));
                return;
            }
            token?.onCancellationRequested(() => this.cancel(exec));
            this.queue.push(exec);
            this.pump();
            // 'queued' only for an execution that has to wait its turn.
            if (!(this.slot?.kind === 'exec' && this.slot.exec === exec)) {
                this.client.executionState({ executionId: id, state: 'queued', position: this.queuedCount - 1 });
            }
            this.updateBusy();
        });
    }

    /** Executions waiting their turn, the one sent ahead included. */
    private get queuedCount(): number {
        return this.queue.length + this.ahead.length;
    }

    private restartPending(): boolean {
        return this.restartTimer !== undefined && this.state === 'dead';
    }

    private cancel(exec: Execution): void {
        const queued = this.queue.indexOf(exec);
        if (queued >= 0) {
            this.queue.splice(queued, 1);
            this.finish(exec, { executionId: exec.id, status: 'cancelled', durationMs: 0 });
            this.updateBusy();
        } else if (this.ahead.includes(exec)) {
            this.revokeAhead([exec]);
        } else if (this.slot?.kind === 'exec' && this.slot.exec === exec) {
            this.interruptExecution(exec);
        }
    }

    /** Sends the next piece of work to the kernel when it is free. */
    private pump(): void {
        if (!this.kernel || (this.state !== 'idle' && this.state !== 'busy')) return;
        if (!this.slot) {
            const exec = this.ahead.shift() ?? this.queue.shift();
            if (!exec) return;
            if (!this.inFlight.includes(exec)) this.sendExec(exec);
            this.slot = { kind: 'exec', exec };
            exec.startedAt = performance.now();
            this.client.executionState({ executionId: exec.id, state: 'running' });
            if (exec.interruptWhenRunning) this.interruptExecution(exec);
        }
        while (this.slot.kind === 'exec' && this.ahead.length < AHEAD_WINDOW && this.queue.length) {
            const next = this.queue.shift()!;
            this.ahead.push(next);
            this.sendExec(next, true);
        }
    }

    private sendExec(exec: Execution, ahead = false): void {
        this.inFlight.push(exec);
        this.bySeq.set(exec.seq, exec);
        let flags = 0;
        if (exec.params.stopOnError !== false) flags |= 1;
        if (exec.params.echo) flags |= 2;
        if (ahead) flags |= 4;
        this.kernel!.send('exec', exec.seq, [flags], exec.code);
        if (ahead) this.kernel!.grant(exec.seq);
    }

    /**
     * Cancels executions sent ahead: those whose grant the server takes
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
            this.ahead.splice(this.ahead.indexOf(exec), 1);
            this.bySeq.delete(exec.seq);
            this.revokedSeqs.add(exec.seq);
            const index = this.inFlight.indexOf(exec);
            if (index >= 0) this.inFlight.splice(index, 1);
            this.finish(exec, { executionId: exec.id, status: 'cancelled', durationMs: 0 });
            count++;
        }
        this.updateBusy();
        return count;
    }

    interrupt(keepQueue = false): InterruptResult {
        let cancelled = keepQueue ? 0 : this.cancelQueued('cancelled');
        if (!keepQueue && this.ahead.length) cancelled += this.revokeAhead([...this.ahead]);
        const running = this.slot?.kind === 'exec' ? this.slot.exec : undefined;
        if (running) this.interruptExecution(running);
        this.updateBusy();
        return { interrupted: running !== undefined, cancelled };
    }

    private interruptExecution(exec: Execution): void {
        const kernel = this.kernel;
        if (!kernel) return;
        kernel.holdGrants(exec.seq);
        // R waiting for console input is blocked reading the kernel channel,
        // which a signal does not break: the cancel frame ends the wait (and
        // interrupts the code that asked).
        if (exec.input) {
            exec.input.cancel();
            exec.input = undefined;
            kernel.send('cancel', exec.seq);
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
        if (unanswered()) this.reportUnresponsive(kernel);
        // Already repeating it, or done repeating it.
        if (exec.interruptTimer) return;
        exec.interruptTimer = setInterval(() => {
            if (this.slot?.kind !== 'exec' || this.slot.exec !== exec) {
                clearInterval(exec.interruptTimer);
                return;
            }
            if (unanswered()) {
                clearInterval(exec.interruptTimer);
                this.client.log(`execution ${exec.id} has not responded to interrupts; restart R to stop it`);
                this.reportUnresponsive(kernel);
                return;
            }
            kernel.interrupt();
        }, INTERRUPT_RESEND_MS);
    }

    private reportUnresponsive(kernel: KernelProcess): void {
        this.client.kernelStatus({
            state: this.state,
            pid: kernel.pid,
            queueLength: this.queuedCount,
            reason: 'R is not responding to the interrupt (it may be inside C code that does not check for interrupts). Wait, or restart R.',
            unresponsive: true,
        });
    }

    private cancelQueued(status: ExecutionStatus): number {
        const cancelled = this.queue.splice(0);
        for (const exec of cancelled) this.finish(exec, { executionId: exec.id, status, durationMs: 0 });
        return cancelled.length;
    }

    private failQueued(status: ExecutionStatus, reason: string): void {
        for (const exec of this.queue.splice(0)) this.finish(exec, this.failure(exec, status, reason));
    }

    /**
     * Ends what the kernel had: the running execution with `status`, one
     * sent ahead but not started with `notStarted`.
     */
    private failInFlight(status: ExecutionStatus, reason: string, notStarted: ExecutionStatus = status): void {
        if (this.slot?.kind === 'op') this.slot.op.reject(new SessionError(KernelStartFailedError, reason));
        this.slot = undefined;
        const ahead = new Set(this.ahead.splice(0));
        for (const exec of this.inFlight.splice(0)) {
            if (ahead.has(exec) && !exec.outcome) {
                this.bySeq.delete(exec.seq);
                this.finish(exec, notStarted === 'cancelled' ? { executionId: exec.id, status: 'cancelled', durationMs: 0 } : this.failure(exec, notStarted, reason));
                continue;
            }
            this.bySeq.delete(exec.seq);
            exec.input?.cancel();
            clearInterval(exec.interruptTimer);
            // An execution that had finished in R but whose output was still
            // on its way keeps its own result.
            if (exec.outcome) this.finish(exec, this.result(exec));
            else this.finish(exec, this.failure(exec, status, reason));
        }
        this.flushOutput();
    }

    private failure(exec: Execution, status: ExecutionStatus, message: string): ExecuteResult {
        return {
            executionId: exec.id,
            status,
            error: { message },
            durationMs: exec.startedAt ? performance.now() - exec.startedAt : 0,
        };
    }

    private finish(exec: Execution, result: ExecuteResult): void {
        clearInterval(exec.interruptTimer);
        this.client.executionState({ executionId: exec.id, state: 'done' });
        exec.resolve(result);
    }

    private result(exec: Execution): ExecuteResult {
        const outcome = exec.outcome!;
        const result: ExecuteResult = {
            executionId: exec.id,
            status: outcome.status,
            durationMs: Math.round((exec.doneAt - exec.startedAt) * 1000) / 1000,
        };
        if (outcome.status !== 'ok') result.error = this.errorOf(exec);
        return result;
    }

    private errorOf(exec: Execution): ExecutionError {
        const outcome = exec.outcome!;
        const error: ExecutionError = { message: outcome.detail?.message ?? outcome.status };
        if (outcome.detail?.call) error.call = outcome.detail.call;
        if (outcome.line > 0) {
            error.line = outcome.line;
            const { uri, range } = exec.params;
            if (uri && range) {
                const lines = exec.code.split(/\r\n?|\n/);
                const line = range.start.line + outcome.line - 1;
                const startChar = outcome.line === 1 ? range.start.character : 0;
                error.uri = uri;
                error.range = {
                    start: { line, character: startChar },
                    end: { line, character: startChar + (lines[outcome.line - 1]?.replace(/\r$/, '').length ?? 0) },
                };
            }
        }
        return error;
    }

    private maybeFinish(exec: Execution): void {
        if (!exec.outcome || !exec.stdoutDone || !exec.stderrDone) return;
        const index = this.inFlight.indexOf(exec);
        if (index >= 0) this.inFlight.splice(index, 1);
        this.bySeq.delete(exec.seq);
        this.flushOutput();
        this.finish(exec, this.result(exec));
        this.updateBusy();
    }

    // -----------------------------------------------------------------------
    // Frames from the kernel

    private onFrame(frame: Frame): void {
        switch (frame.kind) {
            case 'ready':
                this.onReady(frame);
                break;
            case 'done':
                this.onDone(frame);
                break;
            case 'symbols':
                this.applySymbols(parseJson(frame.body), false);
                break;
            case 'cond': {
                const exec = this.bySeq.get(Number(frame.id));
                const detail = parseJson(frame.body) as { message: string; call: string | null };
                const kind = frame.fields[0] === 'error' ? 'error' : 'warning';
                this.flushOutput();
                this.client.condition({
                    executionId: exec?.id ?? frame.id,
                    kind,
                    message: detail?.message ?? '',
                    ...(detail?.call ? { call: detail.call } : {}),
                });
                break;
            }
            case 'input':
                this.onInput(frame);
                break;
            case 'children':
            case 'refreshed':
            case 'failed':
                this.onOpReply(frame);
                break;
            case 'log':
                this.client.log(`kernel: ${frame.body.toString('utf8')}`);
                break;
            default:
                this.client.log(`kernel sent an unknown frame '${frame.kind}'`);
        }
    }

    private onReady(frame: Frame): void {
        const kernel = this.kernel;
        this.applySymbols(parseJson(frame.body), true);
        this.deathReason = undefined;
        this.state = 'starting';
        this.client.log(`R ${kernel?.hello?.rVersion} ready (pid ${kernel?.pid}, rlang ${kernel?.hello?.rlang ? 'available' : 'not installed'})`);
        this.setState('idle', { pid: kernel?.pid });
        this.pump();
        this.updateBusy();
    }

    private onDone(frame: Frame): void {
        const slot = this.slot;
        if (slot?.kind === 'op' && String(slot.op.seq) === frame.id) {
            this.onOpReply(frame);
            return;
        }
        const exec = this.bySeq.get(Number(frame.id));
        if (!exec || slot?.kind !== 'exec' || slot.exec !== exec) {
            if (!this.revokedSeqs.delete(Number(frame.id))) this.client.log(`kernel finished an unknown execution ${frame.id}`);
            return;
        }
        exec.doneAt = performance.now();
        exec.input?.cancel();
        exec.input = undefined;
        clearInterval(exec.interruptTimer);
        const status = frame.fields[0] as ExecutionStatus;
        exec.outcome = {
            status,
            line: Number(frame.fields[1]) || 0,
            detail: frame.body.length ? (parseJson(frame.body) as { message: string; call?: string }) : undefined,
        };
        this.slot = undefined;
        // The interrupted execution has ended: no more interrupts for it.
        this.kernel?.releaseGrants();
        this.pump();
        this.maybeFinish(exec);
    }

    private onInput(frame: Frame): void {
        const exec = this.bySeq.get(Number(frame.id));
        const kernel = this.kernel;
        if (!exec || !kernel || this.slot?.kind !== 'exec' || this.slot.exec !== exec) {
            kernel?.send('cancel', frame.id);
            return;
        }
        this.flushOutput();
        const source = new CancellationTokenSource();
        exec.input = source;
        const prompt = frame.body.toString('utf8');
        this.client.input({ executionId: exec.id, prompt }, source.token).then(
            (answer) => {
                if (exec.input !== source || source.token.isCancellationRequested) return;
                exec.input = undefined;
                if (!answer || typeof answer.text !== 'string') {
                    kernel.send('cancel', frame.id);
                } else {
                    kernel.send('reply', frame.id, answer.eof ? ['eof'] : [], answer.text);
                }
            },
            () => {
                if (exec.input !== source) return;
                exec.input = undefined;
                kernel.send('cancel', frame.id);
            },
        );
    }

    // -----------------------------------------------------------------------
    // Output

    private onOutput(stream: StreamName, event: StreamEvent): void {
        if (event.kind === 'text') {
            const owner = this.inFlight.find((e) => !(stream === 'stdout' ? e.stdoutDone : e.stderrDone));
            this.bufferOutput(owner?.id ?? null, stream, event.text);
        } else if (event.kind === 'marker') {
            const seq = Number(event.id);
            // Markers arrive in execution order; one that skips an earlier
            // execution closes that one's stream too.
            for (const exec of [...this.inFlight]) {
                if (exec.seq > seq) break;
                if (stream === 'stdout') exec.stdoutDone = true;
                else exec.stderrDone = true;
                this.maybeFinish(exec);
            }
        }
    }

    private bufferOutput(executionId: string | null, stream: 'stdout' | 'stderr', text: string): void {
        const last = this.outputBuffer[this.outputBuffer.length - 1];
        if (last && last.executionId === executionId && last.stream === stream) last.text += text;
        else this.outputBuffer.push({ executionId, stream, text });
        this.outputChars += text.length;
        if (this.outputChars >= OUTPUT_FLUSH_CHARS) this.flushOutput();
        else this.outputTimer ??= setTimeout(() => this.flushOutput(), OUTPUT_FLUSH_MS);
    }

    private flushOutput(): void {
        clearTimeout(this.outputTimer);
        this.outputTimer = undefined;
        if (!this.outputBuffer.length) return;
        const batch = this.outputBuffer;
        this.outputBuffer = [];
        this.outputChars = 0;
        for (const params of batch) {
            const size = params.text.length;
            this.unacknowledged += size;
            void this.client.output(params).then(
                () => this.acknowledge(size),
                () => this.acknowledge(size),
            );
        }
        if (!this.outputPaused && this.unacknowledged > OUTPUT_HIGH_WATER) {
            this.outputPaused = true;
            this.kernel?.pauseOutput(true);
        }
    }

    private acknowledge(size: number): void {
        this.unacknowledged -= size;
        if (this.outputPaused && this.unacknowledged < OUTPUT_LOW_WATER) {
            this.outputPaused = false;
            this.kernel?.pauseOutput(false);
        }
    }

    // -----------------------------------------------------------------------
    // Variables

    private applySymbols(delta: unknown, reset: boolean): void {
        const change = delta as SymbolsChangedParams | undefined;
        if (!change) return;
        if (reset) this.variables.clear();
        for (const name of change.removed ?? []) this.variables.delete(name);
        for (const v of change.added ?? []) this.variables.set(v.name, v);
        for (const v of change.changed ?? []) this.variables.set(v.name, v);
        this.sortedVariables = undefined;
        if (reset || change.added.length || change.changed.length || change.removed.length) {
            this.client.symbolsChanged(reset ? { ...change, reset: true } : change);
        }
    }

    private clearVariables(): void {
        if (!this.variables.size) return;
        const removed = [...this.variables.keys()];
        this.variables.clear();
        this.sortedVariables = undefined;
        this.client.symbolsChanged({ added: [], changed: [], removed, reset: true });
    }

    async variablesRequest(params: VariablesParams): Promise<VariablesResult> {
        const start = params.start ?? 0;
        const count = params.count ?? Number.MAX_SAFE_INTEGER;
        if (!params.path?.length && !params.refresh) {
            this.sortedVariables ??= [...this.variables.values()].sort((a, b) => compareNames(a.name, b.name));
            return { variables: this.sortedVariables.slice(start, start + count), total: this.sortedVariables.length };
        }
        const kernel = this.kernel;
        if (!kernel || (this.state !== 'idle' && this.state !== 'busy')) {
            throw new SessionError(KernelNotRunningError, `R is not running${this.deathReason ? `: ${this.deathReason}` : ''}.`);
        }
        if (this.slot || this.ahead.length || this.queue.length || this.inFlight.length) {
            throw new SessionError(KernelBusyError, 'R is busy running code; variable details can be shown when it is idle.');
        }
        const seq = this.nextSeq++;
        const frame = await new Promise<Frame>((resolve, reject) => {
            const kind = params.refresh ? 'refresh' : 'children';
            this.slot = { kind: 'op', op: { seq, kind, resolve, reject } };
            this.updateBusy();
            if (params.refresh) kernel.send('refresh', seq);
            else kernel.send('children', seq, [], JSON.stringify({ path: params.path, start, count: Math.min(count, 100000) }));
        });
        if (frame.kind === 'failed') {
            const detail = parseJson(frame.body) as { message?: string } | undefined;
            throw new SessionError(-32603, detail?.message ?? 'the kernel could not list the children');
        }
        if (frame.kind === 'refreshed') {
            this.applySymbols(parseJson(frame.body), true);
            return this.variablesRequest({ start: params.start, count: params.count });
        }
        return parseJson(frame.body) as VariablesResult;
    }

    private onOpReply(frame: Frame): void {
        const slot = this.slot;
        if (slot?.kind !== 'op' || String(slot.op.seq) !== frame.id) {
            // A failure report for an execution (the kernel could not even
            // start it): end it as an error without waiting for markers.
            const exec = this.bySeq.get(Number(frame.id));
            if (frame.kind === 'failed' && exec && slot?.kind === 'exec' && slot.exec === exec) {
                exec.doneAt = performance.now();
                exec.outcome = { status: 'error', line: 0, detail: parseJson(frame.body) as { message: string } };
                exec.stdoutDone = exec.stderrDone = true;
                this.slot = undefined;
                this.kernel?.releaseGrants();
                this.pump();
                this.maybeFinish(exec);
            }
            return;
        }
        this.slot = undefined;
        slot.op.resolve(frame);
        this.pump();
        this.updateBusy();
    }

    // -----------------------------------------------------------------------

    status(): StatusResult {
        const running = this.slot?.kind === 'exec' ? this.slot.exec : undefined;
        return {
            state: this.state,
            pid: this.kernel?.pid ?? null,
            rVersion: this.kernel?.hello?.rVersion ?? null,
            ...(running
                ? { running: { executionId: running.id, codePreview: preview(running.code), elapsedMs: performance.now() - running.startedAt } }
                : {}),
            queue: [...this.ahead, ...this.queue].map((e) => ({ executionId: e.id, codePreview: preview(e.code) })),
        };
    }

    get kernelPid(): number | undefined {
        return this.kernel?.pid;
    }

    get hello(): Hello | undefined {
        return this.kernel?.hello;
    }
}

function preview(code: string): string {
    const first = code.trimStart().split('\n', 1)[0];
    const more = code.trim().includes('\n');
    const text = first.length > 80 ? first.slice(0, 79) + '…' : first;
    return more ? `${text} …` : text;
}

function lineOfNul(code: string): number {
    return code.slice(0, code.indexOf('\0')).split('\n').length;
}

function compareNames(a: string, b: string): number {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

function parseJson(body: Buffer): unknown {
    try {
        return JSON.parse(body.toString('utf8'));
    } catch {
        return undefined;
    }
}
