/**
 * Background jobs: the table of jobs, the protocol's r/job/* requests and
 * notifications, and the job controller (kernel/jobController.ts) that
 * runs them as futures, started at the first job. The kernel is asked only
 * for what a job takes from the session (its globals) and to assign a
 * result; a busy console, a restart or a crash of the session's R leaves
 * jobs running.
 */
import * as path from 'path';
import type { CancellationToken } from 'vscode-jsonrpc';
import type {
    JobCancelResult,
    JobClearParams,
    JobClearResult,
    JobError,
    JobInfo,
    JobListResult,
    JobOutputParams,
    JobOutputResult,
    JobProgressParams,
    JobResultParams,
    JobResultResult,
    JobsOptions,
    JobStartParams,
    JobStartResult,
    JobState,
} from '../../../common/protocol';
import { ControllerOptions, JobController } from '../kernel/jobController';
import type { FromKernel } from '../kernel/wire';
import { SessionError } from './errors';
import { preview, RequestOptions } from './executions';

/** Output kept per job: its first and its last this many bytes. */
export const JOB_OUTPUT_KEEP_BYTES = 256 * 1024;
const DEFAULT_MAX_RESULT_BYTES = 1024 ** 3;
const JOB_NOT_FOUND = -32602;
/**
 * The controller answers a ping between any two polls; one that has not
 * answered for this long is stuck (a plan whose workers cannot be reached
 * keeps it waiting inside R) and is stopped.
 */
const PING_MS = 5000;
const UNRESPONSIVE_MS = Number(process.env.RBRIDGE_JOBS_UNRESPONSIVE_MS) || 30_000;

/** What the jobs need of the session: callbacks only, no import back. */
export interface JobsHost {
    request(method: string, params: unknown, token?: CancellationToken, options?: RequestOptions): Promise<unknown>;
    requireKernel(): void;
    state(params: JobInfo): void;
    output(params: JobOutputParams): void;
    progress(params: JobProgressParams): void;
    log(message: string): void;
}

interface Job {
    info: JobInfo;
    resultName?: string;
    /** Code from a document: its uri, and the 0-based line where the code starts in it. */
    uri?: string;
    lineOffset?: number;
    startedAt?: number;
    endedAt?: number;
    /** Kept output: the head until it is full, then a tail that drops its oldest chunks. */
    head: JobOutputParams[];
    headBytes: number;
    tail: JobOutputParams[];
    tailBytes: number;
    /** r/job/result calls waiting for the controller's `saved`. */
    saving: { resolve: (path: string) => void; reject: (e: Error) => void }[];
}

const ENDED: JobState[] = ['done', 'error', 'cancelled'];

export class Jobs {
    private readonly jobs = new Map<string, Job>();
    private lastId = 0;
    private controller: JobController | undefined;
    private pinger: NodeJS.Timeout | undefined;
    private lastAnswer = 0;

    constructor(
        private readonly host: JobsHost,
        private readonly controllerOptions: ControllerOptions,
        private readonly options: JobsOptions = {},
    ) {}

    // -----------------------------------------------------------------------
    // Requests

    async start(params: JobStartParams, token?: CancellationToken): Promise<JobStartResult> {
        if (!params.code && !params.file) throw new SessionError(-32602, "r/job/start: 'code' or 'file' is required");
        const name = params.name || (params.file ? path.basename(params.file) : preview(params.code!));
        const job = this.add(name, params.file);
        job.resultName = params.resultName;
        job.uri = params.uri;
        job.lineOffset = params.range?.start.line;
        let globalsFile: string | undefined;
        let packages: string[] = [];
        if (params.copyGlobals) {
            // What the code uses of the session, as future finds it; this waits
            // for R if it is running code.
            this.host.requireKernel();
            try {
                const found = (await this.host.request('jobs/globals', params.file ? { file: params.file } : { code: params.code }, token)) as { path: string; packages: string[] };
                globalsFile = found.path;
                packages = found.packages ?? [];
            } catch (e) {
                this.end(job, 'error', { message: `the job's globals could not be taken from the session: ${(e as Error).message}` });
                return { jobId: job.info.jobId };
            }
        }
        this.send(job, { op: 'start', jobId: job.info.jobId, name, code: params.code, file: params.file, uri: params.uri, globalsFile, packages });
        return { jobId: job.info.jobId };
    }

