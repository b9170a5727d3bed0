/**
 * The R console's logic, behind the terminal: what R printed, in colour; a
 * prompt the user types R code at, with line editing, history, Tab
 * completion and continuation lines (`+ `) when an expression is
 * incomplete; answers to readline(); Ctrl+C. The VS Code side
 * (consoleTerminal.ts) only connects it to a Pseudoterminal.
 *
 * Output is collected in a bounded buffer and written in one piece, with
 * the prompt line erased before and drawn again after. The first output
 * after a quiet period is written on the next turn of the event loop, so
 * that `1+1` shows its answer without waiting for a timer; what follows
 * within `flushMs` of a write waits for the end of that interval, so that a
 * burst becomes one write per interval. A burst larger than the buffer's
 * bounds is cut to its end (see outputBuffer.ts).
 *
 * No `vscode` import: tested in plain Node.
 */
import type { ExecuteResult, InputResult } from '../../../common/protocol';
import { CompletionOutcome, ConsoleCandidate, completionOutcome, formatColumns } from './completion';
import { LineEditor, EditorAction } from './lineEditor';
import { Limits, OutputBuffer } from './outputBuffer';
import { OutputStyle, StderrClassifier, displayWidth, overstrikeCarriageReturns, stripAnsi, styled } from './text';

/** What the console needs from the rest of the extension. */
export interface ConsoleHost {
    /** Runs code the user typed or pasted; `echo` asks R to print it with prompts first. */
    execute(code: string, echo: boolean): Promise<ExecuteResult>;
    /** Ctrl+C while R is busy. */
    interrupt(): void;
    /** The history changed (to keep it across sessions). */
    historyChanged?(entries: readonly string[]): void;
    /** The console's width is known, or changed (R's `options(width)` follows it). */
    resized?(columns: number): void;
    /**
     * Completions for Tab: `text` is the line typed (which may hold several
     * lines, recalled from the history), `cursor` the cursor's offset in it,
     * `before` the lines of an incomplete expression entered before it.
     * Without it, Tab indents.
     */
    complete?(text: string, cursor: number, before: readonly string[]): Promise<ConsoleCandidate[]>;
}

export interface ConsoleOptions {
    history?: string[];
    /** The shortest time between two writes of output while R keeps printing (the first after a pause goes on the next turn). */
    flushMs?: number;
    /** Bounds on what is written per flush. */
    limits?: Limits;
    /** How much of the transcript is kept (to read it, and to show it again when the terminal is reopened). */
    transcriptChars?: number;
}

export interface CancelSignal {
    readonly isCancellationRequested: boolean;
    onCancellationRequested(listener: () => void): { dispose(): void };
}

type Mode =
    | { kind: 'prompt' }
    | { kind: 'input'; prompt: string; browser: boolean; resolve: (result: InputResult) => void; reject: (error: Error) => void };

export interface InputOptions {
    /**
     * R's browser asks (`Browse[1]> `): what is typed is R code or a
     * browser command, kept in the history as R's console keeps it, and
     * lines entered while R runs a step answer the next stop.
     */
    browser?: boolean;
}

/** Runs from an editor longer than this (characters) stay out of the history. */
const HISTORY_ENTRY_MAX = 20_000;
/** R's continuation prompt. */
const CONTINUE = '+ ';
/** Output with no line break longer than this is ended before the prompt is drawn after it. */
const PARTIAL_MAX_WIDTH = 1000;
const DEFAULT_LIMITS: Limits = { maxLines: 2000, maxChars: 512 * 1024 };

export class ConsoleCore {
    private readonly editor: LineEditor;
    private readonly buffer: OutputBuffer;
    private readonly stderr = new StderrClassifier();
    private readonly flushMs: number;
    private readonly transcriptChars: number;
    /** Cancels the scheduled write of collected output, while one is scheduled. */
    private cancelScheduledFlush: (() => void) | undefined;
    /** When output was last written (performance.now()); a burst is output that arrives sooner than `flushMs` after it. */
    private lastFlushAt = -Infinity;

