/**
 * The page of a data view (bundled to media/dataView/dataView.js): a grid
 * over every row of a table R holds.
 *
 * Only what is on screen is in the DOM: a pool of row elements, each with
 * the cells of the columns in sight, placed in a layer that stays in the
 * scrolling element's viewport (position: sticky) while a sized element
 * under it gives the scrollbars their range. scroller.ts maps the
 * scrollbar to rows (in proportion beyond a few million pixels) and
 * pageCache.ts says which pages of rows to fetch (with read-ahead) and
 * which requests to cancel when the user has scrolled past.
 *
 * Sorting (header click, Shift+click for more keys) and filtering (the
 * header's filter button) go to R through the extension, with a progress
 * bar and a Cancel button; the extension answers with the view's new state.
 * A column's summary opens beside the grid. r/dataView/changed refreshes
 * what is shown; a view whose object is gone keeps its rows under a banner.
 * While R is busy, what cannot come yet waits for R to be idle ("R is busy").
 */
import type { DataColumn, DataColumnSummary, DataFilter, DataSortKey, DataViewChangedParams, PageRequest, PageResults, PageShown, RequestFailure, ToDataView, ViewState } from '../../src/dataView/protocol';
import { COLUMN_BLOCK, COPY_CHUNK_ROWS, PAGE_ROWS } from '../../src/dataView/protocol';
import { alignsRight, cellKind, cellText, cellTitle, countsText, describeFilter, nextSort, typeLabel } from './cells';
import { byId } from '../webviewApi';
import { el, iconButton } from './dom';
import { popupError, renderFilterPopup } from './filterPopup';
import { PageCache, PageFetch } from './pageCache';
import { Channel, isFailure } from './rpc';
import { VerticalScroller } from './scroller';
import { Bounds, Selection, bounds, cellCount, contains, moveSelection, selectAll, toTsv } from './selection';
import { SummaryContent, renderSummary } from './summaryPanel';

/** Cells a copy may hold at most (a bigger selection says so instead of freezing the page). */
const MAX_COPY_CELLS = 500_000;
/** A sort or filter shows its progress bar after this long (a quick one never flashes it). */
const PROGRESS_DELAY_MS = 150;
const MIN_WIDTH = 48;
const MAX_AUTO_WIDTH = 360;

interface SavedState {
    viewKey: string;
    contentTop: number;
    scrollLeft: number;
    /** Column widths the user set, by column name. */
    widths: Record<string, number>;
    selection?: Selection;
    summaryColumn?: number;
}

// ---------------------------------------------------------------------------
// Elements

const counts = byId('counts');
const chips = byId('chips');
const note = byId('note');
const clearFilters = byId<HTMLButtonElement>('clearFilters');
const clearSort = byId<HTMLButtonElement>('clearSort');
const progress = byId('progress');
const progressText = byId('progressText');
const cancelButton = byId<HTMLButtonElement>('cancel');
const banner = byId('banner');
const headerEl = byId('header');
const scrollerEl = byId('scroller');
const inner = byId('inner');
const layer = byId('layer');
const empty = byId('empty');
const summaryEl = byId('summary');
const popup = byId('filterPopup');
const live = byId('live');

// ---------------------------------------------------------------------------
// Sizes (from the editor's font, so that rows fit the text)

const bodyStyle = getComputedStyle(document.body);
const cellFontSize = parseFloat(bodyStyle.getPropertyValue('--vscode-editor-font-size')) || 13;
const ROW_HEIGHT = Math.max(22, Math.round(cellFontSize * 1.7));
const HEADER_HEIGHT = ROW_HEIGHT * 2 + 4;
document.documentElement.style.setProperty('--row-height', `${ROW_HEIGHT}px`);
document.documentElement.style.setProperty('--header-height', `${HEADER_HEIGHT}px`);

const measureContext = document.createElement('canvas').getContext('2d');
const cellFont = `${cellFontSize}px ${bodyStyle.getPropertyValue('--vscode-editor-font-family') || 'monospace'}`;
const headerFont = `600 ${bodyStyle.fontSize} ${bodyStyle.fontFamily}`;
function textWidth(text: string, font: string): number {
    if (!measureContext) return text.length * cellFontSize * 0.62;
    measureContext.font = font;
    return measureContext.measureText(text).width;
}
const charWidth = textWidth('0123456789abcdefghij', cellFont) / 20;

// ---------------------------------------------------------------------------
// State

let view: ViewState | undefined;
let columns: DataColumn[] = [];
let total = 0;
let totalRows = 0;
let widths: number[] = [];
let lefts: number[] = [0];
/** Columns whose width the user set (or that were fitted to their values once). */
const fitted = new Set<number>();
let rowNameWidth = 48;
let selection: Selection | undefined;
/** A sort or filter on its way to R. */
let operation: { kind: 'sort' | 'filter'; id: number; sort: DataSortKey[]; filters: DataFilter[]; timer?: ReturnType<typeof setTimeout> } | undefined;
/** A sort or filter that came back busy: sent again once R is idle. */
let deferred: PageRequest | undefined;
let schemaRequest: number | undefined;
let schemaBusy = false;
let summary: { colPos: number; id?: number; content: SummaryContent } | undefined;
const summaries = new Map<number, DataColumnSummary>();
let popupColumn: number | undefined;
let errorNote: string | undefined;
let headerFocus = 0;
let restored = false;
const cache = new PageCache(PAGE_ROWS, COLUMN_BLOCK);
const scroller = new VerticalScroller(ROW_HEIGHT);
let viewportHeight = 0;

const channel = new Channel<SavedState>((message) => receive(message));
let saved: SavedState | undefined = channel.getState();

function viewKey(): string {
    return view ? `${view.info.viewId}` : '';
}

// ---------------------------------------------------------------------------
// Messages from the extension

