/**
 * The data viewer: a table R holds (a data frame, matrix, table, vector or
 * factor), shown in an editor tab as a grid that scrolls through every row,
 * sorts, filters, summarizes a column and follows changes to the object.
 *
 * A view opens when R code calls View(x) (r/dataView/open, beside the
 * editor, which keeps the focus) or from the variables view's View Data
 * action (r/dataView/openVariable, in the active editor group). One tab per
 * object: opening the same one again shows its tab.
 *
 * The page (client/webview/dataView/) asks for the rows it shows, a page at
 * a time, and for sorts, filters and summaries; this side passes those
 * requests to the server (cancelling the ones the page no longer wants),
 * keeps the view's sort, filter and size, forwards r/dataView/changed, and
 * tells the page when R goes idle so that what came back "R is busy" is
 * asked again. Closing the tab sends r/dataView/close. A restart of R
 * closes every tab (the new R has none of the data), with one message.
 */
import * as vscode from 'vscode';
import {
    DataViewChangedParams,
    DataViewCloseRequest,
    DataViewFilterRequest,
    DataViewInfo,
    DataViewOpenVariableRequest,
    DataViewRowsRequest,
    DataViewRowsResult,
    DataViewSchemaRequest,
    DataViewSchemaResult,
    DataViewSortRequest,
    DataViewSummaryRequest,
    KernelNotRunningError,
    KernelStartFailedError,
    RBusyError,
} from '../../../common/protocol';
import type { Notifier } from '../notifier';
import { RSession, SessionState, errorCode, errorMessage } from '../session';
import { createPanel } from '../webviewPage';
import { dataViewHtml } from './dataViewHtml';
import type { CellRange, DataFilter, DataSortKey, FromDataView, PageRequest, PageResults, PageShown, RequestFailure, ToDataView, ViewState } from './protocol';

export const DATA_VIEW_TYPE = 'rbridge.dataView';
/** JSON-RPC: the request was cancelled ($/cancelRequest). */
const REQUEST_CANCELLED = -32800;

export const STOPPED_TEXT = 'R stopped: this table is no longer in R. The rows shown are what it held.';

/** A data view as tests and the API see it. */
export interface DataViewSnapshot {
    viewId: string;
    /** The tab's title ("View: mtcars"). */
    tabTitle: string;
    info: DataViewInfo;
    /** The variable's path, for a view opened from the variables view. */
    path?: string[];
    schema?: DataViewSchemaResult;
    sort: DataSortKey[];
    filters: DataFilter[];
    /** Why the object is gone, if it is (the banner's text). */
    removed?: string;
    /** The last rows the page asked for and got. */
    lastRows?: DataViewRowsResult;
    /** What the page reports it shows. */
    shown?: PageShown;
    /** The last cells copied from the view. */
    lastCopied?: { text: string; cells: number };
    /** How many r/dataView/changed the view has had. */
    changes: number;
    visible: boolean;
    active: boolean;
}

/** How a view is opened: by View() (beside, keeping the focus) or by the user in the variables view (in the active group, focused). */
interface OpenHow {
    path?: string[];
    column: vscode.ViewColumn;
    preserveFocus: boolean;
}

export class DataViewPanel implements vscode.Disposable {
    readonly panel: vscode.WebviewPanel;
    viewId: string;
    info: DataViewInfo;
    path: string[] | undefined;
    schema: DataViewSchemaResult | undefined;
    sort: DataSortKey[] = [];
    filters: DataFilter[] = [];
    removed: string | undefined;
    lastRows: DataViewRowsResult | undefined;
    shown: PageShown | undefined;
    lastCopied: { text: string; cells: number } | undefined;
    changes = 0;
    private kernelBusy: boolean;
    /** The page's requests on their way, by the page's id: cancelled when the page says so or the view goes. */
    private readonly requests = new Map<number, vscode.CancellationTokenSource>();
    private disposed = false;
    private readonly disposedEmitter = new vscode.EventEmitter<void>();
    readonly onDidDispose = this.disposedEmitter.event;

