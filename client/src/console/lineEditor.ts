/**
 * The line the user is typing in the R console: the text, the cursor, the
 * history, and the keys a terminal sends for editing (arrows, Home/End,
 * Ctrl+A/E/K/U/W, word moves, Backspace/Delete). Keys that end or abandon
 * the line (Enter, Ctrl+C, Ctrl+D, Ctrl+L), Tab after part of a name and
 * pasted text come back as actions for the console to carry out; the
 * console also decides what goes into the history (code, not the answers
 * to readline()).
 *
 * No `vscode` import: tested in plain Node.
 */
import { wantsCompletion } from './completion';

export type EditorAction =
    /** Enter: the line is complete. */
    | { kind: 'enter'; line: string }
    /** Several lines pasted at once (the last one, unfinished, stays on the line). */
    | { kind: 'paste'; lines: string[] }
    | { kind: 'interrupt' }
    /** Ctrl+D on an empty line. */
    | { kind: 'eof' }
    | { kind: 'clearScreen' }
    /** Tab after part of a name: the console asks for completions (completion.ts). */
    | { kind: 'complete' }
    /** The line or the cursor changed: draw it again. */
    | { kind: 'redraw' };

const BRACKETED_PASTE_START = '\x1b[200~';
const BRACKETED_PASTE_END = '\x1b[201~';

export class LineEditor {
    text = '';
    /** Index in `text` (UTF-16 code units) before which the cursor stands. */
    cursor = 0;
    private history: string[];
    /** Position while browsing the history; history.length means "the line being typed". */
    private historyIndex: number;
    /** What was typed before browsing the history started. */
    private draft = '';
    /** Text of a bracketed paste that has not ended yet. */
    private pasting: string | undefined;

    constructor(history: string[] = [], private readonly historyLimit = 1000) {
        this.history = history.slice(-historyLimit);
        this.historyIndex = this.history.length;
    }

    get entries(): readonly string[] {
        return this.history;
    }

    /** Clears the line (after Enter, Ctrl+C, or when a new prompt starts). */
    reset(): void {
        this.text = '';
        this.cursor = 0;
        this.historyIndex = this.history.length;
        this.draft = '';
    }

    /**
     * Adds an entry (code R ran from the prompt, or a run from an editor,
     * which may span several lines) to the history, unless it repeats the
     * newest one. The line being typed, and a walk through the history in
     * progress, are left as they are.
     */
    addHistory(entry: string): void {
        if (!entry.trim()) return;
        const browsing = this.historyIndex < this.history.length;
        if (this.history[this.history.length - 1] !== entry) this.history.push(entry);
        let dropped = 0;
        if (this.history.length > this.historyLimit) {
            dropped = this.history.length - this.historyLimit;
            this.history.splice(0, dropped);
        }
        this.historyIndex = browsing ? Math.max(0, this.historyIndex - dropped) : this.history.length;
    }

