/**
 * Vertical scrolling over any number of rows.
 *
 * A browser cannot make an element as tall as 10 million rows of 22 px
 * (Chromium stops near 33 million pixels, Firefox near 17 million), so
 * past MAX_SCROLL_HEIGHT the scrollbar stands for the rows in proportion:
 * its thumb dragged to the end is the last row. The rows' own position
 * (`contentTop`, in unscaled pixels) is kept exactly here; the wheel and
 * the keyboard move it by pixels and rows, and only dragging the
 * scrollbar sets it from the scrollbar's position. This is why the grid
 * does not use a general virtualizer (@tanstack/virtual-core sizes one
 * element to the whole content, which fails beyond those heights).
 *
 * No DOM here: the page feeds it sizes and scroll positions; unit-tested.
 */

/** The tallest spacer the grid makes (well under every browser's limit). */
export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface VisibleRows {
    /** The first row (0-based) at least partly on screen. */
    first: number;
    /** The last row on screen (inclusive; first - 1 when there are no rows). */
    last: number;
    /** How far the first row starts above the top of the viewport, in pixels (0 or more). */
    offset: number;
}

export class VerticalScroller {
    private totalRows = 0;
    private viewport = 0;
    /** The rows' scroll position in unscaled pixels: row r starts at r * rowHeight - contentTop. */
    private top = 0;
    /** The scrollTop this object last asked for, to tell its own scroll events from a drag of the scrollbar. */
    private expected: number | undefined;

    constructor(readonly rowHeight: number, private readonly maxHeight = MAX_SCROLL_HEIGHT) {}

    get total(): number {
        return this.totalRows;
    }

    get contentTop(): number {
        return this.top;
    }

    /** The rows' full height, unscaled. */
    get contentHeight(): number {
        return this.totalRows * this.rowHeight;
    }

    /** The height the scrolling element's content gets. */
    get spacerHeight(): number {
        return Math.min(this.contentHeight, this.maxHeight);
    }

    /** Whether the scrollbar stands for the rows in proportion rather than pixel for pixel. */
    get scaled(): boolean {
        return this.contentHeight > this.maxHeight;
    }

    /** How far the rows can scroll, unscaled. */
    private get maxTop(): number {
        return Math.max(0, this.contentHeight - this.viewport);
    }

    private get maxScrollTop(): number {
        return Math.max(0, this.spacerHeight - this.viewport);
    }

    /** Rows that fit in the viewport whole. */
    get pageRows(): number {
        return Math.max(1, Math.floor(this.viewport / this.rowHeight));
    }

    /** New sizes: the rows' count and the viewport's height. The position is kept (clamped). */
    setSize(totalRows: number, viewportHeight: number): void {
        this.totalRows = Math.max(0, totalRows);
        this.viewport = Math.max(0, viewportHeight);
        this.top = clamp(this.top, 0, this.maxTop);
        this.expected = undefined;
    }

    /** The scrollTop that shows the rows at `contentTop`. */
    scrollTopFor(contentTop: number): number {
        if (!this.scaled) return Math.round(contentTop);
        const maxTop = this.maxTop;
        return maxTop === 0 ? 0 : Math.round((contentTop / maxTop) * this.maxScrollTop);
    }

    /** The rows' position a scrollTop stands for. */
    contentTopFor(scrollTop: number): number {
        if (!this.scaled) return clamp(scrollTop, 0, this.maxTop);
        const maxScroll = this.maxScrollTop;
        return maxScroll === 0 ? 0 : clamp((scrollTop / maxScroll) * this.maxTop, 0, this.maxTop);
    }

    /**
     * The scrolling element scrolled to `scrollTop`. Returns whether the
     * rows moved. In scaled mode a scroll event that this object caused
     * (within a pixel of what it asked for) keeps the exact position.
     */
    onScroll(scrollTop: number): boolean {
        if (this.scaled && this.expected !== undefined && Math.abs(scrollTop - this.expected) <= 1) return false;
        this.expected = undefined;
        const before = this.top;
        this.top = this.contentTopFor(scrollTop);
        return this.top !== before;
    }

    /** Moves the rows to `contentTop` (clamped); returns the scrollTop to give the element. */
    scrollTo(contentTop: number): number {
        this.top = clamp(contentTop, 0, this.maxTop);
        const scrollTop = this.scrollTopFor(this.top);
        this.expected = scrollTop;
        return scrollTop;
    }

    /** Moves the rows by `pixels` (a wheel's delta); returns the scrollTop to give the element. */
    scrollBy(pixels: number): number {
        return this.scrollTo(this.top + pixels);
    }

    /**
     * Scrolls as little as needed to show `row` whole (or to put it at the
     * top or the bottom). Returns the scrollTop to give the element, or
     * undefined when the row is already in sight.
     */
    reveal(row: number, align: 'nearest' | 'top' | 'bottom' = 'nearest'): number | undefined {
        if (this.totalRows === 0) return undefined;
        row = clamp(row, 0, this.totalRows - 1);
        const rowTop = row * this.rowHeight;
        const rowBottom = rowTop + this.rowHeight;
        let target: number;
        if (align === 'top') target = rowTop;
        else if (align === 'bottom') target = rowBottom - this.viewport;
        else if (rowTop < this.top) target = rowTop;
        else if (rowBottom > this.top + this.viewport) target = rowBottom - this.viewport;
        else return undefined;
        return this.scrollTo(target);
    }

    /** The rows on screen now. */
    visible(): VisibleRows {
        if (this.totalRows === 0 || this.viewport === 0) return { first: 0, last: -1, offset: 0 };
        const first = Math.min(this.totalRows - 1, Math.floor(this.top / this.rowHeight));
        const offset = this.top - first * this.rowHeight;
        const last = Math.min(this.totalRows - 1, Math.floor((this.top + this.viewport - 1) / this.rowHeight));
        return { first, last: Math.max(first, last), offset };
    }
}

function clamp(value: number, low: number, high: number): number {
    return Math.min(Math.max(value, low), Math.max(low, high));
}
