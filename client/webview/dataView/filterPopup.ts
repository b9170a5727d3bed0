/**
 * The filter of one column, in a small dialog under its header: an
 * operator that fits the column's type (comparisons and between for
 * numbers and dates, contains / starts with / ends with / regex for text,
 * one of a set for factors, is NA / is not NA for all), its value or
 * values, and Apply / Remove. Enter applies, Escape closes.
 */
import type { DataColumn, DataFilter, DataFilterOp } from '../../../common/protocol';
import { OP_LABELS, filterOps, isTextOp, operands, parseOperand } from './cells';
import { el } from './dom';

export interface FilterPopupOptions {
    column: DataColumn;
    /** The column's filter now, if it has one. */
    current?: DataFilter;
    /** Values to offer as checkboxes for "is one of" (a factor's levels, the most frequent values). */
    choices?: string[];
    apply(filter: DataFilter): void;
    remove(): void;
    close(): void;
}

export function renderFilterPopup(popup: HTMLElement, options: FilterPopupOptions): void {
    const { column, current } = options;
    popup.replaceChildren();
    const ops = filterOps(column.type);
    const initialOp: DataFilterOp = current && ops.includes(current.op) ? current.op : ops[0];
    const title = el('div', 'popup-title', { id: 'filterTitle' }, `Filter ${column.name}`);
    popup.setAttribute('aria-labelledby', 'filterTitle');

    const select = el('select', 'input', { 'aria-label': 'Condition' });
    for (const op of ops) select.append(el('option', '', { value: op, selected: op === initialOp }, OP_LABELS[op]));

    const isLogical = column.type === 'logical';
    const inputType = column.type === 'number' || column.type === 'integer' ? 'number' : 'text';
    const placeholder = column.type === 'date' ? 'YYYY-MM-DD' : column.type === 'datetime' ? 'YYYY-MM-DD HH:MM:SS' : 'value';
    const value1 = isLogical
        ? el('select', 'input', { 'aria-label': 'Value' }, el('option', '', { value: 'TRUE' }, 'TRUE'), el('option', '', { value: 'FALSE' }, 'FALSE'))
        : el('input', 'input', { type: inputType, step: 'any', 'aria-label': 'Value', placeholder });
    const value2 = el('input', 'input', { type: inputType, step: 'any', 'aria-label': 'Upper bound', placeholder });
    const and = el('span', 'popup-and', {}, 'and');
    const ignoreCase = el('input', '', { type: 'checkbox', id: 'ignoreCase' });
    const ignoreLabel = el('label', 'popup-check', { for: 'ignoreCase' }, ignoreCase, ' Ignore case');
    const set = el('div', 'popup-set', { role: 'group', 'aria-label': 'Values' });
    const setText = el('input', 'input', { type: 'text', 'aria-label': 'Values, separated by commas', placeholder: options.choices?.length ? 'other values, separated by commas' : 'values, separated by commas' });
    const message = el('div', 'popup-message', { role: 'alert' });

    if (current) {
        if (current.value !== undefined) {
            if (value1 instanceof HTMLSelectElement) value1.value = current.value === true || current.value === 'TRUE' ? 'TRUE' : 'FALSE';
            else value1.value = String(current.value);
        }
        if (current.value2 !== undefined) value2.value = String(current.value2);
        ignoreCase.checked = current.ignoreCase === true;
    }
    const chosen = new Set(current?.op === 'in' ? current.values ?? [] : []);
    const choices = [...new Set([...(options.choices ?? []), ...chosen])];
    for (const choice of choices) {
        const box = el('input', '', { type: 'checkbox', value: choice, checked: chosen.has(choice) });
        set.append(el('label', 'popup-check', {}, box, ` ${choice === '' ? '""' : choice}`));
    }
    // Values of the filter that are not offered as checkboxes (a factor has more levels than its most frequent ten).
    setText.value = current?.op === 'in' ? (current.values ?? []).filter((v) => !choices.includes(v)).join(', ') : '';

    const apply = el('button', 'button primary', { type: 'button' }, 'Apply');
    const remove = el('button', 'button secondary', { type: 'button', disabled: !current }, 'Remove');
    const fields = el('div', 'popup-fields', {}, value1, and, value2);
    popup.append(title, select, fields, ignoreLabel, set, setText, message, el('div', 'popup-buttons', {}, remove, apply));

    const layout = () => {
        const op = select.value as DataFilterOp;
        const n = operands(op);
        fields.hidden = n === 0 || n === 'set';
        value2.hidden = and.hidden = n !== 2;
        ignoreLabel.hidden = !isTextOp(op);
        set.hidden = n !== 'set' || choices.length === 0;
        setText.hidden = n !== 'set';
        message.textContent = '';
    };
    select.addEventListener('change', layout);
    layout();

    const build = (): DataFilter | string => {
        const op = select.value as DataFilterOp;
        const filter: DataFilter = { column: column.index, op };
        const n = operands(op);
        if (n === 1 || n === 2) {
            const value = parseOperand(value1.value, column.type);
            if (value === undefined || (value === '' && op !== 'eq' && op !== 'ne')) {
                return inputType === 'number' ? 'Type a number.' : isLogical ? 'Choose TRUE or FALSE.' : 'Type a value.';
            }
            filter.value = value;
        }
        if (n === 2) {
            const upper = parseOperand(value2.value, column.type);
            if (upper === undefined || upper === '' || typeof upper === 'boolean') return inputType === 'number' ? 'Type a number for the upper bound.' : 'Type the upper bound.';
            filter.value2 = upper;
        }
        if (n === 'set') {
            const values = [...set.querySelectorAll<HTMLInputElement>('input[type=checkbox]')].filter((b) => b.checked).map((b) => b.value);
            for (const v of setText.value.split(',')) if (v.trim() !== '') values.push(v.trim());
            if (!values.length) return 'Choose at least one value.';
            filter.values = [...new Set(values)];
        }
        if (isTextOp(op) && ignoreCase.checked) filter.ignoreCase = true;
        return filter;
    };

    const submit = () => {
        const filter = build();
        if (typeof filter === 'string') {
            message.textContent = filter;
            return;
        }
        options.apply(filter);
    };
    apply.addEventListener('click', submit);
    remove.addEventListener('click', () => options.remove());
    popup.onkeydown = (e: KeyboardEvent) => {
        if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            options.close();
        } else if (e.key === 'Enter' && !(e.target instanceof HTMLButtonElement)) {
            e.preventDefault();
            submit();
        }
    };
    // The first field that wants typing gets the focus.
    const first = [value1, setText, select].find((x) => !(x.parentElement?.hidden || x.hidden));
    (first ?? select).focus();
}

/** Shows an error from the server under the popup's fields. */
export function popupError(popup: HTMLElement, text: string): void {
    const message = popup.querySelector('.popup-message');
    if (message) message.textContent = text;
}