    private opened = false;
    private cols = 80;
    /** The host has been told the width at least once. */
    private sizeReported = false;
    private mode: Mode = { kind: 'prompt' };
    /** Lines of an incomplete expression, waiting for the rest. */
    private pending: string[] = [];
    /** A console execution waits for its answer. */
    private inFlight = false;
    /** Lines entered while something ran, each entry run as one execution in turn. */
    private typeAhead: string[][] = [];
    /**
     * R's browser was answered and R runs on (a step): lines entered
     * meanwhile answer its next stops, one each, as R's console reads them;
     * those left when the execution ends run as code.
     */
    private browsing = false;
    private browserAhead: string[] = [];
    /** R is running something (from the editor, the console or the variables view). */
    private busy = false;
    /** Counts Tab presses: only the answer to the latest one is used. */
    private completionRequest = 0;

    /** The current row's output (styled, and its width): what follows the last line break R printed. */
    private partialStyled = '';
    private partialWidth = 0;
    /** Something is drawn after the partial output (prompt and typed text); the cursor stands this many rows below the row the drawing starts on. */
    private drawn: { cursorRow: number } | undefined;

    /** Styled text committed to the screen (output and entered lines), newest last. */
    private transcript: string[] = [];
    private transcriptSize = 0;
    /** R printed something, or code was entered: the transcript holds more than the console's own notes. */
    private hasRun = false;
    private readonly writeListeners = new Set<(plain: string) => void>();
    private readonly changeListeners = new Set<() => void>();

    constructor(
        private readonly host: ConsoleHost,
        private readonly write: (data: string) => void,
        options: ConsoleOptions = {},
    ) {
        this.editor = new LineEditor(options.history ?? []);
        this.buffer = new OutputBuffer(options.limits ?? DEFAULT_LIMITS);
        this.flushMs = options.flushMs ?? 30;
        this.transcriptChars = options.transcriptChars ?? 256 * 1024;
    }

    // -----------------------------------------------------------------------
    // The terminal

    get isOpen(): boolean {
        return this.opened;
    }

    /** The terminal is ready: show what was printed before (the end of it) and the prompt. */
    open(columns?: number): void {
        this.opened = true;
        if (columns) {
            this.cols = columns;
            this.sizeReported = true;
            this.host.resized?.(columns);
        }
        // Bracketed paste: a pasted block arrives marked, and runs as one piece.
        this.write('\x1b[?2004h' + this.transcript.join('') + this.drawInput());
    }

    close(): void {
        this.opened = false;
        this.drawn = undefined;
    }

    resize(columns: number): void {
        if (!(columns > 0)) return;
        const changed = columns !== this.cols;
        this.cols = columns;
        if (changed || !this.sizeReported) this.host.resized?.(columns);
        this.sizeReported = true;
    }

    /** The terminal's width in columns, as last reported. */
    get columns(): number {
        return this.cols;
    }

    /**
     * Adds a run to the history, as if it had been typed (code run from an
     * editor): one entry, however many lines it has; Up brings it back whole.
     */
    addHistory(code: string): void {
        const entry = code.replace(/^(\s*\n)+/, '').replace(/\s+$/, '');
        // A whole file of code is no line to bring back with Up.
        if (!entry || entry.length > HISTORY_ENTRY_MAX) return;
        this.editor.addHistory(entry);
        this.host.historyChanged?.(this.editor.entries);
    }

    // -----------------------------------------------------------------------
    // Output

    /** Text R wrote. */
    output(stream: 'stdout' | 'stderr', text: string): void {
        if (!text) return;
        this.hasRun = true;
        if (stream === 'stdout') this.buffer.append('stdout', text);
        else for (const piece of this.stderr.classify(text)) this.buffer.append(piece.style, piece.text);
        this.scheduleFlush();
    }

    /** A note from the extension (R started, R died), on a line of its own. */
    note(text: string, style: OutputStyle = 'info'): void {
        this.flush();
        // Erase first: committing text changes the partial line that erasing rewrites.
        let out = this.eraseInput();
        if (this.partialWidth > 0) out += this.commitText('\n', 'stdout');
        out += this.commitText(text.endsWith('\n') ? text : text + '\n', style);
        this.render(out);
    }

