/**
 * Bounded waiting. Tests wait on events with a deadline (see the wire
 * client's waitFor, the e2e harness's waitFor); `sleep` is for the few
 * places that poll something that sends no event (a process table, an HTTP
 * port) or that deliberately let time pass, and each says why.
 */

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection naming `what` after `ms`: every wait is bounded, so that a hung server fails one test or section, not the run. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `condition` every `everyMs` until it holds; fails after `ms` with
 * `what` (and `detail()`, when given, for the failure message). For
 * conditions that no event announces, such as a process being gone.
 */
export async function pollUntil(condition: () => boolean, ms: number, what: string, everyMs = 20, detail?: () => string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail ? `; ${detail()}` : ''}`);
        await sleep(everyMs);
    }
}
