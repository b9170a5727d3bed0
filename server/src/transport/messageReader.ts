/**
 * The server's reader of the LSP base protocol (stdin): header fields, an
 * empty line, then `Content-Length` bytes of UTF-8 JSON.
 *
 * It replaces vscode-jsonrpc's StreamMessageReader, which takes a negative
 * or huge Content-Length as it is (the first corrupts its byte count for
 * good, the second swallows the rest of the stream), stops at every framing
 * error until more bytes arrive, and hands the connection messages that the
 * connection then logs as pretty-printed JSON (JSON nested n deep costs
 * about 2n² bytes of log). This reader:
 *
 * - checks the header: names are case-insensitive, values trimmed;
 *   `Content-Length` is required, digits only, at most MAX_CONTENT_LENGTH;
 *   a `Content-Type` may name only the charset utf-8; an empty header block
 *   (a bare `\r\n`) before a header is skipped silently;
 * - after a framing error, reports it (once: further framing errors are not
 *   reported until a header is accepted again) and resynchronizes: it drops
 *   bytes up to the next `Content-Length` or `Content-Type` followed by
 *   optional blanks and a colon (any case) after the start of the bad block,
 *   and reads a header from there;
 * - reads a body in the pieces it arrives in and joins them once, decodes it
 *   as UTF-8 (invalid bytes become U+FFFD) and parses it; a body that is not
 *   JSON is reported, and when it holds the start of a header, the bytes
 *   from there are read again (they are a message that a too-large
 *   Content-Length took into the body);
 * - passes on only JSON-RPC messages as vscode-jsonrpc classifies them
 *   (request, notification, response with a string or number id); anything
 *   else is dropped with a short report. A message with a string or number
 *   id and no method that has neither `result` nor `error` is passed on as an
 *   error response, so that a server request waiting for it fails instead of
 *   waiting for ever (vscode-jsonrpc rejects it too).
 *
 * Errors are reported through the reader's error event with short messages
 * (at most about 200 characters of the bytes concerned, escaped).
 */
import { AbstractMessageReader, DataCallback, Disposable, Message } from 'vscode-languageserver/node';

/** The largest Content-Length accepted: 256 MiB. */
export const MAX_CONTENT_LENGTH = 256 * 1024 * 1024;
/** The largest header block (without its closing empty line). */
export const MAX_HEADER_BYTES = 8 * 1024;
/** The code of the error response that stands in for a response with neither result nor error. */
export const INVALID_RESPONSE_CODE = -32600;

const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const CR = 13;
const LF = 10;
/** How many bytes of the input an error message quotes at most. */
const QUOTE_HEADER = 100;
const QUOTE_BODY = 200;

/**
 * A header field that starts a header block, as the resynchronization looks
 * for it: a complete one (blanks and colon included) or, at the very end of
 * the input, one that may still become complete.
 */
const HEADER_START = /content-(?:length|type)[ \t]*(?::|$)/gi;
const HEADER_NAMES = ['content-length', 'content-type'];

type Found = { at: number } | { partial: number } | { none: true };

/**
 * The first header start in `buf` at or after `from`: `at` where a complete
 * one begins; else `partial` where a possible beginning of one runs to the
 * end of `buf` (a name cut short, or a name and blanks without the colon yet).
 */
function findHeaderStart(buf: Buffer, from: number): Found {
    if (from >= buf.length) return { none: true };
    const text = buf.toString('latin1', from);
    HEADER_START.lastIndex = 0;
    for (let m = HEADER_START.exec(text); m; m = HEADER_START.exec(text)) {
        if (m[0].endsWith(':')) return { at: from + m.index };
        // Matched at the end of the text without a colon: it may come next,
        // unless the blanks run on so long that no header would be that long.
        if (text.length - m.index <= MAX_HEADER_BYTES) return { partial: from + m.index };
        break;
    }
    // A name cut short at the end: "Content-Le".
    const tail = text.slice(Math.max(0, text.length - 13)).toLowerCase();
    for (let i = 0; i < tail.length; i++) {
        const rest = tail.slice(i);
        if (HEADER_NAMES.some((name) => name.startsWith(rest))) return { partial: buf.length - rest.length };
    }
    return { none: true };
}