    /** A new execution begins: R's stderr classification starts afresh. */
    executionStarted(): void {
        this.stderr.reset();
    }

    setBusy(busy: boolean): void {
        if (busy === this.busy) return;
        this.busy = busy;
        if (!busy) this.endBrowsing();
        this.render('');
    }

    /** Writes what is waiting now rather than at the next tick (before a note, or in tests). */
    flush(): void {
        this.cancelScheduledFlush?.();
        this.cancelScheduledFlush = undefined;
        if (this.buffer.isEmpty) return;
        this.lastFlushAt = performance.now();
        const { segments, omittedLines, omittedChars } = this.buffer.drain();
        let out = this.eraseInput();
        if (omittedChars > 0) {
            const what = omittedLines > 0 ? `${omittedLines.toLocaleString('en-US')} lines` : `${omittedChars.toLocaleString('en-US')} characters`;
            if (this.partialWidth > 0) out += this.commitText('\n', 'stdout');
            out += this.commitText(`[… ${what} of output not shown …]\n`, 'info');
        }
        for (const segment of segments) out += this.commitText(segment.text, segment.style);
        this.render(out);
    }

    private scheduleFlush(): void {
        if (this.cancelScheduledFlush) return;
        const wait = this.lastFlushAt + this.flushMs - performance.now();
        if (wait <= 0) {
            // Quiet until now: write on the next turn rather than at once, so
            // that the chunks handled in this turn (an echo and its output)
            // are still one write, and the latency is a turn, not a timer.
            const immediate = setImmediate(() => {
                this.cancelScheduledFlush = undefined;
                this.flush();
            });
            this.cancelScheduledFlush = () => clearImmediate(immediate);
        } else {
            // Output soon after a write: R is printing a lot, and what comes
            // until the interval ends is collected (and bounded) for one write.
            const timer = setTimeout(() => {
                this.cancelScheduledFlush = undefined;
                this.flush();
            }, wait);
            this.cancelScheduledFlush = () => clearTimeout(timer);
        }
    }

    // -----------------------------------------------------------------------
    // Input

    /** What the terminal sent (keys, pasted text). */
    input(data: string): void {
        for (const action of this.editor.input(data)) this.act(action);
    }

    /**
     * R asks for a line (readline(), menu(), scan()): the prompt is shown in
     * the console and the next line entered is the answer. Ctrl+C rejects it
     * (R then stops the code that asked), Ctrl+D answers end of input. At
     * R's browser prompt (`options.browser`) Ctrl+C only interrupts: R stays
     * stopped, and the server withdraws the question and asks again.
     */
    requestInput(prompt: string, cancel?: CancelSignal, options: InputOptions = {}): Promise<InputResult> {
        if (this.mode.kind === 'input') this.mode.reject(new Error('another input request replaced this one'));
        this.flush();
        if (cancel?.isCancellationRequested) return Promise.reject(new Error('the input request was cancelled'));
        const browser = options.browser ?? false;
        this.browsing = browser;
        const ahead = browser ? this.browserAhead.shift() : undefined;
        if (ahead !== undefined) {
            // Typed while R ran the step before: it answers this stop, shown after its prompt.
            this.render(this.eraseInput() + this.commitText(prompt, 'stdout') + this.commitText(ahead + '\n', 'stdout'));
            return Promise.resolve({ text: ahead });
        }
        return new Promise<InputResult>((resolve, reject) => {
            const done = (result: InputResult) => {
                subscription?.dispose();
                resolve(result);
            };
            const subscription = cancel?.onCancellationRequested(() => {
                // The server gave up on the answer (an interrupt ended the
                // code that asked): the prompt and what was typed stay on
                // the screen as they were, and a new prompt follows.
                if (this.mode.kind === 'input' && this.mode.resolve === done) {
                    const shown = this.mode.prompt + this.typedText();
                    this.mode = { kind: 'prompt' };
                    const erase = this.eraseInput();
                    this.render(erase + this.commitText(shown + '\n', 'stdout'));
                    this.editor.reset();
                    this.render('');
                }
                reject(new Error('the input request was cancelled'));
            });
            this.mode = {
                kind: 'input',
                prompt,
                browser,
                resolve: done,
                reject: (error) => {
                    subscription?.dispose();
                    reject(error);
                },
            };
            this.editor.reset();
            this.render('');
        });
    }