    /** Applies what the terminal sent; returns what the console must do, in order. */
    input(data: string): EditorAction[] {
        const actions: EditorAction[] = [];
        let redraw = false;
        let i = 0;
        while (i < data.length) {
            if (this.pasting !== undefined) {
                const end = data.indexOf(BRACKETED_PASTE_END, i);
                this.pasting += data.slice(i, end < 0 ? data.length : end);
                if (end < 0) break;
                i = end + BRACKETED_PASTE_END.length;
                const pasted = this.pasting;
                this.pasting = undefined;
                if (redraw) actions.push({ kind: 'redraw' });
                redraw = false;
                actions.push(...this.paste(pasted));
                continue;
            }
            if (data.startsWith(BRACKETED_PASTE_START, i)) {
                this.pasting = '';
                i += BRACKETED_PASTE_START.length;
                continue;
            }
            const c = data[i];
            if (c === '\x1b') {
                const sequence = matchEscape(data, i);
                i += sequence.length;
                redraw = this.escape(sequence) || redraw;
                continue;
            }
            if (c === '\r' || c === '\n') {
                // Text after a line break in the same chunk is a paste (or
                // typing faster than the terminal reports): all of it goes
                // together, as the user meant it.
                const rest = data.slice(i);
                if (/[^\r\n]/.test(rest.replace(/^(\r\n|\r|\n)/, '')) || /^(\r\n|\r|\n)(\r\n|\r|\n)/.test(rest)) {
                    if (redraw) actions.push({ kind: 'redraw' });
                    redraw = false;
                    actions.push(...this.paste(rest));
                    break;
                }
                if (redraw) actions.push({ kind: 'redraw' });
                redraw = false;
                actions.push(this.enter());
                i += c === '\r' && data[i + 1] === '\n' ? 2 : 1;
                continue;
            }
            i++;
            switch (c) {
                case '\x03':
                    if (redraw) actions.push({ kind: 'redraw' });
                    redraw = false;
                    actions.push({ kind: 'interrupt' });
                    continue;
                case '\x04':
                    if (this.text.length === 0) {
                        if (redraw) actions.push({ kind: 'redraw' });
                        redraw = false;
                        actions.push({ kind: 'eof' });
                    } else if (this.cursor < this.text.length) {
                        this.deleteRange(this.cursor, this.nextCharEnd(this.cursor));
                        redraw = true;
                    }
                    continue;
                case '\x0c':
                    if (redraw) actions.push({ kind: 'redraw' });
                    redraw = false;
                    actions.push({ kind: 'clearScreen' });
                    continue;
                case '\x7f':
                case '\b':
                    if (this.cursor > 0) this.deleteRange(this.previousCharStart(this.cursor), this.cursor);
                    redraw = true;
                    continue;
                case '\x01':
                    this.cursor = 0;
                    redraw = true;
                    continue;
                case '\x05':
                    this.cursor = this.text.length;
                    redraw = true;
                    continue;
                case '\x02':
                    this.cursor = this.previousCharStart(this.cursor);
                    redraw = true;
                    continue;
                case '\x06':
                    this.cursor = this.nextCharEnd(this.cursor);
                    redraw = true;
                    continue;
                case '\x0b':
                    this.text = this.text.slice(0, this.cursor);
                    redraw = true;
                    continue;
                case '\x15':
                    this.text = this.text.slice(this.cursor);
                    this.cursor = 0;
                    redraw = true;
                    continue;
                case '\x17':
                    this.deleteRange(this.wordStartBefore(this.cursor), this.cursor);
                    redraw = true;
                    continue;
                case '\x10':
                    redraw = this.historyMove(-1) || redraw;
                    continue;
                case '\x0e':
                    redraw = this.historyMove(1) || redraw;
                    continue;
                case '\t':
                    if (wantsCompletion(this.text, this.cursor)) {
                        if (redraw) actions.push({ kind: 'redraw' });
                        redraw = false;
                        actions.push({ kind: 'complete' });
                    } else {
                        // Nothing to complete: two spaces, as R code is indented.
                        this.insert('  ');
                        redraw = true;
                    }
                    continue;
                default:
                    if (c < ' ') continue;
                    this.insert(c);
                    redraw = true;
            }
        }
        if (redraw) actions.push({ kind: 'redraw' });
        return actions;
    }

    /** Enter. The console decides whether the line goes to the history: an answer to readline() does not. */
    private enter(): EditorAction {
        const line = this.text;
        this.reset();
        return { kind: 'enter', line };
    }

    /**
     * Pasted text: its first line continues what is typed, its complete lines
     * go to R, an unfinished last line stays on the line for editing.
     */
    private paste(pasted: string): EditorAction[] {
        const parts = pasted.split(/\r\n|\r|\n/);
        if (parts.length === 1) {
            this.insert(parts[0]);
            return [{ kind: 'redraw' }];
        }
        const rest = parts.pop()!;
        parts[0] = this.text.slice(0, this.cursor) + parts[0] + this.text.slice(this.cursor);
        this.reset();
        this.insert(rest);
        if (parts.length === 1) return [{ kind: 'enter', line: parts[0] }, { kind: 'redraw' }];
        return [{ kind: 'paste', lines: parts }, { kind: 'redraw' }];
    }

