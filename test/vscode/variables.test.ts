import * as assert from 'assert';
import * as vscode from 'vscode';
import type { RBridgeApi } from '../../client/src/api';
// Types only: the extension's objects come from its own bundle, so
// `instanceof` against classes bundled here would never match; rows are told
// apart by their `kind`.
import type { MoreNode, VariableNode, VariableTreeNode } from '../../client/src/variablesTree';
import { consoleShows, rOk, readyR, running, waitForEvent, waitUntil } from './helpers';

/** The rows the view shows at the top level. */
async function rootRows(r: RBridgeApi): Promise<VariableTreeNode[]> {
    return r.variablesTree.getChildren(undefined) as VariableTreeNode[];
}

/** The row of a top-level variable, once R has described it (a run that changes many variables may describe some a moment later). */
async function rowNamed(r: RBridgeApi, name: string): Promise<VariableNode> {
    return waitUntil(
        () => {
            const node = r.variablesTree.rootNode(name);
            return node && !node.variable.pending ? node : undefined;
        },
        [r.variablesTree.onDidChangeTreeData],
        `a described row for ${name}`,
    );
}

async function children(r: RBridgeApi, node: VariableTreeNode): Promise<VariableTreeNode[]> {
    return Promise.resolve(r.variablesTree.getChildren(node));
}

/** The children's previews by name. */
function summaries(rows: VariableTreeNode[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const row of rows) if (row.kind === 'variable') out[row.variable.name] = row.variable.summary;
    return out;
}

/**
 * Waits until the children of an expanded `node` show `name` with this
 * preview, asking for them again whenever the view would (the row changed
 * and forgot them), as VS Code does for an expanded row.
 */