    /** The question R asked can no longer be answered (the server went away): the prompt goes. */
    abandonInput(): void {
        if (this.mode.kind !== 'input') return;
        const { reject, prompt } = this.mode;
        this.mode = { kind: 'prompt' };
        const erase = this.eraseInput();
        this.render(erase + this.commitText(prompt + this.typedText() + '\n', 'stdout'));
        this.editor.reset();
        reject(new Error('R can no longer be answered'));
        this.render('');
    }

    /** Whether R waits for an answer typed in the console. */
    get awaitingInput(): boolean {
        return this.mode.kind === 'input';
    }

    /**
     * The stop of R's browser the console shows was answered elsewhere (a
     * button of the debugger): the command is shown after the prompt as if
     * typed, and the console stops waiting.
     */
    answeredElsewhere(text: string): void {
        if (this.mode.kind !== 'input') return;
        const { reject, prompt } = this.mode;
        this.mode = { kind: 'prompt' };
        this.render(this.eraseInput() + this.commitText(prompt, 'stdout') + this.commitText(text + '\n', 'stdout'));
        this.editor.reset();
        reject(new Error('answered elsewhere'));
        this.render('');
    }

    /** R's browser is over (the execution ended): lines typed for its next stop run as code, as R's console would read them. */
    private endBrowsing(): void {
        this.browsing = false;
        const lines = this.browserAhead.splice(0);
        if (lines.length === 0) return;
        // Shown already, where they were typed.
        for (const line of lines) this.typeAhead.push([line]);
        this.next();
    }

    private act(action: EditorAction): void {
        switch (action.kind) {
            case 'redraw':
                this.render('');
                return;
            case 'enter':
                this.enter([action.line], true);
                return;
            case 'paste':
                this.enter(action.lines, false);
                return;
            case 'interrupt':
                this.interrupt();
                return;
            case 'complete':
                this.complete();
                return;
            case 'eof':
                if (this.mode.kind === 'input') {
                    const { resolve, prompt } = this.mode;
                    this.mode = { kind: 'prompt' };
                    this.render(this.eraseInput() + this.commitText(prompt, 'stdout') + this.commitText('\n', 'stdout'));
                    resolve({ text: '', eof: true });
                    this.render('');
                }
                return;
            case 'clearScreen':
                this.drawn = undefined;
                this.partialStyled = '';
                this.partialWidth = 0;
                this.write('\x1b[2J\x1b[3J\x1b[H' + this.drawInput());
                return;
        }
    }

    /**
     * Lines entered: `typed` for one line typed and shown as it was typed;
     * otherwise a pasted block, which R echoes itself when it runs at once.
     */
    private enter(lines: string[], typed: boolean): void {
        if (this.mode.kind === 'input') {
            // The first line answers R, and stays out of the history (it may
            // be a password; R's console does not keep answers either), except
            // at the browser's prompt, where it is code and R keeps it; lines
            // pasted after it are code for later (at the browser: the
            // answers to its next stops).
            const { resolve, prompt, browser } = this.mode;
            this.mode = { kind: 'prompt' };
            const [answer, ...rest] = lines.flatMap((line) => line.split('\n'));
            if (browser && answer.trim()) {
                this.editor.addHistory(answer);
                this.host.historyChanged?.(this.editor.entries);
            }
            this.render(this.eraseInput() + this.commitText(prompt, 'stdout') + this.commitText(answer + '\n', 'stdout'));
            resolve({ text: answer });
            if (rest.length > 0) this.enter(rest, false);
            else this.render('');
            return;
        }
        if (this.browsing && (this.inFlight || this.busy)) {
            // R runs a step of its browser: the lines are shown where they
            // were typed and wait for its next stop (kept in the history, as
            // there), where they show again after the prompt they answer.
            const split = lines.flatMap((l) => l.split('\n'));
            for (const line of split) {
                if (line.trim()) this.editor.addHistory(line);
                this.browserAhead.push(line);
            }
            this.host.historyChanged?.(this.editor.entries);
            this.render(this.eraseInput() + this.commitLines(split, ''));
            return;
        }
        // Code goes to the history: a typed line (or an entry recalled from
        // the history, which may span lines) as one entry, a pasted block
        // line by line, as R's console keeps it.
        if (typed) for (const line of lines) this.editor.addHistory(line);
        else for (const line of lines) for (const part of line.split('\n')) this.editor.addHistory(part);
        this.host.historyChanged?.(this.editor.entries);
        // A recalled entry of several lines is shown and run as those lines.
        lines = lines.flatMap((line) => line.split('\n'));
        if (this.inFlight || this.busy) {
            // Typed ahead: shown where it was typed, run when its turn comes.
            this.render(this.eraseInput() + this.commitLines(lines, ''));
            this.typeAhead.push(lines);
            this.next();
            return;
        }
        if (typed || this.pending.length > 0) {
            this.render(this.eraseInput() + this.commitLines(lines, this.pending.length ? '+ ' : '> '));
            this.submit(lines, false);
        } else {
            this.render(this.eraseInput());
            this.submit(lines, true);
        }
    }

