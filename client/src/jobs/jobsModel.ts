/**
 * The background jobs as this window knows them: the server's r/job/state,
 * r/job/progress and r/job/output notifications turned into a table and
 * events, and the r/job/* requests.
 *
 * The session (session.ts) creates a new LanguageClient for every server it
 * starts or session it attaches to. The model listens on each new client as
 * soon as it sees it (the session's state changes as it creates one, before
 * the client starts) and, once the client runs, replaces its table with
 * r/job/list: after a reload or a reattach the jobs that ran meanwhile are
 * there, and after a new server (the old one died with its jobs) the table is
 * empty again.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
    JobCancelRequest,
    JobClearRequest,
    JobInfo,
    JobListRequest,
    JobOutputNotification,
    JobOutputParams,
    JobOutputRequest,
    JobOutputResult,
    JobProgressNotification,
    JobProgressParams,
    JobResultRequest,
    JobResultResult,
    JobStartParams,
    JobStartRequest,
    JobStateNotification,
} from '../../../common/protocol';
import { RSession, errorMessage } from '../session';
import { isEnded } from './jobText';

export interface JobEntry {
    info: JobInfo;
    /** Date.now() when info.elapsedMs was said: a running job's time goes on from there. */
    elapsedAt: number;
    /** What this window started it with (undefined: started elsewhere, by R code, or before a reload). */
    started?: JobStartParams;
}

/** Milliseconds the job has run, now. */
export function elapsedOf(entry: JobEntry, now = Date.now()): number {
    return entry.info.state === 'running' ? entry.info.elapsedMs + Math.max(0, now - entry.elapsedAt) : entry.info.elapsedMs;
}

export class JobsModel implements vscode.Disposable {
    private readonly jobs = new Map<string, JobEntry>();
    private client: LanguageClient | undefined;
    private clientSubscriptions: vscode.Disposable[] = [];
    /** The client whose r/job/list has been asked for. */
    private listedFor: LanguageClient | undefined;
    private readonly subscriptions: vscode.Disposable[] = [];
    private readonly changeEmitter = new vscode.EventEmitter<JobEntry | undefined>();
    private readonly endEmitter = new vscode.EventEmitter<JobEntry>();
    private readonly outputEmitter = new vscode.EventEmitter<JobOutputParams>();
    private readonly removeEmitter = new vscode.EventEmitter<string[]>();

    /** A job changed (its entry), or the whole table did (undefined). */
    readonly onDidChange = this.changeEmitter.event;
    /** A job this window saw running or queued has ended (done, error, cancelled). */
    readonly onDidEnd = this.endEmitter.event;
    /** A job printed something (r/job/output). */
    readonly onOutput = this.outputEmitter.event;
    /** Jobs left the table (cleared, or gone with their server). */
    readonly onDidRemove = this.removeEmitter.event;

    constructor(
        private readonly session: RSession,
        private readonly log: vscode.LogOutputChannel,
    ) {
        const check = () => this.checkClient();
        this.subscriptions.push(
            session.onDidChangeState(check),
            session.onDidAttach(check),
            this.changeEmitter,
            this.endEmitter,
            this.outputEmitter,
            this.removeEmitter,
        );
        check();
    }

    /** The jobs, oldest first. */
    get list(): JobEntry[] {
        return [...this.jobs.values()];
    }

    get(jobId: string): JobEntry | undefined {
        return this.jobs.get(jobId);
    }

    // -----------------------------------------------------------------------
    // Requests

    /** r/job/start; starts R Bridge's server first if none runs (an explicit command). Resolves with the job's entry. */
    async start(params: JobStartParams): Promise<JobEntry> {
        await this.session.ensureKernel();
        const client = this.requireClient();
        const { jobId } = await client.sendRequest(JobStartRequest, params);
        // Its first r/job/state came before the answer.
        let entry = this.jobs.get(jobId);
        if (!entry) {
            entry = { info: { jobId, name: params.name ?? jobId, state: 'queued', elapsedMs: 0 }, elapsedAt: Date.now() };
            this.jobs.set(jobId, entry);
        }
        entry.started = params;
        this.changeEmitter.fire(entry);
        return entry;
    }

