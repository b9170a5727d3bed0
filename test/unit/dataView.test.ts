import * as assert from 'assert';
import { viewability } from '../../client/src/dataView/viewable';
import { COPY_CHUNK_ROWS } from '../../client/src/dataView/protocol';
import type { DataViewRowsResult } from '../../client/src/dataView/protocol';
import { cellKind, cellText, countsText, describeFilter, filterOps, formatStat, nextSort, parseOperand, typeLabel } from '../../client/webview/dataView/cells';
import { MAX_IN_FLIGHT, PageCache } from '../../client/webview/dataView/pageCache';
import { MAX_SCROLL_HEIGHT, VerticalScroller } from '../../client/webview/dataView/scroller';
import { bounds, moveSelection, selectAll, toTsv, tsvField } from '../../client/webview/dataView/selection';
import { MAX_DATA_VIEW_ROWS, type Variable } from '../../common/protocol';

/** An answer of r/dataView/rows for a page of `count` rows and `columns` columns: cell "r<row>c<column>". */
function rows(start: number, count: number, columns: number[], total = 1000): DataViewRowsResult {
    return {
        start,
        total,
        columns,
        rowNames: Array.from({ length: count }, (_, j) => String(start + j + 1)),
        values: columns.map((c) => Array.from({ length: count }, (_, j) => `r${start + j}c${c}`)),
    };
}

