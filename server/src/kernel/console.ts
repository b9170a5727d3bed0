import { StreamEvent } from './outputStream';

/**
 * R's console: the pipe the server writes R's input to, and what R writes
 * back about it on stdout. User code runs through R's own read-eval-print
 * loop (kernel/repl.R), which reads this pipe.
 *
 * R's stdout carries, besides the output:
 * - feed markers: the kernel asks for lines `from`..`to` of execution `id`
 *   to be written to R's input (it hands R one group of lines at a time);
 * - R's prompts, unique to the session (`p` for a new expression, `c` for
 *   a continued one): R waits for a line;
 * - R's echo of each line it reads (R echoes its input when that is not a
 *   terminal).
 * The console takes the markers, prompts and echoes out of the output. For
 * an execution that asked for an echo it puts the lines back as R's console
 * shows them ("> " and "+ " before them). A top-level prompt with nothing
 * left to read means the code R was given ended without completing (an
 * error, an interrupt, a jump to the top level) or R has just started: the
 * console then writes RESUME, which hands control back to the kernel.
 *
 * R also reads its console for its own questions: the browser's prompt
 * (`Browse[1]> `) and quit()'s "Save workspace image?". Those, seen at the
 * end of the output while an execution runs, are passed on as questions for
 * the client; its answer goes to R's input.
 */
export const RESUME = 'base::as.environment("tools:rbridge")$resume()';

/** R's own questions on its console, at the end of what it wrote. */
const QUESTIONS = [/Browse\[\d+\]> $/, /Save workspace image\? \[y\/n\/c\]: $/];

export interface ConsoleHost {
    /** Writes to R's input. */
    write(text: string): void;
    /** The lines of an execution's code, as the kernel numbers them. */
    linesOf(id: number): string[] | undefined;
    /** R asks a question on its console while execution `id` runs. */
    ask(id: number, prompt: string): void;
    /** R has read everything written to it. */
    drained(): void;
    /** R keeps returning to its prompt without the kernel taking over (its hooks are broken). */
    stuck(): void;
}

/** RESUME written this many times with no word from the kernel in between: R is stuck. */
const MAX_RESUMES = 5;

interface Line {
    text: string;
    /** Shown in the output (with R's prompt before it) when R reads it. */
    echo: boolean;
}

export class RConsole {
    /** Lines written to R and not yet read by it. */
    private readonly unread: Line[] = [];
    /** The line R is echoing now: how much of it has come back. */
    private reading: { line: Line; matched: number } | undefined;
    /** The execution whose code R was last given, until its end marker. */
    private running = 0;
    /** A question of R's is open. */
    private asking = false;
    /** RESUME written since the kernel last said something. */
    private resumes = 0;

    constructor(private readonly host: ConsoleHost) {}

    /** True while R has lines to read: an interrupt then would cut an expression in two. */
    get busyReading(): boolean {
        return this.unread.length > 0 || this.reading !== undefined;
    }

    /** The kernel said something: it has control (see RESUME). */
    heardFromKernel(): void {
        this.resumes = 0;
    }

    /** Whether R waits for the answer to one of its questions. */
    get asked(): boolean {
        return this.asking;
    }

    /** The answer to R's question, written to its input (R echoes it; the client showed it already). */
    answer(text: string): void {
        if (!this.asking) return;
        this.asking = false;
        const line = { text: text.replace(/[\r\n]+/g, ' ') + '\n', echo: false };
        this.host.write(line.text);
        // R printed its prompt already: the echo comes next.
        this.reading = { line, matched: 0 };
    }

    /** Takes the console's events out of stdout's, and the echoes out of its text. */
    filter(events: StreamEvent[]): StreamEvent[] {
        const out: StreamEvent[] = [];
        for (const event of events) {
            switch (event.kind) {
                case 'feed':
                    this.feed(event.id, event.from, event.to, event.echo, event.text);
                    break;
                case 'prompt':
                    this.prompt(event.continued, out);
                    break;
                case 'text':
                    this.text(event.text, out);
                    break;
                case 'marker':
                    if (Number(event.id) === this.running) this.running = 0;
                    out.push(event);
                    break;
                default:
                    out.push(event);
            }
        }
        return out;
    }

    private feed(id: number, from: number, to: number, echo: boolean, joined: string | undefined): void {
        const lines = this.host.linesOf(id);
        if (!lines) return;
        this.running = id;
        this.asking = false;
        const code = lines.slice(from - 1, to);
        // A joined line is never shown (the kernel joins lines only without an echo).
        const group: Line[] = joined !== undefined ? [{ text: joined + '\n', echo: false }] : code.map((text) => ({ text: text + '\n', echo }));
        this.unread.push(...group);
        this.host.write(group.map((line) => line.text).join(''));
    }

    private prompt(continued: boolean, out: StreamEvent[]): void {
        if (this.reading) {
            // The line R was reading did not come back (an interrupt at the
            // prompt): R reads it again after this prompt.
            this.unread.unshift(this.reading.line);
            this.reading = undefined;
        }
        let line = this.unread.shift();
        if (!line) {
            // Nothing left to read: the kernel takes over again.
            if (++this.resumes > MAX_RESUMES) {
                this.host.stuck();
                return;
            }
            line = { text: RESUME + '\n', echo: false };
            this.host.write(line.text);
        }
        this.reading = { line, matched: 0 };
        if (line.echo) pushText(out, (continued ? '+ ' : '> ') + line.text);
    }

    private text(text: string, out: StreamEvent[]): void {
        while (text && this.reading) {
            const { line, matched } = this.reading;
            const expected = line.text.slice(matched);
            const n = commonPrefix(expected, text);
            if (n === 0) {
                // Not the echo: R printed something before reading the line
                // (the newline after an interrupt at its prompt).
                if (matched === 0) this.unread.unshift(line);
                this.reading = undefined;
                break;
            }
            text = text.slice(n);
            if (n === expected.length) {
                this.reading = undefined;
                if (!this.unread.length) this.host.drained();
            } else {
                this.reading.matched += n;
            }
        }
        if (!text) return;
        if (this.running && !this.asking && !this.busyReading) {
            for (const question of QUESTIONS) {
                const match = question.exec(text);
                if (!match) continue;
                this.asking = true;
                text = text.slice(0, match.index);
                this.host.ask(this.running, match[0]);
                break;
            }
        }
        if (text) pushText(out, text);
    }
}

function pushText(out: StreamEvent[], text: string): void {
    const last = out[out.length - 1];
    if (last && last.kind === 'text') last.text += text;
    else out.push({ kind: 'text', text });
}

function commonPrefix(a: string, b: string): number {
    const n = Math.min(a.length, b.length);
    let i = 0;
    while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
    return i;
}