    /** r/job/cancel: false when it had ended already. */
    async cancel(jobId: string): Promise<boolean> {
        const { cancelled } = await this.requireClient().sendRequest(JobCancelRequest, { jobId });
        return cancelled;
    }

    /** r/job/result with assignTo: the result goes into the global environment (the variables view hears of it). */
    result(jobId: string, assignTo?: string): Promise<JobResultResult> {
        return this.requireClient().sendRequest(JobResultRequest, assignTo ? { jobId, assignTo } : { jobId });
    }

    /** r/job/getOutput: what the job printed so far, as the server keeps it. */
    output(jobId: string): Promise<JobOutputResult> {
        return this.requireClient().sendRequest(JobOutputRequest, { jobId });
    }

    /** r/job/clear: one ended job, or every ended job. Resolves with the ids cleared. */
    async clear(jobId?: string): Promise<string[]> {
        const { cleared } = await this.requireClient().sendRequest(JobClearRequest, jobId ? { jobId } : {});
        this.remove(cleared);
        return cleared;
    }

    private requireClient(): LanguageClient {
        const client = this.session.languageClient;
        if (!client) throw new Error('R is not running: background jobs run beside it. Run some code, or use "R: Restart R", to start it.');
        return client;
    }

    // -----------------------------------------------------------------------
    // The client and its notifications

    private checkClient(): void {
        const client = this.session.languageClient;
        if (client !== this.client) {
            for (const s of this.clientSubscriptions) s.dispose();
            this.clientSubscriptions = [];
            this.client = client;
            this.listedFor = undefined;
            if (client) {
                this.clientSubscriptions = [
                    client.onNotification(JobStateNotification, (p: JobInfo) => this.onState(p)),
                    client.onNotification(JobProgressNotification, (p: JobProgressParams) => this.onProgress(p)),
                    client.onNotification(JobOutputNotification, (p: JobOutputParams) => this.outputEmitter.fire(p)),
                ];
            } else {
                // No server: its jobs are gone with it (over stdio), or wait in a session this window let go of.
                this.remove([...this.jobs.keys()]);
            }
        }
        if (client && client !== this.listedFor && client.isRunning()) {
            this.listedFor = client;
            void this.fill(client);
        }
    }

    /** The server's table replaces this window's. */
    private async fill(client: LanguageClient): Promise<void> {
        let jobs: JobInfo[];
        try {
            jobs = (await client.sendRequest(JobListRequest, {})).jobs;
        } catch (e) {
            this.log.warn(`r/job/list failed: ${errorMessage(e)}`);
            return;
        }
        if (this.client !== client) return;
        const now = Date.now();
        const known = new Set(jobs.map((j) => j.jobId));
        this.remove([...this.jobs.keys()].filter((id) => !known.has(id)));
        for (const info of jobs) {
            const before = this.jobs.get(info.jobId);
            this.jobs.set(info.jobId, { info, elapsedAt: now, started: before?.started });
        }
        this.changeEmitter.fire(undefined);
    }

    private onState(info: JobInfo): void {
        const before = this.jobs.get(info.jobId);
        const entry: JobEntry = { info, elapsedAt: Date.now(), started: before?.started };
        // The notification does not repeat the progress; the last one holds while it runs.
        if (!info.progress && before?.info.progress && info.state === 'running') entry.info = { ...info, progress: before.info.progress };
        this.jobs.set(info.jobId, entry);
        this.changeEmitter.fire(entry);
        if (isEnded(info.state) && (!before || !isEnded(before.info.state))) this.endEmitter.fire(entry);
    }

    private onProgress(p: JobProgressParams): void {
        const entry = this.jobs.get(p.jobId);
        if (!entry || isEnded(entry.info.state)) return;
        const { jobId: _, ...progress } = p;
        entry.info = { ...entry.info, progress };
        this.changeEmitter.fire(entry);
    }

    private remove(ids: string[]): void {
        const gone = ids.filter((id) => this.jobs.delete(id));
        if (!gone.length) return;
        this.removeEmitter.fire(gone);
        this.changeEmitter.fire(undefined);
    }

    dispose(): void {
        for (const s of this.clientSubscriptions) s.dispose();
        for (const s of this.subscriptions) s.dispose();
    }
}
