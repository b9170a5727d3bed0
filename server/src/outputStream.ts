import { StringDecoder } from 'string_decoder';

/**
 * Splits one of R's output streams into text and end-of-execution markers.
 *
 * At the end of every execution the kernel writes `\x1eRBM<token>:<id>\x1e`
 * to both stdout and stderr, with a token that is random per launch. Output
 * before the marker belongs to that execution. Markers may be split across
 * reads; a partial marker at the end of a chunk is held back until the next.
 * Text is decoded as UTF-8; invalid bytes become U+FFFD, never an exception.
 */
export type StreamEvent = { kind: 'text'; text: string } | { kind: 'marker'; id: string };

const RS = 0x1e;
const MAX_ID_DIGITS = 32;

export class OutputStream {
    private readonly prefix: Buffer;
    private pending: Buffer | undefined;
    private decoder = new StringDecoder('utf8');

    constructor(token: string) {
        this.prefix = Buffer.from(`\x1eRBM${token}:`, 'latin1');
    }

    push(chunk: Buffer): StreamEvent[] {
        const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
        this.pending = undefined;
        const events: StreamEvent[] = [];
        let pos = 0;
        for (;;) {
            const at = buf.indexOf(this.prefix, pos);
            if (at < 0) break;
            const idStart = at + this.prefix.length;
            const end = buf.indexOf(RS, idStart);
            if (end < 0 && buf.length - idStart <= MAX_ID_DIGITS) {
                this.text(events, buf.subarray(pos, at));
                this.pending = Buffer.from(buf.subarray(at));
                return events;
            }
            const id = end < 0 ? '' : buf.subarray(idStart, end).toString('latin1');
            if (end < 0 || end - idStart > MAX_ID_DIGITS || !/^\d+$/.test(id)) {
                // Not one of our markers after all: keep it as text.
                this.text(events, buf.subarray(pos, idStart));
                pos = idStart;
                continue;
            }
            this.text(events, buf.subarray(pos, at));
            this.flushDecoder(events);
            events.push({ kind: 'marker', id });
            pos = end + 1;
        }
        // Hold back a tail that could be the start of a marker.
        const last = buf.lastIndexOf(RS);
        if (last >= pos && buf.length - last < this.prefix.length && this.prefix.subarray(0, buf.length - last).equals(buf.subarray(last))) {
            this.text(events, buf.subarray(pos, last));
            this.pending = Buffer.from(buf.subarray(last));
        } else {
            this.text(events, buf.subarray(pos));
        }
        return events;
    }

    /** Whatever is held back, as text (the stream ended). */
    end(): StreamEvent[] {
        const events: StreamEvent[] = [];
        if (this.pending) this.text(events, this.pending);
        this.pending = undefined;
        this.flushDecoder(events);
        return events;
    }

    private text(events: StreamEvent[], bytes: Buffer): void {
        if (!bytes.length) return;
        const text = this.decoder.write(bytes);
        if (text) appendText(events, text);
    }

    private flushDecoder(events: StreamEvent[]): void {
        const rest = this.decoder.end();
        if (rest) appendText(events, rest);
        this.decoder = new StringDecoder('utf8');
    }
}

function appendText(events: StreamEvent[], text: string): void {
    const last = events[events.length - 1];
    if (last && last.kind === 'text') last.text += text;
    else events.push({ kind: 'text', text });
}
