/**
 * The session's clients: every message the session sends goes to each
 * attached client (frontend.ts). While no client is attached, output is
 * kept in a bounded backlog that the next client receives; executions a
 * client queued and left are dropped (answered 'cancelled' to nobody) and
 * the next client is told; the result of an execution whose client left
 * while it ran goes to the clients attached when it ends
 * (r/executionResult); and R's questions (r/input) go to the client that
 * started the execution, else to the newest client, else wait for one.
 */
import { CancellationToken, NotificationType } from 'vscode-languageserver/node';
import {
    ConditionNotification,
    DataViewChangedNotification,
    DataViewOpenNotification,
    DroppedExecution,
    ExecuteParams,
    ExecuteResult,
    ExecutionResultNotification,
    ExecutionStateNotification,
    InputParams,
    InputRequest,
    BreakpointsChangedNotification,
    InputResult,
    JobOutputNotification,
    JobProgressNotification,
    JobStateNotification,
    KernelStatusNotification,
    KernelStatusParams,
    OutputNotification,
    OutputParams,
    PlotNotification,
    PlotsChangedNotification,
    ShowHelpMatchesNotification,
    ShowHelpNotification,
    SymbolsChangedNotification,
} from '../../common/protocol';
import type { Frontend } from './frontend';
import { preview } from './session/executions';
import type { Session, SessionClient } from './session/session';

/** Output kept for the next client while none is attached. */
export const BACKLOG_LIMIT_BYTES = 1024 * 1024;
/** Dropped executions remembered for the next client. */
const DROPPED_LIMIT = 100;

interface WaitingInput {
    params: InputParams;
    token: CancellationToken;
    resolve: (result: InputResult) => void;
    reject: (error: unknown) => void;
}

export class ClientHub implements SessionClient {
    private readonly frontends: Frontend[] = [];
    /** Which client sent each execution that has not ended. */
    private readonly owners = new Map<string, Frontend>();
    private backlog: OutputParams[] = [];
    private backlogBytes = 0;
    private backlogDroppedBytes = 0;
    /** The backlog each client was sent when it attached (bytes kept, bytes that did not fit). */
    private readonly received = new WeakMap<Frontend, { bytes: number; droppedBytes: number }>();
    private dropped: DroppedExecution[] = [];
    private waitingInputs: WaitingInput[] = [];
    /** When the last client left (for the idle timeout); undefined while one is attached. */
    lastLeft: number | undefined = Date.now();
    /** Said when the set of clients changes. */
    onClientsChanged: () => void = () => undefined;
    /** Said with every r/kernelStatus. */
    onKernelStatus: (params: KernelStatusParams) => void = () => undefined;

    /** Clients attached now (initialized and not gone). */
    get attached(): Frontend[] {
        return this.frontends.filter((f) => f.ready && !f.closed);
    }

    add(frontend: Frontend): void {
        this.frontends.push(frontend);
    }

    /** Every client, attached or not yet: nothing more is sent to any (the server is leaving). */
    closeAll(): void {
        for (const f of this.frontends) f.markGone();
    }

    /**
     * A client said `initialized`: it catches up with the session's state,
     * then receives the backlog, and any question R is waiting to ask.
     */
    ready(frontend: Frontend, session: Session, first: boolean): void {
        this.lastLeft = undefined;
        if (!first) void frontend.notify(KernelStatusNotification, session.attachStatus());
        const backlog = this.backlog;
        this.received.set(frontend, { bytes: this.backlogBytes, droppedBytes: this.backlogDroppedBytes });
        this.backlog = [];
        this.backlogBytes = 0;
        this.backlogDroppedBytes = 0;
        for (const params of backlog) void frontend.notify(OutputNotification, params);
        const waiting = this.waitingInputs;
        this.waitingInputs = [];
        for (const w of waiting) this.ask(w);
        this.onClientsChanged();
    }

    /**
     * What a client is told of the time no client was attached: the
     * executions dropped (told once, to the first client that asks) and the
     * backlog it was sent when it attached (or will be sent, if it asks
     * before `initialized`).
     */
    awayReport(frontend: Frontend): { dropped: DroppedExecution[]; backlogBytes: number; backlogDroppedBytes: number } {
        const dropped = this.dropped;
        this.dropped = [];
        const backlog = this.received.get(frontend) ?? { bytes: this.backlogBytes, droppedBytes: this.backlogDroppedBytes };
        return { dropped, backlogBytes: backlog.bytes, backlogDroppedBytes: backlog.droppedBytes };
    }

    remove(frontend: Frontend): void {
        frontend.markGone();
        const index = this.frontends.indexOf(frontend);
        if (index >= 0) this.frontends.splice(index, 1);
        if (this.attached.length === 0) this.lastLeft = Date.now();
        this.onClientsChanged();
    }

