/**
 * What every stress file shares: the suite's global deadline, a seeded
 * random generator (so that a failing run can be replayed with
 * STRESS_SEED), figures printed for the report, and the few waits that are
 * deliberately "a random moment" rather than an event.
 *
 * Each stress file is bundled on its own (scripts/build.mjs --stress), so
 * module state is per file; what must be shared across files (the suite's
 * start time and deadline timer) lives on globalThis.
 *
 * Statistics and number formatting are in test/support/stats.ts, /proc
 * readings and the registry of processes started in test/support/procs.ts,
 * shared with the other tiers and the benchmarks.
 */
import { killEverythingStarted } from '../support/procs';
import { sleep } from '../support/time';

/** The whole stress run must end within this (STRESS_BUDGET_MS overrides). */
const SUITE_BUDGET_MS = Number(process.env.STRESS_BUDGET_MS) || 10 * 60_000;

interface Shared {
    startedAt: number;
    timer?: NodeJS.Timeout;
}
const shared = ((globalThis as { __rbridgeStress?: Shared }).__rbridgeStress ??= { startedAt: Date.now() });

/**
 * Arms the suite-wide deadline once: when it passes, whatever the tests
 * started is killed by pid and the run exits with a failure, so that a
 * deadlock can never keep the machine busy.
 */
export function armSuiteDeadline(): void {
    if (shared.timer) return;
    shared.timer = setTimeout(() => {
        process.stderr.write(`\nstress suite: global deadline of ${SUITE_BUDGET_MS / 1000} s passed; stopping everything it started\n`);
        const killed = killEverythingStarted();
        process.stderr.write(`stress suite: killed ${killed} leftover process(es)\n`);
        process.exit(3);
    }, SUITE_BUDGET_MS);
    shared.timer.unref();
}

/** Milliseconds left of the suite's budget. */
export function budgetLeft(): number {
    return shared.startedAt + SUITE_BUDGET_MS - Date.now();
}

/** A small, fast, seedable PRNG (mulberry32): the same seed replays the same run. */
export class Random {
    private state: number;
    constructor(readonly seed: number) {
        this.state = seed >>> 0;
    }
    /** [0, 1) */
    next(): number {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    /** An integer in [min, max]. */
    int(min: number, max: number): number {
        return min + Math.floor(this.next() * (max - min + 1));
    }
    pick<T>(items: readonly T[]): T {
        return items[Math.floor(this.next() * items.length)];
    }
    chance(p: number): boolean {
        return this.next() < p;
    }
}

/** The seed of this run: STRESS_SEED if set, else a fresh one (printed, to replay a failure). */
export function seedFor(name: string): Random {
    const seed = process.env.STRESS_SEED ? Number(process.env.STRESS_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
    report(`${name}: seed ${seed} (replay with STRESS_SEED=${seed})`);
    return new Random(seed);
}

/** Prints a figure for the report, indented under the running test. */
export function report(line: string): void {
    process.stdout.write(`      · ${line}\n`);
}

/**
 * Waits a given time. Used only where the scenario itself is "at a random
 * moment" (killing R, interleaving operations); everything else waits on
 * events with deadlines.
 */
export function pause(ms: number): Promise<void> {
    return sleep(ms);
}
