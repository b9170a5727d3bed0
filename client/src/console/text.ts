/**
 * Text helpers for the R console: ANSI styles, the classification of R's
 * stderr into messages, warnings and errors, and display widths.
 *
 * No `vscode` import: the console's logic is tested in plain Node.
 */

export type OutputStyle = 'stdout' | 'message' | 'warning' | 'error' | 'info' | 'location';

const SGR: Record<OutputStyle, string> = {
    stdout: '',
    // Messages (message(), package start-up notes) in cyan, warnings in
    // yellow and errors in red: the three kinds of stderr text R users tell
    // apart at a glance.
    message: '\x1b[36m',
    warning: '\x1b[33m',
    error: '\x1b[31m',
    // The console's own notes (R started, R died) are dim and italic, so they
    // never pass for R's output.
    info: '\x1b[2;3m',
    // "at file.R:12" after an error: underlined, as links are.
    location: '\x1b[2;4m',
};
const RESET = '\x1b[0m';

/** `text` in the colour of `style`, with line breaks as the terminal wants them (CR LF). */
export function styled(style: OutputStyle, text: string): string {
    const crlf = toCrlf(text);
    const sgr = SGR[style];
    return sgr ? sgr + crlf + RESET : crlf;
}

export function toCrlf(text: string): string {
    return text.replace(/\r?\n/g, '\r\n');
}

/** Removes ANSI escape sequences (CSI and OSC), for the plain-text transcript. */
export function stripAnsi(text: string): string {
    // eslint-disable-next-line no-control-regex
    return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[78=>]/g, '');
}

/**
 * Each line as a terminal leaves it when parts of it are separated by
 * carriage returns: every part overwrites the start of what was there (a
 * progress bar redrawn in place becomes its last state, not one line per
 * frame). Expects LF line breaks; widths are counted in UTF-16 units, which
 * is exact for the ASCII that progress bars print.
 */
export function overstrikeCarriageReturns(text: string): string {
    if (!text.includes('\r')) return text;
    return text
        .split('\n')
        .map((line) => {
            if (!line.includes('\r')) return line;
            let shown = '';
            for (const part of line.split('\r')) shown = part + shown.slice(part.length);
            return shown;
        })
        .join('\n');
}

/**
 * Splits R's stderr into styled pieces. R prints messages, warnings and
 * errors all on stderr; which is which shows in how a line begins:
 * "Error" (or "Error in f() :"), "Warning message", "Warning in", "There
 * were 12 warnings". Indented lines and the numbered or "In f() :" lines of
 * a warning listing continue the kind of the line before. Anything else on
 * stderr is a message. The classifier keeps its place across chunks, since
 * chunks are not aligned to lines.
 */
export class StderrClassifier {
    private style: OutputStyle = 'message';
    private atLineStart = true;
    /** The last line was a header ("Warning message:"): the next one is its body, whatever it looks like. */
    private afterHeader = false;

    /** A new execution: whatever R prints next starts afresh. */
    reset(): void {
        this.style = 'message';
        this.atLineStart = true;
        this.afterHeader = false;
    }

    classify(text: string): { style: OutputStyle; text: string }[] {
        const pieces: { style: OutputStyle; text: string }[] = [];
        let from = 0;
        while (from < text.length) {
            const eol = text.indexOf('\n', from);
            const end = eol < 0 ? text.length : eol + 1;
            const line = text.slice(from, end);
            if (this.atLineStart) {
                // What R colours itself (rlang's and cli's errors) is read without its colours.
                const plain = line.includes('\x1b') ? stripAnsi(line) : line;
                if (!this.afterHeader) this.style = StderrClassifier.kindOf(plain, this.style);
                this.afterHeader = /^(Warning messages?|Error|In addition: Warning messages?):\s*$/.test(plain.replace(/\r?\n$/, ''));
            }
            const last = pieces[pieces.length - 1];
            if (last && last.style === this.style) last.text += line;
            else pieces.push({ style: this.style, text: line });
            this.atLineStart = eol >= 0;
            from = end;
        }
        return pieces;
    }

    private static kindOf(line: string, previous: OutputStyle): OutputStyle {
        if (/^Error\b/.test(line)) return 'error';
        if (/^(Warning\b|There (were|was) .*warning)/.test(line)) return 'warning';
        if (previous === 'warning' && /^(\s|In |\d+: |Calls: )/.test(line)) return 'warning';
        // rlang's and cli's errors go on in bullets: "! boom", "ℹ In argument: ...".
        if (previous === 'error' && /^(\s|Calls: |In addition: |[!ℹ✖✔•×*] )/.test(line)) return previous;
        if (/^In addition: /.test(line)) return 'warning';
        return 'message';
    }
}

/**
 * How many terminal columns `text` takes: wide East Asian characters and
 * most emoji take two, combining marks none. An approximation of wcwidth that
 * is good enough to erase and redraw the prompt line.
 */
export function displayWidth(text: string): number {
    let width = 0;
    for (const ch of text) {
        const code = ch.codePointAt(0)!;
        if (code < 32 || (code >= 0x7f && code < 0xa0)) continue;
        if ((code >= 0x300 && code <= 0x36f) || code === 0x200b || (code >= 0xfe00 && code <= 0xfe0f)) continue;
        width += isWide(code) ? 2 : 1;
    }
    return width;
}

function isWide(code: number): boolean {
    return (
        (code >= 0x1100 && code <= 0x115f) ||
        (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
        (code >= 0xac00 && code <= 0xd7a3) ||
        (code >= 0xf900 && code <= 0xfaff) ||
        (code >= 0xfe30 && code <= 0xfe4f) ||
        (code >= 0xff00 && code <= 0xff60) ||
        (code >= 0xffe0 && code <= 0xffe6) ||
        (code >= 0x1f300 && code <= 0x1faff) ||
        (code >= 0x20000 && code <= 0x3fffd)
    );
}
