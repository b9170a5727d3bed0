import * as assert from 'assert';
import * as vscode from 'vscode';
import { cursorAt, openR, rbridge } from './helpers';

async function setting(name: string, value: unknown): Promise<void> {
    await vscode.workspace.getConfiguration('rbridge').update(name, value, vscode.ConfigurationTarget.Global);
}

suite("RStudio's keys in R editors", () => {
    suiteSetup(async () => {
        await rbridge();
    });

    suiteTeardown(async () => {
        await setting('pipe', undefined);
    });

    test('R: Insert Assignment Operator (Alt+- from the palette) writes " <- " after the cursor, spaced as by hand', async () => {
        const editor = await openR('keys-assign.R', ['k_x', 'k_y ', '']);
        cursorAt(editor, 0, 3);
        await vscode.commands.executeCommand('rbridge.insertAssignment');
        assert.strictEqual(editor.document.lineAt(0).text, 'k_x <- ');
        assert.strictEqual(editor.selection.active.character, 7, 'the cursor after the operator');
        // Two cursors, one after a space: no second space there.
        editor.selections = [new vscode.Selection(1, 4, 1, 4), new vscode.Selection(2, 0, 2, 0)];
        await vscode.commands.executeCommand('rbridge.insertAssignment');
        assert.strictEqual(editor.document.lineAt(1).text, 'k_y <- ');
        assert.strictEqual(editor.document.lineAt(2).text, '<- ');
        assert.deepStrictEqual(
            editor.selections.map((s) => [s.active.line, s.active.character]),
            [
                [1, 7],
                [2, 3],
            ],
        );
    });

    test('R: Insert Pipe Operator (Ctrl+Shift+M from the palette) writes the pipe of rbridge.pipe: |> by default, %>% when set', async () => {
        const editor = await openR('keys-pipe.R', ['mtcars', 'k_df']);
        cursorAt(editor, 0, 6);
        await vscode.commands.executeCommand('rbridge.insertPipe');
        assert.strictEqual(editor.document.lineAt(0).text, 'mtcars |> ');
        await setting('pipe', '%>%');
        cursorAt(editor, 1, 4);
        await vscode.commands.executeCommand('rbridge.insertPipe');
        assert.strictEqual(editor.document.lineAt(1).text, 'k_df %>% ');
        assert.strictEqual(editor.selection.active.character, 9);
        // A selection is replaced.
        editor.selection = new vscode.Selection(0, 7, 0, 9);
        await vscode.commands.executeCommand('rbridge.insertPipe');
        assert.strictEqual(editor.document.lineAt(0).text, 'mtcars %>% ');
        await setting('pipe', undefined);
    });
});
