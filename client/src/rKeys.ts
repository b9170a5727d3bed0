/**
 * RStudio's keys that R users reach for without thinking: Alt+- for ` <- `
 * and Ctrl+Shift+M for the pipe (`rbridge.pipe`: `|>` or `%>%`), in R
 * editors and in the R console. The keys themselves are keybindings in
 * package.json that type the text where the focus is (`type` in an R
 * editor, `workbench.action.terminal.sendSequence` in the console, told
 * from other terminals by the context key `rbridge.consoleActive` kept
 * here): typed by the workbench, the text lands in order with the keys
 * around it, however fast they come. The commands here are the same for the
 * command palette, spaced as by hand (no second space after one already
 * there). Ctrl+Shift+Enter (Run File) needs nothing here.
 */
import * as vscode from 'vscode';
import { spacedOperator } from './operatorText';
import { Settings } from './settings';

export const R_KEY_COMMAND_IDS = ['rbridge.insertAssignment', 'rbridge.insertPipe'];

/** The commands, and the context key that tells the console's terminal from other terminals. */
export function registerRKeys(settings: Settings, consoleTerminal: () => vscode.Terminal | undefined): vscode.Disposable[] {
    let focused: boolean | undefined;
    const update = () => {
        const now = vscode.window.activeTerminal !== undefined && vscode.window.activeTerminal === consoleTerminal();
        if (now === focused) return;
        focused = now;
        void vscode.commands.executeCommand('setContext', 'rbridge.consoleActive', now);
    };
    update();
    return [
        vscode.commands.registerCommand('rbridge.insertAssignment', () => insertOperator('<-')),
        vscode.commands.registerCommand('rbridge.insertPipe', () => insertOperator(settings.pipe)),
        vscode.window.onDidChangeActiveTerminal(update),
        vscode.window.onDidOpenTerminal(update),
        vscode.window.onDidCloseTerminal(update),
    ];
}

/** Replaces every selection of the active editor with the operator, spaced, and leaves each cursor after it. */
async function insertOperator(operator: string): Promise<boolean> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return false;
    // Keys typed just before reach this extension host a moment later; an
    // edit made against the text before them is refused (its version is
    // old), and is made again once they are here.
    for (let attempt = 0; attempt < 20; attempt++) {
        if (await tryInsert(editor, operator)) return true;
        await new Promise((resolve) => setTimeout(resolve, 25));
        if (vscode.window.activeTextEditor !== editor) return false;
    }
    return false;
}

async function tryInsert(editor: vscode.TextEditor, operator: string): Promise<boolean> {
    const document = editor.document;
    const edits = editor.selections.map((selection) => {
        const { start, end } = selection;
        const before = document.lineAt(start.line).text.slice(0, start.character);
        const after = document.lineAt(end.line).text.slice(end.character);
        const text = spacedOperator(operator, before, after);
        return { range: new vscode.Range(start, end), text, from: document.offsetAt(start), to: document.offsetAt(end) };
    });
    const done = await editor.edit((builder) => {
        for (const edit of edits) builder.replace(edit.range, edit.text);
    });
    if (!done) return false;
    // Each cursor goes after its operator, whatever the edit did to the
    // selections: its offset moves by what the edits before it added.
    const order = [...edits].sort((a, b) => a.from - b.from);
    const cursor = new Map<(typeof edits)[number], number>();
    let delta = 0;
    for (const edit of order) {
        cursor.set(edit, edit.from + delta + edit.text.length);
        delta += edit.text.length - (edit.to - edit.from);
    }
    editor.selections = edits.map((edit) => {
        const at = document.positionAt(cursor.get(edit)!);
        return new vscode.Selection(at, at);
    });
    return true;
}
