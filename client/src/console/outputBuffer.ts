/**
 * Output waiting to be written to the console, bounded in lines and
 * characters. R can print a million lines in a second; a terminal that is
 * handed all of them stalls the window while it renders text nobody can
 * read, and its scrollback keeps only the last thousand lines anyway. So
 * output is collected between flushes, and when a burst exceeds the bounds
 * the oldest part is dropped and replaced by one line saying how much was
 * left out.
 *
 * No `vscode` import: tested in plain Node.
 */
import { OutputStyle } from './text';

export interface Segment {
    style: OutputStyle;
    text: string;
    /** Line breaks in `text`. */
    lines: number;
}

export interface Limits {
    /** Most lines kept between two flushes. */
    maxLines: number;
    /** Most characters kept between two flushes. */
    maxChars: number;
}

export interface Drained {
    segments: Segment[];
    /** Lines dropped since the last flush (whole or partial). */
    omittedLines: number;
    /** Characters dropped since the last flush. */
    omittedChars: number;
}

export class OutputBuffer {
    private segments: Segment[] = [];
    private lines = 0;
    private chars = 0;
    private omittedLines = 0;
    private omittedChars = 0;

    constructor(private readonly limits: Limits) {}

    get isEmpty(): boolean {
        return this.segments.length === 0 && this.omittedChars === 0;
    }

    append(style: OutputStyle, text: string): void {
        if (!text) return;
        const lines = countLines(text);
        const last = this.segments[this.segments.length - 1];
        // Consecutive text of one style is one segment, so that a stream of
        // small chunks does not become a long array.
        if (last && last.style === style && last.text.length < 65536) {
            last.text += text;
            last.lines += lines;
        } else {
            this.segments.push({ style, text, lines });
        }
        this.lines += lines;
        this.chars += text.length;
        this.trim();
    }

    /** Hands out what is waiting and starts afresh. */
    drain(): Drained {
        const drained = { segments: this.segments, omittedLines: this.omittedLines, omittedChars: this.omittedChars };
        this.segments = [];
        this.lines = this.chars = this.omittedLines = this.omittedChars = 0;
        return drained;
    }

    private trim(): void {
        const { maxLines, maxChars } = this.limits;
        // Whole segments first: cheap, and most of a burst goes this way.
        while (this.segments.length > 1 && (this.lines - this.segments[0].lines > maxLines || this.chars - this.segments[0].text.length > maxChars)) {
            const first = this.segments.shift()!;
            this.drop(first.lines, first.text.length);
        }
        const first = this.segments[0];
        if (!first) return;
        let cut = 0;
        if (this.lines > maxLines) {
            // Drop the first (lines - maxLines) lines of the first segment.
            let excess = this.lines - maxLines;
            while (excess > 0 && cut < first.text.length) {
                const eol = first.text.indexOf('\n', cut);
                if (eol < 0) break;
                cut = eol + 1;
                excess--;
            }
        }
        // The other segments fit the character bound (or there are none), so
        // the excess comes out of the first one.
        if (this.chars > maxChars) cut = Math.max(cut, this.chars - maxChars);
        cut = Math.min(cut, first.text.length);
        if (cut === 0) return;
        const droppedText = first.text.slice(0, cut);
        const droppedLines = countLines(droppedText);
        first.text = first.text.slice(cut);
        first.lines -= droppedLines;
        this.drop(droppedLines, cut);
        if (!first.text) this.segments.shift();
    }

    private drop(lines: number, chars: number): void {
        this.lines -= lines;
        this.chars -= chars;
        this.omittedLines += lines;
        this.omittedChars += chars;
    }
}

export function countLines(text: string): number {
    let count = 0;
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) count++;
    return count;
}
