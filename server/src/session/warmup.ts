import type { RequestOptions } from './executions';

/**
 * Compiles the kernel's R functions while R is idle after it starts, a few
 * at a time (kernel request `kernel/compile`). Otherwise R's just-in-time
 * compiler compiles each on its first or second use, and the user's first
 * executions wait for it (about 100 ms in all, over the first two).
 * The rounds begin once R has been idle for a moment after it started (code
 * run at once is not held up). A round goes once R has been idle for
 * IDLE_GAP_MS, so that executions that follow each other (a script's, a
 * benchmark's) are not interleaved with rounds; but when R never rests that
 * long, one goes in a pause between executions at most every
 * ROUND_EVERY_MS, so that the compiling still ends (the interrupt's path
 * first). An execution that comes during a round waits for it: a few
 * milliseconds.
 */
export interface WarmupHost {
    request(method: string, params: unknown, token: undefined, options: RequestOptions): Promise<unknown>;
    /** Whether a kernel is ready and nothing waits for it. */
    idle(): boolean;
    log(message: string): void;
}

/** Functions compiled per round: a few milliseconds each, which is as long as an execution that comes meanwhile waits. */
const PER_ROUND = 2;
/** How long R is left alone after it starts. */
export const WARMUP_DELAY_MS = 300;
/** How long R must have been idle before a round goes (after each piece of work). */
export const IDLE_GAP_MS = 40;
/** When R is never idle that long: a round in a pause at most this often. */
const ROUND_EVERY_MS = 250;

export class Warmup {
    private pending = false;
    private compiling = false;
    private timer: NodeJS.Timeout | undefined;
    private gap: NodeJS.Timeout | undefined;
    private lastRound = 0;

    constructor(private readonly host: WarmupHost) {}

    /** A new kernel: its functions are still to be compiled, after a moment. */
    started(): void {
        this.pending = false;
        this.lastRound = performance.now();
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            this.pending = true;
            this.whenIdle();
        }, WARMUP_DELAY_MS);
        this.timer.unref();
    }

    /** The work queue changed: a round goes once R has stayed idle for IDLE_GAP_MS. */
    whenIdle(): void {
        clearTimeout(this.gap);
        if (!this.pending || this.compiling || !this.host.idle()) return;
        if (performance.now() - this.lastRound >= ROUND_EVERY_MS) {
            this.round();
            return;
        }
        this.gap = setTimeout(() => this.round(), IDLE_GAP_MS);
        this.gap.unref();
    }

    private round(): void {
        if (!this.pending || this.compiling || !this.host.idle()) return;
        this.compiling = true;
        this.host.request('kernel/compile', { count: PER_ROUND }, undefined, { background: true }).then(
            (result) => {
                this.compiling = false;
                this.lastRound = performance.now();
                this.pending = ((result as { remaining?: number } | undefined)?.remaining ?? 0) > 0;
                // Rounds follow each other while R stays idle.
                this.round();
            },
            (e: Error) => {
                this.compiling = false;
                this.pending = false;
                this.host.log(`compiling the kernel failed: ${e.message}`);
            },
        );
    }
}