function receive(message: Exclude<ToDataView, { type: 'response' }>): void {
    switch (message.type) {
        case 'state':
            applyState(message.state);
            break;
        case 'changed':
            objectChanged(message.params);
            break;
        case 'copySelection':
            if (message.select) {
                const { top, left, bottom, right } = message.select;
                select({ anchor: { row: top, col: left }, focus: { row: bottom, col: right } }, false);
            }
            void copySelection(undefined);
            break;
    }
}

function applyState(state: ViewState): void {
    const first = !view;
    const before = view;
    view = state;
    if (first || before?.info.viewId !== state.info.viewId) {
        if (saved && saved.viewKey !== viewKey()) saved = undefined;
        setTotal(state.info.rows);
        totalRows = state.info.totalRows;
        requestSchema();
    } else {
        totalRows = state.info.totalRows;
        const orderChanged = JSON.stringify(before?.sort) !== JSON.stringify(state.sort) || JSON.stringify(before?.filters) !== JSON.stringify(state.filters);
        if (orderChanged) {
            // Other rows, or in another order: what is shown is dimmed until the new rows come, from the top.
            for (const id of cache.invalidate(true)) channel.cancel(id);
            setTotal(state.info.rows);
            scrollerEl.scrollTop = scroller.scrollTo(0);
            selection = undefined;
            announce(orderText(state));
        } else if (state.info.rows !== total) {
            setTotal(state.info.rows);
        }
        if (before?.kernelBusy && !state.kernelBusy) retryAfterBusy();
    }
    renderChrome();
    scheduleRender();
}

function orderText(state: ViewState): string {
    const sorted = state.sort.map((k) => `${columnName(k.column)} ${k.descending ? 'descending' : 'ascending'}`).join(', then ');
    return `${sorted ? `Sorted by ${sorted}. ` : ''}${countsText(state.info.rows, state.info.totalRows, columns.length)}`;
}

function objectChanged(p: DataViewChangedParams): void {
    totalRows = p.totalRows;
    if (p.removed) {
        // The object is gone: the rows shown stay, and nothing more is asked.
        renderChrome();
        scheduleRender();
        return;
    }
    setTotal(p.rows);
    if (p.schemaChanged) requestSchema();
    else for (const id of cache.invalidate(false)) channel.cancel(id);
    summaries.clear();
    if (summary) openSummary(summary.colPos);
    renderChrome();
    scheduleRender();
}

/**
 * A request came back "R is busy": asked again when the extension says R is
 * idle, or soon if it says so already (R was busy for a moment only, or had
 * a run waiting that the session had not reported yet).
 */
let busyTimer: ReturnType<typeof setTimeout> | undefined;
function cameBackBusy(): void {
    if (view?.kernelBusy || busyTimer) return;
    busyTimer = setTimeout(() => {
        busyTimer = undefined;
        if (!view?.kernelBusy) {
            retryAfterBusy();
            scheduleRender();
        }
    }, 500);
}

/** R is idle again: what came back busy is asked again. */
function retryAfterBusy(): void {
    cache.retryBusy();
    if (schemaBusy) requestSchema();
    if (deferred) {
        const request = deferred;
        deferred = undefined;
        if (request.method === 'sort') runOperation('sort', request.keys, view?.filters ?? []);
        else if (request.method === 'filter') runOperation('filter', view?.sort ?? [], request.filters);
    }
    if (summary?.content.kind === 'busy') openSummary(summary.colPos);
}

function setTotal(rows: number): void {
    if (rows === total && scroller.total === rows) return;
    total = rows;
    scroller.setSize(total, viewportHeight);
}

// ---------------------------------------------------------------------------
// The schema and column widths

function requestSchema(): void {
    if (schemaRequest !== undefined) channel.cancel(schemaRequest);
    schemaBusy = false;
    const { id, promise } = channel.request({ method: 'schema' });
    schemaRequest = id;
    promise.then(
        (schema) => {
            if (schemaRequest !== id) return;
            schemaRequest = undefined;
            setColumns(schema.columns);
            scheduleRender();
        },
        (failure: unknown) => {
            if (schemaRequest !== id) return;
            schemaRequest = undefined;
            if (isFailure(failure) && failure.kind === 'busy') {
                schemaBusy = true;
                cameBackBusy();
            }
            else if (isFailure(failure) && failure.kind !== 'cancelled') errorNote = `Cannot read the columns: ${failure.message}`;
            renderChrome();
            scheduleRender();
        },
    );
}

function setColumns(next: DataColumn[]): void {
    const same = next.length === columns.length && next.every((c, i) => c.name === columns[i].name && c.type === columns[i].type);
    if (!same) {
        // Other columns: the pages held are of the old ones.
        for (const id of cache.clear()) channel.cancel(id);
        const byName = new Map(columns.map((c, i) => [c.name, widths[i]]));
        const userWidths = saved?.widths ?? {};
        widths = next.map((c) => userWidths[c.name] ?? byName.get(c.name) ?? headerWidth(c));
        fitted.clear();
        next.forEach((c, i) => {
            if (userWidths[c.name] !== undefined || byName.has(c.name)) fitted.add(i);
        });
        columns = next;
        layoutColumns();
        if (summary && summary.colPos >= columns.length) closeSummary();
    } else {
        columns = next;
        for (const id of cache.invalidate(false)) channel.cancel(id);
    }
    if (!restored) restore();
    renderChrome();
}

/** A column's width before any of its values is known: its name, the sort arrow and the header's two buttons. */
function headerWidth(c: DataColumn): number {
    return Math.min(MAX_AUTO_WIDTH, Math.max(84, Math.ceil(textWidth(c.name, headerFont)) + 12 + 20 + 44));
}

function layoutColumns(): void {
    lefts = [0];
    for (const w of widths) lefts.push(lefts[lefts.length - 1] + w);
}

