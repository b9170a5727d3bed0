/**
 * View(x) in the command-line client (cli/table.ts): the table's layout,
 * NA and long cells, and columns cut to the terminal's width.
 */
import * as assert from 'assert';
import { formatTable } from '../../cli/table';
import type { DataViewInfo, DataViewRowsResult, DataViewSchemaResult } from '../../common/protocol';

const view: DataViewInfo = { viewId: '1', title: 'd', rows: 3, totalRows: 3, columns: 3, class: ['data.frame'] };
const schema: DataViewSchemaResult = {
    rowNames: false,
    columns: [
        { index: 0, name: 'n', type: 'number', class: ['numeric'] },
        { index: 1, name: 'label', type: 'character', class: ['character'] },
        { index: 2, name: 'z', type: 'integer', class: ['integer'] },
    ],
};
const rows: DataViewRowsResult = {
    start: 0,
    total: 3,
    columns: [0, 1, 2],
    rowNames: ['1', '2', '3'],
    values: [
        ['1.5', null, '10'],
        ['a', 'a very long label that goes on and on', ''],
        ['1', '2', { error: 'cannot format' }],
    ],
};

describe('View() in the command-line client', () => {
    it('lays out the rows with numbers to the right, NA, cut cells and the row count', () => {
        assert.strictEqual(
            formatTable(view, schema, rows),
            [
                'View: d (3 × 3, data.frame)',
                '    n label                          z',
                '1 1.5 a                              1',
                '2  NA a very long label that …       2',
                '3  10                          <error>',
                '3 of 3 rows',
                '',
            ].join('\n'),
        );
    });

    it('leaves out the columns that do not fit, and names them', () => {
        const text = formatTable({ ...view, rows: 2, totalRows: 40 }, schema, rows, 12);
        assert.match(text, /^ {4}n$/m);
        assert.match(text, /3 of 2 \(filtered from 40\) rows; 2 more columns: label, z\n$/);
    });
});
