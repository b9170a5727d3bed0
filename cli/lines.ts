/**
 * Lines of user input, from a terminal (with line editing, prompts and
 * history) or from a pipe. Lines that arrive before anyone asks for them
 * (typed ahead while R runs, or read from a pipe in bulk) wait in a queue and
 * are handed out in order, to the REPL and to R's readline() alike, as R's
 * own console does.
 *
 * On a terminal, as in R's console:
 * - the history holds the code the REPL ran (addHistory()), never the
 *   answers given to R's readline() (a password, a menu choice);
 * - Ctrl+D at an empty line is the end of input for the read in progress:
 *   the REPL ends, while R's readline() gets "" and readLines(stdin()) its
 *   last line, and the console carries on;
 * - after Ctrl+Z and `fg` (SIGCONT) the terminal is put back in the state
 *   line editing needs, and the prompt is drawn again.
 */
import * as readline from 'readline';

/** A read that was abandoned (an interrupt ended the R code that asked). */
export class ReadCancelled extends Error {
    constructor() {
        super('the read was cancelled');
    }
}

/** What a line is read for: code for the REPL, or an answer to R (readline(), menu(), readLines(stdin())). */
export type ReadKind = 'code' | 'answer';

interface Waiter {
    kind: ReadKind;
    resolve: (line: string | null) => void;
    reject: (error: Error) => void;
}

/** How many entries the history keeps. */
const HISTORY_SIZE = 1000;

/** Past this many queued lines, reading from a pipe pauses until the queue drains. */
const QUEUE_HIGH_WATER = 1000;
const QUEUE_LOW_WATER = 100;

export class LineSource {
    private rlValue: readline.Interface;
    private readonly queue: string[] = [];
    private waiter: Waiter | undefined;
    private ended = false;
    private closing = false;
    private paused = false;
    /** The history, newest first: code only. Readline's own list is kept equal to it. */
    private readonly entries: string[];
    /** The list readline walks with the up and down keys (the array it was given). */
    private rlHistory: string[] = [];
    /** Ctrl+D was pressed at an empty line: the readline interface is closing because of it. */
    private eofKey = false;
    private readonly onKeypress = (_s: string | undefined, key: { ctrl?: boolean; name?: string } | undefined) => {
        // Seen before readline's own handler, which closes the interface on it.
        if (key?.ctrl && key.name === 'd' && this.rlValue.line === '' && this.rlValue.cursor === 0) this.eofKey = true;
    };
    private readonly onContinue = () => setImmediate(() => this.restoreTerminal());

    /**
     * @param interactive A terminal on both ends: prompts, line editing and
     *     history. Otherwise lines are read plainly and no prompt is shown.
     * @param history Earlier lines for the up/down keys, newest first.
     * @param onInterrupt Ctrl+C on the terminal (readline takes it as a key).
     */
    constructor(readonly interactive: boolean, history: string[] = [], private readonly onInterrupt?: () => void) {
        this.entries = interactive ? history.slice(0, HISTORY_SIZE) : [];
        this.rlValue = this.createInterface();
        if (interactive) {
            process.stdin.prependListener('keypress', this.onKeypress);
            // Stopped and continued from outside (kill -STOP, a shell's job
            // control): the shell may have reset the terminal meanwhile.
            process.on('SIGCONT', this.onContinue);
        }
    }

    /** The readline interface now (Ctrl+D at R's readline() replaces it with a new one). */
    get rl(): readline.Interface {
        return this.rlValue;
    }

    private createInterface(): readline.Interface {
        const interactive = this.interactive;
        // Readline adds every line to this list; the 'history' listener
        // below puts it back as it was, and the REPL adds what it runs.
        this.rlHistory = [...this.entries];
        const rl = readline.createInterface({
            input: process.stdin,
            output: interactive ? process.stdout : undefined,
            terminal: interactive,
            history: this.rlHistory,
            historySize: interactive ? HISTORY_SIZE : 0,
            prompt: '',
        });
        rl.on('history', (lines) => {
            this.rlHistory = lines;
            lines.splice(0, lines.length, ...this.entries);
        });
        rl.on('line', (line) => this.onLine(line));
        rl.on('close', () => this.onClose(rl));
        if (interactive) {
            if (this.onInterrupt) rl.on('SIGINT', this.onInterrupt);
            // After Ctrl+Z and `fg`, readline pauses its input and leaves it
            // paused (it expects a 'SIGCONT' listener to resume it): without
            // this, nothing typed would be read any more.
            rl.on('SIGCONT', () => this.restoreTerminal());
        }
        return rl;
    }

