import * as assert from 'assert';
import * as vscode from 'vscode';
import type { RBridgeApi } from '../../client/src/api';
import type { HelpShown, HelpView } from '../../client/src/help/protocol';
import { consoleShows, cursorAt, EXTENSION_ID, executed, openR, PAGE_LOAD_MS, readyR, rOk, waitUntil } from './helpers';

function command<T = unknown>(id: string, ...args: unknown[]): Thenable<T | undefined> {
    return vscode.commands.executeCommand<T | undefined>(id, ...args);
}

function labelOf(item: vscode.CompletionItem): string {
    return typeof item.label === 'string' ? item.label : item.label.label;
}

/** Types text into the active editor at its cursor, as the keyboard does (suggestions and signature help react to it). */
async function typeText(text: string): Promise<void> {
    await vscode.commands.executeCommand('type', { text });
}

function hoverText(hovers: vscode.Hover[] | undefined): string {
    return (hovers ?? [])
        .flatMap((h) => h.contents)
        .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
        .join('\n');
}

/** Waits until the Help panel's page shows an entry that satisfies `accept`. */
async function helpShows(r: RBridgeApi, accept: (shown: HelpShown) => boolean, what: string, ms = PAGE_LOAD_MS): Promise<HelpShown> {
    try {
        return await waitUntil(
            () => {
                const shown = r.help.shown();
                return shown && accept(shown) ? shown : undefined;
            },
            [r.help.onDidShow, r.help.onDidChange],
            what,
            ms,
        );
    } catch (e) {
        // Say where it stood: the entry the panel holds, and what the page last reported.
        const current = r.help.current();
        const entry = current && (current.kind === 'page' ? `page ${current.package}::${current.topic}` : current.kind);
        throw new Error(`${(e as Error).message} (panel ${r.help.isOpen() ? 'open' : 'closed'}, entry: ${entry ?? 'none'}, page shows: ${JSON.stringify(r.help.shown() ?? null)})`);
    }
}