/** Fits the columns not fitted yet to the values of the first page that came. */
function fitColumns(firstRow: number, lastRow: number): void {
    let changed = false;
    for (let c = 0; c < columns.length; c++) {
        if (fitted.has(c)) continue;
        let widest = 0;
        let seen = false;
        for (let r = firstRow; r <= lastRow; r++) {
            const cell = cache.cell(r, c);
            if (!cell) continue;
            seen = true;
            widest = Math.max(widest, cellText(cell.value).length);
        }
        if (!seen) continue;
        fitted.add(c);
        const width = Math.min(MAX_AUTO_WIDTH, Math.max(headerWidth(columns[c]), Math.ceil(widest * charWidth) + 18));
        if (width !== widths[c]) {
            widths[c] = width;
            changed = true;
        }
    }
    if (changed) layoutColumns();
}

function fitRowNames(first: number, last: number): void {
    let widest = String(totalRows).length;
    for (let r = first; r <= last; r++) widest = Math.max(widest, cache.rowName(r)?.length ?? 0);
    const width = Math.min(260, Math.max(44, Math.ceil(widest * charWidth) + 18));
    if (width > rowNameWidth) rowNameWidth = width;
}

function columnName(index: number): string {
    return columns.find((c) => c.index === index)?.name ?? `column ${index + 1}`;
}

function positionOf(index: number): number {
    return columns.findIndex((c) => c.index === index);
}

// ---------------------------------------------------------------------------
// Saved state (a tab hidden and shown again comes back as it was)

function save(): void {
    if (!view) return;
    const userWidths: Record<string, number> = { ...(saved?.widths ?? {}) };
    saved = {
        viewKey: viewKey(),
        contentTop: scroller.contentTop,
        scrollLeft: scrollerEl.scrollLeft,
        widths: userWidths,
        selection,
        summaryColumn: summary?.colPos,
    };
    channel.setState(saved);
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveSoon(): void {
    if (saveTimer) return;
    saveTimer = setTimeout(() => {
        saveTimer = undefined;
        save();
    }, 200);
}

function restore(): void {
    restored = true;
    if (!saved) return;
    measureViewport();
    selection = saved.selection;
    // The scrolling element must be as large as it will be before it can scroll there.
    inner.style.height = `${scroller.spacerHeight}px`;
    inner.style.width = `${rowNameWidth + lefts[lefts.length - 1]}px`;
    scrollerEl.scrollTop = scroller.scrollTo(saved.contentTop);
    scrollerEl.scrollLeft = saved.scrollLeft;
    if (saved.summaryColumn !== undefined && saved.summaryColumn < columns.length) openSummary(saved.summaryColumn);
}

// ---------------------------------------------------------------------------
// Rendering

let frame = 0;
function scheduleRender(): void {
    if (frame) return;
    frame = requestAnimationFrame(() => {
        frame = 0;
        render();
    });
}

function measureViewport(): void {
    const height = scrollerEl.clientHeight;
    if (height !== viewportHeight) {
        viewportHeight = height;
        scroller.setSize(total, viewportHeight);
    }
}

interface RowElement {
    row: HTMLDivElement;
    name: HTMLDivElement;
    cells: HTMLDivElement[];
}
const pool: RowElement[] = [];
let headerRange = '';

function visibleColumns(): { first: number; last: number } {
    if (!columns.length) return { first: 0, last: -1 };
    const left = scrollerEl.scrollLeft;
    const right = left + Math.max(0, scrollerEl.clientWidth - rowNameWidth);
    return { first: columnAt(left), last: columnAt(Math.max(left, right - 1)) };
}

/** The column at a horizontal position (binary search of the columns' left edges). */
function columnAt(x: number): number {
    let low = 0;
    let high = columns.length - 1;
    while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (lefts[mid] <= x) low = mid;
        else high = mid - 1;
    }
    return low;
}