    /** Handles an escape sequence; returns whether the line must be drawn again. */
    private escape(sequence: string): boolean {
        switch (sequence) {
            case '\x1b[A':
            case '\x1bOA':
                return this.historyMove(-1);
            case '\x1b[B':
            case '\x1bOB':
                return this.historyMove(1);
            case '\x1b[C':
            case '\x1bOC':
                this.cursor = this.nextCharEnd(this.cursor);
                return true;
            case '\x1b[D':
            case '\x1bOD':
                this.cursor = this.previousCharStart(this.cursor);
                return true;
            case '\x1b[H':
            case '\x1bOH':
            case '\x1b[1~':
            case '\x1b[7~':
                this.cursor = 0;
                return true;
            case '\x1b[F':
            case '\x1bOF':
            case '\x1b[4~':
            case '\x1b[8~':
                this.cursor = this.text.length;
                return true;
            case '\x1b[3~':
                if (this.cursor < this.text.length) this.deleteRange(this.cursor, this.nextCharEnd(this.cursor));
                return true;
            case '\x1b[1;5C':
            case '\x1b[1;3C':
            case '\x1bf':
                this.cursor = this.wordEndAfter(this.cursor);
                return true;
            case '\x1b[1;5D':
            case '\x1b[1;3D':
            case '\x1bb':
                this.cursor = this.wordStartBefore(this.cursor);
                return true;
            case '\x1b\x7f':
                this.deleteRange(this.wordStartBefore(this.cursor), this.cursor);
                return true;
            case '\x1bd':
                this.deleteRange(this.cursor, this.wordEndAfter(this.cursor));
                return true;
            default:
                // Function keys and the like: ignored.
                return false;
        }
    }

    /** Replaces `[start, end)` of the line by `text` and puts the cursor at `cursor` (a completion). */
    replace(start: number, end: number, text: string, cursor = start + text.length): void {
        this.text = this.text.slice(0, start) + text + this.text.slice(end);
        this.cursor = Math.max(0, Math.min(cursor, this.text.length));
    }

    /** Inserts text at the cursor, as typing it would. */
    type(s: string): void {
        this.insert(s);
    }

    private historyMove(step: number): boolean {
        const target = this.historyIndex + step;
        if (target < 0 || target > this.history.length) return false;
        if (this.historyIndex === this.history.length) this.draft = this.text;
        this.historyIndex = target;
        this.text = target === this.history.length ? this.draft : this.history[target];
        this.cursor = this.text.length;
        return true;
    }

    private insert(s: string): void {
        this.text = this.text.slice(0, this.cursor) + s + this.text.slice(this.cursor);
        this.cursor += s.length;
    }

    private deleteRange(from: number, to: number): void {
        if (to <= from) return;
        this.text = this.text.slice(0, from) + this.text.slice(to);
        this.cursor = from;
    }

    /** Steps over a whole surrogate pair, so that the cursor never splits one. */
    private previousCharStart(index: number): number {
        if (index <= 0) return 0;
        const code = this.text.charCodeAt(index - 1);
        return code >= 0xdc00 && code <= 0xdfff && index >= 2 ? index - 2 : index - 1;
    }

    private nextCharEnd(index: number): number {
        if (index >= this.text.length) return this.text.length;
        const code = this.text.charCodeAt(index);
        return code >= 0xd800 && code <= 0xdbff ? index + 2 : index + 1;
    }

    private wordStartBefore(index: number): number {
        let k = index;
        while (k > 0 && !isWordChar(this.text[k - 1])) k--;
        while (k > 0 && isWordChar(this.text[k - 1])) k--;
        return k;
    }

    private wordEndAfter(index: number): number {
        let k = index;
        while (k < this.text.length && !isWordChar(this.text[k])) k++;
        while (k < this.text.length && isWordChar(this.text[k])) k++;
        return k;
    }
}

function isWordChar(c: string): boolean {
    return /[\p{L}\p{N}._]/u.test(c);
}

/** The escape sequence that starts at `i` (CSI, SS3 or Alt+key). */
function matchEscape(data: string, i: number): string {
    const next = data[i + 1];
    if (next === '[') {
        // CSI: parameters and intermediates, then one final byte.
        let j = i + 2;
        while (j < data.length && /[0-9;?<=> !"#$%&'()*+,\-./]/.test(data[j])) j++;
        return data.slice(i, Math.min(j + 1, data.length));
    }
    if (next === 'O') return data.slice(i, i + 3);
    if (next === undefined) return '\x1b';
    return data.slice(i, i + 2);
}