suite('Completion, hover, signature help and the Help panel', () => {
    let r: RBridgeApi;

    suiteSetup(async () => {
        r = await readyR();
        await rOk(r, 'mtcars <- mtcars; x_hover <- 1:10');
    });

    test('typing mtcars$ in an R editor offers its columns, with their kind and detail', async () => {
        const editor = await openR('language.R', ['']);
        cursorAt(editor, 0);
        await typeText('mtcars$');
        const position = editor.selection.active;
        assert.strictEqual(editor.document.lineAt(0).text, 'mtcars$');
        const list = await command<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, position, '$');
        const labels = (list?.items ?? []).map(labelOf);
        console.log(`    (mtcars$ → ${labels.join(', ')})`);
        for (const column of ['mpg', 'cyl', 'disp', 'hp', 'wt']) assert.ok(labels.includes(column), `${column} in ${labels.join(', ')}`);
        const mpg = list!.items.find((i) => labelOf(i) === 'mpg')!;
        assert.strictEqual(mpg.kind, vscode.CompletionItemKind.Field, 'a column is a field');
        assert.match(mpg.detail ?? '', /numeric/, `its detail: ${mpg.detail}`);
    });

    test('an untitled R document gets completion too', async () => {
        const document = await vscode.workspace.openTextDocument({ language: 'r', content: 'x_hov' });
        await vscode.window.showTextDocument(document, { preview: false });
        const list = await command<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, new vscode.Position(0, 5));
        const item = list?.items.find((i) => labelOf(i) === 'x_hover');
        assert.ok(item, `x_hover offered: ${(list?.items ?? []).map(labelOf).slice(0, 20).join(', ')}`);
        assert.strictEqual(item.kind, vscode.CompletionItemKind.Variable);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });

    test('signature help for rnorm( shows rnorm(n, mean = 0, sd = 1)', async () => {
        const editor = await openR('signature.R', ['']);
        cursorAt(editor, 0);
        await typeText('rnorm(');
        const help = await command<vscode.SignatureHelp>('vscode.executeSignatureHelpProvider', editor.document.uri, editor.selection.active, '(');
        assert.ok(help?.signatures.length, 'a signature');
        assert.strictEqual(help.signatures[help.activeSignature].label, 'rnorm(n, mean = 0, sd = 1)');
        assert.strictEqual(help.activeParameter, 0, 'n first');
        await typeText('10, sd = ');
        const later = await command<vscode.SignatureHelp>('vscode.executeSignatureHelpProvider', editor.document.uri, editor.selection.active, ',');
        const signature = later!.signatures[later!.activeSignature];
        const active = signature.parameters[later!.activeParameter].label;
        assert.strictEqual(typeof active === 'string' ? active : signature.label.slice(active[0], active[1]), 'sd', 'sd, being named');
    });

    test('hover over a variable describes it from the live session', async () => {
        const editor = await openR('hover.R', ['print(x_hover)']);
        const hovers = await command<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(0, 8));
        const text = hoverText(hovers);
        console.log(`    (hover: ${JSON.stringify(text)})`);
        assert.match(text, /x_hover/);
        assert.match(text, /integer/);
        assert.match(text, /10/);
    });

    test('Tab in the console completes one candidate inline and lists several', async () => {
        r.console.type('\x15mtcars$mp\t');
        await consoleShows(r, /> mtcars\$mpg$/, 'mtcars$mpg completed at the prompt');
        r.console.type('\x15mtcars$d\t');
        const text = await consoleShows(r, /> mtcars\$d\ndisp +drat\n> mtcars\$d$/, 'disp and drat listed under the line');
        assert.ok(text.endsWith('> mtcars$d'));
        r.console.type('\x15');
    });

    test('F1 (Help on Word Under Cursor) on lm opens the Help panel with the lm page', async () => {
        const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { keybindings: { command: string; key: string; when?: string }[] } };
        const f1 = manifest.contributes.keybindings.find((k) => k.command === 'rbridge.helpOnWord');
        assert.strictEqual(f1?.key, 'f1');
        assert.match(f1?.when ?? '', /editorLangId == r/);
        const editor = await openR('help.R', ['fit <- lm(mpg ~ wt, data = mtcars)']);
        cursorAt(editor, 0, 8);
        const view = await command<HelpView>('rbridge.helpOnWord');
        assert.strictEqual(view?.kind, 'page');
        const shown = await helpShows(r, (s) => s.topic === 'lm', 'the lm page in the Help panel');
        console.log(`    (lm page: ${JSON.stringify(shown)})`);
        assert.ok(r.help.isOpen());
        assert.strictEqual(shown.package, 'stats');
        assert.strictEqual(shown.title, 'Fitting Linear Models');
        for (const heading of ['Description', 'Usage', 'Arguments', 'Examples']) assert.ok(shown.headings.includes(heading), `${heading} in ${shown.headings.join(', ')}`);
        assert.ok(shown.links > 10, `links to other pages: ${shown.links}`);
        assert.strictEqual(shown.examples, 1, 'one Run example button');
        assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString(), 'the editor keeps the focus');
    });

    test('a link in the page opens its page; back and forward walk the history', async () => {
        r.help.click({ target: 'link', topic: 'formula' });
        const formula = await helpShows(r, (s) => s.topic === 'formula', 'the formula page after its link');
        assert.strictEqual(formula.package, 'stats');
        assert.ok(r.help.canGoBack());
        r.help.back();
        await helpShows(r, (s) => s.topic === 'lm', 'lm again after Back');
        assert.ok(r.help.canGoForward());
        r.help.forward();
        await helpShows(r, (s) => s.topic === 'formula', 'formula again after Forward');
    });

    test('Run example runs the example block in the R console', async () => {
        await r.help.search('mean');
        await helpShows(r, (s) => s.topic === 'mean' && s.examples === 1, 'the mean page');
        const ran = executed(r, (e) => e.request.origin === 'help', 'the example of mean');
        r.help.click({ target: 'example', index: 0 });
        const record = await ran;
        assert.strictEqual(record.result.status, 'ok', record.result.error?.message);
        assert.match(record.request.code, /xm <- mean\(x\)/);
        await consoleShows(r, /> xm <- mean\(x\)/, 'the example echoed in the console');
    });

    test('?topic in R code shows the page in the panel (r/showHelp)', async () => {
        await rOk(r, '?median');
        await helpShows(r, (s) => s.topic === 'median' && s.package === 'stats', 'the median page from ?median');
    });

    test('R: Search Help opens a topic given with its package', async () => {
        const view = await command<HelpView>('rbridge.searchHelp', 'stats::sd');
        assert.strictEqual(view?.kind, 'page');
        await helpShows(r, (s) => s.topic === 'sd' && s.package === 'stats', 'the sd page');
    });

    test('the search box: an unknown topic says so, words list the pages that mention them, and a match opens', async () => {
        const missing = await r.help.search('no_such_topic_xyz');
        assert.strictEqual(missing?.kind, 'message');
        await helpShows(r, (s) => s.kind === 'message' && /No help page for ‘no_such_topic_xyz’/.test(s.title), 'the sentence about the unknown topic');
        // The first word search builds R's help search database: seconds.
        const found = await r.help.search('??linear models');
        assert.strictEqual(found?.kind, 'matches');
        const list = await helpShows(r, (s) => s.kind === 'matches' && s.matches > 0, 'pages about linear models', 60_000);
        console.log(`    (??linear models: ${list.matches} pages)`);
        const first = (r.help.current() as Extract<HelpView, { kind: 'matches' }>).matches[0];
        r.help.click({ target: 'match', index: 0 });
        await helpShows(r, (s) => s.kind === 'page' && s.topic !== undefined && s.package === first.package, `the page of ${first.package}::${first.topic}`);
    });

    test('asked while R runs code, the page opens when R is done', async () => {
        const sleeping = r.execute('Sys.sleep(1.5)');
        await waitUntil(() => r.pending().find((p) => p.state === 'running'), [r.onDidStartExecution], 'Sys.sleep to run');
        const view = r.help.search('quantile');
        assert.strictEqual((await sleeping).status, 'ok');
        assert.strictEqual((await view)?.kind, 'page');
        await helpShows(r, (s) => s.topic === 'quantile', 'the quantile page after the sleep');
    });
});
