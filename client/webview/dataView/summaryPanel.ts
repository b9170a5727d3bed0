/**
 * The column summary beside the grid: type, NA count, distinct values,
 * range, mean, median and quartiles, the most frequent values and a small
 * histogram drawn as bars (plain elements; no inline style in markup, the
 * bars' heights are set through CSSOM, which the page's CSP allows). It is
 * asked for when wanted and comes while the grid goes on working.
 */
import type { DataColumn, DataColumnSummary } from '../../src/dataView/protocol';
import { formatCount, formatStat, typeLabel } from './cells';
import { el, iconButton } from './dom';

export type SummaryContent =
    | { kind: 'loading' }
    | { kind: 'busy' }
    | { kind: 'error'; message: string }
    | { kind: 'ready'; summary: DataColumnSummary };

export function renderSummary(aside: HTMLElement, column: DataColumn, content: SummaryContent, close: () => void): void {
    aside.replaceChildren();
    const closeButton = iconButton('close', 'Close the summary (Escape)');
    closeButton.addEventListener('click', close);
    aside.append(
        el('div', 'summary-head', {}, el('h2', 'summary-title', { title: column.name }, column.name), closeButton),
        el('div', 'summary-type', {}, `${typeLabel(column)} · ${column.class.join(', ') || column.type}`),
    );
    switch (content.kind) {
        case 'loading':
            aside.append(el('div', 'summary-status', { role: 'status' }, el('span', 'codicon codicon-loading codicon-modifier-spin'), ' Summarizing…'));
            return;
        case 'busy':
            aside.append(el('div', 'summary-status', { role: 'status' }, 'R is busy: the summary comes when it is done.'));
            return;
        case 'error':
            aside.append(el('div', 'summary-status error', { role: 'alert' }, content.message));
            return;
    }
    const s = content.summary;
    // A big column's figures come from an evenly spaced sample of its rows:
    // marked ≈, and counted in the sample. The NA count is over all rows,
    // and so are the range of numbers and dates when R says so.
    const approx = s.sample !== undefined ? '≈ ' : '';
    const rangeApprox = s.exactRange ? '' : approx;
    const counted = s.sample ?? s.rows;
    const rows: [string, string][] = [
        ['Rows', formatCount(s.rows)],
        ['NA', `${formatCount(s.naCount)}${s.rows ? ` (${percent(s.naCount / s.rows)})` : ''}`],
    ];
    if (s.distinct !== undefined) rows.push(['Distinct', `${approx}${formatCount(s.distinct)}`]);
    if (s.min !== undefined) rows.push(['Min', rangeApprox + s.min]);
    if (s.quartiles) rows.push(['1st quartile', approx + formatStat(s.quartiles[0])]);
    if (s.median !== undefined) rows.push(['Median', approx + formatStat(s.median)]);
    if (s.mean !== undefined) rows.push(['Mean', approx + formatStat(s.mean)]);
    if (s.quartiles) rows.push(['3rd quartile', approx + formatStat(s.quartiles[2])]);
    if (s.max !== undefined) rows.push(['Max', rangeApprox + s.max]);
    const table = el('table', 'stats');
    for (const [name, value] of rows) table.append(el('tr', '', {}, el('th', '', { scope: 'row' }, name), el('td', '', { title: value }, value)));
    aside.append(table);
    if (s.histogram && s.histogram.counts.length) aside.append(histogram(s.histogram));
    if (s.top && s.top.length) aside.append(topValues(s.top, counted));
    const over =
        s.sample !== undefined
            ? `From ${formatCount(s.sample)} evenly spaced rows of the ${formatCount(s.rows)} (≈: of these; NA${s.exactRange ? ', min and max' : ''} of all)`
            : 'Over all rows of the object';
    aside.append(el('div', 'summary-note', {}, `${over}; the filter does not apply.`));
}

function percent(fraction: number): string {
    if (fraction === 0) return '0%';
    if (fraction < 0.001) return '<0.1%';
    return `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}%`;
}

function histogram(h: { breaks: number[]; counts: number[] }): HTMLElement {
    const max = Math.max(1, ...h.counts);
    const bars = el('div', 'histogram', { role: 'img', 'aria-label': `Histogram of ${h.counts.length} bins` });
    h.counts.forEach((count, i) => {
        const range = `${formatStat(h.breaks[i])} – ${formatStat(h.breaks[i + 1])}`;
        const bar = el('div', 'hbar', { title: `${range}: ${formatCount(count)}` });
        bar.style.height = `${Math.max(count > 0 ? 2 : 0, Math.round((count / max) * 100))}%`;
        bars.append(bar);
    });
    const axis = el(
        'div',
        'haxis',
        {},
        el('span', '', {}, formatStat(h.breaks[0])),
        el('span', '', {}, formatStat(h.breaks[h.breaks.length - 1])),
    );
    return el('section', 'summary-section', {}, el('h3', '', {}, 'Histogram'), bars, axis);
}

function topValues(top: { value: string; count: number }[], rows: number): HTMLElement {
    const max = Math.max(1, ...top.map((t) => t.count));
    const list = el('ol', 'top-values');
    for (const t of top) {
        const bar = el('span', 'tbar');
        bar.style.width = `${Math.round((t.count / max) * 100)}%`;
        list.append(
            el(
                'li',
                '',
                { title: `${t.value}: ${formatCount(t.count)}${rows ? ` (${percent(t.count / rows)})` : ''}` },
                el('span', 'tvalue', {}, t.value === '' ? '""' : t.value),
                el('span', 'tcount', {}, formatCount(t.count)),
                el('span', 'ttrack', {}, bar),
            ),
        );
    }
    return el('section', 'summary-section', {}, el('h3', '', {}, 'Most frequent'), list);
}