describe('client: the data viewer', () => {
    describe('vertical scrolling over any number of rows', () => {
        it('maps the scrollbar pixel for pixel while the rows fit a browser element', () => {
            const s = new VerticalScroller(20);
            s.setSize(1000, 200);
            assert.strictEqual(s.scaled, false);
            assert.strictEqual(s.spacerHeight, 20_000);
            assert.deepStrictEqual(s.visible(), { first: 0, last: 9, offset: 0 });
            assert.strictEqual(s.onScroll(410), true);
            assert.deepStrictEqual(s.visible(), { first: 20, last: 30, offset: 10 });
            assert.strictEqual(s.pageRows, 10);
        });

        it('stands for 10 million rows in proportion, keeping exact positions for the wheel and the keys', () => {
            const s = new VerticalScroller(22);
            s.setSize(10_000_000, 440);
            assert.ok(s.scaled);
            assert.strictEqual(s.spacerHeight, MAX_SCROLL_HEIGHT);
            // The scrollbar's end is the last row.
            s.onScroll(MAX_SCROLL_HEIGHT - 440);
            assert.strictEqual(s.visible().last, 9_999_999);
            // Its middle is the middle row.
            s.onScroll((MAX_SCROLL_HEIGHT - 440) / 2);
            assert.ok(Math.abs(s.visible().first - 5_000_000) < 20, String(s.visible().first));
            // The wheel moves by its own pixels (one row), not by 27 rows per scrollbar pixel.
            const before = s.visible().first;
            const scrollTop = s.scrollBy(22);
            assert.strictEqual(s.visible().first, before + 1);
            // The scroll event that follows (within a pixel) does not move the rows again.
            assert.strictEqual(s.onScroll(scrollTop), false);
            assert.strictEqual(s.visible().first, before + 1);
            // A drag of the scrollbar (elsewhere) does.
            assert.strictEqual(s.onScroll(0), true);
            assert.strictEqual(s.visible().first, 0);
        });

        it('reveals a row by scrolling as little as needed', () => {
            const s = new VerticalScroller(20);
            s.setSize(100, 200);
            assert.strictEqual(s.reveal(5), undefined, 'already in sight');
            assert.strictEqual(s.reveal(15), 120, 'row 15 at the bottom');
            assert.deepStrictEqual(s.visible(), { first: 6, last: 15, offset: 0 });
            assert.strictEqual(s.reveal(2), 40, 'row 2 at the top');
            assert.strictEqual(s.reveal(1e9), 1800, 'clamped to the last row');
            const big = new VerticalScroller(22);
            big.setSize(10_000_000, 440);
            big.reveal(9_999_999);
            assert.strictEqual(big.visible().last, 9_999_999);
        });

        it('keeps its position within new sizes, and shows nothing without rows', () => {
            const s = new VerticalScroller(20);
            s.setSize(1000, 200);
            s.scrollTo(10_000);
            s.setSize(100, 200);
            assert.strictEqual(s.contentTop, 1800);
            s.setSize(0, 200);
            assert.deepStrictEqual(s.visible(), { first: 0, last: -1, offset: 0 });
        });
    });

    describe('the page cache', () => {
        const window = (firstRow: number, lastRow: number, firstCol = 0, lastCol = 9) => ({ firstRow, lastRow, firstCol, lastCol });

        it('fetches the pages on screen first, then one page ahead on either side, at most a few at a time', () => {
            const cache = new PageCache(100, 50);
            const plan = cache.plan(window(250, 280), 1000, 10);
            assert.deepStrictEqual(
                plan.fetch.map((f) => [f.start, f.count, f.colFrom, f.colTo]),
                [
                    [200, 100, 0, 10],
                    [300, 100, 0, 10],
                    [100, 100, 0, 10],
                ],
            );
            assert.ok(plan.fetch.length <= MAX_IN_FLIGHT);
            plan.fetch.forEach((f, i) => cache.started(f, i + 1));
            // Asked for already: nothing more.
            assert.deepStrictEqual(cache.plan(window(250, 280), 1000, 10).fetch, []);
            // The last page is short.
            const end = new PageCache(100, 50).plan(window(990, 999), 1000, 10);
            assert.deepStrictEqual(
                end.fetch.map((f) => [f.start, f.count]),
                [
                    [900, 100],
                    [800, 100],
                ],
            );
        });

        it('cancels the requests of pages scrolled past, and keeps what came', () => {
            const cache = new PageCache(100, 50);
            const first = cache.plan(window(0, 20), 100_000, 10);
            first.fetch.forEach((f, i) => cache.started(f, i + 1));
            assert.ok(cache.loaded(first.fetch[0].key, 1, rows(0, 100, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 100_000)));
            // Jumped far away: the page still on its way (rows 100-199) is cancelled.
            const far = cache.plan(window(50_000, 50_020), 100_000, 10);
            assert.deepStrictEqual(far.cancel, [2]);
            assert.deepStrictEqual(
                far.fetch.map((f) => f.start),
                [50_000, 50_100, 49_900],
            );
            // Rows 0-99 stay, for scrolling back.
            assert.deepStrictEqual(cache.cell(5, 3), { value: 'r5c3', stale: false });
            assert.strictEqual(cache.rowName(5), '6');
            // A late answer for a cancelled request is dropped.
            assert.strictEqual(cache.loaded(first.fetch[1].key, 2, rows(100, 100, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 100_000)), false);
            assert.strictEqual(cache.cell(150, 0), undefined);
        });

        it('fetches wide tables in blocks of columns, as they come into sight', () => {
            const cache = new PageCache(100, 50);
            const plan = cache.plan(window(0, 10, 40, 60), 100, 500);
            assert.deepStrictEqual(
                plan.fetch.map((f) => [f.start, f.colFrom, f.colTo]),
                [
                    [0, 0, 50],
                    [0, 50, 100],
                ],
            );
            plan.fetch.forEach((f, i) => cache.started(f, i + 1));
            cache.loaded(plan.fetch[1].key, 2, rows(0, 100, Array.from({ length: 50 }, (_, i) => 50 + i), 100));
            assert.deepStrictEqual(cache.cell(3, 55), { value: 'r3c55', stale: false });
            assert.strictEqual(cache.cell(3, 45), undefined);
            assert.strictEqual(cache.complete(window(0, 10, 40, 60)), false);
            cache.loaded(plan.fetch[0].key, 1, rows(0, 100, Array.from({ length: 50 }, (_, i) => i), 100));
            assert.strictEqual(cache.complete(window(0, 10, 40, 60)), true);
        });

        it('after a change keeps showing the old values (dimmed after a sort) until the new ones come', () => {
            const cache = new PageCache(100, 50);
            const plan = cache.plan(window(0, 10), 100, 10);
            plan.fetch.forEach((f, i) => cache.started(f, i + 1));
            cache.loaded(plan.fetch[0].key, 1, rows(0, 100, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 100));
            assert.deepStrictEqual(cache.invalidate(true), []);
            assert.deepStrictEqual(cache.cell(0, 0), { value: 'r0c0', stale: true });
            assert.strictEqual(cache.complete(window(0, 10)), false);
            const again = cache.plan(window(0, 10), 100, 10);
            assert.deepStrictEqual(
                again.fetch.map((f) => f.start),
                [0],
            );
            cache.started(again.fetch[0], 7);
            assert.deepStrictEqual(cache.cell(0, 0), { value: 'r0c0', stale: true }, 'still shown while it is fetched again');
            const fresh = rows(0, 100, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 100);
            fresh.values[0][0] = 'new';
            assert.ok(cache.loaded(again.fetch[0].key, 7, fresh));
            assert.deepStrictEqual(cache.cell(0, 0), { value: 'new', stale: false });
            // A change of the object (not a sort) does not dim.
            cache.invalidate(false);
            assert.deepStrictEqual(cache.cell(0, 0), { value: 'new', stale: false });
        });

        it('holds fetches while a sort runs, and asks again for busy pages once R is idle', () => {
            const cache = new PageCache(100, 50);
            assert.deepStrictEqual(cache.plan(window(0, 10), 100, 10, { hold: true }).fetch, []);
            const plan = cache.plan(window(0, 10), 100, 10);
            cache.started(plan.fetch[0], 1);
            cache.failed(plan.fetch[0].key, 1, 'busy', 'R is busy');
            assert.ok(cache.waitingForR(window(0, 10)));
            assert.deepStrictEqual(cache.plan(window(0, 10), 100, 10).fetch, [], 'not asked again while R is busy');
            cache.retryBusy();
            assert.strictEqual(cache.waitingForR(window(0, 10)), false);
            assert.deepStrictEqual(
                cache.plan(window(0, 10), 100, 10).fetch.map((f) => f.start),
                [0],
            );
        });

        it('keeps at most maxPages pages, dropping the least recently used', () => {
            const cache = new PageCache(10, 50, 3);
            for (let page = 0; page < 6; page++) {
                const plan = cache.plan(window(page * 10, page * 10 + 5), 1000, 1, { readAhead: 0 });
                for (const f of plan.fetch) {
                    cache.started(f, page + 1);
                    cache.loaded(f.key, page + 1, rows(f.start, f.count, [0]));
                }
            }
            cache.plan(window(50, 55), 1000, 1, { readAhead: 0 });
            assert.ok(cache.size <= 3, String(cache.size));
            assert.ok(cache.cell(55, 0), 'the page on screen is kept');
            assert.strictEqual(cache.cell(5, 0), undefined, 'the oldest went');
        });
    });

    describe('selection and copying', () => {
        const size = { rows: 100, cols: 5, pageRows: 10 };

        it('moves with the arrows, pages and Home/End as a spreadsheet does, growing with Shift', () => {
            let sel = moveSelection(undefined, { key: 'ArrowDown', shift: false, ctrl: false }, size);
            assert.deepStrictEqual(sel, { anchor: { row: 0, col: 0 }, focus: { row: 0, col: 0 } }, 'the first key selects the first cell');
            sel = moveSelection(sel, { key: 'ArrowRight', shift: false, ctrl: false }, size);
            sel = moveSelection(sel, { key: 'PageDown', shift: true, ctrl: false }, size);
            assert.deepStrictEqual(bounds(sel!), { top: 0, bottom: 10, left: 1, right: 1 });
            sel = moveSelection(sel, { key: 'End', shift: false, ctrl: true }, size);
            assert.deepStrictEqual(sel, { anchor: { row: 99, col: 4 }, focus: { row: 99, col: 4 } }, 'Ctrl+End: the last cell');
            sel = moveSelection(sel, { key: 'Home', shift: true, ctrl: false }, size);
            assert.deepStrictEqual(bounds(sel!), { top: 99, bottom: 99, left: 0, right: 4 }, 'Shift+Home: the row');
            sel = moveSelection(sel, { key: 'ArrowDown', shift: false, ctrl: false }, size);
            assert.deepStrictEqual(sel?.focus, { row: 99, col: 0 }, 'stays in the table');
            sel = moveSelection(sel, { key: 'ArrowUp', shift: false, ctrl: true }, size);
            assert.deepStrictEqual(sel?.focus, { row: 0, col: 0 });
            assert.strictEqual(moveSelection(sel, { key: 'x', shift: false, ctrl: false }, size), undefined);
            assert.strictEqual(moveSelection(sel, { key: 'ArrowDown', shift: false, ctrl: false }, { rows: 0, cols: 5, pageRows: 10 }), undefined);
            assert.deepStrictEqual(bounds(selectAll(size)!), { top: 0, bottom: 99, left: 0, right: 4 });
        });

        it('copies as tab-separated text: NA as NA, quoted fields with tabs, line breaks or quotes', () => {
            assert.strictEqual(
                toTsv([
                    ['1.5', null, ''],
                    ['a\tb', 'say "hi"', { error: 'format() failed' }],
                    ['two\nlines', 'x', 'y'],
                ]),
                '1.5\tNA\t\n"a\tb"\t"say ""hi"""\t\n"two\nlines"\tx\ty',
            );
            assert.strictEqual(toTsv([['1']], ['my col']), 'my col\n1');
            assert.strictEqual(tsvField('plain'), 'plain');
        });

        it('fetches rows to copy in requests of MAX_DATA_VIEW_ROWS', () => {
            assert.strictEqual(COPY_CHUNK_ROWS, MAX_DATA_VIEW_ROWS);
        });
    });

    describe('cells, headers and filters in words', () => {
        it('tells NA, NaN, infinities, empty strings and failed cells apart (NaN only in numbers)', () => {
            assert.strictEqual(cellKind(null, 'character'), 'na');
            assert.strictEqual(cellKind('NaN', 'number'), 'nan');
            assert.strictEqual(cellKind('NaN', 'character'), 'value', 'the string "NaN" is a string');
            assert.strictEqual(cellKind('-Inf', 'number'), 'inf');
            assert.strictEqual(cellKind('', 'character'), 'empty');
            assert.strictEqual(cellKind({ error: 'x' }, 'other'), 'error');
            assert.strictEqual(cellKind('3', 'integer'), 'value');
            assert.deepStrictEqual([null, '', 'x'].map((v) => cellText(v)), ['NA', '""', 'x']);
        });

        it('labels column types as tibble does', () => {
            assert.deepStrictEqual(
                [
                    { type: 'number', class: ['numeric'] },
                    { type: 'integer', class: ['integer'] },
                    { type: 'character', class: ['character'] },
                    { type: 'factor', class: ['factor'] },
                    { type: 'factor', class: ['ordered', 'factor'] },
                    { type: 'date', class: ['Date'] },
                    { type: 'datetime', class: ['POSIXct', 'POSIXt'] },
                    { type: 'other', class: ['difftime'] },
                ].map(typeLabel),
                ['dbl', 'int', 'chr', 'fct', 'ord', 'date', 'dttm', 'difftime'],
            );
        });

        it('offers the filters that fit a column, and says a filter as its chip shows it', () => {
            assert.ok(filterOps('number').includes('between'));
            assert.ok(!filterOps('number').includes('contains'));
            assert.deepStrictEqual(filterOps('factor')[0], 'in');
            assert.ok(filterOps('character').includes('regex'));
            assert.deepStrictEqual(filterOps('list'), ['isNA', 'notNA']);
            assert.strictEqual(describeFilter({ column: 0, op: 'gt', value: 20 }, 'mpg', 'number'), 'mpg > 20');
            assert.strictEqual(describeFilter({ column: 0, op: 'between', value: 1, value2: 2 }, 'wt', 'number'), 'wt between 1 and 2');
            assert.strictEqual(describeFilter({ column: 0, op: 'contains', value: 'Merc', ignoreCase: true }, 'name', 'character'), 'name contains "Merc" (any case)');
            assert.strictEqual(describeFilter({ column: 0, op: 'in', values: ['a', 'b'] }, 'grp', 'factor'), 'grp is one of "a", "b"');
            assert.strictEqual(describeFilter({ column: 0, op: 'isNA' }, 'x', 'number'), 'x is NA');
            assert.strictEqual(describeFilter({ column: 0, op: 'regex', value: '^M' }, 'name', 'character'), 'name matches /^M/');
        });

        it('reads a typed operand as the server wants it', () => {
            assert.strictEqual(parseOperand(' 20.5 ', 'number'), 20.5);
            assert.strictEqual(parseOperand('abc', 'number'), undefined);
            assert.strictEqual(parseOperand('Inf', 'number'), undefined, 'JSON has no infinities');
            assert.strictEqual(parseOperand('TRUE', 'logical'), true);
            assert.strictEqual(parseOperand('f', 'logical'), false);
            assert.strictEqual(parseOperand(' Merc', 'character'), ' Merc', 'text is kept as typed');
        });

        it('sorts on header clicks: ascending, descending, none; Shift adds, turns and removes keys', () => {
            let keys = nextSort([], 0, false);
            assert.deepStrictEqual(keys, [{ column: 0, descending: false }]);
            keys = nextSort(keys, 0, false);
            assert.deepStrictEqual(keys, [{ column: 0, descending: true }]);
            assert.deepStrictEqual(nextSort(keys, 0, false), []);
            keys = nextSort([{ column: 1, descending: false }], 0, true);
            assert.deepStrictEqual(keys, [
                { column: 1, descending: false },
                { column: 0, descending: false },
            ]);
            keys = nextSort(keys, 0, true);
            assert.deepStrictEqual(keys[1], { column: 0, descending: true });
            assert.deepStrictEqual(nextSort(keys, 0, true), [{ column: 1, descending: false }]);
            assert.deepStrictEqual(nextSort(keys, 2, false), [{ column: 2, descending: false }], 'a click without Shift sorts by that column alone');
        });

        it('says counts and statistics briefly', () => {
            assert.strictEqual(countsText(12, 1_000_000, 1), '12 of 1,000,000 rows · 1 column');
            assert.strictEqual(formatStat(20.090625), '20.09');
            assert.strictEqual(formatStat(32), '32');
            assert.strictEqual(formatStat(0.0000123), '1.230e-5');
            assert.strictEqual(formatStat(undefined), '—');
        });
    });

    describe('what View Data can show', () => {
        const v = (type: string, cls: string[], dim?: number[]): Pick<Variable, 'name' | 'type' | 'class' | 'dim' | 'pending'> => ({ name: 'x', type, class: cls, dim });

        it('shows data frames, matrices, tables, vectors and factors', () => {
            for (const value of [
                v('list', ['data.frame']),
                v('list', ['tbl_df', 'tbl', 'data.frame']),
                v('double', ['matrix', 'array'], [3, 2]),
                v('integer', ['table'], [3]),
                v('integer', ['table'], [2, 2]),
                v('character', ['character']),
                v('integer', ['factor']),
                v('double', ['Date']),
                v('list', ['matrix', 'array'], [2, 2]),
            ]) {
                assert.deepStrictEqual(viewability(value), { ok: true }, JSON.stringify(value));
            }
        });

        it('explains the others', () => {
            const reason = (value: ReturnType<typeof v>) => {
                const verdict = viewability(value);
                return verdict.ok ? 'viewable' : verdict.reason;
            };
            assert.match(reason(v('list', ['list'])), /x is a list, not a table: expand it in the Variables view/);
            assert.match(reason(v('environment', ['R6', 'Counter'])), /environment/);
            assert.match(reason(v('closure', ['function'])), /function/);
            assert.match(reason(v('double', ['array'], [2, 2, 2])), /3 dimensions.*x\[, , 1\]/);
            assert.match(reason(v('NULL', ['NULL'])), /NULL/);
            assert.match(reason(v('S4', ['Person'])), /S4/);
            assert.match(reason({ name: 'x', type: '', class: [], pending: true }), /still being described/);
        });
    });
});