function render(): void {
    measureViewport();
    const rows = scroller.visible();
    if (total > 0 && columns.length) {
        fitRowNames(rows.first, rows.last);
    }
    const contentWidth = rowNameWidth + lefts[lefts.length - 1];
    inner.style.height = `${scroller.spacerHeight}px`;
    inner.style.width = `${contentWidth}px`;
    layer.style.width = `${scrollerEl.clientWidth}px`;
    layer.style.height = `${scrollerEl.clientHeight}px`;
    layer.style.marginBottom = `${-scrollerEl.clientHeight}px`;
    const cols = visibleColumns();
    const scrollLeft = scrollerEl.scrollLeft;
    const sel = selection ? bounds(selection) : undefined;
    const focus = selection?.focus;
    const count = columns.length && total > 0 ? rows.last - rows.first + 1 : 0;
    const colCount = cols.last >= cols.first ? cols.last - cols.first + 1 : 0;
    const gridFocused = document.activeElement === scrollerEl;

    while (pool.length < count) {
        const row = el('div', 'row', { role: 'row' });
        const name = el('div', 'rowname', { role: 'rowheader' });
        row.append(name);
        layer.append(row);
        pool.push({ row, name, cells: [] });
    }
    let activeId = '';
    for (let i = 0; i < pool.length; i++) {
        const r = pool[i];
        if (i >= count) {
            r.row.hidden = true;
            continue;
        }
        const index = rows.first + i;
        r.row.hidden = false;
        r.row.style.transform = `translateY(${i * ROW_HEIGHT - rows.offset}px)`;
        r.row.setAttribute('aria-rowindex', String(index + 2));
        r.row.classList.toggle('odd', index % 2 === 1);
        const rowSelected = sel !== undefined && index >= sel.top && index <= sel.bottom;
        r.row.classList.toggle('row-selected', rowSelected);
        const rowName = cache.rowName(index, cols.first);
        r.name.textContent = rowName ?? '';
        r.name.title = rowName ?? '';
        r.name.style.width = `${rowNameWidth}px`;
        r.name.dataset.row = String(index);
        while (r.cells.length < colCount) {
            const cell = el('div', 'cell', { role: 'gridcell' });
            r.row.append(cell);
            r.cells.push(cell);
        }
        for (let k = 0; k < r.cells.length; k++) {
            const cell = r.cells[k];
            if (k >= colCount) {
                cell.hidden = true;
                continue;
            }
            const c = cols.first + k;
            const column = columns[c];
            cell.hidden = false;
            cell.style.left = `${rowNameWidth + lefts[c] - scrollLeft}px`;
            cell.style.width = `${widths[c]}px`;
            cell.dataset.row = String(index);
            cell.dataset.col = String(c);
            cell.setAttribute('aria-colindex', String(c + 2));
            const id = `cell-${index}-${c}`;
            cell.id = id;
            const value = cache.cell(index, c);
            let className = 'cell';
            if (alignsRight(column.type)) className += ' num';
            if (!value) {
                className += ' loading';
                cell.textContent = '';
                cell.removeAttribute('title');
            } else {
                const kind = cellKind(value.value, column.type);
                const text = cellText(value.value);
                if (kind !== 'value') className += ` ${kind}`;
                if (value.stale) className += ' stale';
                cell.textContent = text;
                // The whole text when the cell cuts it (or says something other than the value).
                if (kind !== 'value' || text.length * charWidth > widths[c] - 12) cell.title = cellTitle(value.value);
                else cell.removeAttribute('title');
            }
            const selected = sel !== undefined && contains(sel, index, c);
            if (selected) className += ' selected';
            if (focus && focus.row === index && focus.col === c) {
                className += ' focus';
                activeId = id;
            }
            cell.className = className;
            cell.setAttribute('aria-selected', selected ? 'true' : 'false');
        }
    }
    if (activeId && gridFocused) scrollerEl.setAttribute('aria-activedescendant', activeId);
    else scrollerEl.removeAttribute('aria-activedescendant');
    scrollerEl.setAttribute('aria-rowcount', String(total + 1));
    scrollerEl.setAttribute('aria-colcount', String(columns.length + 1));
    renderHeader(cols, scrollLeft);
    empty.hidden = !(view && (total === 0 || columns.length === 0) && schemaRequest === undefined);
    empty.textContent = columns.length === 0 ? 'No columns.' : view?.filters.length ? 'No rows match the filter.' : 'No rows.';
    fetchRows(rows.first, rows.last, cols.first, cols.last);
    if (count > 0) fitColumnsAfterLoad(rows.first, rows.last);
    renderNote(rows.first, rows.last, cols);
    reportShown(rows.first, rows.last, cols);
    saveSoon();
}

function fitColumnsAfterLoad(first: number, last: number): void {
    const before = lefts[lefts.length - 1];
    fitColumns(first, last);
    if (lefts[lefts.length - 1] !== before) scheduleRender();
}

function renderHeader(cols: { first: number; last: number }, scrollLeft: number): void {
    const range = `${cols.first}-${cols.last}-${JSON.stringify(displaySort())}-${JSON.stringify(view?.filters ?? [])}-${columns.length}-${view?.removed ?? ''}-${summary?.colPos ?? ''}`;
    if (range !== headerRange) {
        headerRange = range;
        // Only while the page has the focus: a header rebuilt because the data
        // changed, with the user typing elsewhere, must not pull the focus here.
        const hadFocus = document.hasFocus() && headerEl.contains(document.activeElement);
        headerEl.replaceChildren();
        const corner = el('div', 'hcell corner', { role: 'columnheader', 'aria-colindex': 1, title: 'Row names' });
        headerEl.append(corner);
        for (let c = cols.first; c <= cols.last && c < columns.length; c++) headerEl.append(headerCell(c));
        if (hadFocus) focusHeader(headerFocus);
    }
    const corner = headerEl.firstElementChild as HTMLElement | null;
    if (corner) corner.style.width = `${rowNameWidth}px`;
    for (const cell of Array.from(headerEl.querySelectorAll<HTMLElement>('.hcell[data-col]'))) {
        const c = Number(cell.dataset.col);
        cell.style.left = `${rowNameWidth + lefts[c] - scrollLeft}px`;
        cell.style.width = `${widths[c]}px`;
    }
}

/** The sort the header shows: the one on its way, else the view's. */
function displaySort(): DataSortKey[] {
    return operation?.sort ?? view?.sort ?? [];
}