    /** Runs the next typed-ahead entry, if nothing of the console's is running. */
    private next(): void {
        if (this.inFlight) return;
        const lines = this.typeAhead.shift();
        if (lines) this.submit(lines, false);
        else this.render('');
    }

    /**
     * Sends `lines` (after any pending lines of an incomplete expression).
     * `echo`: the lines are not on the screen yet, and R prints them.
     */
    private submit(lines: string[], echo: boolean): void {
        const code = [...this.pending, ...lines].join('\n');
        if (!code.trim()) {
            this.pending = [];
            this.next();
            return;
        }
        this.inFlight = true;
        this.render('');
        const finished = (result: ExecuteResult | undefined) => {
            this.inFlight = false;
            if (result?.status === 'incomplete') {
                // Nothing ran: keep the lines and ask for the rest, with `+ `.
                if (echo) this.render(this.eraseInput() + this.commitLines(lines, this.pending.length ? '+ ' : '> '));
                this.pending.push(...lines);
            } else {
                this.pending = [];
            }
            // The console's run ended, and with it any browsing it did.
            this.endBrowsing();
            this.next();
        };
        this.host.execute(code, echo).then(finished, () => finished(undefined));
    }

    /**
     * Tab after part of a name: asks for completions, and uses the answer
     * only if nothing was typed meanwhile. An answer to R's readline() is no
     * R code: there, as without a server, Tab indents.
     */
    private complete(): void {
        const request = ++this.completionRequest;
        if (this.mode.kind === 'input' || !this.host.complete) {
            this.editor.type('  ');
            this.render('');
            return;
        }
        const { text, cursor } = this.editor;
        const mode = this.mode;
        const current = () => request === this.completionRequest && this.mode === mode && this.editor.text === text && this.editor.cursor === cursor;
        this.host.complete(text, cursor, [...this.pending]).then(
            (candidates) => {
                if (current()) this.completed(completionOutcome(text, cursor, candidates));
            },
            () => {
                if (current()) this.completed({ kind: 'none' });
            },
        );
    }

    private completed(outcome: CompletionOutcome): void {
        switch (outcome.kind) {
            case 'edit':
                this.editor.replace(outcome.start, outcome.end, outcome.text, outcome.cursor);
                this.render('');
                return;
            case 'list': {
                // As a terminal does: the line as typed stays above the list, and the prompt comes back under it.
                const typed = this.prompt() + this.typedText();
                this.render(this.eraseInput() + this.commitText(typed + '\n', 'stdout') + this.commitText(formatColumns(outcome.labels, this.cols), 'stdout'));
                return;
            }
            case 'none':
                // The terminal's bell, as readline rings it.
                if (this.opened) this.write('\x07');
                return;
        }
    }

