import { StringDecoder } from 'string_decoder';

/**
 * Splits one of R's output streams into text and end-of-execution markers.
 *
 * At the end of every execution the kernel writes `\x1eRBM<token>:<id>\x1e`
 * to both stdout and stderr, with a token that is random per launch. Output
 * before the marker belongs to that execution. Around text it writes to
 * stderr it writes sync markers, `\x1eRBM<token>:s<n>\x1e`, to both (see
 * StreamMerger). Markers may be split across
 * reads; a partial marker at the end of a chunk is held back until the next.
 * Text is decoded as UTF-8; invalid bytes become U+FFFD, never an exception.
 */
export type StreamEvent =
    | { kind: 'text'; text: string }
    | { kind: 'marker'; id: string }
    | { kind: 'sync'; n: number }
    /**
     * R waits for a line at its prompt (stdout only, see RConsole); `fed`:
     * the line the kernel wrote itself for feed `n` of execution `id`.
     */
    | { kind: 'prompt'; continued: boolean; fed?: { id: number; n: number } }
    /**
     * R reads lines `from`..`to` of execution `id` next, for the server to
     * write, or, with `text`, that one line, which joins the expressions of
     * those lines (stdout only). A line the kernel writes itself is said in
     * R's prompt instead (`prompt` with `fed`).
     */
    | { kind: 'feed'; id: number; from: number; to: number; text?: string };
export type StreamName = 'stdout' | 'stderr';

const RS = 0x1e;
const MAX_ID_DIGITS = 48;
const FEED = /^f(\d+)\.(\d+)\.(\d+)$/;
const FED_PROMPT = /^q(\d+)\.(\d+)$/;
const JOIN = 0x6a; // "j"
const JOINED = /^j(\d+)\.(\d+)\.(\d+):([^\n]*)$/s;
/** The longest joined feed: the kernel joins up to 4,000 bytes of code (kernel/repl.R). */
const MAX_JOINED = 8192;

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
            if (buf[idStart] === JOIN) {
                // A joined feed carries its line of code: longer, and UTF-8.
                if (end < 0 && buf.length - idStart <= MAX_JOINED) {
                    this.text(events, buf.subarray(pos, at));
                    this.pending = Buffer.from(buf.subarray(at));
                    return events;
                }
                const joined = end < 0 ? null : JOINED.exec(buf.subarray(idStart, end).toString('utf8'));
                if (joined) {
                    this.text(events, buf.subarray(pos, at));
                    this.flushDecoder(events);
                    events.push({ kind: 'feed', id: Number(joined[1]), from: Number(joined[2]), to: Number(joined[3]), text: joined[4] });
                    pos = end + 1;
                    continue;
                }
            }
            const id = end < 0 ? '' : buf.subarray(idStart, end).toString('latin1');
            const feed = FEED.exec(id);
            const fed = FED_PROMPT.exec(id);
            if (end < 0 || end - idStart > MAX_ID_DIGITS || !(feed || fed || /^(s?\d+|p|c)$/.test(id))) {
                // Not one of our markers after all: keep it as text.
                this.text(events, buf.subarray(pos, idStart));
                pos = idStart;
                continue;
            }
            this.text(events, buf.subarray(pos, at));
            this.flushDecoder(events);
            if (feed) events.push({ kind: 'feed', id: Number(feed[1]), from: Number(feed[2]), to: Number(feed[3]) });
            else if (fed) events.push({ kind: 'prompt', continued: false, fed: { id: Number(fed[1]), n: Number(fed[2]) } });
            else if (id === 'p' || id === 'c') events.push({ kind: 'prompt', continued: id === 'c' });
            else events.push(id.startsWith('s') ? { kind: 'sync', n: Number(id.slice(1)) } : { kind: 'marker', id });
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

/**
 * Merges the events of R's two output streams in the order R wrote them, as
 * far as the sync markers tell: R writes sync n to both streams, and
 * nothing that follows sync n on one stream is passed on before everything
 * that precedes sync n on the other. Between two syncs the streams are
 * passed on as they are read. Events other than syncs are passed on; syncs
 * are consumed here.
 */
export class StreamMerger {
    private readonly reached: Record<StreamName, number> = { stdout: 0, stderr: 0 };
    private readonly held: Record<StreamName, { at: number; events: StreamEvent[] } | undefined> = { stdout: undefined, stderr: undefined };

    constructor(private readonly emit: (stream: StreamName, event: StreamEvent) => void) {}

    push(stream: StreamName, events: StreamEvent[]): void {
        const held = this.held[stream];
        if (held) held.events.push(...events);
        else this.run(stream, events);
    }

    /** Passes on everything held back, stdout first (the kernel is gone: no sync will come). */
    flush(): void {
        for (const stream of ['stdout', 'stderr'] as const) {
            const held = this.held[stream];
            this.held[stream] = undefined;
            for (const event of held?.events ?? []) if (event.kind !== 'sync') this.emit(stream, event);
        }
    }

    private run(stream: StreamName, events: StreamEvent[]): void {
        const other: StreamName = stream === 'stdout' ? 'stderr' : 'stdout';
        for (let i = 0; i < events.length; i++) {
            const event = events[i];
            if (event.kind !== 'sync') {
                this.emit(stream, event);
                continue;
            }
            this.reached[stream] = event.n;
            const waits = this.reached[other] < event.n;
            if (waits) this.held[stream] = { at: event.n, events: events.slice(i + 1) };
            // The other stream may have been waiting for this one to get here.
            const otherHeld = this.held[other];
            if (otherHeld && this.reached[stream] >= otherHeld.at) {
                this.held[other] = undefined;
                this.run(other, otherHeld.events);
            }
            if (waits) {
                // Released by the other stream in the meantime?
                const mine = this.held[stream];
                if (mine && this.reached[other] >= mine.at) {
                    this.held[stream] = undefined;
                    this.run(stream, mine.events);
                }
                return;
            }
        }
    }
}
