/**
 * R's browser (`Browse[n]> `) in VS Code, with real R: browser() in a
 * function run from a file stops R; the console shows the prompt and reads
 * the commands typed there; the editor highlights the line R runs next and
 * follows each `n`; the variables view lists the browsed frame's locals
 * under a header that names the frame (children included, never those of
 * an earlier stop); `c` brings the global environment back and the
 * highlight goes.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RBridgeApi } from '../../client/src/api';
import type { Highlight } from '../../client/src/debug/currentLine';
import type { VariableNode, VariableTreeNode } from '../../client/src/variablesTree';
import { consoleShows, executed, openR, readyR, scratchDir, waitForEvent, waitUntil } from './helpers';

/** The file run in the first test; the lines its stops are at are 0-based lines of it. */
const FILE = [
    'br_global <- "at the top level"',
    'br_f <- function(a) {',
    '  b <- a + 1',
    '  browser()',
    '  d <- b * 2',
    '  lst <- list(p = 1, q = "two")',
    '  d + lst$p',
    '}',
    'br_result <- br_f(1)',
];

/** The rows of the variables view's top level, as label + description. */
async function rows(r: RBridgeApi): Promise<string[]> {
    const nodes = await Promise.resolve(r.variablesTree.getChildren(undefined));
    return nodes.map((node) => {
        const item = r.variablesTree.getTreeItem(node);
        return `${String(item.label)} ${String(item.description ?? '')}`.trim();
    });
}

/** The locals the view lists (the rows between the header and the global environment's row), by name with their previews. */
async function locals(r: RBridgeApi): Promise<Record<string, string>> {
    const nodes = await Promise.resolve(r.variablesTree.getChildren(undefined));
    const out: Record<string, string> = {};
    for (const node of nodes) if (node.kind === 'variable' && node.frame !== undefined) out[node.variable.name] = node.variable.summary;
    return out;
}

/** Waits for the console's browser prompt, then types a line at it (as a person would). */
async function typeAtBrowser(r: RBridgeApi, line: string): Promise<void> {
    await consoleShows(r, /Browse\[\d+\]> $/, 'the Browse prompt in the console');
    await waitUntil(() => (r.browser.current() ? true : undefined), [r.browser.onDidStop], 'R to stop');
    r.console.type(line + '\r');
}

/** Types a command at the browser and waits for the highlight to be on `line` (0-based) of `uri`. */
async function step(r: RBridgeApi, command: string, uri: vscode.Uri, line: number): Promise<Highlight | undefined> {
    const moved = waitForEvent(r.browser.onDidHighlight, (h) => h?.uri === uri.toString() && h.line === line, `the highlight on line ${line + 1} after ${command}`);
    await typeAtBrowser(r, command);
    return moved;
}

