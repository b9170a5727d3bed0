import { StreamEvent } from './outputStream';
import type { BrowserInfo } from './wire';

/**
 * R's console: the pipe R's read-eval-print loop reads the code it runs
 * from (kernel/repl.R), and what R writes on stdout about it.
 *
 * R's stdout carries, besides the output:
 * - feed markers: R reads lines `from`..`to` of execution `id` next (the
 *   kernel hands R one group of lines at a time), which the server writes;
 * - R's prompts, unique to the session (`p` for a new expression, `c` for
 *   a continued one, `q<id>.<n>` for the line the kernel itself wrote for
 *   feed n of execution id, in place of a feed marker): R reads the next
 *   line. R does not echo what it reads (it runs without readline).
 * The console takes the markers and prompts out of the output (the kernel
 * writes the echo an execution asks for itself). A top-level prompt with
 * nothing left
 * to read means the code R was given ended without completing (an error,
 * an interrupt, a jump to the top level) or R has just started: the console
 * then writes resumeCall(), which hands control back to the kernel.
 *
 * R also reads its console for its own questions: the browser's prompt
 * (`Browse[1]> `) and quit()'s "Save workspace image?". Those, seen at the
 * end of the output while an execution runs, are passed on as questions for
 * the client; its answer goes to R's input.
 */
/**
 * The call that hands control back to the kernel. It carries the number of
 * groups handed to R so far: a second one written while R had not read the
 * first (an interrupt at R's prompt makes R prompt again) is read after
 * the next group was handed over, and the kernel ignores it as stale.
 */
export function resumeCall(feeds: number): string {
    return `base::as.environment("tools:rbridge")$resume(${feeds})`;
}

/**
 * The call written at R's browser prompt, evaluated in the browsed frame:
 * the kernel reads the stack there, reports it and serves requests until
 * the answer comes (kernel/debug.R).
 */
export function browseCall(id: number, level: number): string {
    return `base::as.environment("tools:rbridge")$.rbridge_browse(${id}, ${level})`;
}

/** R's own questions on its console, at the end of what it wrote. */
const BROWSER_PROMPT = /Browse\[(\d+)\]> $/;
const QUESTIONS = [BROWSER_PROMPT, /Save workspace image\? \[y\/n\/c\]: $/];

/**
 * R's question that waits: quit()'s is passed on at once. The browser's
 * goes through phases: 'probing' (the kernel's browseCall() runs at the
 * prompt), 'asked' (the client has it; the kernel serves meanwhile),
 * 'answering' (the answer waits for R's prompt, which comes again after
 * browseCall()).
 */
interface Question {
    id: number;
    prompt: string;
    browser?: { phase: 'probing' | 'asked' | 'answering'; answer?: string; direct?: boolean; pause?: boolean; probes?: number };
}

export interface ConsoleHost {
    /** Writes to R's input. */
    write(text: string): void;
    /** The lines of an execution's code, as the kernel numbers them. */
    linesOf(id: number): string[] | undefined;
    /** R asks a question on its console while execution `id` runs (`browser`: R's browser stopped, as the kernel saw it). */
    ask(id: number, prompt: string, browser?: BrowserInfo): void;
    /** R has read everything written to it. */
    drained(): void;
    /** R keeps returning to its prompt without the kernel taking over (its hooks are broken). */
    stuck(): void;
    /** Ends the kernel's serving at a browser stop of execution `id` that R is to go on from with `text`. */
    release(id: number, text: string): void;
}

/** browseCall() written this many times at one stop of R's browser before the client is asked without it. */
const MAX_PROBES = 3;

/** The resume call written this many times with no word from the kernel in between: R is stuck. */
const MAX_RESUMES = 5;

/** A line R will read; the server writes it when R asks for it. */
interface Line {
    text: string;
}

export class RConsole {
    /** Lines of the group R reads, not yet asked for. */
    private readonly unread: Line[] = [];
    /** The execution whose code R was last given, until its end marker. */
    private running = 0;
    /** R's question that waits for its answer. */
    private open: Question | undefined;
    /** Resume calls written since the kernel last said something. */
    private resumes = 0;
    /** Groups of lines handed to R (feed markers seen). */
    private feeds = 0;
    /** An answer was given to R's browser, and R has not returned to its top level since. */
    private browsing = false;

    constructor(private readonly host: ConsoleHost) {}

    /** The execution whose code R was last given, until its end marker (0: none). */
    get runningId(): number {
        return this.running;
    }

    /** True while R has lines to read: an interrupt then would cut an expression in two. */
    get busyReading(): boolean {
        return this.unread.length > 0;
    }

    /** The kernel said something: it has control (see resumeCall()). */
    heardFromKernel(): void {
        this.resumes = 0;
    }

    /** R's question the client was asked and has not answered, with the execution that runs. */
    get question(): { id: number; prompt: string; kernelWaits: boolean } | undefined {
        const open = this.open;
        if (!open || (open.browser && open.browser.phase !== 'asked')) return undefined;
        return { id: open.id, prompt: open.prompt, kernelWaits: open.browser !== undefined && !open.browser.direct };
    }