    private interrupt(): void {
        this.browserAhead = [];
        if (this.mode.kind === 'input' && this.mode.browser) {
            // At R's browser prompt R takes Ctrl+C as a new prompt and stays
            // stopped: the server withdraws this question (the listener of
            // requestInput() then settles it) and asks again.
            const { prompt } = this.mode;
            this.mode = { kind: 'prompt' };
            this.render(this.eraseInput() + this.commitText(prompt + this.typedText() + '^C\n', 'stdout'));
            this.editor.reset();
            this.host.interrupt();
            return;
        }
        if (this.mode.kind === 'input') {
            const { reject, prompt } = this.mode;
            this.mode = { kind: 'prompt' };
            this.render(this.eraseInput() + this.commitText(prompt + this.typedText() + '^C\n', 'stdout'));
            this.editor.reset();
            reject(new Error('interrupted'));
            this.typeAhead = [];
            this.host.interrupt();
            return;
        }
        const shown = this.prompt() + this.typedText();
        this.render(this.eraseInput() + this.commitText(shown + '^C\n', 'stdout'));
        this.editor.reset();
        this.typeAhead = [];
        this.pending = [];
        if (this.inFlight || this.busy) this.host.interrupt();
        this.render('');
    }

    // -----------------------------------------------------------------------
    // Drawing

    /** The prompt in front of the typed text: R's own prompts, none while R is busy. */
    private prompt(): string {
        if (this.mode.kind === 'input') return this.mode.prompt;
        if (this.inFlight || this.busy) return '';
        return this.pending.length ? '+ ' : '> ';
    }

    /** The typed text as the screen shows it: the later lines of a recalled entry after "+ ". */
    private typedText(): string {
        return this.editor.text.replace(/\n/g, '\n' + CONTINUE);
    }

    private get showsInput(): boolean {
        return this.mode.kind === 'input' || !(this.inFlight || this.busy) || this.editor.text.length > 0;
    }

    /** Erases the drawn prompt line (keeping the partial output before it), writes `out`, and draws the prompt line again. */
    private render(out: string): void {
        if (this.opened) {
            const data = this.eraseInput() + out + this.drawInput();
            if (data) this.write(data);
        } else {
            // Nothing is drawn on a terminal that is not open; open() draws it all.
            this.drawn = undefined;
        }
        for (const listener of this.changeListeners) listener();
    }

    /** Erases what drawInput() drew; returns the escape sequences (empty when nothing is drawn). */
    private eraseInput(): string {
        const drawn = this.drawn;
        if (!drawn) return '';
        this.drawn = undefined;
        const row = drawn.cursorRow;
        return '\r' + (row > 0 ? `\x1b[${row}A` : '') + '\x1b[J' + this.partialStyled;
    }

    private drawInput(): string {
        if (this.drawn || !this.showsInput) return '';
        let out = '';
        if (this.partialWidth > PARTIAL_MAX_WIDTH) {
            // A very long line without a break (a progress bar gone wild):
            // the prompt starts a line of its own rather than redrawing it.
            out += '\r\n';
            this.partialStyled = '';
            this.partialWidth = 0;
        }
        // The typed text has several lines when it was recalled from the
        // history (a run from an editor): the later ones follow "+ ", as R
        // shows a continued expression.
        const prompt = this.prompt();
        const lines = this.editor.text.split('\n');
        let before = this.editor.cursor;
        let row = 0;
        /** Where the editor's cursor goes; undefined: where writing leaves it (the end of the last line). */
        let cursor: { row: number; col: number } | undefined;
        lines.forEach((line, index) => {
            const last = index === lines.length - 1;
            const start = index === 0 ? this.partialWidth + displayWidth(prompt) : displayWidth(CONTINUE);
            const end = start + displayWidth(line);
            out += (index === 0 ? prompt : '\r\n' + CONTINUE) + line;
            if (before >= 0 && before <= line.length && !(last && before === line.length)) {
                const width = start + displayWidth(line.slice(0, before));
                const atEnd = width === end;
                const r = rowOf(width, atEnd, this.cols);
                // At the end of a line that exactly fills its rows, the cursor stays on the last cell.
                const col = atEnd && width > 0 && width % this.cols === 0 ? this.cols - 1 : width % this.cols;
                cursor = { row: row + r, col };
            }
            before -= line.length + 1;
            row += rowOf(end, true, this.cols) + (last ? 0 : 1);
        });
        if (cursor) {
            const up = row - cursor.row;
            out += (up > 0 ? `\x1b[${up}A` : '') + '\r' + (cursor.col > 0 ? `\x1b[${cursor.col}C` : '');
        }
        const at = cursor ?? { row };
        this.drawn = { cursorRow: at.row };
        return out;
    }

