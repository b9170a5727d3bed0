import type { RequestOptions } from './executions';

/**
 * Compiles the kernel's R functions while R is idle after it starts, a few
 * at a time (kernel request `kernel/compile`). Otherwise R's just-in-time
 * compiler compiles each on its first or second use, and the user's first
 * executions wait for it (about 100 ms in all, over the first two).
 * The rounds begin once R has been idle for a moment after it started (code
 * run at once is not held up), and a round goes only while nothing waits,
 * so an execution that comes meanwhile waits for one round at most.
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

export class Warmup {
    private pending = false;
    private compiling = false;
    private timer: NodeJS.Timeout | undefined;

    constructor(private readonly host: WarmupHost) {}

    /** A new kernel: its functions are still to be compiled, after a moment. */
    started(): void {
        this.pending = false;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            this.pending = true;
            this.whenIdle();
        }, WARMUP_DELAY_MS);
        this.timer.unref();
    }

    whenIdle(): void {
        if (!this.pending || this.compiling || !this.host.idle()) return;
        this.compiling = true;
        this.host.request('kernel/compile', { count: PER_ROUND }, undefined, { background: true }).then(
            (result) => {
                this.compiling = false;
                this.pending = ((result as { remaining?: number } | undefined)?.remaining ?? 0) > 0;
                this.whenIdle();
            },
            (e: Error) => {
                this.compiling = false;
                this.pending = false;
                this.host.log(`compiling the kernel failed: ${e.message}`);
            },
        );
    }
}