function headerCell(c: number): HTMLElement {
    const column = columns[c];
    const sort = displaySort();
    const keyIndex = sort.findIndex((k) => k.column === column.index);
    const key = keyIndex >= 0 ? sort[keyIndex] : undefined;
    const filtered = (view?.filters ?? []).some((f) => f.column === column.index);
    const cell = el('div', `hcell${alignsRight(column.type) ? ' num' : ''}${key ? ' sorted' : ''}${filtered ? ' filtered' : ''}`, {
        role: 'columnheader',
        'aria-colindex': c + 2,
        'aria-sort': key ? (key.descending ? 'descending' : 'ascending') : 'none',
        tabindex: c === headerFocus ? 0 : -1,
        title: `${column.name} (${column.class.join(', ') || column.type})\nClick to sort, Shift+click to add to the sort. Keys: Enter sorts, F filters, I summarizes.`,
    });
    cell.dataset.col = String(c);
    const indicator = key
        ? el(
              'span',
              'sort-indicator',
              { 'aria-hidden': 'true' },
              el('span', `codicon codicon-arrow-${key.descending ? 'down' : 'up'}`),
              sort.length > 1 ? el('span', 'sort-rank', {}, String(keyIndex + 1)) : undefined,
          )
        : undefined;
    const name = el('div', 'hname', {}, el('span', 'hname-text', {}, column.name), indicator);
    const type = el('div', 'htype', {}, typeLabel(column));
    const disabled = view?.removed !== undefined;
    const filterButton = iconButton(filtered ? 'filter-filled' : 'filter', `Filter ${column.name}…`, 'hbutton filter-button');
    const infoButton = iconButton('graph', `Summary of ${column.name}`, `hbutton info-button${summary?.colPos === c ? ' on' : ''}`);
    filterButton.tabIndex = -1;
    infoButton.tabIndex = -1;
    filterButton.disabled = disabled;
    infoButton.disabled = disabled;
    filterButton.addEventListener('click', (e) => {
        e.stopPropagation();
        openFilter(c);
    });
    infoButton.addEventListener('click', (e) => {
        e.stopPropagation();
        toggleSummary(c);
    });
    const resizer = el('div', 'resizer', { 'aria-hidden': 'true', title: 'Drag to resize; double-click to fit' });
    resizer.addEventListener('mousedown', (e) => startResize(e, c));
    resizer.addEventListener('dblclick', (e) => {
        e.stopPropagation();
        autoFit(c);
    });
    resizer.addEventListener('click', (e) => e.stopPropagation());
    cell.append(name, type, el('div', 'hbuttons', {}, filterButton, infoButton), resizer);
    cell.addEventListener('click', (e) => {
        headerFocus = c;
        sortBy(c, e.shiftKey);
    });
    cell.addEventListener('keydown', (e) => headerKey(e, c));
    return cell;
}

function focusHeader(c: number): void {
    headerFocus = c;
    const cell = headerEl.querySelector<HTMLElement>(`.hcell[data-col="${c}"]`);
    for (const other of Array.from(headerEl.querySelectorAll<HTMLElement>('.hcell[data-col]'))) other.tabIndex = other === cell ? 0 : -1;
    cell?.focus();
}

function headerKey(e: KeyboardEvent, c: number): void {
    let target: number | undefined;
    switch (e.key) {
        case 'ArrowLeft':
            target = Math.max(0, c - 1);
            break;
        case 'ArrowRight':
            target = Math.min(columns.length - 1, c + 1);
            break;
        case 'Home':
            target = 0;
            break;
        case 'End':
            target = columns.length - 1;
            break;
        case 'Enter':
        case ' ':
            e.preventDefault();
            sortBy(c, e.shiftKey);
            return;
        case 'f':
        case 'F':
            e.preventDefault();
            openFilter(c);
            return;
        case 'i':
        case 'I':
            e.preventDefault();
            toggleSummary(c);
            return;
        case 'ArrowDown':
            if (e.altKey) {
                e.preventDefault();
                openFilter(c);
                return;
            }
            e.preventDefault();
            select({ anchor: { row: scroller.visible().first, col: c }, focus: { row: scroller.visible().first, col: c } });
            scrollerEl.focus();
            return;
        default:
            return;
    }
    e.preventDefault();
    revealColumn(target);
    headerFocus = target;
    render();
    focusHeader(target);
}

/** The toolbar, the chips, the banner: everything that does not scroll. */
function renderChrome(): void {
    if (!view) return;
    counts.textContent = countsText(total, totalRows, columns.length);
    chips.replaceChildren();
    for (const filter of view.filters) {
        const position = positionOf(filter.column);
        const column = columns[position];
        const text = describeFilter(filter, column?.name ?? `column ${filter.column + 1}`, column?.type ?? 'other');
        const open = el('button', 'chip-label', { type: 'button', title: `Change this filter: ${text}` }, text);
        open.addEventListener('click', () => position >= 0 && openFilter(position));
        const remove = iconButton('close', `Remove the filter ${text}`, 'chip-remove');
        remove.addEventListener('click', () => runOperation('filter', view?.sort ?? [], (view?.filters ?? []).filter((f) => f !== filter)));
        remove.disabled = view.removed !== undefined;
        chips.append(el('span', 'chip', {}, open, remove));
    }
    clearFilters.hidden = view.filters.length === 0 || view.removed !== undefined;
    clearSort.hidden = view.sort.length === 0 || view.removed !== undefined;
    banner.hidden = view.removed === undefined;
    banner.textContent = view.removed ?? '';
    headerRange = '';
}

function renderNote(first: number, last: number, cols: { first: number; last: number }): void {
    let text = errorNote;
    const waiting = cache.waitingForR({ firstRow: first, lastRow: last, firstCol: cols.first, lastCol: cols.last });
    if (!text && (waiting || schemaBusy || deferred)) {
        text = deferred ? `R is busy: the ${deferred.method} runs when it is done.` : 'R is busy: the rows come when it is done.';
    }
    note.hidden = !text;
    note.textContent = text ?? '';
    note.classList.toggle('error', text === errorNote && errorNote !== undefined);
}

let lastShown = '';
let shownTimer: ReturnType<typeof setTimeout> | undefined;
function reportShown(first: number, last: number, cols: { first: number; last: number }): void {
    const window = { firstRow: first, lastRow: last, firstCol: cols.first, lastCol: cols.last };
    const sel = selection ? bounds(selection) : undefined;
    const shown: PageShown = {
        rows: total,
        totalRows,
        columns: columns.length,
        counts: counts.textContent ?? '',
        firstRow: first,
        lastRow: last,
        firstRowName: total ? cache.rowName(first) : undefined,
        lastRowName: total ? cache.rowName(last) : undefined,
        complete: columns.length > 0 && schemaRequest === undefined && cache.complete(window),
        note: note.hidden ? undefined : note.textContent ?? undefined,
        selection: sel,
    };
    const text = JSON.stringify(shown);
    if (text === lastShown) return;
    lastShown = text;
    if (shownTimer) clearTimeout(shownTimer);
    shownTimer = setTimeout(() => channel.post({ type: 'shown', shown }), 50);
}

