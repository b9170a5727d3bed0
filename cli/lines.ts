/**
 * Lines of user input, from a terminal (with line editing, prompts and
 * history) or from a pipe. Lines that arrive before anyone asks for them
 * (typed ahead while R runs, or read from a pipe in bulk) wait in a queue and
 * are handed out in order, to the REPL and to R's readline() alike, as R's
 * own console does.
 */
import * as readline from 'readline';

/** A read that was abandoned (an interrupt ended the R code that asked). */
export class ReadCancelled extends Error {
    constructor() {
        super('the read was cancelled');
    }
}

interface Waiter {
    resolve: (line: string | null) => void;
    reject: (error: Error) => void;
}

/** Past this many queued lines, reading from a pipe pauses until the queue drains. */
const QUEUE_HIGH_WATER = 1000;
const QUEUE_LOW_WATER = 100;

export class LineSource {
    readonly rl: readline.Interface;
    private readonly queue: string[] = [];
    private waiter: Waiter | undefined;
    private ended = false;
    private paused = false;
    private latestHistory: string[];

    /**
     * @param interactive A terminal on both ends: prompts, line editing and
     *     history. Otherwise lines are read plainly and no prompt is shown.
     * @param history Earlier lines for the up/down keys, newest first.
     */
    constructor(readonly interactive: boolean, history: string[] = []) {
        this.rl = readline.createInterface({
            input: process.stdin,
            output: interactive ? process.stdout : undefined,
            terminal: interactive,
            history: interactive ? history : [],
            historySize: interactive ? 1000 : 0,
            prompt: '',
        });
        this.latestHistory = interactive ? [...history] : [];
        this.rl.on('history', (lines) => (this.latestHistory = lines));
        this.rl.on('line', (line) => this.onLine(line));
        this.rl.on('close', () => {
            this.ended = true;
            this.settle(null);
        });
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
     * decides what, if anything, to print.
     */
    read(prompt: string, signal?: AbortSignal): Promise<string | null> {
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
        return [...this.latestHistory];
    }

    close(): void {
        this.rl.close();
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
