/**
 * The variables capability: the server's copy of the global environment
 * (kept from the kernel's changed-symbol reports, so that the top level of
 * r/variables is answered at once, even while R is busy), the kernel
 * requests for children and a refresh, and the background rounds that
 * describe variables an execution changed beyond its budget.
 */
import type { CancellationToken } from 'vscode-jsonrpc';
import type { SymbolsChangedParams, Variable, VariablesParams, VariablesResult } from '../../../common/protocol';
import { MAX_VARIABLES_PAGE } from '../../../common/protocol';
import { compareNames } from '../../../common/names';
import { symbolsOf } from '../kernel/wire';
import type { RequestOptions } from './executions';

/** What the variables need of the session: callbacks only, no import back. */
export interface VariablesHost {
    /** Queues a kernel request (see WorkQueue.request). */
    request(method: string, params: unknown, token?: CancellationToken, options?: RequestOptions): Promise<unknown>;
    /** Whether a kernel is ready and nothing waits for it: background work may go. */
    idle(): boolean;
    /** Throws the error for "no kernel" when there is none. */
    requireKernel(): void;
    symbolsChanged(params: SymbolsChangedParams): void;
    log(message: string): void;
}

export class VariablesCache {
    private readonly byName = new Map<string, Variable>();
    private sorted: Variable[] | undefined;

    /**
     * Applies a report from the kernel (`reset`: it lists the whole global
     * environment). Returns what clients are to be told, or undefined when
     * nothing changed.
     */
    apply(change: SymbolsChangedParams, reset: boolean): SymbolsChangedParams | undefined {
        const any = change.added.length || change.changed.length || change.removed.length;
        if (!reset && !any) return undefined;
        if (reset) this.byName.clear();
        for (const name of change.removed) this.byName.delete(name);
        for (const v of change.added) this.byName.set(v.name, v);
        for (const v of change.changed) this.byName.set(v.name, v);
        this.sorted = undefined;
        return reset ? { ...change, reset: true } : change;
    }

    /** Forgets every variable (the kernel is gone); returns what clients are to be told, if anything. */
    clear(): SymbolsChangedParams | undefined {
        if (!this.byName.size) return undefined;
        const removed = [...this.byName.keys()];
        this.byName.clear();
        this.sorted = undefined;
        return { added: [], changed: [], removed, reset: true };
    }

    page(start = 0, count = Number.MAX_SAFE_INTEGER): VariablesResult {
        this.sorted ??= [...this.byName.values()].sort((a, b) => compareNames(a.name, b.name));
        return { variables: this.sorted.slice(start, start + count), total: this.sorted.length };
    }
}

/**
 * How long R must have been idle before the variables the last execution
 * did not look at are checked (ms): executions sent one after another each
 * look at a window of them, and never wait for a round.
 */
const CHECK_PAUSE_MS = 100;

export class Variables {
    private readonly cache = new VariablesCache();
    /** Whether the kernel has variables whose description is still to come (Variable.pending). */
    private pending = false;
    /**
     * Whether the kernel has variables the last execution did not look at
     * (with more globals than it looks at after each execution; see Changed
     * symbols in docs/protocol.md).
     */
    private unchecked = false;
    private checkTimer: NodeJS.Timeout | undefined;
    /** A round of describing them is with R. */
    private describing = false;

    constructor(private readonly host: VariablesHost) {}

    /**
     * A report from the kernel: a `symbols` frame, or the whole environment
     * (`reset`) at ready. `unchecked`: how many variables the kernel has not
     * looked at since the execution.
     */
    apply(change: SymbolsChangedParams, reset: boolean, unchecked = 0): void {
        const news = this.cache.apply(change, reset);
        if (news) this.host.symbolsChanged(news);
        if (unchecked > 0) this.unchecked = true;
        if (change.added.some((v) => v.pending) || change.changed.some((v) => v.pending)) this.pending = true;
        this.describeWhenIdle();
    }

    /** The global environment's variables, by name (from the cache). */
    globals(): Variable[] {
        return this.cache.page().variables;
    }

    /** The kernel is gone: its variables too. */
    clear(): void {
        this.pending = this.unchecked = false;
        if (this.checkTimer) clearTimeout(this.checkTimer);
        this.checkTimer = undefined;
        const news = this.cache.clear();
        if (news) this.host.symbolsChanged(news);
    }

    /**
     * Variables an execution changed beyond its description budget are
     * described while R is idle, a bounded round at a time (kernel request
     * `variables/describe`), and reported as changed as they come; the
     * variables it did not look at are checked the same way once R has
     * been idle for CHECK_PAUSE_MS. A round goes only while nothing waits,
     * so it never delays more than one round. The session calls this
     * whenever the work queue may have gone idle.
     */
    describeWhenIdle(): void {
        // Every change of the work queue calls this: the wait starts again
        // from the last one.
        if (this.checkTimer) clearTimeout(this.checkTimer);
        this.checkTimer = undefined;
        if (this.describing || !this.host.idle()) return;
        if (this.pending) {
            this.describe();
            return;
        }
        if (!this.unchecked) return;
        this.checkTimer = setTimeout(() => {
            this.checkTimer = undefined;
            if (this.unchecked && !this.describing && this.host.idle()) this.describe();
        }, CHECK_PAUSE_MS);
    }

    private describe(): void {
        this.describing = true;
        this.host.request('variables/describe', {}, undefined, { background: true }).then(
            (result) => {
                this.describing = false;
                const round = result as { pending?: number; unchecked?: number } | undefined;
                this.pending = (round?.pending ?? 0) > 0;
                this.unchecked = (round?.unchecked ?? 0) > 0;
                const change = symbolsOf(result);
                if (change.added.length || change.changed.length || change.removed.length) this.apply(change, false);
                else this.describeWhenIdle();
            },
            (e: Error) => {
                this.describing = false;
                this.host.log(`describing variables failed: ${e.message}`);
            },
        );
    }

    /**
     * r/variables: the global environment's variables come from the cache
     * at once; the children of one, and a refresh, are kernel requests that
     * wait their turn behind the executions sent before them.
     */
    async request(params: VariablesParams, token?: CancellationToken): Promise<VariablesResult> {
        if (!params.path?.length && !params.refresh) return this.cache.page(params.start, params.count);
        this.host.requireKernel();
        if (params.refresh) {
            this.apply(symbolsOf(await this.host.request('variables/refresh', {}, token)), true);
            return this.cache.page(params.start, params.count);
        }
        const count = Math.min(params.count ?? MAX_VARIABLES_PAGE, MAX_VARIABLES_PAGE);
        return (await this.host.request('variables/children', { path: params.path, start: params.start ?? 0, count }, token)) as VariablesResult;
    }
}