    /**
     * The answer to R's question, written to its input (the client showed
     * it already). The browser's waits for R's prompt, which comes once the
     * kernel has stopped serving at the stop (the caller tells it).
     */
    answer(text: string): void {
        const open = this.open;
        if (!open) return;
        const line = text.replace(/[\r\n]+/g, ' ');
        if (open.browser && !open.browser.direct) {
            // Paused at the top level (kernel/debug.R, pause_before()): the browser is left
            // with c whatever the step (the kernel, told the answer, steps on).
            const given = open.browser.pause && /^\s*[nsf]\s*$/.test(line) ? 'c' : line;
            open.browser = { phase: 'answering', answer: given };
            return;
        }
        this.open = undefined;
        if (open.browser) this.browsing = true;
        this.host.write(line + '\n');
    }

    /** A question the client gave up on is answered as leaving it: Q at the browser, c for quit(). */
    cancelQuestion(): void {
        if (this.open) this.answer(this.open.browser ? 'Q' : 'c');
    }

    /**
     * The kernel's report from R's browser prompt (its `browser` frame):
     * the client is asked, or with `auto` R is given that command at once.
     */
    browserStopped(id: number, info: BrowserInfo): void {
        const open = this.open;
        if (!open?.browser || open.browser.phase !== 'probing' || open.id !== id) return;
        if (info.auto) {
            open.browser = { phase: 'answering', answer: info.auto };
            this.host.release(id, info.auto);
            return;
        }
        open.browser = { phase: 'asked', pause: info.pause === true };
        this.host.ask(id, open.prompt, info);
    }

    /** Takes the console's events out of stdout's. */
    filter(events: StreamEvent[]): StreamEvent[] {
        const out: StreamEvent[] = [];
        for (const event of events) {
            switch (event.kind) {
                case 'feed':
                    this.feed(event);
                    break;
                case 'prompt':
                    if (event.fed) this.promptForFed(event.fed.id, event.fed.n);
                    else if (event.continued && this.browsing && this.running && !this.busyReading) this.continueAnswer();
                    else this.prompt();
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

    /**
     * An expression typed at R's browser goes on over more lines (R prompts
     * for its continuation): the client is asked for the next line (the
     * lines of a pasted block come from what it sent ahead).
     */
    private continueAnswer(): void {
        if (this.open) return;
        this.open = { id: this.running, prompt: '+ ' };
        this.host.ask(this.running, '+ ');
    }

    private feed({ id, from, to, text: joined }: Extract<StreamEvent, { kind: 'feed' }>): void {
        this.feeds++;
        this.browsing = false;
        this.running = id;
        this.open = undefined;
        if (joined !== undefined) {
            this.unread.push({ text: joined + '\n' });
            return;
        }
        for (const text of this.host.linesOf(id)?.slice(from - 1, to) ?? []) this.unread.push({ text: text + '\n' });
    }

    /**
     * R reads a line: the next one of the group, or, with none, the resume call. Lines
     * are written one at a time, when R asks for them: R reads its input
     * through a buffer, and waits for more input on the pipe, not in its
     * buffer (a second line already read into the buffer would never be seen).
     */
    private prompt(): void {
        this.browsing = false;
        const line = this.unread.shift();
        if (!line) {
            if (++this.resumes > MAX_RESUMES) {
                this.host.stuck();
                return;
            }
            this.host.write(resumeCall(this.feeds) + '\n');
            return;
        }
        this.host.write(line.text);
        if (!this.unread.length) this.host.drained();
    }

    /**
     * R reads the line the kernel wrote for feed `n` of execution `id` (the
     * kernel says so in R's prompt, without a feed marker). The same prompt
     * again means R is back at its prompt without having finished that
     * line's code: as a plain prompt with nothing to read.
     */
    private promptForFed(id: number, n: number): void {
        if (n > this.feeds) {
            this.feeds = n;
            this.running = id;
            this.open = undefined;
            this.browsing = false;
            return;
        }
        this.prompt();
    }

    private text(text: string, out: StreamEvent[]): void {
        const open = this.open;
        if (open?.browser?.phase === 'answering') {
            // R prompts again after browseCall(): the answer goes in now.
            const match = BROWSER_PROMPT.exec(text);
            if (match) {
                text = text.slice(0, match.index);
                this.open = undefined;
                this.browsing = true;
                this.host.write(open.browser.answer + '\n');
            }
        } else if (open?.browser?.phase === 'probing' && BROWSER_PROMPT.test(text)) {
            text = text.replace(BROWSER_PROMPT, '');
            const probes = (open.browser.probes ?? 1) + 1;
            if (probes <= MAX_PROBES) {
                // An interrupt cut browseCall() short (R's browser stays): again.
                open.browser.probes = probes;
                this.host.write(browseCall(open.id, Number(BROWSER_PROMPT.exec(open.prompt)?.[1] ?? 1)) + '\n');
            } else {
                // browseCall() fails (the kernel's tools were detached): the client is asked without the details.
                open.browser = { phase: 'asked', direct: true };
                this.host.ask(open.id, open.prompt);
            }
        } else if (this.running && !open && !this.busyReading) {
            for (const question of QUESTIONS) {
                const match = question.exec(text);
                if (!match) continue;
                text = text.slice(0, match.index);
                if (question === BROWSER_PROMPT) {
                    // R's browser: the kernel first reads where R stands (browserStopped() follows).
                    this.open = { id: this.running, prompt: match[0], browser: { phase: 'probing' } };
                    this.host.write(browseCall(this.running, Number(match[1])) + '\n');
                } else {
                    this.open = { id: this.running, prompt: match[0] };
                    this.host.ask(this.running, match[0]);
                }
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
