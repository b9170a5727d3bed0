/**
 * The rows a data view has fetched, in pages of PAGE_ROWS rows and blocks
 * of COLUMN_BLOCK columns, and which pages to fetch or cancel next.
 *
 * The grid calls plan() with what is on screen; it answers which pages to
 * ask for (those on screen first, then one page of read-ahead on either
 * side, at most MAX_IN_FLIGHT at a time) and which requests on their way
 * are no longer wanted (scrolled past: cancelled). Pages are kept for
 * scrolling back, the least recently used dropped past `maxPages`.
 *
 * A change of the object (or a new sort or filter) makes every page stale:
 * it is still shown (dimmed after a sort or filter, as is after a change)
 * until its fresh copy comes, so the grid never goes blank. An answer to a
 * request made before the change is dropped. A page that came back "R is
 * busy" waits for retryBusy() (R idle) before it is asked again.
 *
 * No DOM here; unit-tested.
 */
import type { DataViewRowsResult } from '../../src/dataView/protocol';

export type Cell = string | null | { error: string };

export interface Page {
    key: string;
    rowBlock: number;
    colBlock: number;
    /** The cache's generation when the page's values were asked for. */
    generation: number;
    state: 'loading' | 'ready' | 'busy' | 'error';
    /** The request on its way (state 'loading'). */
    requestId?: number;
    /** Values from an older generation, shown until fresh ones come. */
    stale: boolean;
    /** Whether the stale values should look stale (after a sort or filter, not after a change of the object). */
    dim: boolean;
    start: number;
    rowNames?: string[];
    /** Column-major, like r/dataView/rows: values[i][j] is row start+j of the block's column i. */
    values?: Cell[][];
    error?: string;
    used: number;
}

export interface PageFetch {
    key: string;
    rowBlock: number;
    colBlock: number;
    start: number;
    count: number;
    /** Column positions [from, to) of the block. */
    colFrom: number;
    colTo: number;
}

export interface Plan {
    fetch: PageFetch[];
    /** Requests on their way for pages no longer wanted. */
    cancel: number[];
}

export interface CellWindow {
    /** Rows (view positions) and column positions on screen, inclusive. */
    firstRow: number;
    lastRow: number;
    firstCol: number;
    lastCol: number;
}

/** Requests on their way at most (R answers them one at a time anyway). */
export const MAX_IN_FLIGHT = 4;

export class PageCache {
    private readonly pages = new Map<string, Page>();
    private generationValue = 0;
    private clock = 0;

    constructor(
        readonly pageRows: number,
        readonly columnBlock: number,
        readonly maxPages = 64,
    ) {}

    get generation(): number {
        return this.generationValue;
    }

    get size(): number {
        return this.pages.size;
    }

    private key(rowBlock: number, colBlock: number): string {
        return `${rowBlock}:${colBlock}`;
    }

    /** The page that holds a cell, if any. */
    pageOf(row: number, col: number): Page | undefined {
        return this.pages.get(this.key(Math.floor(row / this.pageRows), Math.floor(col / this.columnBlock)));
    }

    /** A cell's value: undefined while it has none (not loaded yet). */
    cell(row: number, col: number): { value: Cell; stale: boolean } | undefined {
        const page = this.pageOf(row, col);
        const values = page?.values;
        if (!page || !values) return undefined;
        const column = values[col - page.colBlock * this.columnBlock];
        const index = row - page.start;
        if (!column || index < 0 || index >= column.length) return undefined;
        page.used = ++this.clock;
        return { value: column[index], stale: page.stale && page.dim };
    }

    /** A row's name, from any column block of its page. */
    rowName(row: number, firstCol = 0): string | undefined {
        const rowBlock = Math.floor(row / this.pageRows);
        const preferred = this.pages.get(this.key(rowBlock, Math.floor(firstCol / this.columnBlock)));
        for (const page of preferred ? [preferred, ...this.pages.values()] : this.pages.values()) {
            if (page.rowBlock !== rowBlock || !page.rowNames) continue;
            const name = page.rowNames[row - page.start];
            if (name !== undefined) return name;
        }
        return undefined;
    }

