/**
 * The server's completion answer (LSP CompletionItem[] or CompletionList)
 * turned into the console's candidates (console/completion.ts): the text
 * each one inserts and the part of the typed line it replaces.
 *
 * The LSP types are declared here as far as they are read (the real ones
 * fit them), so that this file needs neither `vscode` nor the language
 * client: tested in plain Node.
 */
import { ConsoleCandidate, snippetText } from '../console/completion';

export interface LspPosition {
    line: number;
    character: number;
}
export interface LspRange {
    start: LspPosition;
    end: LspPosition;
}
type LspEditRange = LspRange | { insert: LspRange; replace: LspRange };

export interface LspCompletionItem {
    label: string;
    filterText?: string;
    insertText?: string;
    /** 1: plain text, 2: a snippet. */
    insertTextFormat?: number;
    textEdit?: { newText: string; range: LspRange } | { newText: string; insert: LspRange; replace: LspRange };
    textEditText?: string;
    sortText?: string;
}
export interface LspCompletionList {
    isIncomplete: boolean;
    items: LspCompletionItem[];
    itemDefaults?: { editRange?: LspEditRange; insertTextFormat?: number };
}

const SNIPPET = 2;

/** Where each line of `text` starts (UTF-16 offsets). */
export function lineStarts(text: string): number[] {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
    return starts;
}

/** The LSP position of an offset into `text`. */
export function positionAt(text: string, offset: number): LspPosition {
    const starts = lineStarts(text);
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
    return { line, character: offset - starts[line] };
}

function offsetAt(starts: readonly number[], position: LspPosition): number {
    return (starts[position.line] ?? Infinity) + position.character;
}

/**
 * The candidates of a completion answer for a document whose text is
 * `document`, where the console's line begins at offset `lineOffset` and is
 * `lineLength` long: ranges become offsets into that line; an item whose
 * edit reaches into the lines before it (already sent to R) is left out.
 * In the server's order (by `sortText`, then label, as VS Code sorts).
 */
export function consoleCandidates(answer: LspCompletionItem[] | LspCompletionList | null | undefined, document: string, lineOffset: number, lineLength: number): ConsoleCandidate[] {
    if (!answer) return [];
    const list = Array.isArray(answer) ? { items: answer, itemDefaults: undefined } : answer;
    const starts = lineStarts(document);
    const sorted = [...list.items].sort((a, b) => compare(a.sortText ?? a.label, b.sortText ?? b.label) || compare(a.label, b.label));
    const out: ConsoleCandidate[] = [];
    for (const item of sorted) {
        const edit = item.textEdit;
        const range = edit ? editRange(edit) : list.itemDefaults?.editRange ? editRange(list.itemDefaults.editRange) : undefined;
        const raw = edit?.newText ?? (range ? item.textEditText : undefined) ?? item.insertText ?? item.label;
        const format = item.insertTextFormat ?? list.itemDefaults?.insertTextFormat;
        const { text, cursorOffset } = format === SNIPPET ? snippetText(raw) : { text: raw, cursorOffset: undefined };
        const candidate: ConsoleCandidate = { label: item.label, newText: text };
        if (item.filterText !== undefined) candidate.filterText = item.filterText;
        if (cursorOffset !== undefined) candidate.cursorOffset = cursorOffset;
        if (range) {
            const start = offsetAt(starts, range.start) - lineOffset;
            const end = offsetAt(starts, range.end) - lineOffset;
            if (!(start >= 0 && end >= start && end <= lineLength)) continue;
            candidate.start = start;
            candidate.end = end;
        }
        out.push(candidate);
    }
    return out;
}

/** The range an edit replaces up to the cursor: an insert-or-replace edit's `insert` range, as VS Code inserts by default. */
function editRange(edit: { range: LspRange } | { insert: LspRange; replace: LspRange } | LspEditRange): LspRange {
    if ('insert' in edit) return edit.insert;
    if ('range' in edit) return edit.range;
    return edit;
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