// ---------------------------------------------------------------------------
// Fetching rows

/** The rows requests on their way, by id, with the page they are for. */
const rowRequests = new Map<number, PageFetch>();

function fetchRows(firstRow: number, lastRow: number, firstCol: number, lastCol: number): void {
    if (!view || !columns.length || schemaRequest !== undefined) return;
    const hold = operation !== undefined || view.removed !== undefined;
    const plan = cache.plan({ firstRow, lastRow, firstCol, lastCol }, total, columns.length, { hold });
    for (const id of plan.cancel) {
        rowRequests.delete(id);
        channel.cancel(id);
    }
    for (const fetch of plan.fetch) {
        const indices = columns.slice(fetch.colFrom, fetch.colTo).map((c) => c.index);
        const { id, promise } = channel.request({ method: 'rows', start: fetch.start, count: fetch.count, columns: indices });
        cache.started(fetch, id);
        rowRequests.set(id, fetch);
        promise.then(
            (result) => {
                rowRequests.delete(id);
                if (result.total !== total) setTotal(result.total);
                if (cache.loaded(fetch.key, id, result)) {
                    errorNote = undefined;
                    scheduleRender();
                }
            },
            (failure: unknown) => {
                rowRequests.delete(id);
                const f: RequestFailure = isFailure(failure) ? failure : { kind: 'error', message: String(failure) };
                cache.failed(fetch.key, id, f.kind, f.message);
                if (f.kind === 'busy') cameBackBusy();
                if (f.kind === 'error') errorNote = `Cannot read rows: ${f.message}`;
                if (f.kind !== 'cancelled') scheduleRender();
            },
        );
    }
}

// ---------------------------------------------------------------------------
// Sorting and filtering

function sortBy(c: number, additive: boolean): void {
    if (!view || view.removed || !columns[c]) return;
    runOperation('sort', nextSort(displaySort(), columns[c].index, additive), view.filters);
}

/** Sends a new sort or filter (replacing one still on its way), with a progress bar and Cancel. */
function runOperation(kind: 'sort' | 'filter', sort: DataSortKey[], filters: DataFilter[]): void {
    if (!view || view.removed) return;
    if (operation) cancelOperation(false);
    deferred = undefined;
    errorNote = undefined;
    const request: PageRequest = kind === 'sort' ? { method: 'sort', keys: sort } : { method: 'filter', filters };
    const pending = channel.request(request as Extract<PageRequest, { method: typeof kind }>);
    const current: NonNullable<typeof operation> = { kind, id: pending.id, sort: kind === 'sort' ? sort : view.sort, filters };
    operation = current;
    // The rows on their way are of the old order: not wanted.
    for (const [id] of rowRequests) channel.cancel(id);
    rowRequests.clear();
    current.timer = setTimeout(() => showProgress(kind === 'sort' ? 'Sorting…' : 'Filtering…'), PROGRESS_DELAY_MS);
    headerRange = '';
    scheduleRender();
    (pending.promise as Promise<PageResults['sort']>).then(
        () => {
            if (operation !== current) return;
            finishOperation();
            if (kind === 'filter') closeFilter();
        },
        (failure: unknown) => {
            if (operation !== current) return;
            finishOperation();
            const f: RequestFailure = isFailure(failure) ? failure : { kind: 'error', message: String(failure) };
            if (f.kind === 'busy') {
                deferred = request;
                cameBackBusy();
            }
            else if (f.kind !== 'cancelled') {
                const text = `Cannot ${kind}: ${f.message}`;
                if (kind === 'filter' && popupColumn !== undefined) popupError(popup, f.message);
                else errorNote = text;
            }
            renderChrome();
            scheduleRender();
        },
    );
}

function finishOperation(): void {
    if (operation?.timer) clearTimeout(operation.timer);
    operation = undefined;
    progress.hidden = true;
    headerRange = '';
    scheduleRender();
}

function showProgress(text: string): void {
    progressText.textContent = text;
    progress.hidden = false;
}

/** Cancels the sort or filter on its way (R is interrupted): the view keeps its order. */
function cancelOperation(say = true): void {
    if (!operation) return;
    const id = operation.id;
    finishOperation();
    channel.cancel(id);
    if (say) announce('Cancelled.');
}

cancelButton.addEventListener('click', () => cancelOperation());
clearFilters.addEventListener('click', () => runOperation('filter', view?.sort ?? [], []));
clearSort.addEventListener('click', () => runOperation('sort', [], view?.filters ?? []));

// ---------------------------------------------------------------------------
// The filter popup

function openFilter(c: number): void {
    const column = columns[c];
    if (!column || !view || view.removed) return;
    popupColumn = c;
    revealColumn(c);
    render();
    const show = () => {
        if (popupColumn !== c) return;
        const current = view?.filters.find((f) => f.column === column.index);
        renderFilterPopup(popup, {
            column,
            current,
            choices: choicesFor(c),
            apply: (filter) => runOperation('filter', view?.sort ?? [], [...(view?.filters ?? []).filter((f) => f.column !== column.index), filter]),
            remove: () => {
                runOperation('filter', view?.sort ?? [], (view?.filters ?? []).filter((f) => f.column !== column.index));
                closeFilter();
            },
            close: closeFilter,
        });
        popup.dataset.touched = 'false';
        popup.hidden = false;
        placePopup(c);
    };
    show();
    // A factor's levels (or a text column's frequent values) are offered as a set: from the column's summary.
    if (['factor', 'logical', 'character'].includes(column.type) && !summaries.has(c)) {
        channel.request({ method: 'summary', column: column.index }).promise.then(
            (s) => {
                summaries.set(c, s);
                // Drawn again with the values to tick, unless the user has begun to fill it in.
                if (popupColumn === c && popup.dataset.touched !== 'true') show();
            },
            () => undefined,
        );
    }
}