    constructor(
        private readonly extensionUri: vscode.Uri,
        info: DataViewInfo,
        how: OpenHow,
        private readonly session: RSession,
        private readonly log: vscode.LogOutputChannel,
        private readonly changed: () => void,
    ) {
        this.viewId = info.viewId;
        this.info = info;
        this.path = how.path;
        this.kernelBusy = session.state.kind === 'busy';
        // A hidden tab's page is rebuilt when shown again: it keeps its
        // scroll position, selection and column widths (getState), this
        // side the sort and filter, and the rows come again from R.
        this.panel = createPanel(extensionUri, DATA_VIEW_TYPE, tabTitle(info.title), { viewColumn: how.column, preserveFocus: how.preserveFocus }, (webview) =>
            dataViewHtml(webview, extensionUri, info.title),
        );
        this.panel.webview.onDidReceiveMessage((m: FromDataView) => this.receive(m));
        this.panel.onDidChangeViewState(() => this.changed());
        this.panel.onDidDispose(() => this.dispose());
    }

    get title(): string {
        return this.info.title;
    }

    snapshot(): DataViewSnapshot {
        return {
            viewId: this.viewId,
            tabTitle: this.panel.title,
            info: { ...this.info },
            path: this.path,
            schema: this.schema,
            sort: this.sort,
            filters: this.filters,
            removed: this.removed,
            lastRows: this.lastRows,
            shown: this.shown,
            lastCopied: this.lastCopied,
            changes: this.changes,
            visible: !this.disposed && this.panel.visible,
            active: !this.disposed && this.panel.active,
        };
    }

    reveal(preserveFocus: boolean): void {
        this.panel.reveal(undefined, preserveFocus);
    }

    /**
     * The same object opened again as a new view of the server (View(x) run
     * again): this tab shows it from now on, afresh, and the old view is
     * closed at the server.
     */
    adopt(info: DataViewInfo, path: string[] | undefined): void {
        const old = this.viewId;
        for (const token of this.requests.values()) token.cancel();
        this.requests.clear();
        if (old !== info.viewId && !this.removed) this.closeAtServer(old);
        this.viewId = info.viewId;
        this.info = info;
        this.path = path ?? this.path;
        this.schema = undefined;
        this.sort = [];
        this.filters = [];
        this.removed = undefined;
        this.lastRows = undefined;
        this.panel.title = tabTitle(info.title);
        // The page starts over (a new nonce makes it a new page): a new view has no sort, no filter and maybe other columns.
        this.panel.webview.html = dataViewHtml(this.panel.webview, this.extensionUri, info.title);
        this.changed();
    }

    private post(message: ToDataView): void {
        if (this.disposed) return;
        void this.panel.webview.postMessage(message);
    }

    private state(): ViewState {
        return { title: this.info.title, info: this.info, sort: this.sort, filters: this.filters, removed: this.removed, kernelBusy: this.kernelBusy };
    }

    private postState(): void {
        this.post({ type: 'state', state: this.state() });
        this.changed();
    }

    /** A message from the page (also what the API's requests go through). */
    receive(message: FromDataView): void {
        switch (message.type) {
            case 'ready':
                this.post({ type: 'state', state: this.state() });
                break;
            case 'request': {
                const { id } = message;
                const token = new vscode.CancellationTokenSource();
                this.requests.set(id, token);
                const viewId = this.viewId;
                this.send(message.request, viewId, token.token, true)
                    .then(
                        (result) => {
                            if (this.viewId === viewId) this.post({ type: 'response', id, result });
                        },
                        (e: unknown) => {
                            if (this.viewId === viewId) this.post({ type: 'response', id, error: this.failure(e, token.token) });
                        },
                    )
                    .finally(() => {
                        if (this.requests.get(id) === token) this.requests.delete(id);
                        token.dispose();
                    });
                break;
            }
            case 'cancel':
                this.requests.get(message.id)?.cancel();
                break;
            case 'shown':
                this.shown = message.shown;
                this.changed();
                break;
            case 'copy':
                this.lastCopied = { text: message.text, cells: message.cells };
                void vscode.env.clipboard.writeText(message.text).then(() => this.changed());
                break;
            case 'copied':
                this.lastCopied = { text: message.text, cells: message.cells };
                this.changed();
                break;
        }
    }

