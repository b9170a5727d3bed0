import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ExecuteResult } from '../../common/protocol';
import { consoleShows, openR, readyR } from './helpers';

suite('The console transcript', () => {
    test('opens what the console shows as an r-console document: echoed code, output, a warning and an error', async () => {
        const r = await readyR();
        await openR('transcript.R', ['tr_x <- c(1.5, 2)', 'print(tr_x * 2)', 'warning("tr careful")', 'stop("tr boom")', 'tr_after <- 1']);
        const result = await vscode.commands.executeCommand<ExecuteResult | undefined>('rbridge.runFile');
        assert.strictEqual(result?.status, 'error');
        // The location note comes last: everything R printed is in the console by then.
        await consoleShows(r, /at \S*transcript\.R:4\n/);

        const document = await vscode.commands.executeCommand<vscode.TextDocument | undefined>('rbridge.openTranscript');
        assert.ok(document, 'the command resolves with the document');
        try {
            assert.strictEqual(document.languageId, 'r-console');
            assert.ok(document.isUntitled, 'an untitled document');
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
            // Untitled and changed: close it without the question whether to save it.
            if (vscode.window.activeTextEditor?.document === document) {
                await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
            }
        }
    });

    test('the r-console language is known to VS Code', async () => {
        assert.ok((await vscode.languages.getLanguages()).includes('r-console'));
    });
});