    /** The kernel's `job` frame: rbridge_job() in R code. */
    onMessage(message: FromKernel): boolean {
        if (message.kind !== 'job') return false;
        const info = message.info as { code?: string; name?: string; globalsFile?: string; packages?: string[]; resultName?: string };
        const job = this.add(info.name || preview(info.code ?? ''));
        job.resultName = info.resultName;
        this.send(job, { op: 'start', jobId: job.info.jobId, name: job.info.name, code: info.code, globalsFile: info.globalsFile, packages: info.packages ?? [] });
        return true;
    }

    /** Jobs queued or running. */
    get active(): number {
        let n = 0;
        for (const job of this.jobs.values()) if (!ENDED.includes(job.info.state)) n++;
        return n;
    }

    list(): JobListResult {
        return { jobs: [...this.jobs.values()].map((j) => this.infoOf(j)) };
    }

    cancel(jobId: string): JobCancelResult {
        const job = this.get(jobId);
        if (ENDED.includes(job.info.state)) return { cancelled: false };
        if (this.controller?.alive) this.controller.send({ op: 'cancel', jobId });
        // Said at once; the controller's own 'cancelled' follows and changes nothing.
        this.end(job, 'cancelled');
        return { cancelled: true };
    }

    async result(params: JobResultParams, token?: CancellationToken): Promise<JobResultResult> {
        const job = this.get(params.jobId);
        if (job.info.state !== 'done') throw new SessionError(-32603, `the job ${job.info.state === 'error' ? 'failed' : `is ${job.info.state}`}: it has no result`);
        const summary = { resultBytes: job.info.resultBytes ?? 0, resultClass: job.info.resultClass ?? [] };
        if (!params.assignTo) return summary;
        const assignedTo = await this.assign(job, params.assignTo, token);
        return { ...summary, assignedTo };
    }

    getOutput(jobId: string): JobOutputResult {
        const job = this.get(jobId);
        return { output: [...job.head, ...job.tail], droppedBytes: job.info.outputDroppedBytes ?? 0 };
    }

    clear(params: JobClearParams): JobClearResult {
        const targets = params.jobId !== undefined ? [this.get(params.jobId)] : [...this.jobs.values()];
        const cleared: string[] = [];
        for (const job of targets) {
            if (!ENDED.includes(job.info.state)) {
                if (params.jobId !== undefined) throw new SessionError(-32603, `the job is ${job.info.state}: cancel it first`);
                continue;
            }
            this.jobs.delete(job.info.jobId);
            this.controller?.send({ op: 'clear', jobId: job.info.jobId });
            cleared.push(job.info.jobId);
        }
        return { cleared };
    }

    /** The session ends: the controller and its workers stop. */
    dispose(): void {
        clearInterval(this.pinger);
        this.pinger = undefined;
        this.controller?.stop();
        this.controller = undefined;
    }

    /** While jobs are active, the controller must answer; one stuck inside R is stopped with the reason. */
    private watch(): void {
        this.lastAnswer = performance.now();
        if (this.pinger) return;
        this.pinger = setInterval(() => {
            const controller = this.controller;
            if (!controller?.alive || !this.active) {
                clearInterval(this.pinger);
                this.pinger = undefined;
                return;
            }
            if (performance.now() - this.lastAnswer > UNRESPONSIVE_MS) {
                controller.stop(
                    `the job controller did not answer for ${Math.round(UNRESPONSIVE_MS / 1000)} s and was stopped: the plan's workers may be out of reach (a cluster host that does not answer keeps it waiting); its jobs are lost`,
                );
                return;
            }
            controller.send({ op: 'ping' });
        }, Math.min(PING_MS, UNRESPONSIVE_MS / 3));
        this.pinger.unref();
    }

    // -----------------------------------------------------------------------

    private add(name: string, file?: string): Job {
        const jobId = `j${++this.lastId}`;
        const job: Job = {
            info: { jobId, name, state: 'queued', elapsedMs: 0, ...(file ? { file } : {}) },
            head: [],
            headBytes: 0,
            tail: [],
            tailBytes: 0,
            saving: [],
        };
        this.jobs.set(jobId, job);
        return job;
    }

