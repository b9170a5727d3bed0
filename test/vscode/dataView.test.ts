import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RBridgeApi } from '../../client/src/api';
import type { DataViewSnapshot } from '../../client/src/dataView/dataViews';
import type { ExecuteResult } from '../../common/protocol';
import { RBusyError } from '../../common/protocol';
import { PAGE_LOAD_MS, cursorAt, openR, rOk, readyR, reloadSilentPage, running, scratchDir, settled, waitUntil } from './helpers';

function command<T = unknown>(id: string, ...args: unknown[]): Thenable<T | undefined> {
    return vscode.commands.executeCommand<T | undefined>(id, ...args);
}

/** Waits for the open view with this title. */
function viewTitled(r: RBridgeApi, title: string): Promise<DataViewSnapshot> {
    return waitUntil(() => r.dataViews.list().find((v) => v.info.title === title), [r.dataViews.onDidChange], `a data view titled ${title}`);
}

/** Waits until a view's page shows what `accept` wants (its own report of what is on screen). */
function pageShows(r: RBridgeApi, viewId: string, accept: (v: DataViewSnapshot) => boolean, what: string, ms = PAGE_LOAD_MS): Promise<DataViewSnapshot> {
    const stop = reloadSilentPage(() => r.dataViews.get(viewId)?.shown === undefined, `the page of view ${viewId}`);
    return waitUntil(
        () => {
            const v = r.dataViews.get(viewId);
            return v && accept(v) ? v : undefined;
        },
        [r.dataViews.onDidChange],
        what,
        ms,
    )
        .catch((e: Error) => {
            throw new Error(`${e.message}; the view: ${JSON.stringify({ ...r.dataViews.get(viewId), lastRows: undefined, schema: undefined })}`);
        })
        .finally(stop);
}

