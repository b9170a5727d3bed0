import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ExecuteResult } from '../../common/protocol';
import { consoleShows, openR, rOk, readyR, waitForEvent, waitUntil } from './helpers';

suite('The console transcript', () => {
    test('opens what the console shows as an r-console document: echoed code, output, a warning and an error', async () => {
        const r = await readyR();
        await openR('transcript.R', ['tr_x <- c(1.5, 2)', 'print(tr_x * 2)', 'warning("tr careful")', 'stop("tr boom")', 'tr_after <- 1']);
        const result = await vscode.commands.executeCommand<ExecuteResult | undefined>('rbridge.runFile');
        assert.strictEqual(result?.status, 'error', JSON.stringify(result?.error));
        // The location note comes last: everything R printed is in the console by then.
        await consoleShows(r, /at \S*transcript\.R:4\n/);

        const document = await vscode.commands.executeCommand<vscode.TextDocument | undefined>('rbridge.openTranscript');
        assert.ok(document, 'the command resolves with the document');
        try {
            assert.strictEqual(document.languageId, 'r-console');
            // Read-only, never dirty: closing it asks nothing.
            assert.strictEqual(document.uri.scheme, 'rbridge-console');
            assert.ok(!document.isUntitled, 'not an untitled document');
            assert.ok(!document.isDirty, 'not dirty');
            assert.strictEqual(vscode.window.activeTextEditor?.document, document, 'shown in the active editor');
            const text = document.getText();
            assert.ok(!text.includes('\x1b'), 'no ANSI escapes');
            // This run is at the end (earlier tests filled the console): a
            // failure shows just that part.
            const run = text.slice(text.lastIndexOf('> tr_x <- '));
            assert.match(run, /^> tr_x <- c\(1\.5, 2\)\n> print\(tr_x \* 2\)\n\[1\] 3 4\n/);
            assert.match(run, /> warning\("tr careful"\)\nWarning message:\ntr careful *\n/);
            assert.match(run, /> stop\("tr boom"\)\nError: tr boom\nat \S*transcript\.R:4\n$/);
            // It is the console's text without the prompt line.
            assert.ok(r.console.text().startsWith(text), 'the console text begins with the transcript');
            // The newest output is in view: the cursor is at the end.
            assert.strictEqual(vscode.window.activeTextEditor?.selection.active.line, document.lineCount - 1);
        } finally {
            if (vscode.window.activeTextEditor?.document === document) await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        }
    });

    test('is read-only, follows the console while open, and closes without asking to be saved', async () => {
        const r = await readyR();
        await rOk(r, 'cat("tr first\\n")');
        const document = await vscode.commands.executeCommand<vscode.TextDocument | undefined>('rbridge.openTranscript');
        assert.ok(document);
        const editor = vscode.window.activeTextEditor;
        assert.strictEqual(editor?.document, document);
        assert.match(document.getText(), /tr first\n/);
        // Typing in it changes nothing.
        const before = document.getText();
        await vscode.commands.executeCommand('type', { text: 'typed ' });
        assert.strictEqual(document.getText(), before, 'the transcript cannot be typed in');
        assert.ok(!document.isDirty);

        // New output appears in it, and the cursor, at the end, stays at the end.
        const grown = waitForEvent(
            vscode.workspace.onDidChangeTextDocument,
            (e) => e.document === document && document.getText().includes('tr second'),
            'the transcript to take in new output',
        );
        await rOk(r, 'cat("tr second\\n")');
        await grown;
        assert.match(document.getText(), /tr first\n(.*\n)*tr second\n/);
        assert.ok(!document.isDirty);
        await waitUntil(
            () => (editor.selection.active.line === document.lineCount - 1 ? true : undefined),
            [vscode.window.onDidChangeTextEditorSelection],
            'the cursor to follow the end',
        );

        // Opened again: the same document, up to date.
        await rOk(r, 'cat("tr third\\n")');
        const again = await vscode.commands.executeCommand<vscode.TextDocument | undefined>('rbridge.openTranscript');
        assert.strictEqual(again?.uri.toString(), document.uri.toString());
        assert.match(again.getText(), /tr third\n/);

        // Closing asks nothing (a dirty document would ask, and this would not return).
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === 'rbridge-console'));
    });

    test('the r-console language is known to VS Code', async () => {
        assert.ok((await vscode.languages.getLanguages()).includes('r-console'));
    });
});
