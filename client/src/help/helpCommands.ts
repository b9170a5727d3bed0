/**
 * The two help commands (registered in commands.ts's table): "R: Help on
 * Word Under Cursor" (F1 in R files, as in RStudio) and "R: Search Help".
 * Both ask R, which starts it if needed: asking is an explicit command.
 */
import * as vscode from 'vscode';
import type { HelpPanel } from './helpPanel';
import type { HelpView } from './protocol';
import { HelpTarget, helpTargetAt, parseHelpQuery } from './helpTopic';

/**
 * The help page of the name under the cursor (or of the selection, when
 * one is on one line). Where there is no name, asks for a topic as "R:
 * Search Help" does.
 */
export async function helpOnWord(help: HelpPanel): Promise<HelpView | undefined> {
    const editor = vscode.window.activeTextEditor;
    const target = editor ? targetIn(editor) : undefined;
    if (!target) return searchHelp(help, undefined);
    return help.openTopic(target);
}

function targetIn(editor: vscode.TextEditor): HelpTarget | undefined {
    const selection = editor.selection;
    if (!selection.isEmpty && selection.isSingleLine) {
        const parsed = parseHelpQuery(editor.document.getText(selection));
        if (parsed?.kind === 'topic') return parsed.target;
    }
    return helpTargetAt(editor.document.lineAt(selection.active.line).text, selection.active.character);
}

/**
 * Asks for a topic (`lm`, `stats::lm`) or `??words`, and shows its page or
 * the pages that match. A string argument is taken as what would be typed.
 */
export async function searchHelp(help: HelpPanel, text: unknown): Promise<HelpView | undefined> {
    const query =
        typeof text === 'string'
            ? text
            : await vscode.window.showInputBox({
                  title: 'R: Search Help',
                  prompt: 'A help topic (lm, stats::lm), or ??words to search the help pages for',
                  placeHolder: 'lm',
              });
    if (!query?.trim()) return undefined;
    return help.search(query);
}
