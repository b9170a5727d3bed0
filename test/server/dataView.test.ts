/**
 * The data viewer (r/dataView/*) with real R: View() and openVariable on
 * every kind of table; pages at the ends and the middle of a 1e6-row
 * frame; sorts and filters checked against R's own order() and subsets;
 * live refresh after data.table's := and df$x[1] <- v; no copy of the
 * viewed object (tracemem); busy answers; bad input.
 */
import * as assert from 'assert';
import type { DataColumnSummary, DataViewChangedParams, DataViewInfo, DataViewRowsResult, DataViewSchemaResult } from '../../common/protocol';
import { MAX_DATA_VIEW_ROWS } from '../../common/protocol';
import { clientsPerTest, WireClient } from '../support/wireClient';

const KEEP = ['r/dataView/open', 'r/dataView/changed', 'r/output'];

function opened(client: WireClient): DataViewInfo[] {
    return client.notifications.filter((n) => n.method === 'r/dataView/open').map((n) => n.params as DataViewInfo);
}

function changes(client: WireClient): DataViewChangedParams[] {
    return client.notifications.filter((n) => n.method === 'r/dataView/changed').map((n) => n.params as DataViewChangedParams);
}

async function ok<T>(client: WireClient, method: string, params: unknown): Promise<T> {
    const reply = await client.request<T>(method, params);
    assert.ok(reply.result !== undefined, `${method} ${JSON.stringify(params)} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
}

async function failure(client: WireClient, method: string, params: unknown): Promise<{ code: number; message: string }> {
    const reply = await client.request(method, params);
    assert.ok(reply.error, `${method} ${JSON.stringify(params)} should fail, got ${JSON.stringify(reply.result)}`);
    return reply.error;
}

/** A number R prints with cat(), read back from the execution's output. */
async function rValue(client: WireClient, code: string): Promise<string> {
    const result = await client.execute(`cat(${code})`);
    assert.strictEqual(result.status, 'ok', JSON.stringify(result));
    return client.textOf(result.executionId);
}

describe('data viewer (real R)', function () {
    this.timeout(120000);
    const start = clientsPerTest({ keep: KEEP });

    it('opens View(x) on every kind of table, before the answer of the execution', async () => {
        const client = await start();
        const code = [
            'df <- data.frame(n = c(1.5, NA, NaN, Inf, -Inf), s = c("a", NA, "", "long", "z"), f = factor(c("u", "v", NA, "u", "v")), d = as.Date("2024-01-01") + 0:4)',
            'View(df)',
            'View(tibble::tibble(a = 1:3, b = letters[1:3]))',
            'View(data.table::data.table(k = c("x", "y"), v = 1:2), "a data.table")',
            'View(matrix(1:6, 2, dimnames = list(c("r1", "r2"), c("A", "B", "C"))))',
            'View(matrix(c("p", "q"), 1))',
            'View(table(mtcars$cyl, mtcars$gear))',
            'View(c(b = 2, a = 1))',
            'View(factor(c("lo", "hi", "lo")))',
        ].join('\n');
        const reply = await client.executeReply({ code });
        const result = reply.result!;
        assert.strictEqual(result.status, 'ok', JSON.stringify(result));
        const views = opened(client);
        // Every r/dataView/open came on the wire before the answer of the execution that called View().
        const seqs = client.notifications.filter((n) => n.method === 'r/dataView/open').map((n) => n.seq);
        assert.ok(seqs.length === 8 && seqs.every((seq) => seq < reply.seq), `r/dataView/open at ${seqs.join(',')}, the answer at ${reply.seq}`);
        assert.deepStrictEqual(
            views.map((v) => `${v.title} ${v.rows}x${v.columns} ${v.class[0]}`),
            [
                'df 5x4 data.frame',
                'tibble::tibble(a = 1:3, b = letters[1:3]) 3x2 tbl_df',
                'a data.table 2x2 data.table',
                'matrix(1:6, 2, dimnames = list(c("r1", "r2"), c("A", "B", "C"))) 2x3 matrix',
                'matrix(c("p", "q"), 1) 1x2 matrix',
                'table(mtcars$cyl, mtcars$gear) 3x3 table',
                'c(b = 2, a = 1) 2x1 numeric',
                'factor(c("lo", "hi", "lo")) 3x1 factor',
            ],
        );
        assert.ok(views.every((v) => v.executionId === result.executionId));
        // NA as null; NaN, Inf, -Inf as words; an empty string as itself.
        const df = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: views[0].viewId, start: 0, count: 10 });
        assert.deepStrictEqual(df.values.slice(0, 3), [
            ['1.5', null, 'NaN', 'Inf', '-Inf'],
            ['a', null, '', 'long', 'z'],
            ['u', 'v', null, 'u', 'v'],
        ]);
        assert.deepStrictEqual(df.values[3], ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05']);
        const schema = await ok<DataViewSchemaResult>(client, 'r/dataView/schema', { viewId: views[0].viewId });
        assert.deepStrictEqual(
            schema.columns.map((c) => `${c.name}:${c.type}`),
            ['n:number', 's:character', 'f:factor', 'd:date'],
        );
        assert.strictEqual(schema.rowNames, false);
        const matrix = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: views[3].viewId, start: 0, count: 5 });
        assert.deepStrictEqual(matrix.rowNames, ['r1', 'r2']);
        assert.deepStrictEqual(matrix.values, [['1', '2'], ['3', '4'], ['5', '6']]);
        const table = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: views[5].viewId, start: 0, count: 5 });
        assert.deepStrictEqual(table.rowNames, ['4', '6', '8']);
        assert.deepStrictEqual(table.values[0], ['1', '2', '12']);
        const named = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: views[6].viewId, start: 0, count: 5 });
        assert.deepStrictEqual([named.rowNames, named.values], [['b', 'a'], [['2', '1']]]);
        const factor = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: views[7].viewId, start: 0, count: 5 });
        assert.deepStrictEqual(factor.values, [['lo', 'hi', 'lo']]);
    });

    it('says clearly what it cannot show, and the code goes on', async () => {
        const client = await start();
        const result = await client.execute('View(list(1, 2)); View(new.env()); View(array(1:8, c(2, 2, 2))); cat("after\\n")');
        assert.strictEqual(result.status, 'ok');
        assert.strictEqual(opened(client).length, 0);
        const err = client.textOf(result.executionId, 'stderr');
        assert.match(err, /View\(\): the data viewer shows data frames, matrices, tables and vectors; this is a list/);
        assert.match(err, /this is an environment/);
        assert.match(err, /an array of 3 dimensions/);
        assert.strictEqual(client.textOf(result.executionId), 'after\n');
        const variable = await failure(client, 'r/dataView/openVariable', { path: ['nothing'] });
        assert.match(variable.message, /no variable named 'nothing'/);
    });

    it('pages a 1e6-row frame at its start, middle and end', async () => {
        const client = await start();
        await client.execute('big <- data.frame(i = seq_len(1e6), s = paste0("row", seq_len(1e6)))');
        const view = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['big'] });
        assert.deepStrictEqual([view.title, view.rows, view.columns], ['big', 1e6, 2]);
        const first = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 0, count: 100 });
        assert.deepStrictEqual([first.values[0][0], first.values[1][99], first.rowNames[0], first.total], ['1', 'row100', '1', 1e6]);
        const middle = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 500000, count: 100, columns: [1] });
        assert.deepStrictEqual([middle.columns, middle.values[0][0], middle.rowNames[0]], [[1], 'row500001', '500001']);
        const end = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 999950, count: 100 });
        assert.strictEqual(end.values[0].length, 50, 'a page past the end is cut at the end');
        assert.strictEqual(end.values[1][49], 'row1000000');
        const past = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 2e6, count: 10 });
        assert.deepStrictEqual(past.values, [[], []]);
        // A count above the cap (MAX_DATA_VIEW_ROWS) is cut to it: one page of 1,000 rows, not an error.
        const capped = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 10, count: 5000 });
        assert.deepStrictEqual([capped.values[0].length, capped.values[1].length, capped.rowNames.length], [MAX_DATA_VIEW_ROWS, MAX_DATA_VIEW_ROWS, MAX_DATA_VIEW_ROWS]);
        assert.deepStrictEqual([capped.rowNames[0], capped.rowNames[MAX_DATA_VIEW_ROWS - 1], capped.total], ['11', String(10 + MAX_DATA_VIEW_ROWS), 1e6]);
    });

    it("sorts and filters as R's own order() and subsets do, combined", async () => {
        const client = await start();
        await client.execute('set.seed(7); t <- data.frame(a = sample(c(1:50, NA), 500, TRUE), b = sample(c(letters, NA), 500, TRUE), g = factor(sample(c("x", "y", "z"), 500, TRUE)))');
        const view = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['t'] });
        const all = async () => (await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 0, count: 1000 })).rowNames.join(',');
        await ok(client, 'r/dataView/sort', { viewId: view.viewId, keys: [{ column: 1 }, { column: 0, descending: true }] });
        assert.strictEqual(await all(), await rValue(client, 'paste(order(t$b, t$a, decreasing = c(FALSE, TRUE), method = "radix"), collapse = ",")'));
        const total = await ok<{ total: number }>(client, 'r/dataView/filter', {
            viewId: view.viewId,
            filters: [
                { column: 0, op: 'between', value: 10, value2: 30 },
                { column: 2, op: 'in', values: ['x', 'z'] },
            ],
        });
        const expected = await rValue(
            client,
            'local({ k <- which(!is.na(t$a) & t$a >= 10 & t$a <= 30 & t$g %in% c("x", "z")); o <- k[order(t$b[k], t$a[k], decreasing = c(FALSE, TRUE), method = "radix")]; paste(o, collapse = ",") })',
        );
        assert.strictEqual(total.total, expected.split(',').length);
        assert.strictEqual(await all(), expected);
        // Text filters, NA filters; an empty list clears.
        for (const [filter, rCode] of [
            [{ column: 1, op: 'isNA' }, 'which(is.na(t$b))'],
            [{ column: 1, op: 'regex', value: '^[a-c]$' }, 'which(grepl("^[a-c]$", t$b) & !is.na(t$b))'],
            [{ column: 1, op: 'startsWith', value: 'Q', ignoreCase: true }, 'which(t$b %in% "q")'],
            [{ column: 0, op: 'lt', value: 5 }, 'which(t$a < 5)'],
        ] as const) {
            await ok(client, 'r/dataView/sort', { viewId: view.viewId, keys: [] });
            await ok(client, 'r/dataView/filter', { viewId: view.viewId, filters: [filter] });
            assert.strictEqual(await all(), await rValue(client, `paste(${rCode}, collapse = ",")`), JSON.stringify(filter));
        }
        assert.strictEqual((await ok<{ total: number }>(client, 'r/dataView/filter', { viewId: view.viewId, filters: [] })).total, 500);
    });

    it('summarises a column', async () => {
        const client = await start();
        await client.execute('s <- data.frame(x = c(1, 2, 3, 4, NA), w = c("a", "b", "a", NA, "a"))');
        const view = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['s'] });
        const x = await ok<Record<string, unknown>>(client, 'r/dataView/summary', { viewId: view.viewId, column: 0 });
        assert.deepStrictEqual([x.naCount, x.distinct, x.min, x.max, x.mean, x.median, x.quartiles], [1, 4, '1', '4', 2.5, 2.5, [1.75, 2.5, 3.25]]);
        assert.ok((x.histogram as { counts: number[] }).counts.reduce((a, b) => a + b) === 4);
        const w = await ok<Record<string, unknown>>(client, 'r/dataView/summary', { viewId: view.viewId, column: 1 });
        assert.deepStrictEqual([w.naCount, w.distinct, w.top], [1, 2, [{ value: 'a', count: 3 }, { value: 'b', count: 1 }]]);
        assert.strictEqual(x.sample, undefined, 'a small column is summarised whole');
    });

    it('summarises a column of more than 100,000 rows from an evenly spaced sample, and says so', async () => {
        const client = await start();
        // Every fourth value NA; the text's 200,000 distinct values only a sample can keep within bounds.
        await client.execute('huge <- data.frame(x = ifelse(seq_len(2e6) %% 4 == 0, NA, seq_len(2e6)), s = paste0("k", seq_len(2e6) %% 2e5)); edge <- data.frame(x = seq_len(1e5))');
        const view = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['huge'] });
        const x = await ok<DataColumnSummary>(client, 'r/dataView/summary', { viewId: view.viewId, column: 0 });
        assert.deepStrictEqual([x.rows, x.sample], [2e6, 1e5], 'the rows of the object, and the size of the sample');
        const sampled = await rValue(client, 'local({ v <- huge$x[floor(seq(1, 2e6, length.out = 1e5))]; length(unique(v[!is.na(v)])) })');
        assert.strictEqual(x.distinct, Number(sampled), 'distinct values are counted in the sample');
        assert.strictEqual(x.naCount, 5e5, 'the NA count is of all rows');
        // The range too: the largest value, 1999999, falls between the rows of the sample.
        assert.deepStrictEqual([x.min, x.max, x.exactRange], ['1', '1999999', true], 'min and max of all rows');
        assert.ok(Math.abs(x.median! - 1e6) < 1e4, `the median of the sample is near the whole's: ${x.median}`);
        const sampledNA = Number(await rValue(client, 'sum(is.na(huge$x[floor(seq(1, 2e6, length.out = 1e5))]))'));
        assert.strictEqual(x.histogram!.counts.reduce((a, b) => a + b), 1e5 - sampledNA, 'the histogram holds the sample');
        const s = await ok<DataColumnSummary>(client, 'r/dataView/summary', { viewId: view.viewId, column: 1 });
        assert.deepStrictEqual([s.rows, s.sample, s.naCount], [2e6, 1e5, 0]);
        assert.ok(s.distinct! <= 1e5 && s.top!.length === 10, `distinct ${s.distinct}`);
        // Up to 100,000 rows, the whole column.
        const edge = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['edge'] });
        const whole = await ok<DataColumnSummary>(client, 'r/dataView/summary', { viewId: edge.viewId, column: 0 });
        assert.deepStrictEqual([whole.rows, whole.sample, whole.distinct], [1e5, undefined, 1e5]);
    });

    it('refreshes after df$x[1] <- v and data.table :=, keeps sort and filter, and says when the object goes', async () => {
        const client = await start();
        await client.execute('df <- data.frame(x = c(3, 1, 2)); library(data.table); dt <- data.table(a = 1:3)');
        const view = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['df'] });
        await ok(client, 'r/dataView/sort', { viewId: view.viewId, keys: [{ column: 0 }] });
        await client.execute('df$x[1] <- 0');
        await client.waitFor(() => changes(client).length > 0, 10000, 'r/dataView/changed');
        assert.deepStrictEqual(changes(client)[0], { viewId: view.viewId, rows: 3, totalRows: 3, columns: 1, schemaChanged: false });
        const sorted = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 0, count: 10 });
        assert.deepStrictEqual(sorted.values, [['0', '1', '2']], 'still sorted, with the new value');
        const dt = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['dt'] });
        await client.execute('dt[, b := a * 2L]');
        await client.waitFor(() => changes(client).some((c) => c.viewId === dt.viewId), 10000, 'the data.table view to change');
        assert.deepStrictEqual(changes(client).find((c) => c.viewId === dt.viewId), { viewId: dt.viewId, rows: 3, totalRows: 3, columns: 2, schemaChanged: true });
        const rows = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: dt.viewId, start: 0, count: 10 });
        assert.deepStrictEqual(rows.values, [['1', '2', '3'], ['2', '4', '6']]);
        await client.execute('rm(df)');
        await client.waitFor(() => changes(client).some((c) => c.removed), 10000, 'the removal');
        assert.match(changes(client).find((c) => c.removed)!.reason ?? '', /no variable named 'df'/);
        await client.request('r/restart', {});
        const gone = changes(client).filter((c) => c.viewId === dt.viewId && c.removed);
        assert.strictEqual(gone.length, 1);
        assert.match(gone[0].reason ?? '', /R was restarted/);
        assert.match((await failure(client, 'r/dataView/rows', { viewId: dt.viewId, start: 0, count: 1 })).message, /closed \(or R was restarted\)/);
    });

    it('never makes R copy the viewed object (tracemem)', async () => {
        const client = await start();
        // More than 100,000 values: the summary takes its sampled path, with its passes over the whole vector.
        await client.execute('big <- runif(2e5); invisible(tracemem(big))');
        const a = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['big'] });
        await client.execute('View(big)');
        const b = opened(client)[0];
        const copies = async (code: string) => {
            const result = await client.execute(code);
            assert.strictEqual(result.status, 'ok');
            return (client.textOf(result.executionId) + client.textOf(result.executionId, 'stderr')).match(/tracemem\[/g)?.length ?? 0;
        };
        // The test can fail: a reference R keeps makes the next change copy.
        assert.strictEqual(await copies('held <- big; big[1] <- 0; rm(held)'), 1);
        for (const id of [a.viewId, b.viewId]) {
            await ok(client, 'r/dataView/schema', { viewId: id });
            await ok(client, 'r/dataView/rows', { viewId: id, start: 0, count: 100 });
            await ok(client, 'r/dataView/sort', { viewId: id, keys: [{ column: 0, descending: true }] });
            await ok(client, 'r/dataView/filter', { viewId: id, filters: [{ column: 0, op: 'gt', value: 0.5 }] });
            await ok(client, 'r/dataView/filter', { viewId: id, filters: [{ column: 0, op: 'contains', value: '5' }, { column: 0, op: 'notNA' }] });
            await ok(client, 'r/dataView/summary', { viewId: id, column: 0 });
            await ok(client, 'r/dataView/rows', { viewId: id, start: 10, count: 100 });
        }
        assert.strictEqual(await copies('big[2] <- 0'), 0, 'big was not copied');
        // And after the refresh that change caused.
        assert.strictEqual(await copies('big[3] <- 0'), 0, 'big was not copied after its refresh');
    });

    it('never makes R copy a data.table sorted and changed with :=, or data frames filtered by text and factor columns (tracemem)', async () => {
        const client = await start();
        const copies = async (code: string) => {
            const result = await client.execute(code);
            assert.strictEqual(result.status, 'ok', JSON.stringify(result));
            return (client.textOf(result.executionId) + client.textOf(result.executionId, 'stderr')).match(/tracemem\[/g)?.length ?? 0;
        };
        await client.execute(
            'library(data.table); set.seed(3); dtm <- data.table(a = runif(1e4), b = seq_len(1e4)); invisible(tracemem(dtm))\n' +
                'chr <- data.frame(s = sample(c(letters, NA), 1e4, TRUE), n = runif(1e4)); fac <- data.frame(g = factor(sample(c("x", "y", "z", NA), 1e4, TRUE)))\n' +
                'invisible(tracemem(chr)); invisible(tracemem(fac))',
        );
        // What one change costs with nothing viewed ($<- of a data frame copies the frame once), and that a reference held makes it more.
        await copies('chr$n[1] <- 0; fac$g[1] <- "x"');
        const chrAlone = await copies('chr$n[2] <- 0');
        const facAlone = await copies('fac$g[2] <- "y"');
        assert.ok(chrAlone < (await copies('held <- chr; chr$n[3] <- 0; rm(held)')), 'a reference held shows as a copy');
        // The data.table: View() inside a function (a promise), sorted, changed with := while viewed, sorted again.
        await client.execute('viewed_in <- function(d) View(d); viewed_in(dtm)');
        const dt = opened(client)[0];
        await ok(client, 'r/dataView/sort', { viewId: dt.viewId, keys: [{ column: 0, descending: true }] });
        await ok(client, 'r/dataView/rows', { viewId: dt.viewId, start: 0, count: 100 });
        assert.strictEqual(await copies('dtm[, c := a * 2]'), 0, ':= adds a column in place');
        await client.waitFor(() => changes(client).some((c) => c.viewId === dt.viewId), 10000, 'the data.table view to refresh');
        assert.strictEqual(await copies('dtm[1L, a := 0]'), 0, ':= changes a value in place');
        await ok(client, 'r/dataView/sort', { viewId: dt.viewId, keys: [{ column: 2 }, { column: 0, descending: true }] });
        await ok(client, 'r/dataView/summary', { viewId: dt.viewId, column: 0 });
        assert.strictEqual(await copies('dtm[2L, a := 1]'), 0, 'still none after the sort and summary of the changed data.table');
        // Text filters on a character column, `in` on a factor column.
        const chr = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['chr'] });
        await client.execute('View(fac)');
        const fac = opened(client)[1];
        for (const filters of [
            [{ column: 0, op: 'contains', value: 'a' }],
            [{ column: 0, op: 'contains', value: 'B', ignoreCase: true }, { column: 1, op: 'gt', value: 0.5 }],
            [{ column: 0, op: 'regex', value: '^[a-f]$' }],
            [{ column: 0, op: 'startsWith', value: 'q' }],
        ]) {
            await ok(client, 'r/dataView/filter', { viewId: chr.viewId, filters });
            await ok(client, 'r/dataView/rows', { viewId: chr.viewId, start: 0, count: 100 });
        }
        await ok(client, 'r/dataView/sort', { viewId: chr.viewId, keys: [{ column: 0 }] });
        await ok(client, 'r/dataView/summary', { viewId: chr.viewId, column: 0 });
        await ok(client, 'r/dataView/filter', { viewId: fac.viewId, filters: [{ column: 0, op: 'in', values: ['x', 'z'] }] });
        await ok(client, 'r/dataView/sort', { viewId: fac.viewId, keys: [{ column: 0, descending: true }] });
        await ok(client, 'r/dataView/rows', { viewId: fac.viewId, start: 0, count: 100 });
        await ok(client, 'r/dataView/summary', { viewId: fac.viewId, column: 0 });
        assert.strictEqual(await copies('chr$n[4] <- 0'), chrAlone, 'chr: no copy beyond what the change itself makes');
        assert.strictEqual(await copies('fac$g[3] <- "z"'), facAlone, 'fac: no copy beyond what the change itself makes');
        // And after the refreshes those changes caused (the filters applied again).
        await client.waitFor(() => changes(client).some((c) => c.viewId === fac.viewId), 10000, 'the factor view to refresh');
        assert.strictEqual(await copies('chr$n[5] <- 0'), chrAlone, 'chr after its refresh');
        assert.strictEqual(await copies('fac$g[4] <- "x"'), facAlone, 'fac after its refresh');
    });

    it('answers at once with RBusyError while R runs code, and serves again after', async () => {
        const client = await start();
        await client.execute('w <- data.frame(a = 1:3)');
        const view = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['w'] });
        const running = client.executeReply({ code: 'Sys.sleep(2)' });
        const t0 = Date.now();
        for (const [method, params] of [
            ['r/dataView/rows', { viewId: view.viewId, start: 0, count: 3 }],
            ['r/dataView/openVariable', { path: ['w'] }],
            ['r/dataView/sort', { viewId: view.viewId, keys: [{ column: 0, descending: true }] }],
            ['r/dataView/filter', { viewId: view.viewId, filters: [{ column: 0, op: 'gt', value: 1 }] }],
            ['r/dataView/summary', { viewId: view.viewId, column: 0 }],
            ['r/dataView/schema', { viewId: view.viewId }],
        ] as const) {
            const busy = await failure(client, method, params);
            assert.strictEqual(busy.code, -32801, `${method}: ${busy.message}`);
        }
        assert.ok(Date.now() - t0 < 1500, `answered before the execution ended (${Date.now() - t0} ms)`);
        assert.strictEqual((await running).result?.status, 'ok');
        // Nothing of what came back busy was applied: no sort, no filter.
        const rows = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 0, count: 3 });
        assert.deepStrictEqual([rows.total, rows.values], [3, [['1', '2', '3']]]);
    });

    it('answers bad input with clear errors and stays responsive', async () => {
        const client = await start();
        await client.execute(
            'format.slow <- function(x, ...) { t <- Sys.time(); while (Sys.time() - t < 5) NULL; rep("x", length(x)) }; format.broken <- function(x, ...) stop("cannot format this")\n' +
                '`[.slow` <- function(x, i) structure(unclass(x)[i], class = "slow"); `[.broken` <- function(x, i) structure(unclass(x)[i], class = "broken")\n' +
                'b <- structure(list(n = 1:3, slow = structure(1:3, class = "slow"), broken = structure(1:3, class = "broken")), class = "data.frame", row.names = 1:3)',
        );
        const view = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['b'] });
        assert.strictEqual((await failure(client, 'r/dataView/rows', { viewId: '99', start: 0, count: 1 })).code, -32602);
        assert.strictEqual((await failure(client, 'r/dataView/rows', { viewId: view.viewId, start: -1, count: 1 })).code, -32602);
        assert.match((await failure(client, 'r/dataView/rows', { viewId: view.viewId, start: 0, count: 1, columns: [7] })).message, /there is no column 7/);
        assert.match((await failure(client, 'r/dataView/sort', { viewId: view.viewId, keys: [{ column: 9 }] })).message, /there is no column 9/);
        assert.match(
            (await failure(client, 'r/dataView/filter', { viewId: view.viewId, filters: [{ column: 0, op: 'gt', value: 'abc' }] })).message,
            /needs a number, not 'abc'/,
        );
        assert.match(
            (await failure(client, 'r/dataView/filter', { viewId: view.viewId, filters: [{ column: 0, op: 'regex', value: '(' }] })).message,
            /the regular expression does not compile/,
        );
        assert.match((await failure(client, 'r/dataView/filter', { viewId: view.viewId, filters: [{ column: 0, op: 'near' }] })).message, /'op' must be one of/);
        const t0 = Date.now();
        const rows = await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 0, count: 3 });
        assert.ok(Date.now() - t0 < 4000, `a slow format() is stopped (${Date.now() - t0} ms)`);
        assert.deepStrictEqual(rows.values[0], ['1', '2', '3']);
        assert.match((rows.values[1][0] as { error: string }).error, /format\(\) took longer than 1 s/);
        assert.match((rows.values[2][0] as { error: string }).error, /cannot format this/);
        assert.strictEqual((await client.execute('1 + 1')).status, 'ok');
    });

    it('drops the sort and filter when a column they use goes, and keeps them when their columns stay', async () => {
        const client = await start();
        await client.execute('g <- data.frame(a = c(3, 1, 2, 5, 4), b = c("p", "q", "p", "r", "q"), c = c(10, 50, 20, 40, 30))');
        const view = await ok<DataViewInfo>(client, 'r/dataView/openVariable', { path: ['g'] });
        const page = async () => (await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 0, count: 10 })).rowNames.join(',');
        const changed = async (code: string) => {
            const before = changes(client).length;
            assert.strictEqual((await client.execute(code)).status, 'ok');
            await client.waitFor(() => changes(client).length > before, 10000, `r/dataView/changed after ${code}`);
            return changes(client)[before];
        };
        // Sorted by c descending, filtered to b in (p, q): rows 2, 5, 3, 1.
        await ok(client, 'r/dataView/sort', { viewId: view.viewId, keys: [{ column: 2, descending: true }] });
        assert.strictEqual((await ok<{ total: number }>(client, 'r/dataView/filter', { viewId: view.viewId, filters: [{ column: 1, op: 'in', values: ['p', 'q'] }] })).total, 4);
        assert.strictEqual(await page(), '2,5,3,1');
        // A new last column: the sort and filter stay (the schema changed).
        assert.deepStrictEqual(await changed('g$d <- 1:5'), { viewId: view.viewId, rows: 4, totalRows: 5, columns: 4, schemaChanged: true });
        assert.strictEqual(await page(), '2,5,3,1', 'still sorted and filtered');
        // The sort's column goes (it was the last but one; no column takes its index by name): both dropped.
        assert.deepStrictEqual(await changed('g$c <- NULL'), { viewId: view.viewId, rows: 5, totalRows: 5, columns: 3, schemaChanged: true });
        assert.strictEqual(await page(), '1,2,3,4,5', "the object's own order, every row");
        // Sorted by b, then a column before it goes: index 1 is now another column, so the sort is dropped rather than moved to it.
        await ok(client, 'r/dataView/sort', { viewId: view.viewId, keys: [{ column: 1, descending: true }] });
        assert.strictEqual(await page(), '4,2,5,1,3');
        assert.deepStrictEqual(await changed('g$a <- NULL'), { viewId: view.viewId, rows: 5, totalRows: 5, columns: 2, schemaChanged: true });
        assert.strictEqual(await page(), '1,2,3,4,5');
        // A sort R keeps through a change of values only: not dropped, not reported as a schema change.
        await ok(client, 'r/dataView/sort', { viewId: view.viewId, keys: [{ column: 0 }] });
        assert.deepStrictEqual(await changed('g$b[1] <- "z"'), { viewId: view.viewId, rows: 5, totalRows: 5, columns: 2, schemaChanged: false });
        assert.strictEqual(await page(), '3,2,5,4,1');
    });

    it('refuses View() of an active binding without reading it, and views a promise once R has forced it', async () => {
        const client = await start();
        const result = await client.execute(
            [
                'act_reads <- 0',
                'makeActiveBinding("act", function() { act_reads <<- act_reads + 1; data.frame(a = 1:3) }, globalenv())',
                'View(act)',
                'local({ makeActiveBinding("near", function() { act_reads <<- act_reads + 1; 1:3 }, environment()); View(near) })',
                'cat(act_reads)',
            ].join('\n'),
        );
        assert.strictEqual(result.status, 'ok', JSON.stringify(result));
        assert.strictEqual(opened(client).length, 0, 'no view opened');
        assert.strictEqual(client.textOf(result.executionId), '0', 'neither binding was read');
        const err = client.textOf(result.executionId, 'stderr');
        assert.match(err, /View\(\): 'act' is an active binding: each read runs its function, so there is no table to follow\. Assign its value and view that: x <- act; View\(x\)/);
        assert.match(err, /'near' is an active binding/);
        assert.match((await failure(client, 'r/dataView/openVariable', { path: ['act'] })).message, /'act' is an active binding/);
        // A global promise not forced yet: View() forces it (as any use would) and follows the variable.
        const lazy = await client.execute('delayedAssign("lazy_df", { cat("forced\\n"); data.frame(a = 3:1) }); View(lazy_df)');
        assert.strictEqual(client.textOf(lazy.executionId), 'forced\n');
        const view = opened(client)[0];
        assert.deepStrictEqual([view.title, view.rows], ['lazy_df', 3]);
        await ok(client, 'r/dataView/sort', { viewId: view.viewId, keys: [{ column: 0 }] });
        assert.deepStrictEqual((await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: view.viewId, start: 0, count: 5 })).values, [['1', '2', '3']]);
        await client.execute('lazy_df$a[1] <- 9L');
        await client.waitFor(() => changes(client).some((c) => c.viewId === view.viewId), 10000, 'the view of lazy_df to follow it');
        // A function's argument, a promise of the global variable it was given: the view follows that variable.
        await client.execute('viewed_in <- function(d) View(d); arg_df <- data.frame(z = 1:2); viewed_in(arg_df)');
        const arg = opened(client)[1];
        assert.deepStrictEqual([arg.title, arg.rows], ['d', 2]);
        await client.execute('arg_df$z[1] <- 5L');
        await client.waitFor(() => changes(client).some((c) => c.viewId === arg.viewId), 10000, 'the view of d to follow arg_df');
        assert.deepStrictEqual((await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: arg.viewId, start: 0, count: 5 })).values, [['5', '2']]);
        // An argument that is an expression: its value is kept.
        await client.execute('viewed_in(head(arg_df, 1)); arg_df$z[2] <- 7L');
        const kept = opened(client)[2];
        assert.deepStrictEqual((await ok<DataViewRowsResult>(client, 'r/dataView/rows', { viewId: kept.viewId, start: 0, count: 5 })).values, [['5']]);
    });
});
