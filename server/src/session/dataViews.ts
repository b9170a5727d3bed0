/**
 * The data viewer capability: the views R has open (kernel/dataview.R keeps
 * their sort and filter as row indices), the requests that page, sort,
 * filter and summarise them, and their refresh when the variable they show
 * changes. Requests need R: while R runs code they are answered at once
 * with RBusyError, and the client keeps what it has.
 */
import type { CancellationToken } from 'vscode-jsonrpc';
import type {
    DataColumnSummary,
    DataViewChangedParams,
    DataViewFilterParams,
    DataViewInfo,
    DataViewOpenVariableParams,
    DataViewParams,
    DataViewRowsParams,
    DataViewRowsResult,
    DataViewSchemaResult,
    DataViewSortParams,
    DataViewSummaryParams,
    DataViewTotalResult,
    SymbolsChangedParams,
} from '../../../common/protocol';
import { MAX_DATA_VIEW_ROWS } from '../../../common/protocol';
import type { FromKernel } from '../kernel/wire';
import { SessionError } from './errors';
import type { RequestOptions } from './executions';

/** What the data views need of the session: callbacks only, no import back. */
export interface DataViewsHost {
    request(method: string, params: unknown, token?: CancellationToken, options?: RequestOptions): Promise<unknown>;
    requireKernel(): void;
    /** Throws RBusyError while R runs user code or has some waiting (and the error for no kernel). */
    requireIdle(): void;
    /** The client's id of the execution the kernel numbers `seq`. */
    executionId(seq: number): string | null;
    open(params: DataViewInfo): void;
    changed(params: DataViewChangedParams): void;
    log(message: string): void;
}

interface View {
    viewId: string;
    /** The kernel's number for it. */
    kernelId: number;
    /** The global variable it shows (the first segment of its path), if any. */
    root?: string;
    /** A refresh is waiting in the queue: another change needs no second one. */
    refreshing?: boolean;
}

type KernelInfo = Omit<DataViewInfo, 'viewId' | 'executionId'> & { path?: string[] };

export class DataViews {
    private readonly views = new Map<string, View>();
    private lastId = 0;

    constructor(private readonly host: DataViewsHost) {}

    /** The kernel's `view` frame (View() in R code); false for other messages. */
    onMessage(message: FromKernel): boolean {
        if (message.kind !== 'view') return false;
        const info = message.info as KernelInfo;
        const view = this.add(message.viewId, info.path);
        this.host.open({ ...this.infoOf(info), viewId: view.viewId, executionId: this.host.executionId(message.id) });
        return true;
    }

    private add(kernelId: number, path: string[] | undefined): View {
        const view: View = { viewId: String(++this.lastId), kernelId, root: path?.[0] };
        this.views.set(view.viewId, view);
        return view;
    }

    private infoOf(info: KernelInfo): Omit<DataViewInfo, 'viewId'> {
        return { title: info.title, rows: info.rows, totalRows: info.totalRows, columns: info.columns, class: info.class ?? [] };
    }

    /** Variables changed: the views of those variables are indexed again in R, then their clients told. */
    symbolsChanged(change: SymbolsChangedParams): void {
        if (!this.views.size) return;
        const names = new Set([...change.changed.map((v) => v.name), ...change.added.map((v) => v.name), ...change.removed]);
        for (const view of this.views.values()) {
            if (view.root === undefined || view.refreshing || (!change.reset && !names.has(view.root))) continue;
            view.refreshing = true;
            this.host.request('dataView/refresh', { viewId: view.kernelId }).then(
                (result) => {
                    view.refreshing = false;
                    if (!this.views.has(view.viewId)) return;
                    const r = result as Omit<DataViewChangedParams, 'viewId'>;
                    this.host.changed({ ...r, viewId: view.viewId });
                },
                (e: Error) => {
                    view.refreshing = false;
                    this.host.log(`refreshing data view ${view.viewId} failed: ${e.message}`);
                },
            );
        }
    }

    /** The kernel is gone, and its views with it. */
    kernelGone(reason: string): void {
        for (const view of this.views.values()) {
            this.host.changed({ viewId: view.viewId, rows: 0, totalRows: 0, columns: 0, removed: true, reason });
        }
        this.views.clear();
    }

    async openVariable(params: DataViewOpenVariableParams, token?: CancellationToken): Promise<DataViewInfo> {
        this.host.requireIdle();
        const info = (await this.host.request('dataView/open', params, token)) as KernelInfo & { viewId: number };
        const view = this.add(info.viewId, params.path);
        return { ...this.infoOf(info), viewId: view.viewId };
    }

    schema(params: DataViewParams, token?: CancellationToken): Promise<DataViewSchemaResult> {
        return this.ask('dataView/schema', params, {}, token) as Promise<DataViewSchemaResult>;
    }

    rows(params: DataViewRowsParams, token?: CancellationToken): Promise<DataViewRowsResult> {
        const count = Math.min(params.count, MAX_DATA_VIEW_ROWS);
        return this.ask('dataView/rows', params, { start: params.start, count, columns: params.columns }, token) as Promise<DataViewRowsResult>;
    }

    sort(params: DataViewSortParams, token?: CancellationToken): Promise<DataViewTotalResult> {
        return this.ask('dataView/sort', params, { keys: params.keys }, token) as Promise<DataViewTotalResult>;
    }

    filter(params: DataViewFilterParams, token?: CancellationToken): Promise<DataViewTotalResult> {
        return this.ask('dataView/filter', params, { filters: params.filters }, token) as Promise<DataViewTotalResult>;
    }

    summary(params: DataViewSummaryParams, token?: CancellationToken): Promise<DataColumnSummary> {
        return this.ask('dataView/summary', params, { column: params.column }, token) as Promise<DataColumnSummary>;
    }

    /** Forgets a view; R drops its indices when it next can. Answered at once. */
    close(params: DataViewParams): null {
        const view = this.views.get(params.viewId);
        if (!view) return null;
        this.views.delete(params.viewId);
        try {
            this.host.requireKernel();
            this.host.request('dataView/close', { viewId: view.kernelId }).catch(() => undefined);
        } catch {
            // No R: nothing to drop.
        }
        return null;
    }

    private ask(method: string, params: DataViewParams, extra: Record<string, unknown>, token?: CancellationToken): Promise<unknown> {
        const view = this.views.get(params.viewId);
        if (!view) {
            const earlier = Number(params.viewId) > 0 && Number(params.viewId) <= this.lastId;
            return Promise.reject(
                new SessionError(-32602, earlier ? `data view ${params.viewId} is closed (or R was restarted)` : `there is no data view '${params.viewId}'`),
            );
        }
        try {
            this.host.requireIdle();
        } catch (e) {
            return Promise.reject(e);
        }
        return this.host.request(method, { viewId: view.kernelId, ...extra }, token);
    }
}