    /**
     * A request as the page would send it, for the API: the same path to the
     * server, and the same bookkeeping of sort, filter and size (the page is
     * told of a new sort or filter and shows it).
     */
    request<M extends PageRequest['method']>(request: Extract<PageRequest, { method: M }>, token?: vscode.CancellationToken): Promise<PageResults[M]> {
        return this.send(request as PageRequest, this.viewId, token, false) as Promise<PageResults[M]>;
    }

    /**
     * Sends one request to the server and keeps what it changes (sort,
     * filter, size, schema). `fromPage`: the page asked (its rows are what
     * the view shows).
     */
    private async send(request: PageRequest, viewId: string, token: vscode.CancellationToken | undefined, fromPage: boolean): Promise<unknown> {
        switch (request.method) {
            case 'schema': {
                const schema = await this.session.dataView(DataViewSchemaRequest, { viewId }, token);
                if (this.viewId === viewId) {
                    this.schema = schema;
                    this.info = { ...this.info, columns: schema.columns.length };
                    this.changed();
                }
                return schema;
            }
            case 'rows': {
                const params = { viewId, start: request.start, count: request.count, ...(request.columns ? { columns: request.columns } : {}) };
                const rows = await this.session.dataView(DataViewRowsRequest, params, token);
                if (this.viewId === viewId && fromPage) {
                    this.lastRows = rows;
                    this.info = { ...this.info, rows: rows.total };
                    this.changed();
                }
                return rows;
            }
            case 'sort': {
                const result = await this.session.dataView(DataViewSortRequest, { viewId, keys: request.keys }, token);
                if (this.viewId === viewId) {
                    this.sort = request.keys;
                    this.info = { ...this.info, rows: result.total };
                    this.postState();
                }
                return result;
            }
            case 'filter': {
                const result = await this.session.dataView(DataViewFilterRequest, { viewId, filters: request.filters }, token);
                if (this.viewId === viewId) {
                    this.filters = request.filters;
                    this.info = { ...this.info, rows: result.total };
                    this.postState();
                }
                return result;
            }
            case 'summary':
                return this.session.dataView(DataViewSummaryRequest, { viewId, column: request.column }, token);
        }
    }

    private failure(e: unknown, token: vscode.CancellationToken): RequestFailure {
        const code = errorCode(e);
        if (token.isCancellationRequested || code === REQUEST_CANCELLED) return { kind: 'cancelled', message: 'Cancelled.' };
        if (code === RBusyError) return { kind: 'busy', message: 'R is busy: this comes when it is done.' };
        if (code === KernelNotRunningError || code === KernelStartFailedError) return { kind: 'gone', message: 'R is not running.' };
        return { kind: 'error', message: errorMessage(e) };
    }

    /** r/dataView/changed for this view. */
    objectChanged(p: DataViewChangedParams): void {
        this.changes++;
        this.info = { ...this.info, rows: p.rows, totalRows: p.totalRows, columns: p.columns };
        if (p.removed) this.removed = p.reason ?? 'The object is gone.';
        this.post({ type: 'changed', params: p });
        this.postState();
        if (p.schemaChanged && !p.removed) {
            this.reapplyWanted = true;
            void this.reapply();
        }
    }

    /** A schema change left the view's sort and filter to be sent again (R was busy meanwhile). */
    private reapplyWanted = false;

    /**
     * After a change of the columns R may have dropped the view's sort and
     * filter (when one of their columns went) or kept them: so they are
     * sent again, by column name, without the keys and filters whose
     * column is gone, and both sides agree again.
     */
    private async reapply(): Promise<void> {
        const before = this.schema;
        const viewId = this.viewId;
        const token = new vscode.CancellationTokenSource();
        try {
            const schema = await this.send({ method: 'schema' }, viewId, token.token, false);
            this.reapplyWanted = false;
            if (!before || this.viewId !== viewId || (this.sort.length === 0 && this.filters.length === 0)) return;
            const after = schema as DataViewSchemaResult;
            const map = (index: number): number | undefined => {
                const name = before.columns.find((c) => c.index === index)?.name;
                return after.columns.find((c) => c.name === name)?.index;
            };
            const filters = this.filters.map((f) => ({ ...f, column: map(f.column) })).filter((f): f is DataFilter => f.column !== undefined);
            const sort = this.sort.map((k) => ({ ...k, column: map(k.column) })).filter((k): k is DataSortKey => k.column !== undefined);
            try {
                await this.send({ method: 'filter', filters }, viewId, token.token, false);
            } catch (e) {
                if (errorCode(e) === RBusyError) throw e;
                // The filter does not fit the new columns (a type changed): none, rather than one R does not keep.
                await this.send({ method: 'filter', filters: [] }, viewId, token.token, false);
            }
            await this.send({ method: 'sort', keys: sort }, viewId, token.token, false);
        } catch (e) {
            if (errorCode(e) === RBusyError) this.reapplyWanted = true;
            else this.log.warn(`data view ${viewId}: the sort and filter after a change of columns: ${errorMessage(e)}`);
        } finally {
            token.dispose();
        }
    }

