/**
 * The server ↔ kernel wire (see docs/protocol.md, "Kernel wire"): frames of a
 * 12-byte header (the length of the rest as 11 zero-padded decimal digits and
 * "\n"), a line of space-separated ASCII fields (kind, id, extra fields) and
 * a body of raw bytes.
 */

export const KERNEL_PROTOCOL_VERSION = 3;

const HEADER_BYTES = 12;
/** Bigger frames are refused: nothing legitimate comes near this size. */
export const MAX_FRAME_BYTES = 1 << 30;

export interface Frame {
    kind: string;
    id: string;
    fields: string[];
    body: Buffer;
}

export function encodeFrame(kind: string, id: string | number, fields: readonly (string | number)[], body: Buffer | string = ''): Buffer {
    const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const head = Buffer.from([kind, String(id), ...fields.map(String)].join(' ') + '\n', 'latin1');
    const restLength = head.length + bodyBytes.length;
    const header = Buffer.from(String(restLength).padStart(11, '0') + '\n', 'latin1');
    return Buffer.concat([header, head, bodyBytes], HEADER_BYTES + restLength);
}

export class FrameError extends Error {}

/**
 * Incremental frame decoder: feed it chunks as they arrive, get whole frames
 * back. A malformed header is a protocol violation (the kernel is not ours or
 * is broken) and throws.
 */
export class FrameDecoder {
    private chunks: Buffer[] = [];
    private buffered = 0;
    private expected = -1;

    push(chunk: Buffer): Frame[] {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        const frames: Frame[] = [];
        for (;;) {
            if (this.expected < 0) {
                if (this.buffered < HEADER_BYTES) break;
                const header = this.take(HEADER_BYTES).toString('latin1');
                if (!/^\d{11}\n$/.test(header)) throw new FrameError(`malformed frame header ${JSON.stringify(header)}`);
                this.expected = Number(header.slice(0, 11));
                if (this.expected > MAX_FRAME_BYTES) throw new FrameError(`frame of ${this.expected} bytes is too large`);
            }
            if (this.buffered < this.expected) break;
            const rest = this.take(this.expected);
            this.expected = -1;
            const newline = rest.indexOf(10);
            if (newline < 0) throw new FrameError('frame without a field line');
            const parts = rest.subarray(0, newline).toString('latin1').split(' ');
            frames.push({ kind: parts[0], id: parts[1] ?? '0', fields: parts.slice(2), body: rest.subarray(newline + 1) });
        }
        return frames;
    }

    private take(n: number): Buffer {
        const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
        const out = all.subarray(0, n);
        const rest = all.subarray(n);
        this.chunks = rest.length ? [rest] : [];
        this.buffered = rest.length;
        return out;
    }
}
