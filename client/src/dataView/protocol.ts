/**
 * The messages between the extension (client/src/dataView/dataViews.ts)
 * and a data view's page (client/webview/dataView/), declared once and
 * imported by both sides.
 *
 * The page asks for what it shows through `request` messages that the
 * extension passes on to the server (r/dataView/rows, sort, filter,
 * summary, schema) and answers with `response`; a `cancel` for a request
 * still on its way cancels it at the server ($/cancelRequest: a sort R is
 * running is interrupted). The extension keeps the view's sort, filter and
 * size (the page may be rebuilt when its tab is hidden and shown again) and
 * tells the page with `state` whenever they change, from the page or from
 * elsewhere (the tests' API).
 *
 * No `vscode` import: the page's bundle includes this file.
 */
import type {
    DataColumn,
    DataColumnSummary,
    DataFilter,
    DataSortKey,
    DataViewChangedParams,
    DataViewInfo,
    DataViewRowsResult,
    DataViewSchemaResult,
    DataViewTotalResult,
} from '../../../common/protocol';

export type { DataColumn, DataColumnSummary, DataFilter, DataSortKey, DataViewChangedParams, DataViewInfo, DataViewRowsResult, DataViewSchemaResult };

/** What the page asks of the server, by method (the view's id is added by the extension). */
export type PageRequest =
    | { method: 'schema' }
    | { method: 'rows'; start: number; count: number; columns?: number[] }
    | { method: 'sort'; keys: DataSortKey[] }
    | { method: 'filter'; filters: DataFilter[] }
    | { method: 'summary'; column: number };

/** The answer to each kind of request. */
export interface PageResults {
    schema: DataViewSchemaResult;
    rows: DataViewRowsResult;
    sort: DataViewTotalResult;
    filter: DataViewTotalResult;
    summary: DataColumnSummary;
}

/** Why a request failed, for the page: R is busy (try again when it is idle), cancelled, or an error to show. */
export interface RequestFailure {
    kind: 'busy' | 'cancelled' | 'gone' | 'error';
    message: string;
}

/** The view as the extension knows it. */
export interface ViewState {
    title: string;
    info: DataViewInfo;
    sort: DataSortKey[];
    filters: DataFilter[];
    /** Set once the object is gone (removed, R restarted): why, for the banner. */
    removed?: string;
    /** Whether R runs code now (requests that need R may come back busy). */
    kernelBusy: boolean;
}

/** A rectangle of cells: 0-based view rows and column positions, inclusive. */
export interface CellRange {
    top: number;
    left: number;
    bottom: number;
    right: number;
}

/** What the page shows now: for tests and the API, sent after it draws (at most a few times a second). */
export interface PageShown {
    /** Rows in the view (after the filter) and of the object, as the page's header says them. */
    rows: number;
    totalRows: number;
    columns: number;
    /** The header's counts text ("32 of 32 rows · 11 columns"). */
    counts: string;
    /** The first and last rows (0-based view positions) on screen, and their row names (undefined while not loaded). */
    firstRow: number;
    lastRow: number;
    firstRowName?: string;
    lastRowName?: string;
    /** Whether every cell on screen has its value (none waits for the server). */
    complete: boolean;
    /** The note under the toolbar ("R is busy…"), if one shows. */
    note?: string;
    /** The selected cells, if any. */
    selection?: CellRange;
}

/** Extension → page. */
export type ToDataView =
    /** The view's state: at load, and whenever sort, filter, size or the kernel's state change. */
    | { type: 'state'; state: ViewState }
    | { type: 'response'; id: number; result: unknown }
    | { type: 'response'; id: number; error: RequestFailure }
    /** The object changed (r/dataView/changed): refetch what is shown (and the schema if asked). */
    | { type: 'changed'; params: DataViewChangedParams }
    /** The API asks the page to copy its selection (first selecting these cells, if given). */
    | { type: 'copySelection'; select?: CellRange };

/** Page → extension. */
export type FromDataView =
    | { type: 'ready' }
    | { type: 'request'; id: number; request: PageRequest }
    | { type: 'cancel'; id: number }
    | { type: 'shown'; shown: PageShown }
    /** Text for the clipboard (a copy of cells the page could not put there itself), and how many cells it holds. */
    | { type: 'copy'; text: string; cells: number }
    /** A copy the page made itself (the browser's copy event), so that the extension knows what was copied. */
    | { type: 'copied'; text: string; cells: number };

/** Rows asked per request: small enough to come quickly, large enough that scrolling asks seldom. */
export const PAGE_ROWS = 200;
/** Columns asked per request (wide tables are fetched in blocks of columns, as they come into sight). */
export const COLUMN_BLOCK = 50;
/** Rows per request when copying rows not loaded: MAX_DATA_VIEW_ROWS (test/unit checks that they agree; the page cannot import the protocol's values). */
export const COPY_CHUNK_ROWS = 1000;
