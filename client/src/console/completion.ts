/**
 * Tab completion at the console's prompt, as a terminal does it: the
 * candidates come from the language server (the same textDocument/completion
 * that R editors use, see client/src/language/consoleCompletion.ts); this
 * file decides what Tab does with them. One candidate completes the word
 * inline; several that share more than what is typed complete that much;
 * otherwise they are listed in columns under the prompt, as R's console
 * (readline) lists them.
 *
 * No `vscode` import: tested in plain Node.
 */
import { displayWidth } from './text';

/**
 * A completion candidate reduced to what the console needs: what it is
 * called, and the text that replaces `[start, end)` of the line (UTF-16
 * offsets). An item without an edit of its own replaces the word before the
 * cursor (see `wordStart`).
 */
export interface ConsoleCandidate {
    label: string;
    /** What the label is matched against (LSP `filterText`), when it differs from the label. */
    filterText?: string;
    newText: string;
    /** The replaced range; undefined: the word before the cursor. */
    start?: number;
    end?: number;
    /** Where the cursor goes, as an offset into newText (a snippet's `$0`); undefined: after it. */
    cursorOffset?: number;
}

export type CompletionOutcome =
    /** Replace `[start, end)` of the line by `text` and put the cursor at `cursor`. */
    | { kind: 'edit'; start: number; end: number; text: string; cursor: number }
    /** Several candidates and nothing more to complete: list them. */
    | { kind: 'list'; labels: string[] }
    /** Nothing completes what is typed. */
    | { kind: 'none' };

/** Where the R name (or partial name) that ends at `cursor` begins: letters, digits, `.` and `_`. */
export function wordStart(line: string, cursor: number): number {
    let k = cursor;
    while (k > 0 && /[\p{L}\p{N}._]/u.test(line[k - 1])) k--;
    return k;
}

/**
 * Whether Tab at `cursor` asks for completion. At the start of a line, or
 * after a space, there is nothing to complete: Tab indents, as it always
 * did (two spaces, as R code is indented).
 */
export function wantsCompletion(line: string, cursor: number): boolean {
    return cursor > 0 && !/\s/.test(line[cursor - 1]);
}

/**
 * What Tab does with the server's candidates, for the line `line` with the
 * cursor at `cursor`. Candidates that do not start with what is typed in
 * their range are left out (LSP servers may leave that filtering to the
 * client, as VS Code does its own fuzzy filtering).
 */
export function completionOutcome(line: string, cursor: number, candidates: readonly ConsoleCandidate[]): CompletionOutcome {
    const word = wordStart(line, cursor);
    const usable = candidates
        .map((c) => ({ ...c, start: c.start ?? word, end: c.end ?? cursor }))
        .filter((c) => c.start <= cursor && c.end >= c.start && c.end <= line.length)
        .filter((c) => (c.filterText ?? c.newText).startsWith(line.slice(c.start, cursor)) || c.newText.startsWith(line.slice(c.start, cursor)));
    // The same completion twice (a name found in two places) is one.
    const unique = [...new Map(usable.map((c) => [`${c.start}:${c.end}:${c.newText}`, c])).values()];
    if (unique.length === 0) return { kind: 'none' };
    if (unique.length === 1) {
        const only = unique[0];
        return { kind: 'edit', start: only.start, end: only.end, text: only.newText, cursor: only.start + (only.cursorOffset ?? only.newText.length) };
    }
    // Several: complete what they all share, if that is more than what is typed.
    const start = unique[0].start;
    if (unique.every((c) => c.start === start)) {
        const shared = commonPrefix(unique.map((c) => c.newText));
        const typed = line.slice(start, cursor);
        if (shared.length > typed.length && shared.startsWith(typed)) {
            return { kind: 'edit', start, end: cursor, text: shared, cursor: start + shared.length };
        }
    }
    return { kind: 'list', labels: unique.map((c) => c.label) };
}

export function commonPrefix(texts: readonly string[]): string {
    if (texts.length === 0) return '';
    let prefix = texts[0];
    for (const text of texts.slice(1)) {
        let i = 0;
        while (i < prefix.length && i < text.length && prefix[i] === text[i]) i++;
        prefix = prefix.slice(0, i);
        if (!prefix) break;
    }
    // Never end between the two halves of a surrogate pair.
    const last = prefix.charCodeAt(prefix.length - 1);
    return last >= 0xd800 && last <= 0xdbff ? prefix.slice(0, -1) : prefix;
}

/**
 * A snippet (LSP InsertTextFormat.Snippet) as plain text, and where its
 * final tab stop (`$0`) is: placeholders keep their default text (`${1:x}`
 * becomes `x`), other tab stops and choices go (a choice keeps its first
 * option).
 */
export function snippetText(snippet: string): { text: string; cursorOffset?: number } {
    let text = '';
    let cursorOffset: number | undefined;
    let i = 0;
    while (i < snippet.length) {
        const c = snippet[i];
        if (c === '\\' && i + 1 < snippet.length) {
            text += snippet[i + 1];
            i += 2;
            continue;
        }
        if (c === '$') {
            const simple = /^\$(\d+)/.exec(snippet.slice(i));
            if (simple) {
                if (simple[1] === '0') cursorOffset = text.length;
                i += simple[0].length;
                continue;
            }
            const braced = /^\$\{(\d+)(?::((?:[^}\\]|\\.)*)|\|([^|}]*)\|)?\}/.exec(snippet.slice(i));
            if (braced) {
                if (braced[1] === '0') cursorOffset = text.length;
                if (braced[2] !== undefined) text += braced[2].replace(/\\(.)/g, '$1');
                else if (braced[3] !== undefined) text += braced[3].split(',')[0];
                i += braced[0].length;
                continue;
            }
        }
        text += c;
        i++;
    }
    return cursorOffset === undefined ? { text } : { text, cursorOffset };
}

/** The most candidates listed; more are counted on a line of their own. */
export const MAX_LISTED = 200;

/**
 * Candidates in columns as a terminal lists them (down the first column,
 * then the next, as readline does), at most `width` columns wide; one line
 * per row, each ending in a line break.
 */
export function formatColumns(labels: readonly string[], width: number): string {
    const shown = labels.slice(0, MAX_LISTED);
    const widest = Math.max(...shown.map((l) => displayWidth(l)));
    const columnWidth = widest + 2;
    const columns = Math.max(1, Math.floor((Math.max(width, 1) + 2) / columnWidth));
    const rows = Math.ceil(shown.length / columns);
    let out = '';
    for (let row = 0; row < rows; row++) {
        let line = '';
        for (let col = 0; col < columns; col++) {
            const label = shown[col * rows + row];
            if (label === undefined) break;
            const isLast = col === columns - 1 || (col + 1) * rows + row >= shown.length;
            line += isLast ? label : label + ' '.repeat(columnWidth - displayWidth(label));
        }
        out += line + '\n';
    }
    if (labels.length > shown.length) out += `… and ${labels.length - shown.length} more\n`;
    return out;
}
