/**
 * The grid's cell selection: an anchor and a focus cell (a rectangle
 * between them), moved by the keyboard as in a spreadsheet, and copied as
 * tab-separated text. No DOM here; unit-tested.
 */
import type { Cell } from './pageCache';

export interface CellPos {
    /** A row's position in the view (after sort and filter), 0-based. */
    row: number;
    /** A column's position in the grid, 0-based. */
    col: number;
}

export interface Selection {
    anchor: CellPos;
    focus: CellPos;
}

export interface Bounds {
    top: number;
    bottom: number;
    left: number;
    right: number;
}

export function bounds(selection: Selection): Bounds {
    return {
        top: Math.min(selection.anchor.row, selection.focus.row),
        bottom: Math.max(selection.anchor.row, selection.focus.row),
        left: Math.min(selection.anchor.col, selection.focus.col),
        right: Math.max(selection.anchor.col, selection.focus.col),
    };
}

export function contains(b: Bounds, row: number, col: number): boolean {
    return row >= b.top && row <= b.bottom && col >= b.left && col <= b.right;
}

export function cellCount(b: Bounds): number {
    return (b.bottom - b.top + 1) * (b.right - b.left + 1);
}

/** The keys the grid moves its focus with. */
export interface MoveKey {
    key: string;
    shift: boolean;
    ctrl: boolean;
}

/**
 * The selection after a key, or undefined for a key that does not move it.
 * Arrows move one cell, PageUp/PageDown a screenful (`pageRows`), Home/End
 * to the first/last column, Ctrl+Home/Ctrl+End to the first/last row (and
 * column), Ctrl+arrows to the edge; with Shift the selection grows from its
 * anchor instead.
 */
export function moveSelection(selection: Selection | undefined, key: MoveKey, size: { rows: number; cols: number; pageRows: number }): Selection | undefined {
    if (size.rows === 0 || size.cols === 0) return undefined;
    const from = selection?.focus ?? { row: 0, col: 0 };
    let { row, col } = from;
    const lastRow = size.rows - 1;
    const lastCol = size.cols - 1;
    switch (key.key) {
        case 'ArrowUp':
            row = key.ctrl ? 0 : row - 1;
            break;
        case 'ArrowDown':
            row = key.ctrl ? lastRow : row + 1;
            break;
        case 'ArrowLeft':
            col = key.ctrl ? 0 : col - 1;
            break;
        case 'ArrowRight':
            col = key.ctrl ? lastCol : col + 1;
            break;
        case 'PageUp':
            row -= size.pageRows;
            break;
        case 'PageDown':
            row += size.pageRows;
            break;
        case 'Home':
            if (key.ctrl) row = 0;
            col = 0;
            break;
        case 'End':
            if (key.ctrl) row = lastRow;
            col = lastCol;
            break;
        default:
            return undefined;
    }
    // With nothing selected yet, the arrows and PageUp select the first cell; PageDown, End and Ctrl+End go where they go from it.
    if (!selection && !['PageDown', 'End'].includes(key.key)) ({ row, col } = { row: 0, col: 0 });
    const focus = { row: clamp(row, 0, lastRow), col: clamp(col, 0, lastCol) };
    return { anchor: key.shift && selection ? selection.anchor : focus, focus };
}

/** Selects every cell. */
export function selectAll(size: { rows: number; cols: number }): Selection | undefined {
    if (size.rows === 0 || size.cols === 0) return undefined;
    return { anchor: { row: 0, col: 0 }, focus: { row: size.rows - 1, col: size.cols - 1 } };
}

/** The text a cell copies as: NA for NA, nothing for a cell that could not be formatted. */
export function copyText(value: Cell): string {
    if (value === null) return 'NA';
    if (typeof value === 'object') return '';
    return value;
}

/**
 * One field of tab-separated text: quoted (with doubled quotes) when it
 * holds a tab, a line break or a quote, as spreadsheets paste it.
 */
export function tsvField(text: string): string {
    return /[\t\r\n"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows of cells (row-major) as tab-separated text, one line per row; `header` first if given. */
export function toTsv(rows: Cell[][], header?: string[]): string {
    const lines = rows.map((cells) => cells.map((c) => tsvField(copyText(c))).join('\t'));
    if (header) lines.unshift(header.map(tsvField).join('\t'));
    return lines.join('\n');
}

function clamp(value: number, low: number, high: number): number {
    return Math.min(Math.max(value, low), high);
}