    private onClose(rl: readline.Interface): void {
        if (rl !== this.rlValue) return;
        const eofKey = this.eofKey;
        this.eofKey = false;
        if (this.interactive && !this.closing && eofKey && this.waiter?.kind === 'answer') {
            // Ctrl+D answering R: end of input for this read only, as in R's
            // console. Readline has closed its interface; a new one takes
            // over, with the same history.
            process.stdout.write('\n');
            this.rlValue = this.createInterface();
            this.settle(null);
            return;
        }
        this.ended = true;
        this.settle(null);
    }

    /** Raw mode, input flowing, and the prompt drawn again (after SIGCONT). */
    private restoreTerminal(): void {
        if (this.closing || this.ended) return;
        const rl = this.rlValue;
        if (process.stdin.isTTY) process.stdin.setRawMode(true);
        rl.resume();
        if (this.waiter) rl.prompt(true);
    }

    /** Adds code that ran to the history (terminal only); a repeat of the newest entry is not added again. */
    addHistory(line: string): void {
        if (!this.interactive || !line.trim()) return;
        if (this.entries[0] === line) return;
        this.entries.unshift(line);
        if (this.entries.length > HISTORY_SIZE) this.entries.length = HISTORY_SIZE;
        this.rlHistory.splice(0, this.rlHistory.length, ...this.entries);
    }

    /** True once input has ended and every line read has been handed out. */
    get atEnd(): boolean {
        return this.ended && this.queue.length === 0;
    }

    /** True while someone waits for a line (a prompt is showing). */
    get waiting(): boolean {
        return this.waiter !== undefined;
    }

    /**
     * The next line, or null at the end of input. On a terminal `prompt` is
     * shown (only when no typed-ahead line is waiting); elsewhere the caller
     * decides what, if anything, to print. For an `answer`, Ctrl+D gives
     * null without ending the input.
     */
    read(prompt: string, signal?: AbortSignal, kind: ReadKind = 'code'): Promise<string | null> {
        if (this.waiter) return Promise.reject(new Error('only one read at a time'));
        if (signal?.aborted) return Promise.reject(new ReadCancelled());
        const line = this.take();
        if (line !== undefined) return Promise.resolve(line);
        if (this.ended) return Promise.resolve(null);
        return new Promise<string | null>((resolve, reject) => {
            const onAbort = () => {
                if (this.waiter !== waiter) return;
                this.waiter = undefined;
                reject(new ReadCancelled());
            };
            const waiter: Waiter = {
                kind,
                resolve: (value) => {
                    signal?.removeEventListener('abort', onAbort);
                    resolve(value);
                },
                reject,
            };
            this.waiter = waiter;
            signal?.addEventListener('abort', onAbort, { once: true });
            if (this.interactive) {
                this.rl.setPrompt(prompt);
                this.rl.prompt(true);
            }
        });
    }

    /** Shows a different prompt for the read in progress (after Ctrl+C cleared a continuation). */
    reprompt(prompt: string): void {
        if (!this.interactive) return;
        this.rl.setPrompt(prompt);
        this.rl.prompt(true);
    }

    /**
     * Clears the prompt's row (and what is typed there), so that output from
     * elsewhere can take its place; showPrompt() draws it again below.
     */
    hidePrompt(): void {
        if (!this.interactive || !this.waiter) return;
        readline.cursorTo(process.stdout, 0);
        readline.clearScreenDown(process.stdout);
    }

    /** Draws the prompt and what has been typed again, after hidePrompt(). */
    showPrompt(): void {
        if (!this.interactive || !this.waiter) return;
        this.rl.prompt(true);
    }

    /** Discards what has been typed on the current line, leaving it visible with ^C after it. */
    clearLine(): void {
        if (!this.interactive) return;
        // Move to the end so that ^C follows the whole text, then start a new
        // row and empty readline's buffer (which redraws only that new row).
        this.rl.write(null, { ctrl: true, name: 'e' });
        process.stdout.write('^C\n');
        this.rl.write(null, { ctrl: true, name: 'u' });
    }

    /** Everything on the current line that has not been submitted yet. */
    get currentLine(): string {
        return this.interactive ? this.rl.line : '';
    }

    /** The history, newest first (terminal only). */
    get history(): string[] {
        return [...this.entries];
    }

    close(): void {
        this.closing = true;
        process.stdin.removeListener('keypress', this.onKeypress);
        process.removeListener('SIGCONT', this.onContinue);
        this.rlValue.close();
    }

    private onLine(line: string): void {
        if (this.waiter) {
            this.settle(line);
            return;
        }
        this.queue.push(line);
        if (!this.interactive && !this.paused && this.queue.length >= QUEUE_HIGH_WATER) {
            this.paused = true;
            this.rl.pause();
        }
    }

    private take(): string | undefined {
        const line = this.queue.shift();
        if (this.paused && this.queue.length <= QUEUE_LOW_WATER) {
            this.paused = false;
            this.rl.resume();
        }
        return line;
    }

    private settle(line: string | null): void {
        const waiter = this.waiter;
        this.waiter = undefined;
        waiter?.resolve(line);
    }
}