    /** Whether every cell in the window has a value of the current generation. */
    complete(window: CellWindow): boolean {
        if (window.lastRow < window.firstRow) return true;
        for (let rb = Math.floor(window.firstRow / this.pageRows); rb <= Math.floor(window.lastRow / this.pageRows); rb++) {
            for (let cb = Math.floor(window.firstCol / this.columnBlock); cb <= Math.floor(Math.max(window.firstCol, window.lastCol) / this.columnBlock); cb++) {
                const page = this.pages.get(this.key(rb, cb));
                if (!page || page.state !== 'ready' || page.stale) return false;
            }
        }
        return true;
    }

    /** Whether a page of the window came back "R is busy" and waits for R. */
    waitingForR(window: CellWindow): boolean {
        for (const page of this.pages.values()) {
            if (page.state !== 'busy') continue;
            const rows = page.start <= window.lastRow && page.start + this.pageRows > window.firstRow;
            if (rows) return true;
        }
        return false;
    }

    /**
     * What to fetch for this window of a view of `total` rows and `columns`
     * columns, and which requests to cancel. `inFlight` requests count
     * against MAX_IN_FLIGHT. `hold`: fetch nothing now (a sort or filter is
     * running), only say what to cancel.
     */
    plan(window: CellWindow, total: number, columns: number, options: { readAhead?: number; hold?: boolean } = {}): Plan {
        const readAhead = options.readAhead ?? 1;
        const wanted: { rowBlock: number; colBlock: number; visible: boolean }[] = [];
        const cancel: number[] = [];
        if (total > 0 && columns > 0 && window.lastRow >= window.firstRow) {
            const lastBlock = Math.floor((total - 1) / this.pageRows);
            const firstVisible = Math.floor(Math.max(0, window.firstRow) / this.pageRows);
            const lastVisible = Math.min(lastBlock, Math.floor(Math.min(total - 1, window.lastRow) / this.pageRows));
            const firstCb = Math.floor(Math.max(0, window.firstCol) / this.columnBlock);
            const lastCb = Math.floor(Math.min(columns - 1, Math.max(window.firstCol, window.lastCol)) / this.columnBlock);
            for (let cb = firstCb; cb <= lastCb; cb++) for (let rb = firstVisible; rb <= lastVisible; rb++) wanted.push({ rowBlock: rb, colBlock: cb, visible: true });
            for (let step = 1; step <= readAhead; step++) {
                for (const rb of [lastVisible + step, firstVisible - step]) {
                    if (rb < 0 || rb > lastBlock) continue;
                    for (let cb = firstCb; cb <= lastCb; cb++) wanted.push({ rowBlock: rb, colBlock: cb, visible: false });
                }
            }
        }
        const wantedKeys = new Set(wanted.map((w) => this.key(w.rowBlock, w.colBlock)));
        let inFlight = 0;
        for (const page of this.pages.values()) {
            if (page.state !== 'loading') continue;
            if (wantedKeys.has(page.key)) {
                inFlight++;
                continue;
            }
            // Scrolled past before it came: not wanted any more.
            if (page.requestId !== undefined) cancel.push(page.requestId);
            this.unload(page);
        }
        const fetch: PageFetch[] = [];
        if (!options.hold) {
            for (const w of wanted) {
                if (inFlight + fetch.length >= MAX_IN_FLIGHT) break;
                const key = this.key(w.rowBlock, w.colBlock);
                const page = this.pages.get(key);
                if (page && (page.state === 'loading' || page.state === 'busy' || page.state === 'error')) continue;
                if (page && page.state === 'ready' && !page.stale) {
                    page.used = ++this.clock;
                    continue;
                }
                const start = w.rowBlock * this.pageRows;
                const colFrom = w.colBlock * this.columnBlock;
                fetch.push({
                    key,
                    rowBlock: w.rowBlock,
                    colBlock: w.colBlock,
                    start,
                    count: Math.min(this.pageRows, total - start),
                    colFrom,
                    colTo: Math.min(columns, colFrom + this.columnBlock),
                });
            }
        }
        this.evict(wantedKeys);
        return { fetch, cancel };
    }