    /** Runs an execution for a client; see the header for what happens when it leaves. */
    async execute(frontend: Frontend, session: Session, params: ExecuteParams, token: CancellationToken): Promise<ExecuteResult> {
        const result = session.execute(params, token, frontend.goneToken);
        if (params.executionId !== undefined) this.owners.set(params.executionId, frontend);
        const outcome = await result;
        this.owners.delete(outcome.executionId);
        if (frontend.closed) {
            if (outcome.status === 'cancelled' && outcome.durationMs === 0) {
                this.dropped.push({ executionId: outcome.executionId, codePreview: preview(params.code) });
                if (this.dropped.length > DROPPED_LIMIT) this.dropped.shift();
            } else {
                for (const f of this.attached) void f.notify(ExecutionResultNotification, outcome);
            }
        }
        return outcome;
    }

    private broadcast<P>(type: NotificationType<P>, params: P): void {
        for (const f of this.attached) void f.notify(type, params);
    }

    // SessionClient

    output(params: OutputParams): Promise<void> {
        const clients = this.attached;
        if (clients.length === 0) {
            this.keep(params);
            return Promise.resolve();
        }
        // Flow control follows the slowest client: R's output waits for it.
        if (clients.length === 1) return clients[0].notify(OutputNotification, params);
        return Promise.all(clients.map((f) => f.notify(OutputNotification, params))).then(() => undefined);
    }

    private keep(params: OutputParams): void {
        const size = Buffer.byteLength(params.text, 'utf8');
        this.backlog.push(params);
        this.backlogBytes += size;
        // The oldest output goes first: the newest is what the user wants to see.
        while (this.backlogBytes > BACKLOG_LIMIT_BYTES && this.backlog.length > 1) {
            const old = this.backlog.shift()!;
            const oldSize = Buffer.byteLength(old.text, 'utf8');
            this.backlogBytes -= oldSize;
            this.backlogDroppedBytes += oldSize;
        }
    }

    executionState: SessionClient['executionState'] = (p) => this.broadcast(ExecutionStateNotification, p);
    condition: SessionClient['condition'] = (p) => this.broadcast(ConditionNotification, p);
    symbolsChanged: SessionClient['symbolsChanged'] = (p) => this.broadcast(SymbolsChangedNotification, p);
    kernelStatus: SessionClient['kernelStatus'] = (p) => {
        this.broadcast(KernelStatusNotification, p);
        this.onKernelStatus(p);
    };
    plot: SessionClient['plot'] = (p) => this.broadcast(PlotNotification, p);
    plotsChanged: SessionClient['plotsChanged'] = (p) => this.broadcast(PlotsChangedNotification, p);
    dataViewOpen: SessionClient['dataViewOpen'] = (p) => this.broadcast(DataViewOpenNotification, p);
    dataViewChanged: SessionClient['dataViewChanged'] = (p) => this.broadcast(DataViewChangedNotification, p);
    showHelp: SessionClient['showHelp'] = (p) => this.broadcast(ShowHelpNotification, p);
    showHelpMatches: SessionClient['showHelpMatches'] = (p) => this.broadcast(ShowHelpMatchesNotification, p);
    jobState: SessionClient['jobState'] = (p) => this.broadcast(JobStateNotification, p);
    jobOutput: SessionClient['jobOutput'] = (p) => this.broadcast(JobOutputNotification, p);
    jobProgress: SessionClient['jobProgress'] = (p) => this.broadcast(JobProgressNotification, p);
    breakpointsChanged: SessionClient['breakpointsChanged'] = (p) => this.broadcast(BreakpointsChangedNotification, p);

    input(params: InputParams, token: CancellationToken): Promise<InputResult> {
        return new Promise((resolve, reject) => this.ask({ params, token, resolve, reject }));
    }

    /** Asks the execution's own client, else the newest; with none attached, waits for one. */
    private ask(waiting: WaitingInput): void {
        if (waiting.token.isCancellationRequested) {
            waiting.reject(new Error('the question was withdrawn'));
            return;
        }
        const clients = this.attached;
        const owner = this.owners.get(waiting.params.executionId);
        const target = owner && !owner.closed && owner.ready ? owner : clients[clients.length - 1];
        if (!target) {
            this.waitingInputs.push(waiting);
            waiting.token.onCancellationRequested(() => {
                const index = this.waitingInputs.indexOf(waiting);
                if (index >= 0) {
                    this.waitingInputs.splice(index, 1);
                    waiting.reject(new Error('the question was withdrawn'));
                }
            });
            return;
        }
        target.connection.sendRequest(InputRequest, waiting.params, waiting.token).then(waiting.resolve, (e: unknown) => {
            // The client left before it answered: the next one is asked.
            if (target.closed && !waiting.token.isCancellationRequested) this.ask(waiting);
            else waiting.reject(e);
        });
    }

    log(message: string): void {
        for (const f of this.frontends) f.log(message);
    }
}