function choicesFor(c: number): string[] | undefined {
    const s = summaries.get(c);
    if (!s?.top) return undefined;
    // Every level of a factor when it has few; a text column's values only when there are few distinct ones.
    if (columns[c].type === 'character' && (s.distinct ?? Infinity) > s.top.length) return undefined;
    return s.top.map((t) => t.value);
}

function placePopup(c: number): void {
    const header = headerEl.querySelector<HTMLElement>(`.hcell[data-col="${c}"]`);
    const rect = header?.getBoundingClientRect() ?? headerEl.getBoundingClientRect();
    const width = popup.offsetWidth || 260;
    popup.style.left = `${Math.max(4, Math.min(rect.left, window.innerWidth - width - 8))}px`;
    popup.style.top = `${rect.bottom + 2}px`;
}

function closeFilter(): void {
    if (popupColumn === undefined) return;
    const c = popupColumn;
    popupColumn = undefined;
    popup.hidden = true;
    popup.replaceChildren();
    if (document.activeElement === document.body || popup.contains(document.activeElement)) focusHeader(c);
}

for (const type of ['input', 'change']) popup.addEventListener(type, () => (popup.dataset.touched = 'true'));

document.addEventListener('mousedown', (e) => {
    if (popupColumn !== undefined && !popup.contains(e.target as Node) && !(e.target as HTMLElement).closest?.('.filter-button, .chip-label')) closeFilter();
});

// ---------------------------------------------------------------------------
// The column summary

function toggleSummary(c: number): void {
    if (summary?.colPos === c) closeSummary();
    else openSummary(c);
}

function openSummary(c: number): void {
    const column = columns[c];
    if (!column) return;
    if (summary?.id !== undefined) channel.cancel(summary.id);
    const known = summaries.get(c);
    summary = { colPos: c, content: known ? { kind: 'ready', summary: known } : { kind: 'loading' } };
    summaryEl.hidden = false;
    drawSummary();
    headerRange = '';
    scheduleRender();
    if (known) return;
    const { id, promise } = channel.request({ method: 'summary', column: column.index });
    summary.id = id;
    promise.then(
        (s) => {
            summaries.set(c, s);
            if (summary?.id !== id) return;
            summary = { colPos: c, content: { kind: 'ready', summary: s } };
            drawSummary();
        },
        (failure: unknown) => {
            if (summary?.id !== id) return;
            const f: RequestFailure = isFailure(failure) ? failure : { kind: 'error', message: String(failure) };
            if (f.kind === 'cancelled') return;
            summary = { colPos: c, content: f.kind === 'busy' ? { kind: 'busy' } : { kind: 'error', message: f.message } };
            if (f.kind === 'busy') cameBackBusy();
            drawSummary();
        },
    );
}

function drawSummary(): void {
    if (!summary) return;
    const column = columns[summary.colPos];
    if (!column) return;
    renderSummary(summaryEl, column, summary.content, closeSummary);
    scheduleRender();
}

function closeSummary(): void {
    if (summary?.id !== undefined) channel.cancel(summary.id);
    const c = summary?.colPos;
    const hadFocus = document.hasFocus() && summaryEl.contains(document.activeElement);
    summary = undefined;
    summaryEl.hidden = true;
    summaryEl.replaceChildren();
    headerRange = '';
    scheduleRender();
    if (c !== undefined && hadFocus) focusHeader(c);
}

// ---------------------------------------------------------------------------
// Column widths