    private get(jobId: string): Job {
        const job = this.jobs.get(jobId);
        if (!job) throw new SessionError(JOB_NOT_FOUND, `there is no job '${jobId}' (it may have been cleared)`);
        return job;
    }

    private infoOf(job: Job): JobInfo {
        const end = job.endedAt ?? performance.now();
        return { ...job.info, elapsedMs: job.startedAt !== undefined ? Math.round(end - job.startedAt) : 0 };
    }

    /** Starts the controller at the first job; a controller that died is started again. */
    private ensureController(): JobController {
        if (this.controller?.alive) return this.controller;
        const controller = new JobController(this.controllerOptions, {
            event: (event) => this.onEvent(event),
            exited: (reason, expected) => this.controllerExited(controller, reason, expected),
            log: (message) => this.host.log(message),
        });
        this.controller = controller;
        if (this.options.plan) controller.send({ op: 'plan', expr: this.options.plan });
        else controller.send({ op: 'workers', workers: this.options.workers ?? 2 });
        controller.ready.catch((e: Error) => this.host.log(e.message));
        return controller;
    }

    private send(job: Job, command: Record<string, unknown>): void {
        this.host.state(this.infoOf(job));
        try {
            this.ensureController().send(command);
            this.watch();
        } catch (e) {
            this.end(job, 'error', { message: `the job controller could not be started: ${(e as Error).message}` });
        }
    }

    private controllerExited(controller: JobController, reason: string, expected: boolean): void {
        if (this.controller === controller) this.controller = undefined;
        if (expected) return;
        this.host.log(reason);
        for (const job of this.jobs.values()) {
            if (!ENDED.includes(job.info.state)) this.end(job, 'error', { message: `${reason}; the job was lost` });
            for (const waiting of job.saving.splice(0)) waiting.reject(new Error(reason));
        }
    }

    private onEvent(event: Record<string, unknown>): void {
        this.lastAnswer = performance.now();
        if (event.event === 'pong') return;
        const job = typeof event.jobId === 'string' ? this.jobs.get(event.jobId) : undefined;
        switch (event.event) {
            case 'state': {
                if (!job || ENDED.includes(job.info.state)) return;
                const state = event.state as JobState;
                if (typeof event.worker === 'string') job.info.worker = event.worker;
                if (state === 'running') {
                    job.startedAt ??= performance.now();
                    job.info.state = 'running';
                    this.host.state(this.infoOf(job));
                } else if (state === 'done') {
                    job.info.resultBytes = Number(event.resultBytes) || 0;
                    job.info.resultClass = ([] as string[]).concat((event.resultClass as string[] | string | undefined) ?? []);
                    this.end(job, 'done');
                    if (job.resultName) {
                        this.assign(job, job.resultName).catch((e: Error) => this.host.log(`the result of job ${job.info.jobId} could not be assigned: ${e.message}`));
                    }
                } else if (state === 'error' || state === 'cancelled') {
                    this.end(job, state, this.locate(job, event.error as JobError | undefined));
                }
                // 'queued' was said when the job was sent.
                return;
            }
            case 'output': {
                if (!job) return;
                const output: JobOutputParams = { jobId: job.info.jobId, stream: event.stream === 'stderr' ? 'stderr' : 'stdout', text: String(event.text ?? '') };
                this.keep(job, output);
                this.host.output(output);
                return;
            }
            case 'progress': {
                if (!job || ENDED.includes(job.info.state)) return;
                const progress = {
                    amount: Number(event.amount) || 0,
                    ...(typeof event.total === 'number' ? { total: event.total } : {}),
                    ...(typeof event.message === 'string' ? { message: event.message } : {}),
                };
                job.info.progress = progress;
                this.host.progress({ jobId: job.info.jobId, ...progress });
                return;
            }
            case 'saved': {
                const waiting = job?.saving.shift();
                if (!waiting) return;
                if (typeof event.path === 'string') waiting.resolve(event.path);
                else waiting.reject(new Error(String(event.error ?? 'the result could not be saved')));
                return;
            }
            case 'failed':
                this.host.log(`jobs: '${String(event.op)}' failed: ${String(event.message)}`);
                if (job && event.op === 'start') this.end(job, 'error', { message: String(event.message) });
                return;
            default:
                this.host.log(`jobs: an event of no meaning: ${JSON.stringify(event).slice(0, 200)}`);
        }
    }