/** Up to `max` characters of `bytes[start, end)` as UTF-8, in quotes, with control characters escaped. */
function quote(bytes: Buffer, start: number, end: number, max: number): string {
    const stop = Math.min(end, start + max);
    const text = bytes.toString('utf8', start, stop);
    let out = '';
    let cut = stop < end;
    for (const ch of text) {
        if (out.length >= max) {
            cut = true;
            break;
        }
        const code = ch.codePointAt(0)!;
        if (ch === '"' || ch === '\\') out += '\\' + ch;
        else if (ch === '\n') out += '\\n';
        else if (ch === '\r') out += '\\r';
        else if (ch === '\t') out += '\\t';
        else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += '\\x' + code.toString(16).padStart(2, '0');
        else out += ch;
    }
    return `"${out}"${cut ? '…' : ''}`;
}

function quoteText(text: string, max: number): string {
    return quote(Buffer.from(text.slice(0, max * 2), 'utf8'), 0, Math.min(Buffer.byteLength(text), max * 2), max);
}

/** The charset a Content-Type value names, when it is not UTF-8. */
function unsupportedCharset(value: string): string | undefined {
    const params = value.split(';');
    for (let i = 1; i < params.length; i++) {
        const eq = params[i].indexOf('=');
        if (eq < 0 || params[i].slice(0, eq).trim().toLowerCase() !== 'charset') continue;
        let charset = params[i].slice(eq + 1).trim();
        if (charset.length >= 2 && charset.startsWith('"') && charset.endsWith('"')) charset = charset.slice(1, -1);
        const lower = charset.toLowerCase();
        if (lower !== 'utf-8' && lower !== 'utf8') return charset;
    }
    return undefined;
}

const NEITHER = 'a response with neither result nor error';

function isId(id: unknown): id is string | number {
    return typeof id === 'string' || typeof id === 'number';
}

/**
 * Why a parsed body is not a message that vscode-jsonrpc takes (undefined
 * when it is one): a request (string method, string or number id), a
 * notification (string method, no id) or a response (string or number id,
 * and a result or a truthy error).
 */