    /** R's state changed: idle lets the page ask again what came back busy. */
    kernelState(state: SessionState): void {
        const busy = state.kind === 'busy';
        if (busy === this.kernelBusy) return;
        this.kernelBusy = busy;
        this.postState();
        if (!busy && state.kind === 'idle' && this.reapplyWanted && !this.removed) void this.reapply();
    }

    /** R went away (stopped, or died for good): so did the object; the page keeps what it shows. */
    kernelGone(reason: string): void {
        if (this.removed) return;
        this.removed = reason;
        for (const token of this.requests.values()) token.cancel();
        this.postState();
    }

    /** Asks the page to copy its selection (as Ctrl+C in the grid), first selecting `select` if given. */
    copySelection(select?: CellRange): void {
        this.post({ type: 'copySelection', select });
    }

    private closeAtServer(viewId: string): void {
        if (!this.session.isReady) return;
        this.session.dataView(DataViewCloseRequest, { viewId }).catch((e: unknown) => this.log.warn(`r/dataView/close ${viewId}: ${errorMessage(e)}`));
    }

    dispose(): void {
        if (this.disposed) return;
        this.disposed = true;
        for (const token of this.requests.values()) token.cancel();
        this.requests.clear();
        if (!this.removed) this.closeAtServer(this.viewId);
        this.panel.dispose();
        this.disposedEmitter.fire();
        this.disposedEmitter.dispose();
    }
}

/** Why a view closed at a restart (kept while its tab closes, so that it sends no r/dataView/close). */
const RESTARTED_REASON = 'R was restarted.';

/** The message a restart gives when it closes the data views. */
export function restartedMessage(count: number): string {
    return count === 1
        ? 'R restarted: its data is gone, so the data view was closed.'
        : `R restarted: its data is gone, so the ${count} data views were closed.`;
}

export function tabTitle(title: string): string {
    return `View: ${title}`;
}

export class DataViews implements vscode.Disposable {
    private readonly panels = new Set<DataViewPanel>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private readonly changedEmitter = new vscode.EventEmitter<void>();
    /** A view opened, closed, or what one shows changed. */
    readonly onDidChange = this.changedEmitter.event;

    constructor(
        private readonly extensionUri: vscode.Uri,
        private readonly session: RSession,
        private readonly log: vscode.LogOutputChannel,
        private readonly notifier: Notifier,
    ) {
        this.subscriptions.push(
            session.onDataViewOpen((info) => this.openedByR(info)),
            session.onDataViewChanged((p) => this.find((panel) => panel.viewId === p.viewId)?.objectChanged(p)),
            session.onDidChangeState((state) => this.onState(state)),
            this.changedEmitter,
        );
    }

    get views(): DataViewPanel[] {
        return [...this.panels];
    }

    snapshots(): DataViewSnapshot[] {
        return this.views.map((p) => p.snapshot());
    }

    view(viewId: string): DataViewPanel | undefined {
        return this.find((p) => p.viewId === viewId);
    }

    private find(match: (panel: DataViewPanel) => boolean): DataViewPanel | undefined {
        for (const panel of this.panels) if (match(panel)) return panel;
        return undefined;
    }

    /** View(x) in R: a tab beside the editor, which keeps the focus; the same object's tab if it has one. */
    private openedByR(info: DataViewInfo): void {
        const how: OpenHow = { column: vscode.ViewColumn.Beside, preserveFocus: true };
        const same = this.find((p) => p.viewId === info.viewId);
        if (same) {
            same.reveal(true);
            return;
        }
        const titled = this.find((p) => p.title === info.title);
        if (titled) {
            titled.adopt(info, undefined);
            titled.reveal(true);
            return;
        }
        this.create(info, how);
    }