suite("R's browser: the console, the editor's highlight and the variables view", () => {
    suiteSetup(async () => {
        const r = await readyR();
        await vscode.commands.executeCommand('rbridge.showConsole');
        await waitUntil(() => r.console.terminal(), [vscode.window.onDidOpenTerminal], 'the R console');
    });

    // A test that failed at a stop leaves R in its browser: Q leaves it, so that the next test starts at R's prompt.
    teardown(async () => {
        const r = await readyR();
        // (A question without the stop's details, as when the kernel's call failed, is left with Q too.)
        if (!r.browser.current() && r.console.awaitingInput() && /Browse\[\d+\]> $/.test(r.console.text())) {
            r.console.type('Q\r');
            return;
        }
        if (!r.browser.current()) return;
        const exited = waitForEvent(r.browser.onDidExit, () => true, 'R to leave the browser');
        r.console.type('Q\r');
        await exited;
    });

    test('browser() in a function run from a file: the line is highlighted, n moves it, the locals show under a header, c brings the globals back', async () => {
        const r = await readyR();
        const editor = await openR('browse_me.R', FILE);
        const uri = editor.document.uri;
        const first = waitForEvent(r.browser.onDidHighlight, (h) => h !== undefined, 'the first highlight');
        const done = executed(r, (e) => e.request.code.includes('br_result <- br_f(1)'), 'the file to run to its end', 60_000);
        void vscode.commands.executeCommand('rbridge.runFile');
        // R stops at browser() (line 4 of the file), and the console asks.
        assert.deepStrictEqual(await first, { uri: uri.toString(), line: 3 });
        assert.deepStrictEqual(r.browser.highlight(), { uri: uri.toString(), line: 3 });
        await consoleShows(r, /Called from: br_f\(1\)\nBrowse\[1\]> $/);
        assert.strictEqual(r.browser.current()?.call, 'br_f(1)');

        // The view lists the frame's locals under its header, the global environment as one row below.
        const atBrowser = await rows(r);
        assert.deepStrictEqual(atBrowser[0], 'Browsing br_f(1) frame 1 of 1');
        assert.deepStrictEqual(await locals(r), { a: '1', b: '2' });
        assert.strictEqual(atBrowser[atBrowser.length - 1], 'Global environment');
        const top = await Promise.resolve(r.variablesTree.getChildren(undefined));
        const globalsRow = top[top.length - 1];
        assert.strictEqual(globalsRow.kind, 'globals');
        // As it is at the stop: br_global was assigned by the run that browses.
        const globals = (await Promise.resolve(r.variablesTree.getChildren(globalsRow))) as VariableTreeNode[];
        assert.ok(
            globals.some((g) => g.kind === 'variable' && g.variable.name === 'br_global' && g.variable.summary === '"at the top level"'),
            `the global environment is under its row: ${JSON.stringify(globals.map((g) => (g.kind === 'variable' ? g.variable.name : g.kind)))}`,
        );

        // n: the highlight moves to the next line, the view lists the locals as they are there.
        await step(r, 'n', uri, 4);
        await step(r, 'n', uri, 5);
        assert.deepStrictEqual(await locals(r), { a: '1', b: '2', d: '4' });
        await step(r, 'n', uri, 6);
        const now = await locals(r);
        assert.deepStrictEqual(Object.keys(now), ['a', 'b', 'd', 'lst']);
        // A local's children come from the frame (not from a global of that name).
        const lst = (await Promise.resolve(r.variablesTree.getChildren(undefined))).find(
            (n): n is VariableNode => n.kind === 'variable' && n.variable.name === 'lst',
        )!;
        assert.strictEqual(r.variablesTree.getTreeItem(lst).contextValue, 'rbridge.local');
        const children = (await Promise.resolve(r.variablesTree.getChildren(lst))) as VariableNode[];
        assert.deepStrictEqual(
            children.map((c) => [c.variable.name, c.variable.summary]),
            [
                ['p', '1'],
                ['q', '"two"'],
            ],
        );

        // An expression typed at the prompt runs in the frame; R asks again at the same line, and the view shows the new value.
        const again = waitForEvent(r.browser.onDidStop, () => true, 'the stop after the expression');
        await typeAtBrowser(r, 'd <- 40');
        await again;
        assert.strictEqual(r.browser.highlight()?.line, 6, 'R is still at the same line');
        assert.strictEqual((await locals(r)).d, '40');
        await consoleShows(r, /Browse\[\d\]> d <- 40\nBrowse\[\d\]> $/);

        // Ctrl+Enter on a selection while R is stopped: typed at the browser's prompt, as in R's console (evaluated in the frame).
        const shown = await vscode.window.showTextDocument(editor.document);
        shown.selection = new vscode.Selection(6, 2, 6, 11);
        const afterSelection = waitForEvent(r.browser.onDidStop, () => true, 'the stop after the selection ran');
        await vscode.commands.executeCommand('rbridge.runSelection');
        await afterSelection;
        await consoleShows(r, /Browse\[\d\]> d \+ lst\$p\n\[1\] 41\nBrowse\[\d\]> $/);
        assert.strictEqual(r.browser.highlight()?.line, 6, 'R is still at the same line');
        assert.strictEqual(r.pending().length, 1, 'no execution of its own: the run that browses is the only one');

        // c: R runs to the end; the highlight goes and the view lists the global environment again.
        const exited = waitForEvent(r.browser.onDidExit, () => true, 'R to leave the browser');
        const gone = waitForEvent(r.browser.onDidHighlight, (h) => h === undefined, 'the highlight to go');
        await typeAtBrowser(r, 'c');
        assert.strictEqual((await done).result.status, 'ok');
        await exited;
        await gone;
        assert.strictEqual(r.browser.highlight(), undefined);
        assert.strictEqual(r.variablesTree.browsing, undefined);
        const after = await rows(r);
        assert.ok(!after.some((row) => row.startsWith('Browsing') || row.startsWith('Global environment')), JSON.stringify(after));
        await waitUntil(() => r.variablesTree.rootNode('br_result'), [r.variablesTree.onDidChangeTreeData], 'br_result in the view');
        assert.strictEqual(r.variablesTree.rootNode('br_result')!.variable.summary, '41');
    });

    test('a stop in a file no editor shows opens it in an editor, and n follows it there', async () => {
        const r = await readyR();
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const file = path.join(scratchDir('browser-source'), 'sourced.R');
        fs.writeFileSync(file, ['src_g <- function() {', '  inner <- 10', '  browser()', '  inner + 1', '}', 'src_g()', ''].join('\n'));
        const uri = vscode.Uri.file(file);
        const first = waitForEvent(r.browser.onDidHighlight, (h) => h !== undefined, 'the highlight in the sourced file');
        await vscode.commands.executeCommand('rbridge.showConsole');
        await consoleShows(r, /> $/);
        r.console.type(`source(${JSON.stringify(file)})\r`);
        assert.deepStrictEqual(await first, { uri: uri.toString(), line: 2 });
        const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
        assert.ok(shown, 'the file is shown in an editor');
        await step(r, 'n', uri, 3);
        const gone = waitForEvent(r.browser.onDidHighlight, (h) => h === undefined, 'the highlight to go');
        await typeAtBrowser(r, 'c');
        await gone;
        await consoleShows(r, /Browse\[\d\]> c\n(.*\n)*> $/);
    });

    test('browser() in code typed at the console (no source to show): the prompt and the locals, no highlight; Ctrl+C keeps R in the browser', async () => {
        const r = await readyR();
        await consoleShows(r, /> $/);
        const stopped = waitForEvent(r.browser.onDidStop, () => true, 'R to stop');
        r.console.type('(function(typed_local) { browser(); typed_local })(7)\r');
        await stopped;
        assert.strictEqual(r.browser.highlight(), undefined);
        // R waits for the user, it is not working: no "running …" notification (it comes after 2 s of a run).
        await new Promise((resolve) => setTimeout(resolve, 2600));
        assert.strictEqual(r.status().progressVisible, false, 'no progress notification while R waits at its browser');
        // The argument is still a promise (nothing forced it yet): listed as such, not evaluated.
        assert.deepStrictEqual(await locals(r), { typed_local: '<promise: not yet evaluated>' });
        // Ctrl+C at the prompt: R stays in its browser and asks again, as in R.
        await consoleShows(r, /Browse\[1\]> $/);
        const askedAgain = waitForEvent(r.browser.onDidStop, () => true, 'R to ask again after Ctrl+C');
        r.console.type('typed_\x03');
        await askedAgain;
        await consoleShows(r, /Browse\[1\]> typed_\^C\nBrowse\[1\]> $/);
        assert.ok(r.browser.browsing());
        const exited = waitForEvent(r.browser.onDidExit, () => true, 'R to leave the browser');
        await typeAtBrowser(r, 'c');
        await exited;
        await consoleShows(r, /\[1\] 7\n> $/);
    });
});
