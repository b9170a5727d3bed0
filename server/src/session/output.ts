/**
 * R's output on its way to the client: text is batched (every 20 ms or
 * 64 KiB, whichever comes first; consecutive text of one execution and
 * stream in one r/output), and R is paused while the client falls too far
 * behind in taking it.
 */
import type { OutputParams } from '../../../common/protocol';

const FLUSH_MS = 20;
const FLUSH_CHARS = 64 * 1024;
/** Stop reading R's output while this much is written but not yet taken by the client. */
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

export class OutputBatcher {
    private buffer: OutputParams[] = [];
    private chars = 0;
    private timer: NodeJS.Timeout | undefined;
    private unacknowledged = 0;
    private paused = false;

    /**
     * `send` resolves once the client's connection has taken the text;
     * `pause` stops (true) or resumes (false) reading R's output.
     */
    constructor(
        private readonly send: (params: OutputParams) => Promise<void>,
        private readonly pause: (paused: boolean) => void,
    ) {}

    add(executionId: string | null, stream: 'stdout' | 'stderr', text: string): void {
        const last = this.buffer[this.buffer.length - 1];
        if (last && last.executionId === executionId && last.stream === stream) last.text += text;
        else this.buffer.push({ executionId, stream, text });
        this.chars += text.length;
        if (this.chars >= FLUSH_CHARS) this.flush();
        else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
    }

    /** Sends what is buffered now (before an answer, a condition or a status that must come after it). */
    flush(): void {
        clearTimeout(this.timer);
        this.timer = undefined;
        if (!this.buffer.length) return;
        const batch = this.buffer;
        this.buffer = [];
        this.chars = 0;
        for (const params of batch) {
            const size = params.text.length;
            this.unacknowledged += size;
            void this.send(params).then(
                () => this.acknowledge(size),
                () => this.acknowledge(size),
            );
        }
        if (!this.paused && this.unacknowledged > HIGH_WATER) {
            this.paused = true;
            this.pause(true);
        }
    }

    private acknowledge(size: number): void {
        this.unacknowledged -= size;
        if (this.paused && this.unacknowledged < LOW_WATER) {
            this.paused = false;
            this.pause(false);
        }
    }
}