    /** Entered lines as they stay on the screen, the first after `prompt`, the others after `+ `. */
    private commitLines(lines: string[], prompt: string): string {
        this.hasRun = true;
        let out = '';
        lines.forEach((line, index) => {
            const p = index === 0 ? prompt : prompt ? '+ ' : '';
            out += this.commitText(p + line + '\n', 'stdout');
        });
        return out;
    }

    /** `text` becomes part of the screen and the transcript; returns it styled for the terminal. */
    private commitText(text: string, style: OutputStyle): string {
        if (!text) return '';
        const out = styled(style, text);
        this.remember(out);
        const eol = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
        // R's own colours (cli, tibble) take no columns.
        if (eol < 0) {
            this.partialStyled += out;
            this.partialWidth += displayWidth(stripAnsi(text));
        } else {
            const rest = text.slice(eol + 1);
            this.partialStyled = rest ? styled(style, rest) : '';
            this.partialWidth = displayWidth(stripAnsi(rest));
        }
        for (const listener of this.writeListeners) listener(stripAnsi(out).replace(/\r\n/g, '\n'));
        return out;
    }

    private remember(styledText: string): void {
        this.transcript.push(styledText);
        this.transcriptSize += styledText.length;
        if (this.transcriptSize > 2 * this.transcriptChars) {
            // Whole chunks go, so that no escape sequence is cut in two.
            while (this.transcriptSize > this.transcriptChars && this.transcript.length > 1) {
                this.transcriptSize -= this.transcript.shift()!.length;
            }
        }
    }

    // -----------------------------------------------------------------------
    // The transcript

    /**
     * What the console shows, as plain text to read in an editor: the
     * output waiting for its write first goes to the transcript, colours go,
     * a line rewritten with carriage returns (a progress bar) keeps what the
     * terminal ended up showing, and the prompt line is left out. Undefined
     * when nothing has run yet (at most the console's own notes, such as
     * "R is ready", would be there). Only the newest text is kept:
     * between `transcriptChars` and twice that.
     */
    transcriptText(): string | undefined {
        this.flush();
        if (!this.hasRun) return undefined;
        return overstrikeCarriageReturns(stripAnsi(this.transcript.join('')).replace(/\r\n/g, '\n'));
    }

    // -----------------------------------------------------------------------
    // For tests and the test API

    /** The console's text as plain text (no colours): what was printed and entered, then the current prompt line. */
    text(): string {
        const committed = stripAnsi(this.transcript.join('')).replace(/\r\n/g, '\n');
        return committed + (this.showsInput ? this.prompt() + this.typedText() : '');
    }

    /** Calls `listener` with the plain text of everything committed from now on. */
    onDidWrite(listener: (plain: string) => void): { dispose(): void } {
        this.writeListeners.add(listener);
        return { dispose: () => this.writeListeners.delete(listener) };
    }

    /** Calls `listener` whenever the console's text or its prompt line may have changed. */
    onDidChange(listener: () => void): { dispose(): void } {
        this.changeListeners.add(listener);
        return { dispose: () => this.changeListeners.delete(listener) };
    }

    dispose(): void {
        this.cancelScheduledFlush?.();
        this.cancelScheduledFlush = undefined;
        if (this.mode.kind === 'input') this.mode.reject(new Error('the console was closed'));
        this.mode = { kind: 'prompt' };
    }
}

/** The row (0 = first) of the logical line on which a cursor `width` columns from its start stands. */
function rowOf(width: number, atEnd: boolean, cols: number): number {
    if (width <= 0) return 0;
    // At the end of text that exactly fills its rows, the terminal keeps the
    // cursor on the last column (the wrap happens with the next character).
    if (atEnd && width % cols === 0) return width / cols - 1;
    return Math.floor(width / cols);
}
