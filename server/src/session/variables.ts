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
        if (reset) this.byName.clear();
        for (const name of change.removed) this.byName.delete(name);
        for (const v of change.added) this.byName.set(v.name, v);
        for (const v of change.changed) this.byName.set(v.name, v);
        this.sorted = undefined;
        if (reset) return { ...change, reset: true };
        return change.added.length || change.changed.length || change.removed.length ? change : undefined;
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

export class Variables {
    private readonly cache = new VariablesCache();
    /** Whether the kernel has variables whose description is still to come (Variable.pending). */
    private pending = false;
    /** A round of describing them is with R. */
    private describing = false;

    constructor(private readonly host: VariablesHost) {}

    /** A report from the kernel: a `symbols` frame, or the whole environment (`reset`) at ready. */
    apply(change: SymbolsChangedParams, reset: boolean): void {
        const news = this.cache.apply(change, reset);
        if (news) this.host.symbolsChanged(news);
        if (change.added.some((v) => v.pending) || change.changed.some((v) => v.pending)) {
            this.pending = true;
            this.describeWhenIdle();
        }
    }

    /** The global environment's variables, by name (from the cache). */
    globals(): Variable[] {
        return this.cache.page().variables;
    }

    /** The kernel is gone: its variables too. */
    clear(): void {
        const news = this.cache.clear();
        if (news) this.host.symbolsChanged(news);
    }

    /**
     * Variables an execution changed beyond its description budget are
     * described while R is idle, a bounded round at a time (kernel request
     * `variables/describe`), and reported as changed as they come. A round
     * goes only while nothing waits, so it never delays more than one round.
     * The session calls this whenever the work queue may have gone idle.
     */
    describeWhenIdle(): void {
        if (!this.pending || this.describing || !this.host.idle()) return;
        this.describing = true;
        this.host.request('variables/describe', {}, undefined, { background: true }).then(
            (result) => {
                this.describing = false;
                const round = result as { changed?: Variable[]; pending?: number } | undefined;
                this.pending = (round?.pending ?? 0) > 0;
                if (round?.changed?.length) this.apply({ added: [], changed: round.changed, removed: [] }, false);
                this.describeWhenIdle();
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
            const symbols = (await this.host.request('variables/refresh', {}, token)) as SymbolsChangedParams;
            this.apply({ added: symbols?.added ?? [], changed: symbols?.changed ?? [], removed: symbols?.removed ?? [] }, true);
            return this.cache.page(params.start, params.count);
        }
        const count = Math.min(params.count ?? MAX_VARIABLES_PAGE, MAX_VARIABLES_PAGE);
        return (await this.host.request('variables/children', { path: params.path, start: params.start ?? 0, count }, token)) as VariablesResult;
    }
}
