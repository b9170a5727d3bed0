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

async function rowNamed(r: RBridgeApi, name: string): Promise<VariableNode> {
    return waitUntil(
        () => r.variablesTree.rootNode(name),
        [r.variablesTree.onDidChangeTreeData],
        `a row for ${name}`,
    );
}

async function children(r: RBridgeApi, node: VariableTreeNode): Promise<VariableTreeNode[]> {
    return Promise.resolve(r.variablesTree.getChildren(node));
}

function names(rows: VariableTreeNode[]): string[] {
    return rows.map((row) => (row.kind === 'variable' ? row.variable.name : row.kind === 'more' ? '…more' : `!${row.text}`));
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
        assert.strictEqual(item.contextValue, 'rbridge.variable.global');

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

        assert.strictEqual(await vscode.commands.executeCommand('rbridge.variables.copyName', kids[1]), 'act_list[[2]]');
        assert.strictEqual(await vscode.env.clipboard.readText(), 'act_list[[2]]');

        await vscode.commands.executeCommand('rbridge.variables.print', kids[0]);
        await consoleShows(r, /> print\(act_list\[\[1\]\]\)\n\[1\] 1 2 3\n/);
        await vscode.commands.executeCommand('rbridge.variables.str', row);
        await consoleShows(r, /> str\(act_list\)\nList of 2\n/);

        const removed = waitForEvent(r.variablesTree.onDidChangeTreeData, () => r.variablesTree.rootNode('act_list') === undefined, 'act_list to go');
        await vscode.commands.executeCommand('rbridge.removeVariable', row);
        await removed;
    });

    test('Refresh Variables and Clear Workspace', async () => {
        const r = await readyR();
        await rOk(r, 'cw_1 <- 1; cw_2 <- 2');
        await rowNamed(r, 'cw_2');
        // An in-place change the kernel cannot see by itself shows after a refresh.
        await rOk(r, 'cw_env <- new.env()');
        await rOk(r, '(function(e) e$k <- 1)(cw_env)');
        assert.match((await rowNamed(r, 'cw_env')).variable.summary, /0 bindings/);
        const reset = waitForEvent(r.variablesTree.onDidChangeTreeData, (e) => e === undefined, 'the list to be replaced');
        await vscode.commands.executeCommand('rbridge.refreshVariables');
        await reset;
        assert.match((await rowNamed(r, 'cw_env')).variable.summary, /1 bindings/);

        const cleared = waitForEvent(r.variablesTree.onDidChangeTreeData, () => r.variablesTree.variables.length === 0, 'the workspace to be empty');
        await vscode.commands.executeCommand('rbridge.clearWorkspace', { confirm: false });
        await cleared;
        assert.deepStrictEqual(await rootRows(r), []);
        const notice = waitForEvent(r.notices.onDidNotify, (n) => /already empty/.test(n.message), 'the "already empty" message');
        await vscode.commands.executeCommand('rbridge.clearWorkspace', { confirm: false });
        await notice;
    });
});