async function childShows(r: RBridgeApi, node: VariableNode, name: string, summary: string, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    let last: Record<string, string> = {};
    for (;;) {
        last = summaries(await children(r, node));
        if (last[name] === summary) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${name} = ${summary} under ${node.variable.name}; last seen ${JSON.stringify(last)}`);
        await waitForEvent(r.variablesTree.onDidChangeTreeData, () => true, 'a change in the view', 1000).catch(() => undefined);
    }
}

function names(rows: VariableTreeNode[]): string[] {
    return rows.map((row) => (row.kind === 'variable' ? row.variable.name : row.kind === 'more' ? '…more' : row.kind === 'message' ? `!${row.text}` : `#${row.kind}`));
}

suite('The variables view', () => {
    suiteSetup(async () => {
        await readyR();
    });

    test('lists the global environment with class, shape, size, preview and icon', async () => {
        const r = await readyR();
        await rOk(r, 'v_num <- c(1.5, 2, 3); v_chr <- letters; v_df <- data.frame(x = 1:3, y = c("a", "b", "c")); v_fun <- function(a) a');
        const df = await rowNamed(r, 'v_df');
        const item = r.variablesTree.getTreeItem(df);
        assert.strictEqual(item.label, 'v_df');
        assert.match(String(item.description), /^data\.frame \[3 × 2\] .*3 obs\. of 2 variables/);
        assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'table');
        assert.strictEqual(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
        assert.strictEqual(item.contextValue, 'rbridge.variable.global.table', 'a data frame: the View Data action shows');

        const chr = r.variablesTree.getTreeItem(await rowNamed(r, 'v_chr'));
        assert.match(String(chr.description), /^character \[26\] · .*B {2}"a" "b" "c"/);
        assert.strictEqual((chr.iconPath as vscode.ThemeIcon).id, 'symbol-string');
        const num = r.variablesTree.getTreeItem(await rowNamed(r, 'v_num'));
        assert.match(String(num.description), /^numeric \[3\] · 72 B {2}1\.5 2\.0 3\.0/);
        assert.strictEqual((num.iconPath as vscode.ThemeIcon).id, 'symbol-number');
        const fun = r.variablesTree.getTreeItem(await rowNamed(r, 'v_fun'));
        assert.strictEqual((fun.iconPath as vscode.ThemeIcon).id, 'symbol-method');
        assert.strictEqual(fun.collapsibleState, vscode.TreeItemCollapsibleState.None);

        const rows = names(await rootRows(r));
        const ours = rows.filter((n) => n.startsWith('v_'));
        assert.deepStrictEqual(ours, ['v_chr', 'v_df', 'v_fun', 'v_num']);
    });

    test('a changed value refreshes only its own row; new and removed ones refresh the list', async () => {
        const r = await readyR();
        await rOk(r, 'chg_a <- 1; chg_b <- 2');
        const a = await rowNamed(r, 'chg_a');
        const changed = waitForEvent(r.variablesTree.onDidChangeTreeData, (e) => Array.isArray(e), 'a change event for rows');
        await rOk(r, 'chg_a <- 10');
        const rowsChanged = (await changed) as VariableTreeNode[];
        assert.deepStrictEqual(rowsChanged, [a], 'exactly the changed row');
        assert.strictEqual(a.variable.summary, '10');

        const whole = waitForEvent(r.variablesTree.onDidChangeTreeData, (e) => e === undefined, 'a refresh of the list');
        await rOk(r, 'rm(chg_b)');
        await whole;
        assert.ok(!names(await rootRows(r)).includes('chg_b'));
    });

    test('stays usable while R is busy: the top level at once, children as soon as R is done (no busy message)', async () => {
        const r = await readyR();
        await rOk(r, 'busy_list <- list(p = 1, q = "two")');
        const row = await rowNamed(r, 'busy_list');
        const sleep = r.execute('Sys.sleep(2)');
        await running(r, 'Sys.sleep(2)');
        // The top level comes from memory.
        assert.ok(names(await rootRows(r)).includes('busy_list'));
        // Expanding the row asks R, which answers after the running code:
        // meanwhile the row is loading (a promise), not a message.
        const expanding = r.variablesTree.getChildren(row);
        assert.ok(expanding instanceof Promise, 'the children are on their way');
        const first = await Promise.race([expanding.then(() => 'children'), sleep.then(() => 'sleep')]);
        assert.strictEqual(first, 'sleep', 'the children came after the code that was running');
        assert.strictEqual((await sleep).status, 'ok');
        const rows = await expanding;
        assert.deepStrictEqual(names(rows), ['p', 'q']);
        assert.ok(!rows.some((row) => row.kind === 'message'));
        // Several rows expanded at once while R is busy all wait and all arrive.
        await rOk(r, 'busy_a <- list(1, 2); busy_b <- list(x = 3)');
        const [a, b] = [await rowNamed(r, 'busy_a'), await rowNamed(r, 'busy_b')];
        const again = r.execute('Sys.sleep(1)');
        await running(r, 'Sys.sleep(1)');
        const both = await Promise.all([children(r, a), children(r, b)]);
        assert.deepStrictEqual(both.map(names), [['[[1]]', '[[2]]'], ['x']]);
        await again;
    });

    test('Refresh Variables while R is busy waits for it and then refreshes', async () => {
        const r = await readyR();
        await rOk(r, 'rb_env <- new.env()');
        const sleep = r.execute('Sys.sleep(1); (function(e) e$k <- 1)(rb_env)');
        await running(r, 'Sys.sleep(1); (function(e) e$k <- 1)(rb_env)');
        const reset = waitForEvent(r.variablesTree.onDidChangeTreeData, (e) => e === undefined, 'the list to be replaced');
        await vscode.commands.executeCommand('rbridge.refreshVariables');
        assert.strictEqual((await sleep).status, 'ok');
        await reset;
        assert.match((await rowNamed(r, 'rb_env')).variable.summary, /1 bindings?/);
    });

    test('expands lists, data frames, environments and S4 objects lazily', async () => {
        const r = await readyR();
        await rOk(
            r,
            [
                'lz_list <- list(a = 1, b = list(c = "deep"), 3)',
                'lz_df <- data.frame(n = 1:2, s = c("u", "v"))',
                'lz_env <- new.env(); assign("inside", 42, envir = lz_env)',
                'setClass("LzPerson", representation(name = "character", age = "numeric"))',
                'lz_s4 <- new("LzPerson", name = "Ada", age = 36)',
            ].join('\n'),
        );
        const list = await children(r, await rowNamed(r, 'lz_list'));
        assert.deepStrictEqual(names(list), ['a', 'b', '[[3]]']);
        const b = list[1] as VariableNode;
        assert.deepStrictEqual(b.variable.path, ['lz_list', '[[2]]']);
        assert.strictEqual(r.variablesTree.getTreeItem(b).contextValue, 'rbridge.variable.child');
        assert.deepStrictEqual(names(await children(r, b)), ['c']);
        assert.deepStrictEqual(names(await children(r, await rowNamed(r, 'lz_df'))), ['n', 's']);
        assert.deepStrictEqual(names(await children(r, await rowNamed(r, 'lz_env'))), ['inside']);
        assert.deepStrictEqual(names(await children(r, await rowNamed(r, 'lz_s4'))), ['name', 'age']);
        assert.strictEqual((r.variablesTree.getTreeItem(await rowNamed(r, 'lz_s4')).iconPath as vscode.ThemeIcon).id, 'symbol-class');
    });

    test('pages long lists with a "Show more…" row', async () => {
        const r = await readyR();
        await rOk(r, 'pg_list <- as.list(1:250)');
        const row = await rowNamed(r, 'pg_list');
        let rows = await children(r, row);
        assert.strictEqual(rows.length, 101);
        const more = rows[100] as MoreNode;
        assert.strictEqual(more.kind, 'more');
        const moreItem = r.variablesTree.getTreeItem(more);
        assert.strictEqual(moreItem.label, 'Show more…');
        assert.strictEqual(moreItem.description, '100 of 250');
        assert.strictEqual(moreItem.command?.command, 'rbridge.variables.showMore');
        await vscode.commands.executeCommand(moreItem.command!.command, ...(moreItem.command!.arguments ?? []));
        rows = await children(r, row);
        assert.strictEqual(rows.length, 201);
        await vscode.commands.executeCommand('rbridge.variables.showMore', rows[200]);
        rows = await children(r, row);
        assert.strictEqual(rows.length, 250);
        assert.deepStrictEqual(names(rows.slice(248)), ['[[249]]', '[[250]]']);
    });

    test('a data frame of 1e7 rows and a list of 1e6 elements expand at once', async () => {
        const r = await readyR();
        await rOk(r, 'huge_df <- data.frame(a = seq_len(1e7), b = 0.5); huge_list <- as.list(seq_len(1e6))');
        const started = Date.now();
        const df = r.variablesTree.getTreeItem(await rowNamed(r, 'huge_df'));
        assert.match(String(df.description), /data\.frame \[10,000,000 × 2\]/);
        assert.deepStrictEqual(names(await children(r, await rowNamed(r, 'huge_df'))), ['a', 'b']);
        const list = await children(r, await rowNamed(r, 'huge_list'));
        assert.strictEqual(list.length, 101);
        assert.strictEqual(r.variablesTree.getTreeItem(list[100]).description, '100 of 1,000,000');
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 5000, `expanding took ${elapsed} ms`);
        await rOk(r, 'rm(huge_df, huge_list)');
    });

    test('context menu actions: Copy Name, Print and str() to Console, Remove', async () => {
        const r = await readyR();
        await rOk(r, 'act_list <- list(first = 1:3, `odd name` = "x")');
        const row = await rowNamed(r, 'act_list');
        const kids = (await children(r, row)) as VariableNode[];

        assert.strictEqual(await vscode.commands.executeCommand('rbridge.variables.copyName', kids[1]), 'act_list$`odd name`');
        assert.strictEqual(await vscode.env.clipboard.readText(), 'act_list$`odd name`');

        await vscode.commands.executeCommand('rbridge.variables.print', kids[0]);
        await consoleShows(r, /> print\(act_list\$first\)\n\[1\] 1 2 3\n/);
        await vscode.commands.executeCommand('rbridge.variables.str', row);
        await consoleShows(r, /> str\(act_list\)\nList of 2\n/);

        const removed = waitForEvent(r.variablesTree.onDidChangeTreeData, () => r.variablesTree.rootNode('act_list') === undefined, 'act_list to go');
        await vscode.commands.executeCommand('rbridge.removeVariable', row);
        await removed;
    });

    test('Copy Name gives names where the value has them, positions where it has none', async () => {
        const r = await readyR();
        await rOk(
            r,
            [
                'cn_nested <- list(a = list(b = 1, 2))',
                'cn_df <- data.frame(col = 1:2, `my col` = 3:4, check.names = FALSE)',
                'cn_dup <- list(x = 1, x = 2, 3)',
            ].join('\n'),
        );
        const copy = (node: VariableTreeNode) => vscode.commands.executeCommand<string>('rbridge.variables.copyName', node);
        const [a] = await children(r, await rowNamed(r, 'cn_nested'));
        const [b, second] = await children(r, a);
        assert.strictEqual(await copy(b), 'cn_nested$a$b');
        assert.strictEqual(await copy(second), 'cn_nested$a[[2]]');
        const [col, myCol] = await children(r, await rowNamed(r, 'cn_df'));
        assert.strictEqual(await copy(col), 'cn_df$col');
        assert.strictEqual(await copy(myCol), 'cn_df$`my col`');
        // The second x is not what cn_dup$x gives.
        assert.deepStrictEqual(await Promise.all((await children(r, await rowNamed(r, 'cn_dup'))).map(copy)), ['cn_dup$x', 'cn_dup[[2]]', 'cn_dup[[3]]']);
        // The same expression is what runs.
        await vscode.commands.executeCommand('rbridge.variables.print', myCol);
        await consoleShows(r, /> print\(cn_df\$`my col`\)\n\[1\] 3 4\n/);
    });

    test('the preview comes last in a row, so that it is what a narrow view cuts', async () => {
        const r = await readyR();
        await rOk(r, 'pv_chr <- c("first", "second"); pv_list <- list(p = 1)');
        for (const name of ['pv_chr', 'pv_list']) {
            const row = await rowNamed(r, name);
            const item = r.variablesTree.getTreeItem(row);
            assert.strictEqual(item.label, name);
            assert.ok(String(item.description).endsWith(`  ${row.variable.summary}`), String(item.description));
        }
    });

    test('an expanded environment follows changes made without an assignment the server sees (e$v <- 99), also after collapse and expand', async () => {
        const r = await readyR();
        const tree = r.variablesTree;
        // A hidden view asks R for nothing: show it.
        await vscode.commands.executeCommand('rbridge.variables.focus');
        await rOk(r, 'env_e <- new.env(); env_e$v <- 1');
        const e = await rowNamed(r, 'env_e');
        const tooltip = tree.getTreeItem(e).tooltip as vscode.MarkdownString;
        assert.match(tooltip.value, /Environments can change without an assignment; refreshed after each run/);
        tree.setExpanded(e, true);
        assert.deepStrictEqual(summaries(await children(r, e)), { v: '1' });

        await rOk(r, 'env_e$v <- 99');
        await childShows(r, e, 'v', '99');
        // A binding added: the new row appears.
        await rOk(r, 'assign("w", "new", envir = env_e)');
        await childShows(r, e, 'w', '"new"');
        assert.deepStrictEqual(summaries(await children(r, e)), { v: '99', w: '"new"' });

        // Collapsed, it asks nothing after a run, and expanding it again asks R.
        tree.setExpanded(e, false);
        await rOk(r, 'env_e$v <- 7');
        await waitUntil(() => (e.page === undefined ? true : undefined), [tree.onDidChangeTreeData], 'the collapsed row to forget its children');
        tree.setExpanded(e, true);
        assert.deepStrictEqual(summaries(await children(r, e)), { v: '7', w: '"new"' });

        // Several runs in a row: the view ends with the last value.
        await Promise.all([1, 2, 3, 4, 5].map((i) => rOk(r, `env_e$v <- ${i * 100}`)));
        await childShows(r, e, 'v', '500');
        tree.setExpanded(e, false);

        // In a hidden view, an expanded row forgets its children instead of asking R after each run.
        tree.setExpanded(e, true);
        await children(r, e);
        await vscode.commands.executeCommand('workbench.view.explorer');
        // The extension host hears of the view's visibility a moment later: runs until one finds it hidden.
        for (let attempt = 0; e.page !== undefined && attempt < 50; attempt++) {
            await rOk(r, 'env_e$v <- -1');
            if (e.page !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.strictEqual(e.page, undefined, 'nothing asked while the view is hidden');
        await vscode.commands.executeCommand('rbridge.variables.focus');
        assert.deepStrictEqual(summaries(await children(r, e)), { v: '-1', w: '"new"' });
        tree.setExpanded(e, false);
    });

    test('an R6 object (and a closure-based counter) shows its fields after its methods change them', async function () {
        const r = await readyR();
        const tree = r.variablesTree;
        await vscode.commands.executeCommand('rbridge.variables.focus');
        await rOk(r, 'cl_counter <- (function() { n <- 0; add <- function() n <<- n + 1; environment() })()');
        const closure = await rowNamed(r, 'cl_counter');
        tree.setExpanded(closure, true);
        assert.strictEqual(summaries(await children(r, closure)).n, '0');
        await rOk(r, 'cl_counter$add()');
        await rOk(r, 'cl_counter$add()');
        await childShows(r, closure, 'n', '2');
        tree.setExpanded(closure, false);

        const hasR6 = (await r.execute('stopifnot(requireNamespace("R6", quietly = TRUE))')).status === 'ok';
        if (!hasR6) this.skip();
        await rOk(
            r,
            'R6Counter <- R6::R6Class("R6Counter", public = list(n = 0, add = function() { self$n <- self$n + 1; invisible(self) }))\ncnt <- R6Counter$new()',
        );
        const cnt = await rowNamed(r, 'cnt');
        assert.strictEqual((tree.getTreeItem(cnt).iconPath as vscode.ThemeIcon).id, 'symbol-class');
        assert.match((tree.getTreeItem(cnt).tooltip as vscode.MarkdownString).value, /refreshed after each run/);
        tree.setExpanded(cnt, true);
        assert.strictEqual(summaries(await children(r, cnt)).n, '0');
        await rOk(r, 'cnt$add()');
        await rOk(r, 'cnt$add()');
        await childShows(r, cnt, 'n', '2');
        tree.setExpanded(cnt, false);
    });

    test('variables R describes a moment after a run that changed many show "describing…", then their description', async () => {
        const r = await readyR();
        await rOk(r, 'for (i in 1:3000) assign(sprintf("pd_%04d", i), rnorm(20))');
        const ours = () => r.variablesTree.variables.filter((v) => v.name.startsWith('pd_'));
        const pending = r.variablesTree.variables.filter((v) => v.pending && v.name.startsWith('pd_'));
        console.log(`    (${pending.length} of ${ours().length} pending after the run)`);
        for (const v of pending.slice(0, 5)) {
            const item = r.variablesTree.getTreeItem(r.variablesTree.rootNode(v.name)!);
            assert.strictEqual(item.description, 'describing…');
            assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'loading~spin');
        }
        await waitUntil(
            () => (ours().length === 3000 && !ours().some((v) => v.pending) ? true : undefined),
            [r.variablesTree.onDidChangeTreeData],
            'every pd_ variable described',
        );
        assert.match(String(r.variablesTree.getTreeItem(await rowNamed(r, 'pd_3000')).description), /^numeric \[20\]/);
        // Changed again, many at once: a row keeps what it showed, marked, until its new description comes.
        await rOk(r, 'for (i in 1:3000) assign(sprintf("pd_%04d", i), "now text")');
        const updating = ours().filter((v) => v.pending);
        console.log(`    (${updating.length} pending after the second run)`);
        for (const v of updating.slice(0, 5)) {
            assert.match(String(r.variablesTree.getTreeItem(r.variablesTree.rootNode(v.name)!).description), /^numeric \[20\] · .*updating… {2}-?\d/);
        }
        await waitUntil(
            () => (!ours().some((v) => v.pending) ? true : undefined),
            [r.variablesTree.onDidChangeTreeData],
            'every pd_ variable described again',
        );
        assert.match(String(r.variablesTree.getTreeItem(await rowNamed(r, 'pd_3000')).description), /^character .*"now text"$/);
        await rOk(r, 'rm(list = ls(pattern = "^pd_"))');
    });

    test('Refresh Variables and Clear Workspace', async () => {
        const r = await readyR();
        await rOk(r, 'cw_1 <- 1; cw_2 <- 2');
        await rowNamed(r, 'cw_2');
        // An environment changed inside a function, with no assignment to its
        // name, is seen after the run (environments are looked at every time).
        await rOk(r, 'cw_env <- new.env()');
        await rOk(r, '(function(e) e$k <- 1)(cw_env)');
        assert.match((await rowNamed(r, 'cw_env')).variable.summary, /1 bindings/);
        // Refresh describes everything again and replaces the list.
        const reset = waitForEvent(r.variablesTree.onDidChangeTreeData, (e) => e === undefined, 'the list to be replaced');
        await vscode.commands.executeCommand('rbridge.refreshVariables');
        await reset;
        assert.match((await rowNamed(r, 'cw_env')).variable.summary, /1 bindings/);
        assert.ok(await rowNamed(r, 'cw_2'));

        const cleared = waitForEvent(r.variablesTree.onDidChangeTreeData, () => r.variablesTree.variables.length === 0, 'the workspace to be empty');
        await vscode.commands.executeCommand('rbridge.clearWorkspace', { confirm: false });
        await cleared;
        assert.deepStrictEqual(await rootRows(r), []);
        const notice = waitForEvent(r.notices.onDidNotify, (n) => /already empty/.test(n.message), 'the "already empty" message');
        await vscode.commands.executeCommand('rbridge.clearWorkspace', { confirm: false });
        await notice;
    });
});