    /** A traceback's lines of code from a document, in the document's lines (1-based). */
    private locate(job: Job, error: JobError | undefined): JobError | undefined {
        if (!error?.traceback || job.lineOffset === undefined) return error;
        const offset = job.lineOffset;
        return { ...error, traceback: error.traceback.map((f) => (f.file === job.uri && f.line !== undefined ? { ...f, line: f.line + offset } : f)) };
    }

    private end(job: Job, state: JobState, error?: JobError): void {
        if (ENDED.includes(job.info.state)) return;
        job.info.state = state;
        job.endedAt = performance.now();
        if (error) job.info.error = error;
        delete job.info.progress;
        this.host.state(this.infoOf(job));
    }

    /**
     * Keeps a job's output: its first JOB_OUTPUT_KEEP_BYTES, and its last
     * (the middle of a huge output is dropped, counted in
     * outputDroppedBytes). A big chunk is cut to fit.
     */
    private keep(job: Job, output: JobOutputParams): void {
        let text = output.text;
        const room = JOB_OUTPUT_KEEP_BYTES - job.headBytes;
        if (room > 0) {
            const head = cutBytes(text, room);
            job.head.push({ ...output, text: head });
            job.headBytes += Buffer.byteLength(head);
            text = text.slice(head.length);
            if (!text) return;
        }
        let bytes = Buffer.byteLength(text);
        if (bytes > JOB_OUTPUT_KEEP_BYTES) {
            // Only its end can stay.
            const end = lastBytes(text, JOB_OUTPUT_KEEP_BYTES);
            this.dropped(job, bytes - Buffer.byteLength(end));
            text = end;
            bytes = Buffer.byteLength(end);
        }
        job.tail.push({ ...output, text });
        job.tailBytes += bytes;
        while (job.tailBytes > JOB_OUTPUT_KEEP_BYTES && job.tail.length > 1) {
            const oldest = job.tail.shift()!;
            const size = Buffer.byteLength(oldest.text);
            job.tailBytes -= size;
            this.dropped(job, size);
        }
    }

    private dropped(job: Job, bytes: number): void {
        job.info.outputDroppedBytes = (job.info.outputDroppedBytes ?? 0) + bytes;
    }

    /** The controller saves the result in its private folder; the kernel reads and assigns it. */
    private async assign(job: Job, name: string, token?: CancellationToken): Promise<string> {
        if (!/^[A-Za-z.][A-Za-z0-9._]*$/.test(name) || /^\.[0-9]/.test(name)) throw new SessionError(-32602, `'${name}' is not a syntactic R name`);
        const controller = this.controller;
        if (!controller?.alive) throw new SessionError(-32603, 'the job controller has stopped: the result is lost');
        this.host.requireKernel();
        const file = path.join(controller.dir, `result-${job.info.jobId}-${Date.now()}.rds`);
        const saved = new Promise<string>((resolve, reject) => job.saving.push({ resolve, reject }));
        controller.send({ op: 'save', jobId: job.info.jobId, path: file, maxBytes: this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES });
        let where: string;
        try {
            where = await saved;
        } catch (e) {
            throw new SessionError(-32603, (e as Error).message);
        }
        await this.host.request('jobs/assign', { path: where, name }, token);
        job.info.assignedTo = name;
        this.host.state(this.infoOf(job));
        return name;
    }
}


/** The longest start of `text` of at most `max` UTF-8 bytes. */
function cutBytes(text: string, max: number): string {
    const bytes = Buffer.from(text);
    if (bytes.length <= max) return text;
    return bytes.subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
}

/** The longest end of `text` of at most `max` UTF-8 bytes. */
function lastBytes(text: string, max: number): string {
    const bytes = Buffer.from(text);
    if (bytes.length <= max) return text;
    return bytes.subarray(bytes.length - max).toString('utf8').replace(/^\uFFFD/, '');
}
