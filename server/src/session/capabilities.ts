/**
 * The session's capabilities, made and wired to each other and to the
 * client: variables.ts (the cache of the global environment), plots.ts,
 * dataViews.ts, language.ts (completion, hover, signature help), help.ts,
 * jobs.ts (background jobs, in an R of their own), debug.ts (R's browser,
 * breakpoints) and warmup.ts. They reach
 * R through the host's queue of kernel requests (executions.ts) and know
 * nothing of the session's lifecycle; the session tells them when a kernel
 * is ready or gone and hands them the kernel's messages.
 */
import type { CancellationToken } from 'vscode-jsonrpc';
import type { Range, SymbolsChangedParams } from '../../../common/protocol';
import type { FromKernel } from '../kernel/wire';
import { DataViews } from './dataViews';
import { Debug } from './debug';
import type { RequestOptions } from './executions';
import { Help } from './help';
import { Jobs } from './jobs';
import { Language } from './language';
import { Plots } from './plots';
import type { SessionClient, SessionOptions } from './types';
import { Variables } from './variables';
import { Warmup } from './warmup';

/** What the capabilities need of the session: callbacks only. */
export interface CapabilitiesHost {
    request(method: string, params: unknown, token?: CancellationToken, options?: RequestOptions): Promise<unknown>;
    /** Throws unless R runs. */
    requireKernel(): void;
    /** Throws RBusyError, ending its message with `then`, while R runs user code (and as requireKernel). */
    requireIdle(then: string): void;
    /** R runs, with nothing running or queued. */
    idle(): boolean;
    /** R runs (a ready kernel). */
    running(): boolean;
    /** R runs no user code: a short kernel request goes in at once. */
    canAsk(): boolean;
    /** A kernel request served at once while R is stopped in its browser. */
    requestAtStop(method: string, params: unknown): Promise<unknown>;
    /** R is stopped in its browser, the client asked. */
    stopped(): boolean;
    /** The execution (and its source position) the kernel numbers `seq`. */
    origin(seq: number, line: number): { executionId: string | null; line?: number; uri?: string; range?: Range };
}

export class Capabilities {
    readonly variables: Variables;
    readonly plots: Plots;
    readonly dataViews: DataViews;
    readonly language: Language;
    readonly help: Help;
    readonly jobs: Jobs;
    readonly warmup: Warmup;
    readonly debug: Debug;

    constructor(host: CapabilitiesHost, options: SessionOptions, client: SessionClient) {
        const { request, requireKernel } = host;
        const log = (message: string) => client.log(message);
        const executionId = (seq: number) => host.origin(seq, 0).executionId;
        this.variables = new Variables({
            request,
            idle: () => host.idle(),
            requireKernel,
            symbolsChanged: (params) => this.symbolsChanged(client, params),
            log,
        });
        this.dataViews = new DataViews({
            request,
            requireKernel,
            requireIdle: () => host.requireIdle('the data view is updated when it is done.'),
            executionId,
            open: (params) => client.dataViewOpen(params),
            changed: (params) => client.dataViewChanged(params),
            log,
        });
        this.language = new Language({
            request,
            canAsk: () => host.canAsk(),
            globals: () => this.variables.globals(),
            document: (uri) => options.document?.(uri),
            log,
        });
        this.help = new Help(
            {
                request,
                requireIdle: () => host.requireIdle('help is shown when it is done.'),
                executionId,
                showHelp: (params) => client.showHelp(params),
                showMatches: (params) => client.showHelpMatches(params),
                log,
            },
            options.helpViewer ?? false,
        );
        this.plots = new Plots({
            request,
            requireKernel,
            origin: (seq, line) => host.origin(seq, line),
            plot: (params) => client.plot(params),
            plotsChanged: (params) => client.plotsChanged(params),
            log,
        });
        this.jobs = new Jobs(
            {
                request,
                requireKernel,
                state: (params) => client.jobState(params),
                output: (params) => client.jobOutput(params),
                progress: (params) => client.jobProgress(params),
                log,
            },
            { rPath: options.rPath, cwd: options.cwd ?? process.cwd(), env: options.env, kernelDir: options.kernelDir, trusted: options.workspaceTrusted },
            options.jobs,
        );
        this.warmup = new Warmup({ request, idle: () => host.idle(), log });
        this.debug = new Debug({
            request,
            requestAtStop: (method, params) => host.requestAtStop(method, params),
            stopped: () => host.stopped(),
            canAsk: () => host.canAsk(),
            running: () => host.running(),
            document: (uri) => options.document?.(uri),
            breakpointsChanged: (params) => client.breakpointsChanged(params),
            log,
        });
    }

    /** The global environment changed: the client, the data views of what changed, the completion caches. */
    private symbolsChanged(client: SessionClient, params: SymbolsChangedParams): void {
        client.symbolsChanged(params);
        this.dataViews.symbolsChanged(params);
        this.language.symbolsChanged(params);
    }

    /** A kernel message one of them takes; false for the others. */
    onMessage(message: FromKernel): boolean {
        return (
            this.plots.onMessage(message) ||
            this.dataViews.onMessage(message) ||
            this.help.onMessage(message) ||
            this.jobs.onMessage(message) ||
            this.debug.onMessage(message)
        );
    }

    /**
     * A new R is ready, and its state announced: their first requests join
     * the queue. (Queued before the announcement, they would make the new R
     * look busy from the start.)
     */
    kernelReady(): void {
        this.plots.kernelReady();
        this.help.kernelReady();
        this.debug.kernelReady();
    }

    /** R is gone (restarted, or dead for `why`): what it held goes with it. Jobs run on. */
    kernelGone(why: string): void {
        this.variables.clear();
        this.plots.kernelGone();
        this.language.kernelGone();
        this.dataViews.kernelGone(why);
        this.debug.kernelGone();
    }

    dispose(): void {
        this.jobs.dispose();
    }
}
