/**
 * View(x) in the command-line client: the first rows of a data view as a
 * plain-text table, as R would print a data frame, cut to the terminal's
 * width, with "n of N rows" under it.
 */
import type { DataViewInfo, DataViewRowsResult, DataViewSchemaResult } from '../common/protocol';

/** Cells longer than this are cut (with "…"). */
const MAX_CELL = 24;

function cell(value: string | null | { error: string }): string {
    if (value === null) return 'NA';
    if (typeof value === 'object') return '<error>';
    const flat = value.replace(/[\r\n\t]/g, ' ');
    return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

const NUMERIC = new Set(['number', 'integer', 'logical', 'complex']);

/** The table's text, lines ending in "\n". `width` is the terminal's (columns that do not fit are left out, and named). */
export function formatTable(view: DataViewInfo, schema: DataViewSchemaResult, rows: DataViewRowsResult, width = 80): string {
    const names = rows.rowNames.map((n) => cell(n));
    const nameWidth = Math.max(0, ...names.map((n) => n.length));
    const lines = names.map((n) => n.padEnd(nameWidth));
    let header = ''.padEnd(nameWidth);
    const left: string[] = [];
    rows.columns.forEach((column, k) => {
        const info = schema.columns[column];
        const name = info?.name ?? `V${column + 1}`;
        const cells = rows.values[k].map(cell);
        const w = Math.max(name.length, ...cells.map((c) => c.length));
        if (header.length + 1 + w > width && k > 0) {
            left.push(name);
            return;
        }
        const right = NUMERIC.has(info?.type ?? '');
        const pad = (s: string) => (right ? s.padStart(w) : s.padEnd(w));
        header += ` ${pad(name)}`;
        cells.forEach((c, i) => (lines[i] += ` ${pad(c)}`));
    });
    for (const column of schema.columns.slice(rows.columns.length)) left.push(column.name);
    const shown = rows.values[0]?.length ?? 0;
    const total = view.rows === view.totalRows ? `${view.totalRows.toLocaleString('en-US')}` : `${view.rows.toLocaleString('en-US')} (filtered from ${view.totalRows.toLocaleString('en-US')})`;
    const footer = [`${shown.toLocaleString('en-US')} of ${total} rows`];
    if (left.length) footer.push(`${left.length} more column${left.length === 1 ? '' : 's'}: ${left.join(', ')}`);
    const title = `View: ${view.title} (${view.totalRows.toLocaleString('en-US')} × ${view.columns}, ${view.class[0] ?? 'table'})`;
    return [title, header.trimEnd(), ...lines.map((l) => l.trimEnd()), footer.join('; ')].join('\n') + '\n';
}