function notAMessage(value: unknown): string | undefined {
    if (Array.isArray(value)) return 'a JSON array (batches are not supported)';
    if (value === null || typeof value !== 'object') return `a JSON ${value === null ? 'null' : typeof value}`;
    const m = value as { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
    if (typeof m.method === 'string') {
        if (m.id === undefined || isId(m.id)) return undefined;
        return `its id is ${m.id === null ? 'null' : Array.isArray(m.id) ? 'an array' : `a ${typeof m.id}`}, not a string or a number`;
    }
    if (isId(m.id) && (m.result !== undefined || m.error)) return undefined;
    if (m.method !== undefined) return 'its method is not a string';
    if (isId(m.id)) return NEITHER;
    if (m.id === undefined) return 'neither a method nor an id';
    return m.id === null ? 'a response with id null' : 'its id is not a string or a number';
}

export class FramedMessageReader extends AbstractMessageReader {
    private callback: DataCallback | undefined;
    private listening: Disposable | undefined;
    private closed = false;

    /** Unread input (outside a body) and the read position in it. */
    private buf: Buffer = EMPTY;
    private pos = 0;
    /** Bytes after `pos` already searched for the end of the header without finding it. */
    private searched = 0;
    /** Dropping input up to the next header start. */
    private resyncing = false;
    /** A framing error was reported and no header has been accepted since: further ones are not reported. */
    private quiet = false;

    /** The body being collected: its length (-1: none), the pieces so far and their total. */
    private need = -1;
    private parts: Buffer[] = [];
    private have = 0;
    /** The body being collected is skipped, not read. */
    private skipping = false;

    constructor(private readonly readable: NodeJS.ReadableStream) {
        super();
    }

    listen(callback: DataCallback): Disposable {
        if (this.callback) throw new Error('FramedMessageReader.listen may be called only once');
        this.callback = callback;
        const onData = (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
        const onError = (error: unknown) => this.fireError(error);
        const onClose = () => {
            if (this.closed) return;
            this.closed = true;
            this.fireClose();
        };
        this.readable.on('data', onData);
        this.readable.on('error', onError);
        this.readable.on('end', onClose);
        this.readable.on('close', onClose);
        this.listening = Disposable.create(() => {
            this.readable.removeListener('data', onData);
            this.readable.removeListener('error', onError);
            this.readable.removeListener('end', onClose);
            this.readable.removeListener('close', onClose);
        });
        return this.listening;
    }

    override dispose(): void {
        this.listening?.dispose();
        this.listening = undefined;
        super.dispose();
    }

    private onData(chunk: Buffer): void {
        if (chunk.length === 0) return;
        try {
            if (this.need >= 0) {
                // In a body: keep the pieces until it is complete.
                const missing = this.need - this.have;
                if (chunk.length < missing) {
                    if (!this.skipping) this.parts.push(chunk);
                    this.have += chunk.length;
                    return;
                }
                const body = this.skipping ? EMPTY : this.parts.length ? Buffer.concat([...this.parts, chunk.subarray(0, missing)], this.need) : chunk.subarray(0, missing);
                const skipped = this.skipping;
                this.reset(chunk, missing);
                if (!skipped) this.deliver(body);
            } else if (this.pos < this.buf.length) {
                this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
                this.pos = 0;
            } else {
                this.buf = chunk;
                this.pos = 0;
                this.searched = 0;
            }
            this.drain();
        } catch (e) {
            // A bug here must not stop the reading: start again from the next header.
            this.reset(EMPTY, 0);
            this.resyncing = true;
            this.quiet = true;
            this.fireError(new Error(`the input reader failed (${String((e as Error)?.message ?? e).slice(0, 200)}); skipping to the next header`));
        }
    }

    /** Leaves any body being collected and reads `buf` from `pos` on. */
    private reset(buf: Buffer, pos: number): void {
        this.need = -1;
        this.parts = [];
        this.have = 0;
        this.skipping = false;
        this.buf = buf;
        this.pos = pos;
        this.searched = 0;
    }

    /** Reads every complete message in `buf`, and keeps what is left for the next chunk. */
    private drain(): void {
        for (;;) {
            if (this.resyncing && !this.resync()) break;
            const length = this.readHeader();
            if (length === undefined) break;
            if (length < 0) continue;
            const available = this.buf.length - this.pos;
            if (available >= length) {
                const body = this.buf.subarray(this.pos, this.pos + length);
                this.pos += length;
                if (this.skipping) this.skipping = false;
                else this.deliver(body);
                continue;
            }
            // The body is not complete: collect it from here on.
            this.need = length;
            this.have = available;
            this.parts = available && !this.skipping ? [this.buf.subarray(this.pos)] : [];
            this.buf = EMPTY;
            this.pos = 0;
            break;
        }
        if (this.pos >= this.buf.length) {
            this.buf = EMPTY;
            this.pos = 0;
        }
    }

    /**
     * Reads a header block at `pos`. Returns the Content-Length with `pos`
     * at the body; -1 after a framing error (the caller goes on, now
     * resynchronizing); undefined when the block is not complete yet.
     */
    private readHeader(): number | undefined {
        const buf = this.buf;
        let p = this.pos;
        // Empty lines before a header (a bare "\r\n\r\n" resynchronizes).
        while (p + 1 < buf.length && buf[p] === CR && buf[p + 1] === LF) p += 2;
        if (p !== this.pos) {
            this.pos = p;
            this.searched = 0;
        }
        if (p >= buf.length || (p + 1 === buf.length && buf[p] === CR)) return undefined;
        const limit = Math.min(buf.length, p + MAX_HEADER_BYTES + HEADER_END.length);
        const end = buf.subarray(0, limit).indexOf(HEADER_END, p + this.searched);
        if (end < 0) {
            if (buf.length - p >= MAX_HEADER_BYTES + HEADER_END.length) {
                return this.framingError(p, `no end of the header within ${MAX_HEADER_BYTES} bytes: ${quote(buf, p, buf.length, QUOTE_HEADER)}`);
            }
            this.searched = Math.max(0, buf.length - p - (HEADER_END.length - 1));
            return undefined;
        }
        this.searched = 0;
        const block = buf.toString('latin1', p, end);
        const lines = block.split('\r\n');
        let length: number | undefined;
        let lengthText: string | undefined;
        let charset: string | undefined;
        for (const line of lines) {
            if (line.includes('\n') || line.includes('\r')) {
                return this.framingError(p, `a header line ends with a bare CR or LF: ${quote(buf, p, end + 4, QUOTE_HEADER)}`);
            }
            const colon = line.indexOf(':');
            if (colon < 0) return this.framingError(p, `a header line without a colon: ${quote(buf, p, end, QUOTE_HEADER)}`);
            const name = line.slice(0, colon).trim().toLowerCase();
            if (!name) return this.framingError(p, `a header line without a name: ${quote(buf, p, end, QUOTE_HEADER)}`);
            const value = line.slice(colon + 1).trim();
            if (name === 'content-length') {
                if (!/^[0-9]+$/.test(value)) {
                    return this.framingError(p, `Content-Length ${quoteText(value, 40)} is not a number of bytes`);
                }
                const n = Number(value);
                if (n > MAX_CONTENT_LENGTH) {
                    return this.framingError(p, `Content-Length ${value.length > 40 ? value.slice(0, 40) + '…' : value} is over the limit of ${MAX_CONTENT_LENGTH} bytes`);
                }
                if (length !== undefined && length !== n) return this.framingError(p, `two different Content-Length headers (${lengthText} and ${value})`);
                length = n;
                lengthText = value;
            } else if (name === 'content-type') {
                charset ??= unsupportedCharset(value);
            }
        }
        if (length === undefined) return this.framingError(p, `no Content-Length in the header ${quote(buf, p, end, QUOTE_HEADER)}`);
        this.pos = end + HEADER_END.length;
        this.quiet = false;
        if (charset !== undefined) {
            // The frame is sound: skip its body and stay in step.
            this.skipping = true;
            this.fireError(new Error(`Content-Type names the charset ${quoteText(charset, 40)}; only utf-8 is read: the message (${length} bytes) is skipped`));
        }
        return length;
    }

    /** Reports a framing error (unless one was reported since the last good header) and starts resynchronizing after `start`. */
    private framingError(start: number, what: string): number {
        if (!this.quiet) this.fireError(new Error(`framing error: ${what}; skipping to the next header`));
        this.quiet = true;
        this.pos = start + 1;
        this.searched = 0;
        this.resyncing = true;
        return -1;
    }

    /** Drops input up to the next header start; false when there is none yet (what may be the start of one is kept). */
    private resync(): boolean {
        const found = findHeaderStart(this.buf, this.pos);
        this.searched = 0;
        if ('at' in found) {
            this.pos = found.at;
            this.resyncing = false;
            return true;
        }
        this.pos = 'partial' in found ? found.partial : this.buf.length;
        return false;
    }

    /** Parses a complete body and passes it on if it is a message. */
    private deliver(body: Buffer): void {
        let message: unknown;
        try {
            message = JSON.parse(body.toString('utf8'));
        } catch (e) {
            // A message that a too-large Content-Length took into this body
            // is read again, with what follows it.
            const found = findHeaderStart(body, 1);
            const again = 'at' in found ? found.at : 'partial' in found ? found.partial : -1;
            const reason = String((e as Error)?.message ?? e);
            this.fireError(
                new Error(
                    `message body is not valid JSON (${body.length} bytes: ${quote(body, 0, body.length, 60)}): ${reason.length > 100 ? reason.slice(0, 100) + '…' : reason}${again > 0 ? `; reading again from byte ${again}, where a header starts` : ''}`,
                ),
            );
            if (again > 0) {
                const rest = this.buf.subarray(this.pos);
                this.buf = rest.length ? Buffer.concat([body.subarray(again), rest]) : body.subarray(again);
                this.pos = 0;
                this.searched = 0;
            }
            return;
        }
        const why = notAMessage(message);
        if (why === undefined) {
            this.pass(message as Message);
            return;
        }
        this.fireError(new Error(`dropped a message that is not a JSON-RPC request, notification or response (${why}): ${quote(body, 0, body.length, QUOTE_BODY)}`));
        const m = message as { id?: unknown; method?: unknown } | null;
        if (why === NEITHER && m && isId(m.id)) {
            // vscode-jsonrpc fails the request this answers; so does this error response.
            this.pass({ jsonrpc: '2.0', id: m.id, error: { code: INVALID_RESPONSE_CODE, message: 'the response had neither a result nor an error' } } as Message);
        }
    }

    private pass(message: Message): void {
        try {
            this.callback?.(message);
        } catch (e) {
            this.fireError(new Error(`the connection failed to take a message: ${String((e as Error)?.message ?? e).slice(0, 200)}`));
        }
    }
}