/** What R computes, as JSON, through a file (the API's execute() returns no output). */
async function rValue<T>(r: RBridgeApi, expression: string): Promise<T> {
    const file = path.join(scratchDir('data-view'), `value-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
    await rOk(r, `writeLines(jsonlite::toJSON(${expression}, digits = NA), ${JSON.stringify(file)})`);
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function errorCodeOf(e: unknown): number | undefined {
    return typeof e === 'object' && e !== null && 'code' in e ? (e as { code: number }).code : undefined;
}

suite('Data viewer', () => {
    let r: RBridgeApi;
    let mtcarsView: string;

    suiteSetup(async () => {
        r = await readyR();
    });

    suiteTeardown(async () => {
        for (const v of r.dataViews.list()) r.dataViews.close(v.viewId);
        await rOk(r, 'suppressWarnings(rm(list = intersect(ls(), c("dv_list", "dv_people", "dv_busy", "dv_long", "dv_cols", "mtcars2"))))');
    });

    test('View(mtcars) run from an editor opens a grid beside it: 32 rows, 11 columns, the editor keeps the focus', async () => {
        const editor = await openR('view.R', ['View(mtcars)']);
        cursorAt(editor, 0);
        const result = await command<ExecuteResult>('rbridge.runSelection');
        assert.strictEqual(result?.status, 'ok', result?.error?.message);
        const view = await viewTitled(r, 'mtcars');
        mtcarsView = view.viewId;
        assert.strictEqual(view.tabTitle, 'View: mtcars');
        assert.deepStrictEqual([view.info.rows, view.info.totalRows, view.info.columns], [32, 32, 11]);
        const shown = await pageShows(r, view.viewId, (v) => v.shown?.complete === true && v.schema !== undefined, 'the page to show the rows of mtcars');
        assert.strictEqual(shown.shown?.counts, '32 of 32 rows · 11 columns', 'the header says n of N rows');
        assert.strictEqual(shown.shown?.firstRowName, 'Mazda RX4', 'the row names column');
        assert.deepStrictEqual(
            shown.schema?.columns.map((c) => c.name),
            ['mpg', 'cyl', 'disp', 'hp', 'drat', 'wt', 'qsec', 'vs', 'am', 'gear', 'carb'],
        );
        assert.strictEqual(shown.lastRows?.values.length, 11, 'the page asked for every column');
        assert.strictEqual(shown.lastRows?.values[0][0], '21.0', "mpg of the first row, as R's format() writes it");
        assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString(), 'the editor keeps the focus');
        assert.ok(shown.visible, 'the view is on screen');
    });

    test("sorting through the view's messages gives R's own order(), and the page shows it", async () => {
        // mpg ascending.
        assert.deepStrictEqual(await r.dataViews.request(mtcarsView, { method: 'sort', keys: [{ column: 0 }] }), { total: 32 });
        const byMpg = await r.dataViews.request(mtcarsView, { method: 'rows', start: 0, count: 32 });
        assert.deepStrictEqual(byMpg.rowNames, await rValue<string[]>(r, 'rownames(mtcars)[order(mtcars$mpg)]'));
        // cyl ascending, then mpg descending (a second key, as Shift+click adds it).
        await r.dataViews.request(mtcarsView, { method: 'sort', keys: [{ column: 1 }, { column: 0, descending: true }] });
        const expected = await rValue<string[]>(r, 'rownames(mtcars)[order(mtcars$cyl, -mtcars$mpg)]');
        const byCylMpg = await r.dataViews.request(mtcarsView, { method: 'rows', start: 0, count: 32 });
        assert.deepStrictEqual(byCylMpg.rowNames, expected);
        const view = r.dataViews.get(mtcarsView);
        assert.deepStrictEqual(view?.sort, [{ column: 1 }, { column: 0, descending: true }], 'the view keeps its sort');
        // The page was told, and shows the new order.
        await pageShows(r, mtcarsView, (v) => v.shown?.complete === true && v.shown.firstRowName === expected[0], `the page to show ${expected[0]} first`);
    });

    test('filters combine with each other and with the sort; a bad filter is refused and the view keeps its filter', async () => {
        const filters = [
            { column: 0, op: 'gt' as const, value: 20 },
            { column: 9, op: 'eq' as const, value: 4 },
        ];
        const { total } = await r.dataViews.request(mtcarsView, { method: 'filter', filters });
        const expected = await rValue<string[]>(r, 'local({ m <- mtcars[order(mtcars$cyl, -mtcars$mpg), ]; rownames(m)[m$mpg > 20 & m$gear == 4] })');
        assert.strictEqual(total, expected.length);
        const rows = await r.dataViews.request(mtcarsView, { method: 'rows', start: 0, count: 100 });
        assert.deepStrictEqual(rows.rowNames, expected);
        assert.strictEqual(rows.total, expected.length);
        await pageShows(
            r,
            mtcarsView,
            (v) => v.shown?.complete === true && v.shown.counts === `${expected.length} of 32 rows · 11 columns` && v.shown.firstRowName === expected[0],
            `the page to show ${expected.length} of 32 rows`,
        );
        // between, and is-NA.
        assert.deepStrictEqual(await r.dataViews.request(mtcarsView, { method: 'filter', filters: [{ column: 5, op: 'between', value: 3, value2: 3.5 }] }), {
            total: (await rValue<number[]>(r, 'sum(mtcars$wt >= 3 & mtcars$wt <= 3.5)'))[0],
        });
        assert.deepStrictEqual(await r.dataViews.request(mtcarsView, { method: 'filter', filters: [{ column: 0, op: 'isNA' }] }), { total: 0 });
        // A number filter with text is refused; the view keeps the filter it had.
        await r.dataViews.request(mtcarsView, { method: 'filter', filters });
        await assert.rejects(r.dataViews.request(mtcarsView, { method: 'filter', filters: [{ column: 0, op: 'gt', value: 'abc' }] }), /needs a number/);
        assert.deepStrictEqual(r.dataViews.get(mtcarsView)?.filters, filters);
        assert.strictEqual((await r.dataViews.request(mtcarsView, { method: 'rows', start: 0, count: 1 })).total, expected.length);
        // Cleared: every row again, in the object's order once the sort is cleared too.
        assert.deepStrictEqual(await r.dataViews.request(mtcarsView, { method: 'filter', filters: [] }), { total: 32 });
        assert.deepStrictEqual(await r.dataViews.request(mtcarsView, { method: 'sort', keys: [] }), { total: 32 });
        await pageShows(r, mtcarsView, (v) => v.shown?.complete === true && v.shown.firstRowName === 'Mazda RX4' && v.shown.rows === 32, 'the page back to the object order');
    });

    test('text, factor, NA, NaN, Inf and empty strings: their cells, text filters and a column summary', async () => {
        await rOk(
            r,
            'dv_people <- data.frame(name = c("Ann", "bob", "Cid", "", NA), grp = factor(c("a", "b", "a", "c", "b")), x = c(1.5, NaN, Inf, -Inf, NA), stringsAsFactors = FALSE); View(dv_people)',
        );
        const view = await viewTitled(r, 'dv_people');
        await pageShows(r, view.viewId, (v) => v.shown?.complete === true, 'the page to show dv_people');
        const schema = await r.dataViews.request(view.viewId, { method: 'schema' });
        assert.deepStrictEqual(
            schema.columns.map((c) => c.type),
            ['character', 'factor', 'number'],
        );
        const rows = await r.dataViews.request(view.viewId, { method: 'rows', start: 0, count: 5 });
        assert.deepStrictEqual(rows.values[0], ['Ann', 'bob', 'Cid', '', null], 'an empty string and NA are told apart');
        assert.deepStrictEqual(rows.values[2].slice(1), ['NaN', 'Inf', '-Inf', null]);
        const names = async (filters: Parameters<RBridgeApi['dataViews']['request']>[1] & { method: 'filter' }) => {
            await r.dataViews.request(view.viewId, filters);
            return (await r.dataViews.request(view.viewId, { method: 'rows', start: 0, count: 10 })).rowNames;
        };
        assert.deepStrictEqual(await names({ method: 'filter', filters: [{ column: 0, op: 'contains', value: 'B', ignoreCase: true }] }), ['2']);
        assert.deepStrictEqual(await names({ method: 'filter', filters: [{ column: 0, op: 'regex', value: '^[A-Z]' }] }), ['1', '3']);
        assert.deepStrictEqual(await names({ method: 'filter', filters: [{ column: 0, op: 'startsWith', value: 'C' }] }), ['3']);
        assert.deepStrictEqual(await names({ method: 'filter', filters: [{ column: 1, op: 'in', values: ['a', 'c'] }] }), ['1', '3', '4']);
        assert.deepStrictEqual(await names({ method: 'filter', filters: [{ column: 2, op: 'isNA' }] }), await rValue<string[]>(r, 'as.character(which(is.na(dv_people$x)))'));
        await r.dataViews.request(view.viewId, { method: 'filter', filters: [] });
        // The summary of mtcars's mpg: R's own numbers.
        const summary = await r.dataViews.request(mtcarsView, { method: 'summary', column: 0 });
        const expected = await rValue<{ mean: number[]; median: number[]; q: number[] }>(r, 'list(mean = mean(mtcars$mpg), median = median(mtcars$mpg), q = unname(quantile(mtcars$mpg, c(0.25, 0.5, 0.75))))');
        assert.strictEqual(summary.rows, 32);
        assert.strictEqual(summary.naCount, 0);
        assert.ok(Math.abs((summary.mean ?? NaN) - expected.mean[0]) < 1e-9, `mean ${summary.mean}`);
        assert.ok(Math.abs((summary.median ?? NaN) - expected.median[0]) < 1e-9, `median ${summary.median}`);
        assert.deepStrictEqual(summary.quartiles?.map((q) => Math.round(q * 1e6) / 1e6), expected.q.map((q) => Math.round(q * 1e6) / 1e6));
        assert.strictEqual(summary.histogram?.counts.reduce((a, b) => a + b, 0), 32, 'the histogram holds every value');
        const grp = await r.dataViews.request(view.viewId, { method: 'summary', column: 1 });
        assert.deepStrictEqual(grp.top?.map((t) => [t.value, t.count]).sort(), [['a', 2], ['b', 2], ['c', 1]]);
        r.dataViews.close(view.viewId);
    });

    test("the variables view's View Data action opens a variable in a tab of its own, and again shows the same tab", async () => {
        await rOk(r, 'mtcars2 <- mtcars; dv_list <- list(a = 1)');
        const node = await waitUntil(() => r.variablesTree.rootNode('mtcars2'), [r.variablesTree.onDidChangeTreeData], 'mtcars2 in the variables view');
        assert.strictEqual(r.variablesTree.getTreeItem(node).contextValue, 'rbridge.variable.global.table', 'the View Data icon shows on its row');
        const viewId = await command<string>('rbridge.viewData', node);
        assert.ok(viewId, 'a view opened');
        const view = await pageShows(r, viewId, (v) => v.shown?.complete === true, 'the page to show mtcars2');
        assert.deepStrictEqual(view.path, ['mtcars2']);
        assert.strictEqual(view.tabTitle, 'View: mtcars2');
        assert.strictEqual(view.shown?.rows, 32);
        assert.ok(view.active, 'opened from the variables view, the tab has the focus');
        // Again: the same tab, no second view.
        const count = r.dataViews.list().length;
        assert.strictEqual(await command<string>('rbridge.viewData', node), viewId);
        assert.strictEqual(r.dataViews.list().length, count);
        // A list is no table: the user is told what to do instead.
        const list = await waitUntil(() => r.variablesTree.rootNode('dv_list'), [r.variablesTree.onDidChangeTreeData], 'dv_list in the variables view');
        assert.strictEqual(r.variablesTree.getTreeItem(list).contextValue, 'rbridge.variable.global');
        const told = r.notices.all().length;
        assert.strictEqual(await command('rbridge.viewData', list), undefined);
        assert.match(r.notices.all().slice(told).map((n) => n.message).join('\n'), /dv_list is a list, not a table/);
    });

    test('a change to the object refreshes the rows shown; removing it keeps them under a banner', async () => {
        const view = await viewTitled(r, 'mtcars2');
        const changes = view.changes;
        await rOk(r, 'mtcars2$mpg[1] <- 0');
        const refreshed = await pageShows(
            r,
            view.viewId,
            (v) => v.changes > changes && v.shown?.complete === true && v.lastRows?.start === 0 && Number(v.lastRows.values[0][0]) === 0,
            'the page to fetch mpg = 0 for the first row',
        );
        assert.strictEqual(refreshed.shown?.firstRowName, 'Mazda RX4');
        // Sorted by mpg, the changed row comes first; a new column is a new schema, and the sort holds.
        await r.dataViews.request(view.viewId, { method: 'sort', keys: [{ column: 0 }] });
        await rOk(r, 'mtcars2$ratio <- mtcars2$hp / mtcars2$wt');
        const widened = await pageShows(r, view.viewId, (v) => v.schema?.columns.length === 12 && v.shown?.columns === 12 && v.shown.complete, 'the new column in the page');
        assert.deepStrictEqual(widened.sort, [{ column: 0 }]);
        assert.strictEqual((await r.dataViews.request(view.viewId, { method: 'rows', start: 0, count: 1 })).rowNames[0], 'Mazda RX4', 'still sorted by mpg');
        await rOk(r, 'rm(mtcars2)');
        const removed = await pageShows(r, view.viewId, (v) => v.removed !== undefined, 'the view to say its object is gone');
        assert.match(removed.removed ?? '', /mtcars2/);
        assert.strictEqual(removed.shown?.firstRowName, 'Mazda RX4', 'the rows shown stay');
    });

    test('while R runs code the grid waits ("R is busy") and fills in once R is idle', async () => {
        const code = 'dv_busy <- head(mtcars, 5); View(dv_busy); Sys.sleep(2)';
        const done = r.execute(code);
        await running(r, code);
        const view = await viewTitled(r, 'dv_busy');
        await assert.rejects(r.dataViews.request(view.viewId, { method: 'rows', start: 0, count: 5 }), (e: unknown) => errorCodeOf(e) === RBusyError);
        const busy = await pageShows(r, view.viewId, (v) => /R is busy/.test(v.shown?.note ?? ''), 'the page to say R is busy');
        assert.ok(!busy.shown?.complete);
        assert.strictEqual((await done).status, 'ok');
        await settled(r);
        const shown = await pageShows(r, view.viewId, (v) => v.shown?.complete === true && v.shown.note === undefined, 'the rows once R is idle');
        assert.strictEqual(shown.shown?.rows, 5);
    });

    test('copying selected cells gives tab-separated text (also of rows not loaded yet), and closing the tab closes the view', async () => {
        const view = await viewTitled(r, 'dv_busy');
        await pageShows(r, view.viewId, (v) => v.shown?.complete === true, 'dv_busy shown');
        const copied = async (select: { top: number; left: number; bottom: number; right: number }) => {
            const before = r.dataViews.get(view.viewId)?.lastCopied;
            r.dataViews.copySelection(view.viewId, select);
            const v = await pageShows(r, view.viewId, (s) => s.lastCopied !== undefined && s.lastCopied !== before, 'the copy');
            assert.strictEqual(await vscode.env.clipboard.readText(), v.lastCopied?.text, 'the clipboard holds it');
            return v.lastCopied!;
        };
        // Rows 1-2 of mpg and cyl (the first two columns).
        assert.deepStrictEqual(await copied({ top: 0, left: 0, bottom: 1, right: 1 }), { text: '21.0\t6\n21.0\t6', cells: 4 });
        // A selection far beyond the rows on screen: fetched from R for the copy.
        await rOk(r, 'dv_long <- data.frame(i = 1:5000, s = ifelse(1:5000 %% 2 == 0, "a\tb", "c")); View(dv_long)');
        const long = await viewTitled(r, 'dv_long');
        await pageShows(r, long.viewId, (v) => v.shown?.complete === true, 'dv_long shown');
        const before = r.dataViews.get(long.viewId)?.lastCopied;
        r.dataViews.copySelection(long.viewId, { top: 3997, left: 0, bottom: 4000, right: 1 });
        const big = await pageShows(r, long.viewId, (s) => s.lastCopied !== undefined && s.lastCopied !== before, 'the copy of rows 3998 to 4001');
        assert.deepStrictEqual(big.lastCopied, { text: '3998\t"a\tb"\n3999\tc\n4000\t"a\tb"\n4001\tc', cells: 8 }, 'a tab inside a cell is quoted');
        r.dataViews.close(long.viewId);
        r.dataViews.close(view.viewId);
        await waitUntil(() => (r.dataViews.get(view.viewId) ? undefined : true), [r.dataViews.onDidChange], 'the view to close');
        await assert.rejects(r.dataViews.request(view.viewId, { method: 'rows', start: 0, count: 1 }), /no data view/);
    });

    test('when a sorted column goes, the grid sorts again by name if the column stays under another index, and drops the key if it went', async () => {
        await rOk(r, 'dv_cols <- data.frame(a = c(3, 1, 2), b = c("p", "q", "r"), c = c(20, 30, 10)); View(dv_cols)');
        const view = await viewTitled(r, 'dv_cols');
        await pageShows(r, view.viewId, (v) => v.shown?.complete === true && v.schema !== undefined, 'dv_cols shown');
        await r.dataViews.request(view.viewId, { method: 'sort', keys: [{ column: 2, descending: true }, { column: 0 }] });
        assert.deepStrictEqual((await r.dataViews.request(view.viewId, { method: 'rows', start: 0, count: 3 })).rowNames, ['2', '1', '3']);
        // `a` goes: `c` is now column 1, and the grid sorts by it again; the key on `a` is dropped.
        await rOk(r, 'dv_cols$a <- NULL');
        const moved = await pageShows(
            r,
            view.viewId,
            (v) => v.schema?.columns.length === 2 && JSON.stringify(v.sort) === JSON.stringify([{ column: 1, descending: true }]),
            'the sort by c again, as column 1',
        );
        assert.deepStrictEqual(moved.info.rows, 3);
        assert.deepStrictEqual((await r.dataViews.request(view.viewId, { method: 'rows', start: 0, count: 3 })).rowNames, ['2', '1', '3'], 'sorted by c descending');
        await pageShows(r, view.viewId, (v) => v.shown?.complete === true && v.shown.firstRowName === '2', 'the page to show the sorted rows');
        // `c` goes too: no key is left, the object's own order.
        await rOk(r, 'dv_cols$c <- NULL');
        const dropped = await pageShows(r, view.viewId, (v) => v.schema?.columns.length === 1 && v.sort.length === 0, 'the sort dropped');
        assert.deepStrictEqual(dropped.filters, []);
        assert.deepStrictEqual((await r.dataViews.request(view.viewId, { method: 'rows', start: 0, count: 3 })).rowNames, ['1', '2', '3']);
        await pageShows(r, view.viewId, (v) => v.shown?.complete === true && v.shown.firstRowName === '1', "the page to show the object's order");
    });

    // Last: it restarts R.
    test('a restart of R closes the data views and says so once', async () => {
        await rOk(r, 'View(mtcars); View(data.frame(x = 1:3), "dv_small")');
        await viewTitled(r, 'dv_small');
        const count = r.dataViews.list().length;
        assert.ok(count >= 2, `views open: ${count}`);
        const told = r.notices.all().length;
        await vscode.commands.executeCommand('rbridge.restart');
        await waitUntil(() => (r.dataViews.list().length === 0 ? true : undefined), [r.dataViews.onDidChange], 'the views to close');
        await r.kernelReady();
        await settled(r);
        const notices = r.notices.all().slice(told).filter((n) => /data view/.test(n.message));
        assert.deepStrictEqual(
            notices.map((n) => [n.severity, n.message]),
            [['info', `R restarted: its data is gone, so the ${count} data views were closed.`]],
        );
        const viewTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('View: '));
        await waitUntil(() => (viewTabs().length === 0 ? true : undefined), [vscode.window.tabGroups.onDidChangeTabs], 'no View tab left', 10_000).catch((e: Error) => {
            throw new Error(`${e.message}: ${viewTabs().map((t) => t.label).join(', ')}`);
        });
    });
});