function startResize(e: MouseEvent, c: number): void {
    e.preventDefault();
    e.stopPropagation();
    const startX = e.clientX;
    const startWidth = widths[c];
    const move = (m: MouseEvent) => {
        widths[c] = Math.max(MIN_WIDTH, Math.round(startWidth + m.clientX - startX));
        layoutColumns();
        scheduleRender();
    };
    const up = () => {
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', up);
        rememberWidth(c);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
}

function autoFit(c: number): void {
    fitted.delete(c);
    const rows = scroller.visible();
    const before = widths[c];
    widths[c] = headerWidth(columns[c]);
    fitColumns(rows.first, rows.last);
    if (!fitted.has(c)) widths[c] = before;
    layoutColumns();
    rememberWidth(c);
    scheduleRender();
}

function rememberWidth(c: number): void {
    fitted.add(c);
    const widthsByName = { ...(saved?.widths ?? {}), [columns[c].name]: widths[c] };
    saved = { ...(saved ?? { viewKey: viewKey(), contentTop: 0, scrollLeft: 0 }), widths: widthsByName };
    save();
}

// ---------------------------------------------------------------------------
// Scrolling

scrollerEl.addEventListener('scroll', () => {
    scroller.onScroll(scrollerEl.scrollTop);
    // The header follows horizontal scrolling at once; the rows at the next frame.
    render();
});

// Beyond a few million pixels the scrollbar is proportional: the wheel then
// moves the rows by its own pixels, not by the scrollbar's.
scrollerEl.addEventListener(
    'wheel',
    (e) => {
        if (!scroller.scaled || e.ctrlKey) return;
        e.preventDefault();
        const unit = e.deltaMode === 1 ? ROW_HEIGHT : e.deltaMode === 2 ? viewportHeight : 1;
        if (e.deltaY) scrollerEl.scrollTop = scroller.scrollBy(e.deltaY * unit);
        if (e.deltaX) scrollerEl.scrollLeft += e.deltaX * unit;
        scheduleRender();
    },
    { passive: false },
);

new ResizeObserver(() => {
    measureViewport();
    scheduleRender();
}).observe(scrollerEl);

function revealRow(row: number): void {
    const top = scroller.reveal(row);
    if (top !== undefined) scrollerEl.scrollTop = top;
}

function revealColumn(c: number): void {
    if (c < 0 || c >= columns.length) return;
    const room = scrollerEl.clientWidth - rowNameWidth;
    const left = lefts[c];
    const right = lefts[c + 1];
    if (left < scrollerEl.scrollLeft) scrollerEl.scrollLeft = left;
    else if (right > scrollerEl.scrollLeft + room) scrollerEl.scrollLeft = Math.min(left, right - room);
}

// ---------------------------------------------------------------------------
// Selection: mouse and keyboard

function select(next: Selection | undefined, reveal = true): void {
    selection = next;
    if (next && reveal) {
        revealRow(next.focus.row);
        revealColumn(next.focus.col);
    }
    scheduleRender();
}

function cellAt(target: EventTarget | null): { row: number; col?: number } | undefined {
    const element = (target as HTMLElement | null)?.closest?.<HTMLElement>('.cell, .rowname');
    if (!element || element.dataset.row === undefined) return undefined;
    return { row: Number(element.dataset.row), col: element.dataset.col === undefined ? undefined : Number(element.dataset.col) };
}

layer.addEventListener('mousedown', (e) => {
    const at = cellAt(e.target);
    if (!at || e.button !== 0) return;
    e.preventDefault();
    scrollerEl.focus();
    const lastCol = columns.length - 1;
    if (at.col === undefined) {
        // A row name: the whole row (Shift: the rows from the anchor's).
        const anchor = e.shiftKey && selection ? { row: selection.anchor.row, col: 0 } : { row: at.row, col: 0 };
        select({ anchor, focus: { row: at.row, col: lastCol } }, false);
    } else {
        const focus = { row: at.row, col: at.col };
        select({ anchor: e.shiftKey && selection ? selection.anchor : focus, focus }, false);
    }
    const move = (m: MouseEvent) => {
        const over = cellAt(document.elementFromPoint(m.clientX, m.clientY));
        if (!over || !selection) return;
        const focus = { row: over.row, col: over.col ?? lastCol };
        if (focus.row !== selection.focus.row || focus.col !== selection.focus.col) select({ anchor: selection.anchor, focus }, false);
    };
    const up = () => {
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', up);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
});

scrollerEl.addEventListener('keydown', (e) => {
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && (e.key === 'a' || e.key === 'A')) {
        e.preventDefault();
        select(selectAll({ rows: total, cols: columns.length }), false);
        return;
    }
    if (e.key === 'Escape') {
        if (popupColumn !== undefined) closeFilter();
        else if (summary) closeSummary();
        else if (operation) cancelOperation();
        return;
    }
    const next = moveSelection(selection, { key: e.key, shift: e.shiftKey, ctrl }, { rows: total, cols: columns.length, pageRows: scroller.pageRows });
    if (!next) return;
    e.preventDefault();
    select(next);
});

scrollerEl.addEventListener('focus', () => scheduleRender());
scrollerEl.addEventListener('blur', () => scheduleRender());

document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (popupColumn !== undefined) closeFilter();
    else if (summary && summaryEl.contains(document.activeElement)) closeSummary();
});

// ---------------------------------------------------------------------------
// Copying

function isEditable(element: Element | null): boolean {
    return element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement;
}

/** The selection's text from the rows held, or undefined if some are not here. */
function selectionText(b: Bounds): string | undefined {
    const rows: (string | null | { error: string })[][] = [];
    for (let r = b.top; r <= b.bottom; r++) {
        const cells: (string | null | { error: string })[] = [];
        for (let c = b.left; c <= b.right; c++) {
            const cell = cache.cell(r, c);
            if (!cell || cell.stale) return undefined;
            cells.push(cell.value);
        }
        rows.push(cells);
    }
    return toTsv(rows);
}

document.addEventListener('copy', (e) => {
    if (isEditable(document.activeElement) || !selection || popup.contains(document.activeElement)) return;
    e.preventDefault();
    void copySelection(e.clipboardData ?? undefined);
});

/** Copies the selection: at once from the rows held, else after asking R for the rest (the extension writes the clipboard then). */
async function copySelection(clipboard: DataTransfer | undefined): Promise<void> {
    if (!selection) return;
    const b = bounds(selection);
    const cells = cellCount(b);
    if (cells > MAX_COPY_CELLS) {
        errorNote = `Too many cells to copy (${cells.toLocaleString('en-US')}); select at most ${MAX_COPY_CELLS.toLocaleString('en-US')}.`;
        scheduleRender();
        return;
    }
    const ready = selectionText(b);
    if (ready !== undefined) {
        if (clipboard) {
            clipboard.setData('text/plain', ready);
            channel.post({ type: 'copied', text: ready, cells });
        } else {
            channel.post({ type: 'copy', text: ready, cells });
        }
        announce(`Copied ${cells === 1 ? 'one cell' : `${cells.toLocaleString('en-US')} cells`}.`);
        return;
    }
    showProgress('Copying…');
    try {
        const indices = columns.slice(b.left, b.right + 1).map((c) => c.index);
        const rows: (string | null | { error: string })[][] = [];
        for (let start = b.top; start <= b.bottom; start += COPY_CHUNK_ROWS) {
            const count = Math.min(COPY_CHUNK_ROWS, b.bottom - start + 1);
            const result = await channel.request({ method: 'rows', start, count, columns: indices }).promise;
            for (let j = 0; j < result.rowNames.length; j++) rows.push(result.values.map((column) => column[j]));
        }
        const text = toTsv(rows);
        channel.post({ type: 'copy', text, cells });
        announce(`Copied ${cells.toLocaleString('en-US')} cells.`);
    } catch (failure) {
        errorNote = `Cannot copy: ${isFailure(failure) ? failure.message : String(failure)}`;
    } finally {
        if (!operation) progress.hidden = true;
        scheduleRender();
    }
}

function announce(text: string): void {
    live.textContent = text;
}

// ---------------------------------------------------------------------------

channel.post({ type: 'ready' });