    /** A page's request went out. */
    started(fetch: PageFetch, requestId: number): void {
        const existing = this.pages.get(fetch.key);
        if (existing) {
            existing.state = 'loading';
            existing.requestId = requestId;
            existing.generation = this.generationValue;
            existing.used = ++this.clock;
            return;
        }
        this.pages.set(fetch.key, {
            key: fetch.key,
            rowBlock: fetch.rowBlock,
            colBlock: fetch.colBlock,
            generation: this.generationValue,
            state: 'loading',
            requestId,
            stale: false,
            dim: false,
            start: fetch.start,
            used: ++this.clock,
        });
    }

    /** The answer for a page: kept if it is still wanted and of this generation. Returns whether it was. */
    loaded(key: string, requestId: number, result: DataViewRowsResult): boolean {
        const page = this.pages.get(key);
        if (!page || page.requestId !== requestId || page.generation !== this.generationValue) return false;
        page.state = 'ready';
        page.requestId = undefined;
        page.stale = false;
        page.dim = false;
        page.start = result.start;
        page.rowNames = result.rowNames;
        page.values = result.values;
        page.error = undefined;
        page.used = ++this.clock;
        return true;
    }

    /** A page's request failed: busy pages wait for retryBusy(); cancelled ones are forgotten. */
    failed(key: string, requestId: number, kind: 'busy' | 'cancelled' | 'gone' | 'error', message: string): void {
        const page = this.pages.get(key);
        if (!page || page.requestId !== requestId) return;
        page.requestId = undefined;
        if (kind === 'cancelled') {
            if (page.values) page.state = 'ready';
            else this.pages.delete(key);
            return;
        }
        page.state = kind === 'busy' ? 'busy' : 'error';
        page.error = message;
    }

    /** R is idle again: pages that came back busy (and failed ones) are asked again. */
    retryBusy(): void {
        for (const page of [...this.pages.values()]) {
            if (page.state !== 'busy' && page.state !== 'error') continue;
            if (page.values) {
                page.state = 'ready';
                page.stale = true;
            } else {
                this.pages.delete(page.key);
            }
        }
    }

    /**
     * The object, its order or its filter changed: every page is stale
     * (shown until replaced; dimmed when `dim`), and the requests on their
     * way are returned to be cancelled.
     */
    invalidate(dim: boolean): number[] {
        this.generationValue++;
        const cancel: number[] = [];
        for (const page of [...this.pages.values()]) {
            if (page.state === 'loading' && page.requestId !== undefined) cancel.push(page.requestId);
            page.requestId = undefined;
            if (!page.values) {
                this.pages.delete(page.key);
                continue;
            }
            page.state = 'ready';
            page.stale = true;
            page.dim = dim;
        }
        return cancel;
    }

    /** Forgets everything (a new schema: the columns are others). Returns the requests to cancel. */
    clear(): number[] {
        this.generationValue++;
        const cancel = [...this.pages.values()].filter((p) => p.state === 'loading' && p.requestId !== undefined).map((p) => p.requestId!);
        this.pages.clear();
        return cancel;
    }

    /** Ready pages of the rows [first, last] for every column, or undefined if one is missing (for copying). */
    rowsLoaded(first: number, last: number, colFrom: number, colTo: number): boolean {
        for (let row = first; row <= last; row += 1) {
            for (let col = colFrom; col <= colTo; col += this.columnBlock) {
                if (!this.cell(row, col)) return false;
            }
            if (!this.cell(row, colTo)) return false;
        }
        return true;
    }

    private unload(page: Page): void {
        page.requestId = undefined;
        if (page.values) page.state = 'ready';
        else this.pages.delete(page.key);
    }

    private evict(wanted: Set<string>): void {
        if (this.pages.size <= this.maxPages) return;
        const candidates = [...this.pages.values()].filter((p) => !wanted.has(p.key) && p.state !== 'loading').sort((a, b) => a.used - b.used);
        for (const page of candidates) {
            if (this.pages.size <= this.maxPages) break;
            this.pages.delete(page.key);
        }
    }
}
