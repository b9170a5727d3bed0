/**
 * When a kernel that died by itself is started again. A kernel that dies
 * unexpectedly is restarted after 0.25, 1, 2, 4, then 8 s, and at most 5
 * times in 5 minutes: a kernel that keeps dying (a crashing .Rprofile, a
 * broken R) then stays dead with its reason rather than looping, and the
 * user restarts it by hand once the cause is fixed (r/restart always starts
 * one). A kernel that fails to start at all (R not found, jsonlite missing)
 * is not retried: nothing would change on a second try.
 */
export const RESTART_DELAYS_MS = [250, 1000, 2000, 4000, 8000];
export const RESTART_WINDOW_MS = 5 * 60 * 1000;

export class RestartPolicy {
    private times: number[] = [];

    /** The delay before the next automatic restart, or undefined when the kernel died too often to try again. */
    next(now = Date.now()): number | undefined {
        this.times = this.times.filter((t) => now - t < RESTART_WINDOW_MS);
        if (this.times.length >= RESTART_DELAYS_MS.length) return undefined;
        const delay = RESTART_DELAYS_MS[this.times.length];
        this.times.push(now);
        return delay;
    }

    /** Deaths so far in the window, the one being handled included. */
    get recentDeaths(): number {
        return this.times.length + 1;
    }

    /** A restart by hand starts the count again. */
    reset(): void {
        this.times = [];
    }
}
