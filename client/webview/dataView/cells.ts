/**
 * How the grid says values, column types and filters in words: what kind
 * of cell a value is (NA, NaN, an infinity, an empty string, a value that
 * could not be formatted), the short type label of a column header, the
 * filters each type of column offers and a filter's text on its chip. No
 * DOM here; unit-tested.
 */
import type { DataColumn, DataFilter, DataFilterOp, DataSortKey } from '../../../common/protocol';
import type { Cell } from './pageCache';

export type CellKind = 'value' | 'na' | 'nan' | 'inf' | 'empty' | 'error';

const NUMERIC = new Set(['number', 'integer', 'complex']);

export function isNumeric(type: string): boolean {
    return NUMERIC.has(type);
}

/** What kind of cell a value is. NaN and infinities count only in numeric columns (a string "NaN" is a string). */
export function cellKind(value: Cell, type: string): CellKind {
    if (value === null) return 'na';
    if (typeof value === 'object') return 'error';
    if (value === '') return 'empty';
    if (isNumeric(type)) {
        if (value === 'NaN') return 'nan';
        if (value === 'Inf' || value === '-Inf') return 'inf';
    }
    return 'value';
}

/** The text a cell shows: NA for NA, "" (faint) for an empty string, a warning sign for a cell that could not be formatted. */
export function cellText(value: Cell): string {
    if (value === null) return 'NA';
    if (typeof value === 'object') return '⚠ error';
    if (value === '') return '""';
    return value;
}

/** The full text of a cell for its tooltip. */
export function cellTitle(value: Cell): string {
    if (value === null) return 'NA (missing)';
    if (typeof value === 'object') return `Could not be formatted: ${value.error}`;
    if (value === '') return 'An empty string';
    return value;
}

/** Whether a column's values line up on the right (numbers) or the left (text). */
export function alignsRight(type: string): boolean {
    return NUMERIC.has(type);
}

/** The short type label under a column's name, as tibble prints it. */
export function typeLabel(column: Pick<DataColumn, 'type' | 'class'>): string {
    switch (column.type) {
        case 'number':
            return 'dbl';
        case 'integer':
            return 'int';
        case 'logical':
            return 'lgl';
        case 'character':
            return 'chr';
        case 'factor':
            return column.class.includes('ordered') ? 'ord' : 'fct';
        case 'complex':
            return 'cpl';
        case 'date':
            return 'date';
        case 'datetime':
            return 'dttm';
        case 'list':
            return 'list';
        default:
            return column.class[0] ?? column.type;
    }
}

export const OP_LABELS: Record<DataFilterOp, string> = {
    eq: '=',
    ne: '≠',
    lt: '<',
    le: '≤',
    gt: '>',
    ge: '≥',
    between: 'between',
    isNA: 'is NA',
    notNA: 'is not NA',
    contains: 'contains',
    startsWith: 'starts with',
    endsWith: 'ends with',
    regex: 'matches regex',
    in: 'is one of',
};

/** The filters a column of this type offers, the most useful first. */
export function filterOps(type: string): DataFilterOp[] {
    switch (type) {
        case 'number':
        case 'integer':
        case 'date':
        case 'datetime':
            return ['gt', 'ge', 'lt', 'le', 'between', 'eq', 'ne', 'isNA', 'notNA'];
        case 'character':
            return ['contains', 'startsWith', 'endsWith', 'regex', 'eq', 'ne', 'in', 'isNA', 'notNA'];
        case 'factor':
            return ['in', 'eq', 'ne', 'contains', 'isNA', 'notNA'];
        case 'logical':
            return ['eq', 'isNA', 'notNA'];
        default:
            return ['isNA', 'notNA'];
    }
}

/** Whether an operator needs a value, two values (between) or a set. */
export function operands(op: DataFilterOp): 0 | 1 | 2 | 'set' {
    switch (op) {
        case 'isNA':
        case 'notNA':
            return 0;
        case 'between':
            return 2;
        case 'in':
            return 'set';
        default:
            return 1;
    }
}

/** Whether an operator compares text (and may ignore case). */
export function isTextOp(op: DataFilterOp): boolean {
    return op === 'contains' || op === 'startsWith' || op === 'endsWith' || op === 'regex';
}

function quoted(value: unknown, type: string): string {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    const text = String(value ?? '');
    if (isNumeric(type) || type === 'logical') return text;
    return `"${text}"`;
}

/** A filter as its chip says it: `mpg > 20`, `name contains "Merc"`, `cyl is one of 4, 6`. */
export function describeFilter(filter: DataFilter, name: string, type: string): string {
    const op = OP_LABELS[filter.op];
    const ignore = filter.ignoreCase && isTextOp(filter.op) ? ' (any case)' : '';
    switch (operands(filter.op)) {
        case 0:
            return `${name} ${op}`;
        case 2:
            return `${name} between ${quoted(filter.value, type)} and ${quoted(filter.value2, type)}`;
        case 'set': {
            const values = filter.values ?? [];
            const shown = values.slice(0, 5).map((v) => quoted(v, type));
            return `${name} is one of ${shown.join(', ')}${values.length > 5 ? `, … (${values.length})` : ''}`;
        }
        default:
            return filter.op === 'regex' ? `${name} matches /${String(filter.value ?? '')}/${ignore}` : `${name} ${op} ${quoted(filter.value, type)}${ignore}`;
    }
}

/**
 * The operand typed in a filter's box, as the server wants it: a number for
 * numeric columns (undefined if it is not one), TRUE/FALSE for logical
 * ones, text otherwise.
 */
export function parseOperand(text: string, type: string): string | number | boolean | undefined {
    const trimmed = text.trim();
    if (type === 'number' || type === 'integer') {
        // JSON has no infinities: a bound must be a finite number.
        if (trimmed === '') return undefined;
        const n = Number(trimmed);
        return Number.isFinite(n) ? n : undefined;
    }
    if (type === 'logical') {
        if (/^(true|t)$/i.test(trimmed)) return true;
        if (/^(false|f)$/i.test(trimmed)) return false;
        return undefined;
    }
    return text;
}

/**
 * The sort after a click on a column's header: without Shift, that column
 * alone, ascending → descending → none; with Shift, the column is added as
 * the next key (or turned, or taken out, if it is one already).
 */
export function nextSort(keys: DataSortKey[], column: number, additive: boolean): DataSortKey[] {
    const index = keys.findIndex((k) => k.column === column);
    const current = index >= 0 ? keys[index] : undefined;
    if (!additive) {
        if (!current || keys.length > 1) return [{ column, descending: false }];
        return current.descending ? [] : [{ column, descending: true }];
    }
    if (!current) return [...keys, { column, descending: false }];
    if (!current.descending) return keys.map((k, i) => (i === index ? { column, descending: true } : k));
    return keys.filter((_, i) => i !== index);
}

/** "1,234,567" */
export function formatCount(n: number): string {
    return n.toLocaleString('en-US');
}

/** The header's counts: "12 of 32 rows · 11 columns". */
export function countsText(rows: number, totalRows: number, columns: number): string {
    return `${formatCount(rows)} of ${formatCount(totalRows)} rows · ${formatCount(columns)} ${columns === 1 ? 'column' : 'columns'}`;
}

/** A summary's number, short: 4 significant digits unless it is a whole number. */
export function formatStat(value: number | undefined): string {
    if (value === undefined || value === null) return '—';
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value) && Math.abs(value) < 1e15) return formatCount(value);
    const abs = Math.abs(value);
    if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return value.toExponential(3);
    return String(Number(value.toPrecision(4)));
}