    /**
     * A variable from the variables view (its path as r/variables gives it):
     * its tab if one shows it, else a new view. While R is busy the server
     * cannot open it; it opens once R is done (a notification says so and
     * can cancel). Resolves with the view's id, or undefined if it did not
     * open (the user was told why).
     */
    async openVariable(path: string[], title: string): Promise<string | undefined> {
        const key = JSON.stringify(path);
        const existing = this.find((p) => !p.removed && (JSON.stringify(p.path) === key || p.title === title));
        if (existing) {
            existing.reveal(false);
            return existing.viewId;
        }
        const info = await this.openWhenIdle(path, title);
        if (!info) return undefined;
        const same = this.find((p) => p.viewId === info.viewId) ?? this.find((p) => p.title === info.title);
        if (same) {
            if (same.viewId !== info.viewId) same.adopt(info, path);
            same.path = path;
            same.reveal(false);
            return info.viewId;
        }
        return this.create(info, { path, column: vscode.ViewColumn.Active, preserveFocus: false }).viewId;
    }

    private async openWhenIdle(path: string[], title: string): Promise<DataViewInfo | undefined> {
        const ask = () => this.session.dataView(DataViewOpenVariableRequest, { path, title });
        try {
            return await ask();
        } catch (e) {
            if (errorCode(e) !== RBusyError) throw e;
        }
        // R runs code: the view opens when it is done, unless the user cancels.
        return vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `R is busy: ${title} opens when it is done.`, cancellable: true },
            async (_progress, token) => {
                for (;;) {
                    const idle = await this.whenIdle(token);
                    if (!idle) return undefined;
                    try {
                        return await ask();
                    } catch (e) {
                        if (errorCode(e) !== RBusyError) throw e;
                    }
                }
            },
        );
    }

    /** Resolves true when R is idle (at once if it is), false if cancelled or R went away. */
    private whenIdle(token: vscode.CancellationToken): Promise<boolean> {
        return new Promise((resolve) => {
            const check = (state: SessionState): boolean => {
                if (state.kind === 'idle') return finish(true);
                if (state.kind === 'dead' || state.kind === 'stopped') return finish(false);
                return false;
            };
            const subscriptions: vscode.Disposable[] = [];
            const finish = (value: boolean): boolean => {
                for (const s of subscriptions) s.dispose();
                resolve(value);
                return true;
            };
            if (check(this.session.state)) return;
            subscriptions.push(
                this.session.onDidChangeState((s) => void check(s)),
                token.onCancellationRequested(() => finish(false)),
            );
        });
    }

    private create(info: DataViewInfo, how: OpenHow): DataViewPanel {
        const panel = new DataViewPanel(this.extensionUri, info, how, this.session, this.log, () => this.changedEmitter.fire());
        this.panels.add(panel);
        panel.onDidDispose(() => {
            this.panels.delete(panel);
            this.changedEmitter.fire();
        });
        this.changedEmitter.fire();
        return panel;
    }

    /**
     * A restart (asked for, or after R died) leaves nothing for the views to
     * show or follow in the new R: their tabs close, and one message says
     * so. When R stops for good the tabs stay, under a banner, with the rows
     * they show.
     */
    private onState(state: SessionState): void {
        for (const panel of this.panels) panel.kernelState(state);
        if (!['stopped', 'restarting', 'dead'].includes(state.kind)) return;
        const restarting = state.kind === 'restarting' || (state.kind === 'dead' && state.restartInMs !== undefined && !state.restartAbandoned);
        if (!restarting) {
            for (const panel of this.panels) panel.kernelGone(STOPPED_TEXT);
            return;
        }
        const closing = [...this.panels];
        if (!closing.length) return;
        for (const panel of closing) {
            // The old R's views went with it: nothing to close at the server.
            panel.kernelGone(RESTARTED_REASON);
            panel.dispose();
        }
        void this.notifier.show('info', restartedMessage(closing.length));
    }

    dispose(): void {
        for (const panel of [...this.panels]) panel.dispose();
        for (const s of this.subscriptions) s.dispose();
    }
}
