/**
 * `BENCH_BASELINE=<git revision> npm run bench`: the server of another
 * revision, measured in the same run as the current one, so that a change
 * can show it made nothing slower on the same machine at the same moment.
 *
 * The revision is checked out into a temporary git worktree (sharing this
 * checkout's node_modules) and built with its own scripts/build.mjs. Each
 * workload then runs on both servers in alternating rounds (current,
 * baseline, current, ...), so that a change in the machine's load hits both
 * alike, and the medians of all rounds are compared. Which of the two goes
 * first in a round alternates as well.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, SERVER } from '../test/support/paths';
import { median } from '../test/support/stats';
import { WireClient } from '../test/support/wireClient';
import { serverOptions } from './common';
import { interruptOnce, pipelined, roundTrips } from './workloads';

export interface BaselineBuild {
    revision: string;
    server: string;
    dispose(): void;
}

/** Checks `revision` out into a temporary worktree and builds its server. */
export function buildBaseline(revision: string): BaselineBuild {
    const commit = execFileSync('git', ['rev-parse', '--short', `${revision}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbridge-baseline-'));
    const tree = path.join(dir, 'tree');
    execFileSync('git', ['worktree', 'add', '--detach', tree, commit], { cwd: ROOT, stdio: 'ignore' });
    const dispose = () => {
        try {
            execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: ROOT, stdio: 'ignore' });
        } catch {
            // Removed below in any case.
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
        execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: tree, stdio: 'ignore' });
    } catch (e) {
        dispose();
        throw e;
    }
    return { revision: commit, server: path.join(tree, 'dist', 'server.js'), dispose };
}

export interface Comparison {
    measure: string;
    unit: 'ms' | '/s';
    current: number;
    baseline: number;
    /** Whether a larger figure is better (a rate). */
    higherIsBetter: boolean;
}

/** Each round starts both servers afresh: where the scheduler puts R and the server differs from one start to the next, and six rounds left A/A ratios (this code against itself) between 0.82 and 1.06. */
const ROUNDS = Number(process.env.BENCH_BASELINE_ROUNDS) || 10;
/** Long enough for either kernel's warm-up rounds to end while R is idle. */
const WARMUP_WAIT_MS = 3000;
const RTT_PER_ROUND = 400;
const PIPELINED_PER_ROUND = 3000;
/** One interrupt a round made the median of six samples: a few milliseconds each, too few to tell 10% apart. */
const INTERRUPTS_PER_ROUND = 5;

/**
 * Runs the latency workloads on the current server and the baseline in
 * alternating rounds, each on its own fresh server, in `cwd`.
 */
export async function compareWithBaseline(baseline: BaselineBuild, cwd: string, stop: (client: WireClient, what: string) => Promise<void>): Promise<Comparison[]> {
    const samples = { current: { rtt: [] as number[], rate: [] as number[], interrupt: [] as number[], start: [] as number[] }, baseline: { rtt: [] as number[], rate: [] as number[], interrupt: [] as number[], start: [] as number[] } };
    for (let round = 0; round < ROUNDS; round++) {
        // Which server goes first alternates too: the first of a pair ran
        // about 5% slower in an A/A comparison (this code against itself).
        const order = round % 2 === 0 ? (['current', 'baseline'] as const) : (['baseline', 'current'] as const);
        for (const which of order) {
            const client = new WireClient({ ...serverOptions(cwd), server: which === 'current' ? SERVER : baseline.server });
            try {
                await client.initialize(undefined, 30000);
                await client.waitForIdle(30000);
                const into = samples[which];
                into.start.push(client.firstIdleAt! - client.spawnedAt);
                // The steady state: both kernels compile their functions
                // while R is idle after it starts (kernel/compile rounds,
                // which would otherwise slip in between the executions
                // measured); section 7 measures the start itself.
                await new Promise((resolve) => setTimeout(resolve, WARMUP_WAIT_MS));
                into.rtt.push(...(await roundTrips(client, 50, RTT_PER_ROUND)).rtts);
                client.clearOutputs();
                const elapsed = await pipelined(client, PIPELINED_PER_ROUND, `b${round}`);
                into.rate.push(PIPELINED_PER_ROUND / (elapsed / 1000));
                client.clearOutputs();
                for (let k = 0; k < INTERRUPTS_PER_ROUND; k++) into.interrupt.push((await interruptOnce(client, 'Sys.sleep(100)', `i${round}-${k}`)).toAnswer);
            } finally {
                await stop(client, `${which} server (baseline comparison)`);
            }
        }
    }
    const c = samples.current;
    const b = samples.baseline;
    return [
        { measure: 'round trip `1+1` (median)', unit: 'ms', current: median(c.rtt), baseline: median(b.rtt), higherIsBetter: false },
        { measure: `${PIPELINED_PER_ROUND.toLocaleString('en-US')} pipelined \`1+1\``, unit: '/s', current: median(c.rate), baseline: median(b.rate), higherIsBetter: true },
        { measure: 'interrupt `Sys.sleep(100)` → answer (median)', unit: 'ms', current: median(c.interrupt), baseline: median(b.interrupt), higherIsBetter: false },
        { measure: 'spawn → first idle (median)', unit: 'ms', current: median(c.start), baseline: median(b.start), higherIsBetter: false },
    ];
}
